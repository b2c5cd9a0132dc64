"""Clusters: cluster raw inputs, PCA, the codes or UMAP of the codes, and score them honestly."""

import numpy as np
import pandas as pd
import streamlit as st

from aecore import figures
from aecore.ui import cluster_run, codes_of, current_model_ui, projection_of

st.title("Clusters")
loaded = current_model_ui()
if loaded is None:
    st.stop()
ds, reducer = loaded.dataset, loaded.reducer
codes = codes_of(loaded.id, reducer, ds.X)

with st.expander("What am I looking at?"):
    st.markdown(
        "Seeds 002 and 003 cluster the autoencoder's codes with KMeans. Here the same clustering runs on "
        "four input spaces: the **raw** inputs, **PCA**, the **codes**, and **UMAP of the codes** (the "
        "N2D recipe: autoencoder → UMAP → clustering). With labels we score the clusters by **accuracy "
        "under the best matching of clusters to labels** (Hungarian), NMI and ARI; the silhouette needs "
        "no labels.")

SPACES = {"raw": "raw inputs", "pca": "PCA", "codes": "autoencoder codes", "umap": "UMAP of the codes (N2D)"}
c1, c2, c3, c4 = st.columns(4)
space = c1.selectbox("Input space", list(SPACES), index=3, format_func=SPACES.get, key="clusters.space")
method = c2.selectbox("Method", ["kmeans", "gmm", "hdbscan"], key="clusters.method",
                      format_func={"kmeans": "KMeans", "gmm": "Gaussian mixture", "hdbscan": "HDBSCAN"}.get)
default_k = len(np.unique(ds.y)) if ds.y is not None else 10
n_clusters = c3.number_input("Clusters (k)", 2, 50, int(default_k), key="clusters.k",
                             disabled=method == "hdbscan")
n_init = c4.number_input("Restarts (n_init)", 1, 50, 10, key="clusters.n_init",
                         disabled=method != "kmeans")

try:
    result, scores, seconds = cluster_run(loaded.id, space, method, int(n_clusters), int(n_init),
                                          loaded, codes)
except ValueError as exc:
    st.error(f"Clustering failed: {exc}")
    st.stop()

cards = [("clusters found", f"{len(set(result.labels) - {-1})}"),
         ("silhouette", f"{scores['silhouette']:.3f}")]
if "acc" in scores:
    cards += [("accuracy (matched)", f"{scores['acc']:.3f}"), ("NMI", f"{scores['nmi']:.3f}"),
              ("ARI", f"{scores['ari']:.3f}")]
cards.append(("seconds", f"{seconds:.1f}"))
for column, (label, value) in zip(st.columns(len(cards)), cards):
    column.metric(label, value)

if st.button("Compare all four input spaces", key="clusters.compare"):
    rows = []
    progress = st.progress(0.0)
    for i, candidate in enumerate(SPACES):
        _, cand_scores, cand_seconds = cluster_run(loaded.id, candidate, method, int(n_clusters),
                                                   int(n_init), loaded, codes)
        rows.append({"input space": SPACES[candidate], **{k: round(v, 3) for k, v in cand_scores.items()},
                     "seconds": round(cand_seconds, 1)})
        progress.progress((i + 1) / len(SPACES), text=f"{SPACES[candidate]} done")
    st.session_state["clusters.table"] = (loaded.id, method, rows)
stored = st.session_state.get("clusters.table")
if stored and stored[0] == loaded.id:
    st.caption(f"Comparison with {stored[1]} (KMeans on raw MNIST pixels scores about 0.52 accuracy; "
               "the published N2D reaches 0.979 on the full 70k MNIST).")
    st.dataframe(pd.DataFrame(stored[2]), hide_index=True, width="stretch")

left, right = st.columns(2)
with left:
    view, _ = projection_of(loaded.id, "umap" if len(codes) <= 20000 else "pca", 2, codes)
    view = np.asarray(view)
    members = [result.labels == c for c in sorted(set(result.labels) - {-1})]
    centers_2d = np.array([view[m].mean(axis=0) for m in members]) if members else None
    st.plotly_chart(figures.cluster_map(view, result.labels, centers_2d, "Cluster map (UMAP of the codes)"),
                    key="clusters.map")
with right:
    if ds.y is not None:
        from aecore.metrics import matched_confusion

        matrix, rows, cols = matched_confusion(ds.y, result.labels)
        row_names = [ds.label_names[r] for r in rows] if ds.label_names else [str(r) for r in rows]
        st.plotly_chart(figures.confusion_heatmap(matrix, row_names, [f"c{c}" for c in cols],
                                                  "Labels × clusters (matched order)"),
                        key="clusters.confusion")
    else:
        st.caption("No labels: the confusion matrix needs a label column.")

if members:
    # A cluster "means" what the decoder draws from the average code of its members.
    centre_codes = np.stack([codes[m].mean(axis=0) for m in members]).astype(np.float32)
    decoded = reducer.inverse_transform(centre_codes)
    st.subheader("What each cluster means: decoder(mean code of its members)")
    if ds.is_image:
        st.plotly_chart(figures.reconstruction_grid([decoded], ["decoded centre"], ds.image_shape,
                                                    captions=[f"c{i} ({int(m.sum())})"
                                                              for i, m in enumerate(members)]),
                        key="clusters.centres")
    else:
        st.dataframe(pd.DataFrame(decoded, columns=ds.feature_names,
                                  index=[f"c{i}" for i in range(len(members))]).round(3), width="stretch")
