"""The Runs page's "Encode new data with the current model": an upload becomes codes, errors, a
histogram and downloads; a file that does not fit the model is refused with an error that names
what was received and what the model expects, and leaves the current model as it was."""

import io
import re

import numpy as np
import pytest

from tests.builders import open_page, readable, record_slots

from aecore.runs import export
from aecore.data.datasets import load_dataset, load_mnist_sample
from aecore_app import model_links
from aecore_app.data_ui import upload_key
from aecore_app.session import ModelKey

TIMEOUT = 300
PAGE = "aecore_app/app_pages/runs.py"
DEMO = "mnist-recommended"


def _no_exception(at):
    assert not at.exception, [e.value for e in at.exception]


def _with_demo():
    """The Runs page with the shipped recommended MNIST demo opened as the current model."""
    at = open_page(PAGE, timeout=TIMEOUT)
    at.selectbox(key="runs.choice").set_value(f"demo:{DEMO}").run()
    at.button(key="runs.open").click().run()
    _no_exception(at)
    assert at.session_state["current_model"].key == ModelKey.trained("mnist_sample", model_links.form_config("recommended"))
    return at


def _upload(at, name: str, data: bytes, mime: str):
    at.file_uploader(key="encode.upload").set_value((name, data, mime)).run()
    _no_exception(at)
    return at


def _csv(n_rows: int, n_columns: int, seed: int = 0) -> bytes:
    values = np.random.default_rng(seed).integers(0, 256, size=(n_rows, n_columns))
    header = ",".join(f"c{j}" for j in range(n_columns))
    return (header + "\n" + "\n".join(",".join(map(str, row)) for row in values)).encode()


def _errors(at) -> list[str]:
    return [readable(e.value) for e in at.error]


def test_a_new_session_encodes_with_the_recommended_demo():
    at = open_page(PAGE, timeout=TIMEOUT)
    assert at.session_state["current_model"].key == ModelKey.trained("mnist_sample", model_links.form_config("recommended"))
    assert [u for u in at.get("file_uploader") if u.key == "encode.upload"]


def test_without_any_model_the_section_says_so(monkeypatch):
    from aecore_app import session

    monkeypatch.setattr(session, "default_demo", lambda: None)  # As if no demo shipped.
    at = open_page(PAGE, timeout=TIMEOUT)
    assert "current_model" not in at.session_state
    assert any(i.value.startswith("There is no current model yet") for i in at.info), [i.value for i in at.info]
    assert not [u for u in at.get("file_uploader") if u.key == "encode.upload"]


@pytest.mark.slow
def test_mnist_images_are_encoded_with_the_demo_model(monkeypatch):
    taken = record_slots(monkeypatch)
    at = _with_demo()
    images = (load_mnist_sample().X[:200].reshape(-1, 28, 28) * 255).round().astype(np.uint8)
    buffer = io.BytesIO()
    np.save(buffer, images)
    data = buffer.getvalue()
    _upload(at, "new digits.npy", data, "application/octet-stream")
    assert not at.error, _errors(at)

    current = at.session_state["current_model"]
    outcome = at.session_state["encode.results"].get((current.key.id, upload_key(data), None))
    k = current.config.n_components
    assert outcome.error is None and outcome.encoded.codes.shape == (200, k)
    assert outcome.encoded.errors.shape == (200,) and np.isfinite(outcome.encoded.errors).all()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["rows encoded"] == "200" and metrics["latent size"] == str(k)
    assert re.fullmatch(r"\d+\.\d%", metrics["above the training data's 95th percentile"]), metrics
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    figure = charts[0].proto.spec
    assert '"new rows"' in figure and '"training data"' in figure
    downloads = {d.key for d in at.get("download_button")}
    assert downloads == {"encode.download.csv", "encode.download.npy", "encode.download.parquet"}
    preview = at.dataframe[-1].value
    assert preview.shape == (10, k + 1) and preview.columns[-1] == "reconstruction_error"
    assert taken == ["encoding"], taken

    at.run()  # a rerun shows the kept result: nothing is read or encoded again
    _no_exception(at)
    assert taken == ["encoding"] and len(at.get("download_button")) == 3


