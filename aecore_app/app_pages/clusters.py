"""Clusters: cluster raw inputs, PCA, the codes or UMAP of the codes, and score them honestly."""

import numpy as np
import pandas as pd
import streamlit as st

from aecore.maps import cluster, projection
from aecore.figures import builders as figures, cluster as figures_cluster
from aecore.maps.cluster_spaces import cluster_means
from aecore_app.analyses import cluster_run, projection_of, shipped_clustering
from aecore_app.clusters_ui import cluster_order, score_cards_ui
from aecore_app.i18n import t
from aecore_app.layout import escape_markdown
from aecore_app.model_ui import current_model_ui
from aecore_app.page import stop
from aecore_app.passes import codes_of, decoded as decode
from aecore_app.page_link import url_state
from aecore_app.url import Param

st.title(t("clusters.title"))
loaded = current_model_ui()
if loaded is None:
    stop()
ds, reducer = loaded.dataset, loaded.reducer
codes = codes_of(loaded.id, reducer, ds.X)

with st.expander(t("common.what")):
    st.markdown(t("clusters.explain"))

LONG_SECONDS = 10.0  # a first render may take this long (issue 18)
MAPS = ("umap", "pca", "tsne")  # the 2-D map of the codes the clusters are drawn on
SPACES = {"raw": t("clusters.space_raw"), "pca": t("clusters.space_pca"), "codes": t("clusters.space_codes"),
          "umap": t("clusters.space_umap")}
url_state("clusters", {"clusters.space": Param("space", "choice", choices=tuple(SPACES)),
                       "clusters.method": Param("method", "choice", choices=cluster.METHODS),
                       "clusters.k": Param("clusters", "int", 2, 50),
                       "clusters.n_init": Param("n_init", "int", 1, 50),
                       "clusters.map": Param("map", "choice", choices=MAPS)})
c1, c2, c3, c4 = st.columns(4)
# N2D's UMAP of many codes takes long (about 30 s at 60,000 rows): above ~10 s the page starts on
# the codes themselves and says what UMAP would cost; it runs when a person chooses it.
umap_seconds = projection.estimate_seconds("umap", len(codes), cluster.RECOMMENDED["umap_components"])
long_umap = umap_seconds > LONG_SECONDS
# The default goes into the session, not the widget: a link may have set the key already.
st.session_state.setdefault("clusters.space", "codes" if long_umap else "umap")
space = c1.selectbox(t("clusters.input_space"), list(SPACES), format_func=SPACES.get, key="clusters.space")
method = c2.selectbox(t("clusters.method"), cluster.METHODS, key="clusters.method",
                      format_func={"kmeans": "KMeans", "gmm": t("clusters.method_gmm"), "hdbscan": "HDBSCAN"}.get)
default_k = len(np.unique(ds.y)) if ds.y is not None else 10
n_clusters = c3.number_input(t("clusters.k"), 2, 50, int(default_k), key="clusters.k",
                             disabled=method == "hdbscan")
n_init = c4.number_input(t("clusters.n_init"), 1, 50, 10, key="clusters.n_init",
                         disabled=method != "kmeans")

if long_umap or (space == "umap" and umap_seconds > 2):
    # Running, it is said with the 2-D UMAP map the clusters are drawn on (the map radio's default).
    map_seconds = projection.estimate_seconds("umap", len(codes))
    drawn_on_umap = st.session_state.get("clusters.map", MAPS[0]) == "umap" and map_seconds <= LONG_SECONDS
    st.caption(t("clusters.umap_running" if space == "umap" else "clusters.umap_estimate", n=len(codes),
                 seconds=umap_seconds + (map_seconds if space == "umap" and drawn_on_umap else 0)))
try:
    result, scores, seconds = cluster_run(loaded.id, space, method, int(n_clusters), int(n_init),
                                          loaded, codes)
except ValueError as exc:  # invalid or over the budget: say why in plain words, keep the page working
    st.error(t("clusters.failed", error=escape_markdown(exc)), icon=":material/block:")
    stop()

score_cards_ui(scores, len(set(result.labels) - {-1}), seconds, len(np.unique(ds.y)) if ds.y is not None else None,
               shipped=shipped_clustering(loaded.id, space, method, int(n_clusters), int(n_init), codes) is not None)

