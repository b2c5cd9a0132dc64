"""A small dense generative adversarial network on flat rows (post 001's last family member).

A generator turns Gaussian noise into rows; a discriminator learns to tell them from real
rows; each improves against the other. The training rule follows keras-io's GAN examples: a
``keras.Model`` subclass with a custom ``train_step`` and its loss trackers in ``metrics``.
"""

from __future__ import annotations

import math
import numbers
import threading
from dataclasses import dataclass, field
from typing import Callable, Optional

from ..models.backend import import_keras, import_tensorflow

import numpy as np


@dataclass
class GANResult:
    """What :func:`train_gan` returns.

    Attributes
    ----------
    generator : keras.Model
        Noise of shape (n, latent_dim) -> rows of shape (n, n_features).
    discriminator : keras.Model
        Rows -> one logit each (positive: "looks real").
    history : dict of list of float
        Per-epoch ``d_loss`` and ``g_loss``.
    samples : list of ndarray
        After every epoch, the generator's rows for the same fixed noise, shape
        (samples_per_epoch, n_features): watch them turn into data.
    """

    generator: object
    discriminator: object
    history: dict = field(default_factory=dict)
    samples: list = field(default_factory=list)

    def generate(self, n: int, random_state=None) -> np.ndarray:
        """``n`` new rows from fresh noise."""
        rng = np.random.default_rng(random_state)
        latent_dim = int(self.generator.inputs[0].shape[-1])
        noise = rng.standard_normal((int(n), latent_dim)).astype(np.float32)
        return np.asarray(self.generator(noise, training=False))


def build_gan(n_features: int, latent_dim: int = 32, hidden_units=(128, 256),
              output_activation: str = "sigmoid", batch_norm: bool = False, dropout: float = 0.0):
    """``(generator, discriminator)``: Dense stacks, the discriminator mirroring the generator.

    ``batch_norm`` puts a BatchNormalization before each of the generator's hidden ReLUs and
    ``dropout`` a Dropout after each of the discriminator's hidden layers: both keep the
    discriminator from winning outright early on, which otherwise collapses a small dense GAN on
    MNIST to one blurry blob.
    """
    keras = import_keras()
    from keras import layers

    z = keras.Input(shape=(latent_dim,), name="noise")
    h = z
    for i, units in enumerate(hidden_units):
        if batch_norm:
            h = layers.Dense(units, name=f"gen_{i}")(h)
            h = layers.BatchNormalization(name=f"gen_{i}_bn")(h)
            h = layers.ReLU(name=f"gen_{i}_relu")(h)
        else:
            h = layers.Dense(units, activation="relu", name=f"gen_{i}")(h)
    rows = layers.Dense(n_features, activation=output_activation, name="rows")(h)
    generator = keras.Model(z, rows, name="generator")

    x = keras.Input(shape=(n_features,), name="rows")
    h = x
    for i, units in enumerate(reversed(hidden_units)):
        h = layers.Dense(units, name=f"disc_{i}")(h)
        h = layers.LeakyReLU(negative_slope=0.2, name=f"disc_{i}_leaky_relu")(h)
        if dropout > 0:
            h = layers.Dropout(dropout, name=f"disc_{i}_dropout")(h)
    logit = layers.Dense(1, name="logit")(h)
    discriminator = keras.Model(x, logit, name="discriminator")
    return generator, discriminator


def _gan_model_class():
    """Define the GAN model class on first use (keeps TensorFlow out of module import)."""
    keras = import_keras()
    from keras import ops

    from ..models.backend import random_tensor

    class GAN(keras.Model):
        """Alternate one discriminator step and one generator step per batch."""

        def __init__(self, generator, discriminator, latent_dim: int, seed=None, **kwargs):
            super().__init__(**kwargs)
            self.generator = generator
            self.discriminator = discriminator
            self.latent_dim = int(latent_dim)
            self.seed_generator = keras.random.SeedGenerator(seed)
            self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
            self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

        @property
        def metrics(self):
            return [self.d_loss_tracker, self.g_loss_tracker]

        def compile(self, d_optimizer, g_optimizer, **kwargs):
            super().compile(**kwargs)
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer

        def call(self, noise, training=False):
            return self.generator(noise, training=training)

        @staticmethod
        def _bce(labels, logits):
            """Binary cross-entropy from logits, averaged over the batch."""
            return ops.mean(ops.maximum(logits, 0.0) - logits * labels
                            + ops.log1p(ops.exp(-ops.abs(logits))))

        def train_step(self, real):
            tf = import_tensorflow()

            if isinstance(real, (tuple, list)):
                real = real[0]
            batch = ops.shape(real)[0]
            noise = random_tensor("normal", (batch, self.latent_dim), self.seed_generator)
            fake = self.generator(noise, training=True)
            rows = ops.concatenate([real, fake], axis=0)
            # Real rows are labelled 0.9 (one-sided label smoothing keeps the discriminator from
            # becoming overconfident, which starves the generator of gradient), fakes 0.
            labels = ops.concatenate([ops.full((batch, 1), 0.9), ops.zeros((batch, 1))], axis=0)
            with tf.GradientTape() as tape:
                d_loss = self._bce(labels, self.discriminator(rows, training=True))
            gradients = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(gradients, self.discriminator.trainable_weights))

            noise = random_tensor("normal", (batch, self.latent_dim), self.seed_generator)
            with tf.GradientTape() as tape:
                logits = self.discriminator(self.generator(noise, training=True), training=True)
                g_loss = self._bce(ops.ones((batch, 1)), logits)
            gradients = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply_gradients(zip(gradients, self.generator.trainable_weights))

            self.d_loss_tracker.update_state(d_loss)
            self.g_loss_tracker.update_state(g_loss)
            return {m.name: m.result() for m in self.metrics}

    return GAN


