"""Latent space: map a trained model's codes in 2D/3D, colour them, select points to see samples."""

import numpy as np
import pandas as pd
import streamlit as st

from aecore import export, figures
from aecore.metrics import knn_accuracy, trustworthiness
from aecore.selection import selected_ids
from aecore.ui import codes_of, current_model_ui, projection_of, reconstruction_errors, start_umap_warmup

st.title("Latent space explorer")
start_umap_warmup()
loaded = current_model_ui()
if loaded is None:
    st.stop()
ds, reducer, k = loaded.dataset, loaded.reducer, loaded.config.n_components
codes = codes_of(loaded.id, reducer, ds.X)

with st.expander("What am I looking at?"):
    st.markdown(
        "Each point is one sample, placed by its **latent code** — the few numbers the encoder keeps. "
        "When the code has more than 3 dimensions we project it: **PCA** keeps global distances, "
        "**t-SNE** (seed 002: perplexity 15, learning rate 100) and **UMAP** keep neighbourhoods. "
        "Box- or lasso-select points on the 2D map to see those samples and their reconstructions.")

methods = (["raw"] if k <= 3 else []) + ["pca", "tsne", "umap"]
names = {"raw": f"raw codes ({k}-d)", "pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
c1, c2, c3 = st.columns([2, 1, 2])
method = c1.radio("View", methods, format_func=names.get, horizontal=True, key="latent.method")
dims = c2.radio("Dimensions", [2, 3], horizontal=True, key="latent.dims",
                disabled=method == "raw" and k < 3)
if method == "raw":
    dims = min(dims, k)
color_options = (["label"] if ds.y is not None else []) + ["reconstruction error", "none"]
if not ds.is_image:
    color_options += [f"column: {name}" for name in ds.feature_names]
color_by = c3.selectbox("Colour by", color_options, key="latent.color")

if method == "raw":
    points, seconds = codes[:, :dims], 0.0
else:
    with st.spinner(f"Computing the {names[method]} view of {len(codes):,} codes ..."):
        points, seconds = projection_of(loaded.id, method, dims, codes)
points = np.asarray(points)

errors = reconstruction_errors(loaded.id, reducer, ds.X)
color, categorical, color_title = None, False, ""
if color_by == "label":
    labels = ds.y if ds.label_names is None else np.array(ds.label_names)[ds.y]
    color, categorical, color_title = labels, True, "label"
elif color_by == "reconstruction error":
    color, color_title = errors, "error"
elif color_by.startswith("column: "):
    column = ds.feature_names.index(color_by.removeprefix("column: "))
    color, color_title = ds.X[:, column], color_by.removeprefix("column: ")

axis = {"raw": "z", "pca": "PC", "tsne": "t-SNE ", "umap": "UMAP "}[method]
title = f"{names[method]} of the codes · {seconds:.1f} s"
if dims == 3:
    st.plotly_chart(figures.codings_scatter_3d(points, color, categorical=categorical, title=title),
                    key="latent.map3d")
    st.caption("3D views rotate and zoom; switch to 2D to select points.")
    chosen = np.array([], dtype=int)
else:
    fig = figures.codings_scatter(points, color, title, (f"{axis}1", f"{axis}2"), color_title,
                                  categorical=categorical)
    fig.update_layout(dragmode="select")  # box by default; lasso is one click away in the toolbar
    event = st.plotly_chart(fig, on_select="rerun", selection_mode=("points", "box", "lasso"),
                            key="latent.map")
    chosen = selected_ids(event)

if len(chosen):
    st.subheader(f"{len(chosen)} selected sample(s)")
    shown = chosen[:24]
    recon = reducer.reconstruct(ds.X[shown])
    if ds.is_image:
        st.plotly_chart(figures.reconstruction_grid([ds.X[shown], recon], ["original", "reconstruction"],
                                                    ds.image_shape, captions=[f"#{i}" for i in shown]),
                        key="latent.selected")
    else:
        st.dataframe(pd.DataFrame(ds.X[shown], index=shown, columns=ds.feature_names), width="stretch")
    if ds.y is not None:
        st.caption("Labels of the selection: " + ", ".join(
            f"{v}: {c}" for v, c in zip(*np.unique(ds.y[chosen], return_counts=True))))
elif dims == 2:
    st.caption("Tip: drag a box or lasso on the map to see the selected samples here.")

tabs = st.tabs(["Thumbnail map", "Latent distributions", "View quality", "Downloads"])
with tabs[0]:
    if ds.is_image and dims == 2:
        st.plotly_chart(figures.thumbnail_map(points, ds.X, ds.image_shape, labels=ds.y, n_thumbnails=300),
                        key="latent.thumbs")
    else:
        st.caption("Thumbnails are drawn for image datasets on 2D views.")
with tabs[1]:
    st.plotly_chart(figures.latent_distributions(codes), key="latent.violins")
    if k > 1:
        st.plotly_chart(figures.correlation_heatmap(codes), key="latent.corr")
with tabs[2]:
    st.caption("Trustworthiness (do neighbours on the map stay neighbours in the data?) and kNN "
               "accuracy of the labels on the map, for every view computed so far.")
    if st.button("Compute all views and compare", key="latent.quality"):
        rows = []
        for candidate in [m for m in methods if m != "raw"]:
            view, took = projection_of(loaded.id, candidate, 2, codes)
            rows.append({"view": names[candidate], "seconds": round(took, 2),
                         "trustworthiness": trustworthiness(ds.X, view),
                         "kNN accuracy": knn_accuracy(view, ds.y) if ds.y is not None else None})
        st.session_state["latent.quality_rows"] = (loaded.id, rows)
    stored = st.session_state.get("latent.quality_rows")
    if stored and stored[0] == loaded.id:
        st.dataframe(pd.DataFrame(stored[1]).round(3), hide_index=True, width="stretch")
with tabs[3]:
    d1, d2 = st.columns(2)
    d1.download_button("Codes (CSV)", export.codes_csv(codes, ds.y), f"{ds.name}_codes.csv", "text/csv",
                       key="latent.dl.codes")
    d2.download_button(f"{names[method]} view (CSV)", export.codes_csv(points, ds.y),
                       f"{ds.name}_{method}_{dims}d.csv", "text/csv", key="latent.dl.view")
