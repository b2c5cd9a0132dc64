"""Displays that must not mislead (AppTest): what a page shows agrees with what it describes."""

import json

import numpy as np
import pytest

from tests.builders import open_page


def _figure(at, key: str) -> dict:
    """The Plotly figure of the chart with widget ``key`` (its JSON spec)."""
    charts = [c for c in at.get("plotly_chart") if c.proto.id.endswith(key)]
    assert charts, [c.proto.id for c in at.get("plotly_chart")]
    return json.loads(charts[0].proto.spec)


def test_the_selection_strip_samples_the_whole_selection_and_says_so():
    from aecore_app import i18n

    # Fifty rows linked (a link's value holds 200 characters), in two runs far apart: the strip's
    # first 24 rows by index would all be from the first run.
    selected = list(range(0, 30)) + list(range(3500, 3520))
    at = open_page("aecore_app/app_pages/latent.py", {"view": "pca", "sel": ",".join(map(str, selected))})
    captions = _figure(at, "latent.selected")["layout"]["xaxis"]["ticktext"]
    shown = [int(c.lstrip("#")) for c in captions]
    assert len(shown) == 24 and set(shown) <= set(selected)
    assert any(row >= 3500 for row in shown) and any(row < 30 for row in shown), shown
    note = i18n.translate("latent.strip_note", "en", shown=24, n=50)
    assert any(c.value == note for c in at.caption), [c.value for c in at.caption]


def test_a_denoiser_that_lowers_the_error_shows_a_green_fall():
    from streamlit.proto.Metric_pb2 import Metric

    at = open_page("aecore_app/app_pages/generate.py", {"data": "mnist_sample", "preset": "denoising", "tab": "denoise"})
    output = [m for m in at.metric if m.label == "Output vs clean (MSE)"]
    assert output, [m.label for m in at.metric]
    assert output[0].proto.delta.endswith("× the noise") and float(output[0].proto.delta.split("×")[0]) < 1
    assert output[0].proto.color == Metric.MetricColor.GREEN
    assert output[0].proto.direction == Metric.MetricDirection.DOWN


def test_the_interpolation_opens_between_two_different_digits():
    from aecore.data import datasets as aedata

    at = open_page("aecore_app/app_pages/generate.py", {"tab": "walk"})  # the shipped demo, on the MNIST sample
    start, end = at.number_input(key="generate.from").value, at.number_input(key="generate.to").value
    labels = aedata.load_dataset("mnist_sample").y
    assert labels[start] != labels[end], (start, end, labels[start], labels[end])
    assert f"#{start}" in _figure(at, "generate.walk")["layout"]["title"]["text"]


def test_the_generate_page_draws_only_its_open_tab():
    at = open_page("aecore_app/app_pages/generate.py", {"data": "mnist_sample", "preset": "vae_2d", "tab": "walk"})
    keys = {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert any(key.endswith("generate.walk") for key in keys), keys
    closed = ("generate.traverse", "generate.samples", "generate.draws", "generate.manifold", "generate.denoise")
    assert not [key for key in keys if key.endswith(closed)], keys
    at.number_input(key="generate.to").set_value(3500).run()
    at.session_state["generate.tab"] = "vae"  # another tab, as a click would choose it
    at.run()
    keys = {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")}
    assert any(key.endswith("generate.manifold") for key in keys)
    assert not any(key.endswith("generate.walk") for key in keys)
    assert at.session_state["generate.to"] == 3500  # the closed tab's settings are kept (and stay in the link)


@pytest.mark.parametrize("ratio, colour, arrow", [(0.25, "green", "down"), (1.7, "red", "up"), (1.0, "gray", "off")])
def test_a_ratio_of_errors_reads_lower_as_better(ratio, colour, arrow):
    from aecore_app.denoise_ui import _lower_is_better

    assert _lower_is_better(ratio) == {"delta_color": colour, "delta_arrow": arrow}


@pytest.mark.slow
def test_the_untrained_link_box_leaves_once_trained_and_says_under_a_second():
    import streamlit as st

    st.cache_resource.clear()
    # A tiny model (its estimate is well under a second) that no other test trains.
    link = {"data": "digits", "preset": "recommended", "k": "3", "hidden": "11", "epochs": "2"}
    at = open_page("aecore_app/app_pages/reconstructions.py", link)
    boxes = [m.value for m in at.markdown if "nobody has trained" in m.value]
    assert boxes and "under a second" in boxes[0] and "about 0 s" not in boxes[0], boxes
    at.button(key="link.train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.label == "Autoencoder test MSE" for m in at.metric)
    assert not any("nobody has trained" in m.value for m in at.markdown), [m.value for m in at.markdown]


def test_a_duration_under_a_second_is_said_in_words():
    from aecore_app.layout import at_most_text

    assert at_most_text(0.3) == "under a second"
    assert at_most_text(12.4) == "at most about 12 s"


def test_an_animation_that_ends_before_the_last_epoch_trained_says_why():
    from types import SimpleNamespace

    from aecore_app.animation_ui import _kept_note

    history = SimpleNamespace(epochs=np.array([1, 380, 760]))
    note = _kept_note(SimpleNamespace(n_epochs_=779), history)
    assert "epoch 760" in note and "779 epochs" in note
    assert _kept_note(SimpleNamespace(n_epochs_=760), history) == ""


def test_a_map_shipped_with_the_demo_says_so_in_its_title():
    # The default demo's UMAP map comes with it (aecore.runs.demo_views): the title's seconds are the
    # ones it took when the demo was made, not a wait on this server; PCA here is computed.
    umap = _figure(open_page("aecore_app/app_pages/latent.py", {"view": "umap"}), "latent.map")
    assert "shipped with the demo" in umap["layout"]["title"]["text"], umap["layout"]["title"]
    pca = _figure(open_page("aecore_app/app_pages/latent.py", {"view": "pca", "dims": "3"}), "latent.map3d")
    assert "shipped" not in pca["layout"]["title"]["text"], pca["layout"]["title"]
