"""Maps of latent codes: PCA, t-SNE and UMAP behind one function.

:func:`project` turns codes (or any feature matrix) into a low-dimensional embedding, refusing
more rows than the resource budget allows (:mod:`aecore.budget`); :func:`project_sample` embeds a
seeded random subsample of that many rows instead, and says which; :func:`project_placed` embeds
such a subsample with t-SNE and places every other row into that map (openTSNE's ``transform``),
so that every row has a point; :func:`warm_up_umap` pays
UMAP's one-off numba compilation ahead of time, so the first map a person asks for does not wait
half a minute.
"""

from __future__ import annotations

import numbers
import warnings
from contextlib import contextmanager

import numpy as np

from . import knn, map_settings
from .knn import import_umap
from ..budget import Budget, resolve

#: Projection methods :func:`project` knows, in the order the app lists them.
METHODS = ("pca", "tsne", "umap")

#: The settings each method uses unless told otherwise: those a person may change are declared in
#: :mod:`aecore.maps.map_settings` (t-SNE's are post 002's; ``learning_rate="auto"`` gives openTSNE's
#: n / 12, no better here and slower: bench/tsne.py).
DEFAULTS = {method: map_settings.defaults(method) for method in METHODS}
DEFAULTS["umap"]["n_epochs"] = 200

#: Above this many rows (where umap-learn itself drops from 500 epochs to 200) UMAP runs
#: UMAP_LARGE_EPOCHS epochs unless told otherwise: a third less time for a map about as
#: trustworthy (the measurement: BENCHMARKS.md, "How the measured constants were chosen").
UMAP_LARGE_ROWS, UMAP_LARGE_EPOCHS = 10_000, 100

#: Below this many ``n_samples**2 * n_features``, :func:`project` hands UMAP exact neighbours
#: from scikit-learn (about 2 s at the limit, e.g. 20,000 x 64) instead of letting umap-learn run
#: nearest-neighbour descent, which numba must compile in every process (bench/growth.py).
EXACT_NEIGHBORS_BUDGET = 3e10


#: Threads scikit-learn's OpenMP loops and BLAS may use inside :func:`project` and
#: :func:`aecore.maps.cluster.cluster`; ``None`` leaves the libraries' defaults (every core).
#: One, because on 2 shared cores threads that wait on each other cost far more than a second
#: core gains (three times slower; BENCHMARKS.md, "How the measured constants were chosen").
N_THREADS: int | None = 1


@contextmanager
def limit_threads():
    """Hold scikit-learn's and BLAS' thread pools to ``N_THREADS`` inside the block."""
    if N_THREADS is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=N_THREADS):
        yield


def _check_X(X, method: str, n_components: int) -> np.ndarray:
    """Validate the input matrix and return it as a finite float32 array."""
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (n_samples, n_features); got shape {X.shape}. "
                         "Reshape it, e.g. X.reshape(len(X), -1).")
    if not np.isfinite(X).all():
        raise ValueError(f"X contains {int((~np.isfinite(X)).sum())} NaN or infinite value(s); "
                         "remove or impute them before projecting.")
    min_rows = max(3, n_components + 2) if method != "pca" else max(2, n_components)
    if X.shape[0] < min_rows:
        raise ValueError(f"X has {X.shape[0]} row(s); method={method!r} with "
                         f"n_components={n_components} needs at least {min_rows}.")
    return X


def _check_method(method: str, n_components) -> int:
    """Validate the method's name and the number of components; return the latter as an int."""
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not a projection method; choose one of {list(METHODS)}.")
    if (not isinstance(n_components, numbers.Integral) or isinstance(n_components, bool)
            or n_components < 1):
        raise ValueError(f"n_components={n_components!r} must be a positive integer, e.g. 2.")
    return int(n_components)


