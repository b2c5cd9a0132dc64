"""Clusters in latent space: KMeans, Gaussian mixtures and HDBSCAN behind one function, and the
N2D recipe (autoencoder codes -> UMAP -> clustering) that makes them work on images.

N2D (McConville et al., "N2D: (Not Too) Deep Clustering via Clustering the Local Manifold of an
Autoencoded Embedding", ICPR 2020) clusters a UMAP embedding of an autoencoder's codes instead
of the codes themselves: UMAP pulls each class's manifold together, which KMeans and Gaussian
mixtures need and the raw codes do not give them.

For MNIST-like handwriting, :func:`deskew` straightens each image first (the moment-based
deskewing of LeCun et al.'s MNIST benchmarks; it uses no labels): the autoencoder learns from
upright digits, and the neighbour graph UMAP builds is taken where slant no longer separates
two writings of one digit nor joins a 4 to a 9. It is opt-in (``deskew_shape``): on other
images it can hurt (scikit-learn's 8 x 8 digits, already size-normalised: ACC 0.82 -> 0.64).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Callable, NamedTuple, Optional

import numpy as np

from . import projection
from ..budget import Budget, resolve
from ..data.deskew import blur, check_image_shape, deskew
from .projection import limit_threads, project

#: Clustering methods :func:`cluster` knows.
METHODS = ("kmeans", "gmm", "hdbscan")
#: HDBSCAN's default ``min_samples`` is ``min_cluster_size`` up to this many (see :func:`cluster`).
HDBSCAN_MAX_MIN_SAMPLES = 100

#: The recipe :func:`recommended_pipeline` runs, chosen on the 5,000-digit MNIST sample
#: (``bench/clustering.py``). With ``deskew_shape`` given, the autoencoder trains on deskewed
#: images (:func:`deskew`) and UMAP's graph keeps the joint neighbours of its codes and of the
#: deskewed images blurred by ``image_blur`` x their width. The seeds, ablations and what did no
#: better: BENCHMARKS.md, "The recommended clustering recipe: how it was chosen".
RECOMMENDED = {
    "autoencoder": {"n_components": 10},
    "joint_neighbors": True,
    "umap_components": 10,
    "n_neighbors": 10,
    "min_dist": 0.0,
    "method": "gmm",
    "image_blur": 1.0 / 28,
}

#: A stage reported to ``progress(stage, fraction)``: "autoencoder", "umap" or "clustering".
ProgressFn = Callable[[str, float], None]


@dataclass
class ClusterResult:
    """What a clustering found.

    Attributes
    ----------
    labels : ndarray of shape (n_samples,), int64
        Cluster of each row, numbered from 0; -1 marks noise (HDBSCAN only).
    centers : ndarray of shape (n_clusters, n_features)
        One centre per cluster, in the space of the clustered data: KMeans' centroids, the
        mixture's means, or for HDBSCAN the mean of each cluster's points.
    method : str
        The method that produced the labels.
    """

    labels: np.ndarray
    centers: np.ndarray
    method: str

    @property
    def n_clusters(self) -> int:
        """Number of clusters found (noise is not a cluster)."""
        return int(len(self.centers))


def _check_X(X) -> np.ndarray:
    """Return X as a finite 2-D float array, or raise."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (n_samples, n_features); got shape {X.shape}.")
    if not np.isfinite(X).all():
        raise ValueError(f"X contains {int((~np.isfinite(X)).sum())} NaN or infinite value(s); "
                         "remove or impute them before clustering.")
    return X


