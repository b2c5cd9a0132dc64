"""The only module that imports both Streamlit and aecore: every cache, shared widget and the
page setup live here, so pages stay thin and the core stays importable from a notebook."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import streamlit as st

from . import data as aedata
from . import figures, i18n
from .presets import TrainConfig

APP_NAME = "Autoencoder Lab"
MAX_CONCURRENT_TRAININGS = 2
SHARED_MODELS = 8


def page_setup() -> None:
    """Shared page configuration: title, icon, wide layout, and the language picker."""
    st.set_page_config(page_title=APP_NAME, page_icon=":material/hub:", layout="wide")
    language_ui()


# --------------------------------------------------------------------------- language


def language() -> str:
    """This session's UI language: chosen in the sidebar, else ``?lang=``, else the browser's."""
    if "lang" not in st.session_state:
        asked = st.query_params.get("lang")
        if asked not in i18n.LANGUAGES:
            asked = i18n.language_from_locale(st.context.locale)
        st.session_state["lang"] = asked
    return st.session_state["lang"]


def t(key: str, **values) -> str:
    """A UI string in this session's language (see ``aecore/locales``)."""
    return i18n.translate(key, language(), **values)


def language_ui() -> None:
    """The sidebar's language switch; the choice also goes into the URL (``?lang=ko``)."""
    language()
    st.sidebar.radio(t("common.language"), list(i18n.LANGUAGES), key="lang",
                     format_func=i18n.LANGUAGES.get, horizontal=True)
    if st.query_params.get("lang") != st.session_state["lang"]:
        st.query_params["lang"] = st.session_state["lang"]


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
                st.error(f"Could not use **{_plain(upload.name)}**: {_escape(str(exc))}")
                if stored is not None:
                    st.caption(f"Still using your earlier upload ({stored.dataset.n_samples:,} samples).")
                return stored
            stored = ActiveData(key, dataset, shared=False)
            st.session_state["upload"] = stored
    if stored is None:
        st.info("Upload a file to train on your own data.")
    return stored


def _label_column_ui(page: str, raw: bytes) -> str | None:
    """Let a person name the label column of a CSV (none by default)."""
    try:
        columns = aedata.read_csv_header(raw)
    except ValueError:
        columns = []
    choice = st.selectbox("Label column (optional)", ["(none)"] + columns[:500], key=f"{page}.label_column")
    return None if choice == "(none)" else choice


def _escape(text: str) -> str:
    """Show text from an upload literally: escape the characters Markdown would interpret."""
    return re.sub(r"([\\`*_\[\]$<>|#~])", r"\\\1", text)


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

    def done(self, message: str, warning: bool = False) -> None:
        """Replace the live widgets by one line; the page draws the final curves itself."""
        self.chart.empty()
        self.bar.empty()
        if warning:
            st.warning(message, icon=":material/warning:")
        else:
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
    # Someone may have trained the same model while we queued: use theirs.
    cached = registry.get(key)
    if cached is not None:
        slots.release()
        return cached
    params = reducer.resolved_params()
    live = LiveTraining(params.get("total_epochs") or params["epochs"])
    st.session_state["training"] = {"key": key, "reducer": reducer, "data_key": active.key,
                                    "config": config}
    try:
        reducer.fit(X, progress=live)
    except ValueError:
        st.session_state.pop("training", None)
        raise
    finally:
        slots.release()
    registry.put(key, reducer)
    st.session_state.pop("training", None)
    message = (f"Trained {reducer.n_epochs_} epochs in {time.perf_counter() - live.started:.1f} s "
               f"({_reason(reducer.stopped_reason_)}).")
    if reducer.stopped_reason_ == "nan":
        live.done(message + " Lower the learning rate and train again.", warning=True)
    else:
        live.done(message)
    return reducer


def recover_interrupted():
    """A training cut short by a rerun (Stop button, page change) left its reducer in the session:
    keep it (best weights so far) as this session's current model. Returns it, or None."""
    pending = st.session_state.pop("training", None)
    if pending is None:
        return None
    reducer = pending["reducer"]
    if getattr(reducer, "n_epochs_", 0) < 1:
        return None
    reducer.stopped_reason_ = "stopped"
    _session_models().put(pending["key"], reducer)
    st.session_state["current_model"] = {"key": pending["key"], "data_key": pending["data_key"],
                                         "config": pending["config"]}
    return reducer


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


@dataclass
class LoadedModel:
    """The session's current model with the data it was trained on."""

    active: ActiveData
    config: TrainConfig
    reducer: object
    id: str  # model_id of its key: the cache key for its codes and views

    @property
    def dataset(self) -> aedata.Dataset:
        return self.active.dataset


def current_model_ui() -> LoadedModel | None:
    """The model trained last in this session with its dataset, or None after telling the person."""
    recovered = recover_interrupted()
    if recovered is not None:
        st.info(f"Training was interrupted after {recovered.n_epochs_} epoch(s); using the best weights "
                "so far.")
    current = st.session_state.get("current_model")
    reducer = lookup_model(current["key"]) if current else None
    if reducer is None:
        st.info("No trained model yet in this session. Train one first.")
        st.page_link("app_pages/train.py", label="Go to Train", icon=":material/model_training:")
        return None
    data_key = current["data_key"]
    if data_key in aedata.BUILTIN_DATASETS:
        active = ActiveData(data_key, builtin_dataset(data_key), shared=True)
    else:
        active = st.session_state.get("upload")
        if active is None or active.key != data_key:
            st.warning("The data this model was trained on is no longer in this session; upload it again.")
            return None
    return LoadedModel(active, current["config"], reducer, model_id(current["key"]))