def project(X, method: str, n_components: int = 2, random_state: int | None = 0,
            budget: Budget | None = None, **params) -> np.ndarray:
    """Embed the rows of ``X`` in ``n_components`` dimensions with PCA, t-SNE or UMAP.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Latent codes or any numeric features.
    method : {"pca", "tsne", "umap"}
        ``"pca"``: linear and fast. ``"tsne"``: openTSNE's FFT-accelerated t-SNE in 1-2
        dimensions, scikit-learn's Barnes-Hut in 3 (post 002's ``perplexity=15,
        learning_rate=100`` unless given). ``"umap"``: umap-learn
        (``n_neighbors=15, min_dist=0.1, n_epochs=200`` unless given, 100 above
        :data:`UMAP_LARGE_ROWS`; umap-learn itself runs
        500 epochs below 10,000 rows: on the 5,000 MNIST codes 4.8 s instead of 2.1 s, for a
        trustworthiness of 0.978 instead of 0.976). Within :data:`EXACT_NEIGHBORS_BUDGET`, UMAP gets exact
        Euclidean neighbours from scikit-learn (see :func:`warm_up_umap`).
    n_components : int, default=2
        Dimensions of the embedding (t-SNE allows at most 3).
    random_state : int or None, default=0
        Seed; ``None`` lets UMAP use every core but makes the map change between runs.
    budget : Budget, optional
        The resource limits: t-SNE and UMAP may embed at most
        :meth:`Budget.projection_rows` rows (10,000 and 70,000 by default). ``None`` uses
        :meth:`Budget.default`. Above the limit, use :func:`project_sample`.
    **params
        Passed to the estimator (``sklearn.decomposition.PCA``, ``openTSNE.TSNE`` — or
        ``sklearn.manifold.TSNE`` in 3 dimensions — or ``umap.UMAP``). The settings a person may
        change (t-SNE's ``perplexity`` and ``learning_rate``, UMAP's ``n_neighbors`` and ``min_dist``)
        are checked against their bounds in :data:`aecore.maps.map_settings.MAP_SETTINGS`; costlier
        ones than the defaults lower the budget's rows (:func:`row_cost`). On tiny inputs t-SNE's
        ``perplexity`` is clipped to ``(n_samples - 1) / 3`` and UMAP's ``n_neighbors`` to ``n_samples - 1``.

    Returns
    -------
    ndarray of shape (n_samples, n_components), float32

    Raises
    ------
    ValueError
        On invalid settings or input, or when ``X`` has more rows than the budget allows for
        ``method`` (before anything is computed).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(100, 8))
    >>> project(X, "pca").shape
    (100, 2)
    """
    n_components = _check_method(method, n_components)
    X = _check_X(X, method, n_components)
    n_samples, n_features = X.shape
    params = map_settings.check(method, params)
    resolve(budget).check_projection(method, n_samples, row_cost(method, **params), _written(params))
    settings = {**DEFAULTS[method], **params}
    if method == "umap" and "n_epochs" not in params and n_samples > UMAP_LARGE_ROWS:
        settings["n_epochs"] = UMAP_LARGE_EPOCHS

    if method == "pca":
        from sklearn.decomposition import PCA

        if n_components > min(n_samples, n_features):
            raise ValueError(f"n_components={n_components} is larger than min(n_samples, n_features) "
                             f"= {min(n_samples, n_features)} for X of shape {X.shape}; choose fewer "
                             "components.")
        with limit_threads():
            embedding = PCA(n_components=n_components, random_state=random_state,
                            **settings).fit_transform(X)
    elif method == "tsne":
        with limit_threads():
            embedding = np.asarray(_tsne(X, n_components, random_state, settings))
    else:
        settings["n_neighbors"] = int(min(settings["n_neighbors"], n_samples - 1))
        if settings["n_neighbors"] < 2:
            raise ValueError(f"n_neighbors={settings['n_neighbors']} must be at least 2 for UMAP; "
                             "pass n_neighbors >= 2 and at least 3 rows.")
        with limit_threads():
            embedding = _umap(X, n_components, random_state, settings)
        lost = int((~np.isfinite(embedding).all(axis=1)).sum())
        if lost:
            raise ValueError(
                f"UMAP left {lost} point(s) without any neighbour graph edge (their positions are "
                f"NaN) with n_neighbors={settings['n_neighbors']}; raise n_neighbors (or "
                "set_op_mix_ratio towards 1) so that every point stays connected.")
    return np.asarray(embedding, dtype=np.float32)


