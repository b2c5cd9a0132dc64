"""Builders for every autoencoder kind, with the Keras Functional API.

Every builder takes and returns *flat* rows ``(batch, n_features)``: image models reshape
inside, so the reducer, the metrics and the app never care which kind they hold. The encoder
always returns the codes (for the variational autoencoder: the mean of the code distribution).

:func:`build` is the one place that maps a kind to its builder. The custom layers and models of the
variational and the regularised kinds live in :mod:`.variational` and :mod:`.regularised`; the tied
decoder's layer is here. All are registered with Keras under the package ``"aecore"``. Models are
still never loaded from files: they are rebuilt by :func:`build` and only weights are read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# The kinds built here, those greedy training can stack and the sparsity penalties' weights are
# declared with the settings.
from ..params import BY_NAME, GREEDY_KINDS, KINDS, SPARSITY_WEIGHTS
from .backend import import_keras
from .regularised import ContractiveAutoencoder, Corruption, SparsityPenalty, WinnerTakeAll
from .shapes import conv_image_shape
from .variational import Sampling, VariationalAutoencoder

keras = import_keras()
layers, ops = keras.layers, keras.ops

#: Code activations some kinds impose: a KL sparsity target needs codes in (0, 1), winner-take-all
#: keeps the largest non-negative activations, and a VAE's code is the mean of a Gaussian.
FIXED_CODE_ACTIVATION = {"sparse": "sigmoid", "wta": "relu", "vae": "linear"}


@dataclass(frozen=True)
class Architecture:
    """Everything needed to rebuild a model from code (never from a pickled file).

    The fields after ``kernel_size`` only matter to one kind each: ``noise``, ``noise_level`` and
    ``clip_noise`` to "denoising"; ``sparsity``, ``sparsity_weight`` and ``sparsity_target`` to
    "sparse"; ``kl_weight`` and ``vae_layers`` to "vae"; ``wta_rate`` to "wta"; ``contractive_weight`` to
    "contractive".
    """

    kind: str
    n_features: int
    n_components: int
    # The defaults are the settings' (aecore.params), so a model built here without them is the
    # model the reducer would build.
    hidden_units: tuple[int, ...] = BY_NAME["hidden_units"].default
    decoder_units: tuple[int, ...] | None = None
    activation: str = BY_NAME["activation"].default
    encoder_activation: str | None = None
    code_activation: str = BY_NAME["code_activation"].default
    output_activation: str = "linear"  # resolved: the setting's "auto" is decided by the data
    batch_norm: bool = BY_NAME["batch_norm"].default
    dropout: float = BY_NAME["dropout"].default
    image_shape: tuple[int, int] | None = None
    filters: tuple[int, ...] = BY_NAME["filters"].default
    kernel_size: int = BY_NAME["kernel_size"].default
    noise: str = BY_NAME["noise"].default
    noise_level: float = BY_NAME["noise_level"].default
    clip_noise: bool = False
    sparsity: str = BY_NAME["sparsity"].default
    sparsity_weight: float = SPARSITY_WEIGHTS[BY_NAME["sparsity"].default]
    sparsity_target: float = BY_NAME["sparsity_target"].default
    kl_weight: float = BY_NAME["kl_weight"].default
    vae_layers: str = BY_NAME["vae_layers"].default
    wta_rate: float = BY_NAME["wta_rate"].default
    contractive_weight: float = BY_NAME["contractive_weight"].default


def decoder_units(arch: Architecture) -> tuple[int, ...]:
    """The decoder's hidden widths: ``decoder_units`` when given, else ``hidden_units`` reversed."""
    if arch.decoder_units is not None:
        return tuple(arch.decoder_units)
    return tuple(reversed(arch.hidden_units))


def code_activation(arch: Architecture) -> str:
    """The activation the code layer really gets (some kinds impose theirs)."""
    return FIXED_CODE_ACTIVATION.get(arch.kind, arch.code_activation)


def infer_image_shape(n_features: int) -> tuple[int, int]:
    """Guess a square image shape from a flat row length."""
    return conv_image_shape(n_features)


