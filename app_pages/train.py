"""Train: pick data and an architecture (or a seed's preset), train with live progress, download."""

import numpy as np
import pandas as pd
import streamlit as st

from aecore import export, figures
from aecore.metrics import pca_baseline, reconstruction_mse
from aecore.models import Architecture, describe
from aecore.presets import PRESETS, TrainConfig
from aecore.ui import (dataset_picker_ui, dataset_summary_ui, lookup_model, metric_row, reason_text,
                       recover_interrupted, split_indices, train_reducer)

st.title("Train an autoencoder")

stopped = recover_interrupted()
if stopped is not None:
    st.warning(f"Training stopped after {stopped.n_epochs_} epoch(s); the best weights so far "
               f"(epoch {stopped.best_epoch_}) are kept and ready on the other pages.")

active = dataset_picker_ui("train")
if active is None:
    st.stop()
dataset_summary_ui(active)
ds = active.dataset


def config_ui() -> TrainConfig:
    """Preset picker plus every setting, returning a TrainConfig."""
    names = list(PRESETS)
    name = st.selectbox("Preset", names, format_func=lambda n: f"{n} — {PRESETS[n][0]}",
                        key="train.preset")
    base = PRESETS[name][1]
    with st.expander("Architecture and training settings", expanded=False):
        c1, c2, c3 = st.columns(3)
        kinds = ["dense", "conv", "linear", "tied", "denoising", "sparse", "vae", "wta"]
        kind = c1.selectbox("Kind", kinds, index=kinds.index(base.kind), key=f"train.kind.{name}")
        n_components = c1.number_input("Latent size (n_components)", 1, 512, base.n_components,
                                       key=f"train.k.{name}")
        hidden_text = c1.text_input("Hidden units (comma-separated)", ",".join(map(str, base.hidden_units)),
                                    key=f"train.hidden.{name}")
        activation = c2.selectbox("Activation", ["relu", "elu", "selu", "tanh"],
                                  index=["relu", "elu", "selu", "tanh"].index(base.activation),
                                  key=f"train.act.{name}")
        loss = c2.selectbox("Loss", ["mse", "binary_crossentropy"],
                            index=["mse", "binary_crossentropy"].index(base.loss), key=f"train.loss.{name}")
        optimizer = c2.selectbox("Optimizer", ["adam", "sgd", "rmsprop", "nadam"],
                                 index=["adam", "sgd", "rmsprop", "nadam"].index(base.optimizer),
                                 key=f"train.opt.{name}")
        batch_norm = c2.checkbox("Batch normalisation", base.batch_norm, key=f"train.bn.{name}")
        dropout = c2.slider("Dropout", 0.0, 0.5, base.dropout, 0.05, key=f"train.dropout.{name}")
        defaults = base.to_reducer().resolved_params()
        learning_rate = c3.number_input("Learning rate", 1e-5, 10.0, float(defaults["learning_rate"]),
                                        format="%.5f", key=f"train.lr.{name}")
        epochs = c3.number_input("Max epochs", 1, 1000, int(defaults["epochs"]), key=f"train.epochs.{name}")
        batch_size = c3.number_input("Batch size", 1, 4096, int(defaults["batch_size"]),
                                     key=f"train.batch.{name}")
        early_stopping = c3.checkbox("Early stopping (keep best weights)", base.early_stopping,
                                     key=f"train.es.{name}")
        seed = c3.number_input("Seed", 0, 10_000, base.random_state, key=f"train.seed.{name}")
    try:
        hidden = tuple(int(v) for v in hidden_text.replace(" ", "").split(",") if v)
    except ValueError:
        st.error(f"Hidden units must be whole numbers separated by commas (e.g. 512,256); got "
                 f"{hidden_text[:40]!r}. Using the preset's {base.hidden_units}.")
        hidden = base.hidden_units
    return base.replace(kind=kind, n_components=int(n_components), hidden_units=hidden,
                        activation=activation, loss=loss, optimizer=optimizer, batch_norm=batch_norm,
                        dropout=float(dropout), learning_rate=float(learning_rate), epochs=int(epochs),
                        batch_size=int(batch_size), early_stopping=early_stopping, random_state=int(seed))


