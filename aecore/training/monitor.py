"""Fit-loop glue: one Keras callback that reports progress, stops on request, keeps the best
weights (or, without early stopping, the last epoch's), stops early on a plateau and refuses to
continue once the loss turns NaN.

Progress goes to a plain callable ``progress(epoch, logs)`` (epoch counts from 1), so the app,
the command line and the tests can each listen without knowing about each other.
"""

from __future__ import annotations

import math
import threading
from typing import Callable, Optional

import numpy as np

from ..models.backend import import_keras, import_tensorflow
from ..params import OPTIMIZERS

keras = import_keras()

ProgressFn = Callable[[int, dict], None]


class TrainingMonitor(keras.callbacks.Callback):
    """Watch a fit: progress hook, stop event, best or last weights, early stopping, NaN guard.

    Parameters
    ----------
    monitor : str
        Log key to minimise (``"val_loss"`` when a validation set exists, else ``"loss"``).
    patience : int or None
        Epochs without improvement before stopping; ``None`` never stops early.
    progress : callable, optional
        Called as ``progress(epoch, logs)`` after every epoch.
    stop_event : threading.Event, optional
        Set it from anywhere to stop after the current batch (compiled execution).
    on_batch : callable, optional
        Called as ``on_batch(step, steps)`` after every compiled execution within an epoch; an
        exception raised there interrupts the fit (the best weights are kept).
    min_delta : float
        Relative improvement that counts as progress.
    X_val : ndarray, optional
        Held-out rows; their loss is logged as ``val_loss`` after every epoch.
    loss : {"mse", "binary_crossentropy"}
        How ``val_loss`` compares the held-out rows with their reconstructions.
    validation_model : keras.Model or callable, optional
        What reconstructs ``X_val`` (called as ``validation_model(x, training=False)``) when it
        is not the model being fitted: greedy layer-wise training fits one shallow stage but
        validates the whole stack so far.
        A model with a ``validation_logs(X)`` method (the VAE) reports its own loss terms.
    keep_best : bool, optional
        Whether a fit that runs all its epochs ends with the best weights seen (by ``monitor``)
        rather than the last epoch's. ``None`` (default): when it stops early (``patience`` set).
        A fit that is stopped, interrupted or turns NaN always ends with the best weights.
    """

    def __init__(self, monitor: str = "val_loss", patience: Optional[int] = 10,
                 progress: Optional[ProgressFn] = None,
                 stop_event: Optional[threading.Event] = None, min_delta: float = 1e-4,
                 X_val: Optional[np.ndarray] = None, loss: str = "mse",
                 validation_model: Optional[Callable] = None,
                 on_batch: Optional[Callable[[int, int], None]] = None,
                 keep_best: Optional[bool] = None):
        super().__init__()
        self.on_batch = on_batch
        self.steps = None
        self.X_val = X_val
        self.loss = loss
        self.validation_model = validation_model
        self.monitor = monitor
        self.patience = patience
        self.keep_best = patience is not None if keep_best is None else bool(keep_best)
        self.progress = progress
        self.stop_event = stop_event
        self.min_delta = min_delta
        self.best_value = math.inf
        self.best_epoch = 0
        self.best_weights = None
        self.stopped_reason = "completed"
        self.epochs_run = 0
        self.history: dict[str, list[float]] = {}

    def on_train_begin(self, logs=None):
        self.best_weights = self.model.get_weights()

    def on_train_batch_end(self, batch, logs=None):
        # Keras reports the last step of each compiled execution; steps_per_execution is small
        # enough that this runs several times a second, so Stop is honoured within the epoch.
        if self.stop_event is not None and self.stop_event.is_set():
            self.stopped_reason = "stopped"
            self.model.stop_training = True
        if self.on_batch is not None:
            self.on_batch(int(batch) + 1, self.params.get("steps") or 0)

    def on_epoch_end(self, epoch, logs=None):
        keras_logs = logs
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if self.X_val is not None:
            logs.update(self.validation_logs())
            if isinstance(keras_logs, dict):
                # Keras hands the same dict to the callbacks after this one (a user's
                # CSVLogger, ...): they see val_loss too.
                keras_logs.update({k: v for k, v in logs.items() if k not in keras_logs})
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        self.epochs_run = epoch + 1
        value = logs.get(self.monitor, logs.get("loss", math.nan))
        if not np.isfinite(logs.get("loss", math.nan)) or not np.isfinite(value):
            self.stopped_reason = "nan"
            self.model.stop_training = True
        elif value < self.best_value * (1 - self.min_delta) or self.best_epoch == 0:
            self.best_value, self.best_epoch = float(value), epoch + 1
            self.best_weights = self.model.get_weights()
        elif self.patience is not None and epoch + 1 - self.best_epoch >= self.patience:
            self.stopped_reason = "early_stopping"
            self.model.stop_training = True
        if self.progress is not None:
            self.progress(epoch + 1, logs)
        if self.stop_event is not None and self.stop_event.is_set():
            self.stopped_reason = "stopped"
            self.model.stop_training = True

    def validation_logs(self) -> dict:
        """``val_loss`` (and the model's own validation terms, when it reports them)."""
        model = self.validation_model or self.model
        if hasattr(model, "validation_logs"):
            return {key: float(value) for key, value in model.validation_logs(self.X_val).items()}
        return {"val_loss": self.validation_loss()}

    def validation_loss(self) -> float:
        """Loss on the held-out rows, computed directly: Keras' own validation pass costs ~1 s
        per epoch here (it rebuilds its evaluation loop), ours a few milliseconds."""
        x = self.X_val
        model = self.validation_model or self.model
        pred = np.concatenate([np.asarray(model(x[i:i + 4096], training=False))
                               for i in range(0, len(x), 4096)]).astype(np.float64)
        if self.loss == "binary_crossentropy":
            pred = np.clip(pred, 1e-7, 1 - 1e-7)
            return float(-np.mean(x * np.log(pred) + (1 - x) * np.log(1 - pred)))
        return float(np.mean((pred - x) ** 2))

    def on_train_end(self, logs=None):
        # Without early stopping a completed fit keeps its last epoch's weights (they are in the
        # model already); a stop, NaN or early stop falls back to the best.
        if self.keep_best or self.stopped_reason != "completed":
            self.restore_best()

    def restore_best(self) -> None:
        """Put the best weights seen so far back into the model."""
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def steps_per_execution(steps: int, largest: int = 32) -> int:
    """The largest divisor of ``steps`` up to ``largest``: Keras 3 always runs whole executions,
    so a value that does not divide the steps of an epoch would silently train extra steps."""
    return max(d for d in range(1, min(steps, largest) + 1) if steps % d == 0)


