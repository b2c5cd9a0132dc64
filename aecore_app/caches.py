"""Every Streamlit cache of the app (``st.cache_data`` and ``st.cache_resource``), each
bounded and keyed by plain names and ids (a dataset's name, a model's id, a method), never by a
live model or a big array: those are passed as ``_unhashed`` arguments. Also the process-wide
stores built on them: the shared models, the job slots, the map views, the clusterings and the
Family page's results, the whole-data passes and the Digit page's references.

Nothing from a cache is mutated or refitted: every session shares it.

The same work asked for by many sessions at once runs once: Streamlit's caches hold a lock per
key while they compute a missing value (the others wait, stoppable), and the stores below get
the same from :func:`aecore_app.session.run_exclusive` (:meth:`ModelRegistry.claim`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
import streamlit as st

from aecore.data import datasets as aedata
from aecore.figures import builders as figures

from . import idle
from .i18n import t
from .slots import SlotPool

#: Long jobs (trainings, clusterings, large maps, image decoding) that run at once on the server.
MAX_CONCURRENT_JOBS = 2
#: Trained models on built-in data kept for every session.
SHARED_MODELS = 8


class ModelRegistry:
    """A bounded, thread-safe LRU of trained reducers (or results) shared by every session.

    Entries are read-only once stored: sessions encode and decode with them, never refit.
    """

    def __init__(self, max_entries: int = SHARED_MODELS):
        self.max_entries = max_entries
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        # Keys being computed now, each with an Event set when its computation ends (stored or not).
        self._flights: dict = {}

    def claim(self, key) -> threading.Event | None:
        """Claim the computation of ``key``: None when this caller is now the one computing it
        (it must call :meth:`release` when done, stored or not), else the Event that another
        caller's computation sets when it ends (then read the registry again)."""
        with self._lock:
            flight = self._flights.get(key)
            if flight is None:
                self._flights[key] = threading.Event()
            return flight

    def release(self, key) -> None:
        """End this caller's computation of ``key`` (see :meth:`claim`): its waiters wake."""
        with self._lock:
            flight = self._flights.pop(key, None)
        if flight is not None:
            flight.set()

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

    def keys(self) -> list:
        """The keys held now, least recently used first (a copy: safe to iterate)."""
        with self._lock:
            return list(self._items)


# --------------------------------------------------------------------------- data


@st.cache_resource(max_entries=4, show_spinner=False)
def _load_builtin_dataset(name: str) -> aedata.Dataset:
    return aedata.load_dataset(name)


def builtin_dataset(name: str) -> aedata.Dataset:
    """A built-in dataset, loaded once per process and shared read-only."""
    with st.spinner(t("ui.loading_dataset")):  # the cache's own spinner text cannot be translated
        return _load_builtin_dataset(name)


def builtin_n_features(name: str) -> int:
    """The width of a built-in dataset, read from the shared copy (never a download)."""
    return aedata.builtin_n_features(name, builtin_dataset)


@st.cache_data(max_entries=32, show_spinner=False)
def split_indices(dataset_key: str, n_samples: int, _dataset: aedata.Dataset,
                  test_fraction: float = 0.2, seed: int = 0):
    """Train/test row indices for a dataset (keyed by name, never by the array)."""
    return aedata.train_test_split(_dataset, test_fraction=test_fraction, seed=seed)


# --------------------------------------------------------------------------- shared stores


@st.cache_resource(max_entries=1)
def model_registry() -> ModelRegistry:
    """The process-wide store of trained models, keyed by :class:`aecore_app.session.ModelKey`."""
    return ModelRegistry()


#: The process's one pool of job slots (see job_slots).
_JOB_SLOTS: list[SlotPool] = []
_JOB_SLOTS_LOCK = threading.Lock()


