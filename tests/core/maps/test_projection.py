"""Projections (PCA / t-SNE / UMAP), map-quality metrics and the map figures."""

import base64
import io

import numpy as np
import plotly.graph_objects as go
import pytest

from aecore.figures import builders as figures
from aecore import metrics
from aecore.maps.projection import METHODS, project, project_placed, warm_up_umap
from aecore.maps.selection import selected_ids

SEED = 0


@pytest.fixture(scope="module")
def small_digits(digits):
    """600 scikit-learn digits: enough structure for quality thresholds, small enough to be quick."""
    return digits.X[:600], digits.y[:600]


@pytest.fixture(scope="module")
def umap_map(small_digits):
    """One UMAP of the digits, shared by the UMAP tests (the first call compiles numba code)."""
    X, _ = small_digits
    return project(X, "umap", random_state=SEED)


# --------------------------------------------------------------------------- project


def test_methods_are_listed():
    assert METHODS == ("pca", "tsne", "umap")


def test_pca_is_float32_and_matches_sklearn(small_digits):
    from sklearn.decomposition import PCA

    X, _ = small_digits
    embedding = project(X, "pca", n_components=3)
    assert embedding.dtype == np.float32 and embedding.shape == (600, 3)
    expected = PCA(n_components=3, random_state=SEED).fit_transform(X)
    np.testing.assert_allclose(np.abs(embedding), np.abs(expected), atol=1e-4)


@pytest.mark.slow
def test_tsne_map_keeps_neighbours_and_classes(small_digits):
    X, y = small_digits
    embedding = project(X, "tsne", random_state=SEED)
    assert embedding.shape == (600, 2) and embedding.dtype == np.float32
    # PCA scores 0.84 and 0.58 here.
    assert metrics.trustworthiness(X, embedding) >= 0.97
    assert metrics.knn_accuracy(embedding, y) >= 0.92


@pytest.mark.slow
def test_tsne_in_three_dimensions_uses_barnes_hut(small_digits):
    X, _ = small_digits
    embedding = project(X[:200], "tsne", n_components=3, random_state=SEED)
    assert embedding.shape == (200, 3) and np.isfinite(embedding).all()


@pytest.mark.slow
def test_placing_rows_into_a_tsne_map_keeps_its_trustworthiness(digits):
    """The large-n path: a third of the rows embedded, the rest placed by openTSNE's transform,
    against the full embedding of every row (issue 18: within 0.02)."""
    from aecore.budget import Budget

    X, y = digits.X[:1500], digits.y[:1500]
    full, none = project_placed(X, random_state=SEED)
    assert none is None
    placed, embedded = project_placed(X, random_state=SEED, budget=Budget(max_tsne_rows=500))
    assert placed.shape == (1500, 2) and placed.dtype == np.float32 and np.isfinite(placed).all()
    assert embedded.shape == (500,) and np.all(np.diff(embedded) > 0)
    full_score, placed_score = metrics.trustworthiness(X, full), metrics.trustworthiness(X, placed)
    assert full_score >= 0.97
    assert placed_score >= full_score - 0.02, (full_score, placed_score)
    assert metrics.knn_accuracy(placed, y) >= metrics.knn_accuracy(full, y) - 0.03
    with pytest.raises(ValueError, match="at most 2 dimensions"):
        project_placed(X, n_components=3)
    with pytest.raises(ValueError, match="has 300,000 rows"):
        project_placed(np.zeros((300_000, 2), dtype=np.float32))


def test_umap_map_keeps_neighbours_and_classes(small_digits, umap_map):
    X, y = small_digits
    assert umap_map.shape == (600, 2) and umap_map.dtype == np.float32
    assert metrics.trustworthiness(X, umap_map) >= 0.97
    assert metrics.knn_accuracy(umap_map, y) >= 0.92


def test_umap_is_reproducible_with_a_seed(small_digits, umap_map):
    X, _ = small_digits
    np.testing.assert_allclose(project(X, "umap", random_state=SEED), umap_map, atol=1e-5)