def execution_steps(n_rows: int, batch_size: int, max_steps_per_execution: int = 32) -> int:
    """The optimiser steps one compiled execution runs when fitting ``n_rows`` rows in batches of
    ``batch_size`` (a divisor of the epoch's steps, at most ``max_steps_per_execution``)."""
    return steps_per_execution(max(1, math.ceil(n_rows / batch_size)), max_steps_per_execution)


def steps_per_execution_limit(estimate, batch_size: int, seconds: float = 0.25) -> int:
    """Most optimiser steps one compiled execution may run so that it takes about ``seconds``
    (by an :class:`aecore.budget.TrainingEstimate`): callbacks (progress, Stop) only run between
    executions."""
    from ..budget import MACS_PER_SECOND

    per_row = estimate.compute / max(1.0, float(estimate.steps) * batch_size)
    per_step = 3 * batch_size * per_row / MACS_PER_SECOND
    return int(max(1, min(32, seconds / max(per_step, 1e-9))))


def fit_autoencoder(autoencoder: keras.Model, X: np.ndarray, *, monitor: TrainingMonitor, optimizer: str, learning_rate: float, loss: str,
                    epochs: int, batch_size: int, jit_compile: bool, shuffle_seed: int,
                    max_steps_per_execution: int = 32, callbacks=()) -> None:
    """Compile and fit ``autoencoder`` to reproduce ``X``, watched by ``monitor``.

    The weights left in the model are the best seen (by the monitor's validation loss when it
    has held-out rows), also when the fit is interrupted by an exception from a progress listener;
    a monitor with ``keep_best=False`` leaves the last epoch's after a fit that ran all its epochs.
    ``callbacks`` (Keras callbacks) run after the monitor, so they see its ``val_loss``.
    """
    # steps_per_execution and XLA roughly halve the per-epoch time of small models on a CPU;
    # callbacks still see every epoch because epochs end on execution boundaries. The caller caps
    # it so that one execution lasts a fraction of a second and a Stop is honoured quickly.
    steps = max(1, math.ceil(len(X) / batch_size))
    _compile(autoencoder, optimizer, learning_rate, loss, jit_compile,
             execution_steps(len(X), batch_size, max_steps_per_execution))
    # A repeated tf.data pipeline costs ~1 ms per epoch where numpy inputs cost ~25 ms (a new
    # iterator each epoch), which dominates small models such as the 3D linear autoencoder.
    train = _dataset(X, batch_size, shuffle_seed=shuffle_seed)
    try:
        autoencoder.fit(train, epochs=epochs, steps_per_epoch=steps, verbose=0, shuffle=False,
                        callbacks=[monitor, *(callbacks or ())])
    except BaseException:
        monitor.stopped_reason = "interrupted"
        monitor.restore_best()
        raise


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    """The Keras optimizer ``name`` (one of :data:`aecore.params.OPTIMIZERS`) at ``learning_rate``."""
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer={name!r} must be one of {sorted(OPTIMIZERS)}.")
    return getattr(keras.optimizers, OPTIMIZERS[name])(learning_rate=learning_rate)


