"""The only module that imports both Streamlit and aecore: every cache, shared widget and the
page setup live here, so pages stay thin and the core stays importable from a notebook."""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import numpy as np
import streamlit as st

from . import data as aedata
from . import figures, i18n, report, share, tour
from .presets import TrainConfig
from .slots import SlotPool

APP_NAME = "Autoencoder Lab"
MAX_CONCURRENT_JOBS = 2
SHARED_MODELS = 8
#: Built-in datasets of handwritten digits, whose images the clustering recipe deskews.
HANDWRITING_DATASETS = ("mnist_sample", "mnist")


def page_setup() -> None:
    """Shared page configuration: title, icon, wide layout, and the language picker."""
    st.set_page_config(page_title=APP_NAME, page_icon=":material/hub:", layout="wide")
    st.session_state["_url.run"] = {}  # what this run's page binds to the URL (see url_state)
    language_ui()
    st.session_state["_url.run"]["share_slot"] = st.sidebar.empty()
    start_umap_warmup()  # once per server process: the first UMAP view (Latent space, Clusters) is ready


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


def t_or(key: str, fallback: str, **values) -> str:
    """``t(key)``, or ``fallback`` (a library's own English text) where the tables have no ``key``."""
    return t(key, **values) if key in i18n.strings(i18n.DEFAULT_LANGUAGE) else fallback


def language_ui() -> None:
    """The sidebar's language switch; :func:`write_url` puts the choice into the URL (``?lang=ko``)."""
    language()
    st.sidebar.radio(t("common.language"), list(i18n.LANGUAGES), key="lang",
                     format_func=i18n.LANGUAGES.get, horizontal=True)


# --------------------------------------------------------------------------- caches


@st.cache_resource(max_entries=4, show_spinner=False)
def _load_builtin_dataset(name: str) -> aedata.Dataset:
    return aedata.load_dataset(name)


def builtin_dataset(name: str) -> aedata.Dataset:
    """A built-in dataset, loaded once per process and shared read-only."""
    with st.spinner(t("ui.loading_dataset")):  # the cache's own spinner text cannot be translated
        return _load_builtin_dataset(name)


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
def job_slots() -> SlotPool:
    """At most MAX_CONCURRENT_JOBS long jobs (trainings, clusterings, large maps, image
    decoding) run at once across all sessions; the others queue, first come first served."""
    return SlotPool(MAX_CONCURRENT_JOBS)


@contextmanager
def exclusive(what: str):
    """Hold one of the server's job slots for the ``with`` block. While queued, say where this
    job is in the queue; Stop, a widget change or a closed tab gives the place up (Streamlit
    raises inside the message update), and a slot is never kept by a job that was stopped."""
    note = st.empty()

    def waiting(position: int) -> None:
        note.info(t("ui.queued", what=what, position=position, n=MAX_CONCURRENT_JOBS),
                  icon=":material/hourglass_top:")

    with job_slots().slot(on_wait=waiting):
        note.empty()
        yield


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
    current = st.session_state.get("active_dataset", default)
    # Labels are looked up now, not in format_func: AppTest calls format_func outside the session.
    labels = {name: t_or(f"ui.dataset_{name}", aedata.BUILTIN_DATASETS.get(name, name)) for name in options}
    choice = st.selectbox(t("ui.dataset"), options, index=options.index(current) if current in options else 0,
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
    upload = st.file_uploader(t("ui.upload"), type=["csv", "tsv", "npy", "npz", "zip"],
                              key=f"{page}.upload", max_upload_size=aedata.MAX_UPLOAD_BYTES // 2**20,
                              help=t("ui.upload_help"))
    stored = st.session_state.get("upload")
    if upload is not None:
        raw = upload.getvalue()
        key = f"upload-{upload_key(raw)}"
        label_column = None
        if upload.name.lower().endswith((".csv", ".tsv", ".txt")):
            label_column = _label_column_ui(page, raw)
            key += f"-{label_column}"
        if stored is None or stored.key != key:
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

            # Decoding a ZIP of images is long work: it takes one of the server's job slots.
            slot = exclusive(t("ui.job_decoding")) if upload.name.lower().endswith(".zip") else nullcontext()
            try:
                with slot:
                    dataset = aedata.read_upload(raw, upload.name, label_column=label_column, progress=decoding)
            except ValueError as exc:
                st.error(t("ui.upload_failed", name=escape_markdown(upload.name, 80), error=escape_markdown(exc)))
                if stored is not None:
                    st.caption(t("ui.upload_kept", n=stored.dataset.n_samples))
                return stored
            finally:
                if bar is not None:
                    bar.empty()
            stored = ActiveData(key, dataset, shared=False)
            st.session_state["upload"] = stored
    if stored is None:
        st.info(t("ui.upload_prompt"))
    return stored


def _label_column_ui(page: str, raw: bytes) -> str | None:
    """Let a person name the label column of a CSV (none by default)."""
    try:
        columns = aedata.read_csv_header(raw)
    except ValueError:
        columns = []
    none = t("ui.label_column_none")
    choice = st.selectbox(t("ui.label_column"), ["(none)"] + columns[:500], key=f"{page}.label_column",
                          format_func=lambda c: none if c == "(none)" else c)
    return None if choice == "(none)" else choice


def escape_markdown(text, max_chars: int | None = None) -> str:
    """Show user-controlled text literally inside Streamlit Markdown (``st.markdown``, captions,
    ``st.info`` / ``warning`` / ``error`` / ``success``): rejected link values, file, column and run
    names, and messages that quote them.

    Every ASCII punctuation character is backslash-escaped (CommonMark shows an escaped one as
    itself), so no link, image, HTML tag, ``$`` formula or ``:red[...]`` directive can start, and
    control characters become spaces, so no heading, list or quote can start on a new line.
    Streamlit and GFM also rewrite the *parsed* text (``:material_name:`` icons, ``:emoji:``, bare
    ``https://`` and ``www.`` addresses, e-mail addresses), which escapes cannot stop: an invisible
    word joiner (U+2060) before each ``:`` and ``@``, and between ``www`` and its dot, does.
    ``max_chars`` shortens a long name (ending it with "…").
    """
    text = str(text)
    if max_chars is not None and len(text) > max_chars:
        text = text[:max_chars] + "…"
    text = re.sub(r"[\x00-\x1f\x7f]", " ", text)
    text = re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)
    return re.sub(r"(\\[:@]|(?<=www)\\\.)", "\u2060\\1", text, flags=re.IGNORECASE)


