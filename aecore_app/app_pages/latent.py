"""Latent space: map a trained model's codes in 2D/3D, colour them, select points to see samples."""

from functools import partial

import streamlit as st

from aecore.figures import builders as figures
from aecore.maps.projection import METHODS
from aecore.maps.search import MAX_QUERY_CHARS
from aecore.runs import projector
from aecore_app.analyses import drawn_rows
from aecore_app.caches import start_umap_warmup_for, thumbnail_map_of
from aecore_app.i18n import t
from aecore_app.layout import page_theme
from aecore_app.latent_map_ui import map_ui
from aecore_app.latent_ui import (DISTRIBUTION_ROWS, colour_options, map_scores_ui, map_settings_params, map_settings_ui,
                                  map_view_ui, quality_key, view_quality_rows, view_quality_table_ui)
from aecore_app.map_search_ui import ISO_LINK_CHARS, ISO_LINK_ROWS, isolation_ui, search_columns, search_ui
from aecore_app.model_ui import current_model_ui
from aecore_app.page import stop
from aecore_app.passes import codes_of, reconstruction_errors
from aecore_app.reports import codes_csv_button
from aecore_app.page_link import url_state
from aecore_app.tsne_watch_ui import tsne_watch_ui
from aecore_app.url import Param

st.title(t("latent.title"))
loaded = current_model_ui()
if loaded is None:
    stop()
ds, reducer, k = loaded.dataset, loaded.reducer, loaded.config.n_components
codes = codes_of(loaded.id, reducer, ds.X)
start_umap_warmup_for(*codes.shape)  # large maps: nearest-neighbour descent compiles in the background

with st.expander(t("common.what")):
    st.markdown(t("latent.explain"))

methods = (["raw"] if k <= 3 else []) + ["pca", "tsne", "umap"]
names = {"raw": t("latent.raw_codes", k=k), "pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
color_names = colour_options(ds)  # stable codes ("column:NAME" for a feature) -> translated text
url_state("latent", {
    "latent.method": Param("view", "choice", choices=tuple(methods)),
    "latent.dims": Param("dims", "choice", choices=(2, 3)),
    "latent.color": Param("color", "choice", choices=tuple(color_names)),
    "latent.sel": Param("sel", "ints", 0, ds.n_samples - 1, max_items=100), **map_settings_params(),
    # The search (kept only while it has a query), the isolation and its own map, the t-SNE you watch.
    "latent.find_col": Param("find_col", "choice", choices=tuple(search_columns(ds))),
    "latent.find": Param("find", "text", max_chars=MAX_QUERY_CHARS),
    "latent.iso": Param("iso", "choice", choices=("sel", "find")),
    "latent.iso_view": Param("iso_view", "choice", choices=METHODS),
    "latent.iso_rows": Param("iso_rows", "ints", 0, ds.n_samples - 1, max_items=ISO_LINK_ROWS, max_chars=ISO_LINK_CHARS),
    "latent.watch": Param("watch", "bool")})
c1, c2 = st.columns([2, 1])
method = c1.radio(t("latent.view"), methods, format_func=names.get, horizontal=True, key="latent.method")
dims = c2.radio(t("latent.dimensions"), [2, 3], horizontal=True, key="latent.dims",
                disabled=method == "raw" and k < 3)
if method == "raw":
    dims = min(dims, k)

settings = map_settings_ui(method)  # t-SNE's / UMAP's own settings, in the link
# Above the budget's rows for t-SNE / UMAP, the map shows a stated random subsample: every per-row
# array below is taken for the map's rows (view.take), and selections carry the original row ids.
view = map_view_ui(loaded.id, method, names[method], dims, codes, settings)
if view is None:
    stop()
found = search_ui(ds, lambda: reconstruction_errors(loaded.id, reducer, ds.X))  # matches, ringed on the map
isolated = isolation_ui(loaded.id, codes, found, method, names)  # a selection or the matches mapped alone
if isolated is not None:
    view, method, dims = isolated[0], isolated[1], 2
scores = st.container()  # the map's scores go above it, computed once the map is drawn
map_ui(loaded, view, method, names[method], dims, codes, color_names, found, isolated is not None)
with scores:
    map_scores_ui(view, ds)  # what the map settings cost in faithfulness, beside the map
if method == "tsne" and dims == 2 and isolated is None:
    tsne_watch_ui(loaded, codes, settings)  # the map's iterations, played
points = view.points

tabs = st.tabs([t("latent.tab_thumbnails"), t("latent.tab_distributions"), t("latent.tab_quality"),
                t("common.downloads")])
with tabs[0]:
    if ds.is_image and dims == 2:
        st.plotly_chart(thumbnail_map_of(view.key, method, view, ds.X, ds.image_shape, ds.y,
                                         background=page_theme()), key="latent.thumbs")
    else:
        st.caption(t("latent.thumbnails_note"))
with tabs[1]:
    shown = drawn_rows(len(codes), DISTRIBUTION_ROWS)  # every value is sent to the browser
    st.plotly_chart(figures.latent_distributions(
        codes if shown is None else codes[shown],
        title=(t("latent.distributions_title") if shown is None
               else t("latent.distributions_title_sample", n=len(shown), total=len(codes)))),
                    key="latent.violins")
    if k > 1:
        st.plotly_chart(figures.correlation_heatmap(codes, title=t("latent.correlation_title")), key="latent.corr")
with tabs[2]:
    st.caption(t("latent.quality_caption"))
    if st.button(t("latent.compare_views"), key="latent.quality"):
        rows = view_quality_rows(loaded.id, [m for m in methods if m != "raw"], codes, ds)
        st.session_state["latent.quality_rows"] = (quality_key(loaded.id), rows)
    stored = st.session_state.get("latent.quality_rows")
    if stored and stored[0] == quality_key(loaded.id):  # a table of other map settings is not shown
        view_quality_table_ui(stored[1], names)
with tabs[3]:
    d1, d2 = st.columns(2)
    # Made when clicked (at 60,000 rows writing both CSVs cost ~1 s a rerun), within the export limits.
    codes_csv_button(d1, t("common.codes_csv"), codes, ds.y, f"{ds.name}_codes.csv", "latent.dl.codes")
    # A subsample's CSV leads with the original row ids.
    codes_csv_button(d2, t("latent.view_csv", view=names[method]), points, view.take(ds.y),
                     f"{ds.name}_{method}_{dims}d.csv", "latent.dl.view", row_ids=view.rows)
    n_exported = projector.export_rows(len(codes), codes.shape[1])
    st.download_button(t("latent.export.projector_zip", n=n_exported),
                       partial(projector.projector_zip, codes, ds.y, ds.X if ds.is_image else None, ds.image_shape,
                               ds.label_names),
                       f"{ds.name}_projector.zip", "application/zip", key="latent.dl.projector",
                       help=t("latent.export.projector_help", n=n_exported))
