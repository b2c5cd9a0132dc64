"""The current model as every model page gets it (:func:`current_model_ui`): the model a shared
link names (opened when trained, else offered with a Train button), a training cut short, the
model trained last, or the shipped demo; with the data it encodes."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from aecore.data import datasets as aedata
from aecore.presets import TrainConfig

from .app_pages import page_file
from . import caches, page, page_link, session, tour
from .i18n import t
from .layout import at_most_text, escape_markdown
from .session import ActiveData, CurrentModel, ModelKey


@dataclass
class LoadedModel:
    """The session's current model with the data it was trained on."""

    active: ActiveData
    config: TrainConfig
    reducer: object
    id: str  # ModelKey.id of its key: the cache key for its codes and views

    @property
    def dataset(self) -> aedata.Dataset:
        return self.active.dataset


def current_model_ui() -> LoadedModel | None:
    """The model trained last in this session with its dataset, or None after telling the person.

    A shared link that names a model opens that model first (see :func:`open_linked_model`)."""
    page_link.uses_model()
    open_linked_model()
    recovered = session.recover_interrupted()
    if recovered is not None:
        st.info(t("ui.interrupted", n=recovered.n_epochs_))
    current = session.current_model()
    if current is None:
        current = session.default_demo()
        if current is not None:
            session.set_current_model(current)
    reducer = session.lookup_model(current.key) if current else None
    if current and current.demo:
        st.caption(t("share.demo_model", preset=current.preset))
    if reducer is None:
        st.info(t("ui.no_model"))
        st.page_link(page_file("train.py"), label=t("ui.go_to_train"), icon=":material/model_training:")
        return None
    if current.data_key in aedata.BUILTIN_DATASETS:
        active = ActiveData(current.data_key, caches.builtin_dataset(current.data_key), shared=True)
    else:
        active = st.session_state.get("upload")
        if active is None or active.key != current.data_key:
            st.warning(t("ui.data_gone"))
            return None
    return LoadedModel(active, current.config, reducer, current.key.id)


def open_linked_model() -> None:
    """Make the model a link names this session's current model when it is already trained (in
    the cache or the shipped demo runs). A link never starts training by itself: for a model
    nobody has trained, show what it would train (layers, parameters, estimated time) with a
    Train button, and stop the page until the person trains it or keeps the current model."""
    link = page_link.linked_model()
    if link is not None:
        data_key, preset_name, config = link
        key = ModelKey.trained(data_key, config)
        current = session.current_model()
        if current and current.key == key and session.lookup_model(key) is not None:
            return
        if session.lookup_model(key) is not None:
            session.set_current_model(CurrentModel(key, data_key, config, preset_name))
            st.session_state.pop("_url.pending_model", None)
            return
        st.session_state["_url.pending_model"] = link
    pending = st.session_state.get("_url.pending_model")
    if pending is not None:
        _pending_model_ui(*pending)


def _pending_model_ui(data_key: str, preset_name: str, config: TrainConfig) -> None:
    """The box a link to an untrained model opens: what it would train, Train, or keep the current
    model. Stops the page while the person decides."""
    from aecore.budget import NetworkShape

    page_link.set_url_model(data_key, preset_name, config)  # the address bar keeps the link's model
    try:
        active = ActiveData(data_key, caches.builtin_dataset(data_key), shared=True)
        train_idx, _ = caches.split_indices(data_key, active.dataset.n_samples, active.dataset)
        reducer = config.to_reducer(image_shape=active.dataset.image_shape)
        estimate = reducer.training_estimate(len(train_idx), active.dataset.n_features)
    except ValueError as exc:
        st.session_state.pop("_url.pending_model", None)
        page_link.forget_url_model()
        st.error(t("share.cannot_open", error=escape_markdown(str(exc))), icon=":material/block:")
        return
    # The box lives in a placeholder so that it leaves once the model is trained: drawn before
    # the Train button is read, it would otherwise stay beside the finished training's report.
    box = st.empty()
    with box.container(border=True):
        st.markdown(t("share.untrained", preset=escape_markdown(preset_name), kind=config.kind,
                      k=config.n_components, params=estimate.parameters, duration=at_most_text(estimate.seconds)))
        layers = NetworkShape.of(config, active.dataset.n_features, active.dataset.image_shape).layers()
        st.caption(" → ".join(f"{layer.name} {layer.output_shape}" for layer in layers))
        train, keep = st.columns(2)
        go = train.button(t("common.train"), type="primary", key="link.train", icon=":material/model_training:")
        # A tour step's own link is the person's request (its small model trains in seconds).
        go = tour.asks_for("train") or go
        if keep.button(t("share.keep_current"), key="link.keep"):
            st.session_state.pop("_url.pending_model", None)
            page_link.forget_url_model()
            st.rerun()
    if not go:
        page.stop()
    try:
        session.train_reducer(active, config, active.dataset.X[train_idx])
    except ValueError as exc:
        st.error(t("share.cannot_open", error=escape_markdown(str(exc))))
        page.stop()
    box.empty()
    st.session_state.pop("_url.pending_model", None)
    session.set_current_model(CurrentModel(ModelKey.trained(data_key, config), data_key, config, preset_name))
