"""The first views shipped with each demo (aecore.runs.demo_views) are its model's: recomputed from
the shipped model, they match, so they can never drift from it. Codes and PCA maps are compared
numerically (to float16 rounding); UMAP maps and clusterings by what they preserve (neighbours, ARI)."""

import numpy as np
import pytest

from aecore.data import datasets as aedata
from aecore.maps import cluster_spaces, map_settings, projection
from aecore.metrics import knn_accuracy, trustworthiness
from aecore.runs import demo, demo_views

NAMES = list(demo.DEMOS)
#: The default demo's views are checked in the quick tier; every other demo's with the slow tests.
CHECKED = [name if name == NAMES[0] else pytest.param(name, marks=pytest.mark.slow) for name in NAMES]


@pytest.fixture(scope="module")
def shipped():
    """A demo's (model, views, dataset) by name, each model built once for the module."""
    found = {}

    def get(name):
        if name not in found:
            model = demo.DemoModel(demo.DEMO_DIR / name)
            found[name] = (model.reducer(), model.first_views(), aedata.load_dataset(demo.DEMOS[name][0]))
        return found[name]

    return get


def _scale(array: np.ndarray) -> float:
    return 1.0 + float(np.abs(array).max())


def test_every_demo_ships_its_first_views_read_without_keras():
    for name in NAMES:
        views = demo_views.load_views(demo.DEMO_DIR / name, demo.DemoModel(demo.DEMO_DIR / name).n_components)
        assert views is not None, f"{name} ships no {demo_views.VIEWS_FILE}; run python -m aecore.runs.demo --views-only"
        assert not views.codes.flags.writeable and views.maps and views.clusterings


@pytest.mark.parametrize("name", CHECKED)
def test_shipped_codes_pca_map_and_decoded_means_are_the_models(shipped, name):
    reducer, views, ds = shipped(name)
    codes = reducer.transform(ds.X)
    # float16 keeps 11 significant bits: a relative error below 2**-11 of the codes' range.
    np.testing.assert_allclose(views.codes, codes, rtol=1e-3, atol=1e-3 * _scale(codes))
    pca = views.map("pca", 2, demo_views.RANDOM_STATE, map_settings.as_key("pca", None))
    assert pca is not None
    points, rows = projection.project_sample(views.codes, "pca", 2, demo_views.RANDOM_STATE)
    assert rows is None
    np.testing.assert_allclose(pca.points, points, rtol=1e-3, atol=1e-3 * _scale(points))
    for shipped_map in views.maps:  # the scores beside each map, of its shipped points
        trust, knn = shipped_map.scores
        assert trust == pytest.approx(trustworthiness(ds.X, shipped_map.points), abs=1e-3)
        assert knn == pytest.approx(knn_accuracy(shipped_map.points, ds.y), abs=1e-3)
    for clustering in views.clusterings:
        means = cluster_spaces.cluster_means(views.codes, clustering.clustering.result.labels).means
        np.testing.assert_allclose(clustering.means, means, rtol=1e-5, atol=1e-5 * _scale(means))
        decoded = reducer.inverse_transform(clustering.means)
        np.testing.assert_allclose(clustering.decoded, decoded, rtol=1e-3, atol=1e-3 * _scale(decoded))
        assert np.array_equal(views.decoded(clustering.means[::-1]), clustering.decoded[::-1])
    assert views.decoded(views.codes[:3] + 1.0) is None  # other codes are decoded by the model
    if ds.is_image:  # the Generate page's first walk, between two different digits, as the page makes it
        from aecore.maps.latent_walk import DEFAULT_STEPS, interpolate
        from aecore.maps.selection import walk_ends

        first, other = walk_ends(range(ds.n_samples), ds.y)
        _, path = interpolate(views.codes[first], views.codes[other], DEFAULT_STEPS)
        walk = reducer.inverse_transform(path)
        np.testing.assert_allclose(views.decoded(path), walk, rtol=1e-3, atol=1e-3 * _scale(walk))


