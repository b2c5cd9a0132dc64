"""The Compare page's parts: one list of every model a person can compare (shipped demos, runs in
the server's runs folder, models trained in this session or shared by the server), each loaded
without touching the session's current model, and the comparison's tables and figures.

A choice has a stable text id a link can carry: ``demo:<name>``, ``run:<folder>`` or
``model:<ModelKey.id>`` (found by scanning this session's and the shared store's keys).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import streamlit as st

from aecore import compare
from aecore.figures import builders as figures, compare as figures_compare
from aecore.data import datasets as aedata
from aecore.params import CONFIG_SETTINGS
from aecore.runs.demo import form_config
from aecore.presets import TrainConfig

from . import caches, session
from .i18n import t, t_or
from .layout import escape_markdown
from .passes import shipped_views
from .runs_ui import demo_run_names, run_list
from .session import ActiveData, ModelKey

SEED = 0


@dataclass(frozen=True)
class Choice:
    """One model a person can pick: its link id, its label, the data it encodes and its settings."""

    id: str
    label: str
    data_key: str
    config: TrainConfig
    created: str = ""  # runs: when it was saved (a newer run of the same name is another model)


@dataclass(frozen=True)
class ComparedModel:
    """A chosen model, loaded: ``id`` is its :class:`ModelKey` id, the key of its cached results."""

    choice: Choice
    reducer: object
    id: str


@dataclass(frozen=True)
class Comparison:
    """Both models' yardsticks on the same rows of one dataset."""

    active: ActiveData
    test_idx: np.ndarray
    sample_idx: np.ndarray  # positions within test_idx
    map_rows: np.ndarray
    a: compare.Yardsticks
    b: compare.Yardsticks


# --------------------------------------------------------------------------- choices


def _demo_key(name: str) -> tuple[str, TrainConfig]:
    from aecore.runs import demo

    data_key, preset_name = demo.DEMOS[name]
    return data_key, form_config(preset_name)


def model_choices() -> dict[str, Choice]:
    """Every model a person can compare, by link id: shipped demos, runs of the runs folder, then
    the models trained in this session or shared (the current model marked)."""
    choices: dict[str, Choice] = {}
    for name in demo_run_names():
        data_key, config = _demo_key(name)
        choices[f"demo:{name}"] = Choice(f"demo:{name}", t("compare.choice_demo", name=name, data=data_key),
                                         data_key, config)
    for info in run_list()[0]:
        choices[f"run:{info.name}"] = Choice(
            f"run:{info.name}", t("compare.choice_run", name=info.name, kind=info.kind, k=info.n_components,
                                  data=info.dataset),
            info.dataset, info.config or TrainConfig(n_components=info.n_components), info.created)
    current = session.current_model()
    demo_keys = {ModelKey.trained(*_demo_key(name)) for name in demo_run_names()}
    for key in _stored_keys():
        if key in demo_keys:
            continue
        if key.source == "train" and key.config is not None:
            data_key, config = key.name, key.config
        elif current is not None and current.key == key:  # an opened run or ZIP: its data are known
            data_key, config = current.data_key, current.config
        else:
            continue
        choices[f"model:{key.id}"] = Choice(f"model:{key.id}", t("compare.choice_model", kind=config.kind,
                                                                  k=config.n_components, data=data_key),
                                            data_key, config)
    mine = current_choice_id(choices)
    if mine is not None:
        choices[mine] = replace(choices[mine], label=t("compare.current", label=choices[mine].label))
    return choices


def _stored_keys() -> list[ModelKey]:
    """The model keys of this session's store and the shared one, newest first, each once."""
    keys = session.session_models().keys()[::-1] + caches.model_registry().keys()[::-1]
    return list(dict.fromkeys(key for key in keys if isinstance(key, ModelKey)))


