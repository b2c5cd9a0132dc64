"""Each kind's own setting (the VAE's beta, the WTA rate, the convolutional filters and kernel size,
the contractive weight) reaches the Keras model a TrainConfig trains, survives saving the run, and
a convolution too deep for the images is refused before anything is built."""

import keras
import pytest

from aecore.presets import TrainConfig


def _layer(reducer, name):
    """A layer of the fitted autoencoder, found inside its encoder or decoder."""
    return next(layer for model in (reducer.encoder_, reducer.decoder_) for layer in model.layers
                if layer.name == name)


def _conv_layers(reducer):
    return [layer for layer in reducer.encoder_.layers if isinstance(layer, keras.layers.Conv2D)]


#: kind -> (its own settings, not their defaults; what the built model holds of them)
CASES = {
    "vae": ({"kl_weight": 4.0}, lambda r: r.autoencoder_.kl_weight),
    "wta": ({"wta_rate": 0.2}, lambda r: _layer(r, "winner_take_all").rate),
    "conv": ({"filters": (4, 6, 8), "kernel_size": 5},
             lambda r: ([layer.filters for layer in _conv_layers(r)], _conv_layers(r)[0].kernel_size)),
    "contractive": ({"contractive_weight": 0.3}, lambda r: r.autoencoder_.contractive_weight),
    "vae-conv": ({"vae_layers": "conv", "filters": (4, 6), "kl_weight": 2.0},
                 lambda r: ([layer.filters for layer in _conv_layers(r)], r.autoencoder_.kl_weight,
                            r.decoder_.layers[-2].__class__.__name__)),
}
EXPECTED = {"vae": 4.0, "wta": 0.2, "conv": ([4, 6, 8], (5, 5)), "contractive": 0.3,
            "vae-conv": ([4, 6], 2.0, "Conv2DTranspose")}


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(CASES))
def test_a_kinds_own_setting_reaches_the_trained_model_and_its_saved_run(kind, digits, tmp_path):
    from aecore.runs.loading import load_run
    from aecore.runs.saving import save_run

    settings, held = CASES[kind]
    for name, value in settings.items():  # a test of a value the model would hold anyway proves nothing
        assert value != getattr(TrainConfig(), name), name
    config = TrainConfig(kind=kind.split("-")[0], n_components=2, hidden_units=(16,), epochs=1, batch_size=64,
                         jit_compile=False, **settings)
    reducer = config.to_reducer(image_shape=digits.image_shape).fit(digits.X[:200])
    assert held(reducer) == EXPECTED[kind]
    save_run(tmp_path / "run", reducer, config, "digits")
    loaded, info = load_run(tmp_path / "run")
    assert all(getattr(info.config, name) == value for name, value in settings.items())
    assert held(loaded) == EXPECTED[kind]


def test_more_filter_layers_than_the_images_can_halve_is_refused_before_building():
    # Digits are 8 x 8: three strided convolutions reach 1 x 1, a fourth cannot halve it.
    reducer = TrainConfig(kind="conv", filters=(4, 4, 4, 4)).to_reducer()
    with pytest.raises(ValueError, match=r"filters has 4 layers, but images of 8x8 can be halved only 3 "
                                         r"times .*give at most 3 filter numbers"):
        reducer.training_estimate(100, 64)
    assert TrainConfig(kind="conv", filters=(4, 4, 4)).to_reducer().training_estimate(100, 64).parameters > 0
    with pytest.raises(ValueError, match=r"image_shape=\(6, 10\) has 60 pixels but rows have 64 features"):
        TrainConfig(kind="conv").to_reducer(image_shape=(6, 10)).training_estimate(100, 64)
