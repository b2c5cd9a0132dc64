"""The Latent space page's map settings (AppTest): a link sets t-SNE's perplexity or UMAP's
neighbours, the map is drawn with them, the scores beside it are that map's, and the link keeps them."""

import numpy as np
import pytest

from aecore.data.datasets import load_mnist_sample
from aecore.metrics import knn_accuracy, trustworthiness
from tests.builders import open_page

PAGE = "aecore_app/app_pages/latent.py"


@pytest.fixture(autouse=True)
def _fresh_caches():
    import streamlit as st

    from aecore_app import caches

    st.cache_data.clear()
    # The shared views too: another test in this process may have drawn the default UMAP already.
    caches.map_views.clear()
    yield


def _views_with(method: str, settings: tuple) -> list:
    """The shared map views of ``method`` drawn with exactly ``settings`` (their cache keys end with them)."""
    from aecore_app import caches

    registry = caches.map_views()
    return [registry.get(key) for key in registry.keys() if key[1] == method and key[-1] == settings]


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_a_bad_setting_in_a_link_is_ignored_in_plain_words_and_left_out_of_the_link():
    at = open_page(PAGE, {"view": "pca", "perplexity": "500", "neighbors": "x"})
    notice = " ".join(i.value for i in at.info)
    assert "perplexity" in notice and "2–100" in notice and "neighbors" in notice
    assert "latent.perplexity" not in at.session_state and "perplexity" not in at.query_params
    assert set(_metrics(at)) == {"trustworthiness", "kNN accuracy"}  # PCA's scores, beside its map


@pytest.mark.slow
def test_a_link_with_neighbours_draws_that_umap_and_shows_its_scores_then_the_form_changes_both():
    at = open_page(PAGE, {"view": "umap", "neighbors": "30", "min_dist": "0.3"})
    assert at.session_state["latent.neighbors"] == 30 and at.session_state["latent.min_dist"] == 0.3
    assert at.number_input(key="latent.neighbors.w").value == 30
    assert at.query_params["neighbors"] == "30" and at.query_params["min_dist"] == "0.3"
    views = _views_with("umap", (("n_neighbors", 30), ("min_dist", 0.3)))
    assert len(views) == 1 and not _views_with("umap", (("n_neighbors", 15), ("min_dist", 0.1)))
    ds, view = load_mnist_sample(), views[0]
    shown = _metrics(at)
    assert shown["trustworthiness"] == f"{trustworthiness(view.take(ds.X), view.points):.3f}"
    assert shown["kNN accuracy"] == f"{knn_accuracy(view.points, view.take(ds.y)):.3f}"

    # The form redraws the map with new settings, and the link follows.
    at.number_input(key="latent.neighbors.w").set_value(5)
    at.button(key="FormSubmitter:latent.map_settings.umap-Redraw the map").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["latent.neighbors"] == 5 and at.query_params["neighbors"] == "5"
    fewer = _views_with("umap", (("n_neighbors", 5), ("min_dist", 0.3)))
    assert len(fewer) == 1 and not np.array_equal(fewer[0].points, view.points)
    assert _metrics(at)["trustworthiness"] == f"{trustworthiness(ds.X, fewer[0].points):.3f}"

    # Another view keeps UMAP's settings in the session and the link.
    at.radio(key="latent.method").set_value("pca").run()
    assert at.query_params["neighbors"] == "5" and at.query_params["min_dist"] == "0.3"


@pytest.mark.slow
def test_a_link_with_a_perplexity_draws_that_tsne_map_and_says_so():
    at = open_page(PAGE, {"view": "tsne", "perplexity": "30"})
    assert at.session_state["latent.perplexity"] == 30.0 and at.query_params["perplexity"] == "30"
    assert at.number_input(key="latent.perplexity.w").value == 30.0
    assert any("perplexity 30, learning rate 100" in c.value for c in at.caption), [c.value for c in at.caption]
    views = _views_with("tsne", (("perplexity", 30.0), ("learning_rate", 100.0)))
    assert len(views) == 1
    ds = load_mnist_sample()
    assert _metrics(at)["kNN accuracy"] == f"{knn_accuracy(views[0].points, ds.y):.3f}"
