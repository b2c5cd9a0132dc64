"""Watch a model form: its latent space after each epoch (Train page) and a linear autoencoder's
plane turning into PCA's (3D → 2D page), from the history the fit kept
(:mod:`aecore.training.snapshots`)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from aecore.figures import builders as figures, animation as figures_animation
from aecore.training import snapshots

from .i18n import t
from .model_ui import LoadedModel


def _labels(loaded: LoadedModel, history: snapshots.LatentHistory, fit_rows: np.ndarray | None):
    """The labels of the history's rows, or None when the data has none or the rows the model was
    fitted on are unknown (``fit_rows``: the dataset rows passed to ``fit``, in order)."""
    ds = loaded.dataset
    if ds.y is None:
        return None
    if fit_rows is not None and len(fit_rows) == history.n_samples:
        rows = np.asarray(fit_rows)[history.indices]
    elif history.n_samples == ds.n_samples:
        rows = history.indices
    else:
        return None
    labels = ds.y[rows]
    return labels if ds.label_names is None else np.asarray(ds.label_names)[labels]


def latent_animation_ui(loaded: LoadedModel, fit_rows: np.ndarray | None = None, key: str = "train") -> None:
    """The latent space after each kept epoch, played as an animation next to the loss curve.

    ``fit_rows`` are the dataset rows the model was trained on (the Train page's training split),
    so that the points are coloured by their labels; ``key`` namespaces the charts' keys.
    """
    reducer = loaded.reducer
    history = getattr(reducer, "latent_history_", None)
    if history is None:
        greedy = bool(getattr(loaded.config, "greedy", False))
        st.info(t("animation.no_history_greedy" if greedy else "animation.no_history"),
                icon=":material/history_toggle_off:")
        return
    k = history.n_components
    axes = ("PC1", "PC2") if history.method == "pca" else (("z1", "z2") if k >= 2 else ("z1", ""))
    fig = figures_animation.latent_animation(
        history, _labels(loaded, history, fit_rows), axis_titles=axes, epoch_label=t("animation.epoch"),
        frame_title=t("animation.frame_title", epoch="{epoch}", loss="{loss:.4g}"))
    left, right = st.columns([3, 2])
    left.plotly_chart(fig, key=f"{key}.animation")
    right.plotly_chart(figures.loss_curves(reducer.history_, t("animation.loss_title")), key=f"{key}.animation_loss")
    shown = len(figures_animation.frame_positions(history.n_frames))
    view = t(f"animation.view_{history.method}", k=k)
    st.caption(t("animation.caption", view=view, rows=history.n_rows, n=history.n_samples, frames=shown,
                 first=int(history.epochs[0]), last=int(history.epochs[-1])) + _kept_note(reducer, history))


def _kept_note(reducer, history: snapshots.LatentHistory) -> str:
    """Why the animation ends before the last epoch trained, or "": after early stopping the model
    keeps its best epoch's weights, and the history ends at the epoch the model holds."""
    trained, last = getattr(reducer, "n_epochs_", None), int(history.epochs[-1])
    return " " + t("animation.kept_note", last=last, trained=trained) if trained and trained > last else ""


def plane_animation_ui(reducer, X: np.ndarray, pca, key: str = "linear3d") -> None:
    """A linear autoencoder's plane after each kept epoch, turning towards PCA's (``pca``: the
    :class:`~aecore.metrics.PCABaseline` fitted on ``X``)."""
    history = getattr(reducer, "latent_history_", None)
    if history is None or history.decoder_kernels is None or X.shape[1] != 3 or history.n_components != 2:
        st.info(t("animation.no_plane"), icon=":material/history_toggle_off:")
        return
    bases, centres = snapshots.decoder_planes(history, X)
    reference = pca.pca.components_.T
    angles = snapshots.plane_angles(bases, reference)
    fig = figures_animation.plane_animation(
        X, bases, centres, angles, history.epochs, reference, pca.pca.mean_,
        names=(t("animation.data"), t("animation.pca_plane"), t("animation.ae_plane")),
        epoch_label=t("animation.epoch"),
        frame_title=t("animation.plane_frame_title", epoch="{epoch}", angle="{angle:.1f}"))
    st.plotly_chart(fig, key=f"{key}.plane_animation")
    st.caption(t("animation.plane_caption", first=float(angles[0]), last=float(angles[-1]),
                 frames=len(figures_animation.frame_positions(history.n_frames)),
                 epochs=int(history.epochs[-1])) + _kept_note(reducer, history))
