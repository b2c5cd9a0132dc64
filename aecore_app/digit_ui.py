"""The "Your own digit" page's parts: the picture a person gives (drawn on a canvas, taken with the
camera or uploaded, in tabs), prepared the MNIST way (:mod:`aecore.data.digit_input`); what it is
compared with, fitted once per model in one of the server's job slots; and the results drawn."""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from aecore.data import digit_input
from aecore.figures import digit as figures_digit

from . import caches, passes, session
from .i18n import t
from .layout import escape_markdown

#: The image size this page prepares digits for (MNIST's).
IMAGE_SHAPE = (digit_input.DIGIT_SIDE, digit_input.DIGIT_SIDE)
#: The drawing canvas, in CSS pixels: narrow enough for a phone held upright.
CANVAS_SIDE = 280
#: The most pixels a side of the canvas' PNG may have. streamlit-drawable-canvas 0.13 sends one
#: pixel per CSS pixel (280); four per CSS pixel covers a version that follows a phone's device
#: pixel ratio (at most about 4), and the decoded RGBA stays under 5.1 MB (1120 x 1120 x 4).
MAX_CANVAS_PIXEL_SIDE = 4 * CANVAS_SIDE
STROKE_WIDTH = 22
#: Nearest training digits shown in each space.
N_NEIGHBORS = 8
#: Rough cost of fitting the comparison (PCA, KMeans, neighbour indexes): seconds per million
#: training pixels, measured on the 2-core test machine (4,000 MNIST digits: about 2 s).
SECONDS_PER_MILLION_PIXELS = 0.6
SECONDS_FIXED = 0.3


def fits_model(dataset) -> bool:
    """Whether the page can prepare digits for a model of this data (28x28 images)."""
    return dataset.is_image and tuple(dataset.image_shape) == IMAGE_SHAPE


def _chose(source: str) -> None:
    """Remember which input the person used last: that picture is the one shown."""
    st.session_state["digit.source"] = source


def _canvas_picture() -> str | None:
    """The canvas drawing as the browser sent it (a PNG data URL, not yet decoded), or None while
    it is empty."""
    try:
        from streamlit_drawable_canvas import st_canvas
    except ImportError:  # an install without the app extra's canvas: the other inputs still work
        st.info(t("digit.no_canvas"))
        return None
    st.caption(t("digit.draw_help"))
    # The canvas's toolbar rises 2.65rem above the canvas when the pointer is over it (and stays
    # there after a stroke): this room keeps it off the instructions above.
    st.space("small")
    result = st_canvas(stroke_width=STROKE_WIDTH, stroke_color="#000000", background_color="#FFFFFF",
                       height=CANVAS_SIDE, width=CANVAS_SIDE, drawing_mode="freedraw", return_image_data=True,
                       key="digit.canvas", on_change=partial(_chose, "draw"))
    # CanvasResult.image_data would decode whatever PNG the browser sent before its size is known
    # (a 9,400 x 9,400 one costs a gigabyte): take the data URL undecoded, for read_canvas_png.
    # The pinned 0.13.0 has no public name for it; a version without this slot fails the tests.
    drawing, data_url = result.json_data, result._image_data_url
    drawn = drawing.get("objects") if isinstance(drawing, dict) else None
    return None if not drawn or data_url is None else data_url


def digit_input_ui() -> np.ndarray | None:
    """The tabs to draw, photograph or upload a digit; the chosen picture prepared as a 28x28
    MNIST-like image, or None (nothing given yet, or a picture that could not be used: then the
    person is told why with ``st.error``)."""
    draw, camera, upload = st.tabs([t("digit.tab_draw"), t("digit.tab_camera"), t("digit.tab_upload")])
    pictures = {}
    with draw:
        pictures["draw"] = _canvas_picture()
    with camera:
        pictures["camera"] = st.camera_input(t("digit.camera_label"), key="digit.camera",
                                             on_change=_chose, args=("camera",))
    with upload:
        pictures["upload"] = st.file_uploader(t("digit.upload_label"), type=["png", "jpg", "jpeg"],
                                              key="digit.upload", on_change=_chose, args=("upload",))
    given = [source for source, picture in pictures.items() if picture is not None]
    if not given:
        st.info(t("digit.waiting"), icon=":material/draw:")
        return None
    latest = st.session_state.get("digit.source")
    source = latest if latest in given else given[-1]
    picture = pictures[source]
    try:
        if source == "draw":
            picture = digit_input.read_canvas_png(picture, MAX_CANVAS_PIXEL_SIDE)
        else:
            picture = digit_input.read_digit_image(picture.getvalue(), t("digit.picture"))
        return digit_input.preprocess_digit(picture)
    except ValueError as exc:
        st.error(t("digit.bad_picture", error=escape_markdown(str(exc))), icon=":material/block:")
        return None