def job_slots() -> SlotPool:
    """At most MAX_CONCURRENT_JOBS long jobs (trainings, clusterings, large maps, image
    decoding) run at once across all sessions; the others queue, first come first served.

    One pool per process, in a module global rather than ``st.cache_resource``: clearing
    Streamlit's caches (any visitor's browser can ask for it) made a new, empty pool while the old
    one's jobs kept running, so more jobs ran at once. With ``AECORE_LOG_JOBS=1`` the pool's takes
    and releases are printed to stderr (bench/ reads them)."""
    with _JOB_SLOTS_LOCK:
        if not _JOB_SLOTS:
            _log_jobs_to_stderr()
            _JOB_SLOTS.append(SlotPool(MAX_CONCURRENT_JOBS))
        return _JOB_SLOTS[0]


def _log_jobs_to_stderr() -> None:
    """When AECORE_LOG_JOBS=1, print the job-slot log (INFO) to stderr, with one handler per process."""
    import logging
    import os
    import sys

    from .slots import JOBS_LOGGER

    if os.environ.get("AECORE_LOG_JOBS") != "1":
        return
    logger = logging.getLogger(JOBS_LOGGER)
    if not any(getattr(handler, "_aecore_jobs", False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        handler._aecore_jobs = True
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


@st.cache_resource(max_entries=1, show_spinner=False)
def demo_models() -> dict:
    """The demo runs shipped in ``demo_runs/`` (see :mod:`aecore.runs.demo`), by ``(dataset, config)``;
    read once per process and never evicted, so the default views never wait on training. Each is
    a :class:`aecore.runs.demo.DemoModel`: described from its JSON, its network built (TensorFlow
    imported) only when a page runs it, once per process for every session."""
    from aecore.runs import demo

    return {(data_key, config): model
            for data_key, _, config, model in demo.describe_all(on_load=freeze_long_lived_objects)}


@st.cache_resource(max_entries=1)
def map_views() -> ModelRegistry:
    """Views of models' codes shared by every session, keyed by plain values (model id, method,
    dimensions, seed, row limit). A bounded cache rather than ``st.cache_data``, which would replay
    the queue's messages: a cached view must be read without waiting for a slot."""
    return ModelRegistry(max_entries=32)


@st.cache_resource(max_entries=1)
def compared_runs() -> ModelRegistry:
    """Runs of the server's runs folder that the Compare page loaded, keyed by their
    :class:`aecore_app.session.ModelKey` (source "run"), and each model's comparison yardsticks.
    Shared read-only by every session (the folder is the server's); kept apart from
    :func:`model_registry` so that comparing never evicts someone's trained model."""
    return ModelRegistry(max_entries=8)


@st.cache_resource(max_entries=1)
def cluster_results() -> ModelRegistry:
    """Clusterings of the Clusters page (labels, centres, scores; no models) shared by every
    session, keyed by plain values (model id, space, method, clusters, restarts). A bounded cache
    rather than ``st.cache_data``, which would replay the queue's messages."""
    return ModelRegistry(max_entries=32)


@st.cache_resource(max_entries=1)
def family_results() -> ModelRegistry:
    """Results of the Family page's comparisons (plain numbers and arrays, no models), shared by
    every session: the same action with the same settings on the same built-in data runs once."""
    return ModelRegistry(max_entries=16)


@st.cache_resource(max_entries=1)
def model_passes() -> ModelRegistry:
    """Codes and per-row errors of every row (:mod:`aecore_app.passes`), keyed by (what, model id):
    a few MB each (200,000 x 10 codes: 8 MB)."""
    return ModelRegistry(max_entries=32)


@st.cache_resource(max_entries=1)
def held_out_reconstructions() -> ModelRegistry:
    """Whole reconstructions of a model's held-out rows (37 MB for 12,000 MNIST rows): a few only."""
    return ModelRegistry(max_entries=4)


@st.cache_resource(max_entries=1)
def digit_references() -> ModelRegistry:
    """What drawn digits are compared with, per model (PCA, KMeans, neighbour indexes), shared by
    every session; a bounded store read without a slot once it holds a model's reference
    (:mod:`aecore_app.digit_ui`)."""
    return ModelRegistry(max_entries=4)


# --------------------------------------------------------------------------- derived arrays
# (codes and reconstruction errors of every row: aecore_app.passes, stored in model_passes)


@st.cache_resource(max_entries=8, show_spinner=False)
def pca_baseline_of(dataset_key: str, n_components: int, _X: np.ndarray, _train_idx: np.ndarray,
                    _test_idx: np.ndarray):
    """PCA's held-out baseline for a dataset's split (``_X``'s rows ``_train_idx`` and
    ``_test_idx``), fitted once per (dataset, k) and shared read-only: refitting it on every visit
    cost ~1.5 s of server time per page view, ~15 s with six people on the server
    (the retired browser load test; BENCHMARKS.md, "Retired benchmarks"). The rows are copied out only to fit it (150 MB at 60,000 rows)."""
    from aecore.metrics import pca_baseline

    return pca_baseline(_X[_train_idx], n_components, _X[_test_idx])


@st.cache_resource(max_entries=8, show_spinner=False)
def thumbnail_map_of(view_key: str, method: str, _view, _X: np.ndarray, image_shape: tuple[int, int], _y,
                     n_thumbnails: int = 300, background: str = "light"):
    """The thumbnail map of one 2D view (an :class:`aecore_app.analyses.MapView`) of a model's codes
    with the images of its rows ``_X`` (labels ``_y``), drawn once: it does not change with the
    colour-by choice, and encoding 300 thumbnails costs ~170 ms a rerun. Its markers are the
    points the view's map draws (``_view.drawn()``); ``background`` is the page's theme (its strokes'
    colour)."""
    drawn = _view.drawn()
    if drawn is None and not _view.sampled:  # every row, in order: no copy of the images
        return figures.thumbnail_map(_view.points, _X, image_shape, labels=_y, n_thumbnails=n_thumbnails,
                                     background=background)
    points = _view.points if drawn is None else _view.points[drawn]
    rows = _view.ids if drawn is None else _view.ids[drawn]
    return figures.thumbnail_map(points, _X[rows], image_shape, labels=None if _y is None else _y[rows],
                                 n_thumbnails=n_thumbnails, background=background)


@st.cache_data(max_entries=64, show_spinner=False)  # two floats an entry; recomputing one costs ~1 s
def view_scores_of(view_key: str, _view, _X: np.ndarray, _y) -> tuple[float, float | None]:
    """Trustworthiness (against the data's rows) and kNN accuracy (of the labels; ``None`` without
    labels) of one map view, keyed by the view's key (model, method, map settings, budget)."""
    from aecore.metrics import knn_accuracy, trustworthiness

    if _view.scores is not None:  # a shipped demo's first map came with them (aecore.runs.demo_views)
        trust, knn = _view.scores
        return trust, None if _y is None else knn
    trust = float(trustworthiness(_view.take(_X), _view.points))
    return trust, None if _y is None else float(knn_accuracy(_view.points, _view.take(_y)))


@st.cache_data(max_entries=32, show_spinner=False)
def family_parameter_counts(n_features: int, n_components: int, hidden_units: tuple[int, ...]) -> dict:
    """Encoder / decoder / total parameters of the dense and the tied autoencoder of one shape."""
    from aecore.experiments import family

    return {kind: family.parameter_split(kind, n_features, n_components, hidden_units)
            for kind in ("dense", "tied")}


@st.cache_resource(max_entries=1)
def label_agreements() -> ModelRegistry:
    """How often a row's nearest neighbours in code and in input space share its label
    (:func:`aecore.maps.neighbours.label_agreement`: two numbers), per (model id, k, queries),
    shared by every session. A store read before a job slot is asked for: with a cache inside
    the slot, every session of a class queued for a slot only to read the same two numbers."""
    return ModelRegistry(max_entries=16)


# --------------------------------------------------------------------------- once per process

_WARMUP: dict = {}
_WARMUP_LOCK = threading.Lock()


#: glibc malloc arenas the server process uses (unless its owner set ``MALLOC_ARENA_MAX``).
MALLOC_ARENAS = 2
_ARENAS: dict = {}


def limit_malloc_arenas() -> bool:
    """Cap glibc's malloc arenas at :data:`MALLOC_ARENAS` for the server process, once (Linux; a
    no-op elsewhere). Every script run is a new thread, glibc gives threads their own arenas (up
    to 8 per core), and memory freed in one stays with the process: a tour of every page at
    60,000 rows peaked at 2,519 MB with glibc's default and 2,315 MB with 2 arenas
    (bench/scale_pages.py, MALLOC_ARENA_MAX=2). True when the cap is in force."""
    import ctypes
    import os

    if "set" not in _ARENAS:
        if os.environ.get("MALLOC_ARENA_MAX"):
            _ARENAS["set"] = True  # the owner's own setting stands
        else:
            try:
                _ARENAS["set"] = ctypes.CDLL("libc.so.6").mallopt(-8, MALLOC_ARENAS) == 1  # -8: M_ARENA_MAX
            except (OSError, AttributeError):
                _ARENAS["set"] = False
    return _ARENAS["set"]


def freeze_long_lived_objects() -> None:
    """Move everything alive now (TensorFlow, the demo models, UMAP's compiled code) out of the
    garbage collector's reach. Streamlit collects after every script run, and with TensorFlow
    loaded one full collection took ~270 ms: most of a rerun that only changes a colour."""
    import gc

    gc.freeze()


def start_umap_warmup(approximate: bool = False) -> threading.Thread:
    """Compile UMAP's numba code in the background once per server process, so the first UMAP
    view a person asks for does not pay ~30 s of compilation. (A module-level flag, not a cache:
    clearing Streamlit's caches must not start it again.) ``approximate``: nearest-neighbour
    descent's code, which only maps above the exact budget need (started when such a model is
    trained or shown, so that the compilation overlaps the training). The exact path's waits for a
    pause between script runs (:mod:`aecore_app.idle`) and imports scikit-learn there."""
    from aecore.maps import knn, projection

    name = "approximate" if approximate else "thread"
    with _WARMUP_LOCK:
        if name not in _WARMUP:
            # scikit-learn first, with no page importing it beside (see aecore_app.idle): in a pause
            # between runs, or here in the page's thread for the approximate path, which a training
            # starts to overlap it. umap-learn and numba load in the thread, after the page's run.
            if approximate:
                knn.import_umap_dependencies()

            def warm_up() -> None:
                if not approximate:
                    with idle.between_runs():
                        knn.import_umap_dependencies()
                projection.import_umap()
                projection.warm_up_umap(approximate=approximate)
                freeze_long_lived_objects()

            _WARMUP[name] = threading.Thread(target=warm_up, name=f"umap-warmup-{name}", daemon=True)
            _WARMUP[name].start()
    return _WARMUP[name]


def start_umap_warmup_for(n_rows: int, n_features: int) -> None:
    """Start the warm-up that UMAP maps of ``n_rows`` codes of size ``n_features`` need:
    nearest-neighbour descent above the exact budget (e.g. 60,000 codes of size 10)."""
    from aecore.maps import projection

    if projection.approximate_neighbors(n_rows, n_features):
        start_umap_warmup(approximate=True)


@st.cache_resource(max_entries=1, show_spinner=False)
def forming_history():
    """The home page's picture: the shipped demo's latent space after each epoch, and its labels
    (NumPy only; shared by every session, read once per server)."""
    from aecore.runs import demo

    return demo.forming_history()


#: Epochs the home page's picture plays (of the demo's 48): every visitor's first page carries it,
#: and each frame is 1,000 points more to send (bench.class_load: the picture was most of the home
#: page's time with 20 visitors at once).
HOME_PICTURE_FRAMES = 16


@st.cache_resource(max_entries=4, show_spinner=False)
def forming_picture(epoch_label: str, frame_title: str):
    """The home page's picture as a figure, built once per language (the labels name it) and shared:
    Streamlit copies a figure to send it and never changes it. None without the demo's history."""
    from aecore.figures import animation as figures_animation

    found = forming_history()
    if found is None:
        return None
    history, labels = found
    fig = figures_animation.latent_animation(history, labels, axis_titles=("PC1", "PC2"), epoch_label=epoch_label,
                                             frame_title=frame_title, max_frames=HOME_PICTURE_FRAMES)
    fig.update_layout(height=460, margin={"t": 60, "b": 10})
    return fig, history.n_rows, len(fig.frames), int(history.epochs[-1])
