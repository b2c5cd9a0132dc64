"""Choosing the data a page works on: the dataset picker, a person's uploads (kept in their
session only, counted in the server's upload ledger before they are read, read in a job slot when
they are a ZIP of images or large) and the one-line summary."""

from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager, nullcontext

import numpy as np
import streamlit as st

from aecore.data import datasets as aedata
from aecore.data import upload_limits, uploads
from aecore.budget import Budget, resolve

from . import caches, session, upload_ledger
from .i18n import t, t_or
from .layout import escape_markdown
from .session import ActiveData

#: The files a person may upload as data (the readers of :func:`aecore.data.uploads.read_upload`).
UPLOAD_TYPES = ["csv", "tsv", "npy", "npz", "zip"]
#: Uploads read as tables, whose label column a person may name.
TABLE_SUFFIXES = (".csv", ".tsv", ".txt")
#: Uploads bigger than this (as a file, or once read) are read in one of the server's job slots:
#: a CSV of a few MB already takes pandas seconds and several times its size in memory.
SLOT_BYTES = 4_000_000


def upload_key(data: bytes) -> str:
    """A short content hash: the identity of an upload."""
    return hashlib.sha256(data).hexdigest()[:12]


def dataset_picker_ui(page: str, default: str = "mnist_sample", allow_upload: bool = True) -> ActiveData | None:
    """Pick a built-in dataset or an upload (kept in this session only). Returns None on error, and
    while a dataset Keras would download waits for the person's Download button."""
    from .online_data_ui import online_dataset_ui

    options = list(aedata.BUILTIN_DATASETS) + (["upload"] if allow_upload else [])
    current = st.session_state.get("active_dataset", default)
    # Labels are looked up now, not in format_func: AppTest calls format_func outside the session.
    labels = {name: t_or(f"ui.dataset_{name}", aedata.BUILTIN_DATASETS.get(name, name)) for name in options}
    key = f"{page}.dataset"
    # A link sets the widget through the Session State API; a default index on top of that makes
    # Streamlit log a warning with a stack trace (/train?data=digits), so only one of them is given.
    index = None if key in st.session_state else (options.index(current) if current in options else 0)
    choice = st.selectbox(t("ui.dataset"), options, format_func=labels.get, key=key,
                          **({} if index is None else {"index": index}))
    st.session_state["active_dataset"] = choice
    if choice != "upload":
        if not online_dataset_ui(choice):
            return None
        try:
            return ActiveData(choice, caches.builtin_dataset(choice), shared=True)
        except ValueError as exc:
            st.error(str(exc))
            return None
    return _upload_ui(page)


