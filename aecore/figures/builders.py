"""Plotly figure builders: arrays in, ``go.Figure`` out. No Streamlit here.

The general figures: a model's codes on a map (2-D, 3-D, with thumbnails, a sample's neighbours),
its losses, reconstructions and errors, the spread of its code dimensions. The figures of one family
have modules of their own beside this one (:mod:`.cluster`, :mod:`.anomaly`, :mod:`.family`, ...),
and share :func:`_layout` from here."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

# The template, palettes and log axes every figure shares: aecore/figures/style.py.
from .style import FOUND_COLOUR, NOISE_COLOUR, QUALITATIVE, log_axis, use_template


def _layout(fig: go.Figure, title: str | None = None, height: int = 420) -> go.Figure:
    # Subplot titles are annotations above the plot area: a 10 px top margin cut them off.
    top = 40 if title or fig.layout.annotations else 10
    use_template(fig).update_layout(height=height, margin=dict(l=10, r=10, t=top, b=10),
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
                               marker=dict(size=4, color=X[:, 2], colorscale="Viridis", opacity=0.85)))
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
                    categorical: bool = False, customdata: np.ndarray | None = None,
                    highlight: np.ndarray | None = None, highlight_name: str = "matches") -> go.Figure:
    """A 2D map of codes (or of any 2D projection), optionally coloured; ``highlight`` (a boolean
    mask over the points) rings the points found, on top, as a legend entry ``highlight_name``."""
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
    if highlight is not None and np.any(highlight):
        found = np.asarray(highlight, dtype=bool)
        fig.add_trace(scatter(x=codes[found, 0], y=codes[found, 1], mode="markers", name=highlight_name,
                              customdata=ids[found], showlegend=True,
                              marker=dict(size=9 if big else 12, symbol="circle-open", color=FOUND_COLOUR,
                                          line=dict(width=2))))
    fig.update_xaxes(title=labels[0], zeroline=False)
    fig.update_yaxes(title=labels[1], zeroline=False, scaleanchor="x" if not big else None)
    return _layout(fig, title, height=420)


def neighbours_on_map(points: np.ndarray, ids: np.ndarray, row: int, code_rows: np.ndarray,
                      input_rows: np.ndarray, names: tuple[str, str, str] = ("sample", "nearest codes",
                                                                         "nearest inputs"),
                      title: str | None = None, labels: tuple[str, str] = ("z1", "z2")) -> go.Figure:
    """Where a sample and its nearest rows lie on a 2-D map: every point faint, the rows nearest in
    code space and in input space marked apart, the sample as a star. ``ids`` names each point's row;
    rows missing from the map (a sampled map) are left out."""
    position = {int(r): i for i, r in enumerate(np.asarray(ids))}
    fig = go.Figure(go.Scattergl(x=points[:, 0], y=points[:, 1], mode="markers", hoverinfo="skip",
                                 marker=dict(size=4, color="rgba(140,140,140,0.25)"), showlegend=False))
    styles = [(input_rows, names[2], dict(size=11, symbol="diamond-open", color=QUALITATIVE[1],
                                          line=dict(width=2))),
              (code_rows, names[1], dict(size=11, symbol="circle-open", color=QUALITATIVE[0],
                                         line=dict(width=2))),
              ([row], names[0], dict(size=18, symbol="star", color=QUALITATIVE[3],
                                     line=dict(width=1, color="white")))]
    for rows, name, marker in styles:
        at = [position[int(r)] for r in rows if int(r) in position]
        fig.add_trace(go.Scatter(x=points[at, 0], y=points[at, 1], mode="markers", name=name,
                                 customdata=[int(ids[i]) for i in at], marker=marker,
                                 hovertemplate="row %{customdata}<extra>" + name + "</extra>"))
    fig.update_xaxes(title=labels[0], zeroline=False)
    fig.update_yaxes(title=labels[1], zeroline=False)
    return _layout(fig, title, height=380)


def loss_curves(history: dict, title: str | None = "Loss") -> go.Figure:
    """Training (and validation) loss per epoch, on a log axis."""
    fig = go.Figure()
    # Every loss term the model tracks (a VAE adds reconstruction_loss and kl_loss).
    names = {key: {"loss": "train", "val_loss": "validation"}.get(key, key.replace("_", " "))
             for key in history if key.endswith("loss")}
    for key, label in names.items():
        values = history.get(key) or []
        if values:
            fig.add_trace(go.Scatter(x=np.arange(1, len(values) + 1), y=values, mode="lines+markers",
                                     name=label, marker=dict(size=4)))
    fig.update_xaxes(title="epoch")
    fig.update_yaxes(title="loss", **log_axis([v for key in names for v in history.get(key) or []]))
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
    # Single precision: the page sends half the bytes (Plotly writes arrays as binary) for pixels
    # no eye tells from double's.
    mosaic = image_mosaic(rows, image_shape, gap=gap).astype(np.float32)
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


# --------------------------------------------------------------------------- maps and code dimensions


def _ids_and_points(points: np.ndarray, n_columns: int, name: str = "points") -> np.ndarray:
    """Return points as a float array with at least ``n_columns`` columns, or raise."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] < n_columns:
        raise ValueError(f"{name} must have shape (n_samples, {n_columns}); got {points.shape}.")
    return points


