"""Reconstructions: originals against the autoencoder's and PCA's reconstructions, best and worst."""

import numpy as np
import pandas as pd
import streamlit as st

from aecore import figures
from aecore.metrics import pca_baseline, per_sample_mse
from aecore.ui import current_model_ui, metric_row, split_indices

st.title("Reconstructions")
loaded = current_model_ui()
if loaded is None:
    st.stop()
active, config, reducer = loaded.active, loaded.config, loaded.reducer
ds = active.dataset
train_idx, test_idx = split_indices(active.key, ds.n_samples, ds)
X_test = ds.X[test_idx]
ae_recon = reducer.reconstruct(X_test)
pca = pca_baseline(ds.X[train_idx], config.n_components, X_test)
ae_err, pca_err = per_sample_mse(X_test, ae_recon), per_sample_mse(X_test, pca.reconstruction)

st.caption(f"Model: {config.kind}, latent size {config.n_components}, trained on {active.key}. "
           f"Held-out samples: {len(test_idx):,}.")
metric_row([
    ("Autoencoder test MSE", f"{ae_err.mean():.5f}", None),
    (f"PCA test MSE ({config.n_components} components)", f"{pca_err.mean():.5f}", None),
    ("AE / PCA", f"{ae_err.mean() / pca_err.mean():.3f}×", "Below 1: the autoencoder reconstructs better."),
    ("AE better on", f"{(ae_err < pca_err).mean():.0%} of samples", None),
])

c1, c2 = st.columns([2, 1])
which = c1.radio("Show", ["random", "best (lowest AE error)", "worst (highest AE error)"], horizontal=True,
                 key="recon.which")
count = c2.slider("How many", 4, 24, 12, key="recon.count")
order = {"random": np.random.default_rng(0).permutation(len(test_idx)),
         "best (lowest AE error)": np.argsort(ae_err),
         "worst (highest AE error)": np.argsort(ae_err)[::-1]}[which][:count]

if ds.is_image:
    captions = [f"{ae_err[i]:.3f}" for i in order]
    st.plotly_chart(figures.reconstruction_grid(
        [X_test[order], ae_recon[order], pca.reconstruction[order]],
        ["original", "autoencoder", "PCA"], ds.image_shape,
        "Originals, autoencoder and PCA reconstructions (AE error under each)", captions),
        key="recon.grid")
else:
    feature_ae = ((X_test - ae_recon) ** 2).mean(axis=0)
    feature_pca = ((X_test - pca.reconstruction) ** 2).mean(axis=0)
    st.plotly_chart(figures.feature_errors(ds.feature_names, {"autoencoder": feature_ae, "PCA": feature_pca}),
                    key="recon.features")
    rows = []
    for i in order[:8]:
        rows.append(pd.Series(X_test[i], index=ds.feature_names, name=f"#{test_idx[i]} original"))
        rows.append(pd.Series(ae_recon[i], index=ds.feature_names, name=f"#{test_idx[i]} autoencoder"))
    st.dataframe(pd.DataFrame(rows).iloc[:, :30].round(3), width="stretch")

st.plotly_chart(figures.error_histogram({"autoencoder": ae_err, "PCA": pca_err}), key="recon.hist")