def current_choice_id(choices: dict[str, Choice]) -> str | None:
    """The id of this session's current model (or the default demo) among ``choices``."""
    current = session.current_model() or session.default_demo()
    if current is None:
        return None
    if current.demo:
        for choice_id, choice in choices.items():
            if choice_id.startswith("demo:") and (choice.data_key, choice.config) == (current.data_key,
                                                                                     current.config):
                return choice_id
    found = f"model:{current.key.id}"
    return found if found in choices else None


def default_pair_ui(choices: dict[str, Choice]) -> None:
    """Choose A and B when a link did not (or named a model no longer listed): the current model
    against another demo of the same data, else another model of the same data, else any other."""
    ids = list(choices)
    a = st.session_state.get("compare.a")
    if a not in choices:
        a = current_choice_id(choices) or ids[0]
        st.session_state["compare.a"] = a
    if st.session_state.get("compare.b") not in choices:
        others = [c for c in ids if c != a]
        same = [c for c in others if choices[c].data_key == choices[a].data_key]
        demos = [c for c in same if c.startswith("demo:")]
        st.session_state["compare.b"] = (demos or same or others or [a])[0]


# --------------------------------------------------------------------------- loading


def load_model_ui(choice: Choice) -> ComparedModel | None:
    """The chosen model, loaded without changing the current model; None after an st.error."""
    source, _, name = choice.id.partition(":")
    if source == "demo":
        with st.spinner(t("compare.loading_demos")):
            reducer = caches.demo_models().get((choice.data_key, choice.config))
        if reducer is None:
            st.error(t("runs.demo_missing", name=escape_markdown(name, 80)))
            return None
        return ComparedModel(choice, reducer, ModelKey.trained(choice.data_key, choice.config).id)
    if source == "run":
        return _load_run_ui(choice, name)
    for key in _stored_keys():
        if key.id == name:
            reducer = session.lookup_model(key)
            if reducer is not None:
                return ComparedModel(choice, reducer, key.id)
    st.error(t("compare.model_gone", label=escape_markdown(choice.label, 120)))
    return None


def _load_run_ui(choice: Choice, name: str) -> ComparedModel | None:
    """A run of the runs folder: opened in this session already, loaded by someone, or loaded now
    (seconds: in one of the server's job slots, with a spinner)."""
    from aecore.runs import loading as runs

    key = ModelKey("run", name, created=choice.created)
    root = runs.runs_root()

    def work():
        with st.spinner(t("compare.loading_run", name=escape_markdown(name, 80))):
            return runs.load_run(runs.resolve_run(root, name), root=root)[0]

    try:
        reducer = session.session_models().get(key) or session.run_exclusive(
            caches.compared_runs(), key, t("compare.job_loading"), work)
    except ValueError as exc:
        st.error(t("ui.run_failed", error=escape_markdown(str(exc).replace(root, "…"))))
        return None
    data_key, n_features = choice.data_key, int(reducer.n_features_in_)
    if data_key in aedata.BUILTIN_DATASETS and n_features != caches.builtin_n_features(data_key):
        st.error(t("runs.wrong_features", name=escape_markdown(name, 80), dataset=escape_markdown(data_key, 80),
                   n=n_features, expected=caches.builtin_n_features(data_key)))
        return None
    return ComparedModel(choice, reducer, key.id)


def pair_data_ui(a: ComparedModel, b: ComparedModel) -> ActiveData | None:
    """The dataset both models encode; None after an st.error when they were trained on different
    data, or when the data of an upload are no longer in this session."""
    if a.choice.data_key != b.choice.data_key:
        st.error(t("compare.different_data", a=escape_markdown(a.choice.data_key, 80),
                   b=escape_markdown(b.choice.data_key, 80)), icon=":material/block:")
        return None
    data_key = a.choice.data_key
    if data_key in aedata.BUILTIN_DATASETS:
        active = ActiveData(data_key, caches.builtin_dataset(data_key), shared=True)
    else:
        active = st.session_state.get("upload")
        if active is None or active.key != data_key:
            st.warning(t("ui.data_gone"))
            return None
    for model in (a, b):
        if int(model.reducer.n_features_in_) != active.dataset.n_features:
            st.error(t("compare.wrong_width", label=escape_markdown(model.choice.label, 120),
                       n=int(model.reducer.n_features_in_), expected=active.dataset.n_features))
            return None
    return active


