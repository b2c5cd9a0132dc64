"""The only module that imports both Streamlit and aecore: every cache, shared widget and the
page setup live here, so pages stay thin and the core stays importable from a notebook."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import streamlit as st

from . import data as aedata
from . import figures
from .presets import TrainConfig

APP_NAME = "Autoencoder Lab"
MAX_CONCURRENT_TRAININGS = 2
SHARED_MODELS = 8


def page_setup() -> None:
    """Shared page configuration: title, icon, wide layout."""
    st.set_page_config(page_title=APP_NAME, page_icon=":material/hub:", layout="wide")


# --------------------------------------------------------------------------- caches


@st.cache_resource(max_entries=4, show_spinner="Loading dataset ...")
def builtin_dataset(name: str) -> aedata.Dataset:
    """A built-in dataset, loaded once per process and shared read-only."""
    return aedata.load_dataset(name)


@st.cache_data(max_entries=32, show_spinner=False)
def split_indices(dataset_key: str, n_samples: int, _dataset: aedata.Dataset,
                  test_fraction: float = 0.2, seed: int = 0):
    """Train/test row indices for a dataset (keyed by name, never by the array)."""
    return aedata.train_test_split(_dataset, test_fraction=test_fraction, seed=seed)


class ModelRegistry:
    """A bounded, thread-safe LRU of trained reducers shared by every session.

    Entries are read-only once stored: sessions encode and decode with them, never refit.
    """

    def __init__(self, max_entries: int = SHARED_MODELS):
        self.max_entries = max_entries
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


@st.cache_resource
def model_registry() -> ModelRegistry:
    """The process-wide store of trained models, keyed by (dataset, config)."""
    return ModelRegistry()


@st.cache_resource
def training_slots() -> threading.BoundedSemaphore:
    """At most MAX_CONCURRENT_TRAININGS trainings run at once across all sessions."""
    return threading.BoundedSemaphore(MAX_CONCURRENT_TRAININGS)


# --------------------------------------------------------------------------- data selection


def upload_key(data: bytes) -> str:
    """A short content hash: the identity of an upload."""
    return hashlib.sha256(data).hexdigest()[:12]


@dataclass
class ActiveData:
    """The dataset a page works on, with the key that identifies it in caches."""

    key: str
    dataset: aedata.Dataset
    shared: bool  # True for built-ins (models may be shared); False for a person's upload.


def dataset_picker_ui(page: str, default: str = "mnist_sample", allow_upload: bool = True) -> ActiveData | None:
    """Pick a built-in dataset or an upload (kept in this session only). Returns None on error."""
    options = list(aedata.BUILTIN_DATASETS) + (["upload"] if allow_upload else [])
    labels = {**aedata.BUILTIN_DATASETS, "upload": "Your own file (CSV, NPY/NPZ, ZIP of images)"}
    current = st.session_state.get("active_dataset", default)
    choice = st.selectbox("Dataset", options, index=options.index(current) if current in options else 0,
                          format_func=labels.get, key=f"{page}.dataset")
    st.session_state["active_dataset"] = choice
    if choice != "upload":
        try:
            return ActiveData(choice, builtin_dataset(choice), shared=True)
        except ValueError as exc:
            st.error(str(exc))
            return None
    return _upload_ui(page)


def _upload_ui(page: str) -> ActiveData | None:
    """File uploader whose parsed dataset stays in this session even when the widget is cleared."""
    upload = st.file_uploader("Upload a table or images", type=["csv", "tsv", "npy", "npz", "zip"],
                              key=f"{page}.upload", max_upload_size=aedata.MAX_UPLOAD_BYTES // 2**20,
                              help="CSV: numeric columns (standardised). NPY/NPZ: plain numeric arrays "
                                   "(no pickles). ZIP: PNG/JPEG images, one folder per class.")
    stored = st.session_state.get("upload")
    if upload is not None:
        raw = upload.getvalue()
        key = f"upload-{upload_key(raw)}"
        label_column = None
        if upload.name.lower().endswith((".csv", ".tsv", ".txt")):
            label_column = _label_column_ui(page, raw)
            key += f"-{label_column}"
        if stored is None or stored.key != key:
            try:
                dataset = aedata.read_upload(raw, upload.name, label_column=label_column)
            except ValueError as exc:
                st.error(f"Could not use **{_plain(upload.name)}**: {exc}")
                return stored
            stored = ActiveData(key, dataset, shared=False)
            st.session_state["upload"] = stored
    if stored is None:
        st.info("Upload a file to train on your own data.")
    return stored


def _label_column_ui(page: str, raw: bytes) -> str | None:
    """Let a person name the label column of a CSV (none by default)."""
    header = raw[:65536].decode("utf-8", errors="replace").splitlines()[:1]
    import csv

    try:
        columns = next(csv.reader(header, csv.Sniffer().sniff(header[0]) if header else "excel"))
    except (csv.Error, StopIteration):
        columns = []
    choice = st.selectbox("Label column (optional)", ["(none)"] + columns, key=f"{page}.label_column")
    return None if choice == "(none)" else choice


def _plain(text: str) -> str:
    """Neutralise Markdown in user-provided text shown inside st.* messages."""
    return "".join(ch if ch.isalnum() or ch in " ._-()" else "_" for ch in text)[:80]


def dataset_summary_ui(active: ActiveData) -> None:
    """One line of facts about the dataset, and its notes."""
    ds = active.dataset
    shape = f"{ds.image_shape[0]}x{ds.image_shape[1]} images" if ds.is_image else f"{ds.n_features} features"
    labels = f", {len(np.unique(ds.y))} classes" if ds.y is not None else ", no labels"
    st.caption(f"{ds.n_samples:,} samples · {shape}{labels} · scaling: {ds.scaling}")
    for note in ds.notes:
        st.caption(f":material/info: {note}")


# --------------------------------------------------------------------------- training


class LiveTraining:
    """Progress bar and live loss chart for one training, fed by the reducer's progress hook."""

    def __init__(self, total_epochs: int, every: float = 0.5):
        self.total = total_epochs
        self.bar = st.progress(0.0, text="Starting ...")
        self.chart = st.empty()
        self.history: dict[str, list[float]] = {}
        self.every = every
        self._last = 0.0
        self.started = time.perf_counter()

    def __call__(self, epoch: int, logs: dict) -> None:
        for key in ("loss", "val_loss"):
            if key in logs:
                self.history.setdefault(key, []).append(logs[key])
        elapsed = time.perf_counter() - self.started
        text = f"Epoch {epoch}/{self.total} · loss {logs.get('loss', float('nan')):.5f}"
        if "val_loss" in logs:
            text += f" · validation {logs['val_loss']:.5f}"
        self.bar.progress(min(epoch / self.total, 1.0), text=f"{text} · {elapsed:.0f} s")
        now = time.perf_counter()
        if now - self._last >= self.every or epoch == self.total:
            self._last = now
            self.chart.plotly_chart(figures.loss_curves(self.history, title=None),
                                    key=f"live-loss-{epoch}")

    def done(self, message: str) -> None:
        """Replace the live widgets by one line; the page draws the final curves itself."""
        self.chart.empty()
        self.bar.empty()
        st.success(message, icon=":material/check_circle:")


