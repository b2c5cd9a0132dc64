"""The regularised autoencoders: denoising (corrupted inputs), sparse (a penalty on the codes),
winner-take-all (lifetime sparsity) and contractive (a penalty on the encoder's Jacobian).

The custom layers and the contractive model are here; :func:`aecore.models.builders.build` builds
every kind from them. Each layer is the identity at inference.
"""

from __future__ import annotations

from ..params import NOISE_TYPES, SPARSITY_TYPES
from .backend import import_keras, import_tensorflow, random_tensor
from .variational import _EncoderDecoderConfig, _reconstruction_loss, _reconstruction_loss_name

keras = import_keras()
layers, ops = keras.layers, keras.ops


@keras.saving.register_keras_serializable(package="aecore")
class Corruption(layers.Layer):
    """Corrupt the inputs while training, the identity at inference (denoising autoencoders).

    ``noise="gaussian"`` adds ``level`` x N(0, 1) to every value; ``noise="dropout"`` sets a share
    ``level`` of the values to zero (masking noise, without Dropout's rescaling, so the model
    learns to fill in exactly the kind of gaps :func:`aecore.models.noise.corrupt` makes). ``clip``
    keeps corrupted values in [0, 1], as for pixel data.
    """

    def __init__(self, noise: str = "gaussian", level: float = 0.3, clip: bool = False, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if noise not in NOISE_TYPES:
            raise ValueError(f"noise={noise!r} must be one of {list(NOISE_TYPES)}.")
        self.noise, self.level, self.clip, self.seed = noise, float(level), bool(clip), seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training or self.level == 0:
            return inputs
        if self.noise == "gaussian":
            noisy = inputs + self.level * random_tensor("normal", ops.shape(inputs), self.seed_generator)
        else:
            keep = random_tensor("uniform", ops.shape(inputs), self.seed_generator) >= self.level
            noisy = inputs * ops.cast(keep, inputs.dtype)
        return ops.clip(noisy, 0.0, 1.0) if self.clip else noisy

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "noise": self.noise, "level": self.level, "clip": self.clip,
                "seed": self.seed}


@keras.saving.register_keras_serializable(package="aecore")
class SparsityPenalty(layers.Layer):
    """The identity, adding a sparsity penalty on its inputs (the codes) to the training loss.

    ``sparsity="kl"``: ``weight`` x the sum over units of KL(target || mean activation of the unit
    over the batch), for codes in (0, 1) (Geron's sparse autoencoder). ``sparsity="l1"``:
    ``weight`` x the mean over the batch of the codes' L1 norm. Keras' ``activity_regularizer``
    divides by the batch size, which would make the KL term depend on it, hence this layer.
    """

    def __init__(self, sparsity: str = "kl", weight: float = 0.01, target: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        if sparsity not in SPARSITY_TYPES:
            raise ValueError(f"sparsity={sparsity!r} must be one of {list(SPARSITY_TYPES)}.")
        self.sparsity, self.weight, self.target = sparsity, float(weight), float(target)

    def call(self, inputs, training=False):
        if training and self.weight > 0:
            self.add_loss(self.weight * self.penalty(inputs))
        return inputs

    def penalty(self, codes):
        """The unweighted penalty of a batch of codes."""
        if self.sparsity == "l1":
            return ops.mean(ops.sum(ops.abs(codes), axis=-1))
        mean = ops.clip(ops.mean(codes, axis=0), 1e-6, 1.0 - 1e-6)
        target = self.target
        return ops.sum(target * ops.log(target / mean)
                       + (1.0 - target) * ops.log((1.0 - target) / (1.0 - mean)))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "sparsity": self.sparsity, "weight": self.weight,
                "target": self.target}