config = config_ui()
train_idx, test_idx = split_indices(active.key, ds.n_samples, ds)
X_train, X_test = ds.X[train_idx], ds.X[test_idx]

try:
    rows, n_params = describe(Architecture(
        kind=config.kind, n_features=ds.n_features, n_components=config.n_components,
        hidden_units=config.hidden_units, activation=config.activation,
        encoder_activation=config.encoder_activation, code_activation=config.code_activation,
        output_activation="sigmoid", batch_norm=config.batch_norm, dropout=config.dropout,
        image_shape=ds.image_shape, filters=config.filters, kernel_size=config.kernel_size))
    problem = None
    if config.n_components >= ds.n_features:
        problem = (f"The latent size ({config.n_components}) must be smaller than the number of "
                   f"features ({ds.n_features}); choose a smaller latent size.")
except ValueError as exc:
    rows, n_params, problem = [], 0, str(exc)

with st.expander(f"Model summary · {n_params:,} parameters", expanded=False):
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
if problem:
    st.error(problem)
    st.stop()

st.caption(f"Training on {len(train_idx):,} samples; {len(test_idx):,} are held out to compare with PCA.")
left, right = st.columns([1, 5])
go = left.button("Train", type="primary", key="train.go")
right.button("Stop", key="train.stop", help="Stops after the current epoch and keeps the best weights.")
if go:
    try:
        reducer = train_reducer(active, config, X_train)
    except ValueError as exc:
        st.error(f"Training failed: {exc}")
        st.stop()
    st.session_state["current_model"] = {"key": (active.key, "train", config), "data_key": active.key,
                                         "config": config}

current = st.session_state.get("current_model")
reducer = lookup_model(current["key"]) if current else None
if reducer is None or current.get("data_key") != active.key:
    st.info("Choose settings and press **Train**. Defaults train in about half a minute on a laptop CPU.")
    st.stop()

cfg = current["config"]
test_mse = reconstruction_mse(X_test, reducer.reconstruct(X_test))
pca = pca_baseline(X_train, cfg.n_components, X_test)
metric_row([
    ("Test MSE (autoencoder)", f"{test_mse:.5f}", "Held-out reconstruction error."),
    (f"Test MSE (PCA, {cfg.n_components} components)", f"{pca.mse:.5f}", "Same latent size, same split."),
    ("AE / PCA", f"{test_mse / pca.mse:.3f}×", "Below 1 means the autoencoder beats PCA."),
    ("Epochs", f"{reducer.n_epochs_} (best {reducer.best_epoch_})", reason_text(reducer.stopped_reason_)),
])
st.plotly_chart(figures.loss_curves(reducer.history_, "Loss per epoch"), key="train.loss")

codes = reducer.transform(ds.X)
st.subheader("Downloads")
d1, d2, d3 = st.columns(3)
d1.download_button("Codes (CSV)", export.codes_csv(codes, ds.y), f"{ds.name}_codes.csv", "text/csv",
                   key="train.dl.csv")
d2.download_button("Codes (NPY)", export.npy_bytes(codes), f"{ds.name}_codes.npy",
                   "application/octet-stream", key="train.dl.npy")
d3.download_button("Weights + config (ZIP)",
                   export.to_zip_bytes(reducer, cfg, active.key, {"test_mse": test_mse, "pca_test_mse": pca.mse}),
                   f"{ds.name}_{cfg.kind}_k{cfg.n_components}.zip", "application/zip", key="train.dl.zip")
st.page_link("app_pages/reconstructions.py", label="See the reconstructions →", icon=":material/compare:")
