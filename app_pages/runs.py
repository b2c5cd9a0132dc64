"""Runs: open models trained headless (`python -m aecore train --out runs/NAME`, e.g. on a GPU box)."""

import pandas as pd
import streamlit as st

from aecore.ui import open_run_ui, run_list, stop, t

st.title(t("runs.title"))
with st.expander(t("common.what")):
    st.markdown(t("runs.explain"))
st.markdown(t("runs.intro"))

root = st.text_input(t("runs.folder"), "runs", key="runs.root", help=t("runs.folder_help"))
runs, skipped = run_list(root)
for path, reason in skipped:
    st.warning(t("runs.skipped", path=path, reason=reason))
if not runs:
    st.info(t("runs.none_yet", root=root))
    stop()

table = pd.DataFrame([{"run": r.name, "dataset": r.dataset, "kind": r.kind, "latent size": r.n_components,
                       "created": r.created, **{k: v for k, v in r.metrics.items() if isinstance(v, float)}}
                      for r in runs])
columns = {"run": t("runs.column_run"), "dataset": t("runs.column_dataset"), "kind": t("runs.column_kind"),
           "latent size": t("runs.column_latent_size"), "created": t("runs.column_created")}
st.dataframe(table.round(5).rename(columns=columns), hide_index=True, width="stretch")
choice = st.selectbox(t("runs.choose"), [r.path for r in runs], key="runs.choice",
                      format_func=lambda p: next(r.name for r in runs if r.path == p))
if st.button(t("runs.open"), type="primary", key="runs.open"):
    open_run_ui(choice)
