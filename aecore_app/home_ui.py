"""The home page's live picture: the shipped demo model's latent space forming, epoch by epoch,
as a map to hover and play before any word is read."""

from __future__ import annotations

import streamlit as st

from aecore.figures import animation as figures_animation

from . import caches
from .i18n import t


def forming_picture_ui() -> None:
    """The demo's 1,000 digits in its 2-D view after each epoch, with a Play button; nothing when
    the demo's history is missing (a checkout that removed the demo runs)."""
    found = caches.forming_history()
    if found is None:
        return
    history, labels = found
    fig = figures_animation.latent_animation(
        history, labels, axis_titles=("PC1", "PC2"), epoch_label=t("animation.epoch"),
        frame_title=t("home.picture.frame_title", epoch="{epoch}", loss="{loss:.4g}"))
    fig.update_layout(height=460, margin={"t": 60, "b": 10})
    st.plotly_chart(fig, key="home.picture")
    st.caption(t("home.picture.caption", rows=history.n_rows, epochs=int(history.epochs[-1])))
