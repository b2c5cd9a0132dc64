"""Figures that put two (or more) models side by side: arrays in, ``go.Figure`` out. No Streamlit here.

Each model keeps one colour across a figure; its validation curve is a dashed, lighter line of that
colour. Maps and reconstructions reuse :func:`aecore.figures.builders.codings_scatter` and
:func:`aecore.figures.builders.reconstruction_grid`.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import plotly.graph_objects as go

from .builders import _layout, log_axis

#: (train, validation) colours of each model, in order: blue for A, orange for B, then green, red.
PAIR_COLOURS = [("#4C78A8", "#9ECAE9"), ("#F58518", "#FFBF79"), ("#54A24B", "#88D27A"),
                ("#E45756", "#FF9D98")]


def paired_loss_curves(histories: Mapping[str, dict], title: str | None = "Loss",
                       train_name: str = "train", validation_name: str = "validation") -> go.Figure:
    """The training and validation loss of several models on one chart, on a log axis.

    Parameters
    ----------
    histories : mapping of model name -> history
        A history is a reducer's ``history_`` (``"loss"`` and, when it held rows out,
        ``"val_loss"``: lists of floats per epoch). Its name starts each legend entry (``"A: train"``).
    title : str or None, default="Loss"
    train_name, validation_name : str
        The legend's words for the two curves (translated by the caller).

    Returns
    -------
    go.Figure

    Examples
    --------
    >>> fig = paired_loss_curves({"A": {"loss": [0.2, 0.1], "val_loss": [0.3, 0.2]}, "B": {"loss": [0.4]}})
    >>> [trace.name for trace in fig.data]
    ['A: train', 'A: validation', 'B: train']
    """
    fig = go.Figure()
    for i, (name, history) in enumerate(histories.items()):
        train_colour, validation_colour = PAIR_COLOURS[i % len(PAIR_COLOURS)]
        for key, label, colour, dash in (("loss", train_name, train_colour, "solid"),
                                         ("val_loss", validation_name, validation_colour, "dash")):
            values = np.asarray((history or {}).get(key) or [], dtype=np.float64)
            if values.size:
                fig.add_trace(go.Scatter(x=np.arange(1, values.size + 1), y=values, mode="lines+markers",
                                         name=f"{name}: {label}", line=dict(color=colour, dash=dash),
                                         marker=dict(size=4, color=colour)))
    fig.update_xaxes(title="epoch")
    fig.update_yaxes(title="loss", **log_axis([v for trace in fig.data for v in trace.y]))
    fig.update_layout(legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    return _layout(fig, title, height=340)

