"""The sparse and denoising kinds (post 001): each sparsity penalty and each noise trains (tiny,
seeded) and does what it is for; the noise acts while training only."""

import numpy as np
import pytest

from aecore import AutoencoderReducer, params
from aecore.models.noise import corrupt

#: A fit that only has to run: 300 digits, one small hidden layer, two epochs.
TINY = dict(hidden_units=(32,), epochs=2, batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def X():
    from aecore.data.datasets import load_digits_8x8

    return load_digits_8x8().X[:300]


def _layer(reducer, name):
    """A layer of the fitted autoencoder, found inside its encoder or decoder."""
    return next(layer for model in (reducer.encoder_, reducer.decoder_) for layer in model.layers
                if layer.name == name)


@pytest.mark.slow
@pytest.mark.parametrize("sparsity", ["kl", "l1"])
def test_a_sparse_model_trains_with_each_penalty(X, sparsity):
    reducer = AutoencoderReducer(4, kind="sparse", sparsity=sparsity, **TINY).fit(X)
    assert reducer.n_epochs_ == 2 and np.all(np.isfinite(reducer.history_["loss"]))
    codes = reducer.transform(X)
    assert codes.shape == (300, 4) and np.all((codes >= 0) & (codes <= 1))  # sigmoid codes
    # The penalty the model trains with is the one asked for, at its default weight.
    assert reducer.architecture_.sparsity == sparsity
    assert reducer.architecture_.sparsity_weight == params.SPARSITY_WEIGHTS[sparsity]


@pytest.mark.slow
def test_an_l1_penalty_makes_the_codes_smaller(X):
    settings = dict(TINY, epochs=15, hidden_units=(32,))
    penalised = AutoencoderReducer(8, kind="sparse", sparsity="l1", sparsity_weight=0.05, **settings).fit(X)
    free = AutoencoderReducer(8, kind="sparse", sparsity="l1", sparsity_weight=0.0, **settings).fit(X)
    assert np.all(np.isfinite(penalised.history_["loss"]))
    assert np.abs(penalised.transform(X)).mean() < 0.8 * np.abs(free.transform(X)).mean()


@pytest.mark.slow
def test_a_kl_penalty_pulls_the_mean_activation_towards_its_target(X):
    settings = dict(TINY, epochs=15)
    pulled = AutoencoderReducer(8, kind="sparse", sparsity="kl", sparsity_weight=0.5, sparsity_target=0.05,
                                **settings).fit(X)
    free = AutoencoderReducer(8, kind="sparse", sparsity="kl", sparsity_weight=0.0, **settings).fit(X)
    assert abs(pulled.transform(X).mean() - 0.05) < abs(free.transform(X).mean() - 0.05)


@pytest.mark.slow
@pytest.mark.parametrize("noise, level", [("gaussian", 0.3), ("dropout", 0.2)])
def test_a_denoising_model_trains_with_each_noise(X, noise, level):
    reducer = AutoencoderReducer(4, kind="denoising", noise=noise, noise_level=level, **TINY).fit(X)
    assert reducer.n_epochs_ == 2 and np.all(np.isfinite(reducer.history_["loss"]))
    corruption = _layer(reducer, "corruption")
    assert (corruption.noise, corruption.level) == (noise, level)
    # The noise acts while training only: inference reconstructs the clean rows deterministically.
    x = X[:50]
    np.testing.assert_array_equal(np.asarray(corruption(x, training=False)), x)
    noisy = np.asarray(corruption(x, training=True))
    if noise == "dropout":
        nonzero = x != 0
        zeroed = np.mean(noisy[nonzero] == 0)
        assert zeroed == pytest.approx(level, abs=0.05)
    else:
        assert np.std(noisy - x) == pytest.approx(level, rel=0.3)  # clipped to [0, 1] at the edges


def test_corrupt_with_dropout_zeroes_about_the_noise_level(X):
    noisy = corrupt(X, "dropout", 0.2, random_state=0)
    nonzero = X != 0
    assert np.mean(noisy[nonzero] == 0) == pytest.approx(0.2, abs=0.02)
    np.testing.assert_array_equal(noisy[noisy != 0], X[noisy != 0])


def test_dropout_noise_must_stay_below_one(X):
    with pytest.raises(ValueError, match="noise_level=1.5"):
        AutoencoderReducer(4, kind="denoising", noise="dropout", noise_level=1.5, **TINY).fit(X)