def test_umap_runs_fewer_epochs_on_many_rows_unless_told(monkeypatch, rng):
    from aecore.maps import projection

    seen = []
    monkeypatch.setattr(projection, "_umap", lambda X, k, seed, settings: seen.append(settings["n_epochs"])
                        or np.zeros((len(X), k), np.float32))
    big = rng.normal(size=(projection.UMAP_LARGE_ROWS + 1, 3)).astype(np.float32)
    project(big[:500], "umap")
    project(big, "umap")
    project(big, "umap", n_epochs=300)
    assert seen == [200, projection.UMAP_LARGE_EPOCHS, 300]


@pytest.mark.parametrize("budget, approximate", [(3e10, False), (0, True)])
def test_umap_gets_exact_neighbours_within_the_budget_and_descent_above(budget, approximate, monkeypatch, rng):
    import umap

    import aecore.maps.projection as projection
    from aecore.maps import knn

    received, searched = {}, []

    class FakeUMAP:
        def __init__(self, **kwargs):
            received.update(kwargs)

        def fit_transform(self, X):
            return np.zeros((len(X), received["n_components"]))

    exact_search = knn._search

    def search(X, k, approximate, random_state):
        searched.append(approximate)
        return exact_search(X, k, False, random_state)  # no descent (and its compilation) in a test

    knn.clear()
    monkeypatch.setattr(umap, "UMAP", FakeUMAP)
    monkeypatch.setattr(knn, "_search", search)
    monkeypatch.setattr(projection, "EXACT_NEIGHBORS_BUDGET", budget)
    X = rng.normal(size=(40, 3))
    project(X, "umap", n_neighbors=5)
    knn.clear()
    assert searched == [approximate]
    indices, distances, _ = received["precomputed_knn"]
    assert indices.shape == (40, 5) and np.all(indices[:, 0] == np.arange(40))
    assert indices.dtype == np.int32 and distances.dtype == np.float32
    assert np.all(np.diff(distances, axis=1) >= 0)


def test_umap_reports_disconnected_points(monkeypatch, rng):
    import umap

    class BrokenUMAP:
        def __init__(self, **kwargs):
            pass

        def fit_transform(self, X):
            out = np.zeros((len(X), 2))
            out[:3] = np.nan
            return out

    monkeypatch.setattr(umap, "UMAP", BrokenUMAP)
    with pytest.raises(ValueError, match="left 3 point"):
        project(rng.normal(size=(40, 3)), "umap")


def test_tiny_inputs_clip_perplexity_and_neighbours(rng):
    X = rng.normal(size=(8, 4))
    assert project(X, "tsne").shape == (8, 2)
    assert project(X, "umap", n_neighbors=50).shape == (8, 2)


def test_pca_does_not_pass_umap_defaults_and_extra_params_reach_the_estimator(rng):
    X = rng.normal(size=(50, 6))
    whitened = project(X, "pca", n_components=2, whiten=True)
    np.testing.assert_allclose(whitened.std(axis=0), 1.0, rtol=0.05)


@pytest.mark.parametrize("method", ["kmeans", "", None])
def test_unknown_method_raises(method, rng):
    with pytest.raises(ValueError, match="method=.*choose one of"):
        project(rng.normal(size=(20, 3)), method)


@pytest.mark.parametrize("n_components", [0, -1, 2.5, True])
def test_bad_n_components_raises(n_components, rng):
    with pytest.raises(ValueError, match="n_components="):
        project(rng.normal(size=(20, 3)), "pca", n_components=n_components)


def test_too_many_pca_components_raises(rng):
    with pytest.raises(ValueError, match="n_components=4 is larger"):
        project(rng.normal(size=(20, 3)), "pca", n_components=4)


def test_tsne_in_four_dimensions_raises(rng):
    with pytest.raises(ValueError, match="n_components=4 is too many"):
        project(rng.normal(size=(20, 6)), "tsne", n_components=4)


