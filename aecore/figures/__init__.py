"""Plotly figures, arrays in and ``go.Figure`` out (no Streamlit): the general builders (:mod:`.builders`),
the theme and palettes every figure shares (:mod:`.style`), one module per family of figures (clusters,
anomalies, the Family page's lessons, ...), animations, and two models side by side."""

from .._lazy import lazy_exports

#: The names people import from this package (they lived here before it had submodules), and the
#: submodule that defines each; loaded on first use.
_PUBLIC = {
    "THUMBNAIL_STROKES": "builders", "accuracy_vs_labels": "family",
    "activation_bars": "family", "active_fraction_histogram": "family", "cloud_3d": "builders",
    "cluster_map": "cluster", "codings_scatter": "builders", "codings_scatter_3d": "builders",
    "confusion_heatmap": "cluster", "correlation_heatmap": "builders",
    "decoded_surface": "builders", "error_histogram": "builders", "feature_errors": "builders",
    "gan_losses": "family", "image_mosaic": "builders", "latent_distributions": "builders",
    "loss_comparison": "family", "loss_curves": "builders", "metric_bars": "cluster",
    "parameter_bars": "family", "reconstruction_grid": "builders", "roc_pr_curves": "anomaly",
    "score_histogram": "anomaly", "thumbnail_map": "builders",
    "CLUSTER_COLOURS": "style", "NEUTRAL_LINE": "style", "NEUTRAL_LINE_3D": "style",
    "NOISE_COLOUR": "style", "QUALITATIVE": "style", "TEMPLATE": "style", "TRANSPARENT": "style",
    "cluster_colour": "style", "log_axis": "style", "use_template": "style",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
