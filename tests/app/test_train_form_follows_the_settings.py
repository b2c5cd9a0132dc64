"""The Train form follows the settings' declarations (aecore.params; AppTest): each form setting has
the same default and bounds in a link and on the form, and a link fills a kind's own settings."""

import pytest

from aecore import params
from tests.builders import APP


@pytest.mark.slow
def test_a_form_setting_has_the_same_default_and_bounds_in_the_link_and_the_train_form():
    from aecore_app import model_links
    from aecore_app.widgets import setting_key
    from aecore.runs.demo import form_config
    from tests.builders import open_page

    at = open_page("aecore_app/app_pages/train.py", timeout=120)
    widgets = {w.key: w for kind in ("number_input", "slider", "selectbox", "checkbox", "text_input")
               for w in getattr(at, kind) if w.key}
    base = form_config("recommended")
    for s in params.FORM_SETTINGS:
        param = model_links.MODEL_FIELDS[s.name]
        assert (param.name, param.low, param.high, param.choices) == (s.url, s.low, s.high, s.choices), s.name
        if s.kinds is not None and base.kind not in s.kinds:
            # Shown for its kinds only (app/test_train_form_sparse_and_denoising.py opens them).
            assert setting_key(s, "recommended") not in widgets, s.name
            continue
        widget = widgets[setting_key(s, "recommended")]
        if s.type in (int, float):
            assert (widget.min, widget.max) == (s.low, s.high), s.name
        if s.type is str:
            assert tuple(widget.options) == s.choices, s.name
        # The form starts at the preset's value (for kind-dependent settings, the kind's number).
        expected = ",".join(map(str, base.hidden_units)) if s.type is tuple else getattr(base, s.name)
        assert widget.value == expected, s.name
        # The recommended preset changes only the latent size: every other form setting with a
        # declared default starts at it.
        if s.default is not None and s.name != "n_components":
            assert getattr(base, s.name) == s.default, s.name


def test_a_link_fills_the_train_forms_convolutional_settings():
    """?kind=conv&filters=16,32&kernel=5 opens the Train page with those values in the kind's own
    settings (a list of numbers is typed as text, as hidden units are)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("aecore_app/app_pages/train.py")
    for name, value in {"data": "mnist_sample", "kind": "conv", "filters": "16,32", "kernel": "5"}.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = {w.label: w.value for w in list(at.number_input) + list(at.text_input)}
    assert shown["Conv2D filters (comma-separated)"] == "16,32" and shown["Kernel size"] == 5, shown


def test_every_kinds_own_setting_has_a_help_text_in_each_language_with_its_numbers():
    from aecore_app import i18n
    from aecore_app.widgets import setting_help

    for setting in params.FORM_SETTINGS:
        if setting.kinds is None:
            continue
        for lang in i18n.LANGUAGES:
            assert f"param_help.{setting.name}" in i18n.strings(lang), (setting.name, lang)
    # The numbers come from the declaration, written once: the default and the bounds.
    assert setting_help(params.BY_NAME["kl_weight"]).endswith("0 to 1,000. 1 is the usual VAE (the evidence lower "
                                                               "bound); more gives a β-VAE with smoother but "
                                                               "blurrier results; 0 leaves a plain autoencoder "
                                                               "with noisy codes. Default 1.")
    assert "each 1 to 1,024" in setting_help(params.BY_NAME["filters"])
    assert "Default 32,64" in setting_help(params.BY_NAME["filters"])


#: kind -> (its own settings in a link, the widget values they give, what the trained model holds)
KIND_LINKS = {
    "vae": ({"beta": "4"}, {"train.beta.recommended": 4.0}, lambda r: r.autoencoder_.kl_weight == 4.0),
    "wta": ({"wta": "0.2"}, {"train.wta.recommended": 0.2},
            lambda r: r.encoder_.get_layer("winner_take_all").rate == 0.2),
    "conv": ({"filters": "4,8", "kernel": "5"}, {"train.filters.recommended": "4,8", "train.kernel.recommended": 5},
             lambda r: [(layer.filters, layer.kernel_size) for layer in r.encoder_.layers
                        if layer.name.startswith("conv_")] == [(4, (5, 5)), (8, (5, 5))]),
    "contractive": ({"cw": "0.3"}, {"train.cw.recommended": 0.3}, lambda r: r.autoencoder_.contractive_weight == 0.3),
    "vae-conv": ({"vlayers": "conv", "filters": "4,8"}, {"train.vlayers.recommended": "conv",
                                                          "train.filters.recommended": "4,8"},
                 lambda r: [layer.filters for layer in r.encoder_.layers if layer.name.startswith("conv_")] == [4, 8]
                 and r.decoder_.get_layer("reconstruction").__class__.__name__ == "Conv2DTranspose"),
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(KIND_LINKS))
def test_a_link_with_a_kinds_own_setting_fills_the_form_and_the_model_trained_from_it_uses_it(kind):
    """Link -> the Train form's widgets -> the TrainConfig trained -> the Keras model: the VAE's
    beta, the WTA rate, the convolutional filters and kernel, the contractive weight."""
    from aecore_app.caches import model_registry
    from tests.builders import open_page

    own, widgets, holds = KIND_LINKS[kind]
    link = {"data": "digits", "kind": kind.split("-")[0], "k": "2", "hidden": "16", "epochs": "1", "batch": "64", **own}
    at = open_page("aecore_app/app_pages/train.py", link, timeout=180)
    assert any(kind.split("-")[0] in c.value for c in at.caption)  # the kind's own settings are shown...
    for key, value in widgets.items():
        assert at.session_state[key] == pytest.approx(value) if isinstance(value, float) else \
            at.session_state[key] == value, key
    for name, text in own.items():  # ... and the page writes the link back with them
        assert at.query_params[name] == text, name
    at.button(key="train.go").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    current = at.session_state["current_model"]
    setting = {"beta": "kl_weight", "wta": "wta_rate", "filters": "filters", "kernel": "kernel_size",
               "cw": "contractive_weight", "vlayers": "vae_layers"}
    for name, text in own.items():
        assert getattr(current.config, setting[name]) == params.parse_text(params.BY_NAME[setting[name]], text)
    assert holds(model_registry().get(current.key))


@pytest.mark.slow
def test_bad_filters_in_the_form_are_an_error_that_names_them_and_the_page_keeps_working():
    from tests.builders import open_page, readable

    at = open_page("aecore_app/app_pages/train.py", {"data": "digits", "kind": "conv"}, timeout=180)
    at.text_input(key="train.filters.recommended").set_value("4,x").run()
    assert not at.exception, [e.value for e in at.exception]
    said = [readable(e.value) for e in at.error]
    assert any(e.startswith("Conv2D filters (comma-separated): whole numbers separated by commas")
               and "'4,x'" in e for e in said), said
    # Four halvings of an 8 x 8 digit: refused before anything is built, with the fix.
    at.text_input(key="train.filters.recommended").set_value("4,4,4,4").run()
    said = [readable(e.value) for e in at.error]
    assert any("images of 8x8 can be halved only 3 times" in e and "give at most 3 filter numbers" in e
               for e in said), said
    assert "train.go" not in [b.key for b in at.button]
    at.text_input(key="train.filters.recommended").set_value("4,4").run()
    assert not at.error and "train.go" in [b.key for b in at.button]