def test_non_finite_and_non_2d_inputs_raise(rng):
    X = rng.normal(size=(20, 3))
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="1 NaN"):
        project(X, "pca")
    with pytest.raises(ValueError, match="2-D"):
        project(np.zeros(10), "pca")


def test_too_few_rows_raises(rng):
    with pytest.raises(ValueError, match="needs at least"):
        project(rng.normal(size=(3, 5)), "umap", n_components=2)


@pytest.mark.parametrize("kwargs", [dict(n_samples=5), dict(n_features=1), dict(n_samples=100.0)])
def test_warm_up_rejects_bad_sizes(kwargs):
    with pytest.raises(ValueError, match="must be an integer"):
        warm_up_umap(**kwargs)


def test_warm_up_runs_and_reports_seconds(umap_map):
    assert 0 < warm_up_umap(n_samples=200, n_features=4) < 60


# --------------------------------------------------------------------------- map metrics


def test_trustworthiness_ranks_a_good_map_above_a_shuffled_one(rng):
    X = rng.normal(size=(500, 3)) * [5, 3, 0.1]
    good = X[:, :2]
    assert metrics.trustworthiness(X, good) >= 0.95
    assert metrics.trustworthiness(X, rng.permutation(good)) <= 0.6


def test_trustworthiness_subsamples_rows(rng):
    X = rng.normal(size=(300, 3))
    value = metrics.trustworthiness(X, X[:, :2], max_samples=100, random_state=1)
    assert 0.5 < value <= 1.0


def test_trustworthiness_rejects_bad_input(rng):
    with pytest.raises(ValueError, match="same number of rows"):
        metrics.trustworthiness(rng.normal(size=(10, 3)), rng.normal(size=(9, 2)))
    with pytest.raises(ValueError, match="n_neighbors=10"):
        metrics.trustworthiness(rng.normal(size=(15, 3)), rng.normal(size=(15, 2)))


def test_knn_accuracy_separates_structured_from_random_maps(rng):
    y = np.repeat(np.arange(3), 40)
    separated = np.c_[y * 10.0, np.zeros(120)] + rng.normal(size=(120, 2))
    assert metrics.knn_accuracy(separated, y) == 1.0
    assert metrics.knn_accuracy(rng.normal(size=(120, 2)), y) <= 0.6