def train_gan(X, latent_dim: int = 32, epochs: int = 30, batch_size: int = 128,
              random_state=None, progress: Optional[Callable[[int, dict], None]] = None,
              samples_per_epoch: int = 16, hidden_units=(128, 256), learning_rate: float = 2e-4,
              stop_event: Optional[threading.Event] = None, jit_compile: bool = True,
              batch_norm: bool = False, dropout: float = 0.0) -> GANResult:
    """Train a dense GAN on the rows of ``X``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Real rows; when they lie in [0, 1] the generator ends in a sigmoid, else it is linear.
    latent_dim : int, default=32
        Size of the generator's noise input.
    epochs : int, default=30
    batch_size : int, default=128
    random_state : int or None
    progress : callable, optional
        ``progress(epoch, logs)`` after every epoch, ``logs`` holding ``d_loss`` and ``g_loss``.
    samples_per_epoch : int, default=16
        Rows generated from the same fixed noise after every epoch.
    hidden_units : tuple of int, default=(128, 256)
        Generator widths; the discriminator uses them reversed.
    learning_rate : float, default=2e-4
        Adam's step for both networks (beta_1 = 0.5, the usual GAN setting).
    stop_event : threading.Event, optional
        Set it to stop after the current epoch.
    jit_compile : bool, default=True
    batch_norm : bool, default=False
        BatchNormalization in the generator's hidden layers (see :func:`build_gan`).
    dropout : float, default=0.0
        Dropout rate after the discriminator's hidden layers, in [0, 1).

    Returns
    -------
    GANResult

    Examples
    --------
    >>> result = train_gan(X, epochs=5, random_state=0)  # doctest: +SKIP
    >>> result.samples[-1].shape  # doctest: +SKIP
    (16, 64)
    """
    keras = import_keras()
    tf = import_tensorflow()

    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or len(X) < 2:
        raise ValueError(f"X must be a 2D array with at least 2 rows; got shape {X.shape}.")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values; remove or impute them first.")
    for name, value in (("latent_dim", latent_dim), ("epochs", epochs), ("batch_size", batch_size)):
        if not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name}={value!r} must be a positive integer.")
    if not isinstance(samples_per_epoch, numbers.Integral) or samples_per_epoch < 0:
        raise ValueError(f"samples_per_epoch={samples_per_epoch!r} must be a non-negative integer.")
    if not isinstance(dropout, numbers.Real) or not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout={dropout!r} must be in [0, 1), e.g. 0.3.")
    seed = int(random_state) if random_state is not None else int(np.random.randint(0, 2**31 - 1))
    keras.utils.set_random_seed(seed)

    output_activation = "sigmoid" if X.min() >= 0.0 and X.max() <= 1.0 else "linear"
    generator, discriminator = build_gan(X.shape[1], int(latent_dim), tuple(hidden_units),
                                         output_activation, batch_norm=bool(batch_norm), dropout=float(dropout))
    gan = _gan_model_class()(generator, discriminator, latent_dim, seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
                jit_compile=jit_compile)

    batch_size = int(min(batch_size, len(X)))
    steps = max(1, math.ceil(len(X) / batch_size))
    data = (tf.data.Dataset.from_tensor_slices(X).shuffle(len(X), seed=seed).repeat()
            .batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE))
    fixed_noise = np.random.default_rng(seed).standard_normal(
        (int(samples_per_epoch), int(latent_dim))).astype(np.float32)
    result = GANResult(generator, discriminator, {"d_loss": [], "g_loss": []}, [])

    class _Watch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs = {k: float(v) for k, v in (logs or {}).items()}
            for key in ("d_loss", "g_loss"):
                result.history[key].append(logs.get(key, math.nan))
            if samples_per_epoch:
                result.samples.append(np.asarray(generator(fixed_noise, training=False)))
            if progress is not None:
                progress(epoch + 1, logs)
            if stop_event is not None and stop_event.is_set():
                self.model.stop_training = True

    gan.fit(data, epochs=int(epochs), steps_per_epoch=steps, verbose=0, callbacks=[_Watch()])
    return result