def _color_of(i: int, value) -> str:
    """The qualitative colour of the ``i``-th category; grey for noise (-1)."""
    return NOISE_COLOUR if value == -1 else QUALITATIVE[i % len(QUALITATIVE)]


def _thumbnail_uri(image: np.ndarray, low: float, high: float, stroke: int = 20) -> str:
    """A grayscale image as a PNG data URI: strokes of gray level ``stroke``, transparent where blank."""
    import base64
    import io

    from PIL import Image

    ink = np.clip((np.asarray(image, dtype=np.float64) - low) / max(high - low, 1e-12), 0, 1)
    gray = np.full(ink.shape, stroke, dtype=np.uint8)
    alpha = (ink * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(np.dstack([gray, alpha]), mode="LA").save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# The gray level of a thumbnail's strokes on a light and on a dark page (near black, near white).
THUMBNAIL_STROKES = {"light": 20, "dark": 235}


def _spread_out(points: np.ndarray, n: int, min_distance: float, rng) -> np.ndarray:
    """Up to ``n`` row indices in random order, each at least ``min_distance`` from those before."""
    chosen: list[int] = []
    for i in rng.permutation(len(points)):
        if len(chosen) == n:
            break
        if not chosen or np.min(np.max(np.abs(points[chosen] - points[i]), axis=1)) >= min_distance:
            chosen.append(int(i))
    return np.asarray(chosen, dtype=np.int64)


def thumbnail_map(points_2d: np.ndarray, images: np.ndarray, image_shape: tuple[int, int],
                  labels: np.ndarray | None = None, n_thumbnails: int = 300, random_state: int = 0,
                  title: str | None = None, background: str = "light") -> go.Figure:
    """A 2D map with small images drawn at their points, like post 002's t-SNE of MNIST digits.

    Every point is a marker (coloured by label, row id in ``customdata`` so selections work);
    a few hundred of them also get their image, drawn as a Plotly layout image (a base64 PNG,
    transparent where the image is blank) about 4% of the axis range wide. Thumbnails are
    picked at random among points that do not overlap a thumbnail already placed.

    Parameters
    ----------
    points_2d : ndarray of shape (n_samples, 2)
        The map (t-SNE, UMAP, 2-D codes, ...).
    images : ndarray of shape (n_samples, height * width)
        One flattened grayscale image per point (any range; scaled to the array's min-max).
    image_shape : tuple of int
        ``(height, width)``.
    labels : ndarray of shape (n_samples,), optional
        Colours the markers, one trace per label.
    n_thumbnails : int, default=300
        Most images to draw (fewer when the map is crowded).
    random_state : int, default=0
    title : str, optional
    background : {"light", "dark"}, default="light"
        The page the map is shown on: dark strokes on a light page, light strokes on a dark one
        (Streamlit's ``st.context.theme.type``).

    Returns
    -------
    go.Figure

    Examples
    --------
    >>> from aecore.data.datasets import load_digits_8x8
    >>> ds = load_digits_8x8()
    >>> fig = thumbnail_map(ds.X[:, :2] * 10, ds.X, ds.image_shape, ds.y, n_thumbnails=50)
    >>> 0 < len(fig.layout.images) <= 50
    True
    """
    points = _ids_and_points(points_2d, 2, "points_2d")[:, :2]
    images = np.asarray(images)
    if len(images) != len(points):
        raise ValueError(f"images has {len(images)} rows but points_2d has {len(points)}; pass one "
                         "image per point.")
    height, width = (int(s) for s in image_shape)
    if images.reshape(len(images), -1).shape[1] != height * width:
        raise ValueError(f"image_shape={tuple(image_shape)} does not match images with "
                         f"{images.reshape(len(images), -1).shape[1]} values per row.")
    if int(n_thumbnails) < 0:
        raise ValueError(f"n_thumbnails={n_thumbnails} must be >= 0 (e.g. 300).")
    if background not in THUMBNAIL_STROKES:
        raise ValueError(f"background={background!r} must be one of {sorted(THUMBNAIL_STROKES)}: the "
                         "colour of the page the map is shown on.")
    labels = None if labels is None else np.asarray(labels).ravel()
    fig = codings_scatter(points, color=labels, categorical=labels is not None, labels=("", ""))
    for trace in fig.data:
        trace.marker.opacity = 0.5
    span = np.ptp(points, axis=0) if len(points) else np.ones(2)
    span = np.where(span > 0, span, 1.0)
    size = 0.04 * span  # Thumbnail width and height, in axis units.
    rng = np.random.default_rng(random_state)
    chosen = _spread_out(points / span, int(n_thumbnails), 0.7 * 0.04, rng)
    low, high = float(np.min(images)), float(np.max(images))
    fig.update_layout(images=[
        dict(source=_thumbnail_uri(images[i].reshape(height, width), low, high, THUMBNAIL_STROKES[background]),
             xref="x", yref="y",
             x=points[i, 0], y=points[i, 1], sizex=size[0], sizey=size[1], xanchor="center",
             yanchor="middle", sizing="stretch", layer="above")
        for i in chosen])
    fig.update_xaxes(showticklabels=False, showgrid=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, scaleanchor=None)
    return _layout(fig, title, height=640)


def codings_scatter_3d(points: np.ndarray, color: np.ndarray | None = None, categorical: bool = False,
                       title: str | None = None, labels: tuple[str, str, str] = ("z1", "z2", "z3")) -> go.Figure:
    """A 3D map of codes (or of a 3-D projection), optionally coloured.

    Parameters
    ----------
    points : ndarray of shape (n_samples, 3)
    color : ndarray of shape (n_samples,), optional
        Labels (``categorical=True``: one trace each) or values (a colour scale).
    categorical : bool, default=False
    title : str, optional
    labels : tuple of str, default=("z1", "z2", "z3")
        The axes' names: the code's dimensions, or the projection's ("UMAP 1", ...).

    Returns
    -------
    go.Figure
        Row ids are in ``customdata``, although Streamlit cannot select points in 3D.
    """
    points = _ids_and_points(points, 3)
    ids = np.arange(len(points))
    size = 2 if len(points) > 1000 else 4
    fig = go.Figure()
    if categorical and color is not None:
        color = np.asarray(color)
        for i, value in enumerate(np.unique(color)):
            mask = color == value
            fig.add_trace(go.Scatter3d(x=points[mask, 0], y=points[mask, 1], z=points[mask, 2],
                                       mode="markers", name=str(value), customdata=ids[mask],
                                       marker=dict(size=size, color=_color_of(i, value), opacity=0.8)))
    else:
        marker = dict(size=size, opacity=0.8, color="#4C78A8")
        if color is not None:
            marker.update(color=color, colorscale="Viridis", showscale=True, colorbar=dict(thickness=12))
        fig.add_trace(go.Scatter3d(x=points[:, 0], y=points[:, 1], z=points[:, 2], mode="markers",
                                   marker=marker, customdata=ids, showlegend=False, name="codes"))
    fig.update_layout(scene=dict(xaxis_title=labels[0], yaxis_title=labels[1], zaxis_title=labels[2]),
                      legend=dict(itemsizing="constant"))
    return _layout(fig, title, height=520)


def latent_distributions(codes: np.ndarray, max_dims: int = 32,
                         title: str | None = "Distribution of each code dimension") -> go.Figure:
    """One violin (with its box) per latent dimension: spread, skew and dead units at a glance.

    Parameters
    ----------
    codes : ndarray of shape (n_samples, n_components)
    max_dims : int, default=32
        Show at most this many dimensions (the first ones; the title says so).
    title : str, optional

    Returns
    -------
    go.Figure
    """
    codes = _ids_and_points(codes, 1, "codes")
    if int(max_dims) < 1:
        raise ValueError(f"max_dims={max_dims} must be >= 1 (e.g. 32).")
    shown = min(codes.shape[1], int(max_dims))
    if shown < codes.shape[1] and title:
        title = f"{title} (first {shown} of {codes.shape[1]})"
    fig = go.Figure()
    for j in range(shown):
        fig.add_trace(go.Violin(y=codes[:, j], name=f"z{j + 1}", box_visible=True, points=False,
                                line_width=1, fillcolor=QUALITATIVE[0], opacity=0.6,
                                line_color="#2f4b7c", meanline_visible=True, showlegend=False))
    fig.update_yaxes(title="code value")
    return _layout(fig, title, height=360)


def correlation_heatmap(codes: np.ndarray, title: str | None = "Correlation between code dimensions") -> go.Figure:
    """Pearson correlations between latent dimensions (constant dimensions show 0).

    Parameters
    ----------
    codes : ndarray of shape (n_samples, n_components)
    title : str, optional

    Returns
    -------
    go.Figure
    """
    codes = _ids_and_points(codes, 1, "codes")
    if len(codes) < 2:
        raise ValueError(f"codes has {len(codes)} row(s); correlations need at least 2.")
    std = codes.std(axis=0)
    centred = (codes - codes.mean(axis=0)) / np.where(std > 0, std, 1.0)
    corr = (centred.T @ centred) / len(codes)
    np.fill_diagonal(corr, np.where(std > 0, 1.0, 0.0))
    names = [f"z{j + 1}" for j in range(codes.shape[1])]
    fig = go.Figure(go.Heatmap(z=corr, x=names, y=names, zmin=-1, zmax=1, zmid=0, colorscale="RdBu_r",
                               colorbar=dict(title="r", thickness=12),
                               hovertemplate="%{y} vs %{x}: r = %{z:.2f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", scaleanchor="x")
    return _layout(fig, title, height=max(320, min(700, 60 + 22 * len(names))))
