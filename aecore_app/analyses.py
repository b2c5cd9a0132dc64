"""The pages' long analyses of a model, computed once and shared by every session: 2D/3D views
of its codes (:func:`projection_of`), clusterings (:func:`cluster_run`) and the anomaly
evaluation (:func:`anomaly_evaluation`). Each checks the budget first, then runs in one of the
server's job slots through :func:`aecore_app.session.run_exclusive`."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import numpy as np
import streamlit as st

from aecore.maps import cluster_spaces

from . import caches, session
from .i18n import t
from .passes import shipped_views
from .session import ActiveData

#: t-SNE and UMAP maps of more rows than this wait for one of the server's job slots.
MAP_SLOT_ROWS = 5000
#: A map draws at most this many of its points (a seeded random subset; a box or lasso still
#: selects among all of them): at 200,000 points building and sending the figure cost ~1.5 s of
#: every rerun (bench/scale_pages.py's profile).
MAP_DRAW_ROWS = 40_000


def draw_seconds(n_points: int) -> float:
    """About how long building and sending a map of ``n_points`` points takes (with its thumbnail
    map): 3.5e-5 s per drawn point, from the Latent space page's first render of a PCA map of
    200,000 codes drawing 40,000 of them, 1.5 s (bench/scale_pages.py)."""
    return 3.5e-5 * min(int(n_points), MAP_DRAW_ROWS)


def drawn_rows(n_rows: int, limit: int | None = None) -> np.ndarray | None:
    """Which of ``n_rows`` rows a chart draws: a seeded random ``limit`` (default
    :data:`MAP_DRAW_ROWS`) of them, as sorted positions, when there are more; else ``None`` (all)."""
    limit = MAP_DRAW_ROWS if limit is None else int(limit)
    if n_rows <= limit:
        return None
    return np.sort(np.random.default_rng(0).choice(n_rows, size=limit, replace=False))


@dataclass(frozen=True, eq=False)
class MapView:
    """One 2D/3D view of a model's codes: its points (read-only), the seconds it took, and which
    rows it shows: ``rows`` holds the sorted row ids of a random subsample, ``None`` when every
    one of the ``n_total`` rows is drawn. ``placed`` counts the rows a 2-D t-SNE map placed into
    the map of the others instead of embedding them (0: none). ``key`` names the view in other
    caches."""

    points: np.ndarray
    seconds: float
    rows: np.ndarray | None
    n_total: int
    key: str
    placed: int = 0
    scores: tuple | None = None  # (trustworthiness, kNN accuracy) shipped with a demo's first map
    shipped: bool = False  # read from the demo's files: ``seconds`` is what it took when the demo was made

    @property
    def sampled(self) -> bool:
        return self.rows is not None

    @property
    def ids(self) -> np.ndarray:
        """The row id of each point (a selection's ``customdata``)."""
        return np.arange(self.n_total) if self.rows is None else self.rows

    def drawn(self, limit: int | None = None) -> np.ndarray | None:
        """Positions in ``points`` of the points a chart draws: a seeded random ``limit`` of them
        (sorted) when there are more, else ``None`` (every point)."""
        return drawn_rows(len(self.points), limit)

    def take(self, values):
        """``values`` (one entry per row of the data, or None) for the rows on this map."""
        return values if values is None or self.rows is None else np.asarray(values)[self.rows]


def projection_of(model_key_id: str, method: str, n_components: int, codes: np.ndarray,
                  random_state: int = 0, settings: dict | None = None) -> MapView:
    """A 2D/3D view of the codes, computed once per model, method, map settings and budget.

    ``settings`` are the method's map settings (:data:`aecore.maps.map_settings.MAP_SETTINGS`;
    ``None``: the defaults), checked first: a bad one raises ``ValueError`` in plain words. They
    are part of the shared cache's key as plain values, every default written out.

    ``method="raw"`` shows the first codes themselves. t-SNE and UMAP embed at most the budget's
    rows for them (:meth:`aecore.budget.Budget.projection_rows`), a stated, seeded random
    subsample above it (:func:`aecore.maps.projection.project_sample`); a 2-D t-SNE map then places
    every other row into that map (:func:`aecore.maps.projection.project_placed`), so it draws them
    all. Above ``MAP_SLOT_ROWS`` rows they wait for one of the server's job slots, saying where
    they are in the queue."""
    from aecore.maps import map_settings, projection
    from aecore.budget import Budget

    if method == "raw":
        return MapView(codes[:, :n_components], 0.0, None, len(codes), f"{model_key_id}-raw-{n_components}")
    budget = Budget.default()
    chosen = map_settings.as_key(method, settings)
    limit = budget.projection_rows(method, projection.row_cost(method, **dict(chosen)))
    key = (model_key_id, method, int(n_components), random_state, limit, chosen)

    placing = method == "tsne" and n_components <= 2
    # A shipped demo's first map, when asked for its shipped codes with exactly its settings.
    views = shipped_views(model_key_id)
    shipped = (views.map(method, n_components, random_state, chosen)
               if views is not None and codes is views.codes and limit >= len(codes) else None)

    def work() -> MapView:
        if shipped is not None:
            return MapView(shipped.points, shipped.seconds, None, len(codes),
                           hashlib.sha256(repr(key).encode()).hexdigest()[:16], scores=shipped.scores, shipped=True)
        started = time.perf_counter()
        placed = 0
        if placing:
            points, embedded = projection.project_placed(codes, n_components, random_state, budget=budget,
                                                         **dict(chosen))
            rows, placed = None, 0 if embedded is None else len(codes) - len(embedded)
        else:
            points, rows = projection.project_sample(codes, method, n_components, random_state, budget=budget,
                                                     **dict(chosen))
        for array in (points, rows):
            if array is not None:
                array.flags.writeable = False  # shared by every session
        return MapView(points, time.perf_counter() - started, rows, len(codes),
                       hashlib.sha256(repr(key).encode()).hexdigest()[:16], placed)

    heavy = shipped is None and method != "pca" and (len(codes) if placing else min(len(codes), limit)) > MAP_SLOT_ROWS
    return session.run_exclusive(caches.map_views(), key, t("ui.job_map"), work, queue=heavy)


def shipped_clustering(model_key_id: str, space: str, method: str, n_clusters: int, n_init: int,
                       codes: np.ndarray):
    """The demo's shipped clustering with exactly these settings on its shipped codes, else None."""
    views = shipped_views(model_key_id)  # its shipped codes are the demo's: no model to compare
    return (views.clustering(space, method, n_clusters, n_init)
            if views is not None and codes is views.codes else None)


def cluster_run(model_key_id: str, space: str, method: str, n_clusters: int, n_init: int,
                loaded, codes: np.ndarray) -> cluster_spaces.SpaceClustering:
    """Cluster one input space of the current model's data: (result, scores, seconds).

    The budget is checked first, from the space's shape: over it, ``ValueError`` (naming the
    estimate, the limit and the fix) before anything is computed or queued. A result someone
    already computed is reused; otherwise the clustering shows its estimated cost and runs in
    one of the server's job slots."""
    from aecore.budget import Budget, cluster_seconds

    budget = Budget.default()
    ds = loaded.dataset
    operations = cluster_spaces.check_space(space, method, len(codes), ds.n_features, codes.shape[1],
                                            n_clusters, n_init, budget)
    key = (model_key_id, space, method, int(n_clusters), int(n_init))
    registry = caches.cluster_results()
    found = registry.get(key)
    if found is not None:
        return found
    shipped = shipped_clustering(model_key_id, space, method, n_clusters, n_init, codes)
    if shipped is not None:  # a shipped demo's first clustering, on its shipped codes
        return session.run_exclusive(registry, key, t("ui.job_clustering"), lambda: shipped.clustering,
                                     queue=False)
    estimate = st.empty()
    estimate.caption(t("ui.cluster_estimate", operations=operations, seconds=cluster_seconds(method, operations)))
    # The recommended recipe deskews handwriting first (a fixed, label-free step; bench/clustering.py).
    handwriting = loaded.active.key in cluster_spaces.HANDWRITING_DATASETS

    def work():
        with st.spinner(t("ui.clustering")):
            return cluster_spaces.cluster_space(space, ds.X, codes, method, int(n_clusters), int(n_init), y=ds.y,
                                                deskew_shape=ds.image_shape if handwriting else None,
                                                budget=budget)

    found = session.run_exclusive(registry, key, t("ui.job_clustering"), work)
    estimate.empty()
    return found


def anomaly_evaluation(active: ActiveData, anomaly_classes: tuple[int, ...], n_components: int, config):
    """Train the network of ``config`` (the current model's settings) on the normal classes only and
    score the held-out ones (AE vs PCA vs IsolationForest), with live progress; shared between
    sessions for built-in data, kept in the session for uploads."""
    from aecore import anomaly
    from aecore.reducer import AutoencoderReducer

    key = ("anomaly", active.key, anomaly_classes, n_components, config)
    registry = caches.model_registry() if active.shared else session.session_models()
    found = registry.get(key)
    if found is not None:
        return found
    split = anomaly.holdout_split(active.dataset.X, active.dataset.y, list(anomaly_classes))
    params = anomaly.evaluation_params(config)
    estimate = AutoencoderReducer(n_components, **params).training_estimate(*split.X_train.shape)
    live = None

    def work():
        nonlocal live
        live = session.LiveTraining(int(params.get("epochs") or 100), estimate.seconds)
        return anomaly.evaluate(split.X_train, split.X_test, split.is_anomaly, n_components,
                                reducer_params=params, progress=live)

    report = session.run_exclusive(registry, key, t("ui.job_evaluation"), work)
    if live is not None:
        live.done(t("ui.evaluated", seconds=time.perf_counter() - live.started))
    return report