def test_knn_accuracy_rejects_bad_input(rng):
    with pytest.raises(ValueError, match="do not match"):
        metrics.knn_accuracy(rng.normal(size=(10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="smallest class has 1"):
        metrics.knn_accuracy(rng.normal(size=(10, 2)), [0] * 9 + [1])


# --------------------------------------------------------------------------- map figures


def test_thumbnail_map_places_decodable_images_at_points(small_digits, umap_map):
    from PIL import Image

    X, y = small_digits
    fig = figures.thumbnail_map(umap_map, X, (8, 8), labels=y, n_thumbnails=40)
    assert isinstance(fig, go.Figure)
    assert 10 <= len(fig.layout.images) <= 40
    first = fig.layout.images[0]
    assert first.xref == "x" and first.yref == "y"
    span = np.ptp(umap_map, axis=0)
    assert first.sizex == pytest.approx(0.04 * span[0], rel=1e-3)
    # Each image sits on a point of the map.
    positions = {(float(im.x), float(im.y)) for im in fig.layout.images}
    assert positions <= {(float(a), float(b)) for a, b in umap_map.astype(np.float64)}
    png = base64.b64decode(first.source.split(",", 1)[1])
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (8, 8) and image.mode == "LA"
    # One trace per digit, with global row ids for selections.
    assert len(fig.data) == 10
    ids = np.concatenate([np.asarray(trace.customdata) for trace in fig.data])
    assert sorted(ids.tolist()) == list(range(600))


def test_thumbnails_do_not_pile_up(rng):
    points = np.r_[np.zeros((200, 2)), rng.uniform(1, 100, size=(50, 2))]
    fig = figures.thumbnail_map(points, rng.uniform(size=(250, 4)), (2, 2), n_thumbnails=300)
    placed = np.array([(im.x, im.y) for im in fig.layout.images])
    assert np.sum(np.all(placed == 0, axis=1)) == 1  # Only one of the 200 stacked points.


def test_thumbnail_map_rejects_mismatched_images(rng):
    with pytest.raises(ValueError, match="one image per point"):
        figures.thumbnail_map(rng.normal(size=(10, 2)), rng.uniform(size=(9, 4)), (2, 2))
    with pytest.raises(ValueError, match="image_shape"):
        figures.thumbnail_map(rng.normal(size=(10, 2)), rng.uniform(size=(10, 4)), (3, 3))


def test_codings_scatter_3d(rng):
    points = rng.normal(size=(30, 3))
    labels = np.repeat([0, 1, 2], 10)
    fig = figures.codings_scatter_3d(points, color=labels, categorical=True, title="codes")
    assert [trace.type for trace in fig.data] == ["scatter3d"] * 3
    assert np.asarray(fig.data[1].customdata).tolist() == list(range(10, 20))
    continuous = figures.codings_scatter_3d(points, color=points[:, 0])
    assert len(continuous.data) == 1 and continuous.data[0].marker.showscale
    with pytest.raises(ValueError, match=r"\(n_samples, 3\)"):
        figures.codings_scatter_3d(points[:, :2])


def test_latent_distributions_caps_dimensions(rng):
    fig = figures.latent_distributions(rng.normal(size=(100, 40)), max_dims=32)
    assert len(fig.data) == 32 and "first 32 of 40" in fig.layout.title.text
    assert len(figures.latent_distributions(rng.normal(size=(100, 3))).data) == 3


def test_correlation_heatmap_is_symmetric_and_handles_constant_dims(rng):
    codes = rng.normal(size=(200, 4))
    codes[:, 1] = 2 * codes[:, 0]
    codes[:, 3] = 5.0
    z = np.asarray(figures.correlation_heatmap(codes).data[0].z)
    np.testing.assert_allclose(z, z.T, atol=1e-12)
    assert z[0, 1] == pytest.approx(1.0) and np.all(z[3] == 0) and np.isfinite(z).all()


def test_map_selection_round_trip(rng):
    """Ids read back from a selection on a map figure are the rows that were drawn there."""
    points = rng.normal(size=(50, 2))
    fig = figures.thumbnail_map(points, rng.uniform(size=(50, 4)), (2, 2),
                                labels=np.arange(50) % 3, n_thumbnails=5)
    trace = fig.data[2]
    event = {"selection": {"points": [
        {"curve_number": 2, "point_index": i, "customdata": trace.customdata[i]} for i in (0, 3)]}}
    assert selected_ids(event).tolist() == [int(trace.customdata[0]), int(trace.customdata[3])]
    assert all(int(v) % 3 == 2 for v in selected_ids(event))


def test_time_estimates_grow_with_the_rows_and_follow_the_budget():
    from aecore.budget import Budget
    from aecore.maps.projection import estimate_seconds

    for method in METHODS:
        assert 0 < estimate_seconds(method, 1_000) < estimate_seconds(method, 5_000) < estimate_seconds(method, 60_000)
    # Above t-SNE's rows a 2-D map embeds a subsample and places the rest (much cheaper per row);
    # UMAP embeds its budget's rows at most.
    # Placing 40,000 more rows costs less than embedding twice the 20,000.
    assert estimate_seconds("tsne", 60_000) < 2 * estimate_seconds("tsne", 20_000)
    assert estimate_seconds("umap", 200_000) == estimate_seconds("umap", Budget.default().max_umap_rows)
    assert 20 <= estimate_seconds("umap", 60_000) <= 45  # measured: 29 s on 2 cores (100 epochs)
    with pytest.raises(ValueError, match="not a projection method"):
        estimate_seconds("lle", 100)
