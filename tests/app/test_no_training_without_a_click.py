"""The budget in the app (issue 14, cases 1 and 2): a keystroke never builds a model, and a link
never starts training by itself."""

import pytest

from tests.builders import open_page, readable

TIMEOUT = 300
HOSTILE_LINK = {"data": "digits", "preset": "recommended", "hidden": "4096,4096,4096,4096,4096,4096,4096,4096",
                "k": "32", "batch": "1", "epochs": "1000", "es": "0"}


@pytest.fixture(autouse=True)
def _fresh_caches():
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def _refuse(*args, **kwargs):
    raise AssertionError("a model was built or trained")


@pytest.fixture()
def no_training(monkeypatch):
    """Fail the test if any reducer is fitted."""
    from aecore.reducer import AutoencoderReducer

    monkeypatch.setattr(AutoencoderReducer, "fit", _refuse)


@pytest.fixture()
def no_model_built(monkeypatch, no_training):
    """Fail the test if any Keras model is built (the shipped demos are rebuilt from weights: use
    this only on pages that do not open them)."""
    from aecore.models import builders as models

    monkeypatch.setattr(models, "build", _refuse)


def _open(page, params=None):
    return open_page(page, params, timeout=TIMEOUT)


@pytest.mark.slow
def test_typing_300000_hidden_units_is_refused_without_building_a_model(no_model_built):
    at = _open("aecore_app/app_pages/train.py")
    at.text_input(key="train.hidden.recommended").set_value("300000").run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [readable(e.value) for e in at.error]
    # Refused by the setting's own bounds (aecore.params), named with the value, the limit and an example.
    assert any("hidden_units=(300000,) must be whole numbers in [1, 4096]" in e for e in errors), errors
    assert "train.go" not in [b.key for b in at.button]  # nothing to press while over budget


def test_the_hostile_training_link_starts_nothing(no_training):
    at = _open("aecore_app/app_pages/train.py", HOSTILE_LINK)
    assert at.session_state["train.hidden.recommended"] == "4096,4096,4096,4096,4096,4096,4096,4096"
    assert any("parameters" in e.value and "limit" in e.value for e in at.error)
    assert not [m for m in at.metric if m.label == "AE / PCA"]


@pytest.mark.slow
def test_the_hostile_link_on_a_model_page_starts_nothing(no_training):
    at = _open("aecore_app/app_pages/reconstructions.py", HOSTILE_LINK)
    assert any("limit" in e.value for e in at.error)


@pytest.mark.slow
def test_a_link_to_an_untrained_model_waits_for_the_train_button():
    link = {"data": "digits", "preset": "recommended", "k": "3", "hidden": "16", "epochs": "2"}
    from aecore.reducer import AutoencoderReducer

    fits = []
    original = AutoencoderReducer.fit

    def counted(self, *args, **kwargs):
        fits.append(1)
        return original(self, *args, **kwargs)

    AutoencoderReducer.fit = counted
    try:
        at = _open("aecore_app/app_pages/reconstructions.py", link)
        assert not fits
        assert any("nobody has trained" in m.value for m in at.markdown)
        assert any("parameters" in m.value for m in at.markdown)
        assert not at.metric  # the page waits: nothing else is drawn
        at.button(key="link.train").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert len(fits) == 1
        assert any(m.label == "Autoencoder test MSE" for m in at.metric)
        assert at.query_params["hidden"] == "16"
        # Another session with the same link opens the trained model at once.
        again = _open("aecore_app/app_pages/reconstructions.py", link)
        assert len(fits) == 1 and any(m.label == "Autoencoder test MSE" for m in again.metric)
    finally:
        AutoencoderReducer.fit = original


@pytest.mark.slow
def test_keeping_the_current_model_dismisses_the_link(no_training):
    link = {"data": "digits", "preset": "recommended", "k": "3", "hidden": "16", "epochs": "2"}
    at = _open("aecore_app/app_pages/latent.py", link)
    assert at.button(key="link.keep")
    at.button(key="link.keep").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("nobody has trained" in m.value for m in at.markdown)
