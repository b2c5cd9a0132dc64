"""The Family page's shared parts: the data every tab works on (:func:`family_data_ui`), running
an action once for everyone with a progress bar in a job slot (:func:`run_action`), the result a
tab keeps in the session, and the small widgets each tab repeats. The tabs themselves are in
``aecore_app/app_pages/family_tabs/``."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import streamlit as st

from aecore.data import datasets as aedata
from aecore import params
from aecore.presets import TrainConfig

from . import caches, page, session
from .i18n import t, t_or
from .layout import escape_markdown

DATASETS = ("mnist_sample", "digits")


@dataclass(frozen=True)
class FamilyData:
    """The built-in dataset the Family page compares models on, its split and the hidden layers."""

    key: str
    dataset: aedata.Dataset
    hidden_units: tuple[int, ...]

    # The split when an action needs it: scikit-learn makes it, and its import (a second of a cold
    # server) is not worth a first view that only counts the rows.
    @property
    def train_idx(self) -> np.ndarray:
        return caches.split_indices(self.key, self.dataset.n_samples, self.dataset)[0]

    @property
    def test_idx(self) -> np.ndarray:
        return caches.split_indices(self.key, self.dataset.n_samples, self.dataset)[1]

    @property
    def n_train(self) -> int:
        return self.dataset.n_samples - self.n_test

    @property
    def n_test(self) -> int:
        return aedata.held_out_rows(self.dataset.n_samples)

    @property
    def n_classes(self) -> int:
        """Classes among the labels (a stratified split keeps each of them in the training rows)."""
        return len(np.unique(self.dataset.y))

    @property
    def X_train(self) -> np.ndarray:
        return self.dataset.X[self.train_idx]

    @property
    def X_test(self) -> np.ndarray:
        return self.dataset.X[self.test_idx]

    @property
    def y_train(self) -> np.ndarray:
        return self.dataset.y[self.train_idx]

    @property
    def y_test(self) -> np.ndarray:
        return self.dataset.y[self.test_idx]

    @property
    def small(self) -> bool:
        """scikit-learn's digits: more epochs cost only seconds."""
        return self.dataset.n_samples < 3000

    @property
    def jit(self) -> bool:
        """XLA's compilation costs more than it saves on small data."""
        return not self.small


def family_data_ui() -> FamilyData:
    """The dataset and hidden-units pickers, and the data they name (stops the page when the
    dataset cannot be loaded)."""
    c1, c2 = st.columns([2, 1])
    # Start on the dataset the other pages use when it is one of ours.
    # Labels are built here: AppTest calls format_func outside the session, where t() cannot see the language.
    dataset_names = {name: t(f"family.dataset_{name}") for name in DATASETS}
    active = st.session_state.get("active_dataset")
    data_key = c1.selectbox(t("family.dataset"), DATASETS, format_func=dataset_names.get,
                            index=DATASETS.index(active) if active in DATASETS else 0, key="family.dataset")
    hidden_setting, default = params.FAMILY_HIDDEN_UNITS, params.HIDDEN_UNITS
    hidden_text = c2.text_input(t("family.hidden_units"), ",".join(map(str, default)), key="family.hidden",
                                help=t("family.hidden_units_help"))
    try:
        hidden = params.parse_text(hidden_setting, hidden_text)
    except ValueError:
        st.error(t("family.bad_hidden", text=escape_markdown(hidden_text, 40), layers=hidden_setting.max_items,
                   units=int(hidden_setting.high), default=",".join(map(str, default))))
        hidden = default
    try:
        ds = caches.builtin_dataset(data_key)
    except ValueError as exc:
        st.error(str(exc))
        page.stop()
    data = FamilyData(data_key, ds, hidden)
    st.caption(t("family.data_caption", train=data.n_train, test=data.n_test, features=ds.n_features))
    return data


# --------------------------------------------------------------------------- actions and results


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
    """Run ``work(progress)`` for a Family page action with a progress bar and a job slot, or
    return the result someone already computed for the same ``key``.

    Returns ``(result, seconds)`` (seconds of this call; 0 for a shared result) or ``None`` after an
    ``st.error`` in plain words when the work rejected its input.
    """
    progress = None

    def run():
        nonlocal progress
        progress = FamilyProgress()
        try:
            return work(progress)
        finally:
            progress.bar.empty()

    try:
        result = session.run_exclusive(caches.family_results(), key, t("ui.job_training"), run)
    except ValueError as exc:
        st.error(t("family.failed", reason=escape_markdown(exc)), icon=":material/error:")
        return None
    return result, (0.0 if progress is None else time.perf_counter() - progress.started)


def run_action(tab: str, data: FamilyData, settings: dict, work) -> None:
    """Run (or fetch) one action and keep its result in the session."""
    outcome = family_action((tab, data.key, tuple(sorted(settings.items()))), work)
    if outcome is not None:
        result, seconds = outcome
        st.session_state.setdefault("_family.results", {})[(tab, data.key)] = {
            "settings": settings, "result": result, "seconds": seconds}


def stored_result(tab: str, data: FamilyData) -> dict | None:
    """This session's last result of a tab on the current dataset (it survives reruns)."""
    return st.session_state.get("_family.results", {}).get((tab, data.key))


@dataclass(frozen=True)
class ReusableModel:
    """A trained model a Family tab can reuse; ``id`` also tells an interrupted training from a
    finished one (it names the result it leads to)."""

    reducer: object
    config: TrainConfig
    id: str
    demo: bool


def family_reusable_model(data_key: str, kinds: tuple[str, ...]) -> ReusableModel | None:
    """This session's current model (or the shipped demo the other pages show) when it was trained
    on the training split of ``data_key`` and is one of ``kinds``; else None."""
    from aecore.runs import demo

    current = session.current_model()
    if current is None and data_key in {name for name, _ in demo.DEMOS.values()}:
        current = session.default_demo()  # loads the shipped demos: only where one could match
    if not current or current.data_key != data_key:
        return None
    key = current.key
    if (key.source, key.name) != ("train", data_key) or current.config.kind not in kinds:
        return None
    reducer = session.lookup_model(key)
    if reducer is None:
        return None
    state = (key.id, getattr(reducer, "n_epochs_", 0), getattr(reducer, "stopped_reason_", ""))
    return ReusableModel(reducer, current.config, "-".join(map(str, state)), current.demo)


# --------------------------------------------------------------------------- small widgets


def timing_caption(entry: dict, own_seconds: float) -> None:
    """How long the action took, or that another session had already computed it."""
    if entry["seconds"] > 0:
        st.caption(t("family.took", seconds=entry["seconds"]))
    else:
        st.caption(t("family.shared_result", seconds=own_seconds))


def latent_input(tab: str, data: FamilyData, default: int) -> int:
    """The latent size of one tab's models (kept per dataset)."""
    n_features = data.dataset.n_features
    return st.number_input(t("family.latent_size"), 1, n_features - 1, min(default, n_features - 1),
                           key=f"family.{tab}.k.{data.key}")


def theory(name: str) -> None:
    """The tab's "what is this" expander."""
    with st.expander(t("family.what"), expanded=False):
        st.markdown(t(f"family.{name}_theory"))


def press_button_or(tab: str, data: FamilyData) -> dict | None:
    """The tab's stored result, or None after asking the person to press the button."""
    entry = stored_result(tab, data)
    if entry is None:
        st.info(t("family.press_button"))
    return entry
