"""The Reconstructions page's post-002 comparison: the post's three networks (shipped as demos)
rebuilding the same held-out digits side by side, each with its size and held-out error, and the
post's claim against what they and ``bench/seed002.py`` measured."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from aecore.figures import builders as figures
from aecore.metrics import per_sample_mse
from aecore.presets import POST002_PRESETS
from aecore.runs import demo

from . import caches
from .i18n import t
from .layout import metric_row
from .passes import held_out_reconstruction
from .session import ModelKey

#: The dataset post 002's networks are shipped for: their held-out digits are that split's.
POST002_DATA = next(data_key for data_key, preset_name in demo.DEMOS.values() if preset_name in POST002_PRESETS)


@dataclass(frozen=True)
class Measured:
    """One shipped network on the held-out rows: its size, reconstructions and per-row errors."""

    preset: str
    parameters: int
    reconstruction: np.ndarray
    errors: np.ndarray

    @property
    def mse(self) -> float:
        return float(self.errors.mean())


def applies(current) -> bool:
    """True when ``current`` (a session's current model) is one of post 002's networks on the data
    they were shipped for, so that the three can be compared on its held-out rows."""
    return current is not None and current.preset in POST002_PRESETS and current.data_key == POST002_DATA


def shipped(X_test: np.ndarray) -> list[Measured]:
    """Post 002's shipped networks on ``X_test`` (the held-out rows of :data:`POST002_DATA`), in
    the post's order; a demo missing from this checkout is left out. Reconstructions are computed
    once per model and shared (:func:`aecore_app.passes.held_out_reconstruction`)."""
    found = []
    for preset_name in POST002_PRESETS:
        config = demo.form_config(preset_name)
        reducer = caches.demo_models().get((POST002_DATA, config))
        if reducer is None:
            continue
        reconstruction = held_out_reconstruction(ModelKey.trained(POST002_DATA, config).id, reducer, X_test)
        found.append(Measured(preset_name, reducer.count_params(), reconstruction,
                              per_sample_mse(X_test, reconstruction)))
    return found


def claim_key(found: list[Measured]) -> str:
    """Which verdict on the post's claim ("the CNN reconstructs better than the dense network")
    these measurements give: ``"none"``, ``"some"`` or ``"all"`` of the CNNs below the dense one."""
    mse = {m.preset: m.mse for m in found}
    dense = mse[POST002_PRESETS[0]]
    lower = [name for name in POST002_PRESETS[1:] if mse[name] < dense]
    return "none" if not lower else "all" if len(lower) == len(POST002_PRESETS) - 1 else "some"


def _name(preset_name: str) -> str:
    return t(f"recon.post002_{preset_name}")


def comparison_ui(X_test: np.ndarray, order: np.ndarray, pca_reconstruction: np.ndarray, n_components: int,
                  image_shape: tuple[int, int]) -> None:
    """The three networks on the digits ``order`` picks from ``X_test``, with PCA's reconstructions
    (``n_components`` components) below them; their parameters and held-out MSE; the claim."""
    st.subheader(t("recon.post002_title"))
    found = shipped(X_test)
    if len(found) < len(POST002_PRESETS):
        st.info(t("recon.post002_missing", n=len(found), total=len(POST002_PRESETS)))
    if not found:
        return
    metric_row([(t("recon.post002_metric", name=_name(m.preset), params=m.parameters), f"{m.mse:.4f}",
                 t("recon.post002_metric_help", n=len(X_test))) for m in found])
    rows = [X_test[order], *(m.reconstruction[order] for m in found), pca_reconstruction[order]]
    names = [t("common.original"), *(_name(m.preset) for m in found), f"PCA-{n_components}"]
    st.plotly_chart(figures.reconstruction_grid(rows, names, image_shape, t("recon.post002_grid_title")),
                    key="recon.post002.grid")
    if len(found) == len(POST002_PRESETS):
        dense, cnn, elu = (m.mse for m in found)
        lower = [_name(m.preset) for m in found[1:] if m.mse < dense]
        st.markdown(t("recon.post002_claim", n=len(X_test), cnn=cnn / dense, elu=elu / dense) + " "
                    + t(f"recon.post002_verdict_{claim_key(found)}", names=", ".join(lower)))
    st.caption(t("recon.seed002_note"))  # measured by bench/seed002.py over three seeds