def train_reducer(active: ActiveData, config: TrainConfig, X: np.ndarray, *, split: str = "train"):
    """Return a trained reducer for (dataset, config): from the shared cache if someone already
    trained it, else trained here with live progress. A person's uploads stay in their session.

    Interruptions (Stop, leaving the page) keep the best weights so far in the session.
    """
    key = (active.key, split, config)
    registry = model_registry() if active.shared else _session_models()
    cached = registry.get(key)
    if cached is not None:
        return cached
    reducer = config.to_reducer(image_shape=active.dataset.image_shape)
    slots = training_slots()
    if not slots.acquire(blocking=False):
        with st.spinner(f"The server is busy ({MAX_CONCURRENT_TRAININGS} trainings running); "
                        "your training is queued and starts when one finishes ..."):
            slots.acquire()
    live = LiveTraining(reducer.resolved_params()["epochs"])
    st.session_state["training"] = {"key": key, "reducer": reducer}
    try:
        reducer.fit(X, progress=live)
    except ValueError:
        st.session_state.pop("training", None)
        raise
    finally:
        slots.release()
    st.session_state.pop("training", None)
    live.done(f"Trained {reducer.n_epochs_} epochs in {time.perf_counter() - live.started:.1f} s "
              f"({_reason(reducer.stopped_reason_)}).")
    registry.put(key, reducer)
    return reducer


def recover_interrupted() -> object | None:
    """A training cut short by a rerun (Stop button, page change) leaves its reducer here."""
    pending = st.session_state.pop("training", None)
    if pending is None:
        return None
    reducer = pending["reducer"]
    if getattr(reducer, "n_epochs_", 0) >= 1:
        reducer.stopped_reason_ = "stopped"
        _session_models().put(pending["key"], reducer)
        return pending["key"], reducer
    return None


def _session_models() -> ModelRegistry:
    """Models that belong to this browser session only (uploads, interrupted trainings)."""
    if "session_models" not in st.session_state:
        st.session_state["session_models"] = ModelRegistry(max_entries=4)
    return st.session_state["session_models"]


def lookup_model(key):
    """A trained model by key, from this session first, then the shared cache."""
    return _session_models().get(key) or model_registry().get(key)


def _reason(code: str) -> str:
    return {"completed": "all epochs run", "early_stopping": "stopped early, best weights kept",
            "stopped": "stopped by you, best weights kept",
            "nan": "the loss became NaN; the last good weights were kept",
            "interrupted": "interrupted, best weights kept"}.get(code, code)


def reason_text(code: str) -> str:
    """Plain words for a reducer's ``stopped_reason_``."""
    return _reason(code)


def metric_row(items: list[tuple[str, str, str | None]]) -> None:
    """A row of st.metric cards: (label, value, help)."""
    for column, (label, value, help_text) in zip(st.columns(len(items)), items):
        column.metric(label, value, help=help_text)


def current_model_ui():
    """The model trained last in this session with its dataset, or None after telling the person."""
    current = st.session_state.get("current_model")
    reducer = lookup_model(current["key"]) if current else None
    if reducer is None:
        st.info("No trained model yet in this session. Train one first.")
        st.page_link("pages/train.py", label="Go to Train", icon=":material/model_training:")
        return None
    data_key = current["data_key"]
    if data_key in aedata.BUILTIN_DATASETS:
        active = ActiveData(data_key, builtin_dataset(data_key), shared=True)
    else:
        active = st.session_state.get("upload")
        if active is None or active.key != data_key:
            st.warning("The data this model was trained on is no longer in this session; upload it again.")
            return None
    return active, current["config"], reducer
