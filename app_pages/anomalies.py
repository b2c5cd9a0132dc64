"""Anomalies: score samples by reconstruction error, pick a threshold, and evaluate against baselines."""

import numpy as np
import pandas as pd
import streamlit as st

from aecore import figures
from aecore.anomaly import per_feature_errors, threshold_at_percentile
from aecore.ui import anomaly_evaluation, current_model_ui, reconstruction_errors

st.title("Anomalies")
with st.expander("What am I looking at?"):
    st.markdown(
        "An autoencoder trained on normal data reconstructs normal samples well and unusual ones badly "
        "(seed 003 lists anomaly detection among its uses). The **anomaly score** of a sample is its "
        "reconstruction error. With labels, train on the 'normal' classes only and check how well the "
        "score finds the held-out class, against PCA's reconstruction error and an IsolationForest.")

loaded = current_model_ui()
if loaded is None:
    st.stop()
ds, reducer = loaded.dataset, loaded.reducer
tab_score, tab_eval = st.tabs(["Score with the current model", "Evaluate with labels"])

with tab_score:
    scores = reconstruction_errors(loaded.id, reducer, ds.X)
    percentile = st.slider("Threshold percentile", 80.0, 99.9, 99.0, 0.1, key="anomalies.percentile",
                           help="Samples whose error is above this percentile are flagged.")
    threshold = threshold_at_percentile(scores, percentile)
    flagged = np.flatnonzero(scores > threshold)
    st.caption(f"Threshold {threshold:.5f}: {len(flagged)} of {len(scores):,} samples flagged.")
    st.plotly_chart(figures.score_histogram(scores, threshold), key="anomalies.hist")
    top = np.argsort(scores)[::-1][:12]
    st.subheader("Top anomalies")
    recon = reducer.reconstruct(ds.X[top])
    if ds.is_image:
        st.plotly_chart(figures.reconstruction_grid([ds.X[top], recon], ["sample", "reconstruction"],
                                                    ds.image_shape, captions=[f"#{i}" for i in top]),
                        key="anomalies.top")
    else:
        errors = per_feature_errors(ds.X[top], recon)
        st.dataframe(pd.DataFrame(errors, index=[f"#{i}" for i in top], columns=ds.feature_names)
                     .round(3).style.background_gradient(axis=None, cmap="Reds"), width="stretch")
        st.caption("Squared error of each feature for the top anomalies: where each one is unusual.")
    flagged_csv = pd.DataFrame({"row": flagged, "score": scores[flagged]}).to_csv(index=False).encode()
    st.download_button("Flagged rows (CSV)", flagged_csv, f"{ds.name}_anomalies.csv", "text/csv",
                       key="anomalies.dl")

with tab_eval:
    if ds.y is None:
        st.info("This dataset has no labels. Upload a table with a label column to evaluate.")
        st.stop()
    names = ds.label_names or [str(v) for v in np.unique(ds.y)]
    classes = st.multiselect("Anomaly class(es), held out of training", list(range(len(names))),
                             default=[len(names) - 1], format_func=lambda i: names[i],
                             key="anomalies.classes")
    k = st.number_input("Latent size (autoencoder and PCA)", 1, 256, min(loaded.config.n_components,
                                                                          ds.n_features - 1),
                        key="anomalies.k")
    if not classes or len(classes) == len(names):
        st.error("Pick at least one anomaly class and leave at least one normal class.")
        st.stop()
    if st.button("Train on the normal classes and evaluate", type="primary", key="anomalies.go"):
        try:
            st.session_state["anomalies.report"] = (loaded.active.key, anomaly_evaluation(
                loaded.active, tuple(sorted(classes)), int(k)))
        except ValueError as exc:
            st.error(f"Evaluation failed: {exc}")
    stored = st.session_state.get("anomalies.report")
    report = stored[1] if stored and stored[0] == loaded.active.key else None
    if report is None:
        st.caption("Trains a fresh autoencoder on the normal classes only (about half a minute on the MNIST "
                   "sample).")
        st.stop()
    table = pd.DataFrame(report.table()).set_index("method").round(4)
    st.dataframe(table, width="stretch")
    st.plotly_chart(figures.roc_pr_curves(report.methods), key="anomalies.curves")
