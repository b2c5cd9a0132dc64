"""The frame of every page: the app's name, the shared page setup (title, language switch, the
Share box's place), :func:`page_done` (UMAP's warm-up, once the page has drawn) and :func:`stop`,
which ends a page early without losing its link."""

from __future__ import annotations

import gc
import sys

# Imported whole before any page runs: Plotly peeks at sys.modules["pandas"] while building a figure,
# and could find it half-imported by another session's thread ("partially initialized module
# 'pandas' has no attribute 'Series'", seen when the home page's picture met a page importing pandas).
import pandas  # noqa: F401
import streamlit as st

from . import caches, page_link
from .i18n import language_ui

APP_NAME = "Autoencoder Lab"
#: Modules imported since the last :func:`freeze_imports` that make another one worth its collection:
#: TensorFlow brings about 2,600, umap-learn about 500, a page's first use of a submodule a few.
FREEZE_AFTER_MODULES = 100
_frozen_at = [0]  # len(sys.modules) at the last freeze


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
    imports scikit-learn in this thread (see :func:`aecore_app.caches.start_umap_warmup`)."""
    caches.start_umap_warmup()
    freeze_imports()


def freeze_imports() -> None:
    """Move every object alive now into the garbage collector's permanent generation, once the
    imports grew by :data:`FREEZE_AFTER_MODULES` modules. Streamlit collects every generation after
    each run (twice where Keras is imported: its ``clear_session`` collects too), and a collection
    walks every tracked object, TensorFlow's and umap-learn's half million included, which imported
    modules never free: it delayed a rerun the page asked for and took the cores a browser draws
    with. Collected first, so nothing dead is kept; a few freezes per process, so the live objects
    they also keep out of later collections are few."""
    if len(sys.modules) - _frozen_at[0] >= FREEZE_AFTER_MODULES:
        _frozen_at[0] = len(sys.modules)
        gc.collect()
        gc.freeze()


def stop() -> None:
    """End this page's run early, after writing its state into the URL: ``st.stop`` discards every
    Streamlit call after it, so ``write_url`` in app.py could not run."""
    page_link.write_url()
    st.stop()
