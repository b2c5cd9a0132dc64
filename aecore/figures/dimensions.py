"""The "how many dimensions?" figure: an autoencoder against PCA over latent sizes. A sweep's result
in (:func:`aecore.experiments.dimensions.latent_size_sweep`), ``go.Figure`` out; no Streamlit here."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .builders import _layout
from .style import QUALITATIVE, log_axis

#: The figure's words (the app passes them translated).
WORDS = {"autoencoder": "autoencoder", "pca": "PCA", "mse": "held-out MSE", "trust": "trustworthiness",
         "variance": "PCA: cumulative explained variance", "x": "latent size"}
#: Each model's colour, on every panel.
COLOURS = {"autoencoder": QUALITATIVE[0], "pca": QUALITATIVE[1]}


def latent_size_curves(result: Mapping, words: Mapping[str, str] | None = None,
                       title: str | None = None) -> go.Figure:
    """Three panels over the latent sizes of a sweep: held-out reconstruction error (log axis) and
    trustworthiness of the autoencoder and of PCA, and PCA's cumulative explained variance (at every
    size up to the largest, the swept sizes marked).

    Parameters
    ----------
    result : mapping
        What :func:`aecore.experiments.dimensions.latent_size_sweep` returned (or its JSON).
    words : mapping, optional
        Replacements for :data:`WORDS` (legend entries, panel titles, the x axis).
    title : str, optional

    Returns
    -------
    go.Figure

    Examples
    --------
    >>> result = {"sizes": [2, 8], "autoencoder": {"mse": [0.05, 0.02], "trustworthiness": [0.8, 0.95]},
    ...           "pca": {"mse": [0.06, 0.03], "trustworthiness": [0.7, 0.97],
    ...                   "explained_variance": [0.17, 0.42]}, "explained_variance_curve": list(np.linspace(.1, .42, 8))}
    >>> [trace.name for trace in latent_size_curves(result).data][:2]
    ['autoencoder', 'PCA']
    """
    words = {**WORDS, **(words or {})}
    sizes = [int(k) for k in result["sizes"]]
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.08,
                        subplot_titles=(words["mse"], words["trust"], words["variance"]))
    for column, metric in ((1, "mse"), (2, "trustworthiness")):
        for model in ("autoencoder", "pca"):
            fig.add_trace(go.Scatter(
                x=sizes, y=[float(v) for v in result[model][metric]], mode="lines+markers", name=words[model],
                legendgroup=model, showlegend=column == 1, line=dict(color=COLOURS[model]),
                hovertemplate=f"{words[model]}<br>k = %{{x}}<br>%{{y:.4g}}<extra></extra>"), row=1, col=column)
    curve = np.asarray(result.get("explained_variance_curve") or [], dtype=np.float64)
    if curve.size:
        fig.add_trace(go.Scatter(x=np.arange(1, curve.size + 1), y=curve, mode="lines", showlegend=False,
                                 line=dict(color=COLOURS["pca"], width=1.5), hoverinfo="skip"), row=1, col=3)
    fig.add_trace(go.Scatter(x=sizes, y=[float(v) for v in result["pca"]["explained_variance"]], mode="markers",
                             name=words["variance"], showlegend=False, marker=dict(color=COLOURS["pca"], size=8),
                             hovertemplate="k = %{x}<br>%{y:.1%}<extra></extra>"), row=1, col=3)
    ticks = dict(type="log", tickvals=sizes, ticktext=[str(k) for k in sizes], title=words["x"])
    for column in (1, 2, 3):
        fig.update_xaxes(**ticks, row=1, col=column)
    mse_values = [*result["autoencoder"]["mse"], *result["pca"]["mse"]]
    fig.update_yaxes(**log_axis(mse_values), row=1, col=1)
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02], row=1, col=3)
    fig.update_layout(legend=dict(orientation="h", y=-0.25, x=0, yanchor="top"))
    fig = _layout(fig, title, height=400)
    # The panels' own titles sit above their plots: leave the figure's title a line of its own.
    return fig.update_layout(margin=dict(t=80 if title else 40))
