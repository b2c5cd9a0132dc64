"""The "how many dimensions?" figure: both models on the error and trustworthiness panels, PCA's
explained variance on the third, the latent sizes as the ticks."""

import numpy as np

from aecore.figures.dimensions import COLOURS, latent_size_curves

RESULT = {"sizes": [2, 4, 8], "autoencoder": {"mse": [0.05, 0.03, 0.02], "trustworthiness": [0.8, 0.9, 0.95]},
          "pca": {"mse": [0.06, 0.04, 0.015], "trustworthiness": [0.7, 0.85, 0.97],
                  "explained_variance": [0.17, 0.29, 0.45]},
          "explained_variance_curve": list(np.linspace(0.1, 0.45, 8))}


def _traces(fig, axis: str):
    return [trace for trace in fig.data if (trace.xaxis or "x") == axis]


def test_each_panel_shows_its_curves():
    fig = latent_size_curves(RESULT, title="sweep")
    error, trust, variance = _traces(fig, "x"), _traces(fig, "x2"), _traces(fig, "x3")
    assert [t.name for t in error] == ["autoencoder", "PCA"]
    assert list(error[0].y) == RESULT["autoencoder"]["mse"] and list(error[1].y) == RESULT["pca"]["mse"]
    assert list(trust[0].y) == RESULT["autoencoder"]["trustworthiness"]
    assert [t.line.color or t.marker.color for t in error] == [COLOURS["autoencoder"], COLOURS["pca"]]
    assert len(variance) == 2 and len(variance[0].y) == 8 and list(variance[1].x) == [2, 4, 8]
    # One legend entry per model, not one per panel.
    assert sum(bool(t.showlegend) for t in fig.data if t.showlegend is not False) == 2


def test_the_latent_sizes_are_the_ticks_and_the_error_axis_is_logarithmic():
    layout = latent_size_curves(RESULT).layout
    for axis in (layout.xaxis, layout.xaxis2, layout.xaxis3):
        assert axis.type == "log" and list(axis.tickvals) == [2, 4, 8]
    assert layout.yaxis.type == "log"
    assert layout.yaxis3.tickformat == ".0%"


def test_the_words_are_the_callers():
    words = {"autoencoder": "오토인코더", "mse": "홀드아웃 MSE", "x": "잠재 크기"}
    fig = latent_size_curves(RESULT, words)
    assert fig.data[0].name == "오토인코더"
    assert fig.layout.annotations[0].text == "홀드아웃 MSE" and fig.layout.xaxis.title.text == "잠재 크기"
