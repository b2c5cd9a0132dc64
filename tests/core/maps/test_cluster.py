"""Clustering (KMeans / GMM / HDBSCAN, N2D), clustering metrics and the cluster figures."""

import numpy as np
import plotly.graph_objects as go
import pytest
from sklearn.datasets import make_blobs

from aecore.maps import cluster as cluster_module
from aecore.figures import cluster as figures_cluster
from aecore import metrics
from aecore.maps.cluster import ClusterResult, cluster, n2d, recommended_pipeline
from aecore.maps.projection import project
from aecore.maps.selection import selected_ids

SEED = 0


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=400, centers=4, cluster_std=0.6, random_state=SEED)
    return X, y


# --------------------------------------------------------------------------- cluster


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_partitioning_methods_recover_blobs(blobs, method):
    X, y = blobs
    result = cluster(X, method, n_clusters=4)
    assert isinstance(result, ClusterResult) and result.method == method
    assert result.labels.dtype == np.int64 and set(result.labels) == {0, 1, 2, 3}
    assert metrics.clustering_accuracy(y, result.labels) >= 0.99
    # Centres live in X's space: each one is the mean of its cluster's points.
    for k in range(4):
        np.testing.assert_allclose(result.centers[k], X[result.labels == k].mean(axis=0), atol=0.05)


def test_gmm_handles_stretched_clusters_that_kmeans_cuts():
    # scikit-learn's "k-means assumptions" example: anisotropic blobs.
    X, y = make_blobs(n_samples=600, random_state=170)
    X = X @ np.array([[0.60834549, -0.63667341], [-0.40887718, 0.85253229]])
    assert metrics.clustering_accuracy(y, cluster(X, "gmm", n_clusters=3).labels) >= 0.98
    assert metrics.clustering_accuracy(y, cluster(X, "kmeans", n_clusters=3).labels) <= 0.9


def test_hdbscan_marks_noise_and_averages_centres(blobs, rng):
    X, y = blobs
    noise = rng.uniform(X.min(axis=0) - 5, X.max(axis=0) + 5, size=(20, 2))
    data = np.r_[X, noise]
    result = cluster(data, "hdbscan", n_clusters=4)
    assert result.n_clusters == 4 and (result.labels == -1).any()
    kept = result.labels[:400] != -1
    assert kept.mean() >= 0.9
    assert metrics.clustering_accuracy(y[kept], result.labels[:400][kept]) >= 0.99
    for k in range(result.n_clusters):
        np.testing.assert_allclose(result.centers[k], data[result.labels == k].mean(axis=0))


def test_hdbscan_with_only_noise_has_no_centres(rng):
    result = cluster(rng.uniform(size=(30, 2)), "hdbscan", min_cluster_size=30)
    assert result.n_clusters == 0 and result.centers.shape == (0, 2)
    assert np.all(result.labels == -1)


def test_params_reach_the_estimator(blobs):
    X, _ = blobs
    result = cluster(X, "gmm", n_clusters=4, covariance_type="spherical", n_init=1)
    assert result.centers.shape == (4, 2)


def test_seeded_clustering_is_reproducible(blobs):
    X, _ = blobs
    a, b = cluster(X, "gmm", n_clusters=6), cluster(X, "gmm", n_clusters=6)
    np.testing.assert_array_equal(a.labels, b.labels)


def test_unknown_method_raises(blobs):
    with pytest.raises(ValueError, match="method='dbscan'.*choose one of"):
        cluster(blobs[0], "dbscan")


@pytest.mark.parametrize("n_clusters", [0, 401, 2.0, "10"])
def test_bad_n_clusters_raises(blobs, n_clusters):
    with pytest.raises(ValueError, match="n_clusters="):
        cluster(blobs[0], n_clusters=n_clusters)


def test_bad_n_init_raises(blobs):
    with pytest.raises(ValueError, match="n_init=0"):
        cluster(blobs[0], n_init=0)


def test_non_finite_or_non_2d_input_raises(blobs):
    X = blobs[0].copy()
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="1 NaN or infinite"):
        cluster(X)
    with pytest.raises(ValueError, match="2-D"):
        cluster(np.zeros(5))