# --------------------------------------------------------------------------- measuring


def _session_results() -> caches.ModelRegistry:
    """Yardsticks measured on a person's upload stay in their session."""
    return st.session_state.setdefault("compare.results", caches.ModelRegistry(max_entries=4))


def comparison_ui(a: ComparedModel, b: ComparedModel, active: ActiveData) -> Comparison:
    """Both models measured on the same held-out rows and map rows; each model's yardsticks are
    measured once per dataset (in one of the server's job slots, its time said first)."""
    ds = active.dataset
    train_idx, test_idx = caches.split_indices(active.key, ds.n_samples, ds)
    map_rows, sample_idx = compare.comparison_rows(ds.n_samples, len(test_idx), SEED)
    registry = caches.compared_runs() if active.shared else _session_results()
    keys = {model.id: ("compare", model.id, active.key) for model in (a, b)}
    shipped = {model.id: _shipped(model, active, test_idx) for model in (a, b)}
    missing = {model_id for model_id, key in keys.items() if registry.get(key) is None and shipped[model_id] is None}
    note = st.empty()
    if missing:
        note.caption(t("compare.estimate", seconds=compare.estimate_seconds(
            ds.n_features, len(map_rows), len(train_idx), n_models=len(missing))))

    def measure(model: ComparedModel):
        if shipped[model.id] is not None:
            return shipped[model.id]

        def work() -> compare.Yardsticks:
            with st.spinner(t("compare.measuring", label=escape_markdown(model.choice.label, 120))):
                return _measure(model, active, train_idx, test_idx)
        return session.run_exclusive(registry, keys[model.id], t("compare.job"), work)

    measured_a, measured_b = measure(a), measure(b)
    note.empty()
    return Comparison(active, test_idx, sample_idx, map_rows, measured_a, measured_b)


def _shipped(model: ComparedModel, active: ActiveData, test_idx) -> compare.Yardsticks | None:
    """A shipped demo's yardsticks on its own data and split, which come with it
    (:mod:`aecore.runs.demo_views`; its network is not built for them), else None."""
    views = shipped_views(model.id, model.reducer) if active.shared else None
    if views is None or views.compare is None or views.held_out is None or len(test_idx) != len(views.held_out.errors):
        return None
    return replace(views.compare, metrics=replace(views.compare.metrics, name=model.choice.id))


def _measure(model: ComparedModel, active: ActiveData, train_idx, test_idx) -> compare.Yardsticks:
    """One model's yardsticks on the comparison's rows."""
    ds, k = active.dataset, int(model.reducer.n_components)
    pca_mse = float("nan")
    if k < min(len(train_idx), ds.n_features):
        pca_mse = caches.pca_baseline_of(active.key, k, ds.X, train_idx, test_idx).mse
    return compare.yardsticks(model.choice.id, model.reducer, ds.X, train_idx, test_idx, pca_mse=pca_mse,
                              random_state=SEED)


# --------------------------------------------------------------------------- rendering


def _text(value) -> str:
    """A setting's value in words."""
    if value is None:
        return t("compare.kind_default")
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) if value else "()"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def settings_table_ui(a: ComparedModel, b: ComparedModel) -> None:
    """The settings in which A and B differ (every setting of a TrainConfig is compared)."""
    names = {s.name: t_or(s.label_key, s.name) for s in CONFIG_SETTINGS}
    rows = [(names[name], _text(value_a), _text(value_b))
            for name, value_a, value_b in compare.settings_diff(a.choice.config, b.choice.config)]
    if not rows:
        st.info(t("compare.same_settings"))
        return
    st.dataframe(pd.DataFrame(rows, columns=[t("compare.column_setting"), "A", "B"]), hide_index=True,
                 width="stretch", key="compare.diff")


