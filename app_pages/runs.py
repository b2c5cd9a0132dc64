"""Runs: open models trained headless (`python -m aecore train --out runs/NAME`, e.g. on a GPU box)."""

import pandas as pd
import streamlit as st

from aecore.ui import open_run_ui, run_list

st.title("Runs")
st.markdown(
    "Train anywhere with `python -m aecore train --dataset mnist_sample --n-components 10 --out runs/my-run`, "
    "copy the folder next to the app, and open it here. A run is a JSON config plus weights: the model is "
    "rebuilt from our own code and only the weight arrays are read, so a foreign file cannot run code.")

root = st.text_input("Runs folder", "runs", key="runs.root",
                     help="A folder on the server, relative to the app's directory.")
runs, skipped = run_list(root)
for path, reason in skipped:
    st.warning(f"Skipped {path}: {reason}")
if not runs:
    st.info(f"No runs in '{root}' yet. Create one with the command above.")
    st.stop()

table = pd.DataFrame([{"run": r.name, "dataset": r.dataset, "kind": r.kind, "latent size": r.n_components,
                       "created": r.created, **{k: v for k, v in r.metrics.items() if isinstance(v, float)}}
                      for r in runs])
st.dataframe(table.round(5), hide_index=True, width="stretch")
choice = st.selectbox("Run to open", [r.path for r in runs], key="runs.choice",
                      format_func=lambda p: next(r.name for r in runs if r.path == p))
if st.button("Open this run", type="primary", key="runs.open"):
    open_run_ui(choice)