# --------------------------------------------------------------------------- N2D


def test_n2d_clusters_digits_well(digits):
    X, y = digits.X[:800], digits.y[:800]
    result, embedding = n2d(X, n_clusters=10, random_state=SEED)
    assert embedding.shape == (800, 10) and embedding.dtype == np.float32
    assert result.centers.shape == (10, 10)  # In the embedding's space.
    scores = metrics.cluster_scores(embedding, result.labels, y)
    assert scores["acc"] >= 0.82 and scores["nmi"] >= 0.85  # KMeans on the pixels: 0.79 / 0.75.


def test_joint_neighbours_keep_points_near_in_both_views(rng):
    from aecore.maps.cluster import _joint_neighbors

    # Three classes on a line; each view puts half of a different class onto class 1.
    y = np.repeat([0, 1, 2], 100)
    view_a = np.c_[y * 4.0, np.zeros(300)] + rng.normal(scale=0.7, size=(300, 2))
    view_b = np.c_[y * 4.0, np.zeros(300)] + rng.normal(scale=0.7, size=(300, 2))
    view_a[:50, 0] += 4.0  # Half of class 0, in view a only.
    view_b[200:250, 0] -= 4.0  # Half of class 2, in view b only.
    indices, distances = _joint_neighbors([view_a, view_b], 10)
    assert indices.shape == distances.shape == (300, 10) and indices.dtype == np.int32
    assert np.all(indices[:, 0] == np.arange(300)) and np.all(distances[:, 0] == 0)
    assert all(len(set(row)) == 10 for row in indices.tolist())
    assert np.all(np.diff(distances, axis=1) >= 0)

    def purity(ind):
        return np.mean(y[ind[:, 1:]] == y[:, None])

    from sklearn.neighbors import NearestNeighbors

    single = [NearestNeighbors(n_neighbors=10).fit(v).kneighbors(v)[1] for v in (view_a, view_b)]
    assert max(purity(single[0]), purity(single[1])) <= 0.85
    assert purity(indices) >= 0.97


def test_n2d_with_raw_features_uses_joint_neighbours(digits, monkeypatch):
    import aecore.maps.cluster as module

    calls = []
    original = module._joint_neighbors
    monkeypatch.setattr(module, "_joint_neighbors", lambda *a, **k: calls.append(1) or original(*a, **k))
    X, y = digits.X[:400], digits.y[:400]
    codes = X[:, ::2]
    result, _ = n2d(codes, random_state=SEED, raw_features=X)
    assert calls and metrics.clustering_accuracy(y, result.labels) >= 0.8
    with pytest.raises(ValueError, match="raw_features has 300 rows but codes has 400"):
        n2d(codes, raw_features=X[:300])


@pytest.mark.parametrize("kwargs, match", [(dict(umap_components=0), "umap_components=0"),
                                           (dict(min_dist=-0.1), "min_dist=-0.1"),
                                           (dict(n_neighbors=1), "n_neighbors=1"),
                                           (dict(method="spectral"), "method='spectral'")])
def test_n2d_rejects_bad_settings(kwargs, match, rng):
    with pytest.raises(ValueError, match=match):
        n2d(rng.normal(size=(50, 4)), n_clusters=3, **kwargs)


# --------------------------------------------------------------------------- deskewing


def _ink_moments(images):
    """Centre of mass (row, col) and row-col covariance of each image's ink."""
    rows, cols = np.indices(images.shape[1:])
    ink = images.sum(axis=(1, 2))
    mean_row = (images * rows).sum(axis=(1, 2)) / ink
    mean_col = (images * cols).sum(axis=(1, 2)) / ink
    cov = (images * rows * cols).sum(axis=(1, 2)) / ink - mean_row * mean_col
    return mean_row, mean_col, cov


