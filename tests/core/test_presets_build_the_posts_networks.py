"""Every seed preset builds the seed's own network: its layers, activations and the parameter
count the seed's printed ``model.summary()`` shows, plus its optimiser, learning rate, loss,
batch size and epochs (``../shared/seeds/``)."""

import keras
import pytest

from aecore.models import builders as models
from aecore.budget import NetworkShape
from aecore.presets import PRESETS, preset


def _built(name: str, n_features: int, image_shape=None):
    """The Keras autoencoder a preset trains on rows of ``n_features`` values."""
    reducer = preset(name).to_reducer(image_shape=image_shape)
    params = reducer._resolve_params(1000, n_features)
    output = reducer.output_activation if reducer.output_activation != "auto" else "sigmoid"
    arch = reducer._architecture(n_features, output, params, in_unit_range=True)
    autoencoder, _, _ = models.build(arch)
    return reducer, arch, autoencoder


def _leaf_layers(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _leaf_layers(layer)
        elif not isinstance(layer, keras.layers.InputLayer):
            yield layer


def _layer_list(model) -> list[str]:
    """The network as the seeds write it: ``Dense(units, activation)``, ``Conv2D(filters, kernel,
    stride, activation)``... A separate Activation layer folds into the layer before it; our
    flat-row adapters (the Reshape to an image first, the Flatten of the output last) are left out."""
    rows: list[list] = []
    for layer in _leaf_layers(model):
        kind = type(layer).__name__
        if kind == "Activation":
            rows[-1][-1] = keras.activations.serialize(layer.activation)
            continue
        if kind == "Dense":
            rows.append([kind, layer.units, keras.activations.serialize(layer.activation)])
        elif kind in ("Conv2D", "Conv2DTranspose"):
            rows.append([kind, layer.filters, layer.kernel_size[0], layer.strides[0],
                         keras.activations.serialize(layer.activation)])
        else:
            rows.append([kind])
    if rows and rows[0] == ["Reshape"]:
        rows = rows[1:]
    if rows and rows[-1] == ["Flatten"]:
        rows = rows[:-1]
    return ["(".join([str(r[0]), ", ".join(map(str, r[1:]))]) + ")" if len(r) > 1 else r[0] for r in rows]


#: preset -> (rows' features, image shape, the seed's layers, the seed's parameter count)
SEEDS = {
    "seed000_linear": (3, None, ["Dense(2, linear)", "Dense(3, linear)"], 3 * 2 + 2 + 2 * 3 + 3),
    "seed002_dense": (784, (28, 28), ["Dense(784, relu)", "Dense(64, relu)", "Dense(784, sigmoid)"], 716_640),
    "seed002_cnn": (784, (28, 28), [
        "Conv2D(32, 2, 2, relu)", "Conv2D(64, 2, 2, relu)", "Flatten", "Dense(64, relu)", "Dense(3136, relu)",
        "Reshape", "Conv2DTranspose(32, 2, 2, relu)", "Conv2DTranspose(1, 2, 2, sigmoid)"], 421_377),
    "seed002_cnn_elu": (784, (28, 28), [
        "Conv2D(32, 2, 2, relu)", "Conv2D(64, 2, 2, relu)", "Flatten", "Dense(64, elu)", "Dense(3136, elu)",
        "Reshape", "Conv2DTranspose(32, 2, 2, elu)", "Conv2DTranspose(1, 2, 2, sigmoid)"], 421_377),
    "seed003_tabular": (100, None, [
        "Dense(64, relu)", "Dense(32, relu)", "Dense(10, linear)", "Dense(32, relu)", "Dense(64, relu)",
        "Dense(100, sigmoid)"], 17_838),
    # Post 004 draws its balls without a network; ours is the smallest that walks one ball between two.
    "seed004_balls": (784, (28, 28), [
        "Dense(256, relu)", "Dense(64, relu)", "Dense(2, linear)", "Dense(64, relu)", "Dense(256, relu)",
        "Dense(784, sigmoid)"], 435_858),
}

#: preset -> the seed's optimiser, learning rate, loss, batch size and epochs
TRAINING = {
    "seed000_linear": ("sgd", 1.5, "mse", 32, 20),
    "seed002_dense": ("adam", 1e-3, "mse", 256, 20),
    "seed002_cnn": ("adam", 1e-3, "mse", 256, 20),
    "seed002_cnn_elu": ("adam", 1e-3, "mse", 256, 20),
    "seed003_tabular": ("adam", 1e-3, "mse", 64, 20),
}


def test_every_seed_preset_is_pinned():
    assert sorted(SEEDS) == sorted(name for name in PRESETS if name.startswith("seed"))


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_preset_builds_the_seeds_network(name):
    n_features, image_shape, layers, n_params = SEEDS[name]
    reducer, arch, autoencoder = _built(name, n_features, image_shape)
    assert _layer_list(autoencoder) == layers
    assert autoencoder.count_params() == n_params
    # The budget counts the same parameters without building the model.
    assert NetworkShape.of(reducer, n_features, image_shape).parameters() == n_params


@pytest.mark.parametrize("name", sorted(TRAINING))
def test_seed_preset_trains_like_the_seed(name):
    optimizer, lr, loss, batch, epochs = TRAINING[name]
    config = preset(name)
    assert (config.optimizer, config.learning_rate, config.loss, config.batch_size, config.epochs) == (
        optimizer, lr, loss, batch, epochs)
    assert config.early_stopping is False  # the seeds train every epoch


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_preset_text_says_what_is_built(name):
    text = PRESETS[name][0]
    n_params = SEEDS[name][3]
    if n_params > 1000:
        assert f"{n_params:,}" in text


@pytest.mark.slow
def test_decoder_units_must_mirror_for_tied_and_greedy():
    from aecore import AutoencoderReducer
    import numpy as np

    X = np.random.default_rng(0).random((20, 12)).astype("float32")
    for kwargs in ({"kind": "tied"}, {"kind": "dense", "greedy": True}):
        with pytest.raises(ValueError, match="decoder_units=\\(\\) differs"):
            AutoencoderReducer(2, hidden_units=(8,), decoder_units=(), epochs=1, **kwargs).fit(X)
    # Written out as the mirror, it is accepted.
    AutoencoderReducer(2, kind="tied", hidden_units=(8, 4), decoder_units=(4, 8), epochs=1).fit(X)