@keras.saving.register_keras_serializable(package="aecore")
class WinnerTakeAll(layers.Layer):
    """Lifetime sparsity (Makhzani & Frey's winner-take-all autoencoder).

    While training, each unit keeps only its largest ``rate`` share of activations across the
    batch (at least one) and the rest are set to zero, so gradients flow through the winners
    only. At inference it is the identity.
    """

    def __init__(self, rate: float = 0.05, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 < rate <= 1.0:
            raise ValueError(f"rate={rate!r} must be in (0, 1], e.g. 0.05 keeps the top 5%.")
        self.rate = float(rate)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        n = ops.shape(inputs)[0]
        k = ops.maximum(ops.cast(ops.ceil(self.rate * ops.cast(n, "float32")), "int32"), 1)
        # The k-th largest value of each unit (column) over the batch is its threshold.
        threshold = ops.take(ops.sort(inputs, axis=0), n - k, axis=0)
        mask = ops.cast(inputs >= ops.stop_gradient(threshold), inputs.dtype)
        return inputs * mask

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


@keras.saving.register_keras_serializable(package="aecore")
class ContractiveAutoencoder(_EncoderDecoderConfig, keras.Model):
    """A contractive autoencoder (Rifai et al., ICML 2011): the reconstruction loss plus
    ``contractive_weight`` x the squared Frobenius norm of the encoder's Jacobian ``J = df(x)/dx``,
    which makes the codes insensitive to small moves of the input.

    The same shape as :class:`aecore.models.variational.VariationalAutoencoder`: a custom training step, loss trackers in
    ``metrics`` (``loss``, ``reconstruction_loss``, ``contractive_loss``).

    The exact norm of a deep encoder's Jacobian costs one backward pass per code unit; the training
    step uses Hutchinson's unbiased estimate instead, ``||J||_F^2 = E ||u^T J||^2`` for
    ``u ~ N(0, I)``: one vector-Jacobian product per row, about doubling the encoder's cost.
    :func:`aecore.experiments.sensitivity.jacobian_norms` measures the exact norm. The penalty is divided by the
    number of features, as the reconstruction loss is a mean per feature.
    """

    def __init__(self, encoder, decoder, contractive_weight: float = 0.1, **kwargs):
        # A Functional model (inputs -> decoder(encoder(inputs))) with a custom training step: its
        # weights file then holds only "layers/..." arrays, as every other kind's does.
        inputs = keras.Input(shape=tuple(encoder.inputs[0].shape[1:]), name="x")
        super().__init__(inputs=inputs, outputs=decoder(encoder(inputs)), **kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.contractive_weight = float(contractive_weight)
        self.reconstruction_loss_name = "mse"
        self.seed_generator = keras.random.SeedGenerator()
        self.total_loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.contractive_loss_tracker = keras.metrics.Mean(name="contractive_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.contractive_loss_tracker]

    WEIGHT = "contractive_weight"

    def compile(self, optimizer="adam", loss="mse", **kwargs):
        """Compile; ``loss`` names the reconstruction term instead of a Keras loss."""
        self.reconstruction_loss_name = _reconstruction_loss_name(loss, "a contractive autoencoder")
        super().compile(optimizer=optimizer, **kwargs)

    def train_step(self, data):
        tf = import_tensorflow()

        x = data[0] if isinstance(data, (tuple, list)) else data
        with tf.GradientTape() as tape:
            with tf.GradientTape() as inner:
                inner.watch(x)
                codes = self.encoder(x, training=True)
            # u^T J for one Gaussian u per row; recorded by the outer tape (double backpropagation).
            u = random_tensor("normal", ops.shape(codes), self.seed_generator)
            projected = inner.gradient(codes, x, output_gradients=u)
            contractive_loss = ops.mean(ops.sum(ops.square(projected), axis=1)) / x.shape[-1]
            reconstruction = self.decoder(codes, training=True)
            reconstruction_loss = _reconstruction_loss(x, reconstruction, self.reconstruction_loss_name)
            total = reconstruction_loss + self.contractive_weight * contractive_loss
        gradients = tape.gradient(total, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        self.total_loss_tracker.update_state(total)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.contractive_loss_tracker.update_state(contractive_loss)
        return {m.name: m.result() for m in self.metrics}
