"""AppTest for every page: each renders without exception and its main action works, tiny."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.builders import APP

TIMEOUT = 180  # TensorFlow's import alone can take longer than AppTest's 3 s default.
PAGES = ["aecore_app/app_pages/home.py", "aecore_app/app_pages/linear_3d.py", "aecore_app/app_pages/train.py", "aecore_app/app_pages/reconstructions.py",
         "aecore_app/app_pages/latent.py", "aecore_app/app_pages/clusters.py", "aecore_app/app_pages/anomalies.py", "aecore_app/app_pages/runs.py",
         "aecore_app/app_pages/generate.py", "aecore_app/app_pages/family.py"]


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


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(app, page):
    app.switch_page(page).run()
    _no_exception(app)
    assert app.title, f"{page} has no title"


#: Each page's title key in aecore_app/locales (Home's title is the product name, the same in every language).
TITLE_KEYS = {"aecore_app/app_pages/home.py": None, "aecore_app/app_pages/linear_3d.py": "linear3d.title",
              "aecore_app/app_pages/train.py": "train.title", "aecore_app/app_pages/reconstructions.py": "recon.title",
              "aecore_app/app_pages/latent.py": "latent.title", "aecore_app/app_pages/clusters.py": "clusters.title",
              "aecore_app/app_pages/anomalies.py": "anomalies.title", "aecore_app/app_pages/runs.py": "runs.title",
              "aecore_app/app_pages/generate.py": "generate.title", "aecore_app/app_pages/family.py": "family.title"}


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_korean(app, page):
    """The sidebar's language switch set to Korean: every page renders, under its Korean title."""
    from aecore_app import i18n

    app.radio(key="lang").set_value("ko").run()
    app.switch_page(page).run()
    _no_exception(app)
    assert app.session_state["lang"] == "ko"
    key = TITLE_KEYS[page]
    if key is None:
        assert app.title[0].value == "Autoencoder Lab"
        assert any(re.search("[가-힣]", s.value) for s in app.subheader), [s.value for s in app.subheader]
    else:
        assert app.title[0].value == i18n.translate(key, "ko") != i18n.translate(key, "en")


@pytest.mark.slow
def test_choices_survive_a_switch_to_korean(app):
    """Option values are stable codes: what was picked in English stays picked in Korean; only the
    labels change. (The rerun also hands AppTest's stored format_funcs the Korean-labelled state.)"""
    from aecore_app import i18n

    app.switch_page("aecore_app/app_pages/train.py").run()
    app.selectbox(key="train.dataset").set_value("digits").run()
    app.selectbox(key="train.preset").set_value("sparse").run()
    app.radio(key="lang").set_value("ko").run()
    app.run()
    _no_exception(app)
    dataset, preset = app.selectbox(key="train.dataset"), app.selectbox(key="train.preset")
    assert (dataset.value, preset.value) == ("digits", "sparse")
    assert dataset.label == i18n.translate("ui.dataset", "ko")
    assert i18n.translate("ui.dataset_digits", "ko") in dataset.options


def test_home_links_every_page(app):
    _no_exception(app)
    assert "Autoencoder Lab" in app.title[0].value


def test_linear_3d_train_click(app):
    app.switch_page("aecore_app/app_pages/linear_3d.py").run()
    app.slider(key="linear3d.epochs").set_value(5).run()
    app.button(key="linear3d.train").click().run()
    _no_exception(app)
    metrics = {m.label: m.value for m in app.metric}
    assert set(metrics) >= {"AE reconstruction MSE", "PCA reconstruction MSE", "AE / PCA",
                            "Largest principal angle"}
    assert float(metrics["AE / PCA"].rstrip("×")) >= 0.999  # Eckart-Young: never below PCA


@pytest.mark.slow
def test_linear_3d_converged_reaches_pca(app):
    app.switch_page("aecore_app/app_pages/linear_3d.py").run()
    app.toggle(key="linear3d.converge").set_value(True).run()
    app.button(key="linear3d.train").click().run()
    _no_exception(app)
    metrics = {m.label: m.value for m in app.metric}
    assert float(metrics["AE / PCA"].rstrip("×")) <= 1.01
    assert float(metrics["Largest principal angle"].rstrip("°")) <= 1.0


@pytest.mark.slow
def test_linear_3d_bad_learning_rate_is_a_message(app):
    app.switch_page("aecore_app/app_pages/linear_3d.py").run()
    app.select_slider(key="linear3d.lr").set_value(2.0).run()
    app.slider(key="linear3d.noise").set_value(0.5).run()
    app.slider(key="linear3d.m").set_value(2000).run()
    app.button(key="linear3d.train").click().run()
    _no_exception(app)


