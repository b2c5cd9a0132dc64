"""Train: pick data and an architecture (or a source post's preset), train with live progress, download."""

import numpy as np
import pandas as pd
import streamlit as st

from aecore.figures import builders as figures
from aecore.budget import NetworkShape
from aecore.params import latent_size_fits
from aecore_app.app_pages import page_file
from aecore_app.animation_ui import latent_animation_ui
from aecore_app.caches import pca_baseline_of, split_indices
from aecore_app.data_ui import dataset_picker_ui, dataset_summary_ui
from aecore_app.i18n import t
from aecore_app.layout import at_most_text, escape_markdown, metric_row, reason_text
from aecore_app.model_ui import LoadedModel
from aecore_app.page import stop
from aecore_app.passes import codes_of, held_out_errors
from aecore_app.reports import model_downloads_ui, report_downloads_ui
from aecore_app.session import (CurrentModel, ModelKey, current_model, lookup_model, recover_interrupted,
                            set_current_model, train_reducer)
from aecore_app.link_form import train_form_from_link, train_requested_by_link
from aecore_app.page_link import set_url_model, url_state
from aecore_app.url import Param
from aecore_app.widgets import settings_form_ui

st.title(t("train.title"))
with st.expander(t("common.what")):
    st.markdown(t("train.explain"))

train_form_from_link()
url_state("train", {"train.anim": Param("anim", "bool")})  # a link can open "Watch it form"
stopped = recover_interrupted()
if stopped is not None:
    st.warning(t("train.stopped", n=stopped.n_epochs_, best=stopped.best_epoch_))

active = dataset_picker_ui("train")
if active is None:
    stop()
dataset_summary_ui(active)
ds = active.dataset

config = settings_form_ui()
set_url_model(active.key, st.session_state["train.preset"], config)
train_idx, test_idx = split_indices(active.key, ds.n_samples, ds)
X_test = ds.X[test_idx]  # the training rows are copied out only to train (150 MB at 60,000 rows)

# The summary and the estimate are arithmetic on the settings: nothing is built before Train.
try:
    if not latent_size_fits(config.n_components, ds.n_features):
        raise ValueError(t("train.latent_too_large", k=config.n_components, n=ds.n_features))
    estimate = config.to_reducer(image_shape=ds.image_shape).training_estimate(len(train_idx), ds.n_features)
    layers = NetworkShape.of(config, ds.n_features, ds.image_shape).layers()
    problem = None
except ValueError as exc:
    estimate, layers, problem = None, [], str(exc)

with st.expander(t("train.model_summary", n=estimate.parameters if estimate else 0), expanded=False):
    st.dataframe(pd.DataFrame([{"layer": layer.name, "type": layer.type, "output shape": str(layer.output_shape),
                                "parameters": layer.parameters} for layer in layers]),
                 hide_index=True, width="stretch")
if problem:
    st.error(t("train.over_budget", error=escape_markdown(problem)), icon=":material/block:")
    stop()
st.caption(t("train.estimate", params=estimate.parameters, mb=estimate.bytes / 1e6,
             duration=at_most_text(estimate.seconds)))

st.caption(t("train.training_on", train=len(train_idx), test=len(test_idx)))
left, right = st.columns([1, 5])
go = left.button(t("common.train"), type="primary", key="train.go")
right.button(t("train.stop"), key="train.stop", help=t("train.stop_help"))
if train_requested_by_link() and not go:
    # A link never starts training by itself: it opens a model someone already trained (or a
    # shipped demo), else it fills in the form and waits for the Train button.
    linked_key = ModelKey.trained(active.key, config)
    if lookup_model(linked_key) is not None:
        set_current_model(CurrentModel(linked_key, active.key, config, st.session_state["train.preset"]))
    else:
        st.info(t("train.link_press_train", duration=at_most_text(estimate.seconds)), icon=":material/link:")
if go:
    try:
        reducer = train_reducer(active, config, ds.X[train_idx])
    except ValueError as exc:
        st.error(t("common.training_failed", error=escape_markdown(exc)))
        stop()
    set_current_model(CurrentModel(ModelKey.trained(active.key, config), active.key, config,
                                   st.session_state["train.preset"]))

current = current_model()
reducer = lookup_model(current.key) if current else None
if reducer is None or current.data_key != active.key:
    st.info(t("train.choose_and_train"))
    stop()

cfg = current.config
test_mse = float(held_out_errors(current.key.id, reducer, X_test).astype(np.float64).mean())
pca = pca_baseline_of(active.key, cfg.n_components, ds.X, train_idx, test_idx)
metric_row([
    (t("train.test_mse"), f"{test_mse:.5f}", t("train.test_mse_help")),
    (t("train.pca_test_mse", k=cfg.n_components), f"{pca.mse:.5f}", t("train.pca_test_mse_help")),
    (t("common.ae_pca"), f"{test_mse / pca.mse:.3f}×", t("train.ratio_help")),
    (t("common.epochs"), t("train.epochs_value", n=reducer.n_epochs_, best=reducer.best_epoch_),
     reason_text(reducer.stopped_reason_)),
])
st.session_state.setdefault("train.anim", True)  # on at first: 1,000 codes an epoch cost little to keep
if st.toggle(t("animation.watch"), key="train.anim", help=t("animation.watch_help")):
    latent_animation_ui(LoadedModel(active, cfg, reducer, current.key.id), train_idx, key="train")
if not st.session_state["train.anim"] or getattr(reducer, "latent_history_", None) is None:
    st.plotly_chart(figures.loss_curves(reducer.history_, t("train.loss_title")), key="train.loss")

st.subheader(t("common.downloads"))
model_downloads_ui(reducer, cfg, active, codes_of(current.key.id, reducer, ds.X),
                   {"test_mse": test_mse, "pca_test_mse": pca.mse}, page="train")
report_downloads_ui(reducer, cfg, active, train_idx, test_idx, page="train")
st.page_link(page_file("reconstructions.py"), label=t("train.see_reconstructions"), icon=":material/compare:")