def test_deskew_straightens_and_centres_slanted_strokes():
    from aecore.maps.cluster import deskew

    images = np.zeros((3, 16, 16))
    for r in range(2, 14):  # A stroke leaning right, one leaning left, off centre.
        images[0, r, int(round(2 + 0.5 * r)):int(round(2 + 0.5 * r)) + 2] = 1.0
        images[1, r, int(round(12 - 0.4 * r)):int(round(12 - 0.4 * r)) + 2] = 0.8
    images[2, 3:13, 7:9] = 1.0  # Upright and centred: left as it is.
    flat = images.reshape(3, -1)
    out = deskew(flat, (16, 16))
    assert out.shape == flat.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1.0 + 1e-6
    before = _ink_moments(images)
    mean_row, mean_col, cov = _ink_moments(out.reshape(3, 16, 16).astype(np.float64))
    assert np.all(np.abs(before[2][:2]) > 1.0) and np.all(np.abs(cov) < 0.1)
    np.testing.assert_allclose(mean_row, 7.5, atol=0.3)
    np.testing.assert_allclose(mean_col, 7.5, atol=0.3)
    np.testing.assert_allclose(out[2], flat[2], atol=1e-6)
    np.testing.assert_allclose(out.sum(axis=1)[:2], flat.sum(axis=1)[:2], rtol=0.02)  # Ink is kept.


def test_deskew_leaves_blank_images_and_rejects_bad_shapes():
    from aecore.maps.cluster import deskew

    np.testing.assert_array_equal(deskew(np.zeros((2, 36)), (6, 6)), np.zeros((2, 36)))
    with pytest.raises(ValueError, match=r"image_shape=\(5, 5\) holds 25 pixels but X has 36"):
        deskew(np.zeros((2, 36)), (5, 5))
    with pytest.raises(ValueError, match="must be \\(height, width\\)"):
        deskew(np.zeros((2, 36)), 36)


def test_deskewed_blurred_digits_have_purer_neighbours(mnist_sample):
    from sklearn.neighbors import NearestNeighbors

    from aecore.maps.cluster import _neighbor_view, _unit_rows

    rows = np.sort(np.random.default_rng(SEED).choice(mnist_sample.n_samples, 2000, replace=False))
    X, y = mnist_sample.X[rows], mnist_sample.y[rows]

    def purity(view):
        neighbours = NearestNeighbors(n_neighbors=11).fit(view).kneighbors(view)[1][:, 1:]
        return np.mean(y[neighbours] == y[:, None])

    raw, view = purity(_unit_rows(X)), purity(_unit_rows(_neighbor_view(X, (28, 28))))
    assert view >= raw + 0.04, (raw, view)  # Measured: 0.85 -> 0.92 on these 2,000.


@pytest.mark.slow
def test_n2d_deskews_raw_features_when_told(mnist_sample, monkeypatch):
    import aecore.maps.cluster as module

    seen = []
    original = module.deskew
    monkeypatch.setattr(module, "deskew", lambda X, shape: seen.append(shape) or original(X, shape))
    rows = np.sort(np.random.default_rng(SEED).choice(mnist_sample.n_samples, 1000, replace=False))
    X, y = mnist_sample.X[rows], mnist_sample.y[rows]
    codes = project(X, "pca", n_components=10)
    plain, _ = n2d(codes, random_state=SEED, raw_features=X)
    assert not seen
    deskewed, _ = n2d(codes, random_state=SEED, raw_features=X, deskew_shape=(28, 28))
    assert seen == [(28, 28)]
    # Measured: ACC 0.68 -> 0.77 on these 1,000 digits (PCA codes; the autoencoder's do better).
    assert (metrics.clustering_accuracy(y, deskewed.labels)
            >= metrics.clustering_accuracy(y, plain.labels) + 0.05)
    with pytest.raises(ValueError, match="deskew_shape describes raw_features"):
        n2d(codes, deskew_shape=(28, 28))
    with pytest.raises(ValueError, match="deskew_shape=\\(8, 8\\) holds 64 pixels"):
        n2d(codes, raw_features=X, deskew_shape=(8, 8))


