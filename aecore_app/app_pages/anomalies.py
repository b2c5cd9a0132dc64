"""Anomalies: score samples by reconstruction error, pick a threshold, and evaluate against baselines."""

import numpy as np
import pandas as pd
import streamlit as st

from aecore.figures import anomaly as figures_anomaly, builders as figures
from aecore.anomaly import anomaly_classes, per_feature_errors, threshold_at_percentile
from aecore_app.analyses import anomaly_evaluation
from aecore_app import tour
from aecore_app.i18n import t
from aecore_app.layout import coded_tabs, escape_markdown
from aecore_app.model_ui import current_model_ui
from aecore_app.page import stop
from aecore_app.passes import reconstructed_rows, reconstruction_errors
from aecore_app.page_link import sync_url, url_state
from aecore_app.url import Param


@st.fragment
def threshold_ui(ds, scores: np.ndarray) -> None:
    """The threshold slider and what it flags: moving it reruns this fragment only."""
    percentile = st.slider(t("anomalies.percentile"), 80.0, 99.9, 99.0, 0.1, key="anomalies.percentile",
                           help=t("anomalies.percentile_help"), persist_state="page")
    threshold = threshold_at_percentile(scores, percentile)
    flagged = np.flatnonzero(scores > threshold)
    st.caption(t("anomalies.threshold", threshold=threshold, flagged=len(flagged), n=len(scores)))
    st.plotly_chart(figures_anomaly.score_histogram(scores, threshold, title=t("anomalies.histogram_title")),
                    key="anomalies.hist")
    # Made when clicked: every move of the slider reruns this fragment (at 200,000 rows the 80th
    # percentile flags 40,000 rows, a 1 MB CSV).
    st.download_button(t("anomalies.flagged_csv"),
                       lambda: pd.DataFrame({"row": flagged, "score": scores[flagged]}).to_csv(index=False).encode(),
                       f"{ds.name}_anomalies.csv", "text/csv", key="anomalies.dl")
    sync_url()


def score_tab_ui(loaded, ds, reducer) -> None:
    """Every row scored: the threshold, what it flags, the worst rows."""
    scores = reconstruction_errors(loaded.id, reducer, ds.X)
    threshold_ui(ds, scores)
    top = np.argsort(scores)[::-1][:12]
    st.subheader(t("anomalies.top"))
    recon = reconstructed_rows(loaded.id, reducer, ds.X, top)
    if ds.is_image:
        st.plotly_chart(figures.reconstruction_grid([ds.X[top], recon],
                                                    [t("common.sample"), t("common.reconstruction")],
                                                    ds.image_shape, captions=[f"#{i}" for i in top]),
                        key="anomalies.top")
    else:
        errors = per_feature_errors(ds.X[top], recon)
        st.dataframe(pd.DataFrame(errors, index=[f"#{i}" for i in top], columns=ds.feature_names)
                     .round(3).style.background_gradient(axis=None, cmap="Reds"), width="stretch")
        st.caption(t("anomalies.feature_errors_caption"))


def evaluate_tab_ui(loaded, ds, reducer) -> None:
    """Chosen classes as the anomalies: the autoencoder's scores against PCA's and IsolationForest's."""
    if ds.y is None:
        st.info(t("anomalies.no_labels"))
        stop()
    names = ds.label_names or [str(v) for v in np.unique(ds.y)]
    default = anomaly_classes(loaded.active.key if loaded.active.shared else None, ds.y)
    classes = st.multiselect(t("anomalies.classes"), list(range(len(names))), default=list(default),
                             format_func=lambda i: names[i], key="anomalies.classes", persist_state="page")
    k = st.number_input(t("anomalies.latent_size"), 1, 256, min(loaded.config.n_components, ds.n_features - 1),
                        key="anomalies.k", persist_state="page")
    if not classes or len(classes) == len(names):
        st.error(t("anomalies.pick_classes"))
        stop()
    asked = tour.asks_for("evaluate")  # the tour's step shows the evaluation on arrival
    if st.button(t("anomalies.evaluate"), type="primary", key="anomalies.go") or asked:
        try:
            st.session_state["anomalies.report"] = (loaded.active.key, anomaly_evaluation(
                loaded.active, tuple(sorted(classes)), int(k), loaded.config))
        except ValueError as exc:
            st.error(t("anomalies.failed", error=escape_markdown(exc)))
    stored = st.session_state.get("anomalies.report")
    report = stored[1] if stored and stored[0] == loaded.active.key else None
    if report is None:
        st.caption(t("anomalies.fresh_model"))
        stop()
    table = pd.DataFrame(report.table()).set_index("method").round(4)
    # Readable names: the raw ones (roc_auc, isolation_forest) read as code over the charts.
    table = table.rename(index=lambda m: t(f"anomalies.method_{m}"),
                         columns={c: t(f"anomalies.col_{c}") for c in table.columns})
    st.dataframe(table, width="stretch")
    st.caption(t("anomalies.split", train=len(report.methods["autoencoder"].train_scores),
                 anomalies=int(report.is_anomaly.sum()), normal=int((~report.is_anomaly).sum())))
    st.plotly_chart(figures_anomaly.roc_pr_curves(report.methods), key="anomalies.curves")


st.title(t("anomalies.title"))
with st.expander(t("common.what")):
    st.markdown(t("anomalies.explain"))

loaded = current_model_ui()
if loaded is None:
    stop()
ds, reducer = loaded.dataset, loaded.reducer
n_classes = len(np.unique(ds.y)) if ds.y is not None else 0
url_state("anomalies", {"anomalies.percentile": Param("percentile", "float", 80.0, 99.9),
                        "anomalies.classes": Param("classes", "ints", 0, max(n_classes - 1, 0), max_items=50),
                        "anomalies.k": Param("latent", "int", 1, 256),
                        "anomalies.tab": Param("tab", "choice", choices=("score", "evaluate"))})
tab_score, tab_eval = coded_tabs("anomalies.tab", {"score": t("anomalies.tab_score"),
                                                  "evaluate": t("anomalies.tab_evaluate")})
# Only the open tab is drawn: the tour's evaluation step waits on no scoring, table or histogram.
if tab_score.open:
    with tab_score:
        score_tab_ui(loaded, ds, reducer)
if tab_eval.open:
    with tab_eval:
        evaluate_tab_ui(loaded, ds, reducer)
