"""Watching a model form in the app (AppTest): the Train page's animation of the latent space, opened
by its toggle or a link, and the 3D → 2D page's plane turning into PCA's."""

import json

import pytest

from tests.builders import open_page


@pytest.fixture(autouse=True)
def _fresh_caches():
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    yield


def _chart(at, key: str) -> dict:
    """The Plotly figure (as JSON) of the chart whose key ends in ``key``."""
    charts = [c for c in at.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id]
    assert charts, f"no chart {key!r}"
    return json.loads(charts[0].proto.spec)


def _no_exception(at):
    assert not at.exception, [e.value for e in at.exception]


LINK = {"data": "digits", "preset": "recommended", "k": "3", "hidden": "16", "epochs": "2"}


@pytest.mark.slow
def test_train_page_plays_the_latent_space_of_a_model_it_trained():
    """Watch it form is on by default (issue 36), and a link keeps it."""
    at = open_page("aecore_app/app_pages/train.py", LINK)
    at.button(key="train.go").click().run()
    _no_exception(at)
    assert at.toggle(key="train.anim").value is True  # on by default: the model is seen forming at once
    figure = _chart(at, "train.animation")
    assert len(figure["frames"]) == 2
    assert [step["label"] for step in figure["layout"]["sliders"][0]["steps"]] == ["1", "2"]
    assert any("PCA fitted once" in c.value for c in at.caption), [c.value for c in at.caption]
    assert at.query_params["anim"] == "1"
    # The link with anim=1 reopens the trained model (from the shared cache) with the animation open.
    again = open_page("aecore_app/app_pages/train.py", {**LINK, "anim": "1"})
    _no_exception(again)
    assert again.session_state["train.anim"] is True
    assert len(_chart(again, "train.animation")["frames"]) == 2


@pytest.mark.slow
def test_the_recommended_demo_plays_its_history_and_one_saved_without_it_says_so():
    # The recommended demo ships with its latent history (the tour's "watch it form" step opens it).
    at = open_page("aecore_app/app_pages/train.py", {"data": "mnist_sample", "preset": "recommended", "anim": "1"})
    _no_exception(at)
    figure = _chart(at, "train.animation")
    epochs = at.session_state["current_model"].config.epochs
    assert 2 <= len(figure["frames"]) <= epochs
    labels = {trace.get("name") for trace in figure["data"]}
    assert {"0", "9"} <= labels or figure["data"][0]["marker"].get("color") is not None
    # The denoising demo was saved before runs kept their history: it says so, and its loss curve stays.
    at = open_page("aecore_app/app_pages/train.py", {"data": "mnist_sample", "preset": "denoising", "anim": "1"})
    _no_exception(at)
    assert any("without its training history" in i.value for i in at.info), [i.value for i in at.info]
    assert _chart(at, "train.loss")["data"]


def test_linear_3d_page_turns_the_plane_into_pcas():
    at = open_page("aecore_app/app_pages/linear_3d.py")
    at.slider(key="linear3d.epochs").set_value(6).run()
    at.button(key="linear3d.train").click().run()
    _no_exception(at)
    figure = _chart(at, "linear3d.plane_animation")
    assert len(figure["frames"]) == 6 and len(figure["layout"]["sliders"][0]["steps"]) == 6
    assert [trace["type"] for trace in figure["data"]] == ["scatter3d", "surface", "surface"]
    assert any("largest angle between them" in c.value for c in at.caption)
