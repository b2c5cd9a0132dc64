"""The Clusters page's parts: each score with a one-line reading of its size, and the clusters
named by their majority label in the heatmap's matched order."""

from __future__ import annotations

import numpy as np
import streamlit as st

from aecore.metrics import majority_labels, matched_confusion, score_level

from .i18n import t


def score_cards_ui(scores: dict, n_found: int, seconds: float, n_classes: int | None, shipped: bool = False) -> None:
    """The clusters found, silhouette (and accuracy, NMI, ARI with labels) and the time, each score
    with its reading (thresholds: :data:`aecore.metrics.SCORE_THRESHOLDS`). ``shipped``: the
    clustering came with the demo, and its time is the one it took when the demo was made."""
    cards = [(t("clusters.found"), f"{n_found}", None),
             (t("clusters.silhouette"), f"{scores['silhouette']:.3f}", "silhouette")]
    if "acc" in scores:
        cards += [(t("clusters.accuracy"), f"{scores['acc']:.3f}", "acc"), ("NMI", f"{scores['nmi']:.3f}", "nmi"),
                  ("ARI", f"{scores['ari']:.3f}", "ari")]
    cards.append((t("clusters.seconds_shipped" if shipped else "common.seconds"), f"{seconds:.1f}", None))
    for column, (label, value, name) in zip(st.columns(len(cards)), cards):
        column.metric(label, value)
        if name is not None:
            level = score_level(name, scores[name], n_classes if name == "acc" else None)
            column.caption(t(f"clusters.reading.{name}_{level}", chance=1 / n_classes if n_classes else 0.0,
                             k=n_classes or 0))


def cluster_order(ds, labels: np.ndarray, ids: np.ndarray):
    """``(order, names, confusion)``: the clusters in the heatmap's matched order with names like
    "cluster 3 (mostly 6s)", and ``matched_confusion``'s result; without labels, the clusters'
    own order, no names and None."""
    if ds.y is None:
        return list(ids), {}, None
    confusion = matched_confusion(ds.y, labels)
    label_of = (lambda c: ds.label_names[c]) if ds.label_names else str
    names = {c: t("clusters.named.cluster", cluster=c, label=label_of(m))
             for c, m in majority_labels(ds.y, labels).items()}
    return [c for c in confusion.col_labels.tolist() if c != -1], names, confusion