def project_sample(X, method: str, n_components: int = 2, random_state: int | None = 0,
                   budget: Budget | None = None, **params) -> tuple[np.ndarray, np.ndarray | None]:
    """Embed the rows of ``X`` like :func:`project`, or a random subsample of them when there are
    more rows than the budget allows for ``method``.

    t-SNE's and UMAP's cost grows with the number of rows (scikit-learn's Barnes-Hut t-SNE took
    119 s for 20,000 rows on two cores), so above :meth:`Budget.projection_rows` rows a seeded
    random subsample of exactly that many rows is embedded instead, and the rows are returned so
    that a map can say so and colour, select and export the right rows.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Latent codes or any numeric features.
    method : {"pca", "tsne", "umap"}
    n_components : int, default=2
    random_state : int or None, default=0
        Seeds both the subsample and the embedding.
    budget : Budget, optional
        ``None`` uses :meth:`Budget.default` (20,000 rows for t-SNE, 70,000 for UMAP).
    **params
        Passed to :func:`project`.

    Returns
    -------
    embedding : ndarray of shape (n_rows, n_components), float32
        ``n_rows`` is ``n_samples`` within the budget, else the budget's row limit.
    rows : ndarray of int64 or None
        ``None`` when every row was embedded; else the sorted indices of the embedded rows in
        ``X`` (``embedding[i]`` is the map of ``X[rows[i]]``).

    Examples
    --------
    >>> from aecore.budget import Budget
    >>> X = np.random.default_rng(0).normal(size=(500, 4))
    >>> embedding, rows = project_sample(X, "pca")
    >>> embedding.shape, rows is None
    ((500, 2), True)
    >>> embedding, rows = project_sample(X, "tsne", budget=Budget(max_tsne_rows=100))
    >>> embedding.shape, rows.shape
    ((100, 2), (100,))
    """
    n_components = _check_method(method, n_components)
    X = _check_X(X, method, n_components)
    budget = resolve(budget)
    params = map_settings.check(method, params)
    limit = budget.projection_rows(method, row_cost(method, **params))
    if X.shape[0] <= limit:
        return project(X, method, n_components, random_state, budget=budget, **params), None
    rng = np.random.default_rng(random_state)
    rows = np.sort(rng.choice(X.shape[0], size=int(limit), replace=False)).astype(np.int64)
    return project(X[rows], method, n_components, random_state, budget=budget, **params), rows


def _tsne(X: np.ndarray, n_components: int, random_state, settings: dict):
    """t-SNE of ``X``: openTSNE's FFT-interpolated gradients for 1 or 2 dimensions (cost about
    linear in the rows: 60,000 codes in about a minute), scikit-learn's Barnes-Hut for 3 (openTSNE
    interpolates in at most 2). Returns openTSNE's ``TSNEEmbedding`` (which can place new points,
    see :func:`project_placed`) or scikit-learn's array."""
    if n_components > 3:
        raise ValueError(f"n_components={n_components} is too many for t-SNE (at most 3); use "
                         "method='umap' or 'pca' for more dimensions.")
    n_samples = X.shape[0]
    settings = dict(settings)
    settings["perplexity"] = float(min(settings["perplexity"], max(1.0, (n_samples - 1) / 3)))
    if settings.get("learning_rate") == "auto":
        settings["learning_rate"] = max(100.0, n_samples / 12.0)
    if n_components == 3:
        from sklearn.manifold import TSNE as BarnesHutTSNE

        return BarnesHutTSNE(n_components=3, random_state=random_state, **settings).fit_transform(X)
    from openTSNE import TSNE

    # FIt-SNE's grid (at least 10 intervals, 2 units each) instead of openTSNE's finer default:
    # on 300-1,500 digits 2-4 s instead of 20-30 s, with the same trustworthiness. Exact
    # neighbours (scikit-learn's trees) while they are cheap, as for UMAP.
    exact = n_samples ** 2 * X.shape[1] <= EXACT_NEIGHBORS_BUDGET
    settings = {"min_num_intervals": 10, "ints_in_interval": 2, "neighbors": "exact" if exact else "auto",
                **settings}
    model = TSNE(n_components=n_components, random_state=random_state, n_jobs=N_THREADS or -1,
                 negative_gradient_method="fft", verbose=False, **settings)
    return model.fit(np.asarray(X, dtype=np.float64))


