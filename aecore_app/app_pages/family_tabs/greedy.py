"""Greedy layer-wise training against end-to-end training on the same number of epochs."""

import streamlit as st

from aecore.experiments import family
from aecore.figures import family as figures_family
from aecore_app.family_ui import FamilyData, latent_input, press_button_or, run_action, theory, timing_caption
from aecore_app.i18n import t


def tab_ui(data: FamilyData) -> None:
    theory("greedy")
    c1, c2, c3 = st.columns(3)
    with c1:
        k = latent_input("greedy", data, 10)
    per_stage = c2.slider(t("family.greedy_epochs"), 1, 20, 5 if data.small else 3,
                          key=f"family.greedy.epochs.{data.key}")
    finetune = c3.slider(t("family.greedy_finetune"), 0, 20, 2, key="family.greedy.finetune")
    stages, budget = family.greedy_budget(len(data.hidden_units), per_stage, finetune)
    st.caption(t("family.greedy_budget", stages=stages, per_stage=per_stage, finetune=finetune, budget=budget))
    if st.button(t("family.greedy_go"), type="primary", key="family.greedy.go"):
        settings = dict(n_components=int(k), hidden_units=data.hidden_units, epochs_per_stage=int(per_stage),
                        finetune_epochs=int(finetune))
        X_train, X_test = data.X_train, data.X_test
        run_action("greedy", data, settings, lambda progress: family.compare_greedy(
            X_train, X_test, **settings, jit_compile=data.jit, progress=progress))
    entry = press_button_or("greedy", data)
    if entry is None:
        return
    result = entry["result"]
    greedy, e2e = result["greedy"], result["end_to_end"]
    left, right = st.columns(2)
    left.metric(t("family.greedy_mse_greedy"), f"{greedy['test_mse']:.5f}",
                t("family.seconds", seconds=greedy["seconds"]), delta_color="off")
    right.metric(t("family.greedy_mse_e2e"), f"{e2e['test_mse']:.5f}",
                 t("family.seconds", seconds=e2e["seconds"]), delta_color="off")
    st.caption(t("family.greedy_result", ratio=greedy["test_mse"] / e2e["test_mse"],
                 pca=result["pca_test_mse"], k=entry["settings"]["n_components"], budget=result["budget"]))
    st.plotly_chart(figures_family.loss_comparison(
        {t("family.model_greedy"): greedy["val_loss"], t("family.model_e2e"): e2e["val_loss"]},
        stages=greedy.get("stage"), title=t("family.greedy_chart"), xaxis_title=t("family.epoch"),
        yaxis_title=t("family.validation_loss"), stage_label=t("family.stage")), key="family.greedy.chart")
    if entry["settings"]["finetune_epochs"] > 0:
        st.caption(t("family.greedy_finetune_note", phase=result["n_stages"] + 1))
    timing_caption(entry, greedy["seconds"] + e2e["seconds"])
