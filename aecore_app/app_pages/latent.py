"""Latent space: map a trained model's codes in 2D/3D, colour them, select points to see samples."""

import streamlit as st

from aecore.maps.projection import METHODS
from aecore.maps.search import MAX_QUERY_CHARS
from aecore_app.caches import start_umap_warmup_for
from aecore_app.i18n import t
from aecore_app.latent_map_ui import map_ui
from aecore_app.latent_tabs_ui import TABS, tabs_ui
from aecore_app.latent_ui import (colour_options, map_scores_ui, map_settings_params, map_settings_ui,
                                  map_view_ui)
from aecore_app.map_search_ui import ISO_LINK_CHARS, ISO_LINK_ROWS, isolation_ui, search_columns, search_ui
from aecore_app.model_ui import current_model_ui
from aecore_app.page import stop
from aecore_app.passes import codes_of, reconstruction_errors
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
    "latent.watch": Param("watch", "bool"), "latent.tab": Param("tab", "choice", choices=TABS)})
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
tabs_ui(loaded, view, method, dims, codes, methods, names)  # below the map: the open tab only