@pytest.mark.slow
def test_recommended_pipeline_reports_progress_and_returns_all_parts(digits, monkeypatch):
    # A two-epoch autoencoder: this checks the plumbing; bench/clustering.py checks quality.
    short = {**cluster_module.RECOMMENDED,
             "autoencoder": {**cluster_module.RECOMMENDED["autoencoder"], "epochs": 2, "hidden_units": (32,)}}
    monkeypatch.setattr(cluster_module, "RECOMMENDED", short)
    heard = []
    X = digits.X[:300]
    codes, embedding, clusters = recommended_pipeline(
        X, n_clusters=5, progress=lambda stage, fraction: heard.append((stage, fraction)))
    assert codes.shape == (300, 10) and embedding.shape == (300, 10)
    assert clusters.labels.shape == (300,) and clusters.n_clusters == 5
    stages = [stage for stage, _ in heard]
    assert stages[0] == "autoencoder" and stages[-1] == "clustering"
    assert {"autoencoder", "umap", "clustering"} == set(stages)
    assert all(0.0 <= f <= 1.0 for _, f in heard) and heard[-1][1] == 1.0


def test_recommended_pipeline_trains_on_deskewed_images_when_told(digits, monkeypatch):
    short = {**cluster_module.RECOMMENDED,
             "autoencoder": {**cluster_module.RECOMMENDED["autoencoder"], "epochs": 2, "hidden_units": (32,)}}
    monkeypatch.setattr(cluster_module, "RECOMMENDED", short)
    seen = []
    original = cluster_module.deskew
    monkeypatch.setattr(cluster_module, "deskew",
                        lambda X, shape: seen.append(X.shape) or original(X, shape))
    X = digits.X[:300]
    codes, embedding, clusters = recommended_pipeline(X, n_clusters=5, deskew_shape=(8, 8))
    assert seen == [(300, 64)]  # Once: the autoencoder and the neighbours share the deskewed images.
    assert codes.shape == (300, 10) and clusters.labels.shape == (300,)
    with pytest.raises(ValueError, match="deskew_shape=\\(7, 7\\) holds 49 pixels but X has 64"):
        recommended_pipeline(X, n_clusters=5, deskew_shape=(7, 7))


def test_recommended_pipeline_rejects_too_many_clusters(rng):
    with pytest.raises(ValueError, match="n_clusters=20"):
        recommended_pipeline(rng.uniform(size=(10, 4)), n_clusters=20)


# --------------------------------------------------------------------------- clustering metrics


def test_accuracy_ignores_label_names():
    y = np.array([0, 0, 1, 1, 2, 2])
    assert metrics.clustering_accuracy(y, [2, 2, 0, 0, 1, 1]) == 1.0
    assert metrics.clustering_accuracy(y, [2, 2, 0, 1, 1, 1]) == pytest.approx(5 / 6)


def test_accuracy_with_more_or_fewer_clusters_than_classes():
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    # Four clusters: only two can be matched, so the other two count as errors.
    assert metrics.clustering_accuracy(y, [0, 0, 1, 1, 2, 2, 3, 3]) == 0.5
    # One cluster: it matches one class.
    assert metrics.clustering_accuracy(y, np.zeros(8)) == 0.5


def test_accuracy_counts_noise_as_errors():
    y = np.array([0, 0, 1, 1])
    assert metrics.clustering_accuracy(y, [5, -1, 7, 7]) == 0.75
    assert metrics.clustering_accuracy(y, [-1, -1, -1, -1]) == 0.0


def test_accuracy_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="y_true has 3 labels but y_pred has 2"):
        metrics.clustering_accuracy([0, 1, 1], [0, 1])


def test_matched_confusion_puts_the_matching_on_the_diagonal():
    y = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    pred = np.array([7, 7, 3, 3, 3, 3, 9, 9, -1])
    matrix, rows, cols = metrics.matched_confusion(y, pred)
    assert rows.tolist() == [0, 1, 2] and cols.tolist() == [7, 3, 9, -1]
    assert matrix.tolist() == [[2, 1, 0, 0], [0, 3, 0, 0], [0, 0, 2, 1]]
    assert np.trace(matrix) / len(y) == pytest.approx(metrics.clustering_accuracy(y, pred))


def test_matched_confusion_keeps_unmatched_clusters():
    result = metrics.matched_confusion([0, 0, 1, 1], [4, 5, 6, 6])
    assert result.col_labels.tolist() == [4, 6, 5] and result.matrix.sum() == 4


