"""AppTest for the autoencoder family page: every tab renders and every button works, on tiny settings."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from aecore_app import i18n

from tests.builders import APP

pytestmark = pytest.mark.slow  # every test here takes more than ~2 s (see pytest.ini)

TIMEOUT = 180  # TensorFlow's import alone can take longer than AppTest's 3 s default.
PAGE = "aecore_app/app_pages/family.py"


def en(key: str, **values) -> str:
    return i18n.translate(key, "en", **values)


@pytest.fixture()
def app():
    """The family page on scikit-learn's digits with one small hidden layer, caches cleared."""
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["family.dataset"] = "digits"
    at.session_state["family.hidden"] = "32"
    at.run()
    at.switch_page(PAGE).run()
    return at


def _no_exception(at):
    assert not at.exception, [e.value for e in at.exception]


def _no_error(at):
    assert not at.error, [e.value for e in at.error]


def chart_titles(at) -> list[str]:
    titles = []
    for chart in at.get("plotly_chart"):
        title = json.loads(chart.proto.spec)["layout"].get("title") or {}
        titles.append(title.get("text", ""))
    return titles


def pretraining_table(at):
    """The few-labels table (the robustness table comes after it on the page)."""
    return [d.value for d in at.dataframe if en("family.col_sensitivity") not in d.value.columns][-1]


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_page_renders_tied_counts_and_the_generate_link(app):
    _no_exception(app)
    _no_error(app)
    assert app.title[0].value == en("family.title")
    assert en("family.intro") in [c.value for c in app.caption]
    found = metrics(app)
    assert 0.45 < float(found[en("family.tied_ratio")].rstrip("×")) < 0.55
    assert any(title.startswith("Trainable parameters, 64 → 32 → 10") for title in chart_titles(app))
    # The denoising / VAE tab explains and links to the Generate page; every tab has its theory.
    assert any(en("family.go_generate") in str(link.proto) for link in app.get("page_link"))
    assert sum(e.label == en("family.what") for e in app.expander) == 7
    # Nothing trained yet: each training tab (the robustness comparison and the latent-size sweep
    # too, on digits: only the MNIST sample's sweep is shipped) asks for its button.
    assert sum(i.value == en("family.press_button") for i in app.info) == 6

    # Bad input is a message in plain words, never an exception.
    app.multiselect(key="family.pre.counts.digits").set_value([2000]).run()
    _no_exception(app)
    assert any("Only 1,437 training samples" in e.value for e in app.error)
    assert app.button(key="family.pre.go").disabled
    app.multiselect(key="family.pre.counts.digits").set_value([5]).run()
    assert any(e.value == en("family.pre_too_few", n=5, classes=10) for e in app.error)
    app.multiselect(key="family.pre.counts.digits").set_value([]).run()
    assert any(e.value == en("family.pre_none") for e in app.error)
    app.text_input(key="family.hidden").set_value("lots").run()
    _no_exception(app)
    assert any("Hidden units must be" in e.value for e in app.error)
    assert metrics(app)[en("family.tied_dense_params")]  # falls back to 512,256 and goes on


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_intro_names_the_robustness_tab(lang):
    # The contractive robustness comparison lives in the last tab: the intro says where to find it.
    intro = i18n.translate("family.intro", lang)
    assert f"**{i18n.translate('family.tab_denoising_vae', lang)}**" in intro
    assert i18n.translate("family.model_contractive_robust", lang) in intro


