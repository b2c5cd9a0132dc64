"""AppTest for the Family page's β slider (the VAE tab): on the MNIST sample it shows the shipped
comparison at once, and each β's numbers and pictures follow the slider; other data are told where
the comparison is."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from aecore.experiments import beta_vae
from aecore_app import i18n

from tests.builders import APP

pytestmark = pytest.mark.slow  # the page imports TensorFlow and draws every Family tab

PAGE = "aecore_app/app_pages/family.py"


def en(key: str, **values) -> str:
    return i18n.translate(key, "en", **values)


def _open(dataset: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["family.dataset"] = dataset
    at.session_state["family.hidden"] = "32"
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _titles(at) -> list[str]:
    return [(json.loads(c.proto.spec)["layout"].get("title") or {}).get("text", "") for c in at.get("plotly_chart")]


def test_the_slider_walks_through_the_shipped_betas():
    shipped = beta_vae.shipped_result()
    at = _open("mnist_sample")
    slider = at.select_slider(key="family.beta.value")
    assert slider.value == 1.0 and list(map(float, slider.options)) == list(beta_vae.BETAS)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[en("family.beta.kl")] == f"{shipped['kl'][1]:.2f}"
    assert metrics[en("family.beta.mse")] == f"{shipped['reconstruction_mse'][1]:.4f}"
    assert {en("family.beta.chart"), en("family.beta.map", beta="1"), en("family.beta.plane", beta="1")} <= set(_titles(at))
    slider.set_value(10.0).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[en("family.beta.kl")] == f"{shipped['kl'][2]:.2f}"
    assert en("family.beta.plane", beta="10") in _titles(at)


def test_other_data_are_pointed_to_the_mnist_sample():
    at = _open("digits")
    assert en("family.beta.only_mnist") in [i.value for i in at.info]
    assert not any(s.key == "family.beta.value" for s in at.select_slider)


def test_the_shipped_convolutional_vae_opens_on_the_generate_page_without_training():
    """The demo of preset conv_vae_2d is what a link to that preset opens: its 2-D plane is ready."""
    from aecore_app.caches import demo_models, model_registry
    from tests.builders import open_page

    at = open_page("aecore_app/app_pages/generate.py", {"data": "mnist_sample", "preset": "conv_vae_2d", "tab": "walk"})
    current = at.session_state["current_model"]
    assert current.config.kind == "vae" and current.config.vae_layers == "conv" and current.preset == "conv_vae_2d"
    assert model_registry().get(current.key) is None  # nothing was trained ...
    assert demo_models().get(("mnist_sample", current.config)) is not None  # ... the shipped demo is the model
    assert not at.error, [e.value for e in at.error]
    assert at.get("plotly_chart")  # the latent walk's figures, drawn from the shipped weights
