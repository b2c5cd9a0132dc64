"""The size of an autoencoder computed from its settings and the data's shape, layer by layer,
without building it: parameters, multiply-adds and activations per row (:class:`NetworkShape`).
:mod:`aecore.budget` prices trainings and model passes with it.

Examples
--------
>>> from aecore.models.shapes import NetworkShape
>>> shape = NetworkShape(kind="dense", n_features=784, n_components=10)  # the recommended layers
>>> shape.parameters(), shape.encoder_macs_per_row()
(1072410, 535040)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from ..params import BY_NAME


def conv_image_shape(n_features: int, image_shape=None, n_filters: int = 1) -> tuple[int, int]:
    """The ``(height, width)`` a convolutional autoencoder sees in rows of ``n_features`` values
    (square unless ``image_shape`` says otherwise), checked before anything is built: the pixels
    must fill the row and each of the ``n_filters`` strided layers halves both sides."""
    if image_shape is None:
        side = int(round(math.sqrt(n_features)))
        if side * side != n_features:
            raise ValueError(f"n_features={n_features} is not a square number, so the rows are not square "
                             "images; pass image_shape=(height, width) or use kind='dense'.")
        image_shape = (side, side)
    height, width = (int(v) for v in image_shape)
    if height * width != n_features:
        raise ValueError(f"image_shape={tuple(image_shape)} has {height * width} pixels but rows have "
                         f"{n_features} features.")
    factor = 2 ** int(n_filters)
    if height % factor or width % factor:
        fits = 0
        while height % 2 ** (fits + 1) == 0 and width % 2 ** (fits + 1) == 0:
            fits += 1
        raise ValueError(f"filters has {n_filters} layers, but images of {height}x{width} can be halved "
                         f"only {fits} time{'s' if fits != 1 else ''} (each convolution halves both "
                         f"sides); give at most {fits} filter numbers or use images whose sides "
                         f"divide by {factor}.")
    return height, width


@dataclass(frozen=True)
class Layer:
    """One row of a model summary computed from shapes: name, type, output width, parameters,
    multiply-adds per row and activations kept per row for the backward pass."""

    name: str
    type: str
    output_shape: tuple
    parameters: int
    macs: int = 0

    @property
    def width(self) -> int:
        return int(math.prod(self.output_shape))


@dataclass(frozen=True)
class NetworkShape:
    """What decides an autoencoder's size: built from a :class:`~aecore.presets.TrainConfig` (or a
    reducer's parameters) and the data's shape, never by building the Keras model.

    :meth:`layers` mirrors :func:`aecore.models.build` layer by layer (a test compares the two for
    every kind).
    """

    kind: str
    n_features: int
    n_components: int
    # The settings' defaults (aecore.params): a shape without them is the reducer's model.
    hidden_units: tuple = BY_NAME["hidden_units"].default
    batch_norm: bool = BY_NAME["batch_norm"].default
    decoder_units: Optional[tuple] = None  # None: hidden_units reversed
    image_shape: Optional[tuple] = None
    filters: tuple = BY_NAME["filters"].default
    kernel_size: int = BY_NAME["kernel_size"].default
    vae_layers: str = BY_NAME["vae_layers"].default

    @classmethod
    def of(cls, settings, n_features: int, image_shape=None) -> "NetworkShape":
        """The shape of a model with ``settings`` (a TrainConfig, an AutoencoderReducer or any
        object with those attributes) on rows of ``n_features`` values."""
        image = getattr(settings, "image_shape", None) or image_shape
        return cls(kind=str(settings.kind), n_features=int(n_features),
                   n_components=int(settings.n_components),
                   hidden_units=tuple(int(u) for u in (settings.hidden_units or ())),
                   batch_norm=bool(settings.batch_norm),
                   decoder_units=(None if getattr(settings, "decoder_units", None) is None
                                  else tuple(int(u) for u in settings.decoder_units)),
                   image_shape=tuple(image) if image is not None else None,
                   filters=tuple(int(f) for f in (settings.filters or ())),
                   kernel_size=int(settings.kernel_size),
                   vae_layers=str(getattr(settings, "vae_layers", BY_NAME["vae_layers"].default)))

    # ------------------------------------------------------------------ layers

    def _decoder_units(self) -> tuple:
        return tuple(reversed(self.hidden_units)) if self.decoder_units is None else self.decoder_units

    def _dense(self, name: str, n_in: int, units: int, tied: bool = False, block: bool = True) -> list[Layer]:
        bias = not (self.batch_norm and block)
        weights = 0 if tied else n_in * units
        rows = [Layer(name, "DenseTranspose" if tied else "Dense", (units,),
                      weights + (units if (bias or tied) else 0), n_in * units)]
        if self.batch_norm and block:
            rows.append(Layer(f"{name}_bn", "BatchNormalization", (units,), 4 * units))
        return rows

    def layers(self) -> list[Layer]:
        """The model's layers in order (encoder, then decoder), with their parameters."""
        if self.kind == "linear":
            return [Layer("codings", "Dense", (self.n_components,),
                          (self.n_features + 1) * self.n_components, self.n_features * self.n_components),
                    Layer("reconstruction", "Dense", (self.n_features,),
                          (self.n_components + 1) * self.n_features, self.n_features * self.n_components)]
        if self.kind == "conv" or (self.kind == "vae" and self.vae_layers == "conv"):
            return self._conv_layers()
        tied = self.kind == "tied"
        rows: list[Layer] = []
        width = self.n_features
        for i, units in enumerate(self.hidden_units):
            rows += self._dense(f"enc_{i}", width, units)
            width = units
        k = self.n_components
        if self.kind == "vae":
            rows += [Layer("z_mean", "Dense", (k,), (width + 1) * k, width * k),
                     Layer("z_log_var", "Dense", (k,), (width + 1) * k, width * k)]
        else:
            rows.append(Layer("codings", "Dense", (k,), (width + 1) * k, width * k))
        width = k
        for i, units in enumerate(self._decoder_units()):
            rows += self._dense(f"dec_{i}", width, units, tied=tied)
            width = units
        rows += self._dense("reconstruction", width, self.n_features, tied=tied, block=False)
        return rows

    def _conv_layers(self) -> list[Layer]:
        height, width = (int(v) for v in self.image_shape) if self.image_shape is not None else \
            (int(round(math.sqrt(self.n_features))),) * 2
        k2 = self.kernel_size ** 2
        rows: list[Layer] = []
        channels, h, w = 1, height, width
        for i, n_filters in enumerate(self.filters):
            h, w = math.ceil(h / 2), math.ceil(w / 2)
            rows.append(Layer(f"conv_{i}", "Conv2D", (h, w, n_filters), (k2 * channels + 1) * n_filters,
                              h * w * k2 * channels * n_filters))
            channels = n_filters
        flat = h * w * channels
        small = (h, w, channels)
        prev = flat
        for i, units in enumerate(self.hidden_units):
            rows.append(Layer(f"enc_dense_{i}", "Dense", (units,), (prev + 1) * units, prev * units))
            prev = units
        k = self.n_components
        codes = ("z_mean", "z_log_var") if self.kind == "vae" else ("codings",)
        rows += [Layer(name, "Dense", (k,), (prev + 1) * k, prev * k) for name in codes]
        prev = k
        for i, units in enumerate(self._decoder_units()):
            rows.append(Layer(f"dec_dense_{i}", "Dense", (units,), (prev + 1) * units, prev * units))
            prev = units
        rows.append(Layer("dec_expand", "Dense", small, (prev + 1) * flat, prev * flat))
        channels_in = channels
        for i, n_filters in enumerate(list(reversed(self.filters[:-1])) + [1]):
            h, w = h * 2, w * 2
            name = "reconstruction" if i == len(self.filters) - 1 else f"deconv_{i}"
            rows.append(Layer(name, "Conv2DTranspose", (h, w, n_filters), (k2 * channels_in + 1) * n_filters,
                              h * w * k2 * channels_in * n_filters))
            channels_in = n_filters
        return rows

    def parameters(self) -> int:
        """Every weight the Keras model would hold (trainable and not), as ``count_params``."""
        return int(sum(layer.parameters for layer in self.layers()))

    def macs_per_row(self) -> int:
        """Multiply-adds of one forward pass of one row (equal to the weights for Dense layers)."""
        return int(sum(layer.macs for layer in self.layers())) or 1

    def encoder_macs_per_row(self) -> int:
        """Multiply-adds of encoding one row: the layers up to the codes (a VAE's mean and log-variance)."""
        layers = self.layers()
        last = max(i for i, layer in enumerate(layers) if layer.name in ("codings", "z_log_var"))
        return int(sum(layer.macs for layer in layers[:last + 1])) or 1

    def training_macs_per_row(self) -> int:
        """Multiply-adds of one row's forward pass while training: a contractive autoencoder adds a
        vector-Jacobian product through the encoder (its Jacobian penalty), about doubling the
        encoder's cost."""
        extra = self.encoder_macs_per_row() if self.kind == "contractive" else 0
        return self.macs_per_row() + extra

    def activations_per_row(self) -> int:
        """Values each row keeps alive between the forward and the backward pass (a contractive
        autoencoder keeps its encoder's twice: the forward pass and the Jacobian product)."""
        layers = self.layers()
        kept = self.n_features + sum(layer.width for layer in layers)
        if self.kind == "contractive":
            last = max(i for i, layer in enumerate(layers) if layer.name == "codings")
            kept += self.n_features + sum(layer.width for layer in layers[:last + 1])
        return int(kept)
