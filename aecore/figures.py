"""Plotly figure builders: arrays in, ``go.Figure`` out. No Streamlit here."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

TEMPLATE = "plotly_white"
QUALITATIVE = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#EECA3B", "#B279A2",
               "#FF9DA6", "#9D755D", "#BAB0AC"]


def _layout(fig: go.Figure, title: str | None = None, height: int = 420) -> go.Figure:
    fig.update_layout(template=TEMPLATE, height=height, margin=dict(l=10, r=10, t=40 if title else 10, b=10),
                      title=dict(text=title, x=0.01) if title else None)
    return fig


def cloud_3d(X: np.ndarray, reconstruction: np.ndarray | None = None,
             surface: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
             title: str | None = "3D original") -> go.Figure:
    """The original 3D cloud coloured by height, the learned surface and the reconstructions."""
    fig = go.Figure()
    if surface is not None:
        sx, sy, sz = surface
        fig.add_trace(go.Surface(x=sx, y=sy, z=sz, opacity=0.35, showscale=False, name="decoder plane",
                                 colorscale=[[0, "#9ecae1"], [1, "#3182bd"]], hoverinfo="skip"))
    if reconstruction is not None:
        lines_x = np.column_stack([X[:, 0], reconstruction[:, 0], np.full(len(X), np.nan)]).ravel()
        lines_y = np.column_stack([X[:, 1], reconstruction[:, 1], np.full(len(X), np.nan)]).ravel()
        lines_z = np.column_stack([X[:, 2], reconstruction[:, 2], np.full(len(X), np.nan)]).ravel()
        fig.add_trace(go.Scatter3d(x=lines_x, y=lines_y, z=lines_z, mode="lines", name="error",
                                   line=dict(color="rgba(120,120,120,0.5)", width=2), hoverinfo="skip"))
        fig.add_trace(go.Scatter3d(x=reconstruction[:, 0], y=reconstruction[:, 1], z=reconstruction[:, 2],
                                   mode="markers", name="reconstruction",
                                   marker=dict(size=3, color="#E45756", symbol="diamond")))
    fig.add_trace(go.Scatter3d(x=X[:, 0], y=X[:, 1], z=X[:, 2], mode="markers", name="original",
                               marker=dict(size=4, color=X[:, 2], colorscale="Greens", opacity=0.85,
                                           line=dict(width=0.5, color="#2d6a4f"))))
    fig.update_layout(scene=dict(xaxis_title="x1", yaxis_title="x2", zaxis_title="x3", aspectmode="data"),
                      legend=dict(orientation="h", y=-0.02))
    return _layout(fig, title, height=460)


def decoded_surface(decode, codes: np.ndarray, steps: int = 12, margin: float = 0.15):
    """Decode a grid spanning the codes' range: the surface the decoder can produce."""
    lo, hi = codes.min(axis=0), codes.max(axis=0)
    pad = (hi - lo) * margin
    g1, g2 = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], steps),
                         np.linspace(lo[1] - pad[1], hi[1] + pad[1], steps))
    out = np.asarray(decode(np.column_stack([g1.ravel(), g2.ravel()]).astype(np.float32)))
    return tuple(out[:, i].reshape(steps, steps) for i in range(3))


def codings_scatter(codes: np.ndarray, color: np.ndarray | None = None, title: str | None = None,
                    labels: tuple[str, str] = ("z1", "z2"), color_title: str = "",
                    categorical: bool = False, customdata: np.ndarray | None = None) -> go.Figure:
    """A 2D map of codes (or of any 2D projection), optionally coloured."""
    fig = go.Figure()
    big = len(codes) > 1000
    scatter = go.Scattergl if big else go.Scatter
    ids = np.arange(len(codes)) if customdata is None else customdata
    if categorical and color is not None:
        for i, value in enumerate(np.unique(color)):
            mask = color == value
            fig.add_trace(scatter(x=codes[mask, 0], y=codes[mask, 1], mode="markers", name=str(value),
                                  customdata=ids[mask],
                                  marker=dict(size=4 if big else 7, color=QUALITATIVE[i % len(QUALITATIVE)],
                                              opacity=0.75)))
    else:
        marker = dict(size=4 if big else 8, opacity=0.8)
        if color is not None:
            marker.update(color=color, colorscale="Viridis", showscale=True,
                          colorbar=dict(title=color_title, thickness=12))
        else:
            marker.update(color="#4C78A8")
        fig.add_trace(scatter(x=codes[:, 0], y=codes[:, 1], mode="markers", marker=marker,
                              customdata=ids, name="codes", showlegend=False))
    fig.update_xaxes(title=labels[0], zeroline=False)
    fig.update_yaxes(title=labels[1], zeroline=False, scaleanchor="x" if not big else None)
    return _layout(fig, title, height=420)


