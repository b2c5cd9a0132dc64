"""Plotly animations of a training: the latent space forming, a linear decoder's plane turning,
a t-SNE map converging.

Arrays (and an :class:`aecore.training.snapshots.LatentHistory`) in, ``go.Figure`` out, as in
:mod:`aecore.figures.builders`. Each figure has one frame per kept epoch (at most ``max_frames``, spread
evenly, the first and last always among them), a slider labelled by epoch and play / pause
buttons; the axes stay fixed over all frames so that movement is movement of the points.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import plotly.graph_objects as go

from .builders import QUALITATIVE
from .style import use_template

#: Frames drawn at most; a longer history shows every n-th snapshot.
MAX_FRAMES = 60


def frame_positions(n_frames: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """Which of ``n_frames`` snapshots to draw: all, or ``max_frames`` spread evenly (first and
    last included)."""
    if max_frames < 2:
        raise ValueError(f"max_frames={max_frames} must be at least 2 (the first and the last epoch).")
    if n_frames <= max_frames:
        return np.arange(n_frames)
    return np.unique(np.linspace(0, n_frames - 1, max_frames).round().astype(int))


def _padded_range(values: np.ndarray, pad: float = 0.05) -> list[float]:
    low, high = float(np.min(values)), float(np.max(values))
    span = high - low or 1.0
    return [low - pad * span, high + pad * span]


def _controls(names: list[str], labels: list[str], prefix: str, redraw: bool, duration: int) -> dict:
    """Play / pause buttons and an epoch slider for frames called ``names``."""
    def options(frame_duration: int, transition: int) -> dict:
        return {"frame": {"duration": frame_duration, "redraw": redraw},
                "transition": {"duration": transition, "easing": "cubic-in-out"}, "mode": "immediate"}

    play = dict(label="▶", method="animate", args=[None, {**options(duration, duration // 2), "fromcurrent": False}])
    pause = dict(label="❚❚", method="animate", args=[[None], options(0, 0)])
    steps = [dict(label=label, method="animate", args=[[name], options(0, 0)])
             for name, label in zip(names, labels)]
    return {
        # Plotly's own layout for an animation: the buttons left of the slider, the epoch above its end.
        "updatemenus": [dict(type="buttons", direction="left", showactive=False, x=0.1, y=0.0,
                             xanchor="right", yanchor="top", pad=dict(t=62, r=10), buttons=[play, pause])],
        "sliders": [dict(active=len(steps) - 1, steps=steps, x=0.1, len=0.9, xanchor="left", y=0.0,
                         yanchor="top", pad=dict(t=35, b=10),
                         currentvalue=dict(prefix=prefix, visible=True, xanchor="right"),
                         transition=dict(duration=0))],
    }


def _discrete_scale(colours: list[str]) -> list:
    """A colour scale of equal steps, one flat colour per category code 0 .. n-1."""
    n = len(colours)
    scale = []
    for i, colour in enumerate(colours):
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    return scale


def latent_animation(history, labels: Optional[np.ndarray] = None, title: Optional[str] = None, *,
                     categorical: bool = True, axis_titles: Sequence[str] = ("z1", "z2"),
                     epoch_label: str = "epoch", frame_title: str = "epoch {epoch}: loss {loss:.4g}",
                     max_frames: int = MAX_FRAMES, duration: int = 250) -> go.Figure:
    """The fixed subset's 2-D view after each kept epoch, as an animation.

    Parameters
    ----------
    history : aecore.training.snapshots.LatentHistory
    labels : ndarray of shape (history.n_rows,), optional
        A value per row (its label), colouring the points.
    title : str, optional
        The figure's name, available to ``frame_title`` as ``{title}``.
    categorical : bool, default=True
        One colour (and legend entry) per label value; False: a continuous colour scale.
    axis_titles : (str, str)
    epoch_label : str
        The slider's prefix.
    frame_title : str
        Each frame's title, a ``str.format`` template with ``{epoch}``, ``{loss}`` and
        ``{title}``.
    max_frames : int, default=60
    duration : int
        Milliseconds per frame when playing.

    Returns
    -------
    go.Figure
        Shows the last frame; the slider moves between frames, ▶ plays from the first.
    """
    def heading(position: int) -> str:
        loss = float(history.loss[position]) if len(history.loss) else float("nan")
        return frame_title.format(epoch=int(history.epochs[position]), loss=loss, title=title or "")

    return _points_animation(np.asarray(history.points), np.asarray(history.indices), history.epochs, heading,
                             labels, categorical=categorical, axis_titles=axis_titles, step_label=epoch_label,
                             step_name="epoch", max_frames=max_frames, duration=duration)


def tsne_animation(checkpoints, labels: Optional[np.ndarray] = None, *, categorical: bool = True,
                   axis_titles: Sequence[str] = ("t-SNE 1", "t-SNE 2"), iteration_label: str = "iteration",
                   frame_title: str = "iteration {iteration}: KL divergence {kl:.3f}{phase}",
                   exaggeration_note: str = " (early exaggeration)", max_frames: int = MAX_FRAMES,
                   duration: int = 400) -> go.Figure:
    """A t-SNE map after each checkpoint of its iterations, as an animation.

    Parameters
    ----------
    checkpoints : aecore.maps.tsne_steps.TSNECheckpoints
    labels : ndarray of shape (checkpoints.n_rows,), optional
        A value per row, colouring the points.
    categorical : bool, default=True
    axis_titles : (str, str)
    iteration_label : str
        The slider's prefix.
    frame_title : str
        Each frame's title: a ``str.format`` template with ``{iteration}``, ``{kl}`` (the KL
        divergence) and ``{phase}`` (``exaggeration_note`` during early exaggeration, else "").
    max_frames : int, default=60
    duration : int
        Milliseconds per frame when playing.

    Returns
    -------
    go.Figure
        Shows the finished map; each frame has its own axes' ranges (the map grows from a dot to
        its final size, which fixed axes would hide), and its title follows the slider.
    """
    def heading(position: int) -> str:
        note = exaggeration_note if bool(checkpoints.exaggerated[position]) else ""
        return frame_title.format(iteration=int(checkpoints.iterations[position]),
                                  kl=float(checkpoints.kl_divergence[position]), phase=note)

    return _points_animation(np.asarray(checkpoints.points), np.asarray(checkpoints.indices), checkpoints.iterations,
                             heading, labels, categorical=categorical, axis_titles=axis_titles,
                             step_label=iteration_label, step_name="iteration", max_frames=max_frames,
                             duration=duration, rescale=True)


def _points_animation(points: np.ndarray, ids: np.ndarray, steps, heading, labels: Optional[np.ndarray], *,
                      categorical: bool, axis_titles: Sequence[str], step_label: str, step_name: str,
                      max_frames: int, duration: int, rescale: bool = False) -> go.Figure:
    """Points after each step (``points[i]`` after ``steps[i]``), one frame each, titled
    ``heading(i)``; ``rescale``: each frame has its own axes' ranges, else one range holds all."""
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (points.shape[1],):
            raise ValueError(f"labels has shape {labels.shape}; expected ({points.shape[1]},), one "
                             "value per row of the history (labels[history.indices]).")
    positions = frame_positions(len(points), max_frames)
    # One trace holds every point, so that a frame is one small object (a trace per label makes
    # building the figure ten times slower); the legend's entries are markers without points.
    marker = dict(size=5 if points.shape[1] > 300 else 7, opacity=0.75, color=QUALITATIVE[0])
    legend = []
    if labels is not None and categorical:
        values, codes = np.unique(labels, return_inverse=True)
        colours = [QUALITATIVE[i % len(QUALITATIVE)] for i in range(len(values))]
        marker.update(color=codes, cmin=-0.5, cmax=len(values) - 0.5, showscale=False,
                      colorscale=_discrete_scale(colours))
        legend = [go.Scatter(x=[None], y=[None], mode="markers", name=str(value), showlegend=True,
                             marker=dict(size=8, color=colour), hoverinfo="skip")
                  for value, colour in zip(values, colours)]
    elif labels is not None:
        marker.update(color=labels, colorscale="Viridis", showscale=True, colorbar=dict(thickness=12))

    def ranges(p: int) -> dict:
        return {"xaxis": {"range": _padded_range(points[p][:, 0])}, "yaxis": {"range": _padded_range(points[p][:, 1])}}

    names = [f"{step_name} {int(steps[p])}" for p in positions]
    # A frame carries only the points' new positions: colours and hover stay the trace's.
    frames = [go.Frame(name=name, data=[go.Scatter(x=points[p][:, 0], y=points[p][:, 1])], traces=[0],
                       layout=dict(title=dict(text=heading(p)), **(ranges(p) if rescale else {})))
              for name, p in zip(names, positions)]
    last = positions[-1]
    hover = ("row %{customdata}: %{text}<extra></extra>" if labels is not None
             else "row %{customdata}<extra></extra>")
    points_trace = go.Scatter(x=points[last][:, 0], y=points[last][:, 1], mode="markers", marker=marker,
                              customdata=ids, text=None if labels is None else labels.astype(str),
                              hovertemplate=hover, showlegend=False, name="codes")
    fig = go.Figure(data=[points_trace, *legend], frames=frames)
    shown = points[[last]] if rescale else points[positions]
    fig.update_xaxes(title=axis_titles[0], range=_padded_range(shown[..., 0]), autorange=False, zeroline=False)
    fig.update_yaxes(title=axis_titles[1], range=_padded_range(shown[..., 1]), autorange=False, zeroline=False)
    use_template(fig)
    fig.update_layout(height=520, title=dict(text=heading(last), x=0.01),
                      margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(itemclick=False, itemdoubleclick=False),
                      # redraw=True: a frame's title is layout, and without a redraw Plotly moves
                      # only the points and keeps the title of the epoch first drawn.
                      **_controls(names, [str(int(steps[p])) for p in positions],
                                  f"{step_label} ", redraw=True, duration=duration))
    return fig


