"""The "Your own digit" page in AppTest: it opens with the shipped demo model and waits for a
picture; an uploaded PNG of a digit shows what the model makes of it (reconstructions, code, map,
neighbours, cluster, percentile); a picture it cannot use gives an error and the page keeps
working; a model of other data (8x8 digits) is told to train on MNIST first."""

import io
import re

import numpy as np
import pytest
from PIL import Image

from tests.builders import open_page, readable, record_slots

from aecore.data.datasets import load_mnist_sample

TIMEOUT = 300
PAGE = "aecore_app/app_pages/digit.py"


def _no_exception(at):
    assert not at.exception, [e.value for e in at.exception]


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def _digit_on_paper(index: int) -> tuple[bytes, int]:
    """An MNIST digit as dark ink on white paper, enlarged and off-centre, as a PNG; its label."""
    ds = load_mnist_sample()
    ink = Image.fromarray((ds.X[index].reshape(28, 28) * 255).round().astype(np.uint8)).resize((100, 100))
    paper = np.full((220, 180), 255, np.uint8)
    paper[20:120, 60:160] = 255 - np.asarray(ink)
    return _png(paper), int(ds.y[index])


def _upload(at, name: str, data: bytes):
    at.file_uploader(key="digit.upload").set_value((name, data, "image/png")).run()
    _no_exception(at)
    return at


def test_the_page_opens_with_the_demo_model_and_waits_for_a_digit():
    at = open_page(PAGE, timeout=TIMEOUT)
    assert at.title[0].value == "Your own digit"
    assert any(i.value.startswith("Draw a digit, take a photo") for i in at.info), [i.value for i in at.info]
    assert [u for u in at.get("file_uploader") if u.key == "digit.upload"]
    assert not at.error and not at.get("plotly_chart")


@pytest.mark.slow
def test_an_uploaded_digit_is_compared_with_the_training_digits(monkeypatch):
    from aecore_app import caches

    caches.digit_references.clear()  # an earlier test's digit (test_digit_canvas_payload.py) fitted it
    taken = record_slots(monkeypatch)
    at = open_page(PAGE, timeout=TIMEOUT)
    data, label = _digit_on_paper(3210)
    _upload(at, "my digit.png", data)
    assert not at.error, [e.value for e in at.error]
    charts = at.get("plotly_chart")
    assert len(charts) == 5, len(charts)  # input + reconstructions, code, map, two neighbour rows
    assert {m.label for m in at.metric} == {"Autoencoder's error (MSE)", "PCA's error (MSE, 10 components)"}
    texts = [readable(m.value).replace("**", "") for m in at.markdown]
    shares = [re.search(r"(\d) of (\d) share the majority label (\d)", s) for s in texts]
    shares = [m.groups() for m in shares if m]
    assert len(shares) == 2, texts  # code space, then pixel space
    count, n, majority = map(int, shares[0])
    assert n == 8 and majority == label and count >= 5, shares
    assert any(re.match(r"Stranger than \d+ % of the training digits", s) for s in texts), texts
    assert any(re.match(r"It falls in cluster \d+ of 10", s) for s in texts), texts
    assert taken == ["Preparing the digit comparison"], taken

    at.run()  # a rerun reuses the model's comparison: no second fit
    _no_exception(at)
    assert taken == ["Preparing the digit comparison"] and len(at.get("plotly_chart")) == 5


@pytest.mark.slow
def test_a_picture_it_cannot_use_gives_an_error_and_the_page_keeps_working():
    at = open_page(PAGE, timeout=TIMEOUT)
    _upload(at, "notes.png", b"these are my notes, not a picture")
    errors = [readable(e.value) for e in at.error]
    assert any("Could not use this picture: The picture is not a PNG or JPEG image" in e for e in errors), errors
    assert not at.get("plotly_chart")

    _upload(at, "blank.png", _png(np.full((60, 60), 255, np.uint8)))
    errors = [readable(e.value) for e in at.error]
    assert any("shows no digit" in e for e in errors), errors

    data, _ = _digit_on_paper(10)
    _upload(at, "digit.png", data)
    assert not at.error and len(at.get("plotly_chart")) == 5


@pytest.mark.slow
def test_a_model_of_8x8_digits_is_told_to_train_on_mnist():
    link = {"data": "digits", "preset": "recommended", "k": "3", "hidden": "16", "epochs": "2"}
    at = open_page(PAGE, link, timeout=TIMEOUT)
    at.button(key="link.train").click().run()
    _no_exception(at)
    infos = [readable(i.value) for i in at.info]
    assert any(i.startswith("This page needs a model of 28x28 handwritten-digit images") and "digits" in i
               for i in infos), infos
    assert not [u for u in at.get("file_uploader") if u.key == "digit.upload"]