if st.button(t("clusters.compare"), key="clusters.compare"):
    rows, skipped = [], []
    progress = st.progress(0.0)
    for i, candidate in enumerate(SPACES):
        try:
            _, cand_scores, cand_seconds = cluster_run(loaded.id, candidate, method, int(n_clusters),
                                                       int(n_init), loaded, codes)
        except ValueError as exc:  # a space over the budget is skipped with a note, not run
            skipped.append((candidate, str(exc)))
        else:
            rows.append({"input space": candidate, **{k: round(v, 3) for k, v in cand_scores.items()},
                         "seconds": round(cand_seconds, 1)})
        progress.progress((i + 1) / len(SPACES), text=t("clusters.space_done", space=SPACES[candidate]))
    st.session_state["clusters.table"] = {"model": loaded.id, "method": method, "rows": rows, "skipped": skipped}
stored = st.session_state.get("clusters.table")
if stored and stored["model"] == loaded.id:
    st.caption(t("clusters.comparison", method=stored["method"]))
    if stored["rows"]:
        # Rows keep stable codes; the space names and column headers are shown in the session's language.
        table = pd.DataFrame(stored["rows"])
        table["input space"] = [SPACES.get(code, code) for code in table["input space"]]
        st.dataframe(table.rename(columns={"input space": t("clusters.column_space"),
                                           "seconds": t("common.seconds")}),
                     hide_index=True, width="stretch")
    for candidate, reason in stored["skipped"]:
        st.caption(t("clusters.skipped", space=SPACES[candidate], reason=escape_markdown(reason)))

left, right = st.columns(2)
means = cluster_means(codes, result.labels)  # every cluster but noise, with its size
order, names, confusion = cluster_order(ds, result.labels, means.ids)
with left:
    map_names = {"umap": "UMAP", "pca": t("clusters.map_pca"), "tsne": "t-SNE"}
    chosen_map = st.radio(t("clusters.map"), MAPS, format_func=map_names.get, horizontal=True, key="clusters.map")
    # A map that would take long (about 10 s for UMAP of 20,000 codes) is left to the Latent space page.
    map_seconds = projection.estimate_seconds(chosen_map, len(codes))
    map_method = chosen_map if map_seconds <= LONG_SECONDS else "pca"
    if map_method != chosen_map:
        st.caption(t("clusters.map_fallback", view=map_names[chosen_map], n=len(codes), seconds=map_seconds))
    view = projection_of(loaded.id, map_method, 2, codes)
    # The map may show a random subsample of the rows (above the budget): its labels are those rows',
    # and a cluster with no row on the map has no centre there (NaN is not drawn).
    centers_2d = cluster_means(view.points, view.take(result.labels), means.ids).means if len(means.ids) else None
    st.plotly_chart(figures_cluster.cluster_map(view.points, view.take(result.labels), centers_2d,
                                        t("clusters.map_title", view=map_names[map_method]), names),
                    key="clusters.map_chart")
    if view.sampled:
        st.caption(t("ui.map_sample", view=map_names[map_method], n=len(view.points),
                     total=view.n_total))
with right:
    if confusion is not None:
        matrix, rows, cols = confusion
        row_names = [ds.label_names[r] for r in rows] if ds.label_names else [str(r) for r in rows]
        st.plotly_chart(figures_cluster.confusion_heatmap(matrix, row_names, [f"c{c}" for c in cols],
                                                  t("clusters.confusion_title")),
                        key="clusters.confusion")
    else:
        st.caption(t("clusters.no_labels"))

if len(means.ids):
    # A cluster "means" what the decoder draws from the average code of its members.
    at = {c: i for i, c in enumerate(means.ids.tolist())}
    shown = [at[c] for c in order]
    decoded = decode(loaded.id, reducer, means.means[shown].astype(np.float32))
    st.subheader(t("clusters.meaning"))
    if ds.is_image:
        st.plotly_chart(figures.reconstruction_grid([decoded], [t("clusters.decoded_centre")], ds.image_shape,
                                                    captions=[f"c{order[j]} ({means.counts[i]})"
                                                              for j, i in enumerate(shown)]),
                        key="clusters.centres")
    else:
        st.dataframe(pd.DataFrame(decoded, columns=ds.feature_names,
                                  index=[f"c{c}" for c in order]).round(3), width="stretch")
