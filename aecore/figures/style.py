"""What every figure shares: a template that follows the page's light or dark theme, the label and
cluster palettes, and log axes whose ticks read as whole numbers. No Streamlit here."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

# Grey at a quarter strength reads as a quiet line on a white and on a dark page alike. A 3D scene
# is drawn by WebGL, which adds a translucent line's colour to the page's (white on a light page):
# its lines are an opaque middle grey instead.
NEUTRAL_LINE = "rgba(128, 128, 128, 0.25)"
NEUTRAL_LINE_3D = "#8A8A8A"
TRANSPARENT = "rgba(0, 0, 0, 0)"


def _theme_neutral_template() -> go.layout.Template:
    """Return plotly_white with see-through backgrounds and grey lines, for light and dark pages."""
    template = go.layout.Template(pio.templates["plotly_white"])
    axis = dict(gridcolor=NEUTRAL_LINE, linecolor=NEUTRAL_LINE, zerolinecolor=NEUTRAL_LINE)
    scene_axis = dict(gridcolor=NEUTRAL_LINE_3D, linecolor=NEUTRAL_LINE_3D, zerolinecolor=NEUTRAL_LINE_3D,
                      gridwidth=1, backgroundcolor=TRANSPARENT, showbackground=False)
    template.layout.update(paper_bgcolor=TRANSPARENT, plot_bgcolor=TRANSPARENT, xaxis=axis, yaxis=axis,
                           scene=dict(bgcolor=TRANSPARENT, xaxis=scene_axis, yaxis=scene_axis, zaxis=scene_axis),
                           polar_bgcolor=TRANSPARENT, ternary_bgcolor=TRANSPARENT, geo_bgcolor=TRANSPARENT)
    return template


# Every figure's template: no white box on a dark page (Streamlit's dark theme, a dark notebook);
# the host page supplies the background and the text colour.
TEMPLATE = _theme_neutral_template()


def use_template(fig: go.Figure) -> go.Figure:
    """Give ``fig`` :data:`TEMPLATE` without validating it again, the way Plotly assigns its own default
    template: ``update_layout(template=TEMPLATE)`` re-validated a copy of it, ~10 ms a figure and a sixth
    of a model page's run per visitor (py-spy of the Latent page, issue 31)."""
    layout = fig.layout
    layout._validate = False
    try:
        layout.template = TEMPLATE
    finally:
        layout._validate = fig._validate
    return fig
QUALITATIVE = ["#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#EECA3B", "#B279A2",
               "#FF9DA6", "#9D755D", "#BAB0AC"]
# Clusters have a palette of their own (Plotly's "Bold" without its grey, which is noise's), so that
# cluster 3 is never drawn in the colour that means class 3 on the label maps.
CLUSTER_COLOURS = ["#7F3C8D", "#11A579", "#3969AC", "#F2B701", "#E73F74", "#80BA5A", "#E68310", "#008695",
                   "#CF1C90", "#F97B72"]
NOISE_COLOUR = "#9a9a9a"
#: The ring of the points a search found: in neither palette above, seen on light and dark themes.
FOUND_COLOUR = "#FF00FF"


def log_axis(values) -> dict:
    """Settings of a log axis whose ticks read as numbers: ``update_yaxes(title=..., **log_axis(values))``.

    Plotly's own log ticks label the 2s and 5s between decades with their first digit only, so
    a loss axis reads "2 1 5 2 0.1 5 2 0.01 5". Here every tick carries its whole value: the
    decades the values cover, and 1-2-5 (then every digit) within them while that would leave fewer
    than three ticks among the values (round values a step apart when even the digits leave fewer than two).

    Parameters
    ----------
    values : array-like
        The values the axis shows (non-positive and non-finite ones are ignored).

    Returns
    -------
    dict
        ``type="log"`` with ``tickvals`` and ``ticktext``.

    Examples
    --------
    >>> log_axis([0.0004, 0.3])["ticktext"]
    ['0.0001', '0.001', '0.01', '0.1', '1']
    >>> [text for text in log_axis([0.011, 0.3])["ticktext"] if 0.011 <= float(text) <= 0.3]
    ['0.02', '0.05', '0.1', '0.2']
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values) & (values > 0)]
    low, high = (values.min(), values.max()) if values.size else (1.0, 10.0)
    decades = 10.0 ** np.arange(np.floor(np.log10(low)), np.ceil(np.log10(high)) + 1)
    ticks = decades
    for mantissas in ((1, 2, 5), range(1, 10)):
        if np.count_nonzero((ticks >= low) & (ticks <= high)) >= 3:
            break
        ticks = np.array([m * d for d in decades for m in mantissas])
    if np.count_nonzero((ticks >= low) & (ticks <= high)) < 2 and high > low:
        # Values within one digit step (a loss that barely moved): evenly spaced round values.
        step = 10.0 ** np.floor(np.log10(high - low))
        ticks = np.arange(np.ceil(low / step), np.floor(high / step) + 1) * step
    # Rounded to 12 significant digits so that 3 * 0.01 prints as "0.03".
    ticks = [float(f"{tick:.12g}") for tick in ticks]
    return dict(type="log", tickvals=ticks, ticktext=[f"{tick:,g}" for tick in ticks])


def cluster_colour(cluster_id: int) -> str:
    """The colour of cluster ``cluster_id`` on every cluster figure; grey for noise (-1)."""
    return NOISE_COLOUR if cluster_id == -1 else CLUSTER_COLOURS[int(cluster_id) % len(CLUSTER_COLOURS)]