def _extent(basis: np.ndarray, centre: np.ndarray, X: np.ndarray, margin: float = 0.15) -> np.ndarray:
    """The (2, 2) low / high coordinates, along ``basis``, of a rectangle covering ``X``'s projection."""
    coords = (X - centre) @ basis
    low, high = coords.min(axis=0), coords.max(axis=0)
    pad = (high - low) * margin
    return np.array([low - pad, high + pad])


def _aligned(basis: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the same plane as ``basis``, turned within it to be as close as
    possible to ``reference`` (orthogonal Procrustes): equal planes then draw as equal rectangles."""
    u, _, vt = np.linalg.svd(basis.T @ reference)
    return basis @ (u @ vt)


def _plane_patch(basis: np.ndarray, centre: np.ndarray, extent: np.ndarray):
    """The corners (2 x 2 grids of x, y, z) of the rectangle ``extent`` of a plane."""
    ga, gb = np.meshgrid(extent[:, 0], extent[:, 1])
    corners = centre + ga[..., None] * basis[:, 0] + gb[..., None] * basis[:, 1]
    return corners[..., 0], corners[..., 1], corners[..., 2]


def plane_animation(X: np.ndarray, bases: np.ndarray, centres: np.ndarray, angles: np.ndarray,
                    epochs: Sequence[int], pca_basis: np.ndarray, pca_centre: np.ndarray,
                    title: Optional[str] = None, *, names: Sequence[str] = ("data", "PCA's plane",
                                                                             "autoencoder's plane"),
                    epoch_label: str = "epoch", frame_title: str = "epoch {epoch}: {angle:.1f}° from PCA's plane",
                    max_frames: int = MAX_FRAMES, duration: int = 300) -> go.Figure:
    """A 3-D cloud, PCA's plane (fixed) and a linear autoencoder's plane after each epoch.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 3)
    bases : ndarray of shape (n_frames, 3, 2)
        Orthonormal bases of the autoencoder's plane (:func:`aecore.training.snapshots.decoder_planes`).
    centres : ndarray of shape (n_frames, 3)
        A point of each plane near the data.
    angles : ndarray of shape (n_frames,)
        The largest principal angle to PCA's plane, in degrees
        (:func:`aecore.training.snapshots.plane_angles`).
    epochs : sequence of int
    pca_basis : ndarray of shape (3, 2)
        PCA's components, transposed.
    pca_centre : ndarray of shape (3,)
        The data's mean.
    names : (str, str, str)
        Legend names of the data, PCA's plane and the autoencoder's plane.
    frame_title : str
        Each frame's title: a ``str.format`` template with ``{epoch}`` and ``{angle}``.

    Returns
    -------
    go.Figure
    """
    X = np.asarray(X, dtype=np.float64)
    bases, centres = np.asarray(bases, np.float64), np.asarray(centres, np.float64)
    if X.ndim != 2 or X.shape[1] != 3 or bases.shape[1:] != (3, 2) or len(bases) != len(centres) \
            or len(bases) != len(angles) or len(bases) != len(epochs) or len(bases) == 0:
        raise ValueError(f"plane_animation draws 3-D data and 2-D planes: X {X.shape} must be "
                         f"(n, 3), bases {bases.shape} (n_frames, 3, 2), with centres {centres.shape}, "
                         f"{len(angles)} angles and {len(epochs)} epochs, one per frame.")
    positions = frame_positions(len(bases), max_frames)
    cloud = go.Scatter3d(x=X[:, 0], y=X[:, 1], z=X[:, 2], mode="markers", name=names[0],
                         marker=dict(size=3, color=X[:, 2], colorscale="Viridis", opacity=0.85))
    pca_basis, pca_centre = np.asarray(pca_basis, np.float64), np.asarray(pca_centre, np.float64)
    # Both planes are drawn as the same rectangle (PCA's cover of the data), each in its own plane.
    extent = _extent(pca_basis, pca_centre, X)
    px, py, pz = _plane_patch(pca_basis, pca_centre, extent)
    pca_plane = go.Surface(x=px, y=py, z=pz, opacity=0.3, showscale=False, name=names[1], showlegend=True,
                           colorscale=[[0, "#F58518"], [1, "#F58518"]], hoverinfo="skip")

    patches = {p: _plane_patch(_aligned(bases[p], pca_basis), centres[p], extent)
               for p in positions}

    def ae_plane(position: int, style: bool = True) -> go.Surface:
        sx, sy, sz = patches[position]
        if not style:  # a frame only moves the plane
            return go.Surface(x=sx, y=sy, z=sz)
        return go.Surface(x=sx, y=sy, z=sz, opacity=0.55, showscale=False, name=names[2], showlegend=True,
                          colorscale=[[0, "#3182bd"], [1, "#3182bd"]], hoverinfo="skip")

    def heading(position: int) -> str:
        return frame_title.format(epoch=int(epochs[position]), angle=float(angles[position]))

    frame_names = [f"epoch {int(epochs[p])}" for p in positions]
    frames = [go.Frame(name=name, data=[ae_plane(p, style=False)], traces=[2], layout=dict(title=dict(text=heading(p))))
              for name, p in zip(frame_names, positions)]
    last = positions[-1]
    fig = go.Figure(data=[cloud, pca_plane, ae_plane(last)], frames=frames)
    # Fixed ranges that hold the data and every frame's plane: the 3-D scene hides a surface that
    # leaves its box, and ranges that change with the frames would make the camera jump.
    corners = [np.column_stack([c.ravel() for c in patch]) for patch in [(px, py, pz), *patches.values()]]
    everything = np.vstack([X, *corners])
    axes = {f"{axis}axis": dict(title=f"x{i + 1}", range=_padded_range(everything[:, i], 0.05), autorange=False)
            for i, axis in enumerate("xyz")}
    use_template(fig)
    fig.update_layout(height=560, title=dict(text=heading(last), x=0.01),
                      margin=dict(l=10, r=10, t=40, b=10), legend=dict(x=1, xanchor="right", y=1, yanchor="top"),
                      scene=dict(aspectmode="data", **axes),
                      **_controls(frame_names, [str(int(epochs[p])) for p in positions],
                                  f"{epoch_label} ", redraw=True, duration=duration))
    return fig
