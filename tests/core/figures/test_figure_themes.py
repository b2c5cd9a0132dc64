"""Figures read on a light and on a dark page: no white backgrounds, no colour scale with a white
end on the heatmaps, thumbnails inked for the page's theme; clusters have colours of their own."""

import numpy as np
import pytest

from aecore.figures import builders as figures, animation as figures_animation, cluster as figures_cluster, style as figures_style


def _white(colour) -> bool:
    return str(colour).replace(" ", "").lower() in {"white", "#fff", "#ffffff", "rgb(255,255,255)"}


def _figures(rng):
    points, labels = rng.normal(size=(60, 3)), np.arange(60) % 4
    images = rng.random((60, 64))
    return {
        "cloud_3d": figures.cloud_3d(points),
        "codings_scatter": figures.codings_scatter(points[:, :2], labels, categorical=True),
        "codings_scatter_3d": figures.codings_scatter_3d(points, labels, categorical=True),
        "thumbnail_map": figures.thumbnail_map(points[:, :2], images, (8, 8), labels, n_thumbnails=5),
        "confusion_heatmap": figures_cluster.confusion_heatmap(np.eye(3, dtype=int) * 5, [0, 1, 2], [2, 0, 1]),
        "cluster_map": figures_cluster.cluster_map(points[:, :2], labels),
        "loss_curves": figures.loss_curves({"loss": [1.0, 0.5, 0.2]}),
    }


def test_no_figure_draws_a_white_background(rng):
    for name, fig in _figures(rng).items():
        layout = fig.layout.template.layout
        for colour in (layout.paper_bgcolor, layout.plot_bgcolor, layout.scene.bgcolor, fig.layout.paper_bgcolor,
                       fig.layout.plot_bgcolor):
            assert not _white(colour), (name, colour)
        for axis in (layout.scene.xaxis, layout.scene.yaxis, layout.scene.zaxis):
            assert not axis.showbackground and not _white(axis.backgroundcolor), name
        assert not _white(layout.xaxis.gridcolor) and not _white(fig.layout.scene.xaxis.backgroundcolor), name


def test_heatmaps_and_3d_clouds_use_scales_without_a_white_end(rng):
    from plotly.colors import get_colorscale

    fig = figures_cluster.confusion_heatmap(np.eye(3, dtype=int) * 5, [0, 1, 2], [2, 0, 1])
    scale = fig.data[0].colorscale
    low = scale[0][1] if not isinstance(scale, str) else get_colorscale(scale)[0][1]
    assert low.lower() not in {"#ffffff", "rgb(255,255,255)", "rgb(247,251,255)", "#f7fbff"}
    cloud = figures.cloud_3d(rng.normal(size=(20, 3)))
    assert cloud.data[-1].marker.colorscale[0][1].lower() != "rgb(247,252,245)"  # "Greens"' near-white end


def test_thumbnails_are_inked_for_the_page_theme(rng):
    import base64
    import io

    from PIL import Image

    points, images = rng.normal(size=(30, 2)), np.zeros((30, 64))
    images[:, 27:29] = 1.0  # a stroke in every image
    strokes = {}
    for background in ("light", "dark"):
        fig = figures.thumbnail_map(points, images, (8, 8), n_thumbnails=3, background=background)
        png = base64.b64decode(fig.layout.images[0].source.split(",", 1)[1])
        gray, alpha = np.asarray(Image.open(io.BytesIO(png)).convert("LA")).transpose(2, 0, 1)
        strokes[background] = int(gray[alpha > 0].mean())
    assert strokes["light"] < 64 and strokes["dark"] > 192


def test_thumbnail_map_rejects_an_unknown_background(rng):
    with pytest.raises(ValueError, match="background='blue'"):
        figures.thumbnail_map(rng.normal(size=(5, 2)), rng.random((5, 4)), (2, 2), background="blue")


def test_the_plane_animation_cloud_has_no_white_end(rng):
    X, basis = rng.normal(size=(20, 3)), np.eye(3)[:, :2]
    fig = figures_animation.plane_animation(X, basis[None], np.zeros((1, 3)), np.array([5.0]), [1], basis,
                                            X.mean(axis=0))
    cloud = fig.data[0].marker.colorscale
    assert cloud[0][1].lower() != "rgb(247,252,245)"  # "Greens"' near-white end
    assert not fig.layout.template.layout.scene.xaxis.showbackground


def test_clusters_have_a_palette_apart_from_the_labels(rng):
    labels = np.arange(40) % 4
    clusters = figures_cluster.cluster_map(rng.normal(size=(40, 2)), labels)
    by_label = figures.codings_scatter(rng.normal(size=(40, 2)), labels, categorical=True)
    cluster_colours = {trace.marker.color for trace in clusters.data}
    assert not cluster_colours & set(figures_style.QUALITATIVE)
    assert not cluster_colours & {trace.marker.color for trace in by_label.data}
    assert figures_style.cluster_colour(-1) == figures_style.NOISE_COLOUR
    # A cluster keeps its colour whether or not noise is present.
    with_noise = figures_cluster.cluster_map(rng.normal(size=(41, 2)), np.r_[labels, -1])
    assert {t.name: t.marker.color for t in with_noise.data}["cluster 2"] == figures_style.cluster_colour(2)


def test_cluster_map_names_clusters(rng):
    fig = figures_cluster.cluster_map(rng.normal(size=(30, 2)), np.arange(30) % 3, names={1: "cluster 1 (mostly 6s)"})
    assert [trace.name for trace in fig.data] == ["cluster 0", "cluster 1 (mostly 6s)", "cluster 2"]


def test_a_3d_map_names_its_axes(rng):
    fig = figures.codings_scatter_3d(rng.normal(size=(10, 3)), labels=("UMAP 1", "UMAP 2", "UMAP 3"))
    scene = fig.layout.scene
    assert (scene.xaxis.title.text, scene.yaxis.title.text, scene.zaxis.title.text) == ("UMAP 1", "UMAP 2", "UMAP 3")
    assert figures.codings_scatter_3d(rng.normal(size=(10, 3))).layout.scene.xaxis.title.text == "z1"


def test_the_template_given_without_validation_is_the_validated_one_and_validation_stays_on():
    import plotly.graph_objects as go

    quick = figures_style.use_template(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])))
    checked = go.Figure(go.Scatter(x=[0, 1], y=[1, 0])).update_layout(template=figures_style.TEMPLATE)
    assert quick.to_plotly_json() == checked.to_plotly_json()
    with pytest.raises(ValueError):  # the figure still refuses a property Plotly does not know
        quick.update_layout(not_a_layout_property=1)
