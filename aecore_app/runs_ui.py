"""Opening saved models as this session's current model: runs in the server's runs folder (the
owner's choice, never a path a person types), the demo runs shipped with the app, and run ZIPs
downloaded from this app."""

from __future__ import annotations

import os

import streamlit as st

from aecore.data import datasets as aedata
from aecore.runs.demo import form_config
from aecore.presets import TrainConfig

from . import caches, session
from .data_ui import upload_key
from .i18n import t
from .layout import escape_markdown, show_messages
from .session import CurrentModel, ModelKey


def run_list():
    """The runs in the server's runs folder (``AECORE_RUNS_ROOT``, set by its owner; see
    :func:`aecore.runs.runs_root`) and the folders skipped as ``(folder name, reason)``, read fresh
    on each call. Nobody using the app chooses the folder."""
    from aecore.runs import loading as runs

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
    """The demo runs shipped in ``demo_runs/`` (see :mod:`aecore.runs.demo`) that are present."""
    from aecore.runs import demo

    return [name for name in demo.DEMOS if (demo.DEMO_DIR / name / demo.WEIGHTS_FILE).is_file()]


def open_demo_run_ui(name: str) -> None:
    """Make the shipped demo run ``name`` this session's current model."""
    from aecore.runs import demo

    data_key, preset_name = demo.DEMOS[name]
    config = form_config(preset_name)
    if caches.demo_models().get((data_key, config)) is None:
        st.error(t("runs.demo_missing", name=escape_markdown(name, 80)))
        return
    session.set_current_model(CurrentModel(ModelKey.trained(data_key, config), data_key, config, preset_name,
                                           demo=True))
    st.success(t("ui.run_opened", name=escape_markdown(name, 80), kind=config.kind, k=config.n_components),
               icon=":material/check_circle:")


def open_run_ui(name: str) -> None:
    """Load the run called ``name`` from the server's runs folder (only there: ``..`` and symbolic
    links out of it are refused) as this session's current model, rebuilt from its config."""
    from aecore.runs import loading as runs

    root = runs.runs_root()
    try:
        reducer, info = runs.load_run(runs.resolve_run(root, name), root=root)
    except ValueError as exc:
        st.error(t("ui.run_failed", error=escape_markdown(_without_root(str(exc), root))))
        return
    show_messages(_use_run(ModelKey("run", info.name, created=info.created), reducer, info, info.name))


def open_run_zip_ui(file_name: str, data: bytes) -> None:
    """Open a run ZIP downloaded from this app (the Train page's model ZIP) as this session's
    current model: JSON files and weights only, size-capped, its parameters checked against the
    budget before the model is built. Each file is opened once; later reruns repeat the messages."""
    from aecore.runs import export

    digest = upload_key(data)
    opened = st.session_state.get("runs.zip_opened")
    if opened is None or opened[0] != digest:
        try:
            reducer, info = export.read_zip_bytes(data, max_bytes=export.MAX_UPLOAD_ZIP_BYTES)
        except ValueError as exc:
            messages = [("error", t("runs.zip_failed", name=escape_markdown(file_name, 80),
                                    error=escape_markdown(exc)))]
        else:
            messages = _use_run(ModelKey("zip", digest, created=info.created), reducer, info, file_name)
        opened = (digest, messages)
        st.session_state["runs.zip_opened"] = opened
    show_messages(opened[1])


def _use_run(key: ModelKey, reducer, info, label: str) -> list[tuple[str, str]]:
    """Make a loaded run this session's current model; returns the messages to show, as
    ``(level, text)``. A run that names a built-in dataset but has another number of features is
    refused: every page would fail on it."""
    name = escape_markdown(label, 80)
    dataset = escape_markdown(info.dataset, 80)
    if info.dataset in aedata.BUILTIN_DATASETS and info.n_features != caches.builtin_n_features(info.dataset):
        return [("error", t("runs.wrong_features", name=name, dataset=dataset, n=info.n_features,
                            expected=caches.builtin_n_features(info.dataset)))]
    messages = []
    if info.dataset not in aedata.BUILTIN_DATASETS:
        messages.append(("warning", t("ui.run_foreign_data", dataset=dataset)))
    session.session_models().put(key, reducer)
    session.set_current_model(CurrentModel(key, info.dataset,
                                           info.config or TrainConfig(n_components=info.n_components),
                                           scaling=info.scaling))
    messages.append(("success", t("ui.run_opened", name=name, kind=info.kind, k=info.n_components)))
    return messages
