"""Latent space: map a trained model's codes in 2D/3D, colour them, select points to see samples."""

from contextlib import nullcontext

import numpy as np
import pandas as pd
import streamlit as st

from aecore import export, figures
from aecore.metrics import knn_accuracy, trustworthiness
from aecore.selection import selected_ids
from aecore.share import Param
from aecore.ui import (codes_of, current_model_ui, projection_of, reconstruction_errors, start_umap_warmup, stop,
                       t, thumbnail_map_of, url_state)

st.title(t("latent.title"))
start_umap_warmup()
loaded = current_model_ui()
if loaded is None:
    stop()
ds, reducer, k = loaded.dataset, loaded.reducer, loaded.config.n_components
codes = codes_of(loaded.id, reducer, ds.X)

with st.expander(t("common.what")):
    st.markdown(t("latent.explain"))

methods = (["raw"] if k <= 3 else []) + ["pca", "tsne", "umap"]
names = {"raw": t("latent.raw_codes", k=k), "pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
# Option values are stable codes ("column:NAME" for a feature); only the displayed text is translated.
color_options = (["label"] if ds.y is not None else []) + ["error", "none"]
if not ds.is_image:
    color_options += [f"column:{name}" for name in ds.feature_names]
url_state("latent", {
    "latent.method": Param("view", "choice", choices=tuple(methods)),
    "latent.dims": Param("dims", "choice", choices=(2, 3)),
    "latent.color": Param("color", "choice", choices=tuple(color_options)),
    "latent.sel": Param("sel", "ints", 0, ds.n_samples - 1, max_items=100)})
c1, c2, c3 = st.columns([2, 1, 2])
method = c1.radio(t("latent.view"), methods, format_func=names.get, horizontal=True, key="latent.method")
dims = c2.radio(t("latent.dimensions"), [2, 3], horizontal=True, key="latent.dims",
                disabled=method == "raw" and k < 3)
if method == "raw":
    dims = min(dims, k)
color_names = {"label": t("latent.colour_label"), "error": t("latent.colour_error"),
               "none": t("latent.colour_none"),
               **{code: t("latent.colour_column", name=code.removeprefix("column:"))
                  for code in color_options if code.startswith("column:")}}
color_by = c3.selectbox(t("latent.colour_by"), color_options, format_func=color_names.get, key="latent.color")

# Above the budget's rows for t-SNE / UMAP, the map shows a stated random subsample: every per-row
# array below is taken for the map's rows (view.take), and selections carry the original row ids.
with st.spinner(t("latent.computing", view=names[method], n=len(codes))) if method != "raw" else nullcontext():
    view = projection_of(loaded.id, method, dims, codes)
points, seconds = view.points, view.seconds

errors = reconstruction_errors(loaded.id, reducer, ds.X)
color, categorical, color_title = None, False, ""
if color_by == "label":
    labels = ds.y if ds.label_names is None else np.array(ds.label_names)[ds.y]
    color, categorical, color_title = labels, True, t("latent.colour_title_label")
elif color_by == "error":
    color, color_title = errors, t("latent.colour_title_error")
elif color_by.startswith("column:"):
    column = ds.feature_names.index(color_by.removeprefix("column:"))
    color, color_title = ds.X[:, column], color_by.removeprefix("column:")
color = view.take(color)

axis = {"raw": "z", "pca": "PC", "tsne": "t-SNE ", "umap": "UMAP "}[method]
title = (t("latent.map_title_sample", view=names[method], n=len(points), total=view.n_total, seconds=seconds)
         if view.sampled else t("latent.map_title", view=names[method], seconds=seconds))
if dims == 3:
    st.plotly_chart(figures.codings_scatter_3d(points, color, categorical=categorical, title=title),
                    key="latent.map3d")
    st.caption(t("latent.rotate_hint"))
    chosen = np.array([], dtype=int)
else:
    fig = figures.codings_scatter(points, color, title, (f"{axis}1", f"{axis}2"), color_title,
                                  categorical=categorical, customdata=view.ids)
    fig.update_layout(dragmode="select")  # box by default; lasso is one click away in the toolbar
    event = st.plotly_chart(fig, on_select="rerun", selection_mode=("points", "box", "lasso"),
                            key="latent.map")
    chosen = selected_ids(event)
    if len(chosen):  # a live selection: it goes into the URL (the first 100 rows)
        st.session_state["latent.sel"] = tuple(int(i) for i in chosen[:100])
        st.session_state["latent.sel_live"] = True
    elif st.session_state.pop("latent.sel_live", False):  # the person cleared their selection
        st.session_state.pop("latent.sel", None)
    else:  # rows named by a shared link
        chosen = np.array(st.session_state.get("latent.sel", ()), dtype=int)
if view.sampled:
    st.caption(t("ui.map_sample_note", view=names[method], n=len(points), total=view.n_total))

if len(chosen):
    st.subheader(t("latent.selected", n=len(chosen)))
    shown = chosen[:24]
    recon = reducer.reconstruct(ds.X[shown])
    if ds.is_image:
        st.plotly_chart(figures.reconstruction_grid([ds.X[shown], recon],
                                                    [t("common.original"), t("common.reconstruction")],
                                                    ds.image_shape, captions=[f"#{i}" for i in shown]),
                        key="latent.selected")
    else:
        st.dataframe(pd.DataFrame(ds.X[shown], index=shown, columns=ds.feature_names), width="stretch")
    if ds.y is not None:
        st.caption(t("latent.selection_labels", counts=", ".join(
            f"{v}: {c}" for v, c in zip(*np.unique(ds.y[chosen], return_counts=True)))))
elif dims == 2:
    st.caption(t("latent.select_hint"))

tabs = st.tabs([t("latent.tab_thumbnails"), t("latent.tab_distributions"), t("latent.tab_quality"),
                t("common.downloads")])
with tabs[0]:
    if ds.is_image and dims == 2:
        st.plotly_chart(thumbnail_map_of(view.key, method, points, view.take(ds.X), ds.image_shape,
                                         view.take(ds.y)), key="latent.thumbs")
    else:
        st.caption(t("latent.thumbnails_note"))
with tabs[1]:
    st.plotly_chart(figures.latent_distributions(codes, title=t("latent.distributions_title")),
                    key="latent.violins")
    if k > 1:
        st.plotly_chart(figures.correlation_heatmap(codes, title=t("latent.correlation_title")), key="latent.corr")
with tabs[2]:
    st.caption(t("latent.quality_caption"))
    if st.button(t("latent.compare_views"), key="latent.quality"):
        rows = []
        for candidate in [m for m in methods if m != "raw"]:
            # Each view is scored on the rows it shows (a random subsample above the budget).
            scored = projection_of(loaded.id, candidate, 2, codes)
            rows.append({"view": candidate, "rows": len(scored.points), "seconds": round(scored.seconds, 2),
                         "trustworthiness": trustworthiness(scored.take(ds.X), scored.points),
                         "kNN accuracy": (knn_accuracy(scored.points, scored.take(ds.y)) if ds.y is not None
                                          else None)})
        st.session_state["latent.quality_rows"] = (loaded.id, rows)
    stored = st.session_state.get("latent.quality_rows")
    if stored and stored[0] == loaded.id:
        # Rows keep stable codes; the view names and column headers are shown in the session's language.
        table = pd.DataFrame(stored[1]).round(3)
        table["view"] = [names.get(code, code) for code in table["view"]]
        st.dataframe(table.rename(columns={"view": t("latent.column_view"), "rows": t("latent.column_rows"),
                                           "seconds": t("common.seconds"),
                                           "trustworthiness": t("latent.column_trustworthiness"),
                                           "kNN accuracy": t("latent.column_knn")}),
                     hide_index=True, width="stretch")
with tabs[3]:
    d1, d2 = st.columns(2)
    d1.download_button(t("common.codes_csv"), export.codes_csv(codes, ds.y), f"{ds.name}_codes.csv", "text/csv",
                       key="latent.dl.codes")
    # A subsample's CSV leads with the original row ids.
    d2.download_button(t("latent.view_csv", view=names[method]),
                       export.codes_csv(points, view.take(ds.y), view.rows),
                       f"{ds.name}_{method}_{dims}d.csv", "text/csv", key="latent.dl.view")