def metrics_table_ui(comparison: Comparison) -> None:
    """Both models' yardsticks, measure by measure."""
    def column(y: compare.Yardsticks) -> list[str]:
        m = y.metrics
        return [m.kind, str(m.n_components), f"{m.parameters:,}", str(m.epochs or "–"), f"{m.test_mse:.5f}",
                _number(m.pca_mse, ".5f"), _number(m.mse_ratio, ".3f", "×"), _number(m.trustworthiness, ".3f")]

    index = [t("compare.row_kind"), t("compare.row_k"), t("compare.row_parameters"), t("compare.row_epochs"),
             t("compare.row_test_mse"), t("compare.row_pca_mse"), t("compare.row_ratio"), t("compare.row_trust")]
    table = pd.DataFrame({"A": column(comparison.a), "B": column(comparison.b)}, index=index)
    st.dataframe(table, width="stretch", key="compare.metrics")
    st.caption(t("compare.metrics_caption", n=len(comparison.test_idx), rows=len(comparison.map_rows)))


def _number(value: float, spec: str, suffix: str = "") -> str:
    return format(value, spec) + suffix if np.isfinite(value) else "–"


def loss_chart_ui(a: ComparedModel, b: ComparedModel) -> None:
    """Both models' training and validation loss on one chart."""
    histories = {"A": getattr(a.reducer, "history_", {}), "B": getattr(b.reducer, "history_", {})}
    st.plotly_chart(figures_compare.paired_loss_curves(
        histories, title=t("compare.loss_title"), train_name=t("compare.train_curve"),
        validation_name=t("compare.validation_curve")), key="compare.loss")


def reconstructions_ui(comparison: Comparison) -> None:
    """The same held-out samples: originals, then A's and B's reconstructions (images), or each
    feature's error (tables)."""
    ds = comparison.active.dataset
    if ds.is_image:
        originals = ds.X[comparison.test_idx[comparison.sample_idx]]
        st.plotly_chart(figures.reconstruction_grid(
            [originals, comparison.a.samples, comparison.b.samples], [t("common.original"), "A", "B"],
            ds.image_shape, t("compare.recon_title", n=len(originals)),
            [f"#{i}" for i in comparison.test_idx[comparison.sample_idx]]), key="compare.recon")
    else:
        st.plotly_chart(figures.feature_errors(
            ds.feature_names, {"A": comparison.a.feature_errors, "B": comparison.b.feature_errors},
            title=t("compare.feature_errors_title")), key="compare.features")


def maps_ui(comparison: Comparison, a: ComparedModel, b: ComparedModel) -> None:
    """Each model's 2-D map of the same rows, coloured by label, side by side."""
    ds = comparison.active.dataset
    labels = None
    if ds.y is not None:
        y = ds.y[comparison.map_rows]
        labels = y if ds.label_names is None else np.array(ds.label_names)[y]
    for column, name, model, measured in zip(st.columns(2), "AB", (a, b), (comparison.a, comparison.b)):
        k = measured.metrics.n_components
        method = t("compare.method_codes") if measured.method == "codes" else t("compare.method_pca", k=k)
        axes = ("z1", "z2") if measured.method == "codes" else ("PC1", "PC2")
        column.plotly_chart(figures.codings_scatter(
            measured.points, labels, t("compare.map_title", name=name, method=method), axes,
            t("latent.colour_title_label"), categorical=labels is not None), key=f"compare.map.{name}")
        column.caption(t("compare.map_caption", name=name, label=escape_markdown(model.choice.label, 120),
                         trust=_number(measured.metrics.trustworthiness, ".3f")))