def _upload_ui(page: str) -> ActiveData | None:
    """File uploader whose parsed dataset stays in this session even when the widget is cleared."""
    upload = st.file_uploader(t("ui.upload"), type=UPLOAD_TYPES, key=f"{page}.upload",
                              max_upload_size=upload_limits.MAX_UPLOAD_BYTES // 2**20, help=t("ui.upload_help"))
    stored = st.session_state.get("upload")
    if upload is not None:
        raw = upload.getvalue()
        key = f"upload-{upload_key(raw)}"
        label_column = None
        if upload.name.lower().endswith(TABLE_SUFFIXES):
            label_column = label_column_ui(page, raw)
            key += f"-{label_column}"
        if stored is None or stored.key != key:
            try:
                dataset = read_upload_within_budget(raw, upload.name, label_column, part="data")
            except ValueError as exc:
                st.error(t("ui.upload_failed", name=escape_markdown(upload.name, 80),
                           error=escape_markdown(refusal_text(exc))))
                if stored is not None:
                    st.caption(t("ui.upload_kept", n=stored.dataset.n_samples))
                return stored
            stored = ActiveData(key, dataset, shared=False)
            st.session_state["upload"] = stored
    if stored is None:
        st.info(t("ui.upload_prompt"))
    return stored


def read_upload_within_budget(raw: bytes, name: str, label_column: str | None, *, part: str,
                              budget: Budget | None = None) -> aedata.Dataset:
    """Read an upload once the server's ledger has room for it, as this session's ``part``.

    What the dataset will hold is known before parsing (:func:`aecore.data.uploads.upload_nbytes`);
    with the file itself (Streamlit keeps it while the widget does) it is reserved in the ledger,
    which refuses it (:class:`~aecore_app.upload_ledger.UploadRefused`) when this session or the
    server would go over the budget. Once read, the part holds the real bytes; if reading fails,
    the entry it replaced is put back (that earlier upload is still kept). ZIPs and large files
    are read in one of the server's job slots."""
    budget = resolve(budget)
    estimate = uploads.upload_nbytes(raw, name, budget=budget)
    ledger, session_id = upload_ledger.upload_ledger(), upload_ledger.session_id()
    held = ledger.reserve(session_id, part, len(raw) + estimate, budget=budget)
    try:
        images = name.lower().endswith(".zip")
        slot = (session.exclusive(t("ui.job_decoding" if images else "ui.job_reading"))
                if images or max(len(raw), estimate) > SLOT_BYTES else nullcontext())
        with slot, decoding_progress() as decoding:
            dataset = uploads.read_upload(raw, name, label_column=label_column, budget=budget,
                                          progress=decoding)
        held = len(raw) + dataset.X.nbytes + (0 if dataset.y is None else dataset.y.nbytes)
    finally:
        ledger.hold(session_id, part, held)
    return dataset


def refusal_text(exc: ValueError) -> str:
    """A reader's message, or the ledger's refusal in the visitor's language."""
    if not isinstance(exc, upload_ledger.UploadRefused):
        return str(exc)
    numbers = dict(held=round(exc.held / 1e6), needed=round(exc.needed / 1e6), limit=round(exc.limit / 1e6))
    return t("ui.upload_server_full" if exc.scope == "server" else "ui.upload_session_full", **numbers)


@contextmanager
def decoding_progress():
    """A ``progress(done, total)`` callback for :func:`aecore.data.uploads.read_upload`: a progress bar
    for the images of a ZIP, redrawn at most five times a second and removed at the end."""
    bar, shown = None, 0.0

    def decoding(done: int, total: int) -> None:
        # Streamlit raises inside this update when the person presses Stop or leaves; the
        # exception stops the decoding and must reach Streamlit, so nothing catches it.
        nonlocal bar, shown
        if bar is not None and time.monotonic() - shown < 0.2:
            return
        shown = time.monotonic()
        if bar is None:
            bar = st.empty()
        bar.progress(done / total, text=t("ui.decoding_images", done=done, total=total))

    try:
        yield decoding
    finally:
        if bar is not None:
            bar.empty()


def label_column_ui(page: str, raw: bytes) -> str | None:
    """Let a person name the label column of a CSV (none by default)."""
    try:
        columns = uploads.read_csv_header(raw)
    except ValueError:
        columns = []
    none = t("ui.label_column_none")
    choice = st.selectbox(t("ui.label_column"), ["(none)"] + columns[:500], key=f"{page}.label_column",
                          format_func=lambda c: none if c == "(none)" else c)
    return None if choice == "(none)" else choice


def dataset_summary_ui(active: ActiveData) -> None:
    """One line of facts about the dataset, and its notes."""
    ds = active.dataset
    shape = (t("ui.summary_images", height=ds.image_shape[0], width=ds.image_shape[1]) if ds.is_image
             else t("ui.summary_features", n=ds.n_features))
    labels = t("ui.summary_classes", n=len(np.unique(ds.y))) if ds.y is not None else t("ui.summary_no_labels")
    st.caption(t("ui.summary", n=ds.n_samples, shape=shape, labels=labels, scaling=ds.scaling))
    for note in ds.notes:
        st.caption(f":material/info: {escape_markdown(note)}")  # notes quote column names
