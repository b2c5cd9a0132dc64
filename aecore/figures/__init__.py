"""Plotly figures, arrays in and ``go.Figure`` out (no Streamlit): the builders (:mod:`.builders`), the
theme and palettes every figure shares (:mod:`.style`), animations, and two models side by side."""

from .._lazy import lazy_exports

#: The names people import from this package (they lived here before it had submodules), and the
#: submodule that defines each; loaded on first use.
_PUBLIC = {
    "THUMBNAIL_STROKES": "builders", "accuracy_vs_labels": "builders",
    "activation_bars": "builders", "active_fraction_histogram": "builders", "cloud_3d": "builders",
    "cluster_map": "builders", "codings_scatter": "builders", "codings_scatter_3d": "builders",
    "confusion_heatmap": "builders", "correlation_heatmap": "builders",
    "decoded_surface": "builders", "error_histogram": "builders", "feature_errors": "builders",
    "gan_losses": "builders", "image_mosaic": "builders", "latent_distributions": "builders",
    "loss_comparison": "builders", "loss_curves": "builders", "metric_bars": "builders",
    "parameter_bars": "builders", "reconstruction_grid": "builders", "roc_pr_curves": "builders",
    "score_histogram": "builders", "thumbnail_map": "builders",
    "CLUSTER_COLOURS": "style", "NEUTRAL_LINE": "style", "NEUTRAL_LINE_3D": "style",
    "NOISE_COLOUR": "style", "QUALITATIVE": "style", "TEMPLATE": "style", "TRANSPARENT": "style",
    "cluster_colour": "style", "log_axis": "style",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
