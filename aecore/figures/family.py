"""Figures of the Family page's lessons (:mod:`aecore.experiments.family`, :mod:`aecore.experiments.gan`,
:mod:`aecore.experiments.pretraining`): parameter counts, loss curves of several trainings, code
activations, a GAN's two losses, accuracy against the number of labels. Arrays in, ``go.Figure`` out;
no Streamlit here."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .builders import _layout
from .style import QUALITATIVE, log_axis


def parameter_bars(counts: dict[str, dict[str, int]], part_names: dict[str, str] | None = None,
                   title: str | None = None, yaxis_title: str = "parameters") -> go.Figure:
    """Stacked bars of each model's encoder and decoder parameters, the total on top.

    Parameters
    ----------
    counts : dict of {model name: {"encoder": int, "decoder": int}}
        E.g. :func:`aecore.experiments.family.parameter_split` of a dense and a tied autoencoder.
    part_names : dict, optional
        Legend names of ``"encoder"`` and ``"decoder"``.
    title, yaxis_title : str, optional

    Returns
    -------
    go.Figure
    """
    if not counts:
        raise ValueError("counts is empty; pass {model: {'encoder': n, 'decoder': n}}.")
    names = {"encoder": "encoder", "decoder": "decoder", **(part_names or {})}
    models = list(counts)
    fig = go.Figure()
    for i, part in enumerate(("encoder", "decoder")):
        values = [int(counts[m][part]) for m in models]
        fig.add_trace(go.Bar(x=models, y=values, name=names[part], marker_color=QUALITATIVE[i],
                             text=[f"{v:,}" for v in values], textposition="inside",
                             hovertemplate="%{x}: %{y:,}<extra>" + names[part] + "</extra>"))
    totals = [int(counts[m]["encoder"]) + int(counts[m]["decoder"]) for m in models]
    fig.add_trace(go.Scatter(x=models, y=totals, mode="text", text=[f"{v:,}" for v in totals],
                             textposition="top center", showlegend=False, hoverinfo="skip"))
    fig.update_layout(barmode="stack", legend=dict(orientation="h", y=1.02, x=1, xanchor="right",
                                                   yanchor="bottom"))
    fig.update_yaxes(title=yaxis_title, range=[0, max(totals) * 1.15])
    return _layout(fig, title, height=380)


def loss_comparison(curves: dict[str, list[float]], stages: list[int] | None = None,
                    title: str | None = None, xaxis_title: str = "epoch",
                    yaxis_title: str = "validation loss", stage_label: str = "stage") -> go.Figure:
    """Loss per epoch of several trainings on one log axis; ``stages`` (the phase of each epoch of
    a greedy run) draws a dotted line where each new phase starts.

    Parameters
    ----------
    curves : dict of {name: list of float}
    stages : list of int, optional
    title, xaxis_title, yaxis_title : str, optional
    stage_label : str, default="stage"
        Word put before each phase number.

    Returns
    -------
    go.Figure
    """
    fig = go.Figure()
    for i, (name, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=np.float64)
        fig.add_trace(go.Scatter(x=np.arange(1, len(values) + 1), y=values, mode="lines+markers",
                                 name=str(name), marker=dict(size=5),
                                 line=dict(color=QUALITATIVE[i % len(QUALITATIVE)])))
    if stages:
        stages = list(stages)
        for epoch, (before, after) in enumerate(zip(stages, stages[1:]), start=1):
            if after != before:
                fig.add_vline(x=epoch + 0.5, line_dash="dot", line_color="#999")
        for stage in dict.fromkeys(stages):
            first = stages.index(stage) + 1
            fig.add_annotation(x=first, y=1.0, yref="paper", text=f"{stage_label} {stage}", showarrow=False,
                               xanchor="left", yanchor="top", font=dict(size=10, color="#888"))
    fig.update_xaxes(title=xaxis_title)
    fig.update_yaxes(title=yaxis_title, **log_axis([v for values in curves.values() for v in values]))
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    return _layout(fig, title, height=340)


def activation_bars(mean_activations: dict[str, np.ndarray], targets: dict[str, float] | None = None,
                    title: str | None = None, xaxis_title: str = "code unit (sorted)",
                    yaxis_title: str = "mean activation", target_label: str = "target") -> go.Figure:
    """Each model's mean activation per code unit, sorted from the busiest unit down, one panel
    per model (their code activations differ in scale), with optional target lines.

    Parameters
    ----------
    mean_activations : dict of {model name: ndarray of shape (n_components,)}
    targets : dict of {model name: float}, optional
        A dashed horizontal line in that model's panel (e.g. the sparse AE's KL target).
    title, xaxis_title, yaxis_title, target_label : str, optional

    Returns
    -------
    go.Figure
    """
    if not mean_activations:
        raise ValueError("mean_activations is empty; pass {model: mean activation per unit}.")
    names = list(mean_activations)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names, horizontal_spacing=0.06)
    for i, name in enumerate(names, start=1):
        values = np.sort(np.asarray(mean_activations[name], dtype=np.float64))[::-1]
        fig.add_trace(go.Bar(x=np.arange(1, len(values) + 1), y=values, name=name, showlegend=False,
                             marker_color=QUALITATIVE[(i - 1) % len(QUALITATIVE)],
                             hovertemplate="unit rank %{x}: %{y:.3f}<extra>" + name + "</extra>"), 1, i)
        fig.update_xaxes(title_text=xaxis_title, row=1, col=i)
        if (targets or {}).get(name) is not None:
            fig.add_hline(y=float(targets[name]), line_dash="dash", line_color=QUALITATIVE[3], row=1, col=i,
                          annotation_text=f"{target_label} {targets[name]:g}",
                          annotation_position="top right")
    fig.update_yaxes(title_text=yaxis_title, row=1, col=1)
    fig = _layout(fig, title, height=380)
    if title:  # room for the figure's title above the panels' titles
        fig.update_layout(margin=dict(t=80))
    return fig


def active_fraction_histogram(fractions: dict[str, np.ndarray], n_units: int | None = None,
                              title: str | None = None,
                              xaxis_title: str = "share of code units active on a sample",
                              yaxis_title: str = "samples") -> go.Figure:
    """Overlaid histograms of the share of active code units per sample, one per model.

    Parameters
    ----------
    fractions : dict of {model name: ndarray of shape (n_samples,)}
        Values in [0, 1], e.g. ``activation_profile(codes)["per_sample"]``.
    n_units : int, optional
        The number of code units: one bin per possible count of active units (else 40 bins).
    title, xaxis_title, yaxis_title : str, optional

    Returns
    -------
    go.Figure
    """
    size = 1.0 / int(n_units) if n_units else 0.025
    start = -size / 2 if n_units else 0.0
    fig = go.Figure()
    for i, (name, values) in enumerate(fractions.items()):
        fig.add_trace(go.Histogram(x=np.asarray(values, dtype=np.float64), name=str(name), opacity=0.6,
                                   xbins=dict(start=start, end=1.0 + size, size=size),
                                   marker_color=QUALITATIVE[i % len(QUALITATIVE)]))
    fig.update_layout(barmode="overlay", legend=dict(orientation="h", y=1.02, x=1, xanchor="right",
                                                     yanchor="bottom"))
    fig.update_xaxes(title=xaxis_title, range=[start, 1.0 - start], tickformat=".0%")
    fig.update_yaxes(title=yaxis_title)
    return _layout(fig, title, height=340)


def gan_losses(d_loss, g_loss, names: tuple[str, str] = ("discriminator", "generator"),
               title: str | None = None, xaxis_title: str = "epoch", yaxis_title: str = "loss") -> go.Figure:
    """The discriminator's and the generator's loss per epoch (linear axis: they fight, so
    neither goes to zero).

    Parameters
    ----------
    d_loss, g_loss : sequences of float
    names : tuple of str
        Legend names of the discriminator and the generator.
    title, xaxis_title, yaxis_title : str, optional

    Returns
    -------
    go.Figure
    """
    fig = go.Figure()
    for i, (name, values) in enumerate(zip(names, (d_loss, g_loss))):
        values = np.asarray(values, dtype=np.float64)
        fig.add_trace(go.Scatter(x=np.arange(1, len(values) + 1), y=values, mode="lines+markers",
                                 name=name, marker=dict(size=5), line=dict(color=QUALITATIVE[i])))
    fig.update_xaxes(title=xaxis_title)
    fig.update_yaxes(title=yaxis_title)
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    return _layout(fig, title, height=320)


def accuracy_vs_labels(rows: list[dict], mode_names: dict[str, str] | None = None, title: str | None = None,
                       xaxis_title: str = "labelled samples (log scale)",
                       yaxis_title: str = "test accuracy") -> go.Figure:
    """Test accuracy against the number of labels, one line per classifier mode, log x axis.

    Parameters
    ----------
    rows : list of dict
        ``n_labels``, ``mode`` and ``accuracy`` each, as :func:`aecore.experiments.pretraining.few_label_curve`
        returns them.
    mode_names : dict, optional
        Legend name of each mode.
    title, xaxis_title, yaxis_title : str, optional

    Returns
    -------
    go.Figure
    """
    if not rows:
        raise ValueError("rows is empty; pass few_label_curve's rows.")
    names = mode_names or {}
    counts = sorted({int(r["n_labels"]) for r in rows})
    fig = go.Figure()
    for i, mode in enumerate(dict.fromkeys(r["mode"] for r in rows)):
        mine = sorted((r for r in rows if r["mode"] == mode), key=lambda r: r["n_labels"])
        fig.add_trace(go.Scatter(x=[r["n_labels"] for r in mine], y=[r["accuracy"] for r in mine],
                                 mode="lines+markers", name=names.get(mode, mode), marker=dict(size=8),
                                 line=dict(color=QUALITATIVE[i % len(QUALITATIVE)]),
                                 hovertemplate="%{x} labels: %{y:.1%}<extra>" + names.get(mode, mode) + "</extra>"))
    fig.update_xaxes(title=xaxis_title, type="log", tickvals=counts, ticktext=[f"{n:,}" for n in counts])
    fig.update_yaxes(title=yaxis_title, tickformat=".0%")
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    return _layout(fig, title, height=360)
