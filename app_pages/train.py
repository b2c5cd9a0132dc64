"""Train: pick data and an architecture (or a seed's preset), train with live progress, download."""

import numpy as np
import pandas as pd
import streamlit as st

from aecore import export, figures
from aecore.budget import NetworkShape
from aecore.metrics import reconstruction_mse
from aecore.presets import PRESETS, TrainConfig
from aecore.ui import (dataset_picker_ui, dataset_summary_ui, escape_markdown, lookup_model, metric_row,
                       pca_baseline_of, reason_text, recover_interrupted, report_downloads_ui, set_url_model,
                       split_indices, stop, t, t_or, train_form_from_link, train_reducer, train_requested_by_link)

st.title(t("train.title"))
with st.expander(t("common.what")):
    st.markdown(t("train.explain"))

train_form_from_link()
stopped = recover_interrupted()
if stopped is not None:
    st.warning(t("train.stopped", n=stopped.n_epochs_, best=stopped.best_epoch_))

active = dataset_picker_ui("train")
if active is None:
    stop()
dataset_summary_ui(active)
ds = active.dataset


def config_ui() -> TrainConfig:
    """Preset picker plus every setting, returning a TrainConfig."""
    names = list(PRESETS)
    labels = {n: f"{n} — {t_or(f'train.preset_{n}', PRESETS[n][0])}" for n in names}
    name = st.selectbox(t("train.preset"), names, format_func=labels.get, key="train.preset")
    base = PRESETS[name][1]
    with st.expander(t("train.settings"), expanded=False):
        c1, c2, c3 = st.columns(3)
        kinds = ["dense", "conv", "linear", "tied", "denoising", "sparse", "vae", "wta"]
        kind = c1.selectbox(t("train.kind"), kinds, index=kinds.index(base.kind), key=f"train.kind.{name}")
        n_components = c1.number_input(t("train.latent_size"), 1, 512, base.n_components,
                                       key=f"train.k.{name}")
        hidden_text = c1.text_input(t("train.hidden_units"), ",".join(map(str, base.hidden_units)),
                                    key=f"train.hidden.{name}")
        activation = c2.selectbox(t("train.activation"), ["relu", "elu", "selu", "tanh"],
                                  index=["relu", "elu", "selu", "tanh"].index(base.activation),
                                  key=f"train.act.{name}")
        loss = c2.selectbox(t("train.loss"), ["mse", "binary_crossentropy"],
                            index=["mse", "binary_crossentropy"].index(base.loss), key=f"train.loss.{name}")
        optimizer = c2.selectbox(t("common.optimizer"), ["adam", "sgd", "rmsprop", "nadam"],
                                 index=["adam", "sgd", "rmsprop", "nadam"].index(base.optimizer),
                                 key=f"train.opt.{name}")
        batch_norm = c2.checkbox(t("train.batch_norm"), base.batch_norm, key=f"train.bn.{name}")
        dropout = c2.slider(t("train.dropout"), 0.0, 0.5, base.dropout, 0.05, key=f"train.dropout.{name}")
        defaults = base.to_reducer().resolved_params()
        learning_rate = c3.number_input(t("common.learning_rate"), 1e-5, 10.0, float(defaults["learning_rate"]),
                                        format="%.5f", key=f"train.lr.{name}")
        epochs = c3.number_input(t("train.max_epochs"), 1, 1000, int(defaults["epochs"]),
                                 key=f"train.epochs.{name}")
        batch_size = c3.number_input(t("train.batch_size"), 1, 4096, int(defaults["batch_size"]),
                                     key=f"train.batch.{name}")
        early_stopping = c3.checkbox(t("train.early_stopping"), base.early_stopping,
                                     key=f"train.es.{name}")
        seed = c3.number_input(t("common.seed"), 0, 10_000, base.random_state, key=f"train.seed.{name}")
    try:
        hidden = tuple(int(v) for v in hidden_text.replace(" ", "").split(",") if v)
    except ValueError:
        st.error(t("train.bad_hidden_units", got=escape_markdown(repr(hidden_text[:40])),
                   preset=base.hidden_units))
        hidden = base.hidden_units
    return base.replace(kind=kind, n_components=int(n_components), hidden_units=hidden,
                        activation=activation, loss=loss, optimizer=optimizer, batch_norm=batch_norm,
                        dropout=float(dropout), learning_rate=float(learning_rate), epochs=int(epochs),
                        batch_size=int(batch_size), early_stopping=early_stopping, random_state=int(seed))


