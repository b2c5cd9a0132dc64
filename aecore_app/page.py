"""The frame of every page: the app's name, the shared page setup (title, language switch, the
Share box's place), :func:`page_done` (UMAP's warm-up, once the page has drawn) and :func:`stop`,
which ends a page early without losing its link."""

from __future__ import annotations

# Imported whole before any page runs: Plotly peeks at sys.modules["pandas"] while building a figure,
# and could find it half-imported by another session's thread ("partially initialized module
# 'pandas' has no attribute 'Series'", seen when the home page's picture met a page importing pandas).
import pandas  # noqa: F401
import streamlit as st

from . import caches, page_link
from .i18n import language_ui

APP_NAME = "Autoencoder Lab"


def page_setup() -> None:
    """Shared page configuration: title, icon, wide layout, and the language picker (and, once per
    server process, fewer malloc arenas: :func:`aecore_app.caches.limit_malloc_arenas`)."""
    caches.limit_malloc_arenas()
    st.set_page_config(page_title=APP_NAME, page_icon=":material/hub:", layout="wide")
    language_ui()
    page_link.start_run(share_slot=st.sidebar.empty())  # what this run's page binds to the URL


def page_done() -> None:
    """After the page has drawn: start UMAP's warm-up once per server process, so that the first UMAP
    view (Latent space, Clusters) is ready. Here rather than before the page, because the warm-up first
    imports umap-learn in this thread (~2 s, see :func:`aecore_app.caches.start_umap_warmup`)."""
    caches.start_umap_warmup()


def stop() -> None:
    """End this page's run early, after writing its state into the URL: ``st.stop`` discards every
    Streamlit call after it, so ``write_url`` in app.py could not run."""
    page_link.write_url()
    st.stop()
