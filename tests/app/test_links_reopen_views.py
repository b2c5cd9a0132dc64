"""Links that reopen a view (AppTest): query parameters restore widgets and the model; tampered
ones fall back to defaults with a notice; reports download. The guided tour's steps:
app/test_tour_opens_every_step.py."""

import pytest

from tests.builders import APP, open_page

TIMEOUT = 300


@pytest.fixture(autouse=True)
def _fresh_caches():
    import streamlit as st

    st.cache_data.clear()
    yield


def _open(page, params):
    return open_page(page, params, timeout=TIMEOUT)


def _notices(at):
    return [i.value for i in at.info if "link" in i.value]


# Widget key -> value a link sets, per page (the demo model answers the model pages at once).
LINKS = [
    ("aecore_app/app_pages/linear_3d.py", {"m": "200", "noise": "0.2", "data_seed": "7", "optimizer": "adam", "n_epochs": "40"},
     {"linear3d.m": 200, "linear3d.noise": 0.2, "linear3d.seed": 7, "linear3d.optimizer": "adam",
      "linear3d.epochs": 40}),
    ("aecore_app/app_pages/reconstructions.py", {"show": "worst", "count": "6"}, {"recon.which": "worst", "recon.count": 6}),
    ("aecore_app/app_pages/latent.py", {"view": "pca", "color": "error", "dims": "3"},
     {"latent.method": "pca", "latent.color": "error", "latent.dims": 3}),
    ("aecore_app/app_pages/latent.py", {"view": "pca", "sel": "3,5,8"}, {"latent.sel": (3, 5, 8)}),
    ("aecore_app/app_pages/latent.py", {"view": "pca", "perplexity": "30", "tsne_lr": "200", "neighbors": "40"},
     {"latent.perplexity": 30.0, "latent.tsne_lr": 200.0, "latent.neighbors": 40}),
    ("aecore_app/app_pages/clusters.py", {"space": "codes", "method": "kmeans", "clusters": "5", "n_init": "2"},
     {"clusters.space": "codes", "clusters.k": 5, "clusters.n_init": 2}),
    ("aecore_app/app_pages/generate.py", {"tab": "denoise", "level": "0.5", "from": "4", "to": "9"},
     {"generate.tab": "denoise", "generate.level": 0.5, "generate.from": 4, "generate.to": 9}),
    ("aecore_app/app_pages/family.py", {"dataset": "digits", "tab": "gan"}, {"family.dataset": "digits", "family.tab": "gan"}),
    ("aecore_app/app_pages/anomalies.py", {"percentile": "95", "classes": "3,4", "latent": "5"},
     {"anomalies.percentile": 95.0, "anomalies.classes": [3, 4], "anomalies.k": 5}),
]


@pytest.mark.parametrize("page, params, expected", LINKS, ids=lambda v: v if isinstance(v, str) else None)
def test_a_link_restores_the_widgets_and_stays_in_the_url(page, params, expected):
    at = _open(page, params)
    for key, value in expected.items():
        stored = at.session_state[key]
        assert (list(stored) if isinstance(value, list) else stored) == value, key
    for name, value in params.items():
        assert at.query_params[name] == value, name
    assert _notices(at) == []


def test_a_selection_from_a_link_shows_those_samples():
    at = _open("aecore_app/app_pages/latent.py", {"view": "pca", "sel": "3,5,8"})
    assert any("3 selected" in h.value for h in at.subheader), [h.value for h in at.subheader]


@pytest.mark.parametrize("page", ["aecore_app/app_pages/linear_3d.py", "aecore_app/app_pages/train.py", "aecore_app/app_pages/reconstructions.py",
                                  "aecore_app/app_pages/latent.py", "aecore_app/app_pages/clusters.py", "aecore_app/app_pages/generate.py",
                                  "aecore_app/app_pages/anomalies.py", "aecore_app/app_pages/family.py", "aecore_app/app_pages/home.py",
                                  "aecore_app/app_pages/runs.py"])
def test_tampered_parameters_fall_back_with_a_notice(page):
    tampered = {"m": "1e99", "view": "<script>", "dims": "9", "color": "nope", "sel": "1,99999999",
                "space": "evil", "clusters": "-3", "tab": "x", "level": "nan", "percentile": "abc",
                "classes": "a", "show": "all", "count": "0", "data_seed": "-1", "converge": "maybe",
                "data": "/etc/passwd", "preset": "rm -rf", "k": "99999", "hidden": "9" * 300, "lr": "inf",
                "tour": "42", "lang": "xx", "dataset": "zzz"}
    at = _open(page, tampered)
    assert at.title
    if page not in ("aecore_app/app_pages/home.py", "aecore_app/app_pages/runs.py"):
        assert _notices(at), f"{page} said nothing about the ignored settings"


@pytest.mark.slow
def test_a_link_to_a_model_fills_the_form_trains_on_request_then_serves_it_from_the_cache():
    link = {"data": "digits", "preset": "recommended", "k": "3", "hidden": "16", "epochs": "2"}
    at = _open("aecore_app/app_pages/train.py", link)
    assert at.session_state["train.dataset"] == "digits"
    assert at.session_state["train.hidden.recommended"] == "16"
    # A link never starts training by itself (issue 14): it says so and waits for Train.
    assert any("press **Train**" in i.value for i in at.info)
    assert not [m for m in at.metric if m.label == "AE / PCA"]
    at.button(key="train.go").click().run()
    metrics = {m.label: m.value for m in at.metric}
    assert "AE / PCA" in metrics and metrics["Epochs"].startswith("2")
    first = metrics["Test MSE (autoencoder)"]
    # The same link in another session: same model (from the cache), same numbers, no training.
    again = _open("aecore_app/app_pages/reconstructions.py", link)
    assert any("3 codes" in c.value or "latent size 3" in c.value or "digits" in c.value for c in again.caption)
    at2 = _open("aecore_app/app_pages/train.py", link)
    assert {m.label: m.value for m in at2.metric}["Test MSE (autoencoder)"] == first
    assert not any("press **Train**" in i.value for i in at2.info)


def test_the_share_box_holds_the_link_of_this_view():
    at = _open("aecore_app/app_pages/clusters.py", {"space": "codes", "method": "kmeans"})
    links = [c.value for c in at.code if "space=codes" in c.value]
    assert links and "data=mnist_sample" in links[0] and "preset=recommended" in links[0]


def test_the_latent_selection_feeds_the_interpolation():
    at = _open("aecore_app/app_pages/latent.py", {"view": "pca", "sel": "12,40,7"})
    at.switch_page("aecore_app/app_pages/generate.py").run()
    at.button(key="generate.use_selection").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert (at.session_state["generate.from"], at.session_state["generate.to"]) == (12, 40)


def test_a_dataset_link_logs_no_session_state_warning(capfd):
    """/train?data=digits: the link sets the dataset widget through the Session State API, and the
    widget is then created without a default of its own (Streamlit logged a warning with a stack
    trace into the server's log on every such visit)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("aecore_app/app_pages/train.py")
    at.query_params["data"] = "digits"
    at.run()
    assert not at.exception and at.selectbox(key="train.dataset").value == "digits"
    assert "created with a default value but also had its value set" not in capfd.readouterr().err