def reference_of(loaded) -> digit_input.DigitReference:
    """The comparison for the current model, fitted once on its training rows (stating how long it
    should take, then in one of the server's job slots)."""
    key = ("digit", loaded.id)
    found = caches.digit_references().get(key)
    if found is not None:
        return found
    ds, reducer = loaded.dataset, loaded.reducer
    train_idx, _ = caches.split_indices(loaded.active.key, ds.n_samples, ds)
    codes = passes.codes_of(loaded.id, reducer, ds.X)[train_idx]
    errors = passes.reconstruction_errors(loaded.id, reducer, ds.X)[train_idx]
    seconds = SECONDS_FIXED + SECONDS_PER_MILLION_PIXELS * len(train_idx) * ds.n_features / 1e6
    note = st.empty()
    note.caption(t("digit.preparing", n=len(train_idx), seconds=max(1, seconds)))

    def work() -> digit_input.DigitReference:
        with st.spinner(t("digit.job")):
            return digit_input.fit_reference(ds.X[train_idx], codes, errors, loaded.config.n_components,
                                             None if ds.y is None else ds.y[train_idx])

    found = session.run_exclusive(caches.digit_references(), key, t("digit.job"), work)
    note.empty()
    return found


def _label(ds, value, markdown: bool = True) -> str:
    """A label as a person reads it: the name an upload gave it (escaped for Markdown), else its number."""
    names = getattr(ds, "label_names", None)
    if not names or not 0 <= value < len(names):
        return str(value)
    return escape_markdown(names[value]) if markdown else str(names[value])[:20]


def input_and_reconstructions_ui(report: digit_input.DigitReport, k: int) -> None:
    """The prepared digit next to the autoencoder's and PCA's reconstructions, their errors and
    the anomaly percentile."""
    st.subheader(t("digit.input_heading"))
    left, right = st.columns([3, 2])
    left.markdown(f"**{t('digit.grid_title')}**")  # not the chart's title: it would be cut on a phone
    left.plotly_chart(figures_digit.image_row(
        [report.image, report.ae_reconstruction, report.pca_reconstruction], IMAGE_SHAPE,
        [t("digit.grid_input"), t("digit.grid_ae", error=report.ae_error), t("digit.grid_pca", error=report.pca_error)]),
        key="digit.grid")
    right.metric(t("digit.ae_error"), f"{report.ae_error:.4f}")
    right.metric(t("digit.pca_error", k=k), f"{report.pca_error:.4f}")
    right.markdown(t("digit.stranger", percent=report.anomaly_percentile))


def code_and_map_ui(report: digit_input.DigitReport, reference: digit_input.DigitReference) -> None:
    """The code as bars and its place (a star) on the 2-D map of the training codes."""
    k = len(report.code)
    st.subheader(t("digit.code_heading"))
    left, right = st.columns(2)
    left.plotly_chart(figures_digit.code_bars(report.code, t("digit.code_title", k=k)), key="digit.code")
    if reference.map_pca is None:
        title, axes = t("digit.map_title_raw"), ("z1", "z2")
    else:
        title, axes = t("digit.map_title_pca", k=k), ("PC1", "PC2")
    right.markdown(f"**{title}**")  # not the chart's title: it would be cut on a phone
    right.plotly_chart(figures_digit.digit_map(reference.map_points, report.map_point, reference.y, axes, None,
                                               t("digit.star")), key="digit.map")


def neighbours_ui(report: digit_input.DigitReport, loaded) -> None:
    """The nearest training digits in code space next to the nearest in pixel space, with their
    labels and how many share the majority's."""
    ds = loaded.dataset
    train_idx, _ = caches.split_indices(loaded.active.key, ds.n_samples, ds)
    st.subheader(t("digit.neighbours_heading"))
    left, right = st.columns(2)
    for column, neighbours, heading, key in ((left, report.code_neighbours, t("digit.code_space"), "digit.near_code"),
                                             (right, report.pixel_neighbours, t("digit.pixel_space"), "digit.near_pixel")):
        column.markdown(f"**{heading}**")
        captions = None if neighbours.labels is None else [_label(ds, int(v), markdown=False)
                                                            for v in neighbours.labels]
        column.plotly_chart(figures_digit.image_row(list(ds.X[train_idx[neighbours.indices]]), IMAGE_SHAPE, captions),
                            key=key)
        if neighbours.labels is None:
            column.caption(t("digit.no_labels"))
        else:
            column.markdown(t("digit.share", count=neighbours.n_majority, n=len(neighbours.indices),
                              label=_label(ds, neighbours.majority)))


def report_of(loaded, digit: np.ndarray) -> tuple[digit_input.DigitReport, digit_input.DigitReference]:
    """What the current model makes of a prepared digit, and the comparison it was measured with."""
    reference = reference_of(loaded)
    return digit_input.digit_report(digit, loaded.reducer, reference, N_NEIGHBORS), reference


def cluster_ui(report: digit_input.DigitReport, reference: digit_input.DigitReference, ds) -> None:
    """The KMeans cluster of the training codes the digit falls in."""
    if report.cluster_majority is None:
        st.markdown(t("digit.cluster_no_labels", cluster=report.cluster + 1, n_clusters=reference.n_clusters,
                      size=report.cluster_size))
    else:
        st.markdown(t("digit.cluster", cluster=report.cluster + 1, n_clusters=reference.n_clusters,
                      size=report.cluster_size, share=report.cluster_share, label=_label(ds, report.cluster_majority)))
