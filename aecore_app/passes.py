"""Whole-data passes of a model: the codes and the reconstruction error of every row (and of its
held-out rows), computed once per model and shared read-only by every session.

A pass says how long it should take before it starts (:func:`aecore.budget.prediction_seconds`),
and one estimated at :data:`PASS_SLOT_SECONDS` or more waits for one of the server's job slots: at
200,000 rows reconstructing every row took 9.4 s (bench/scale_pages.py), work no page may do
outside a slot.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from aecore.budget import NetworkShape, prediction_seconds

from . import caches, session
from .i18n import t

#: A pass estimated to take at least this many seconds runs in one of the server's job slots.
PASS_SLOT_SECONDS = 1.0


def pass_seconds(reducer, n_rows: int, what: str) -> float:
    """About how long ``what`` ("encode" or "reconstruct") of ``n_rows`` rows takes with ``reducer``."""
    return prediction_seconds(NetworkShape.of(reducer, reducer.n_features_in_), n_rows, what)


def _run(registry: caches.ModelRegistry, key: tuple, reducer, n_rows: int, what: str, work) -> np.ndarray:
    """The stored result for ``key``, else ``work()`` under a spinner that states its estimate, in a
    job slot when that estimate is :data:`PASS_SLOT_SECONDS` or more; stored read-only."""
    found = registry.get(key)
    if found is not None:
        return found
    seconds = pass_seconds(reducer, n_rows, what)

    def frozen() -> np.ndarray:
        result = work()
        result.flags.writeable = False  # shared by every session
        return result

    text = t(f"ui.{what}_estimate", n=n_rows, seconds=max(1.0, seconds))
    with st.spinner(text):
        return session.run_exclusive(registry, key, t("ui.job_pass"), frozen, queue=seconds >= PASS_SLOT_SECONDS)


def shipped_views(model_key_id: str, reducer=None):
    """The first views shipped with the demo whose model id is ``model_key_id``
    (:class:`aecore.runs.demo_views.FirstViews`; NumPy only, no Keras), else None; with ``reducer``,
    only when it is that demo's model."""
    for (data_key, config), model in caches.demo_models().items():
        if session.ModelKey.trained(data_key, config).id == model_key_id:
            return model.first_views() if reducer is None or reducer is model else None
    return None


def codes_of(model_key_id: str, reducer, X: np.ndarray) -> np.ndarray:
    """The latent codes of every row of the model's data (read-only), computed once per model; a
    shipped demo's are read from its files (its network is not built for them)."""
    views = shipped_views(model_key_id, reducer)
    if views is not None and views.codes.shape[0] == len(X) and X.shape[1] == reducer.n_features_in_:
        return views.codes
    return _run(caches.model_passes(), ("codes", model_key_id), reducer, len(X), "encode", lambda: reducer.transform(X))


def _shipped_errors(model_key_id: str, reducer, X: np.ndarray, held_out: bool):
    """A demo's shipped errors of these rows (its data's, or its held-out split's), else None."""
    views = shipped_views(model_key_id, reducer)
    found = None if views is None else views.held_out if held_out else views.every_row
    ok = found is not None and len(found.errors) == len(X) and X.shape[1] == reducer.n_features_in_
    return found if ok else None


def reconstruction_errors(model_key_id: str, reducer, X: np.ndarray) -> np.ndarray:
    """Per-row reconstruction error of the model's data (read-only), computed once per model; a
    shipped demo's are read from its files."""
    shipped = _shipped_errors(model_key_id, reducer, X, held_out=False)
    if shipped is not None:
        return shipped.errors
    return _run(caches.model_passes(), ("errors", model_key_id), reducer, len(X), "reconstruct",
                lambda: reducer.reconstruction_error(X))


def held_out_errors(model_key_id: str, reducer, X_test: np.ndarray) -> np.ndarray:
    """Per-row reconstruction error of a model's held-out rows (read-only), computed once per model;
    a shipped demo's are read from its files."""
    shipped = _shipped_errors(model_key_id, reducer, X_test, held_out=True)
    if shipped is not None:
        return shipped.errors
    return _run(caches.model_passes(), ("held-out errors", model_key_id), reducer, len(X_test), "reconstruct",
                lambda: reducer.reconstruction_error(X_test))


def decoded(model_key_id: str, reducer, codes: np.ndarray) -> np.ndarray:
    """The decoder's output for ``codes``: shipped with a demo for its first clustering's cluster
    means (its network is not built for them), else computed."""
    views = shipped_views(model_key_id, reducer)
    found = None if views is None else views.decoded(codes)
    return found if found is not None else reducer.inverse_transform(codes)


def reconstructed_rows(model_key_id: str, reducer, X: np.ndarray, rows: np.ndarray, held_out: bool = False):
    """The reconstructions of ``X[rows]`` (``X``: the model's data, or with ``held_out`` its
    held-out rows): shipped with a demo for the rows its pages show first, else computed."""
    shipped = _shipped_errors(model_key_id, reducer, X, held_out)
    found = None if shipped is None else shipped.reconstructed(rows)
    return found if found is not None else reducer.reconstruct(X[rows])


def held_out_reconstruction(model_key_id: str, reducer, X_test: np.ndarray) -> np.ndarray:
    """A model's reconstructions of its held-out rows (read-only), computed once per model: the
    Reconstructions page redid them on every rerun (1.2 s for 40,000 held-out rows)."""
    return _run(caches.held_out_reconstructions(), ("held-out", model_key_id), reducer, len(X_test), "reconstruct",
                lambda: reducer.reconstruct(X_test))
