"""AppTest for every page: each renders without exception and its main action works, tiny."""

import pytest
from streamlit.testing.v1 import AppTest

APP = "../app.py"
TIMEOUT = 180  # TensorFlow's import alone can take longer than AppTest's 3 s default.
PAGES = ["pages/home.py", "pages/linear_3d.py", "pages/train.py", "pages/reconstructions.py"]


@pytest.fixture()
def app():
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    return at


def _no_exception(at):
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(app, page):
    app.switch_page(page).run()
    _no_exception(app)
    assert app.title, f"{page} has no title"


def test_home_links_every_page(app):
    _no_exception(app)
    assert "Autoencoder Lab" in app.title[0].value


def test_linear_3d_train_click(app):
    app.switch_page("pages/linear_3d.py").run()
    app.slider(key="linear3d.epochs").set_value(5).run()
    app.button(key="linear3d.train").click().run()
    _no_exception(app)
    metrics = {m.label: m.value for m in app.metric}
    assert set(metrics) >= {"AE reconstruction MSE", "PCA reconstruction MSE", "AE / PCA",
                            "Largest principal angle"}
    assert float(metrics["AE / PCA"].rstrip("×")) >= 0.999  # Eckart-Young: never below PCA


def test_linear_3d_converged_reaches_pca(app):
    app.switch_page("pages/linear_3d.py").run()
    app.toggle(key="linear3d.converge").set_value(True).run()
    app.button(key="linear3d.train").click().run()
    _no_exception(app)
    metrics = {m.label: m.value for m in app.metric}
    assert float(metrics["AE / PCA"].rstrip("×")) <= 1.01
    assert float(metrics["Largest principal angle"].rstrip("°")) <= 1.0


def test_linear_3d_bad_learning_rate_is_a_message(app):
    app.switch_page("pages/linear_3d.py").run()
    app.select_slider(key="linear3d.lr").set_value(2.0).run()
    app.slider(key="linear3d.noise").set_value(0.5).run()
    app.slider(key="linear3d.m").set_value(2000).run()
    app.button(key="linear3d.train").click().run()
    _no_exception(app)


def _train_tiny(app, dataset="digits"):
    app.switch_page("pages/train.py").run()
    app.selectbox(key="train.dataset").set_value(dataset).run()
    app.number_input(key="train.epochs.recommended").set_value(2).run()
    app.text_input(key="train.hidden.recommended").set_value("32").run()
    app.button(key="train.go").click().run()


def test_train_then_reconstructions(app):
    _train_tiny(app)
    _no_exception(app)
    assert not app.error, [e.value for e in app.error]
    labels = [m.label for m in app.metric]
    assert "AE / PCA" in labels and any(label.startswith("Test MSE (PCA") for label in labels)
    app.switch_page("pages/reconstructions.py").run()
    _no_exception(app)
    assert any(m.label == "Autoencoder test MSE" for m in app.metric)
    app.radio(key="recon.which").set_value("worst (highest AE error)").run()
    _no_exception(app)


def test_train_rejects_a_latent_size_too_large(app):
    app.switch_page("pages/train.py").run()
    app.selectbox(key="train.dataset").set_value("digits").run()
    app.number_input(key="train.k.recommended").set_value(64).run()
    _no_exception(app)
    assert any("latent size" in e.value for e in app.error)


def test_train_rejects_bad_hidden_units(app):
    app.switch_page("pages/train.py").run()
    app.text_input(key="train.hidden.recommended").set_value("lots").run()
    _no_exception(app)
    assert any("Hidden units" in e.value for e in app.error)


def test_trained_model_is_shared_across_sessions(app):
    """A second session with the same dataset and settings gets the cached model instantly."""
    from aecore.ui import model_registry

    _train_tiny(app)
    assert len(model_registry()) == 1
    second = AppTest.from_file(APP, default_timeout=TIMEOUT)
    second.run()
    _train_tiny(second)
    _no_exception(second)
    assert len(model_registry()) == 1
