"""Denoising and contractive autoencoders against a plain one: how far their codes move under small
input noise."""

import pandas as pd
import streamlit as st

from aecore.experiments import robustness as family_robustness
from aecore.params import BY_NAME
from aecore_app.family_ui import FamilyData, latent_input, press_button_or, run_action, timing_caption
from aecore_app.i18n import t


def tab_ui(data: FamilyData) -> None:
    st.subheader(t("family.robust_title"))
    st.markdown(t("family.contractive_line"))
    c1, c2, c3 = st.columns(3)
    with c1:
        k = latent_input("robust", data, 10)
    epochs = c2.slider(t("family.epochs"), 1, 30, 10 if data.small else 5, key=f"family.robust.epochs.{data.key}",
                       help=t("family.epochs_help"))
    # The library's default weight (aecore.params), with a few around it to try.
    default = BY_NAME["contractive_weight"].default
    weight = c3.select_slider(t("family.contractive_weight"), sorted({0.01, 0.03, default, 0.3, 1.0}), default,
                              key="family.robust.weight")
    if st.button(t("family.robust_go"), type="primary", key="family.robust.go"):
        settings = dict(n_components=int(k), hidden_units=data.hidden_units, epochs=int(epochs),
                        contractive_weight=float(weight))
        X_train, X_test = data.X_train, data.X_test
        run_action("robust", data, settings, lambda progress: family_robustness.compare_robustness(
            X_train, X_test, **settings, jit_compile=data.jit, progress=progress))
    entry = press_button_or("robust", data)
    if entry is None:
        return
    result = entry["result"]
    found = result["models"]
    names = {name: t(f"family.model_{name}_robust") for name in family_robustness.ROBUSTNESS_MEMBERS}
    table = pd.DataFrame([{
        t("family.col_model"): names[name],
        t("family.col_sensitivity"): found[name]["sensitivity"],
        t("family.col_test_mse"): found[name]["test_mse"],
        t("family.col_seconds"): found[name]["seconds"],
    } for name in family_robustness.ROBUSTNESS_MEMBERS])
    st.bar_chart(table, x=t("family.col_model"), y=t("family.col_sensitivity"), height=260, sort=False)
    best, times = family_robustness.most_robust(result)
    st.markdown(t("family.robust_reading", model=names[best], times=times, noise=result["probe_noise"])
                if best != "dense" else t("family.robust_reading_plain", noise=result["probe_noise"]))
    st.dataframe(table, hide_index=True, width="stretch", key="family.robust.table", column_config={
        t("family.col_sensitivity"): st.column_config.NumberColumn(format="%.3f"),
        t("family.col_test_mse"): st.column_config.NumberColumn(format="%.5f"),
        t("family.col_seconds"): st.column_config.NumberColumn(format="%.1f")})
    st.caption(t("family.robust_caption", k=result["n_components"], epochs=result["epochs"],
                 level=result["noise_level"], weight=result["contractive_weight"]))
    timing_caption(entry, sum(m["seconds"] for m in found.values()))
