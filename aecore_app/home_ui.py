"""The home page's live picture: the shipped demo model's latent space forming, epoch by epoch,
as a map to hover and play before any word is read."""

from __future__ import annotations

import streamlit as st

from . import caches
from .i18n import t


def forming_picture_ui() -> None:
    """The demo's 1,000 digits in its 2-D view after each epoch, with a Play button; nothing when
    the demo's history is missing (a checkout that removed the demo runs)."""
    found = caches.forming_picture(t("animation.epoch"),
                                   t("home.picture.frame_title", epoch="{epoch}", loss="{loss:.4g}"))
    if found is None:
        return
    fig, rows, frames, epochs = found
    st.plotly_chart(fig, key="home.picture")
    st.caption(t("home.picture.caption", rows=rows, frames=frames, epochs=epochs))
