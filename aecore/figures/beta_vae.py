"""Figures of a β-VAE comparison (:func:`aecore.experiments.beta_vae.beta_tradeoff`): the trade-off
between reconstruction and KL over β, and a 2-D latent plane decoded as a grid of images. No Streamlit."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .builders import _layout, image_mosaic
from .style import QUALITATIVE

#: The figures' words (the app passes them translated).
WORDS = {"mse": "held-out reconstruction MSE", "kl": "KL from the prior (nats per row)", "beta": "β",
         "chosen": "shown", "z1": "z1", "z2": "z2"}


def beta_tradeoff_chart(betas, reconstruction_mse, kl, chosen: float | None = None,
                        words: Mapping[str, str] | None = None, title: str | None = None) -> go.Figure:
    """Reconstruction error and KL against β (log axes for β), the ``chosen`` β ringed on both.

    Examples
    --------
    >>> fig = beta_tradeoff_chart([0.1, 1, 10], [0.06, 0.061, 0.07], [11.0, 3.3, 0.05], chosen=1)
    >>> len(fig.data)
    4
    """
    words = {**WORDS, **(words or {})}
    betas = [float(b) for b in betas]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=(words["mse"], words["kl"]))
    for column, values, colour in ((1, reconstruction_mse, QUALITATIVE[0]), (2, kl, QUALITATIVE[1])):
        values = [float(v) for v in values]
        fig.add_trace(go.Scatter(x=betas, y=values, mode="lines+markers", showlegend=False,
                                 line=dict(color=colour), hovertemplate="β = %{x:g}<br>%{y:.4g}<extra></extra>"),
                      row=1, col=column)
        if chosen is not None and float(chosen) in betas:
            i = betas.index(float(chosen))
            fig.add_trace(go.Scatter(x=[betas[i]], y=[values[i]], mode="markers", name=words["chosen"],
                                     showlegend=False, hoverinfo="skip",
                                     marker=dict(size=16, color="rgba(0,0,0,0)", line=dict(color=colour, width=2))),
                          row=1, col=column)
    for column in (1, 2):
        fig.update_xaxes(type="log", tickvals=betas, ticktext=[f"{b:g}" for b in betas], title=words["beta"],
                         row=1, col=column)
    fig = _layout(fig, title, height=300)
    return fig.update_layout(margin=dict(t=70 if title else 40))


def latent_plane(images, grid, image_shape: tuple[int, int], words: Mapping[str, str] | None = None,
                 title: str | None = None) -> go.Figure:
    """The decodings of a square grid of 2-D codes as one grayscale mosaic, ``z1`` growing to the
    right and ``z2`` upwards (``images`` row by row from the top, as
    :func:`aecore.experiments.beta_vae.beta_tradeoff` decodes them).

    Examples
    --------
    >>> fig = latent_plane(np.zeros((4, 4)), [-1.0, 1.0], (2, 2))
    >>> fig.data[0].z.shape
    (5, 5)
    """
    words = {**WORDS, **(words or {})}
    grid = np.asarray(grid, dtype=np.float64)
    n, (h, w) = len(grid), image_shape
    images = np.asarray(images)
    if images.shape[0] != n * n:
        raise ValueError(f"images has {images.shape[0]} rows; a {n} x {n} grid needs {n * n}.")
    gap = 1
    mosaic = image_mosaic([images[r * n:(r + 1) * n] for r in range(n)], image_shape, gap=gap)
    fig = go.Figure(go.Heatmap(z=mosaic, colorscale="gray_r", zmin=0, zmax=1, showscale=False, hoverinfo="skip"))
    centres_x = [j * (w + gap) + w / 2 for j in range(n)]
    centres_y = [i * (h + gap) + h / 2 for i in range(n)]
    fig.update_xaxes(tickvals=centres_x, ticktext=[f"{v:.1f}" for v in grid], title=words["z1"], showgrid=False,
                     zeroline=False)
    fig.update_yaxes(tickvals=centres_y, ticktext=[f"{v:.1f}" for v in grid[::-1]], title=words["z2"],
                     autorange="reversed", scaleanchor="x", showgrid=False, zeroline=False)
    return _layout(fig, title, height=460)
