"""Clustering a model's data in one input space, and what a cluster means.

The Clusters page compares four spaces: the raw inputs, PCA of them (as many components as the
autoencoder has), the autoencoder's codes, and UMAP of the codes (the N2D recipe,
:func:`aecore.maps.cluster.n2d`). :func:`space_shape` and :func:`check_space` say what one costs
before anything is computed; :func:`cluster_space` computes the space, clusters it and scores
the result; :func:`cluster_means` gives each cluster's average point (on a map, or in the codes,
where the decoder draws what a cluster "means").
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from . import cluster
from ..budget import Budget, resolve
from ..metrics import cluster_scores

#: Input spaces :func:`cluster_space` knows, in the order the Clusters page compares them.
SPACES = ("raw", "pca", "codes", "umap")
#: Built-in datasets of handwritten digits, whose images the clustering recipe deskews.
HANDWRITING_DATASETS = ("mnist_sample", "mnist")


class SpaceClustering(NamedTuple):
    """What :func:`cluster_space` returns: unpack it as ``result, scores, seconds``."""

    result: cluster.ClusterResult
    scores: dict
    seconds: float


class ClusterMeans(NamedTuple):
    """What :func:`cluster_means` returns: cluster ids, each one's mean point and its row count."""

    ids: np.ndarray
    means: np.ndarray
    counts: np.ndarray


def _check_space(space: str) -> str:
    if space not in SPACES:
        raise ValueError(f"space={space!r} must be one of {list(SPACES)}.")
    return space


def space_shape(space: str, n_rows: int, n_features: int, n_components: int) -> tuple[int, int]:
    """Rows and columns of the data one input space clusters, by arithmetic (nothing computed).

    Parameters
    ----------
    space : {"raw", "pca", "codes", "umap"}
    n_rows : int
        Rows of the data.
    n_features : int
        Columns of the raw inputs.
    n_components : int
        Width of the codes (and of the PCA space, which matches it).

    Returns
    -------
    tuple of int
        ``(n_rows, n_columns)``.

    Examples
    --------
    >>> space_shape("raw", 100, 784, 10), space_shape("umap", 100, 784, 32)
    ((100, 784), (100, 10))
    """
    widths = {"raw": n_features, "pca": n_components, "codes": n_components,
              "umap": cluster.RECOMMENDED["umap_components"]}
    return int(n_rows), int(widths[_check_space(space)])


def check_space(space: str, method: str, n_rows: int, n_features: int, n_components: int, n_clusters: int,
                n_init: int, budget: Budget | None = None) -> float:
    """Check one clustering against the budget before anything is computed.

    Parameters
    ----------
    space, n_rows, n_features, n_components
        As for :func:`space_shape`.
    method : {"kmeans", "gmm", "hdbscan"}
    n_clusters, n_init : int
    budget : Budget, optional
        ``None`` uses :meth:`Budget.default`.

    Returns
    -------
    float
        The estimated multiply-accumulates of the clustering.

    Raises
    ------
    ValueError
        Over the budget, naming the estimate, the limit and the fix (UMAP of too many rows, or a
        clustering too large for its space).
    """
    budget = resolve(budget)
    rows, columns = space_shape(space, n_rows, n_features, n_components)
    if space == "umap":
        budget.check_projection("umap", rows)
    return budget.check_clustering(method, rows, columns, n_clusters, n_init)


def cluster_space(space: str, X, codes, method: str = "kmeans", n_clusters: int = 10, n_init: int = 10, *,
                  y=None, deskew_shape=None, random_state: int = 0,
                  budget: Budget | None = None) -> SpaceClustering:
    """Compute one input space of the data and cluster it there.

    Parameters
    ----------
    space : {"raw", "pca", "codes", "umap"}
        ``"raw"`` clusters ``X``; ``"pca"`` PCA of ``X`` with as many components as ``codes`` has
        columns; ``"codes"`` the codes; ``"umap"`` runs :func:`aecore.maps.cluster.n2d` on the codes with
        ``X`` as the raw features of its joint neighbours.
    X : array-like of shape (n_samples, n_features)
        The raw inputs.
    codes : array-like of shape (n_samples, n_components)
        The autoencoder's codes of the same rows.
    method : {"kmeans", "gmm", "hdbscan"}, default="kmeans"
    n_clusters, n_init : int, default=10
    y : array-like of shape (n_samples,), optional
        True classes: the scores then include ACC, NMI and ARI.
    deskew_shape : tuple of int, optional
        ``(height, width)`` when ``X`` holds handwriting the UMAP space deskews (see
        :func:`aecore.maps.cluster.n2d`); ignored by the other spaces.
    random_state : int, default=0
    budget : Budget, optional

    Returns
    -------
    SpaceClustering
        ``(result, scores, seconds)``: the :class:`~aecore.maps.cluster.ClusterResult`, the
        :func:`~aecore.metrics.cluster_scores` of the clustered points, and the time taken.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 0.1, (20, 4)), rng.normal(3, 0.1, (20, 4))]
    >>> result, scores, seconds = cluster_space("pca", X, X[:, :2], n_clusters=2)
    >>> result.n_clusters, round(scores["silhouette"], 1)
    (2, 1.0)
    """
    _check_space(space)
    codes = np.asarray(codes)
    started = time.perf_counter()
    params = dict(n_clusters=n_clusters, random_state=random_state, n_init=n_init, budget=budget)
    if space == "umap":
        result, points = cluster.n2d(codes, method=method, raw_features=X, deskew_shape=deskew_shape, **params)
    else:
        if space == "raw":
            points = X
        elif space == "pca":
            from sklearn.decomposition import PCA

            points = PCA(n_components=codes.shape[1], random_state=random_state).fit_transform(X)
        else:
            points = codes
        result = cluster.cluster(points, method, **params)
    return SpaceClustering(result, cluster_scores(points, result.labels, y), time.perf_counter() - started)


def cluster_means(X, labels, ids=None) -> ClusterMeans:
    """Each cluster's mean point.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Points (a map's, or the codes).
    labels : array-like of shape (n_samples,)
        Cluster of each point; -1 (noise) belongs to no cluster.
    ids : array-like of int, optional
        The clusters to average, in this order; default: every label but -1, sorted. A cluster
        with no point here (a map of a subsample may miss a small one) gets a row of NaN.

    Returns
    -------
    ClusterMeans
        ``(ids, means, counts)``: means of shape (n_ids, n_features), counts of points.

    Examples
    --------
    >>> cluster_means([[0.0], [2.0], [10.0]], [0, 0, -1]).means
    array([[1.]])
    """
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels)
    if len(X) != len(labels):
        raise ValueError(f"X has {len(X)} rows but labels has {len(labels)}; pass one label per row.")
    ids = np.array(sorted(set(labels.tolist()) - {-1}) if ids is None else ids, dtype=int)
    means = np.full((len(ids), X.shape[1]), np.nan)
    counts = np.zeros(len(ids), dtype=int)
    for i, cluster_id in enumerate(ids):
        members = labels == cluster_id
        counts[i] = int(members.sum())
        if counts[i]:
            means[i] = X[members].mean(axis=0)
    return ClusterMeans(ids, means, counts)
