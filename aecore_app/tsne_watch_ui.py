"""The Latent space page's "Watch t-SNE converge": the t-SNE map after each checkpoint of its
iterations, played like the Train page's "Watch it form", the KL divergence in each frame's title.
Computed in a job slot with its estimate said first, stoppable (Stop, a widget change or a closed
tab interrupts it at its progress bar), shared once computed, and shipped for the default demo."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import streamlit as st

from aecore.figures import animation as figures_animation
from aecore.maps import map_settings, tsne_steps

from . import caches, session
from .analyses import drawn_rows
from .i18n import t
from .layout import escape_markdown
from .model_ui import LoadedModel

#: Rows t-SNE embeds to be watched at most (a seeded random sample above it, stated): the
#: default demo's 5,000 codes in about 4 s on 2 busy cores (bench/tsne_watch.py, BENCHMARKS.md).
WATCH_ROWS = 5000
#: Points each frame of the animation draws at most: every frame carries its points to the browser.
WATCH_DRAW_ROWS = 2000
#: Seconds between two updates of the progress bar (where a Stop interrupts the run).
PROGRESS_EVERY = 0.25


def _shipped(loaded: LoadedModel, n_rows: int, chosen: tuple):
    """The shipped checkpoints of the default demo with the default settings, else None."""
    from aecore.runs import demo

    data_key, preset = demo.DEMOS[demo.TSNE_DEMO]
    config = demo.form_config(preset)
    if (loaded.active.key != data_key or loaded.config != config or chosen != map_settings.as_key("tsne", None)
            or caches.demo_models().get((data_key, config)) is not loaded.reducer):
        return None  # another model (one trained here with the same settings has other codes)
    return demo.shipped_tsne_checkpoints(demo.TSNE_DEMO, n_rows)


def checkpoints_of(loaded: LoadedModel, codes: np.ndarray, settings: dict):
    """``(checkpoints, rows)`` of the codes' t-SNE with ``settings``: ``rows`` are the embedded rows
    (``None``: all). Shared once computed; ``ValueError`` when the budget refuses it."""
    from aecore.budget import Budget

    rows = drawn_rows(len(codes), WATCH_ROWS)
    X = codes if rows is None else codes[rows]
    chosen = map_settings.as_key("tsne", settings)
    key = ("tsne-watch", loaded.id, len(X), chosen, tsne_steps.DEFAULT_CHECKPOINTS)
    registry = caches.map_views()
    found = registry.get(key) or (_shipped(loaded, len(codes), chosen) if rows is None else None)
    if found is not None:
        return found, rows
    budget = Budget.default()
    seconds = tsne_steps.estimate_seconds(len(X), budget, **dict(chosen))
    estimate = st.empty()
    estimate.caption(t("latent.watch_estimate", n=len(X), seconds=seconds))  # said before it starts

    def work():
        bar = st.progress(0.0, text=t("latent.watch_starting", seconds=seconds))
        last = [0.0]

        def progress(done: int, total: int, kl: float) -> bool:
            now = time.perf_counter()
            if now - last[0] >= PROGRESS_EVERY or done == total:
                last[0] = now
                bar.progress(done / total, text=t("latent.watch_progress", iteration=done, total=total, kl=kl))
            return False

        try:
            result = tsne_steps.tsne_checkpoints(X, budget=budget, progress=progress, **dict(chosen))
        finally:
            bar.empty()
        for array in (result.points, result.iterations, result.kl_divergence):
            array.flags.writeable = False  # shared by every session
        return result

    try:
        return session.run_exclusive(registry, key, t("latent.watch_job"), work), rows
    finally:
        estimate.empty()


def tsne_watch_ui(loaded: LoadedModel, codes: np.ndarray, settings: dict) -> None:
    """The toggle; when on, the t-SNE map converging, played from its first checkpoint."""
    if not st.toggle(t("latent.watch_tsne"), key="latent.watch", help=t("latent.watch_help")):
        return
    try:
        checkpoints, rows = checkpoints_of(loaded, codes, settings)
    except ValueError as exc:
        st.error(t("latent.watch_refused", error=escape_markdown(exc)))
        return
    if not checkpoints.n_frames:
        return
    shown = drawn_rows(checkpoints.n_rows, WATCH_DRAW_ROWS)
    if shown is not None:
        checkpoints = replace(checkpoints, points=checkpoints.points[:, shown], indices=checkpoints.indices[shown])
    ids = checkpoints.indices if rows is None else rows[checkpoints.indices]  # the data's row ids
    ds = loaded.dataset
    labels = None
    if ds.y is not None:
        labels = ds.y[ids] if ds.label_names is None else np.asarray(ds.label_names)[ds.y[ids]]
    fig = figures_animation.tsne_animation(
        replace(checkpoints, indices=ids), labels, iteration_label=t("latent.watch_iteration"),
        frame_title=t("latent.watch_frame_title", iteration="{iteration}", kl="{kl:.3f}", phase="{phase}"),
        exaggeration_note=t("latent.watch_exaggerated"))
    st.plotly_chart(fig, key="latent.watch_chart")
    st.caption(t("latent.watch_caption", n=checkpoints.n_rows, rows=len(codes) if rows is None else len(rows), total=len(codes), frames=checkpoints.n_frames,
                 first=float(checkpoints.kl_divergence[0]), last=float(checkpoints.kl_divergence[-1])))