def build(arch: Architecture) -> tuple[keras.Model, keras.Model, keras.Model]:
    """Build ``(autoencoder, encoder, decoder)`` for an :class:`Architecture`.

    The autoencoder is ``decoder(encoder(x))`` and shares their weights. For ``kind="vae"`` it
    is a :class:`VariationalAutoencoder` whose training step samples codes; called on data it
    decodes the mean code, so it reconstructs deterministically like every other kind.
    """
    if arch.kind not in KINDS:
        raise ValueError(f"kind={arch.kind!r} is not available; choose one of {list(KINDS)}.")
    if arch.kind == "vae":
        return _vae(arch)
    if arch.kind == "contractive":
        return _contractive(arch)
    builder = {"linear": _linear, "conv": _conv}.get(arch.kind, _dense)
    encoder, decoder = builder(arch)
    inputs = keras.Input(shape=(arch.n_features,), name="x")
    autoencoder = keras.Model(inputs, decoder(encoder(inputs)), name=f"{arch.kind}_autoencoder")
    return autoencoder, encoder, decoder


# --------------------------------------------------------------------------- the tied decoder's layer


@keras.saving.register_keras_serializable(package="aecore")
class DenseTranspose(layers.Layer):
    """A Dense layer that reuses the transposed kernel of another Dense layer, with its own bias.

    The decoder of a tied autoencoder is built from these, so it owns only biases and the
    model has about half the parameters of an untied one. The tie is a reference to a live
    layer, which a config cannot express: tied models are rebuilt by :func:`build`.
    """

    def __init__(self, dense: layers.Dense, activation=None, **kwargs):
        super().__init__(**kwargs)
        # Keep the tied layer out of Keras' attribute tracking: it belongs to the encoder, and
        # tracking it here would count and save its kernel a second time under the decoder.
        object.__setattr__(self, "tied_to", dense)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        units = int(self.tied_to.kernel.shape[0])
        self.bias = self.add_weight(name="bias", shape=(units,), initializer="zeros")

    def call(self, inputs):
        return self.activation(ops.matmul(inputs, ops.transpose(self.tied_to.kernel)) + self.bias)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], int(self.tied_to.kernel.shape[0]))

    def get_config(self):
        return {**super().get_config(), "activation": keras.activations.serialize(self.activation),
                "tied_to": self.tied_to.name}

    @classmethod
    def from_config(cls, config):
        raise ValueError(f"DenseTranspose is tied to the live layer {config.get('tied_to')!r}; a tied "
                         "autoencoder cannot be rebuilt from a config. Rebuild it with "
                         "aecore.models.build(Architecture(kind='tied', ...)) and load its weights.")


# --------------------------------------------------------------------------- builders


def _linear(arch: Architecture):
    """Post 000: one linear Dense layer each way; with MSE it learns PCA's subspace."""
    x = keras.Input(shape=(arch.n_features,))
    encoder = keras.Model(x, layers.Dense(arch.n_components, name="codings")(x), name="encoder")
    z = keras.Input(shape=(arch.n_components,))
    decoder = keras.Model(z, layers.Dense(arch.n_features, name="reconstruction")(z), name="decoder")
    return encoder, decoder


def _dense_block(h, units: int, arch: Architecture, activation: str, name: str, dense=None):
    """Add Dense (or a DenseTranspose tied to ``dense``) -> (BatchNorm) -> activation -> (Dropout)."""
    if dense is not None:
        h = DenseTranspose(dense, name=name)(h)
    else:
        h = layers.Dense(units, name=name, use_bias=not arch.batch_norm)(h)
    if arch.batch_norm:
        h = layers.BatchNormalization(name=f"{name}_bn")(h)
    h = layers.Activation(activation, name=f"{name}_{activation}")(h)
    if arch.dropout > 0:
        h = layers.Dropout(arch.dropout, name=f"{name}_dropout")(h)
    return h


def _dense_encoder_body(x, arch: Architecture):
    """The input corruption (denoising) and the hidden Dense blocks of a stacked encoder."""
    h = x
    if arch.kind == "denoising":
        h = Corruption(arch.noise, arch.noise_level, clip=arch.clip_noise, name="corruption")(h)
    for i, units in enumerate(arch.hidden_units):
        h = _dense_block(h, units, arch, arch.encoder_activation or arch.activation, f"enc_{i}")
    return h


