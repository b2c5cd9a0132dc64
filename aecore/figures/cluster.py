"""Figures of clusterings (:mod:`aecore.maps.cluster`): a map coloured by cluster, the confusion of
clusters with the true classes, and methods compared on their scores. Arrays in, ``go.Figure`` out;
no Streamlit here."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .builders import _ids_and_points, _layout
from .style import QUALITATIVE, cluster_colour


def confusion_heatmap(matrix: np.ndarray, row_labels, col_labels, title: str | None = None) -> go.Figure:
    """A confusion matrix as an annotated heatmap (rows: true classes, columns: clusters).

    Pair it with :func:`aecore.metrics.matched_confusion`, whose column order puts the best
    matches on the diagonal.

    Parameters
    ----------
    matrix : ndarray of shape (n_rows, n_cols)
        Counts.
    row_labels, col_labels : sequences
        Names of the rows (classes) and columns (clusters; -1 is shown as "noise").
    title : str, optional

    Returns
    -------
    go.Figure
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape != (len(row_labels), len(col_labels)):
        raise ValueError(f"matrix of shape {matrix.shape} needs {matrix.shape[0] if matrix.ndim == 2 else '?'} "
                         f"row labels and {matrix.shape[1] if matrix.ndim == 2 else '?'} column labels; got "
                         f"{len(row_labels)} and {len(col_labels)}.")
    rows = [str(v) for v in row_labels]
    cols = ["noise" if str(v) == "-1" else str(v) for v in col_labels]
    fig = go.Figure(go.Heatmap(z=matrix, x=cols, y=rows,
                               # Viridis has no white end: it reads on light and dark pages alike.
                               colorscale="Viridis", showscale=False, texttemplate="%{z}",
                               hovertemplate="true %{y}, cluster %{x}: %{z}<extra></extra>"))
    fig.update_xaxes(title="cluster", type="category", side="bottom")
    fig.update_yaxes(title="true class", type="category", autorange="reversed")
    return _layout(fig, title, height=max(320, min(700, 80 + 32 * len(rows))))


def cluster_map(points_2d: np.ndarray, labels: np.ndarray, centers_2d: np.ndarray | None = None,
                title: str | None = None, names: dict | None = None) -> go.Figure:
    """A 2D map coloured by cluster, with cluster centres marked by an X.

    Parameters
    ----------
    points_2d : ndarray of shape (n_samples, 2)
    labels : ndarray of shape (n_samples,)
        Cluster labels; -1 (noise) is drawn in grey.
    centers_2d : ndarray of shape (n_clusters, 2), optional
        Centre of cluster ``k`` in row ``k`` (e.g. the mean map position of its points).
    title : str, optional
    names : dict, optional
        Cluster label -> the name its legend entry shows (e.g. "cluster 3 (mostly 6s)");
        default "cluster <label>".

    Returns
    -------
    go.Figure
        One trace per cluster, each point's row id in ``customdata`` (for
        :func:`aecore.maps.selection.selected_ids`); the centres' trace carries no ids. Clusters are
        coloured by :func:`cluster_colour`, a palette apart from the labels' (:data:`QUALITATIVE`).
    """
    points = _ids_and_points(points_2d, 2, "points_2d")
    labels = np.asarray(labels).ravel()
    if labels.size != len(points):
        raise ValueError(f"labels has {labels.size} entries but points_2d has {len(points)} rows.")
    big = len(points) > 1000
    scatter = go.Scattergl if big else go.Scatter
    ids = np.arange(len(points))
    fig = go.Figure()
    names = names or {}
    for value in np.unique(labels):
        mask = labels == value
        fig.add_trace(scatter(x=points[mask, 0], y=points[mask, 1], mode="markers", customdata=ids[mask],
                              name="noise" if value == -1 else names.get(value.item(), f"cluster {value}"),
                              marker=dict(size=4 if big else 7, color=cluster_colour(value), opacity=0.75),
                              hovertemplate="row %{customdata}<extra>%{fullData.name}</extra>"))
    if centers_2d is not None:
        centers = _ids_and_points(centers_2d, 2, "centers_2d")
        fig.add_trace(go.Scatter(x=centers[:, 0], y=centers[:, 1], mode="markers+text", name="centres",
                                 text=[str(k) for k in range(len(centers))], textposition="top center",
                                 marker=dict(symbol="x", size=13, color="black",
                                             line=dict(width=1.5, color="white")),
                                 hovertemplate="centre of cluster %{text}<extra></extra>"))
    fig.update_xaxes(zeroline=False)
    fig.update_yaxes(zeroline=False)
    fig.update_layout(legend=dict(itemsizing="constant"))
    return _layout(fig, title, height=460)


def metric_bars(table: dict[str, dict[str, float]], title: str | None = None) -> go.Figure:
    """Grouped bars comparing methods on several metrics.

    Parameters
    ----------
    table : dict of {method: {metric: value}}
        E.g. ``{"KMeans": {"acc": 0.52, "nmi": 0.49}, "N2D": {"acc": 0.93, "nmi": 0.87}}``;
        a metric missing for a method leaves a gap.
    title : str, optional

    Returns
    -------
    go.Figure
    """
    if not table:
        raise ValueError("table is empty; pass {method: {metric: value}} with at least one method.")
    metrics = list(dict.fromkeys(m for scores in table.values() for m in scores))
    fig = go.Figure()
    for i, (method, scores) in enumerate(table.items()):
        values = [scores.get(m, np.nan) for m in metrics]
        fig.add_trace(go.Bar(x=metrics, y=values, name=str(method), marker_color=QUALITATIVE[i % len(QUALITATIVE)],
                             text=[f"{v:.3g}" if np.isfinite(v) else "" for v in values],
                             textposition="outside"))
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.02, x=1, xanchor="right",
                                                   yanchor="bottom"))
    return _layout(fig, title, height=360)