@pytest.mark.parametrize("name", CHECKED)
def test_shipped_errors_and_reconstructions_on_show_are_the_models(shipped, name):
    reducer, views, ds = shipped(name)
    _, test_idx = aedata.train_test_split(ds, test_fraction=0.2, seed=0)
    for found, X in ((views.every_row, ds.X), (views.held_out, ds.X[test_idx])):
        errors = reducer.reconstruction_error(X)
        np.testing.assert_allclose(found.errors, errors, rtol=1e-4, atol=1e-6)
        worst = np.argsort(found.errors)[::-1][:demo_views.SHOWN_ROWS]
        assert found.reconstructed(worst) is not None  # the Anomalies page's and "worst" rows
        np.testing.assert_allclose(found.reconstructions, reducer.reconstruct(X[found.rows]), rtol=1e-3, atol=1e-3)
        assert np.array_equal(found.reconstructed(found.rows[[2, 0]]), found.reconstructions[[2, 0]])
    shown = np.random.default_rng(0).permutation(len(test_idx))[:demo_views.SHOWN_ROWS]  # the random rows
    best = np.argsort(views.held_out.errors)[:demo_views.SHOWN_ROWS]
    assert views.held_out.reconstructed(shown) is not None and views.held_out.reconstructed(best) is not None
    assert len(views.held_out.rows) < len(test_idx)
    missing = np.setdiff1d(np.arange(len(test_idx)), views.held_out.rows)[:1]
    assert views.held_out.reconstructed(missing) is None  # other rows: the model's


@pytest.mark.parametrize("name", CHECKED)
def test_shipped_comparison_yardsticks_are_the_models(shipped, name):
    from aecore import compare

    reducer, views, ds = shipped(name)
    train_idx, test_idx = aedata.train_test_split(ds, test_fraction=0.2, seed=0)
    measured = compare.yardsticks("demo", reducer, ds.X, train_idx, test_idx)
    found = views.compare
    assert (found.method, found.metrics.kind, found.metrics.n_components, found.metrics.parameters,
            found.metrics.epochs) == (measured.method, measured.metrics.kind, measured.metrics.n_components,
                                      measured.metrics.parameters, measured.metrics.epochs)
    for field in ("test_mse", "pca_mse", "trustworthiness"):
        assert getattr(found.metrics, field) == pytest.approx(getattr(measured.metrics, field), rel=1e-3, nan_ok=True)
    np.testing.assert_allclose(found.points, measured.points, rtol=1e-3, atol=1e-3 * _scale(measured.points))
    np.testing.assert_allclose(found.samples, measured.samples, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(found.feature_errors, measured.feature_errors, rtol=1e-3, atol=1e-6)


def _shared_neighbours(a: np.ndarray, b: np.ndarray, k: int = 10) -> float:
    """The share of each point's k nearest neighbours that two maps of the same rows have in common."""
    from sklearn.neighbors import NearestNeighbors

    found = [NearestNeighbors(n_neighbors=k + 1).fit(m).kneighbors(m, return_distance=False)[:, 1:] for m in (a, b)]
    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(*found)]))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mnist-recommended", "balls-seed004"])
def test_shipped_umap_map_and_clustering_are_recomputed_from_the_shipped_codes(shipped, name):
    from sklearn.metrics import adjusted_rand_score

    _, views, ds = shipped(name)
    umap = views.map("umap", 2, demo_views.RANDOM_STATE, map_settings.as_key("umap", None))
    assert umap is not None
    points, _ = projection.project_sample(views.codes, "umap", 2, demo_views.RANDOM_STATE,
                                          **dict(umap.settings))
    assert _shared_neighbours(umap.points, points) >= 0.6
    for shipped_clustering in views.clusterings:
        handwriting = demo.DEMOS[name][0] in cluster_spaces.HANDWRITING_DATASETS
        result, scores, _ = cluster_spaces.cluster_space(
            shipped_clustering.space, ds.X, views.codes, shipped_clustering.method, shipped_clustering.n_clusters,
            shipped_clustering.n_init, y=ds.y, deskew_shape=ds.image_shape if handwriting else None,
            random_state=shipped_clustering.random_state)
        assert adjusted_rand_score(shipped_clustering.clustering.result.labels, result.labels) >= 0.8
        for score, value in shipped_clustering.clustering.scores.items():
            assert scores[score] == pytest.approx(value, abs=0.1), score