def _dense(arch: Architecture):
    """Stacked autoencoder: hidden_units down, the code, hidden_units reversed up (or decoder_units).

    The same builder serves "dense", "tied" (decoder reusing the encoder's transposed kernels),
    "denoising" (corrupted inputs while training), "sparse" (a sparsity penalty on the codes)
    and "wta" (winner-take-all codes while training).
    """
    x = keras.Input(shape=(arch.n_features,))
    h = _dense_encoder_body(x, arch)
    code = layers.Dense(arch.n_components, activation=code_activation(arch), name="codings")(h)
    if arch.kind == "sparse":
        code = SparsityPenalty(arch.sparsity, arch.sparsity_weight, arch.sparsity_target,
                               name="sparsity_penalty")(code)
    elif arch.kind == "wta":
        code = WinnerTakeAll(arch.wta_rate, name="winner_take_all")(code)
    encoder = keras.Model(x, code, name="encoder")
    if arch.kind == "tied":
        return encoder, _tied_decoder(arch, encoder)
    return encoder, _dense_decoder(arch)


def _dense_decoder(arch: Architecture) -> keras.Model:
    """Codes -> the decoder's hidden widths (hidden_units reversed unless given) -> rows."""
    z = keras.Input(shape=(arch.n_components,))
    h = z
    for i, units in enumerate(decoder_units(arch)):
        h = _dense_block(h, units, arch, arch.activation, f"dec_{i}")
    out = layers.Dense(arch.n_features, activation=arch.output_activation, name="reconstruction")(h)
    return keras.Model(z, out, name="decoder")


def _tied_decoder(arch: Architecture, encoder: keras.Model) -> keras.Model:
    """A decoder whose layers reuse the encoder's Dense kernels, transposed, in reverse order."""
    denses = [encoder.get_layer(f"enc_{i}") for i in range(len(arch.hidden_units))]
    denses.append(encoder.get_layer("codings"))
    z = keras.Input(shape=(arch.n_components,))
    h = z
    # Layer i of the decoder maps back through the kernel of the encoder's layer n - i.
    for i, units in enumerate(reversed(arch.hidden_units)):
        h = _dense_block(h, units, arch, arch.activation, f"dec_{i}", dense=denses[-1 - i])
    out = DenseTranspose(denses[0], activation=arch.output_activation, name="reconstruction")(h)
    return keras.Model(z, out, name="decoder")


def _vae(arch: Architecture):
    """Variational autoencoder: the encoder gives a mean and a log-variance per code unit; its layers
    are dense, or (``vae_layers="conv"``) keras-io's strided convolutions and their transposes."""
    conv = arch.vae_layers == "conv"
    x = keras.Input(shape=(arch.n_features,))
    h = _conv_encoder_body(x, arch) if conv else _dense_encoder_body(x, arch)
    z_mean = layers.Dense(arch.n_components, name="z_mean")(h)
    z_log_var = layers.Dense(arch.n_components, name="z_log_var")(h)
    z = Sampling(name="z")([z_mean, z_log_var])
    sampler = keras.Model(x, [z_mean, z_log_var, z], name="vae_encoder")
    encoder = keras.Model(x, z_mean, name="encoder")
    decoder = _conv_decoder(arch) if conv else _dense_decoder(arch)
    autoencoder = VariationalAutoencoder(sampler, decoder, kl_weight=arch.kl_weight,
                                         name="vae_autoencoder")
    return autoencoder, encoder, decoder


def _contractive(arch: Architecture):
    """A stacked autoencoder ("dense"'s layers) trained with the encoder's Jacobian penalty."""
    encoder, decoder = _dense(arch)
    autoencoder = ContractiveAutoencoder(encoder, decoder, contractive_weight=arch.contractive_weight,
                                         name="contractive_autoencoder")
    return autoencoder, encoder, decoder


def _conv(arch: Architecture):
    """Post 002's CNN: strided Conv2D down, a Dense bottleneck, Conv2DTranspose up."""
    x = keras.Input(shape=(arch.n_features,))
    code = layers.Dense(arch.n_components, activation=arch.code_activation, name="codings")(
        _conv_encoder_body(x, arch))
    return keras.Model(x, code, name="encoder"), _conv_decoder(arch)


