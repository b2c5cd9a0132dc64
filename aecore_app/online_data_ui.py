"""Datasets Keras downloads (MNIST, Fashion-MNIST): nothing is fetched until a person asks.

A link or a picker choice that names one that is not in Keras' cache yet shows what it would
download and a Download button; the download then runs in one of the server's job slots.
"""

from __future__ import annotations

import streamlit as st

from aecore.data import datasets as aedata

from . import caches, session
from .i18n import t, t_or
from .layout import escape_markdown

#: Session key: the online datasets this session has downloaded (or found loaded) already.
_READY = "_data.online_ready"
#: The Download button's widget key (one box is shown per run).
DOWNLOAD_KEY = "data.download"


def online_dataset_ui(name: str) -> bool:
    """True when built-in dataset ``name`` may be loaded now: it needs no download, it is in Keras'
    cache, or the person has just pressed Download and it arrived. Else draw what it would
    download (rows, megabytes) with a Download button, and return False."""
    ready = st.session_state.setdefault(_READY, set())
    if name in ready or not aedata.needs_download(name):
        return True
    facts = aedata.ONLINE_DATASETS[name]
    label = t_or(f"ui.dataset_{name}", aedata.BUILTIN_DATASETS[name])
    with st.container(border=True):
        st.info(t("data.online.needs_download", dataset=label, rows=facts.rows, mb=facts.download_mb),
                icon=":material/cloud_download:")
        go = st.button(t("data.online.download", mb=facts.download_mb), type="primary", key=DOWNLOAD_KEY,
                       icon=":material/download:")
    if not go:
        return False
    try:
        # A download and the parsing after it take seconds of the server's network and memory: it
        # queues for a job slot like any long job, and says what it fetches before it starts.
        with session.exclusive(t("data.online.job")), st.spinner(
                t("data.online.downloading", rows=facts.rows, mb=facts.download_mb)):
            caches.builtin_dataset(name)
    except (ValueError, OSError) as exc:  # OSError: no network (URLError), a full disk
        st.error(escape_markdown(exc))
        return False
    # Loaded once, the dataset stays in the process cache; remembering it here keeps the box away
    # even where Keras' cache folder cannot be seen from this check.
    ready.add(name)
    return True
