"""Builders for every autoencoder kind, with the Keras Functional API.

Every builder takes and returns *flat* rows ``(batch, n_features)``: image models reshape
inside, so the reducer, the metrics and the app never care which kind they hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
from keras import layers

#: Kinds of autoencoder this module can build.
KINDS = ("linear", "dense", "conv")


@dataclass(frozen=True)
class Architecture:
    """Everything needed to rebuild a model from code (never from a pickled file)."""

    kind: str
    n_features: int
    n_components: int
    hidden_units: tuple[int, ...] = (512, 256)
    activation: str = "relu"
    encoder_activation: str | None = None
    code_activation: str = "linear"
    output_activation: str = "linear"
    batch_norm: bool = False
    dropout: float = 0.0
    image_shape: tuple[int, int] | None = None
    filters: tuple[int, ...] = (32, 64)
    kernel_size: int = 3


def infer_image_shape(n_features: int) -> tuple[int, int]:
    """Guess a square image shape from a flat row length."""
    side = int(round(math.sqrt(n_features)))
    if side * side != n_features:
        raise ValueError(f"n_features={n_features} is not a square number, so the rows are not square "
                         "images; pass image_shape=(height, width) or use kind='dense'.")
    return side, side


def build(arch: Architecture) -> tuple[keras.Model, keras.Model, keras.Model]:
    """Build ``(autoencoder, encoder, decoder)`` for an :class:`Architecture`.

    The autoencoder is ``decoder(encoder(x))`` and shares their weights.
    """
    if arch.kind not in KINDS:
        raise ValueError(f"kind={arch.kind!r} is not available; choose one of {list(KINDS)}.")
    builder = {"linear": _linear, "dense": _dense, "conv": _conv}[arch.kind]
    encoder, decoder = builder(arch)
    inputs = keras.Input(shape=(arch.n_features,), name="x")
    autoencoder = keras.Model(inputs, decoder(encoder(inputs)), name=f"{arch.kind}_autoencoder")
    return autoencoder, encoder, decoder


def _linear(arch: Architecture):
    """Seed 000: one linear Dense layer each way; with MSE it learns PCA's subspace."""
    x = keras.Input(shape=(arch.n_features,))
    encoder = keras.Model(x, layers.Dense(arch.n_components, name="codings")(x), name="encoder")
    z = keras.Input(shape=(arch.n_components,))
    decoder = keras.Model(z, layers.Dense(arch.n_features, name="reconstruction")(z), name="decoder")
    return encoder, decoder


def _dense_block(h, units: int, arch: Architecture, activation: str, name: str):
    """Add Dense -> (BatchNorm) -> activation -> (Dropout)."""
    h = layers.Dense(units, name=name, use_bias=not arch.batch_norm)(h)
    if arch.batch_norm:
        h = layers.BatchNormalization(name=f"{name}_bn")(h)
    h = layers.Activation(activation, name=f"{name}_{activation}")(h)
    if arch.dropout > 0:
        h = layers.Dropout(arch.dropout, name=f"{name}_dropout")(h)
    return h


def _dense(arch: Architecture):
    """Stacked symmetric autoencoder: hidden_units down, the code, hidden_units reversed up."""
    x = keras.Input(shape=(arch.n_features,))
    h = x
    for i, units in enumerate(arch.hidden_units):
        h = _dense_block(h, units, arch, arch.encoder_activation or arch.activation, f"enc_{i}")
    code = layers.Dense(arch.n_components, activation=arch.code_activation, name="codings")(h)
    encoder = keras.Model(x, code, name="encoder")

    z = keras.Input(shape=(arch.n_components,))
    h = z
    for i, units in enumerate(reversed(arch.hidden_units)):
        h = _dense_block(h, units, arch, arch.activation, f"dec_{i}")
    out = layers.Dense(arch.n_features, activation=arch.output_activation, name="reconstruction")(h)
    decoder = keras.Model(z, out, name="decoder")
    return encoder, decoder


def _conv(arch: Architecture):
    """Seed 002's CNN: strided Conv2D down, a Dense bottleneck, Conv2DTranspose up."""
    height, width = arch.image_shape or infer_image_shape(arch.n_features)
    if height * width != arch.n_features:
        raise ValueError(f"image_shape={arch.image_shape} has {height * width} pixels but rows have "
                         f"{arch.n_features} features.")
    factor = 2 ** len(arch.filters)
    if height % factor or width % factor:
        raise ValueError(f"Images of {height}x{width} cannot be halved {len(arch.filters)} times; use "
                         f"sizes divisible by {factor} or fewer filters.")
    enc_act = arch.encoder_activation or arch.activation
    x = keras.Input(shape=(arch.n_features,))
    h = layers.Reshape((height, width, 1))(x)
    for i, n_filters in enumerate(arch.filters):
        h = layers.Conv2D(n_filters, arch.kernel_size, strides=2, padding="same",
                          activation=enc_act, name=f"conv_{i}")(h)
    h = layers.Flatten()(h)
    for i, units in enumerate(arch.hidden_units):
        h = layers.Dense(units, activation=enc_act, name=f"enc_dense_{i}")(h)
    code = layers.Dense(arch.n_components, activation=arch.code_activation, name="codings")(h)
    encoder = keras.Model(x, code, name="encoder")

    small_h, small_w, top = height // factor, width // factor, arch.filters[-1]
    z = keras.Input(shape=(arch.n_components,))
    h = z
    for i, units in enumerate(reversed(arch.hidden_units)):
        h = layers.Dense(units, activation=arch.activation, name=f"dec_dense_{i}")(h)
    h = layers.Dense(small_h * small_w * top, activation=arch.activation, name="dec_expand")(h)
    h = layers.Reshape((small_h, small_w, top))(h)
    for i, n_filters in enumerate(reversed(arch.filters[:-1])):
        h = layers.Conv2DTranspose(n_filters, arch.kernel_size, strides=2, padding="same",
                                   activation=arch.activation, name=f"deconv_{i}")(h)
    h = layers.Conv2DTranspose(1, arch.kernel_size, strides=2, padding="same",
                               activation=arch.output_activation, name="reconstruction")(h)
    decoder = keras.Model(z, layers.Flatten()(h), name="decoder")
    return encoder, decoder


def summary_rows(model: keras.Model) -> list[dict]:
    """Layer name, type, output shape and parameter count of each layer, nested models opened."""
    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            rows.extend(summary_rows(layer))
            continue
        if isinstance(layer, layers.InputLayer):
            continue
        shape = getattr(layer, "output", None)
        rows.append({"layer": layer.name, "type": type(layer).__name__,
                     "output shape": str(tuple(shape.shape)) if shape is not None else "",
                     "parameters": int(layer.count_params())})
    return rows


def describe(arch: Architecture) -> tuple[list[dict], int]:
    """Layer table and total parameter count of an architecture, without training it."""
    autoencoder, _, _ = build(arch)
    return summary_rows(autoencoder), int(autoencoder.count_params())
