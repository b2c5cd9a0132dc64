"""Runs: open a model trained headless (`python -m aecore train --out runs/NAME`), a shipped demo, or
a run ZIP downloaded from this app."""

import pandas as pd
import streamlit as st

from aecore.runs.export import MAX_UPLOAD_ZIP_BYTES
from aecore_app.encode_ui import encode_new_data_ui
from aecore_app.i18n import t
from aecore_app.layout import escape_markdown
from aecore_app.runs_ui import demo_run_names, open_demo_run_ui, open_run_ui, open_run_zip_ui, run_list

st.title(t("runs.title"))
with st.expander(t("common.what")):
    st.markdown(t("runs.explain"))
st.markdown(t("runs.intro"))

# The folder is the server owner's choice (AECORE_RUNS_ROOT); a person picks from this list only.
runs, skipped = run_list()
for name, reason in skipped:
    st.warning(t("runs.skipped", name=escape_markdown(name, 80), reason=escape_markdown(reason)))
demos = demo_run_names()
if not runs:
    st.info(t("runs.none_yet"))

rows = ([{"source": t("runs.source_demo"), "run": name} for name in demos]
        + [{"source": t("runs.source_folder"), "run": r.name, "dataset": r.dataset, "kind": r.kind,
            "latent size": r.n_components, "created": r.created,
            **{k: v for k, v in r.metrics.items() if isinstance(v, float)}} for r in runs])
labels = {**{f"demo:{name}": t("runs.demo_label", name=name) for name in demos},
          **{f"run:{r.name}": r.name for r in runs}}
if rows:
    columns = {"source": t("runs.column_source"), "run": t("runs.column_run"), "dataset": t("runs.column_dataset"),
               "kind": t("runs.column_kind"), "latent size": t("runs.column_latent_size"),
               "created": t("runs.column_created")}
    st.dataframe(pd.DataFrame(rows).round(5).rename(columns=columns), hide_index=True, width="stretch")
    choice = st.selectbox(t("runs.choose"), list(labels), key="runs.choice", format_func=labels.get)
    if st.button(t("runs.open"), type="primary", key="runs.open"):
        source, _, name = choice.partition(":")
        if source == "demo":
            open_demo_run_ui(name)
        else:
            open_run_ui(name)

st.subheader(t("runs.upload_heading"))
upload = st.file_uploader(t("runs.upload"), type=["zip"], key="runs.upload",
                          max_upload_size=MAX_UPLOAD_ZIP_BYTES // 2**20,
                          help=t("runs.upload_help", mb=MAX_UPLOAD_ZIP_BYTES // 2**20))
if upload is not None:
    open_run_zip_ui(upload.name, upload.getvalue())

encode_new_data_ui()