def project_placed(X, n_components: int = 2, random_state: int | None = 0, budget: Budget | None = None,
                   **params) -> tuple[np.ndarray, np.ndarray | None]:
    """A t-SNE map of every row of ``X``: within the budget's t-SNE rows all of them are embedded
    (:func:`project`); above it a seeded random subsample of that many rows is embedded and every
    other row is placed into that map by openTSNE's ``transform`` (each new point optimised
    against the fixed map of its nearest embedded neighbours; about 0.4 ms a row).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    n_components : {1, 2}, default=2
        Placement needs openTSNE's embedding: at most 2 dimensions.
    random_state : int or None, default=0
        Seeds the subsample and the embedding.
    budget : Budget, optional
        ``max_tsne_rows`` rows are embedded at most; every row must fit ``max_rows``.
    **params
        t-SNE settings (see :data:`DEFAULTS`).

    Returns
    -------
    embedding : ndarray of shape (n_samples, n_components), float32
        One point per row of ``X``.
    embedded : ndarray of int64 or None
        ``None`` when every row was embedded; else the sorted rows the map was fitted on (the
        others were placed).

    Examples
    --------
    >>> from aecore.budget import Budget
    >>> X = np.random.default_rng(0).normal(size=(300, 4))
    >>> embedding, embedded = project_placed(X, budget=Budget(max_tsne_rows=200))
    >>> embedding.shape, embedded.shape
    ((300, 2), (200,))
    """
    n_components = _check_method("tsne", n_components)
    if n_components > 2:
        raise ValueError(f"n_components={n_components}: placing rows into a t-SNE map works in at most "
                         "2 dimensions; use project_sample for 3.")
    X = _check_X(X, "tsne", n_components)
    budget = resolve(budget)
    budget.check_rows(X.shape[0], X.shape[1], what="data to map")
    params = map_settings.check("tsne", params)
    limit = int(budget.projection_rows("tsne", row_cost("tsne", **params)))
    if X.shape[0] <= limit:
        return project(X, "tsne", n_components, random_state, budget=budget, **params), None
    rng = np.random.default_rng(random_state)
    embedded = np.sort(rng.choice(X.shape[0], size=limit, replace=False)).astype(np.int64)
    others = np.setdiff1d(np.arange(X.shape[0]), embedded)
    settings = {**DEFAULTS["tsne"], **params}
    with limit_threads():
        fitted = _tsne(X[embedded], n_components, random_state, settings)
        placed = fitted.transform(np.asarray(X[others], dtype=np.float64))
    embedding = np.empty((X.shape[0], n_components), dtype=np.float32)
    embedding[embedded] = np.asarray(fitted)
    embedding[others] = np.asarray(placed)
    return embedding, embedded


def _umap(X: np.ndarray, n_components: int, random_state, settings: dict) -> np.ndarray:
    """Fit UMAP quietly, on neighbours found once per array (:mod:`aecore.maps.knn`), exact when cheap.

    umap-learn finds neighbours with pynndescent, whose kernels take the distance function as
    an argument and so can never come from numba's disk cache: about 25 s of compilation in
    every fresh process. For the inputs the app sees most (a few thousand codes), scikit-learn
    finds the exact neighbours in well under a second, with no compilation at all.
    """
    umap = import_umap()

    if (settings.get("metric", "euclidean") == "euclidean" and "precomputed_knn" not in settings
            and not settings.get("force_approximation_algorithm")):
        # Found once per array and shared with the other views of it (aecore.maps.knn).
        indices, distances = knn.neighbours(X, settings["n_neighbors"], approximate=approximate_neighbors(*X.shape),
                                            random_state=random_state)
        settings = {**settings, "precomputed_knn": (indices, distances, None)}
    with warnings.catch_warnings():
        # A seed forces one thread and exact neighbours come without a search index (needed
        # only by UMAP.transform, which we never call); umap-learn warns about both.
        warnings.filterwarnings("ignore", message=".*n_jobs.*overridden.*")
        warnings.filterwarnings("ignore", message=".*knn_search_index.*")
        warnings.filterwarnings("ignore", message=".*Spectral initialisation failed.*")
        model = umap.UMAP(n_components=n_components, random_state=random_state, **settings)
        return model.fit_transform(X)


#: Seconds per row on the app's 2 shared cores, one thread, on the slow side of what bench/tsne.py
#: and bench/growth.py measured (BENCHMARKS.md), so that a stated estimate is not overrun.
SECONDS_PER_ROW = {"pca": 2e-6, "tsne": 1.3e-3, "tsne_placed": 4e-4, "umap": 6.5e-4}
FIXED_SECONDS = {"pca": 0.1, "tsne": 3.0, "umap": 0.5}
#: A row's cost against the default settings' per unit of perplexity (t-SNE) or neighbour (UMAP)
#: above the default, and the least it falls to below it: each row's neighbours (3 x perplexity
#: for t-SNE) are found and pulled on at every step. Fitted on the slow side of two runs of
#: bench/maps.py's "Map settings" group (5,000 MNIST codes, against the default: t-SNE 0.5-0.8 /
#: 1.3 / 2.9-4.1 times at perplexity 5 / 30 / 100, UMAP 0.7-1.0 / 1.6-2.1 times at 5 / 50
#: neighbours). The learning rate and min_dist change no step's cost.
ROW_COST_SLOPE = {"tsne": ("perplexity", 0.036, 0.75), "umap": ("n_neighbors", 0.031, 0.8)}