def _check_count(name: str, value, low: int, high: int | None = None, hint: str = "") -> int:
    """Return ``value`` as an int in [low, high], or raise naming it."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low or (
            high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name}={value!r} must be an integer {bound}{hint}.")
    return int(value)


def cluster(X, method: str = "kmeans", n_clusters: int = 10, random_state: int | None = 0,
            n_init: int = 10, budget: Budget | None = None, **params) -> ClusterResult:
    """Cluster the rows of ``X`` with KMeans, a Gaussian mixture or HDBSCAN.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Latent codes, a UMAP embedding of them, or any numeric features.
    method : {"kmeans", "gmm", "hdbscan"}, default="kmeans"
        ``"kmeans"``: ``sklearn.cluster.KMeans``. ``"gmm"``: ``sklearn.mixture.GaussianMixture``
        with full covariances (each cluster its own ellipsoid). ``"hdbscan"``:
        ``sklearn.cluster.HDBSCAN``, which finds the number of clusters itself and leaves
        points in no dense region as noise (-1).
    n_clusters : int, default=10
        Number of clusters for KMeans and the mixture. HDBSCAN uses it only to choose its
        default ``min_cluster_size = max(5, n_samples // (5 * n_clusters))``, and
        ``min_samples`` defaults to that, at most :data:`HDBSCAN_MAX_MIN_SAMPLES`.
    random_state : int or None, default=0
    n_init : int, default=10
        Restarts of KMeans and of the mixture; the best one is kept (ignored by HDBSCAN).
    budget : Budget, optional
        The resource limits checked before anything is fitted (:meth:`Budget.check_clustering`
        on the shape of ``X``); ``None`` uses :meth:`Budget.default`. Pass
        ``Budget.unlimited()`` on a machine that can afford more.
    **params
        Passed to the scikit-learn estimator (e.g. ``covariance_type="diag"``,
        ``min_cluster_size=50``).

    Returns
    -------
    ClusterResult

    Raises
    ------
    ValueError
        On invalid settings, or when the estimated cost is over the budget (the message names
        the estimate, the limit and what to change).

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(300, centers=3, random_state=0)
    >>> result = cluster(X, "kmeans", n_clusters=3)
    >>> result.labels.shape, result.centers.shape
    ((300,), (3, 2))
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not a clustering method; choose one of {list(METHODS)}.")
    X = _check_X(X)
    n_samples = X.shape[0]
    n_clusters = _check_count("n_clusters", n_clusters, 1, max(1, n_samples),
                              f" (X has {n_samples} rows); choose fewer clusters")
    n_init = _check_count("n_init", n_init, 1, hint=", e.g. 10")
    resolve(budget).check_clustering(method, n_samples, X.shape[1], n_clusters, n_init)

    if method == "kmeans":
        from sklearn.cluster import KMeans

        with limit_threads():
            model = KMeans(n_clusters=n_clusters, n_init=n_init, random_state=random_state,
                           **params).fit(X)
        labels, centers = model.labels_, model.cluster_centers_
    elif method == "gmm":
        from sklearn.mixture import GaussianMixture

        with limit_threads():
            model = GaussianMixture(n_components=n_clusters, n_init=n_init, random_state=random_state,
                                    **params).fit(X)
            labels = model.predict(X)
        centers = model.means_
    else:
        from sklearn.cluster import HDBSCAN

        if n_samples < 2:
            raise ValueError(f"X has {n_samples} row(s); HDBSCAN needs at least 2.")
        settings = {"min_cluster_size": max(5, n_samples // (5 * n_clusters)), "copy": True, **params}
        settings["min_cluster_size"] = min(settings["min_cluster_size"], n_samples)
        # scikit-learn's min_samples defaults to min_cluster_size, which grows with the rows: its
        # neighbour tables (rows x min_samples x 16 bytes) would grow with rows² (1.2 GB at 60,000
        # rows, 13 GB at 200,000). Capped, they stay linear; up to 5,000 rows nothing changes.
        settings.setdefault("min_samples", min(settings["min_cluster_size"], HDBSCAN_MAX_MIN_SAMPLES))
        with limit_threads():
            labels = HDBSCAN(**settings).fit_predict(X)
        found = np.unique(labels[labels >= 0])
        centers = (np.stack([X[labels == k].mean(axis=0) for k in found]) if found.size
                   else np.empty((0, X.shape[1])))
    return ClusterResult(labels=np.asarray(labels, dtype=np.int64), centers=np.asarray(centers),
                         method=method)


def _unit_rows(X: np.ndarray) -> np.ndarray:
    """Scale rows to unit length, so Euclidean distances rank neighbours like cosine distances."""
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return (X / np.maximum(norms, 1e-12)).astype(np.float32)


def _joint_neighbors(views: list[np.ndarray], n_neighbors: int, candidates: int = 3,
                     chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Nearest neighbours that are near in every view: smallest sum of locally scaled distances.

    Each view proposes ``candidates * n_neighbors`` exact neighbours per row; every proposed
    point is scored by its distance in each view divided by the row's distance to its
    ``n_neighbors``-th neighbour there, summed over views. Returns UMAP's ``precomputed_knn``
    arrays (each row's first neighbour is itself).
    """
    from sklearn.neighbors import NearestNeighbors

    n_samples = len(views[0])
    pool_size = min(n_samples, candidates * n_neighbors)
    pools, scales = [], []
    for view in views:
        distances, indices = NearestNeighbors(n_neighbors=pool_size).fit(view).kneighbors(view)
        pools.append(indices)
        scales.append(np.maximum(distances[:, min(n_neighbors, pool_size) - 1], 1e-12))
    pool = np.concatenate(pools, axis=1)
    # A point proposed by both views must count once: mark its second appearance.
    order = np.argsort(pool, axis=1, kind="stable")
    in_order = np.take_along_axis(pool, order, axis=1)
    repeated = np.zeros(pool.shape, dtype=bool)
    np.put_along_axis(repeated, order, np.c_[np.zeros((n_samples, 1), dtype=bool),
                                             in_order[:, 1:] == in_order[:, :-1]], axis=1)
    score = np.zeros(pool.shape)
    for view, scale in zip(views, scales):
        for start in range(0, n_samples, chunk):  # Chunks keep the gathered rows small.
            rows = slice(start, start + chunk)
            diff = view[pool[rows]] - view[rows, None, :]
            score[rows] += np.sqrt(np.einsum("ijk,ijk->ij", diff, diff)) / scale[rows, None]
    score[repeated] = np.inf
    best = np.argsort(score, axis=1, kind="stable")[:, :n_neighbors]
    return (np.take_along_axis(pool, best, axis=1).astype(np.int32),
            np.take_along_axis(score, best, axis=1).astype(np.float32))


def _neighbor_view(raw: np.ndarray, deskew_shape, deskewed: bool = False) -> np.ndarray:
    """The raw view joint neighbours use: for handwriting, deskewed and blurred by
    ``RECOMMENDED["image_blur"]``; otherwise ``raw`` itself."""
    if deskew_shape is None:
        return raw
    if not deskewed:
        raw = deskew(raw, deskew_shape)
    return blur(raw, deskew_shape, float(RECOMMENDED.get("image_blur", 0.0)))


def _n2d_embedding(codes, raw_features, umap_components: int, n_neighbors: int, min_dist: float,
                   random_state, budget: Budget | None = None) -> np.ndarray:
    """Validate the N2D settings and return the UMAP embedding of the codes."""
    umap_components = _check_count("umap_components", umap_components, 1, hint=", e.g. 10")
    if not isinstance(min_dist, numbers.Real) or isinstance(min_dist, bool) or not 0.0 <= min_dist <= 1.0:
        raise ValueError(f"min_dist={min_dist!r} must be a number between 0 and 1, e.g. 0.0.")
    n_neighbors = _check_count("n_neighbors", n_neighbors, 2, hint=", e.g. 10")
    codes = _check_X(codes).astype(np.float32)
    settings = {"n_neighbors": min(n_neighbors, len(codes) - 1), "min_dist": float(min_dist)}
    if raw_features is not None:
        raw = _check_X(raw_features)
        if len(raw) != len(codes):
            raise ValueError(f"raw_features has {len(raw)} rows but codes has {len(codes)}; pass the "
                             "rows the codes were computed from.")
        # Joint neighbours need exact neighbours in the raw space; above the budget they would
        # cost minutes, so large inputs fall back to the codes' own neighbours (plain N2D).
        if len(raw) ** 2 * raw.shape[1] <= projection.EXACT_NEIGHBORS_BUDGET and len(raw) > 2:
            with limit_threads():
                indices, distances = _joint_neighbors([_unit_rows(raw), codes], settings["n_neighbors"])
            settings["precomputed_knn"] = (indices, distances, None)
    return project(codes, "umap", n_components=umap_components, random_state=random_state, budget=budget,
                   **settings)


def n2d(codes, n_clusters: int = 10, umap_components: int = RECOMMENDED["umap_components"],
        n_neighbors: int = RECOMMENDED["n_neighbors"], min_dist: float = RECOMMENDED["min_dist"],
        method: str = RECOMMENDED["method"], random_state: int | None = 0, raw_features=None,
        deskew_shape=None, budget: Budget | None = None, **params) -> tuple[ClusterResult, np.ndarray]:
    """The N2D recipe on given codes: UMAP them to a few dimensions, then cluster there.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_components)
        An autoencoder's latent codes (any features work).
    n_clusters : int, default=10
    umap_components : int, default=10
        Dimensions of the UMAP embedding that is clustered (N2D uses the number of clusters).
    n_neighbors : int, default=10
        UMAP's neighbourhood size; small values keep the local manifold of each class.
    min_dist : float, default=0.0
        UMAP's minimum distance; 0 packs clusters tightly, which clustering wants.
    method : {"gmm", "kmeans", "hdbscan"}, default="gmm"
    random_state : int or None, default=0
    raw_features : array-like of shape (n_samples, n_features), optional
        The data the codes came from. When given, UMAP's neighbour graph keeps the points that
        are near both in the codes and in the raw data (cosine distance): "joint neighbours".
        The two views err on different pairs, so the graph links fewer points of different
        classes (on the MNIST sample, 91% of 10 neighbours share the digit instead of 88%). Skipped
        when exact raw neighbours would be too costly (see
        :data:`aecore.maps.projection.EXACT_NEIGHBORS_BUDGET`).
    deskew_shape : tuple of int, optional
        ``(height, width)`` when ``raw_features`` are flattened images of handwriting like
        MNIST: their neighbours are then found among the images deskewed (:func:`deskew`) and
        slightly blurred (``RECOMMENDED["image_blur"]``), where far fewer of them join two
        digits (on the MNIST sample 94.5% of 10 neighbours share the digit instead of 90%).
        Needs ``raw_features``. Not for other images: on scikit-learn's 8 x 8 digits it
        lowers ACC from 0.82 to 0.64.
    budget : Budget, optional
        The resource limits checked before anything is computed: UMAP of ``n_samples`` rows
        (:meth:`Budget.check_projection`) and the clustering of the ``umap_components``-wide
        embedding (:meth:`Budget.check_clustering`). ``None`` uses :meth:`Budget.default`.
    **params
        Passed to :func:`cluster`.

    Returns
    -------
    result : ClusterResult
        Centres are in the UMAP embedding's space.
    embedding : ndarray of shape (n_samples, umap_components), float32

    Examples
    --------
    >>> result, embedding = n2d(codes, n_clusters=10, raw_features=X)  # doctest: +SKIP
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not a clustering method; choose one of {list(METHODS)}.")
    codes = _check_X(codes)
    n_samples = codes.shape[0]
    umap_components = _check_count("umap_components", umap_components, 1, hint=", e.g. 10")
    n_clusters = _check_count("n_clusters", n_clusters, 1, max(1, n_samples),
                              f" (codes has {n_samples} rows); choose fewer clusters")
    n_init = _check_count("n_init", params.get("n_init", 10), 1, hint=", e.g. 10")
    budget = resolve(budget)
    budget.check_projection("umap", n_samples)
    budget.check_clustering(method, n_samples, umap_components, n_clusters, n_init)
    if deskew_shape is not None:
        if raw_features is None:
            raise ValueError("deskew_shape describes raw_features; pass raw_features (the images the "
                             "codes came from) too, or leave deskew_shape out.")
        raw = _check_X(raw_features)
        check_image_shape(deskew_shape, raw.shape[1], "deskew_shape")
        raw_features = _neighbor_view(raw, deskew_shape)
    embedding = _n2d_embedding(codes, raw_features, umap_components, n_neighbors, min_dist, random_state,
                               budget)
    return (cluster(embedding, method, n_clusters=n_clusters, random_state=random_state, budget=budget,
                    **params), embedding)


class PipelineResult(NamedTuple):
    """What :func:`recommended_pipeline` returns: unpack it as ``codes, embedding, clusters``."""

    codes: np.ndarray
    embedding: np.ndarray
    clusters: ClusterResult


def recommended_pipeline(X, n_clusters: int = 10, random_state: int | None = 0,
                         progress: Optional[ProgressFn] = None, deskew_shape=None) -> PipelineResult:
    """Cluster raw data the recommended way: autoencoder -> UMAP -> Gaussian mixture (N2D).

    For handwriting (``deskew_shape`` given), first deskews the images (:func:`deskew`).
    Trains a dense :class:`~aecore.reducer.AutoencoderReducer` with ``RECOMMENDED`` settings
    (10-dimensional codes, early stopping), then runs :func:`n2d` on its codes with joint
    neighbours of the codes and the (deskewed, blurred) inputs. On the 5,000 MNIST digits with
    ``deskew_shape=(28, 28)`` it takes 30-50 s on 2 CPU cores (up to 110 s while other
    processes share them) and reaches ACC 0.957-0.969 and NMI 0.902-0.918 over seeds 0-4;
    without ``deskew_shape``, ACC 0.79-0.89 and NMI 0.81-0.83 (see :data:`RECOMMENDED` and
    ``bench/clustering.py``). N2D's published 0.979 is on all 70,000 MNIST digits.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Raw features (e.g. flattened images scaled to 0-1).
    n_clusters : int, default=10
    random_state : int or None, default=0
        Seeds the autoencoder, UMAP and the clustering.
    progress : callable, optional
        ``progress(stage, fraction)``: ``stage`` is "autoencoder", "umap" or "clustering",
        ``fraction`` the share of that stage done (0 to 1). Autoencoder fractions count epochs
        against the maximum, so early stopping jumps to 1.
    deskew_shape : tuple of int, optional
        ``(height, width)`` when the rows of ``X`` are flattened images of handwriting like
        MNIST (dark background, bright ink): turns on the deskewing. Leave it out for other
        data, other images included (on scikit-learn's 8 x 8 digits deskewing hurts).

    Returns
    -------
    PipelineResult
        ``(codes, embedding, clusters)``: the autoencoder's codes, their UMAP embedding and
        the :class:`ClusterResult` (centres in the embedding's space).

    Examples
    --------
    >>> from aecore.data.datasets import load_mnist_sample
    >>> digits = load_mnist_sample()
    >>> codes, embedding, clusters = recommended_pipeline(
    ...     digits.X, deskew_shape=digits.image_shape)  # doctest: +SKIP
    """
    from ..reducer import AutoencoderReducer

    X = _check_X(X)
    _check_count("n_clusters", n_clusters, 1, X.shape[0], f" (X has {X.shape[0]} rows)")
    recipe = RECOMMENDED
    report = progress or (lambda stage, fraction: None)
    if deskew_shape is not None:
        check_image_shape(deskew_shape, X.shape[1], "deskew_shape")
        X = deskew(X, deskew_shape).astype(np.float64)
    reducer = AutoencoderReducer(**recipe["autoencoder"], random_state=random_state)
    epochs = reducer.resolved_params()["epochs"]
    report("autoencoder", 0.0)
    reducer.fit(X, progress=lambda epoch, logs: report("autoencoder", min(1.0, epoch / epochs)))
    report("autoencoder", 1.0)
    codes = reducer.transform(X)
    report("umap", 0.0)
    raw = _neighbor_view(X, deskew_shape, deskewed=True) if recipe["joint_neighbors"] else None
    embedding = _n2d_embedding(codes, raw,
                               recipe["umap_components"], recipe["n_neighbors"], recipe["min_dist"],
                               random_state)
    report("umap", 1.0)
    report("clustering", 0.0)
    clusters = cluster(embedding, recipe["method"], n_clusters=n_clusters, random_state=random_state)
    report("clustering", 1.0)
    return PipelineResult(codes=codes, embedding=embedding, clusters=clusters)
