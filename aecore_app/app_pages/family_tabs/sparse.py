"""Sparse and winner-take-all autoencoders: how many code units fire, against a plain one."""

import pandas as pd
import streamlit as st

from aecore.experiments import family
from aecore.figures import family as figures_family
from aecore_app.family_ui import FamilyData, latent_input, press_button_or, run_action, theory, timing_caption
from aecore_app.i18n import t
from aecore_app.layout import metric_row


def tab_ui(data: FamilyData) -> None:
    theory("sparse")
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        k = latent_input("sparse", data, min(64, data.dataset.n_features // 2))
    epochs = c2.slider(t("family.epochs"), 1, 30, 10 if data.small else 5, key=f"family.sparse.epochs.{data.key}",
                       help=t("family.epochs_help"))
    target = c3.select_slider(t("family.sparse_target"), [0.02, 0.05, 0.1, 0.2, 0.3], 0.1,
                              key="family.sparse.target")
    rate = c4.select_slider(t("family.wta_rate"), [0.01, 0.02, 0.05, 0.1, 0.2], 0.05, key="family.sparse.rate",
                            format_func=lambda r: f"{r:.0%}")
    if st.button(t("family.sparse_go"), type="primary", key="family.sparse.go"):
        settings = dict(n_components=int(k), hidden_units=data.hidden_units, epochs=int(epochs),
                        sparsity_target=float(target), wta_rate=float(rate))
        X_train, X_test = data.X_train, data.X_test
        run_action("sparse", data, settings, lambda progress: family.compare_sparsity(
            X_train, X_test, **settings, jit_compile=data.jit, progress=progress))
    entry = press_button_or("sparse", data)
    if entry is None:
        return
    result = entry["result"]
    found = result["models"]
    threshold = st.slider(t("family.threshold"), 0.0, 1.0, 0.1, 0.05, key="family.sparse.threshold",
                          help=t("family.threshold_help"))
    profiles = family.sparsity_profiles(result, threshold)
    names = {"plain": t("family.model_plain"), "sparse": t("family.model_sparse"),
             "wta": t("family.model_wta"), "wta_rule": t("family.model_wta_rule")}
    metric_row([(t("family.active_of", model=names[name]), f"{profiles[name]['fraction_active']:.1%}",
                 t("family.active_help", threshold=threshold)) for name in names])
    st.plotly_chart(figures_family.activation_bars(
        {names[name]: profiles[name]["mean_activation"] for name in names},
        targets={names["sparse"]: result["sparsity_target"]}, title=t("family.sparse_bars"),
        xaxis_title=t("family.unit_rank"), yaxis_title=t("family.mean_activation"),
        target_label=t("family.kl_target")), key="family.sparse.bars")
    st.plotly_chart(figures_family.active_fraction_histogram(
        {names[name]: profiles[name]["per_sample"] for name in names}, n_units=result["n_components"],
        title=t("family.sparse_hist"),
        xaxis_title=t("family.share_active"), yaxis_title=t("family.samples")), key="family.sparse.hist")
    table = pd.DataFrame([{
        t("family.col_model"): names[name],
        t("family.col_code_activation"): found[name.replace("_rule", "")]["code_activation"],
        t("family.col_active"): profiles[name]["fraction_active"],
        t("family.col_dead"): profiles[name]["dead_units"],
        t("family.col_test_mse"): found[name]["test_mse"] if name in found else None,
        t("family.col_seconds"): found[name]["seconds"] if name in found else None,
    } for name in names])
    st.dataframe(table, hide_index=True, width="stretch", key="family.sparse.table", column_config={
        t("family.col_active"): st.column_config.NumberColumn(format="percent"),
        t("family.col_test_mse"): st.column_config.NumberColumn(format="%.5f"),
        t("family.col_seconds"): st.column_config.NumberColumn(format="%.1f")})
    st.caption(t("family.sparse_caption", k=result["n_components"], epochs=result["epochs"],
                 batch=result["batch_size"]))
    timing_caption(entry, sum(m["seconds"] for m in found.values()))
