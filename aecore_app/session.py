"""This session's models and the server's long jobs.

- :class:`ModelKey` names a trained model in the model stores; :class:`CurrentModel` is the model
  this session works on (``st.session_state["current_model"]``, written only through
  :func:`set_current_model`); :class:`ActiveData` is the dataset a page works on.
- :func:`exclusive` holds one of the server's job slots, saying where a queued job stands;
  :func:`run_exclusive` is how every long job runs: reuse a stored result, else queue, check
  again, compute and store.
- :func:`train_reducer` trains with a live progress bar and loss chart (:class:`LiveTraining`);
  a training cut short is kept by :func:`recover_interrupted`.
"""

from __future__ import annotations

import hashlib
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Callable, TypeVar

import numpy as np
import streamlit as st

from aecore.data import datasets as aedata
from aecore.figures import builders as figures
from aecore.presets import TrainConfig

from . import caches
from .i18n import t
from .layout import reason_text

T = TypeVar("T")


@dataclass(frozen=True)
class ModelKey:
    """Which trained model an entry of the model stores holds.

    Attributes
    ----------
    source : {"train", "run", "zip"}
        ``"train"``: trained in this app on the training split of dataset ``name``; ``"run"``: the
        run called ``name`` in the server's runs folder; ``"zip"``: an uploaded run ZIP whose
        content hash is ``name``.
    name : str
        The dataset's key (source "train"), the run's folder name or the ZIP's hash.
    config : TrainConfig or None
        The settings it was trained with (source "train").
    created : str
        When the run was saved (sources "run" and "zip"): a newer run of the same name is
        another model.
    """

    source: str
    name: str
    config: TrainConfig | None = None
    created: str = ""

    @classmethod
    def trained(cls, data_key: str, config: TrainConfig) -> "ModelKey":
        """The key of a model trained here on ``data_key``'s training split with ``config``."""
        return cls("train", data_key, config)

    @property
    def id(self) -> str:
        """A short, stable text id: the cache key for this model's codes and views."""
        return hashlib.sha256(repr(self).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CurrentModel:
    """The model this session works on, and the dataset whose rows it encodes."""

    key: ModelKey
    data_key: str
    config: TrainConfig
    preset: str | None = None  # the Train page's preset it came from: links name it
    demo: bool = False  # a demo run shipped with the app
    scaling: str | None = None  # how a run's training data were scaled (None: its dataset's, or unknown)


@dataclass
class ActiveData:
    """The dataset a page works on, with the key that identifies it in caches."""

    key: str
    dataset: aedata.Dataset
    shared: bool  # True for built-ins (models may be shared); False for a person's upload.


@dataclass(frozen=True)
class _Training:
    """A training in progress: kept in the session so that a rerun that cuts it short keeps it."""

    model: CurrentModel
    reducer: object


def current_model() -> CurrentModel | None:
    """This session's current model, if it has one."""
    return st.session_state.get("current_model")


def set_current_model(model: CurrentModel) -> None:
    """Make ``model`` this session's current model."""
    st.session_state["current_model"] = model


def session_models() -> caches.ModelRegistry:
    """Models that belong to this browser session only (uploads, interrupted trainings, runs)."""
    if "session_models" not in st.session_state:
        st.session_state["session_models"] = caches.ModelRegistry(max_entries=4)
    return st.session_state["session_models"]


def lookup_model(key: ModelKey):
    """A trained model by key: this session's, the shared cache's, or a shipped demo run."""
    found = session_models().get(key) or caches.model_registry().get(key)
    if found is None and key.source == "train" and key.name in aedata.BUILTIN_DATASETS:
        found = caches.demo_models().get((key.name, key.config))
    return found


def default_demo() -> CurrentModel | None:
    """The first shipped demo (the Train page's defaults) as a current model, or None."""
    from aecore.runs import demo

    for data_key, preset_name in demo.DEMOS.values():
        config = demo.form_config(preset_name)
        if caches.demo_models().get((data_key, config)) is not None:
            return CurrentModel(ModelKey.trained(data_key, config), data_key, config, preset_name, demo=True)
    return None


def recover_interrupted():
    """A training cut short by a rerun (Stop button, page change) left its reducer in the session:
    keep it (best weights so far) as this session's current model. Returns it, or None."""
    pending = st.session_state.pop("training", None)
    if pending is None:
        return None
    reducer = pending.reducer
    if getattr(reducer, "n_epochs_", 0) < 1:
        return None
    reducer.stopped_reason_ = "stopped"
    session_models().put(pending.model.key, reducer)
    set_current_model(pending.model)
    return reducer


# --------------------------------------------------------------------------- long jobs


def _job_owner():
    """Whose job this is: this Streamlit session (None outside a script run). Two runs of one
    session overlap after a rerun (fastReruns starts the new run while the old one unwinds)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return None if ctx is None else ctx.session_id


def queue_message(what: str, position: int, own_job_running: bool) -> str:
    """What a queued job says while it waits: for its own session's earlier job, or its place."""
    if own_job_running:
        return t("jobs.own_job_running", what=what)
    return t("ui.queued", what=what, position=position, n=caches.MAX_CONCURRENT_JOBS)


@contextmanager
def exclusive(what: str):
    """Hold one of the server's job slots for the ``with`` block. While queued, say where this
    job is in the queue; Stop, a widget change or a closed tab gives the place up (Streamlit
    raises inside the message update), and a slot is never kept by a job that was stopped.

    A session runs one job at a time: a second one (a rerun that started while the first is still
    unwinding, another widget) waits until the first has really returned. Nested work in a slot
    this thread holds reuses it (the pool knows its holders; see :meth:`SlotPool.slot`)."""
    pool = caches.job_slots()
    if pool.held_by_this_thread():  # nested work: no queue message, no second slot
        yield
        return
    owner = _job_owner()
    note = st.empty()

    def waiting(position: int) -> None:
        note.info(queue_message(what, position, pool.holds(owner)), icon=":material/hourglass_top:")

    with pool.slot(on_wait=waiting, owner=owner):
        note.empty()
        yield


def run_exclusive(registry: caches.ModelRegistry, key, what: str, work: Callable[[], T], *,
                  queue: bool = True) -> T:
    """The result ``registry`` holds for ``key``, else ``work()`` run in one of the server's job
    slots (``what`` names it while it queues) and stored there.

    The registry is read again once the slot is taken: someone may have computed the same result
    while this session queued. ``queue=False`` runs short work at once, without a slot. An
    exception from ``work`` stores nothing and reaches the caller.
    """
    found = registry.get(key)
    if found is not None:
        return found
    # The same work asked for by several sessions at once (a class on one link opening the same
    # map) runs once: the others wait for its result instead of computing it in the other slot.
    # Work nested in a slot this thread holds never waits on another computation (no deadlock).
    nested = caches.job_slots().held_by_this_thread()
    while not nested and (flight := registry.claim(key)) is not None:
        _wait_for_other(flight, what)
        found = registry.get(key)
        if found is not None:
            return found
        # That computation failed or was stopped: claim it again (perhaps to compute it here).
    try:
        return _compute_exclusive(registry, key, what, work, queue)
    finally:
        if not nested:
            registry.release(key)


def _wait_for_other(flight, what: str) -> None:
    """Wait until another session's computation of the same result ends; a Stop, a widget change
    or a closed tab interrupts the wait (Streamlit raises inside the message update)."""
    note = st.empty()
    try:
        while not flight.wait(0.25):
            note.info(t("jobs.same_work", what=what), icon=":material/hourglass_top:")
    finally:
        note.empty()


def _compute_exclusive(registry, key, what: str, work: Callable[[], T], queue: bool) -> T:
    """``work()`` in a job slot (or at once without ``queue``) unless the registry has it by then."""
    with exclusive(what) if queue else nullcontext():
        found = registry.get(key)
        if found is None:
            found = work()
            registry.put(key, found)
    return found


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


def train_reducer(active: ActiveData, config: TrainConfig, X: np.ndarray):
    """Return a trained reducer for (dataset, config): from the shared cache if someone already
    trained it, else trained here with live progress. A person's uploads stay in their session.

    The budget is checked first (``ValueError`` before anything is built), then the training
    waits for a job slot. Interruptions (Stop, leaving the page, a closed tab) keep the best
    weights so far in the session.
    """
    key = ModelKey.trained(active.key, config)
    registry = caches.model_registry() if active.shared else session_models()
    cached = registry.get(key) or (caches.demo_models().get((key.name, key.config)) if active.shared else None)
    if cached is not None:
        return cached
    reducer = config.to_reducer(image_shape=active.dataset.image_shape)
    estimate = reducer.training_estimate(*X.shape)
    # The maps will show every row's code, not only the training rows': compiles while the model trains.
    caches.start_umap_warmup_for(active.dataset.n_samples, reducer.n_components)
    live = None

    def work():
        nonlocal live
        live = LiveTraining(reducer.resolved_params()["total_epochs"], estimate.seconds)
        st.session_state["training"] = _Training(CurrentModel(key, active.key, config), reducer)
        try:
            reducer.fit(X, progress=live)
        except ValueError:
            st.session_state.pop("training", None)
            raise
        return reducer

    trained = run_exclusive(registry, key, t("ui.job_training"), work)
    st.session_state.pop("training", None)
    if live is None:  # someone trained the same model while we queued: use theirs
        return trained
    message = t("ui.trained", n=reducer.n_epochs_, seconds=time.perf_counter() - live.started,
                reason=reason_text(reducer.stopped_reason_))
    if reducer.stopped_reason_ == "nan":
        live.done(message + t("ui.lower_learning_rate"), warning=True)
    else:
        live.done(message)
    return trained