def _conv_encoder_body(x, arch: Architecture):
    """Rows as images, strided Conv2D layers (each halves the sides), flattened, the Dense layers."""
    height, width = conv_image_shape(arch.n_features, arch.image_shape, len(arch.filters))
    enc_act = arch.encoder_activation or arch.activation
    h = layers.Reshape((height, width, 1))(x)
    for i, n_filters in enumerate(arch.filters):
        h = layers.Conv2D(n_filters, arch.kernel_size, strides=2, padding="same",
                          activation=enc_act, name=f"conv_{i}")(h)
    h = layers.Flatten()(h)
    for i, units in enumerate(arch.hidden_units):
        h = layers.Dense(units, activation=enc_act, name=f"enc_dense_{i}")(h)
    return h


def _conv_decoder(arch: Architecture) -> keras.Model:
    """Codes -> the Dense layers, a small image, Conv2DTranspose layers back up -> flat rows."""
    height, width = conv_image_shape(arch.n_features, arch.image_shape, len(arch.filters))
    factor = 2 ** len(arch.filters)
    small_h, small_w, top = height // factor, width // factor, arch.filters[-1]
    z = keras.Input(shape=(arch.n_components,))
    h = z
    for i, units in enumerate(decoder_units(arch)):
        h = layers.Dense(units, activation=arch.activation, name=f"dec_dense_{i}")(h)
    h = layers.Dense(small_h * small_w * top, activation=arch.activation, name="dec_expand")(h)
    h = layers.Reshape((small_h, small_w, top))(h)
    for i, n_filters in enumerate(reversed(arch.filters[:-1])):
        h = layers.Conv2DTranspose(n_filters, arch.kernel_size, strides=2, padding="same",
                                   activation=arch.activation, name=f"deconv_{i}")(h)
    h = layers.Conv2DTranspose(1, arch.kernel_size, strides=2, padding="same",
                               activation=arch.output_activation, name="reconstruction")(h)
    return keras.Model(z, layers.Flatten()(h), name="decoder")


# --------------------------------------------------------------------------- greedy layer-wise


def greedy_stages(arch: Architecture) -> list[Architecture]:
    """One shallow autoencoder per layer of a stacked encoder, to train one after another.

    Stage ``i`` maps the codes of stage ``i - 1`` (the rows, for stage 0) to the next layer's
    width and back. The first stage reconstructs with the model's output activation, deeper
    stages reconstruct real-valued codes with a linear output.
    """
    if arch.kind not in GREEDY_KINDS:
        raise ValueError(f"Greedy layer-wise training needs kind in {list(GREEDY_KINDS)}; got "
                         f"kind={arch.kind!r}.")
    if arch.batch_norm:
        raise ValueError("Greedy layer-wise training does not support batch_norm=True; turn one "
                         "of them off.")
    widths = [arch.n_features, *arch.hidden_units, arch.n_components]
    hidden_activation = arch.encoder_activation or arch.activation
    stages = []
    for i in range(len(widths) - 1):
        last = i == len(widths) - 2
        stages.append(replace(
            arch, n_features=widths[i], n_components=widths[i + 1], hidden_units=(),
            code_activation=arch.code_activation if last else hidden_activation,
            output_activation=arch.output_activation if i == 0 else "linear",
            image_shape=None))
    return stages


def stack_stages(arch: Architecture, encoder: keras.Model, decoder: keras.Model,
                 stages: list[tuple[keras.Model, keras.Model]]) -> None:
    """Copy trained shallow stages (``(encoder, decoder)`` pairs, first stage first) into the
    encoder and decoder built by :func:`build` for ``arch``; stages not given stay as they are."""
    n_hidden = len(arch.hidden_units)
    for i, (stage_encoder, stage_decoder) in enumerate(stages):
        encoder_name = "codings" if i == n_hidden else f"enc_{i}"
        decoder_name = "reconstruction" if i == 0 else f"dec_{n_hidden - i}"
        encoder.get_layer(encoder_name).set_weights(stage_encoder.get_layer("codings").get_weights())
        decoder.get_layer(decoder_name).set_weights(
            stage_decoder.get_layer("reconstruction").get_weights())


def clone_encoder(arch: Architecture, encoder: keras.Model) -> keras.Model:
    """A new encoder built from ``arch`` holding a copy of ``encoder``'s weights (never shared)."""
    _, clone, _ = build(arch)
    clone.set_weights(encoder.get_weights())
    return clone


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