def _train_tiny(app, dataset="digits"):
    app.switch_page("aecore_app/app_pages/train.py").run()
    app.selectbox(key="train.dataset").set_value(dataset).run()
    app.number_input(key="train.epochs.recommended").set_value(2).run()
    app.text_input(key="train.hidden.recommended").set_value("32").run()
    app.button(key="train.go").click().run()


@pytest.mark.slow
def test_train_then_reconstructions(app):
    _train_tiny(app)
    _no_exception(app)
    assert not app.error, [e.value for e in app.error]
    labels = [m.label for m in app.metric]
    assert "AE / PCA" in labels and any(label.startswith("Test MSE (PCA") for label in labels)
    app.switch_page("aecore_app/app_pages/reconstructions.py").run()
    _no_exception(app)
    assert any(m.label == "Autoencoder test MSE" for m in app.metric)
    app.radio(key="recon.which").set_value("worst").run()
    _no_exception(app)


@pytest.mark.slow
def test_train_rejects_a_latent_size_too_large(app):
    app.switch_page("aecore_app/app_pages/train.py").run()
    app.selectbox(key="train.dataset").set_value("digits").run()
    app.number_input(key="train.k.recommended").set_value(64).run()
    _no_exception(app)
    assert any("latent size" in e.value for e in app.error)


@pytest.mark.slow
def test_train_rejects_bad_hidden_units(app):
    app.switch_page("aecore_app/app_pages/train.py").run()
    app.text_input(key="train.hidden.recommended").set_value("lots").run()
    _no_exception(app)
    assert any("Hidden units" in e.value for e in app.error)


@pytest.mark.slow
def test_trained_model_is_shared_across_sessions(app):
    """A second session with the same dataset and settings gets the cached model instantly."""
    from aecore_app.caches import model_registry

    _train_tiny(app)
    assert len(model_registry()) == 1
    second = AppTest.from_file(APP, default_timeout=TIMEOUT)
    second.run()
    _train_tiny(second)
    _no_exception(second)
    assert len(model_registry()) == 1


@pytest.mark.slow
def test_latent_views_and_colours(app):
    _train_tiny(app)
    app.switch_page("aecore_app/app_pages/latent.py").run()
    _no_exception(app)
    for method in ["pca", "tsne", "umap"]:
        app.radio(key="latent.method").set_value(method).run()
        _no_exception(app)
    app.selectbox(key="latent.color").set_value("error").run()
    app.radio(key="latent.dims").set_value(3).run()
    _no_exception(app)
    app.session_state["latent.tab"] = "quality"  # the tab a click opens (only the open tab is drawn)
    app.run()
    app.button(key="latent.quality").click().run()
    _no_exception(app)
    assert any("trustworthiness" in str(df.value.columns.tolist()) for df in app.dataframe)


@pytest.mark.slow
def test_the_latent_map_reconstructs_every_row_only_when_coloured_by_the_error(app, monkeypatch):
    # A pass of the model over every row (15 s at 200,000 rows) is not paid for a map coloured by label.
    from aecore.reducer import AutoencoderReducer

    scored, real = [], AutoencoderReducer.reconstruction_error
    monkeypatch.setattr(AutoencoderReducer, "reconstruction_error",
                        lambda self, X: scored.append(len(X)) or real(self, X))
    _train_tiny(app)
    scored.clear()
    app.switch_page("aecore_app/app_pages/latent.py").run()
    _no_exception(app)
    assert app.selectbox(key="latent.color").value == "label" and scored == []
    app.selectbox(key="latent.color").set_value("error").run()
    _no_exception(app)
    assert len(scored) == 1 and scored[0] > 1000, scored  # every row of the digits, once
    app.selectbox(key="latent.color").set_value("label").run()
    app.selectbox(key="latent.color").set_value("error").run()
    assert len(scored) == 1  # kept per model


@pytest.mark.slow
def test_clusters_compare_spaces(app):
    _train_tiny(app)
    app.switch_page("aecore_app/app_pages/clusters.py").run()
    _no_exception(app)
    labels = {m.label for m in app.metric}
    assert {"silhouette", "accuracy (matched)", "NMI", "ARI"} <= labels
    app.selectbox(key="clusters.method").set_value("gmm").run()
    app.button(key="clusters.compare").click().run()
    _no_exception(app)
    table = app.dataframe[-1].value
    assert len(table) == 4 and "acc" in table.columns


def _open_tab(app, key, code):
    """Open a page's tab (``layout.coded_tabs``) as a click on it does, and rerun."""
    app.session_state[key] = code
    app.run()


