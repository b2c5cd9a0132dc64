"""Figures of an anomaly evaluation (:mod:`aecore.anomaly`): the scores' histogram with the threshold,
and ROC and precision-recall curves per method. Arrays in, ``go.Figure`` out; no Streamlit here."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .builders import _layout
from .style import QUALITATIVE, log_axis


def score_histogram(scores: np.ndarray, threshold: float | None = None,
                    title: str | None = "Anomaly score (reconstruction error)") -> go.Figure:
    """Histogram of anomaly scores with the threshold drawn as a line."""
    fig = go.Figure(go.Histogram(x=scores, nbinsx=80, marker_color=QUALITATIVE[0], name="samples"))
    if threshold is not None:
        fig.add_vline(x=threshold, line_dash="dash", line_color=QUALITATIVE[3],
                      annotation_text=f"threshold {threshold:.4g}")
    fig.update_xaxes(title="reconstruction error")
    fig.update_yaxes(title="samples", **log_axis([1, len(scores)]))  # a bin holds 1 .. all of them
    return _layout(fig, title, height=320)


def roc_pr_curves(methods: dict, title: str | None = None) -> go.Figure:
    """ROC and precision-recall curves side by side, one line per method (``MethodResult``-like)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("ROC curve", "Precision-recall curve"))
    for i, (name, result) in enumerate(methods.items()):
        color = QUALITATIVE[i % len(QUALITATIVE)]
        fig.add_trace(go.Scatter(x=result.fpr, y=result.tpr, mode="lines", line=dict(color=color),
                                 name=f"{name} (AUC {result.roc_auc:.3f})", legendgroup=name), 1, 1)
        fig.add_trace(go.Scatter(x=result.recall, y=result.precision, mode="lines", line=dict(color=color),
                                 name=f"{name} (AP {result.average_precision:.3f})", legendgroup=name,
                                 showlegend=False), 1, 2)
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dot", color="#999"),
                             name="chance", showlegend=False), 1, 1)
    fig.update_xaxes(title_text="false positive rate", row=1, col=1)
    fig.update_yaxes(title_text="true positive rate", row=1, col=1)
    fig.update_xaxes(title_text="recall", row=1, col=2)
    fig.update_yaxes(title_text="precision", row=1, col=2)
    return _layout(fig, title, height=400)