def row_cost(method: str, **settings) -> float:
    """What a row of ``method``'s map costs with ``settings`` (checked) against the defaults' (1.0)."""
    if method not in ROW_COST_SLOPE:
        return 1.0
    name, slope, least = ROW_COST_SLOPE[method]
    value = map_settings.check(method, settings).get(name, DEFAULTS[method][name])
    return max(least, 1.0 + slope * (float(value) - DEFAULTS[method][name]))


def _written(settings: dict) -> str:
    """Settings as they are passed, for an error message: ``"perplexity=100.0, learning_rate=200.0"``."""
    return ", ".join(f"{name}={value!r}" for name, value in settings.items())


def estimate_seconds(method: str, n_samples: int, n_components: int = 2, budget: Budget | None = None,
                     **settings) -> float:
    """About how long a map of ``n_samples`` codes takes the way the app draws it (above the budget's
    rows a subsample, whose other rows a 2-D t-SNE places), with ``method``'s map ``settings``
    (:data:`aecore.maps.map_settings.MAP_SETTINGS`): said before the work starts."""
    _check_method(method, n_components)
    cost = row_cost(method, **settings)
    rows = int(n_samples)
    limit = (budget or Budget.default()).projection_rows(method, cost) if method != "pca" else rows
    embedded = int(min(rows, limit))
    seconds = FIXED_SECONDS[method] + SECONDS_PER_ROW[method] * cost * embedded
    if method == "tsne" and n_components <= 2:
        seconds += SECONDS_PER_ROW["tsne_placed"] * (rows - embedded)
    return float(seconds)


def approximate_neighbors(n_samples: int, n_features: int) -> bool:
    """Whether UMAP of ``n_samples`` rows of ``n_features`` values finds its neighbours by
    nearest-neighbour descent (whose numba code :func:`warm_up_umap` with ``approximate=True``
    compiles) rather than exactly with scikit-learn (:data:`EXACT_NEIGHBORS_BUDGET`)."""
    return int(n_samples) ** 2 * int(n_features) > EXACT_NEIGHBORS_BUDGET


def warm_up_umap(n_samples: int = 5000, n_features: int = 10, approximate: bool = False) -> float:
    """Run UMAP once on random data so numba compiles its code before a person waits for it.

    UMAP compiles its numba kernels on first use in every process. Which kernels depends on
    the input's size: umap-learn itself takes another path above 4,096 rows
    (nearest-neighbour descent), and :func:`project` finds exact neighbours with
    scikit-learn while ``n_samples**2 * n_features <= EXACT_NEIGHBORS_BUDGET``. A warm-up on a
    tiny array may therefore miss the kernels a large map needs; warm up with the size of the
    maps you are about to draw (the default matches the app's 5,000 codes of size 10).

    Parameters
    ----------
    n_samples : int, default=5000
        Rows of the random warm-up data.
    n_features : int, default=10
        Columns of the warm-up data (the latent size the app uses most).
    approximate : bool, default=False
        Compile nearest-neighbour descent instead, the path of maps above the exact budget
        (:func:`approximate_neighbors`; e.g. 60,000 codes of size 10): about 25 s of compilation
        on 2 cores, run here on ``n_samples`` rows forced onto that path.

    Returns
    -------
    float
        Seconds the warm-up took.

    Examples
    --------
    >>> seconds = warm_up_umap()  # doctest: +SKIP
    """
    import time

    if not isinstance(n_samples, numbers.Integral) or isinstance(n_samples, bool) or n_samples < 20:
        raise ValueError(f"n_samples={n_samples!r} must be an integer >= 20; use the number of rows "
                         "of the maps to come, e.g. 5000.")
    if not isinstance(n_features, numbers.Integral) or isinstance(n_features, bool) or n_features < 2:
        raise ValueError(f"n_features={n_features!r} must be an integer >= 2, e.g. 10.")
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    # Blobs rather than pure noise, so neighbour search and layout run their usual course.
    centers = rng.normal(scale=4.0, size=(10, int(n_features)))
    X = (centers[rng.integers(0, 10, int(n_samples))]
         + rng.normal(size=(int(n_samples), int(n_features)))).astype(np.float32)
    # Compilation, not convergence, is the point: a few epochs run every kernel.
    if approximate:
        _umap(X, 2, 0, {**DEFAULTS["umap"], "n_epochs": 10, "force_approximation_algorithm": True})
    else:
        project(X, "umap", n_components=2, n_epochs=10)
    return time.perf_counter() - start
