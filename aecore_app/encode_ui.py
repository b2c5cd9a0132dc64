"""The Runs page's "Encode new data with the current model": a person's file read like the Train
page's uploads, checked against the current model (features, image size, scaling; see
:mod:`aecore.runs.encoding`), encoded in one of the server's job slots, then its codes, reconstruction
errors and downloads. Results are kept in the session per (model, file); a file that does not fit
is refused with an error and changes nothing else in the session."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import streamlit as st

from aecore.data import datasets as aedata
from aecore.runs import encoding, export
from aecore.figures import builders as figures
from aecore.data import upload_limits

from . import caches, passes, session, upload_ledger
from .data_ui import (TABLE_SUFFIXES, UPLOAD_TYPES, label_column_ui, read_upload_within_budget,
                      refusal_text, upload_key)
from .upload_ledger import UploadRefused
from .i18n import t
from .layout import escape_markdown, metric_row
from .session import CurrentModel

#: Encoded uploads a session keeps (the latest, by model and file).
KEPT_RESULTS = 2
#: Rows of codes the preview table shows.
PREVIEW_ROWS = 10
#: New rows above this percentile of the training data's errors are counted as unlike them.
PERCENTILE = 95


@dataclass(frozen=True)
class TrainingData:
    """What the app knows of the data the current model was trained on.

    Attributes
    ----------
    scaling : str or None
        How they were scaled (:attr:`aecore.data.datasets.Dataset.scaling`); None when nobody recorded it.
    image_shape : tuple of int or None
        ``(height, width)`` of an image model's inputs.
    dataset : aecore.data.datasets.Dataset or None
        The data themselves, when the app holds them (a built-in dataset, or this session's
        upload the model was trained on); None for a run trained on a file of its own.
    """

    scaling: str | None
    image_shape: tuple[int, int] | None
    dataset: aedata.Dataset | None


@dataclass(frozen=True)
class Outcome:
    """One file through one model: its codes, errors and labels, or why it was refused."""

    encoded: encoding.Encoded | None = None
    labels: np.ndarray | None = None
    name: str = "upload"
    error: str | None = None
    data_notes: tuple[str, ...] = ()  # what the reader did to the file (dropped rows, ...)


def encode_new_data_ui() -> None:
    """The section: an uploader for new data, then the codes and reconstruction errors the
    session's current model (in a new session: the recommended demo) gives them, with downloads.
    Without a model, say so."""
    st.subheader(t("encode.heading"))
    st.markdown(t("encode.intro"))
    current = session.current_model()
    if current is None:  # A new session works on the recommended demo, as every model page does.
        current = session.default_demo()
        if current is not None:
            session.set_current_model(current)
    reducer = session.lookup_model(current.key) if current is not None else None
    if reducer is None:
        st.info(t("encode.no_model"))
        return
    st.caption(t("encode.model", kind=current.config.kind, k=current.config.n_components,
                 n=int(reducer.n_features_in_), dataset=escape_markdown(current.data_key, 80)))
    upload = st.file_uploader(t("encode.upload"), type=UPLOAD_TYPES, key="encode.upload",
                              max_upload_size=upload_limits.MAX_UPLOAD_BYTES // 2**20, help=t("ui.upload_help"))
    if upload is None:
        # The file left the widget: Streamlit drops it, so this session's share goes too.
        upload_ledger.upload_ledger().hold(upload_ledger.session_id(), "encode", 0)
        return
    raw = upload.getvalue()
    label_column = label_column_ui("encode", raw) if upload.name.lower().endswith(TABLE_SUFFIXES) else None
    training = training_data(current, reducer)
    outcome = encoded_upload(current, reducer, training, upload.name, raw, label_column)
    if outcome.error is not None:
        st.error(t("encode.failed", name=escape_markdown(upload.name, 80), error=escape_markdown(outcome.error)))
        return
    _results_ui(outcome, _training_errors(current, reducer, training))


def training_data(current: CurrentModel, reducer) -> TrainingData:
    """The scaling and image size of the current model's training data, and those data when the
    app holds them. A run records its scaling; a model trained here takes its dataset's."""
    dataset = None
    if current.data_key in aedata.BUILTIN_DATASETS:
        try:
            dataset = caches.builtin_dataset(current.data_key)
        except (ValueError, OSError):  # a Keras dataset that cannot be downloaded here
            dataset = None
    else:
        upload = st.session_state.get("upload")
        if upload is not None and upload.key == current.data_key:
            dataset = upload.dataset
    if dataset is not None and dataset.n_features != int(reducer.n_features_in_):
        dataset = None
    scaling = current.scaling or (dataset.scaling if dataset is not None else None)
    shape = getattr(reducer, "image_shape", None) or (dataset.image_shape if dataset is not None else None)
    return TrainingData(scaling, tuple(int(s) for s in shape) if shape else None, dataset)