def _compile(autoencoder: keras.Model, optimizer: str, learning_rate: float, loss: str,
             jit_compile: bool, steps: int) -> None:
    """Compile ``autoencoder`` — unless it was compiled the same way before (a trainer from
    :mod:`aecore.training.trainer_pool`): then its traced train step is kept and only its optimizer starts
    afresh (zeroed moments and step count, this fit's learning rate), as a new compile would."""
    settings = (optimizer, loss, bool(jit_compile), int(steps))
    if getattr(autoencoder, "_aecore_compiled", None) == settings:
        for variable in autoencoder.optimizer.variables:
            variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
        autoencoder.optimizer.learning_rate = learning_rate
        return
    autoencoder.compile(optimizer=make_optimizer(optimizer, learning_rate), loss=loss,
                        jit_compile=jit_compile, steps_per_execution=steps)
    autoencoder._aecore_compiled = settings


def seed_fit(seed: int) -> None:
    """Seed what a fit draws from: Python's ``random`` (Keras' initialisers and seed generators
    take their seeds from it) and NumPy's global generator.

    Not ``keras.utils.set_random_seed``: its ``tf.random.set_seed`` also clears TensorFlow's kernel
    caches, which costs ~0.35 s on the next compiled execution of a reused train step, and nothing in
    a fit needs TensorFlow's global seed (the shuffle in :func:`_dataset` is stateless and seeded).
    """
    import random

    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)


def _dataset(X: np.ndarray, batch_size: int, shuffle_seed: Optional[int] = None):
    """An endless (x, x) batch stream; every pass over the rows in a new order when a seed is given.

    The order of pass ``p`` is a stateless shuffle seeded by ``(shuffle_seed, p)``: the same for
    the same seed whatever else the process has done, without TensorFlow's global seed. Rows are
    gathered a batch at a time (one op per batch rather than per row).
    """
    tf = import_tensorflow()

    rows = tf.convert_to_tensor(X)
    n = len(X)
    passes = tf.data.Dataset.range(2**62)
    if shuffle_seed is None:
        order = passes.map(lambda p: tf.range(n, dtype=tf.int64))
    else:
        seed = int(shuffle_seed) % 2**31
        order = passes.map(lambda p: tf.random.experimental.stateless_shuffle(
            tf.range(n, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), p])))
    batches = order.unbatch().batch(batch_size).map(lambda i: tf.gather(rows, i))
    return batches.map(lambda x: (x, x)).prefetch(tf.data.AUTOTUNE)
