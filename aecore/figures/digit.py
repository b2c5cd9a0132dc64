"""Figures of the "Your own digit" page: one digit's code as bars, and its place on a 2-D map of
the training codes. Arrays in, ``go.Figure`` out; no Streamlit here."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .builders import _layout, codings_scatter, reconstruction_grid

STAR_COLOUR = "#E45756"


def code_bars(code: np.ndarray, title: str | None = None) -> go.Figure:
    """One latent code as a bar per dimension (``z1`` ... ``zk``), positive and negative coloured apart."""
    code = np.asarray(code, dtype=float).ravel()
    names = [f"z{i + 1}" for i in range(len(code))]
    colours = np.where(code >= 0, "#4C78A8", "#F58518")
    fig = go.Figure(go.Bar(x=names, y=code, marker_color=colours, hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    fig.update_xaxes(tickangle=0, tickfont=dict(size=9), type="category")
    fig.update_yaxes(title="value", zeroline=True, zerolinecolor="#888")
    return _layout(fig, title, height=260)


def digit_map(points: np.ndarray, star: np.ndarray, labels: np.ndarray | None = None,
              axis_names: tuple[str, str] = ("z1", "z2"), title: str | None = None,
              star_name: str = "your digit") -> go.Figure:
    """The training rows on a 2-D map (coloured by label when given) with one point as a big star.

    Examples
    --------
    >>> fig = digit_map(np.random.default_rng(0).random((50, 2)), np.array([0.5, 0.5]))
    >>> fig.data[-1].marker.symbol
    'star'
    """
    points = np.asarray(points, dtype=float)
    fig = codings_scatter(points, color=labels, categorical=labels is not None, labels=axis_names, title=title)
    # WebGL points are drawn above SVG ones: the star uses the same kind as the map to stay on top.
    scatter = go.Scattergl if len(points) > 1000 else go.Scatter
    star = np.asarray(star, dtype=float).ravel()
    fig.add_trace(scatter(x=[star[0]], y=[star[1]], mode="markers", name=star_name,
                          marker=dict(symbol="star", size=24, color=STAR_COLOUR, line=dict(width=1.5, color="black")),
                          hovertemplate=f"{star_name}<extra></extra>"))
    fig.update_layout(legend=dict(itemsizing="constant"))
    return fig


def image_row(images: list[np.ndarray], image_shape: tuple[int, int], captions: list[str] | None = None,
              title: str | None = None, height: int | None = None) -> go.Figure:
    """One row of grayscale images with a caption under each, as compact as a row allows."""
    fig = reconstruction_grid([list(images)], [""], image_shape, title, captions)
    fig.update_yaxes(showticklabels=False)
    return fig.update_layout(height=height or (60 if title else 30) + max(90, 600 // max(len(images), 1)))