def dataset_summary_ui(active: ActiveData) -> None:
    """One line of facts about the dataset, and its notes."""
    ds = active.dataset
    shape = (t("ui.summary_images", height=ds.image_shape[0], width=ds.image_shape[1]) if ds.is_image
             else t("ui.summary_features", n=ds.n_features))
    labels = t("ui.summary_classes", n=len(np.unique(ds.y))) if ds.y is not None else t("ui.summary_no_labels")
    st.caption(t("ui.summary", n=ds.n_samples, shape=shape, labels=labels, scaling=ds.scaling))
    for note in ds.notes:
        st.caption(f":material/info: {escape_markdown(note)}")  # notes quote column names


# --------------------------------------------------------------------------- training


class LiveTraining:
    """Progress bar and live loss chart for one training, fed by the reducer's progress hook."""

    def __init__(self, total_epochs: int, estimated_seconds: float | None = None, every: float = 0.5):
        self.total = total_epochs
        self.epoch = 0
        self.text = (t("ui.starting_estimate", seconds=estimated_seconds) if estimated_seconds is not None
                     else t("ui.starting"))
        self.bar = st.progress(0.0, text=self.text)
        self.chart = st.empty()
        self.history: dict[str, list[float]] = {}
        self.every = every
        self._last = 0.0
        self._last_batch = 0.0
        self.started = time.perf_counter()

    def on_batch(self, step: int, steps: int) -> None:
        """Between batches: move the bar within the epoch. This Streamlit call is where a Stop,
        a widget change or a closed tab interrupts the fit, within a fraction of a second."""
        now = time.perf_counter()
        if now - self._last_batch < 0.3:
            return
        self._last_batch = now
        done = (self.epoch + step / max(steps, 1)) / max(self.total, 1)
        self.bar.progress(min(done, 1.0), text=t("ui.progress_elapsed", text=self.text,
                                                 seconds=now - self.started))

    def __call__(self, epoch: int, logs: dict) -> None:
        self.epoch = epoch
        for key in ("loss", "val_loss"):
            if key in logs:
                self.history.setdefault(key, []).append(logs[key])
        elapsed = time.perf_counter() - self.started
        text = t("ui.progress_epoch", epoch=epoch, total=self.total, loss=logs.get("loss", float("nan")))
        if "val_loss" in logs:
            text += t("ui.progress_validation", loss=logs["val_loss"])
        self.text = text
        self.bar.progress(min(epoch / self.total, 1.0), text=t("ui.progress_elapsed", text=text, seconds=elapsed))
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

    The budget is checked first (``ValueError`` before anything is built), then the training
    waits for a job slot. Interruptions (Stop, leaving the page, a closed tab) keep the best
    weights so far in the session.
    """
    key = (active.key, split, config)
    registry = model_registry() if active.shared else _session_models()
    cached = registry.get(key) or (demo_models().get(key) if active.shared else None)
    if cached is not None:
        return cached
    reducer = config.to_reducer(image_shape=active.dataset.image_shape)
    estimate = reducer.training_estimate(*X.shape)
    with exclusive(t("ui.job_training")):
        # Someone may have trained the same model while we queued: use theirs.
        cached = registry.get(key)
        if cached is not None:
            return cached
        live = LiveTraining(reducer.resolved_params()["total_epochs"], estimate.seconds)
        st.session_state["training"] = {"key": key, "reducer": reducer, "data_key": active.key,
                                        "config": config}
        try:
            reducer.fit(X, progress=live)
        except ValueError:
            st.session_state.pop("training", None)
            raise
    registry.put(key, reducer)
    st.session_state.pop("training", None)
    message = t("ui.trained", n=reducer.n_epochs_, seconds=time.perf_counter() - live.started,
                reason=_reason(reducer.stopped_reason_))
    if reducer.stopped_reason_ == "nan":
        live.done(message + t("ui.lower_learning_rate"), warning=True)
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
    """A trained model by key: this session's, the shared cache's, or a shipped demo run."""
    found = _session_models().get(key) or model_registry().get(key)
    if found is None and key[1:2] == ("train",) and key[0] in aedata.BUILTIN_DATASETS:
        found = demo_models().get(key)
    return found


@st.cache_resource(show_spinner=False)
def demo_models() -> dict:
    """The demo runs shipped in ``demo_runs/`` (see :mod:`aecore.demo`), by model key; loaded once
    per process and never evicted, so the default views never wait on training."""
    from . import demo

    models = {(data_key, "train", config): reducer for data_key, _, config, reducer in demo.load_all()}
    freeze_long_lived_objects()
    return models


def freeze_long_lived_objects() -> None:
    """Move everything alive now (TensorFlow, the demo models, UMAP's compiled code) out of the
    garbage collector's reach. Streamlit collects after every script run, and with TensorFlow
    loaded one full collection took ~270 ms: most of a rerun that only changes a colour."""
    import gc

    gc.freeze()


def default_demo() -> dict | None:
    """The current-model entry of the first shipped demo (the Train page's defaults), or None."""
    from . import demo, share

    for data_key, preset_name in demo.DEMOS.values():
        key = (data_key, "train", share.form_config(preset_name))
        if demo_models().get(key) is not None:
            return {"key": key, "data_key": data_key, "config": key[2], "preset": preset_name,
                    "demo": True}
    return None


def _reason(code: str) -> str:
    reasons = {"completed": t("ui.reason_completed"), "early_stopping": t("ui.reason_early_stopping"),
               "stopped": t("ui.reason_stopped"), "nan": t("ui.reason_nan"),
               "interrupted": t("ui.reason_interrupted")}
    return reasons.get(code, code)


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
    """The model trained last in this session with its dataset, or None after telling the person.

    A shared link that names a model opens that model first (see :func:`open_linked_model`)."""
    _run_state()["uses_model"] = True
    open_linked_model()
    recovered = recover_interrupted()
    if recovered is not None:
        st.info(t("ui.interrupted", n=recovered.n_epochs_))
    current = st.session_state.get("current_model")
    if current is None:
        current = default_demo()
        if current is not None:
            st.session_state["current_model"] = current
    reducer = lookup_model(current["key"]) if current else None
    if current and current.get("demo"):
        st.caption(t("share.demo_model", preset=current["preset"]))
    if reducer is None:
        st.info(t("ui.no_model"))
        st.page_link("app_pages/train.py", label=t("ui.go_to_train"), icon=":material/model_training:")
        return None
    data_key = current["data_key"]
    if data_key in aedata.BUILTIN_DATASETS:
        active = ActiveData(data_key, builtin_dataset(data_key), shared=True)
    else:
        active = st.session_state.get("upload")
        if active is None or active.key != data_key:
            st.warning(t("ui.data_gone"))
            return None
    return LoadedModel(active, current["config"], reducer, model_id(current["key"]))


# --------------------------------------------------------------------------- derived arrays


def model_id(key) -> str:
    """A short, stable text id for a model key (dataset, split, config): a cache key for arrays."""
    return hashlib.sha256(repr(key).encode()).hexdigest()[:16]


# The caches' own spinner texts are fixed when the module loads, so each cached function below has
# a wrapper that shows a spinner in the session's language instead.


@st.cache_data(max_entries=16, show_spinner=False)
def _cached_codes(model_key_id: str, _reducer, _X: np.ndarray) -> np.ndarray:
    return _reducer.transform(_X)


def codes_of(model_key_id: str, reducer, X: np.ndarray) -> np.ndarray:
    """The latent codes of every row, computed once per model."""
    with st.spinner(t("ui.encoding")):
        return _cached_codes(model_key_id, reducer, X)


@st.cache_resource(max_entries=8, show_spinner=False)
def pca_baseline_of(dataset_key: str, n_components: int, _X_train: np.ndarray, _X_test: np.ndarray):
    """PCA's held-out baseline for a dataset's split, fitted once per (dataset, k) and shared
    read-only: refitting it on every visit cost ~1.5 s of server time per page view, ~15 s with
    six people on the server (bench/load_browser.py)."""
    from .metrics import pca_baseline

    return pca_baseline(_X_train, n_components, _X_test)


@st.cache_data(max_entries=16, show_spinner=False)
def _cached_reconstruction_errors(model_key_id: str, _reducer, _X: np.ndarray) -> np.ndarray:
    return _reducer.score_samples(_X)


def reconstruction_errors(model_key_id: str, reducer, X: np.ndarray) -> np.ndarray:
    """Per-row reconstruction error, computed once per model."""
    with st.spinner(t("ui.reconstructing")):
        return _cached_reconstruction_errors(model_key_id, reducer, X)


#: t-SNE and UMAP maps of more rows than this wait for one of the server's job slots.
MAP_SLOT_ROWS = 5000


@dataclass(frozen=True, eq=False)
class MapView:
    """One 2D/3D view of a model's codes: its points (read-only), the seconds it took, and which
    rows it shows: ``rows`` holds the sorted row ids of a random subsample, ``None`` when every
    one of the ``n_total`` rows is drawn. ``key`` names the view in other caches."""

    points: np.ndarray
    seconds: float
    rows: np.ndarray | None
    n_total: int
    key: str

    @property
    def sampled(self) -> bool:
        return self.rows is not None

    @property
    def ids(self) -> np.ndarray:
        """The row id of each point (a selection's ``customdata``)."""
        return np.arange(self.n_total) if self.rows is None else self.rows

    def take(self, values):
        """``values`` (one entry per row of the data, or None) for the rows on this map."""
        return values if values is None or self.rows is None else np.asarray(values)[self.rows]


@st.cache_resource
def map_views() -> ModelRegistry:
    """Views of models' codes shared by every session, keyed by plain values (model id, method,
    dimensions, seed, row limit). A bounded cache rather than ``st.cache_data``, which would replay
    the queue's messages: a cached view must be read without waiting for a slot."""
    return ModelRegistry(max_entries=32)


def projection_of(model_key_id: str, method: str, n_components: int, codes: np.ndarray,
                  random_state: int = 0) -> MapView:
    """A 2D/3D view of the codes, computed once per model, method and budget.

    ``method="raw"`` shows the first codes themselves. t-SNE and UMAP embed at most the budget's
    rows for them (:meth:`aecore.budget.Budget.projection_rows`), a stated, seeded random
    subsample above it (:func:`aecore.projection.project_sample`); above ``MAP_SLOT_ROWS`` rows
    they wait for one of the server's job slots, saying where they are in the queue."""
    from . import projection
    from .budget import Budget

    if method == "raw":
        return MapView(codes[:, :n_components], 0.0, None, len(codes), f"{model_key_id}-raw-{n_components}")
    budget = Budget.default()
    limit = budget.projection_rows(method)
    key = (model_key_id, method, int(n_components), random_state, limit)
    registry = map_views()
    view = registry.get(key)
    if view is not None:
        return view
    heavy = method != "pca" and min(len(codes), limit) > MAP_SLOT_ROWS
    with exclusive(t("ui.job_map")) if heavy else nullcontext():
        view = registry.get(key)  # Someone may have drawn it while we queued.
        if view is None:
            started = time.perf_counter()
            points, rows = projection.project_sample(codes, method, n_components, random_state, budget=budget)
            for array in (points, rows):
                if array is not None:
                    array.flags.writeable = False  # shared by every session
            view = MapView(points, time.perf_counter() - started, rows, len(codes),
                           hashlib.sha256(repr(key).encode()).hexdigest()[:16])
            registry.put(key, view)
    return view


_WARMUP: dict = {}
_WARMUP_LOCK = threading.Lock()


def start_umap_warmup() -> threading.Thread:
    """Compile UMAP's numba code in the background once per server process, so the first UMAP
    view a person asks for does not pay ~30 s of compilation. (A module-level flag, not a cache:
    clearing Streamlit's caches must not start it again.)"""
    from . import projection

    with _WARMUP_LOCK:
        if "thread" not in _WARMUP:
            def warm_up() -> None:
                projection.warm_up_umap()
                freeze_long_lived_objects()

            _WARMUP["thread"] = threading.Thread(target=warm_up, name="umap-warmup", daemon=True)
            _WARMUP["thread"].start()
    return _WARMUP["thread"]


@st.cache_resource
def cluster_results() -> ModelRegistry:
    """Clusterings of the Clusters page (labels, centres, scores; no models) shared by every
    session, keyed by plain values (model id, space, method, clusters, restarts). A bounded cache
    rather than ``st.cache_data``, which would replay the queue's messages."""
    return ModelRegistry(max_entries=32)


def _cluster_input_shape(space: str, loaded: LoadedModel, codes: np.ndarray) -> tuple[int, int]:
    """Rows and columns of the data one input space clusters, by arithmetic (nothing computed)."""
    from .cluster import RECOMMENDED

    widths = {"raw": loaded.dataset.n_features, "pca": loaded.config.n_components, "codes": codes.shape[1],
              "umap": RECOMMENDED["umap_components"]}
    if space not in widths:
        raise ValueError(f"space={space!r} must be 'raw', 'pca', 'codes' or 'umap'.")
    return len(codes), int(widths[space])


def cluster_run(model_key_id: str, space: str, method: str, n_clusters: int, n_init: int,
                loaded: LoadedModel, codes: np.ndarray):
    """Cluster one input space of the current model's data: (result, scores, seconds).

    The budget is checked first, from the space's shape: over it, ``ValueError`` (naming the
    estimate, the limit and the fix) before anything is computed or queued. A result someone
    already computed is reused; otherwise the clustering shows its estimated cost and runs in
    one of the server's job slots."""
    from .budget import MACS_PER_SECOND, Budget

    budget = Budget.default()
    n_rows, n_features = _cluster_input_shape(space, loaded, codes)
    if space == "umap":
        budget.check_projection("umap", n_rows)
    operations = budget.check_clustering(method, n_rows, n_features, n_clusters, n_init)
    key = (model_key_id, space, method, int(n_clusters), int(n_init))
    registry = cluster_results()
    found = registry.get(key)
    if found is not None:
        return found
    estimate = st.empty()
    estimate.caption(t("ui.cluster_estimate", operations=operations, seconds=operations / MACS_PER_SECOND))
    with exclusive(t("ui.job_clustering")):
        found = registry.get(key)  # Someone may have run it while we queued.
        if found is None:
            with st.spinner(t("ui.clustering")):
                found = _cluster_space(space, method, int(n_clusters), int(n_init), loaded, codes, budget)
            registry.put(key, found)
    estimate.empty()
    return found


def _cluster_space(space: str, method: str, n_clusters: int, n_init: int, loaded: LoadedModel,
                   codes: np.ndarray, budget):
    """Compute one input space and cluster it: (result, scores, seconds)."""
    from . import cluster
    from .metrics import cluster_scores

    ds = loaded.dataset
    started = time.perf_counter()
    params = dict(n_clusters=n_clusters, random_state=0, n_init=n_init, budget=budget)
    if space == "raw":
        X = ds.X
    elif space == "pca":
        from sklearn.decomposition import PCA

        X = PCA(n_components=loaded.config.n_components, random_state=0).fit_transform(ds.X)
    elif space == "codes":
        X = codes
    else:
        # The recommended recipe: joint neighbours of the codes and of the images, the images of
        # handwriting deskewed first (a fixed, label-free step; bench/clustering.py measures it).
        handwriting = loaded.active.key in HANDWRITING_DATASETS
        result, X = cluster.n2d(codes, method=method, raw_features=ds.X,
                                deskew_shape=ds.image_shape if handwriting else None, **params)
        return result, cluster_scores(X, result.labels, ds.y), time.perf_counter() - started
    result = cluster.cluster(X, method, **params)
    return result, cluster_scores(X, result.labels, ds.y), time.perf_counter() - started


def anomaly_evaluation(active: ActiveData, anomaly_classes: tuple[int, ...], n_components: int):
    """Train on the normal classes only and score the held-out ones (AE vs PCA vs IsolationForest),
    with live progress; shared between sessions for built-in data, kept in the session for uploads."""
    from . import anomaly

    key = ("anomaly", active.key, anomaly_classes, n_components)
    registry = model_registry() if active.shared else _session_models()
    cached = registry.get(key) or (demo_models().get(key) if active.shared else None)
    if cached is not None:
        return cached
    split = anomaly.holdout_split(active.dataset.X, active.dataset.y, list(anomaly_classes))
    params = dict(anomaly.DEFAULT_REDUCER_PARAMS)
    from .reducer import AutoencoderReducer

    estimate = AutoencoderReducer(n_components, **params).training_estimate(*split.X_train.shape)
    with exclusive(t("ui.job_evaluation")):
        live = LiveTraining(int(params.get("epochs") or 100), estimate.seconds)
        report = anomaly.evaluate(split.X_train, split.X_test, split.is_anomaly, n_components,
                                  reducer_params=params, progress=live)
    live.done(t("ui.evaluated", seconds=time.perf_counter() - live.started))
    registry.put(key, report)
    return report


# --------------------------------------------------------------------------- runs


def run_list():
    """The runs in the server's runs folder (``AECORE_RUNS_ROOT``, set by its owner; see
    :func:`aecore.runs.runs_root`) and the folders skipped as ``(folder name, reason)``, read fresh
    on each call. Nobody using the app chooses the folder."""
    from . import runs

    skipped: list[tuple[str, str]] = []
    root = runs.runs_root()
    try:
        found = runs.list_runs(root, contained=True,
                               on_skip=lambda path, reason: skipped.append((os.path.basename(path), reason)))
    except (ValueError, OSError):
        st.error(t("runs.unreadable"))
        return [], []
    return found, [(name, _without_root(reason, root)) for name, reason in skipped]


def _without_root(text: str, root: str) -> str:
    """A message with the runs folder's server path left out (runs are named relative to it)."""
    for prefix in {os.path.realpath(root), root}:
        text = text.replace(prefix + os.sep, "").replace(prefix, "…")
    return text


def demo_run_names() -> list[str]:
    """The demo runs shipped in ``demo_runs/`` (see :mod:`aecore.demo`) that are present."""
    from . import demo

    return [name for name in demo.DEMOS if (demo.DEMO_DIR / name / demo.WEIGHTS_FILE).is_file()]


def open_demo_run_ui(name: str) -> None:
    """Make the shipped demo run ``name`` this session's current model."""
    from . import demo

    data_key, preset_name = demo.DEMOS[name]
    config = share.form_config(preset_name)
    key = (data_key, "train", config)
    if demo_models().get(key) is None:
        st.error(t("runs.demo_missing", name=escape_markdown(name, 80)))
        return
    st.session_state["current_model"] = {"key": key, "data_key": data_key, "config": config,
                                         "preset": preset_name, "demo": True}
    st.success(t("ui.run_opened", name=escape_markdown(name, 80), kind=config.kind, k=config.n_components),
               icon=":material/check_circle:")


def open_run_ui(name: str) -> None:
    """Load the run called ``name`` from the server's runs folder (only there: ``..`` and symbolic
    links out of it are refused) as this session's current model, rebuilt from its config."""
    from . import runs

    root = runs.runs_root()
    try:
        reducer, info = runs.load_run(runs.resolve_run(root, name), root=root)
    except ValueError as exc:
        st.error(t("ui.run_failed", error=escape_markdown(_without_root(str(exc), root))))
        return
    _show_messages(_use_run(("run", info.name, info.created), reducer, info, info.name))


def open_run_zip_ui(file_name: str, data: bytes) -> None:
    """Open a run ZIP downloaded from this app (the Train page's model ZIP) as this session's
    current model: JSON files and weights only, size-capped, its parameters checked against the
    budget before the model is built. Each file is opened once; later reruns repeat the messages."""
    from . import export

    digest = upload_key(data)
    opened = st.session_state.get("runs.zip_opened")
    if opened is None or opened[0] != digest:
        try:
            reducer, info = export.read_zip_bytes(data, max_bytes=export.MAX_UPLOAD_ZIP_BYTES)
        except ValueError as exc:
            messages = [("error", t("runs.zip_failed", name=escape_markdown(file_name, 80),
                                    error=escape_markdown(exc)))]
        else:
            messages = _use_run(("zip", digest, info.created), reducer, info, file_name)
        opened = (digest, messages)
        st.session_state["runs.zip_opened"] = opened
    _show_messages(opened[1])


def _use_run(key: tuple, reducer, info, label: str) -> list[tuple[str, str]]:
    """Make a loaded run this session's current model; returns the messages to show, as
    ``(level, text)``. A run that names a built-in dataset but has another number of features is
    refused: every page would fail on it."""
    name = escape_markdown(label, 80)
    dataset = escape_markdown(info.dataset, 80)
    if info.dataset in aedata.BUILTIN_DATASETS and info.n_features != share.aedata_n_features(info.dataset):
        return [("error", t("runs.wrong_features", name=name, dataset=dataset, n=info.n_features,
                            expected=share.aedata_n_features(info.dataset)))]
    messages = []
    if info.dataset not in aedata.BUILTIN_DATASETS:
        messages.append(("warning", t("ui.run_foreign_data", dataset=dataset)))
    _session_models().put(key, reducer)
    st.session_state["current_model"] = {"key": key, "data_key": info.dataset,
                                         "config": info.config or TrainConfig(n_components=info.n_components)}
    messages.append(("success", t("ui.run_opened", name=name, kind=info.kind, k=info.n_components)))
    return messages


def _show_messages(messages: list[tuple[str, str]]) -> None:
    """Draw ``(level, text)`` messages: st.error, st.warning or st.success."""
    for level, text in messages:
        {"error": st.error, "warning": st.warning, "success": st.success}[level](text)


# --------------------------------------------------------------------------- sharing: state in the URL


def _run_state() -> dict:
    return st.session_state.setdefault("_url.run", {})


def _incoming() -> dict[str, str]:
    return {name: st.query_params[name] for name in st.query_params}


def url_state(page: str, spec: dict[str, share.Param]) -> None:
    """Bind a page's widgets (by key) to query parameters. Call it before creating the widgets.

    A link that arrives with values for them (a shared URL, a guided-tour step) sets the widgets
    once; afterwards the widgets drive the URL, written by :func:`write_url` at the end of the run.
    Invalid or tampered values are ignored with a gentle notice.
    """
    run = _run_state()
    run["page"], run["spec"] = page, spec
    clash = {param.name for param in spec.values()} & share.MODEL_PARAM_NAMES
    if clash:
        raise ValueError(f"Query parameters {sorted(clash)} of page {page!r} name model settings; rename them.")
    names = {param.name for param in spec.values()}
    arrived = {name: value for name, value in _incoming().items() if name in names}
    seen_key = f"_url.seen.{page}"
    if arrived and arrived != st.session_state.get(seen_key):
        st.session_state[seen_key] = arrived
        values, problems = share.read(arrived, spec)
        if problems:
            st.session_state["_url.notice"] = problems
        changed = {key: value for key, value in values.items() if st.session_state.get(key) != value}
        if changed:
            st.session_state.update(changed)
            st.rerun()  # widgets pick the values up on a fresh run (no default-value conflict)
    _show_url_notice()


def _show_url_notice() -> None:
    problems = st.session_state.pop("_url.notice", None)
    if problems:
        items = "; ".join(escape_markdown(problem, 300) for problem in problems)
        st.info(t("share.ignored", items=items), icon=":material/link_off:")


def set_url_model(data_key: str, preset_name: str | None, config: TrainConfig) -> None:
    """Put a model (built-in data, a preset and its changed settings) into this run's URL."""
    if data_key in aedata.BUILTIN_DATASETS and preset_name in share.PRESETS:
        _run_state()["model"] = share.model_params(data_key, preset_name, config)


def linked_model() -> tuple[str, str, TrainConfig] | None:
    """The model a newly arrived link names, once: ``(data_key, preset, config)``, else None."""
    arrived = {k: v for k, v in _incoming().items() if k in share.MODEL_PARAM_NAMES}
    if not arrived or arrived == st.session_state.get("_url.seen_model"):
        return None
    st.session_state["_url.seen_model"] = arrived
    data_key, preset_name, config, problems = share.model_from_params(arrived)
    if problems:
        st.session_state["_url.notice"] = problems + st.session_state.get("_url.notice", [])
    return data_key, preset_name, config


def open_linked_model() -> None:
    """Make the model a link names this session's current model when it is already trained (in
    the cache or the shipped demo runs). A link never starts training by itself: for a model
    nobody has trained, show what it would train (layers, parameters, estimated time) with a
    Train button, and stop the page until the person trains it or keeps the current model."""
    link = linked_model()
    if link is not None:
        data_key, preset_name, config = link
        key = (data_key, "train", config)
        current = st.session_state.get("current_model")
        if current and current["key"] == key and lookup_model(key) is not None:
            return
        if lookup_model(key) is not None:
            st.session_state["current_model"] = {"key": key, "data_key": data_key, "config": config,
                                                 "preset": preset_name}
            st.session_state.pop("_url.pending_model", None)
            return
        st.session_state["_url.pending_model"] = link
    pending = st.session_state.get("_url.pending_model")
    if pending is not None:
        _pending_model_ui(*pending)


def _pending_model_ui(data_key: str, preset_name: str, config: TrainConfig) -> None:
    """The box a link to an untrained model opens: what it would train, Train, or keep the current
    model. Stops the page while the person decides."""
    from .budget import NetworkShape

    set_url_model(data_key, preset_name, config)  # the address bar keeps the link's model
    try:
        active = ActiveData(data_key, builtin_dataset(data_key), shared=True)
        train_idx, _ = split_indices(data_key, active.dataset.n_samples, active.dataset)
        reducer = config.to_reducer(image_shape=active.dataset.image_shape)
        estimate = reducer.training_estimate(len(train_idx), active.dataset.n_features)
    except ValueError as exc:
        st.session_state.pop("_url.pending_model", None)
        _run_state().pop("model", None)
        st.error(t("share.cannot_open", error=escape_markdown(str(exc))), icon=":material/block:")
        return
    with st.container(border=True):
        st.markdown(t("share.untrained", preset=escape_markdown(preset_name), kind=config.kind,
                      k=config.n_components, params=estimate.parameters, seconds=estimate.seconds))
        layers = NetworkShape.of(config, active.dataset.n_features, active.dataset.image_shape).layers()
        st.caption(" → ".join(f"{layer.name} {layer.output_shape}" for layer in layers))
        train, keep = st.columns(2)
        go = train.button(t("common.train"), type="primary", key="link.train", icon=":material/model_training:")
        if keep.button(t("share.keep_current"), key="link.keep"):
            st.session_state.pop("_url.pending_model", None)
            _run_state().pop("model", None)
            st.rerun()
    if not go:
        stop()
    try:
        train_reducer(active, config, active.dataset.X[train_idx])
    except ValueError as exc:
        st.error(t("share.cannot_open", error=escape_markdown(str(exc))))
        stop()
    st.session_state.pop("_url.pending_model", None)
    st.session_state["current_model"] = {"key": (data_key, "train", config), "data_key": data_key,
                                         "config": config, "preset": preset_name}


def write_url() -> None:
    """Write this run's page state into the URL and refresh the sidebar's Share box.

    Called by app.py after the page ran (also when it stopped early)."""
    run = _run_state()
    params = {"lang": language()}
    step = tour.step_from_params(_incoming())
    if step is not None:
        params["tour"] = str(step + 1)
    model = run.get("model")
    if model is None and run.get("uses_model"):
        current = st.session_state.get("current_model")
        if current and current.get("preset") and current["key"][1:2] == ("train",):
            model = share.model_params(current["data_key"], current["preset"], current["config"])
    if model:
        params.update(model)
        st.session_state["_url.seen_model"] = model
    spec = run.get("spec") or {}
    if spec:
        values = {key: st.session_state[key] for key in spec if key in st.session_state}
        written = share.write(values, spec)
        params.update(written)
        st.session_state[f"_url.seen.{run['page']}"] = written
    if _incoming() != params:
        st.query_params.from_dict(params)
    slot = run.get("share_slot")
    if slot is not None:
        with slot.container():
            with st.popover(t("share.button"), icon=":material/share:", width="stretch"):
                st.caption(t("share.help"))
                st.code(share_link(params), language=None, wrap_lines=True)


def share_link(params: dict[str, str]) -> str:
    """The full link of this view (relative when the browser's URL is unknown, as in tests)."""
    from urllib.parse import urlencode

    return f"{st.context.url or ''}?{urlencode(params)}"


def train_form_from_link() -> None:
    """On the Train page: a link that names a model fills in the form (dataset, preset, every
    setting) and trains it, or shows it at once when it is cached. Call before the widgets."""
    link = linked_model()
    if link is None:
        _show_url_notice()
        return
    data_key, preset_name, config = link
    values = share.widget_values(preset_name, config)
    st.session_state.update({"train.dataset": data_key, "active_dataset": data_key,
                             "train.preset": preset_name})
    for field, param in share.MODEL_FIELDS.items():
        st.session_state[f"train.{param.name}.{preset_name}"] = values[field]
    st.session_state["_url.train_now"] = True
    st.rerun()


def train_requested_by_link() -> bool:
    """True once after :func:`train_form_from_link` filled in the form."""
    return bool(st.session_state.pop("_url.train_now", False))


# --------------------------------------------------------------------------- guided tour


def tour_ui() -> None:
    """The home page's guided tour: each step, what it shows, and a link that opens it."""
    st.subheader(t("tour.heading"), anchor="tour")
    st.caption(t("tour.intro"))
    for i, step in enumerate(tour.STEPS):
        with st.container(border=True):
            text, link = st.columns([4, 1], vertical_alignment="center")
            text.markdown(f"**{i + 1}. {t(f'tour.{step.id}.title')}**  \n{t(f'tour.{step.id}.look')}")
            link.page_link(step.page, label=t("tour.open"), icon=":material/play_arrow:",
                           query_params=tour.link_params(i))


def tour_banner() -> None:
    """On a page opened from the tour (``?tour=N``): the step, what to look at, previous/next."""
    index = tour.step_from_params(_incoming())
    if index is None:
        return
    step = tour.STEPS[index]
    with st.container(border=True):
        st.markdown(f":material/tour: **{t('tour.step', n=index + 1, total=len(tour.STEPS))} · "
                    f"{t(f'tour.{step.id}.title')}**  \n{t(f'tour.{step.id}.look')}")
        back, forward, done = st.columns(3)
        if index > 0:
            back.page_link(tour.STEPS[index - 1].page, label=t("tour.previous"), icon=":material/arrow_back:",
                           query_params=tour.link_params(index - 1))
        if index + 1 < len(tour.STEPS):
            forward.page_link(tour.STEPS[index + 1].page, label=t("tour.next"),
                              icon=":material/arrow_forward:", query_params=tour.link_params(index + 1))
        done.page_link("app_pages/home.py", label=t("tour.end"), icon=":material/close:")


# --------------------------------------------------------------------------- family


@st.cache_resource
def family_results() -> ModelRegistry:
    """Results of the Family page's comparisons (plain numbers and arrays, no models), shared by
    every session: the same action with the same settings on the same built-in data runs once."""
    return ModelRegistry(max_entries=16)


@st.cache_data(max_entries=32, show_spinner=False)
def family_parameter_counts(n_features: int, n_components: int, hidden_units: tuple[int, ...]) -> dict:
    """Encoder / decoder / total parameters of the dense and the tied autoencoder of one shape."""
    from . import family

    return {kind: family.parameter_split(kind, n_features, n_components, hidden_units)
            for kind in ("dense", "tied")}


class FamilyProgress:
    """A progress bar for one action of the Family page, fed ``progress(phase, done, total)``."""

    def __init__(self):
        self.bar = st.progress(0.0, text=t("family.progress_start"))
        self.started = time.perf_counter()

    def __call__(self, phase: str, done: int, total: int) -> None:
        self.bar.progress(min(done / max(total, 1), 1.0), text=t(
            "family.progress", phase=t_or(f"family.phase_{phase}", phase), done=done, total=total,
            seconds=time.perf_counter() - self.started))


def family_action(key: tuple, work):
    """Run ``work(progress)`` for a Family page action with a progress bar and a training slot, or
    return the result someone already computed for the same ``key``.

    Returns ``(result, seconds)`` (seconds of this call; 0 for a shared result) or ``None`` after an
    ``st.error`` in plain words when the work rejected its input.
    """
    registry = family_results()
    cached = registry.get(key)
    if cached is not None:
        return cached, 0.0
    with exclusive(t("ui.job_training")):
        cached = registry.get(key)  # Someone may have run it while we queued.
        if cached is not None:
            return cached, 0.0
        progress = FamilyProgress()
        try:
            result = work(progress)
        except ValueError as exc:
            st.error(t("family.failed", reason=escape_markdown(exc)), icon=":material/error:")
            return None
        finally:
            progress.bar.empty()
    registry.put(key, result)
    return result, time.perf_counter() - progress.started


def family_reusable_model(data_key: str, kinds: tuple[str, ...]) -> dict | None:
    """This session's current model (or the shipped demo the other pages show) when it was trained
    on the training split of ``data_key`` and is one of ``kinds``: a dict with ``reducer``,
    ``config``, ``id`` (which also tells an interrupted training from a finished one) and ``demo``;
    else None."""
    from . import demo

    current = st.session_state.get("current_model")
    if current is None and data_key in {name for name, _ in demo.DEMOS.values()}:
        current = default_demo()  # loads the shipped demos: only where one could match
    if not current or current.get("data_key") != data_key:
        return None
    key = current["key"]
    if key[:2] != (data_key, "train") or current["config"].kind not in kinds:
        return None
    reducer = lookup_model(key)
    if reducer is None:
        return None
    state = (model_id(key), getattr(reducer, "n_epochs_", 0), getattr(reducer, "stopped_reason_", ""))
    return {"reducer": reducer, "config": current["config"], "id": "-".join(map(str, state)),
            "demo": bool(current.get("demo"))}


def stop() -> None:
    """End this page's run early, after writing its state into the URL: ``st.stop`` discards every
    Streamlit call after it, so ``write_url`` in app.py could not run."""
    write_url()
    st.stop()


# --------------------------------------------------------------------------- reports


def report_downloads_ui(reducer, config: TrainConfig, active: ActiveData, train_idx, test_idx, page: str) -> None:
    """Download a self-contained HTML report of a trained model, and its figures as PNG.

    Both files are made only when clicked (Streamlit runs the callable on its own thread)."""
    ds = active.dataset
    title = t("report.title", kind=config.kind, k=config.n_components, data=ds.name)
    stem = f"{ds.name}_{config.kind}_k{config.n_components}"

    stopped = reason_text(reducer.stopped_reason_)  # t() needs the session: not inside the callables

    def made():
        figs, metrics = report.model_figures(reducer, ds.X, ds.y, image_shape=ds.image_shape,
                                             train_idx=train_idx, test_idx=test_idx)
        metrics.update(epochs=int(reducer.n_epochs_), best_epoch=int(reducer.best_epoch_),
                       stopped=stopped, samples=int(ds.n_samples))
        return figs, metrics

    def html() -> str:
        figs, metrics = made()
        return report.html_report(title, report.config_table(config), metrics, figs)

    def pngs() -> bytes:
        return report.png_zip(made()[0])

    left, right = st.columns(2)
    left.download_button(t("report.html"), html, f"{stem}_report.html", "text/html", key=f"{page}.dl.report",
                         icon=":material/description:", help=t("report.html_help"))
    problem = report.png_available()
    right.download_button(t("report.png"), pngs, f"{stem}_figures.zip", "application/zip",
                          key=f"{page}.dl.png", icon=":material/image:", disabled=problem is not None,
                          help=problem or t("report.png_help"))


def coded_tabs(key: str, labels: dict[str, str]):
    """``st.tabs`` whose open tab is kept as a stable code in ``st.session_state[key]``, so that a
    link (``url_state``) or a language switch opens the right tab. The tabs widget is keyed by the
    language and the code: a new code or language starts it on that tab."""
    code = st.session_state.get(key)
    if code not in labels:
        code = next(iter(labels))
    widget = f"{key}.{language()}.{code}"
    tabs = st.tabs(list(labels.values()), default=labels[code], key=widget, on_change="rerun")
    opened = st.session_state.get(widget)
    st.session_state[key] = next((c for c, label in labels.items() if label == opened), code)
    return tabs


@st.cache_resource(max_entries=8, show_spinner=False)
def thumbnail_map_of(model_key_id: str, method: str, _points: np.ndarray, _images: np.ndarray,
                     image_shape: tuple[int, int], _labels, n_thumbnails: int = 300):
    """The thumbnail map of one 2D view of a model's codes, drawn once (it does not change with
    the colour-by choice, and encoding 300 thumbnails costs ~170 ms a rerun)."""
    return figures.thumbnail_map(_points, _images, image_shape, labels=_labels, n_thumbnails=n_thumbnails)
