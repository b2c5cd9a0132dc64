"""A β-VAE's figures: the trade-off over β with the shown β ringed, and the decoded latent plane."""

import numpy as np
import pytest

from aecore.figures.beta_vae import beta_tradeoff_chart, latent_plane


def test_the_trade_off_has_both_curves_and_rings_the_chosen_beta():
    fig = beta_tradeoff_chart([0.1, 1, 10], [0.06, 0.061, 0.07], [11.0, 3.3, 0.05], chosen=10, words={"beta": "β!"})
    mse, ring_mse, kl, ring_kl = fig.data
    assert list(mse.y) == [0.06, 0.061, 0.07] and list(kl.y) == [11.0, 3.3, 0.05]
    assert list(ring_mse.x) == [10.0] and list(ring_kl.y) == [0.05]
    assert fig.layout.xaxis.type == "log" and list(fig.layout.xaxis.ticktext) == ["0.1", "1", "10"]
    assert fig.layout.xaxis.title.text == "β!"
    assert len(beta_tradeoff_chart([0.1, 1], [1, 2], [3, 4]).data) == 2  # nothing chosen: no rings


def test_the_plane_is_a_mosaic_with_z2_growing_upwards():
    images = np.arange(4 * 4, dtype=float).reshape(4, 4) / 16
    fig = latent_plane(images, [-1.0, 1.0], (2, 2))
    assert fig.data[0].z.shape == (5, 5)
    assert list(fig.layout.yaxis.ticktext) == ["1.0", "-1.0"] and list(fig.layout.xaxis.ticktext) == ["-1.0", "1.0"]
    with pytest.raises(ValueError, match="a 2 x 2 grid needs 4"):
        latent_plane(images[:3], [-1.0, 1.0], (2, 2))