def loss_curves(history: dict, title: str | None = "Loss") -> go.Figure:
    """Training (and validation) loss per epoch, on a log axis."""
    fig = go.Figure()
    names = {"loss": "train", "val_loss": "validation"}
    for key, label in names.items():
        values = history.get(key) or []
        if values:
            fig.add_trace(go.Scatter(x=np.arange(1, len(values) + 1), y=values, mode="lines+markers",
                                     name=label, marker=dict(size=4)))
    fig.update_xaxes(title="epoch")
    fig.update_yaxes(title="loss", type="log")
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    return _layout(fig, title, height=300)


def image_mosaic(rows: list[np.ndarray], image_shape: tuple[int, int], gap: int = 2) -> np.ndarray:
    """Tile rows of flattened images into one 2D array, NaN gaps between tiles."""
    h, w = image_shape
    n_cols = max(len(r) for r in rows)
    mosaic = np.full((len(rows) * (h + gap) - gap, n_cols * (w + gap) - gap), np.nan)
    for i, row in enumerate(rows):
        for j, flat in enumerate(row):
            mosaic[i * (h + gap):i * (h + gap) + h, j * (w + gap):j * (w + gap) + w] = \
                np.asarray(flat).reshape(h, w)
    return mosaic


def reconstruction_grid(rows: list[np.ndarray], row_names: list[str], image_shape: tuple[int, int],
                        title: str | None = None, captions: list[str] | None = None) -> go.Figure:
    """Image rows (e.g. originals / AE / PCA) as one grayscale mosaic with labelled rows."""
    h, w = image_shape
    gap = max(1, h // 14)
    mosaic = image_mosaic(rows, image_shape, gap=gap)
    fig = go.Figure(go.Heatmap(z=mosaic, colorscale="gray_r", zmin=0, zmax=1, showscale=False,
                               hoverinfo="skip"))
    fig.update_yaxes(autorange="reversed", showgrid=False, zeroline=False, scaleanchor="x",
                     tickvals=[i * (h + gap) + h / 2 for i in range(len(rows))], ticktext=row_names)
    fig.update_xaxes(showgrid=False, zeroline=False, showticklabels=captions is not None,
                     tickvals=[j * (w + gap) + w / 2 for j in range(len(captions or []))],
                     ticktext=captions, tickangle=0, tickfont=dict(size=9))
    n_cols = max(len(r) for r in rows)
    return _layout(fig, title, height=int(70 + len(rows) * max(60, 900 / max(n_cols, 1))))


def error_histogram(errors: dict[str, np.ndarray], title: str | None = "Per-sample reconstruction error") -> go.Figure:
    """Overlaid histograms of per-sample errors, one per method."""
    fig = go.Figure()
    for i, (name, values) in enumerate(errors.items()):
        fig.add_trace(go.Histogram(x=values, name=name, opacity=0.6, nbinsx=60,
                                   marker_color=QUALITATIVE[i % len(QUALITATIVE)]))
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title="mean squared error")
    fig.update_yaxes(title="samples")
    return _layout(fig, title, height=320)


def feature_errors(names: list[str], errors: dict[str, np.ndarray], top: int = 30,
                   title: str | None = "Per-feature reconstruction error") -> go.Figure:
    """Grouped bars of the mean squared error of each feature (the worst ``top`` features)."""
    first = next(iter(errors.values()))
    order = np.argsort(first)[::-1][:top]
    fig = go.Figure()
    for i, (name, values) in enumerate(errors.items()):
        fig.add_trace(go.Bar(x=[names[j] for j in order], y=values[order], name=name,
                             marker_color=QUALITATIVE[i % len(QUALITATIVE)]))
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="mean squared error")
    return _layout(fig, title, height=340)