config = config_ui()
set_url_model(active.key, st.session_state["train.preset"], config)
train_idx, test_idx = split_indices(active.key, ds.n_samples, ds)
X_train, X_test = ds.X[train_idx], ds.X[test_idx]

# The summary and the estimate are arithmetic on the settings: nothing is built before Train.
try:
    if config.n_components >= ds.n_features:
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
st.caption(t("train.estimate", params=estimate.parameters, mb=estimate.bytes / 1e6, seconds=estimate.seconds))

st.caption(t("train.training_on", train=len(train_idx), test=len(test_idx)))
left, right = st.columns([1, 5])
go = left.button(t("common.train"), type="primary", key="train.go")
right.button(t("train.stop"), key="train.stop", help=t("train.stop_help"))
if train_requested_by_link() and not go:
    # A link never starts training by itself: it opens a model someone already trained (or a
    # shipped demo), else it fills in the form and waits for the Train button.
    linked_key = (active.key, "train", config)
    if lookup_model(linked_key) is not None:
        st.session_state["current_model"] = {"key": linked_key, "data_key": active.key, "config": config,
                                             "preset": st.session_state["train.preset"]}
    else:
        st.info(t("train.link_press_train", seconds=estimate.seconds), icon=":material/link:")
if go:
    try:
        reducer = train_reducer(active, config, X_train)
    except ValueError as exc:
        st.error(t("common.training_failed", error=escape_markdown(exc)))
        stop()
    st.session_state["current_model"] = {"key": (active.key, "train", config), "data_key": active.key,
                                         "config": config, "preset": st.session_state["train.preset"]}

current = st.session_state.get("current_model")
reducer = lookup_model(current["key"]) if current else None
if reducer is None or current.get("data_key") != active.key:
    st.info(t("train.choose_and_train"))
    stop()

cfg = current["config"]
test_mse = reconstruction_mse(X_test, reducer.reconstruct(X_test))
pca = pca_baseline_of(active.key, cfg.n_components, X_train, X_test)
metric_row([
    (t("train.test_mse"), f"{test_mse:.5f}", t("train.test_mse_help")),
    (t("train.pca_test_mse", k=cfg.n_components), f"{pca.mse:.5f}", t("train.pca_test_mse_help")),
    (t("common.ae_pca"), f"{test_mse / pca.mse:.3f}×", t("train.ratio_help")),
    (t("common.epochs"), t("train.epochs_value", n=reducer.n_epochs_, best=reducer.best_epoch_),
     reason_text(reducer.stopped_reason_)),
])
st.plotly_chart(figures.loss_curves(reducer.history_, t("train.loss_title")), key="train.loss")

codes = reducer.transform(ds.X)
st.subheader(t("common.downloads"))
d1, d2, d3 = st.columns(3)
d1.download_button(t("common.codes_csv"), export.codes_csv(codes, ds.y), f"{ds.name}_codes.csv", "text/csv",
                   key="train.dl.csv")
d2.download_button(t("train.codes_npy"), export.npy_bytes(codes), f"{ds.name}_codes.npy",
                   "application/octet-stream", key="train.dl.npy")
d3.download_button(t("train.weights_zip"),
                   export.to_zip_bytes(reducer, cfg, active.key, {"test_mse": test_mse, "pca_test_mse": pca.mse}),
                   f"{ds.name}_{cfg.kind}_k{cfg.n_components}.zip", "application/zip", key="train.dl.zip")
report_downloads_ui(reducer, cfg, active, train_idx, test_idx, page="train")
st.page_link("app_pages/reconstructions.py", label=t("train.see_reconstructions"), icon=":material/compare:")