def test_cluster_scores(blobs):
    X, y = blobs
    labels = cluster(X, n_clusters=4).labels
    scores = metrics.cluster_scores(X, labels, y_true=y)
    assert scores["silhouette"] >= 0.6 and scores["acc"] >= 0.99
    assert scores["nmi"] >= 0.95 and scores["ari"] >= 0.95 and scores["n_clusters"] == 4
    shuffled = metrics.cluster_scores(X, np.random.default_rng(SEED).permutation(labels), y_true=y)
    assert shuffled["silhouette"] < 0.05 and shuffled["ari"] < 0.05
    assert set(metrics.cluster_scores(X, labels)) == {"silhouette", "n_clusters", "noise_fraction"}


def test_cluster_scores_subsample_and_noise(rng):
    X = np.r_[rng.normal(size=(3000, 2)), rng.normal(size=(3000, 2)) + 8]
    labels = np.repeat([0, 1], 3000)
    labels[:100] = -1
    scores = metrics.cluster_scores(X, labels, max_samples=500)
    assert scores["silhouette"] > 0.7 and scores["noise_fraction"] == pytest.approx(100 / 6000)
    one = metrics.cluster_scores(X, np.zeros(6000, dtype=int))
    assert np.isnan(one["silhouette"]) and one["n_clusters"] == 1


def test_cluster_scores_rejects_mismatched_labels(rng):
    with pytest.raises(ValueError, match="do not match"):
        metrics.cluster_scores(rng.normal(size=(10, 2)), np.zeros(9))


# --------------------------------------------------------------------------- cluster figures


def test_cluster_map_has_one_trace_per_cluster_and_selectable_ids(blobs):
    X, _ = blobs
    result = cluster(X, n_clusters=4)
    labels = result.labels.copy()
    labels[:5] = -1
    fig = figures_cluster.cluster_map(X, labels, centers_2d=result.centers, title="clusters")
    assert isinstance(fig, go.Figure)
    names = [trace.name for trace in fig.data]
    assert names[0] == "noise" and names[-1] == "centres" and len(names) == 6
    assert fig.data[-1].marker.symbol == "x" and fig.data[-1].customdata is None
    # A selection across traces, including a centre, reads back the right rows.
    points = [{"curve_number": c, "point_index": 0, "customdata": fig.data[c].customdata[0]}
              for c in range(5)] + [{"curve_number": 5, "point_index": 0}]
    ids = selected_ids({"selection": {"points": points}})
    assert ids.tolist() == [int(fig.data[c].customdata[0]) for c in range(5)]
    assert labels[ids[0]] == -1 and all(labels[i] == k for i, k in zip(ids[1:], range(4)))


def test_cluster_map_uses_webgl_for_many_points(rng):
    fig = figures_cluster.cluster_map(rng.normal(size=(1500, 2)), np.arange(1500) % 3)
    assert {trace.type for trace in fig.data} == {"scattergl"}


def test_cluster_map_rejects_mismatched_labels(rng):
    with pytest.raises(ValueError, match="labels has 9 entries"):
        figures_cluster.cluster_map(rng.normal(size=(10, 2)), np.zeros(9))


def test_confusion_heatmap_shows_counts_and_noise():
    matrix, rows, cols = metrics.matched_confusion([0, 0, 1, 1], [3, -1, 2, 2])
    fig = figures_cluster.confusion_heatmap(matrix, rows, cols, title="confusion")
    heat = fig.data[0]
    assert list(heat.x) == ["3", "2", "noise"] and list(heat.y) == ["0", "1"]
    assert np.asarray(heat.z).tolist() == matrix.tolist()
    with pytest.raises(ValueError, match="column labels"):
        figures_cluster.confusion_heatmap(matrix, rows, cols[:2], title="bad")


def test_metric_bars_groups_methods():
    table = {"KMeans": {"acc": 0.52, "nmi": 0.49}, "N2D": {"acc": 0.93, "nmi": 0.87, "ari": 0.86}}
    fig = figures_cluster.metric_bars(table, title="methods")
    assert [trace.name for trace in fig.data] == ["KMeans", "N2D"]
    assert list(fig.data[0].x) == ["acc", "nmi", "ari"] and np.isnan(fig.data[0].y[2])
    with pytest.raises(ValueError, match="table is empty"):
        figures_cluster.metric_bars({}, title="none")
