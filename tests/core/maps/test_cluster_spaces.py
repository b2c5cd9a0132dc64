"""Clustering one input space (aecore.maps.cluster_spaces): shapes by arithmetic, the space dispatch,
budget checks before any work, and cluster means."""

import numpy as np
import pytest

from aecore.maps import cluster_spaces
from aecore.budget import Budget
from aecore.maps.cluster_spaces import (
    ClusterMeans,
    check_space,
    cluster_means,
    cluster_space,
    space_shape,
)

SEED = 0


@pytest.fixture()
def blobs():
    rng = np.random.default_rng(SEED)
    X = np.r_[rng.normal(0.0, 0.1, (30, 6)), rng.normal(3.0, 0.1, (30, 6))]
    return X, np.repeat([0, 1], 30)


def test_space_shape_is_arithmetic():
    assert space_shape("raw", 100, 784, 10) == (100, 784)
    assert space_shape("pca", 100, 784, 10) == space_shape("codes", 100, 784, 10) == (100, 10)
    assert space_shape("umap", 100, 784, 32)[1] == cluster_spaces.cluster.RECOMMENDED["umap_components"]


def test_an_unknown_space_is_refused_by_name():
    with pytest.raises(ValueError, match="space='tsne' must be one of"):
        space_shape("tsne", 10, 4, 2)


@pytest.mark.parametrize("space", ["raw", "pca", "codes"])
def test_cluster_space_finds_two_blobs_and_scores_them(blobs, space):
    X, y = blobs
    result, scores, seconds = cluster_space(space, X, X[:, :2], "kmeans", n_clusters=2, n_init=2, y=y)
    assert result.labels.shape == (60,) and result.n_clusters == 2
    assert scores["acc"] == 1.0 and scores["silhouette"] >= 0.8 and seconds >= 0


def test_the_pca_space_has_as_many_components_as_the_codes(blobs, monkeypatch):
    X, _ = blobs
    seen = []
    original = cluster_spaces.cluster.cluster
    monkeypatch.setattr(cluster_spaces.cluster, "cluster",
                        lambda points, method, **k: seen.append(points.shape) or original(points, method, **k))
    cluster_space("pca", X, X[:, :3], n_clusters=2, n_init=1)
    assert seen == [(60, 3)]


def test_check_space_refuses_over_the_budget_before_computing():
    with pytest.raises(ValueError, match="limit"):
        check_space("raw", "gmm", 50_000, 784, 10, 50, 50, Budget())
    assert check_space("codes", "kmeans", 100, 784, 2, 2, 1, Budget()) > 0


def test_cluster_means_skip_noise_and_mark_missing_clusters_with_nan():
    means = cluster_means([[0.0, 0.0], [2.0, 2.0], [9.0, 9.0]], [1, 1, -1])
    assert isinstance(means, ClusterMeans)
    assert means.ids.tolist() == [1] and means.means.tolist() == [[1.0, 1.0]] and means.counts.tolist() == [2]
    subsample = cluster_means([[0.0, 0.0]], [0], ids=[0, 3])
    assert subsample.counts.tolist() == [1, 0] and np.isnan(subsample.means[1]).all()
    with pytest.raises(ValueError, match="X has 1 rows but labels has 2"):
        cluster_means([[0.0]], [0, 1])