def encoded_upload(current: CurrentModel, reducer, training: TrainingData, file_name: str, raw: bytes,
                   label_column: str | None) -> Outcome:
    """The file's codes and errors under the current model: read (within the app's budget),
    checked with :func:`aecore.runs.encoding.check_fits` and encoded in one of the server's job slots,
    once per (model, file, label column); the result, or the reason the file was refused, is
    kept in the session so that reruns do not compute it again."""
    from aecore.budget import Budget

    if "encode.results" not in st.session_state:
        st.session_state["encode.results"] = caches.ModelRegistry(max_entries=KEPT_RESULTS)
    budget = Budget.default()

    def work() -> Outcome:
        try:
            with st.spinner(t("ui.encoding")):
                # Counted in the server's upload ledger as this session's "encode" part while it
                # is read; afterwards the part holds what the reader kept (the data are dropped
                # with this function, the file stays in the widget).
                dataset = read_upload_within_budget(raw, file_name, label_column, part="encode", budget=budget)
                notes = encoding.check_fits(dataset, n_features=int(reducer.n_features_in_),
                                            image_shape=training.image_shape, scaling=training.scaling)
                encoded = encoding.encode(reducer, dataset.X, budget=budget)
        except UploadRefused:
            raise  # the server is full now, maybe not later: not a result to keep
        except ValueError as exc:
            return Outcome(error=str(exc))
        encoded.notes[:0] = notes
        return Outcome(encoded, dataset.y, dataset.name, data_notes=tuple(dataset.notes))

    key = (current.key.id, upload_key(raw), label_column)
    try:
        return session.run_exclusive(st.session_state["encode.results"], key, t("encode.job"), work)
    except UploadRefused as exc:
        return Outcome(error=refusal_text(exc))
    finally:
        upload_ledger.upload_ledger().hold(upload_ledger.session_id(), "encode", len(raw))


def _training_errors(current: CurrentModel, reducer, training: TrainingData) -> np.ndarray | None:
    """The model's reconstruction errors on the training split of its data (cached per model,
    shared with the Latent space and Anomalies pages), or None when the app lacks those data."""
    dataset = training.dataset
    if dataset is None:
        return None
    train_idx, _ = caches.split_indices(current.data_key, dataset.n_samples, dataset)
    return passes.reconstruction_errors(current.key.id, reducer, dataset.X)[train_idx]


def _results_ui(outcome: Outcome, train_errors: np.ndarray | None) -> None:
    """Metric row, error histogram, notes, a preview of the codes and the three downloads."""
    encoded = outcome.encoded
    threshold = None if train_errors is None or not len(train_errors) else float(
        np.percentile(train_errors, PERCENTILE))
    above = t("encode.above_none") if threshold is None else f"{np.mean(encoded.errors > threshold):.1%}"
    metric_row([(t("encode.rows"), f"{len(encoded.codes):,}", None),
                (t("encode.latent_size"), str(encoded.codes.shape[1]), None),
                (t("encode.mean_error"), f"{float(np.mean(encoded.errors)):.5f}", None),
                (t("encode.above"), above,
                 None if threshold is None else t("encode.above_help", threshold=threshold))])
    if threshold is None:
        st.caption(t("encode.no_training_data"))
    errors = {t("encode.new_rows"): encoded.errors}
    if threshold is not None:
        errors[t("encode.training_rows")] = train_errors
    figure = figures.error_histogram(errors, title=t("encode.histogram"))
    figure.update_traces(histnorm="percent")  # a few new rows against thousands of training rows
    figure.update_yaxes(title=t("encode.share_of_rows"))
    st.plotly_chart(figure, key="encode.histogram")
    for note in outcome.data_notes:  # notes quote column and file names
        st.caption(f":material/info: {escape_markdown(note)}")
    for note in encoded.notes:
        st.info(escape_markdown(note), icon=":material/info:")
    st.caption(t("encode.preview"))
    st.dataframe(encoded.frame(outcome.labels).head(PREVIEW_ROWS).round(5), hide_index=True, width="stretch")
    # Each file is written when its button is clicked, not on every rerun.
    files = [(t("encode.csv"), ".csv", "text/csv"), (t("encode.npy"), ".npy", "application/octet-stream"),
             (t("encode.parquet"), ".parquet", "application/vnd.apache.parquet")]
    # Each is bounded like the other pages' downloads: a text CSV costs ~25 bytes and ~5 us a value.
    n_values = encoded.codes.size + len(encoded.errors)
    limits = {".csv": export.MAX_CSV_VALUES, ".npy": export.MAX_NPY_VALUES, ".parquet": export.MAX_NPY_VALUES}
    for column, (label, fmt, mime) in zip(st.columns(len(files)), files):
        too_large = n_values > limits[fmt]
        column.download_button(label, partial(encoding.codes_bytes, encoded, fmt, outcome.labels),
                               f"{outcome.name}_codes{fmt}", mime, key=f"encode.download{fmt}", on_click="ignore",
                               disabled=too_large)
        if too_large:
            column.caption(t("downloads.encode_too_large", n=n_values, limit=limits[fmt]))
