"""aecore.experiments.vae_draws: a VAE's reconstructions drawn from the encoder's Gaussian, seeded."""

import numpy as np
import pytest

from aecore import AutoencoderReducer
from aecore.data.datasets import load_dataset
from aecore.experiments.vae_draws import (
    MAX_DECODED,
    MAX_DRAWS,
    code_distribution,
    sample_reconstructions,
)


@pytest.fixture(scope="module")
def data():
    return load_dataset("digits").X[:600].astype(np.float32)


@pytest.fixture(scope="module")
def vae(data):
    return AutoencoderReducer(2, kind="vae", hidden_units=(32,), loss="binary_crossentropy", epochs=10,
                              batch_size=32, early_stopping=False, random_state=0).fit(data)


@pytest.mark.slow
def test_draws_have_the_documented_shape_and_differ(vae, data):
    draws = sample_reconstructions(vae, data[:5], n_draws=6, random_state=0)
    assert draws.shape == (5, 6, data.shape[1]) and draws.dtype == np.float32
    assert np.isfinite(draws).all()
    for row in draws:  # every pair of draws of one row differs
        gaps = [np.abs(row[i] - row[j]).max() for i in range(6) for j in range(i + 1, 6)]
        assert min(gaps) > 1e-4


def test_the_draws_scatter_around_the_mean_code_reconstruction(vae, data):
    X = data[:20]
    mean_code = vae.reconstruct(X)
    draws = sample_reconstructions(vae, X, n_draws=32, random_state=1)
    single = np.mean((draws - mean_code[:, None, :]) ** 2)  # one draw against the mean reconstruction
    averaged = np.mean((draws.mean(axis=1) - mean_code) ** 2)  # the draws' mean against it
    # Averaging 32 draws cancels most of their scatter (not all: the decoder is not linear).
    assert averaged < 0.25 * single
    assert averaged < 0.01  # pixel values lie in [0, 1]


def test_the_codes_come_from_the_encoder(vae, data):
    z_mean, z_log_var = code_distribution(vae, data[:7])
    assert z_mean.shape == z_log_var.shape == (7, 2)
    np.testing.assert_allclose(z_mean, vae.transform(data[:7]), rtol=1e-5, atol=1e-5)
    assert np.all(np.exp(0.5 * z_log_var) > 0)


def test_the_same_seed_gives_the_same_draws(vae, data):
    a = sample_reconstructions(vae, data[:3], n_draws=4, random_state=7)
    b = sample_reconstructions(vae, data[:3], n_draws=4, random_state=7)
    c = sample_reconstructions(vae, data[:3], n_draws=4, random_state=8)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    g = sample_reconstructions(vae, data[:3], n_draws=4, random_state=np.random.default_rng(7))
    np.testing.assert_array_equal(a, g)


def test_no_rows_are_refused_like_transform(vae, data):
    with pytest.raises(ValueError, match="0 sample"):
        sample_reconstructions(vae, data[:0], n_draws=3)


@pytest.mark.parametrize("n_draws", [0, -1, MAX_DRAWS + 1, 2.5, True, "6"])
def test_n_draws_out_of_range_is_refused(vae, data, n_draws):
    with pytest.raises(ValueError, match=rf"n_draws=.*1 to {MAX_DRAWS}"):
        sample_reconstructions(vae, data[:2], n_draws=n_draws)


def test_too_many_rows_are_refused_naming_the_limit(vae, data):
    rows = MAX_DECODED // 4 + 1
    with pytest.raises(ValueError, match=r"limit of 2,000.*at most 500 rows at 4 draws"):
        sample_reconstructions(vae, np.zeros((rows, data.shape[1]), np.float32), n_draws=4)
    assert sample_reconstructions(vae, data[:500], n_draws=4).shape[:2] == (500, 4)


@pytest.mark.slow
def test_a_non_vae_is_refused(data):
    dense = AutoencoderReducer(2, kind="dense", hidden_units=(16,), epochs=1, random_state=0).fit(data[:100])
    with pytest.raises(ValueError, match=r"kind='dense'.*kind='vae'"):
        sample_reconstructions(dense, data[:2])


def test_an_unfitted_reducer_is_refused(data):
    with pytest.raises(ValueError, match="not fitted"):
        sample_reconstructions(AutoencoderReducer(2, kind="vae"), data[:2])


def test_a_row_of_the_wrong_width_is_refused(vae):
    with pytest.raises(ValueError):
        sample_reconstructions(vae, np.zeros((2, 5), np.float32))