@pytest.mark.slow
def test_anomalies_score_and_evaluate(app):
    _train_tiny(app)
    app.switch_page("aecore_app/app_pages/anomalies.py").run()
    _no_exception(app)
    app.slider(key="anomalies.percentile").set_value(95.0).run()
    _open_tab(app, "anomalies.tab", "evaluate")  # a closed tab is not drawn
    app.button(key="anomalies.go").click().run()
    _no_exception(app)
    table = app.dataframe[-1].value
    # Readable names, never the code's (roc_auc, isolation_forest read as code over the charts).
    assert set(table.index) == {"Autoencoder", "PCA", "IsolationForest"}
    assert list(table.columns) == ["ROC AUC", "Average precision", "Seconds"]
    # The evaluation trains the current model's network (here 2 epochs, so no quality to judge);
    # tests/app/test_anomalies_page_tabular.py holds the quality threshold.
    assert ((table["ROC AUC"] >= 0) & (table["ROC AUC"] <= 1)).all()


@pytest.mark.slow
def test_runs_page_opens_a_cli_run(app, tmp_path, monkeypatch):
    from aecore.cli.parser import main

    assert main(["train", "--dataset", "digits", "--n-components", "3", "--hidden-units", "16",
                 "--epochs", "2", "--quiet", "--out", str(tmp_path / "demo-run")]) == 0
    monkeypatch.setenv("AECORE_RUNS_ROOT", str(tmp_path))  # the server owner's runs folder
    app.switch_page("aecore_app/app_pages/runs.py").run()
    app.selectbox(key="runs.choice").set_value("run:demo-run").run()
    _no_exception(app)
    app.button(key="runs.open").click().run()
    _no_exception(app)
    assert any("Opened" in s.value for s in app.success)
    app.switch_page("aecore_app/app_pages/reconstructions.py").run()
    _no_exception(app)
    assert any(m.label == "Autoencoder test MSE" for m in app.metric)


@pytest.mark.slow
def test_generate_tabs_on_a_trained_model(app):
    _train_tiny(app)
    app.switch_page("aecore_app/app_pages/generate.py").run()
    _no_exception(app)
    app.slider(key="generate.steps").set_value(5).run()
    _open_tab(app, "generate.tab", "traverse")  # a closed tab is not drawn
    app.slider(key="generate.z0").set_value(1.0).run()
    _open_tab(app, "generate.tab", "denoise")
    app.slider(key="generate.level").set_value(0.5).run()
    _no_exception(app)
    assert any(m.label == "Output vs clean (MSE)" for m in app.metric)
    _open_tab(app, "generate.tab", "walk")
    assert app.slider(key="generate.steps").value == 5  # a tab's settings outlast a visit to another


@pytest.mark.slow
def test_vae_preset_samples_and_manifold(app):
    app.switch_page("aecore_app/app_pages/train.py").run()
    app.selectbox(key="train.dataset").set_value("digits").run()
    app.selectbox(key="train.preset").set_value("vae_2d").run()
    app.number_input(key="train.epochs.vae_2d").set_value(2).run()
    app.button(key="train.go").click().run()
    _no_exception(app)
    app.switch_page("aecore_app/app_pages/generate.py").run()
    _open_tab(app, "generate.tab", "vae")
    _no_exception(app)
    assert not any("Train a VAE" in message.value for message in app.info)  # the VAE views are drawn
    assert any(c.proto.id.endswith("generate.manifold") for c in app.get("plotly_chart"))


@pytest.mark.slow
def test_no_cross_talk_between_sessions(app):
    """One person's upload is never visible to another session."""
    rows = "a,b,c\n" + "\n".join(f"{i},{i % 7},{i % 3}" for i in range(40))
    app.switch_page("aecore_app/app_pages/train.py").run()
    app.selectbox(key="train.dataset").set_value("upload").run()
    app.file_uploader(key="train.upload").set_value(("mine.csv", rows.encode(), "text/csv")).run()
    _no_exception(app)
    assert any("40 samples" in c.value for c in app.caption)
    other = AppTest.from_file(APP, default_timeout=TIMEOUT)
    other.run()
    other.switch_page("aecore_app/app_pages/train.py").run()
    other.selectbox(key="train.dataset").set_value("upload").run()
    _no_exception(other)
    assert not any("40 samples" in c.value for c in other.caption)
    assert any("Upload a file" in i.value for i in other.info)


@pytest.mark.slow
def test_vae_tab_draws_reconstructions_of_one_sample():
    """The shipped VAE demo's tab shows one input, its mean-code reconstruction and random draws,
    with the plain-words caption; another row or seed redraws them."""
    from tests.builders import open_page

    at = open_page("aecore_app/app_pages/generate.py", {"data": "mnist_sample", "preset": "vae_2d", "tab": "vae"})
    assert at.number_input(key="generate.draw_row").value == 0
    assert any("stays partly random" in c.value for c in at.caption)
    at.number_input(key="generate.draw_row").set_value(7).run()
    at.number_input(key="generate.draw_seed").set_value(3).run()
    _no_exception(at)
    assert at.query_params["draw_row"] == "7" and at.query_params["draw_seed"] == "3"
    at.radio(key="lang").set_value("ko").run()
    _no_exception(at)
    assert any("우연" in c.value for c in at.caption)
