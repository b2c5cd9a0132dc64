"""The variational autoencoder (``kind="vae"``): the sampling layer and the model with its own
training step, after keras-io's ``examples/generative/vae.py``.

:func:`aecore.models.builders.build` builds it (dense or convolutional layers); the reconstruction
term and the encoder/decoder config written here are shared with the contractive autoencoder
(:mod:`aecore.models.regularised`), which has the same shape.
"""

from __future__ import annotations

from ..params import LOSSES
from .backend import import_keras, import_tensorflow, random_tensor

keras = import_keras()
layers, ops = keras.layers, keras.ops


def _reconstruction_loss_name(loss: str, model: str) -> str:
    """``loss`` when it names a reconstruction term a custom training step computes itself."""
    if loss not in LOSSES:
        raise ValueError(f"loss={loss!r} must be one of {list(LOSSES)} for {model}.")
    return loss


def _reconstruction_loss(x, reconstruction, loss_name: str):
    """The mean per-feature reconstruction term of a batch (MSE or binary cross-entropy)."""
    if loss_name == "binary_crossentropy":
        p = ops.clip(reconstruction, 1e-7, 1.0 - 1e-7)
        return ops.mean(-(x * ops.log(p) + (1.0 - x) * ops.log(1.0 - p)))
    return ops.mean(ops.square(x - reconstruction))


class _EncoderDecoderConfig:
    """``get_config`` / ``from_config`` of a model made from an encoder, a decoder and one weight
    (``WEIGHT``), shared by the VAE and the contractive autoencoder."""

    WEIGHT = ""

    def get_config(self):
        return {**super().get_config(), self.WEIGHT: getattr(self, self.WEIGHT),
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        encoder = keras.saving.deserialize_keras_object(config.pop("encoder"))
        decoder = keras.saving.deserialize_keras_object(config.pop("decoder"))
        return cls(encoder, decoder, **config)


@keras.saving.register_keras_serializable(package="aecore")
class Sampling(layers.Layer):
    """Draw ``z = mean + exp(log_var / 2) * epsilon`` (the reparameterisation trick)."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = random_tensor("normal", ops.shape(z_mean), self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="aecore")
class VariationalAutoencoder(_EncoderDecoderConfig, keras.Model):
    """A VAE after keras-io's ``examples/generative/vae.py``: a custom training step, with the
    loss terms tracked in ``metrics`` so ``fit()``'s history shows each of them.

    Parameters
    ----------
    encoder : keras.Model
        Rows -> ``[z_mean, z_log_var, z]`` (``z`` sampled).
    decoder : keras.Model
        Codes -> rows.
    kl_weight : float
        Weight of the KL term (1 is the evidence lower bound; more gives a beta-VAE).

    Both loss terms are divided by the number of features (the reconstruction term is the mean
    per feature, as for every other kind), so the numbers read on the same scale as the other
    kinds' losses; the optimum is that of keras-io's summed loss. The reconstruction term is the
    ``loss`` given to :meth:`compile` ("mse" or "binary_crossentropy").
    """

    def __init__(self, encoder, decoder, kl_weight: float = 1.0, **kwargs):
        # A Functional model (inputs -> decoder(z_mean)), as the contractive autoencoder: its
        # weights file then holds only "layers/..." arrays, which load_run accepts (a subclassed
        # model wrote "encoder/..." paths, and a saved VAE run could not be opened again).
        inputs = keras.Input(shape=tuple(encoder.inputs[0].shape[1:]), name="x")
        super().__init__(inputs=inputs, outputs=decoder(encoder(inputs)[0]), **kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.kl_weight = float(kl_weight)
        self.reconstruction_loss_name = "mse"
        self.total_loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    WEIGHT = "kl_weight"

    def compile(self, optimizer="adam", loss="mse", **kwargs):
        """Compile; ``loss`` names the reconstruction term instead of a Keras loss."""
        self.reconstruction_loss_name = _reconstruction_loss_name(loss, "a VAE")
        super().compile(optimizer=optimizer, **kwargs)

    def loss_terms(self, x, training: bool = False, sample: bool = True):
        """``(total, reconstruction_loss, kl_loss)`` of a batch; ``sample=False`` decodes the mean."""
        z_mean, z_log_var, z = self.encoder(x, training=training)
        reconstruction = self.decoder(z if sample else z_mean, training=training)
        reconstruction_loss = _reconstruction_loss(x, reconstruction, self.reconstruction_loss_name)
        kl = -0.5 * (1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
        kl_loss = ops.mean(ops.sum(kl, axis=1)) / x.shape[-1]
        return reconstruction_loss + self.kl_weight * kl_loss, reconstruction_loss, kl_loss

    def train_step(self, data):
        tf = import_tensorflow()

        x = data[0] if isinstance(data, (tuple, list)) else data
        with tf.GradientTape() as tape:
            total, reconstruction_loss, kl_loss = self.loss_terms(x, training=True)
        gradients = tape.gradient(total, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        self.total_loss_tracker.update_state(total)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {m.name: m.result() for m in self.metrics}

    def validation_logs(self, X, batch: int = 4096) -> dict:
        """Held-out ``val_loss``, ``val_reconstruction_loss`` and ``val_kl_loss``, decoding the mean
        code (deterministic), for :class:`aecore.training.monitor.TrainingMonitor`."""
        sums, n = [0.0, 0.0, 0.0], len(X)
        for i in range(0, n, batch):
            chunk = X[i:i + batch]
            terms = self.loss_terms(ops.convert_to_tensor(chunk), training=False, sample=False)
            for j, value in enumerate(terms):
                sums[j] += float(value) * len(chunk)
        total, reconstruction_loss, kl_loss = (s / n for s in sums)
        return {"val_loss": total, "val_reconstruction_loss": reconstruction_loss,
                "val_kl_loss": kl_loss}