# --------------------------------------------------------------------------- derived arrays


def model_id(key) -> str:
    """A short, stable text id for a model key (dataset, split, config): a cache key for arrays."""
    return hashlib.sha256(repr(key).encode()).hexdigest()[:16]


@st.cache_data(max_entries=16, show_spinner="Encoding ...")
def codes_of(model_key_id: str, _reducer, _X: np.ndarray) -> np.ndarray:
    """The latent codes of every row, computed once per model."""
    return _reducer.transform(_X)


@st.cache_data(max_entries=16, show_spinner="Reconstructing ...")
def reconstruction_errors(model_key_id: str, _reducer, _X: np.ndarray) -> np.ndarray:
    """Per-row reconstruction error, computed once per model."""
    return _reducer.score_samples(_X)


@st.cache_data(max_entries=32, show_spinner=False)
def projection_of(model_key_id: str, method: str, n_components: int, _codes: np.ndarray,
                  random_state: int = 0) -> tuple[np.ndarray, float]:
    """A 2D/3D view of the codes and the seconds it took (cached per model and method)."""
    from . import projection

    started = time.perf_counter()
    points = projection.project(_codes, method, n_components=n_components, random_state=random_state)
    return points, time.perf_counter() - started


@st.cache_resource
def start_umap_warmup() -> threading.Thread:
    """Compile UMAP's numba code in the background once per server process, so the first UMAP
    view a person asks for does not pay ~30 s of compilation."""
    from . import projection

    thread = threading.Thread(target=projection.warm_up_umap, name="umap-warmup", daemon=True)
    thread.start()
    return thread


@st.cache_data(max_entries=32, show_spinner="Clustering ...")
def cluster_run(model_key_id: str, space: str, method: str, n_clusters: int, n_init: int,
                _loaded: LoadedModel, _codes: np.ndarray):
    """Cluster one input space of the current model's data: (result, scores, seconds)."""
    from . import cluster
    from .metrics import cluster_scores

    ds = _loaded.dataset
    started = time.perf_counter()
    params = dict(n_clusters=n_clusters, random_state=0, n_init=n_init)
    if space == "raw":
        X = ds.X
    elif space == "pca":
        from sklearn.decomposition import PCA

        X = PCA(n_components=_loaded.config.n_components, random_state=0).fit_transform(ds.X)
    elif space == "codes":
        X = _codes
    elif space == "umap":
        result, X = cluster.n2d(_codes, n_clusters=n_clusters, method=method, random_state=0)
        return result, cluster_scores(X, result.labels, ds.y), time.perf_counter() - started
    else:
        raise ValueError(f"space={space!r} must be 'raw', 'pca', 'codes' or 'umap'.")
    result = cluster.cluster(X, method, **params)
    return result, cluster_scores(X, result.labels, ds.y), time.perf_counter() - started


def anomaly_evaluation(active: ActiveData, anomaly_classes: tuple[int, ...], n_components: int):
    """Train on the normal classes only and score the held-out ones (AE vs PCA vs IsolationForest),
    with live progress; shared between sessions for built-in data, kept in the session for uploads."""
    from . import anomaly

    key = ("anomaly", active.key, anomaly_classes, n_components)
    registry = model_registry() if active.shared else _session_models()
    cached = registry.get(key)
    if cached is not None:
        return cached
    split = anomaly.holdout_split(active.dataset.X, active.dataset.y, list(anomaly_classes))
    slots = training_slots()
    if not slots.acquire(blocking=False):
        with st.spinner("The server is busy; your evaluation is queued ..."):
            slots.acquire()
    try:
        params = dict(anomaly.DEFAULT_REDUCER_PARAMS)
        live = LiveTraining(int(params.get("epochs") or 100))
        report = anomaly.evaluate(split.X_train, split.X_test, split.is_anomaly, n_components,
                                  reducer_params=params, progress=live)
    finally:
        slots.release()
    live.done(f"Evaluated in {time.perf_counter() - live.started:.1f} s.")
    registry.put(key, report)
    return report


def run_list(root: str):
    """Runs under ``root`` and the folders skipped with their reasons (read fresh on each call)."""
    from . import runs

    skipped: list[tuple[str, str]] = []
    try:
        found = runs.list_runs(root, on_skip=lambda path, reason: skipped.append((path, reason)))
    except ValueError as exc:
        st.error(str(exc))
        return [], []
    return found, skipped


def open_run_ui(path: str) -> None:
    """Load a run (rebuilt from its config) as this session's current model."""
    from . import runs

    try:
        reducer, info = runs.load_run(path)
    except ValueError as exc:
        st.error(f"Could not open the run: {exc}")
        return
    if info.dataset not in aedata.BUILTIN_DATASETS:
        st.warning(f"The run was trained on '{_plain(info.dataset)}', which is not a built-in dataset; "
                   "its codes and reconstructions need that data uploaded on the Train page.")
    key = ("run", path, info.created)
    _session_models().put(key, reducer)
    st.session_state["current_model"] = {"key": key, "data_key": info.dataset,
                                         "config": info.config or TrainConfig(n_components=info.n_components)}
    st.success(f"Opened {_plain(info.name)}: {info.kind}, latent size {info.n_components}. The other pages now "
               "use it.", icon=":material/check_circle:")
