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