def test_every_button_on_tiny_settings(app):
    """Each action once on tiny settings; the results stay on the page through reruns."""
    # Greedy layer-wise against end to end.
    app.slider(key="family.greedy.epochs.digits").set_value(1).run()
    app.slider(key="family.greedy.finetune").set_value(0).run()
    app.button(key="family.greedy.go").click().run()
    _no_exception(app)
    _no_error(app)
    found = metrics(app)
    assert float(found[en("family.greedy_mse_greedy")]) > 0 and float(found[en("family.greedy_mse_e2e")]) > 0
    assert en("family.greedy_chart") in chart_titles(app)

    # Sparse, winner-take-all and plain.
    app.number_input(key="family.sparse.k.digits").set_value(8).run()
    app.slider(key="family.sparse.epochs.digits").set_value(1).run()
    app.button(key="family.sparse.go").click().run()
    _no_exception(app)
    _no_error(app)
    for model in ("model_plain", "model_sparse", "model_wta", "model_wta_rule"):
        value = metrics(app)[en("family.active_of", model=en(f"family.{model}"))]
        assert 0.0 <= float(value.rstrip("%")) <= 100.0
    assert {en("family.sparse_bars"), en("family.sparse_hist")} <= set(chart_titles(app))
    app.slider(key="family.sparse.threshold").set_value(0.5).run()
    _no_exception(app)

    # The GAN, then stepping back through its epochs.
    app.slider(key="family.gan.epochs").set_value(2).run()
    app.button(key="family.gan.go").click().run()
    _no_exception(app)
    _no_error(app)
    assert en("family.gan_losses") in chart_titles(app)
    assert en("family.gan_samples_title", epoch=2, total=2) in chart_titles(app)
    app.slider(key="family.gan.step.2").set_value(1).run()
    _no_exception(app)
    assert en("family.gan_samples_title", epoch=1, total=2) in chart_titles(app)

    # Plain, denoising and contractive: how far their codes move under small input noise.
    app.number_input(key="family.robust.k.digits").set_value(4).run()
    app.slider(key="family.robust.epochs.digits").set_value(1).run()
    app.button(key="family.robust.go").click().run()
    _no_exception(app)
    _no_error(app)
    table = next(d.value for d in app.dataframe if en("family.col_sensitivity") in d.value.columns)
    assert list(table[en("family.col_model")]) == [en(f"family.model_{m}_robust")
                                                   for m in ("dense", "denoising", "contractive")]
    assert (table[en("family.col_sensitivity")] > 0).all()
    assert any("less than the plain one's" in m.value or "plain autoencoder's codes move least" in m.value
               for m in app.markdown)

    # Few labels: a fresh dense autoencoder (no model in this session on digits).
    assert not any(r.key == "family.pre.source" for r in app.radio)
    app.number_input(key="family.pre.k.digits").set_value(4).run()
    app.slider(key="family.pre.ae_epochs.digits").set_value(1).run()
    app.slider(key="family.pre.steps").set_value(50).run()
    app.multiselect(key="family.pre.counts.digits").set_value([10]).run()
    app.button(key="family.pre.go").click().run()
    _no_exception(app)
    _no_error(app)
    assert en("family.pre_chart") in chart_titles(app)
    table = pretraining_table(app)
    assert list(table.index) == [10] and table.shape[1] == 3
    assert ((table >= 0) & (table <= 1)).all().all()
    assert any(c.value.startswith("Encoder: a dense autoencoder trained for 1 epochs") for c in app.caption)

    # How many dimensions: two latent sizes, one epoch each.
    app.multiselect(key="family.dims.sizes.digits").set_value([2, 8]).run()
    app.slider(key="family.dims.epochs.digits").set_value(1).run()
    app.button(key="family.dims.go").click().run()
    _no_exception(app)
    _no_error(app)
    assert en("family.dims.chart", rows=360) in chart_titles(app)

    # Every result survives reruns and a trip to another page.
    app.switch_page("aecore_app/app_pages/train.py").run()
    app.selectbox(key="train.dataset").set_value("digits").run()
    app.number_input(key="train.epochs.recommended").set_value(1).run()
    app.text_input(key="train.hidden.recommended").set_value("32").run()
    app.button(key="train.go").click().run()
    _no_exception(app)
    app.switch_page(PAGE).run()
    _no_exception(app)
    assert app.selectbox(key="family.dataset").value == "digits"  # the dataset the Train page used
    assert not any(i.value == en("family.press_button") for i in app.info)

    # Few labels again, now on the encoder of the model this session just trained.
    assert app.radio(key="family.pre.source").value == "session"
    app.slider(key="family.pre.steps").set_value(50).run()
    app.multiselect(key="family.pre.counts.digits").set_value([10]).run()
    app.button(key="family.pre.go").click().run()
    _no_exception(app)
    _no_error(app)
    assert any(c.value.startswith("Encoder: this session's model (dense, latent size 10)") for c in app.caption)