@pytest.mark.slow
def test_a_table_with_other_columns_is_refused_and_the_model_kept():
    at = _with_demo()
    before = at.session_state["current_model"]
    _upload(at, "twelve.csv", _csv(30, 12), "text/csv")
    errors = _errors(at)
    assert any(re.search(r"Could not encode \*\*twelve\.csv\*\*: The data have 12 features per row but the model was "
                         r"trained on 784 \(28x28 images\)", e) for e in errors), errors
    assert at.session_state["current_model"] == before
    assert not at.get("download_button") and not at.get("plotly_chart")
    at.switch_page("aecore_app/app_pages/reconstructions.py").run()  # the model still works on every page
    _no_exception(at)
    assert at.session_state["current_model"] == before


@pytest.mark.slow
def test_a_standardised_table_is_refused_for_a_model_trained_on_0_1_pixels():
    at = _with_demo()
    before = at.session_state["current_model"]
    _upload(at, "pixels.csv", _csv(20, 784), "text/csv")
    errors = _errors(at)
    assert any(re.search(r"read as 'each column standardised .*' but the model was trained on data scaled as "
                         r"'pixels divided by 255 \(range 0-1\)'", e) for e in errors), errors
    assert at.session_state["current_model"] == before
    assert not at.get("download_button")


@pytest.fixture(scope="module")
def digits_run():
    """A tiny model of scikit-learn's 8x8 digits (scaled 0-1), to save as a run of data the app lacks."""
    from aecore.presets import TrainConfig

    digits = load_dataset("digits")
    config = TrainConfig(n_components=3, hidden_units=(16,), epochs=2, batch_size=64, random_state=0)
    return digits, config, config.to_reducer(image_shape=(8, 8)).fit(digits.X[:300])


@pytest.mark.slow
@pytest.mark.parametrize("recorded", [True, False], ids=["scaling recorded", "old run"])
def test_a_run_zip_is_checked_against_the_scaling_it_records(digits_run, recorded):
    digits, config, reducer = digits_run
    scaling = digits.scaling if recorded else None
    run_zip = export.to_zip_bytes(reducer, config, "my-digits", scaling=scaling)
    at = open_page(PAGE, timeout=TIMEOUT)
    at.file_uploader(key="runs.upload").set_value(("my-run.zip", run_zip, "application/zip")).run()
    _no_exception(at)
    before = at.session_state["current_model"]
    assert before.key.source == "zip" and before.scaling == scaling
    _upload(at, "table.csv", _csv(20, 64), "text/csv")  # a table: each column standardised
    if recorded:
        errors = _errors(at)
        assert any(re.search(r"read as 'each column standardised .*' but the model was trained on data scaled as "
                             r"'values divided by 16 \(range 0-1\)'", e) for e in errors), errors
        assert not at.get("download_button")
    else:  # nothing to compare with: encoded, and the person is told what could not be checked
        assert not at.error, _errors(at)
        infos = [readable(i.value) for i in at.info]
        assert any("does not record how its training data were scaled" in i for i in infos), infos
        assert {m.label: m.value for m in at.metric}["above the training data's 95th percentile"] == "n/a"
        assert any(c.value.startswith("The data this model was trained on are not in the app") for c in at.caption)
        assert len(at.get("download_button")) == 3
    assert at.session_state["current_model"] == before


@pytest.mark.parametrize("lang", ["ko"])
def test_the_section_speaks_korean(lang):
    at = open_page(PAGE, {"lang": lang}, timeout=TIMEOUT)
    assert any(s.value == "현재 모델로 새 데이터 인코딩" for s in at.subheader), [s.value for s in at.subheader]
    assert [u for u in at.get("file_uploader") if u.key == "encode.upload"]


@pytest.mark.slow
def test_a_download_over_the_limits_is_disabled_with_a_reason(monkeypatch):
    at = _with_demo()
    monkeypatch.setattr(export, "MAX_CSV_VALUES", 500)  # 200 rows x (k codes + an error) is more
    images = (load_mnist_sample().X[:200].reshape(-1, 28, 28) * 255).round().astype(np.uint8)
    buffer = io.BytesIO()
    np.save(buffer, images)
    _upload(at, "new digits.npy", buffer.getvalue(), "application/octet-stream")
    disabled = {d.key: d.proto.disabled for d in at.get("download_button")}
    assert disabled == {"encode.download.csv": True, "encode.download.npy": False,
                        "encode.download.parquet": False}, disabled
    assert any("the app builds this format for at most 500" in c.value for c in at.caption)
