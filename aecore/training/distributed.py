"""Training past one device and past memory, with TensorFlow's own distribution engine.

- :func:`make_strategy` picks a ``tf.distribute`` strategy: the default one, a
  ``MirroredStrategy`` over every GPU of this machine (or the logical CPUs made by
  :func:`split_cpu`), or a ``MultiWorkerMirroredStrategy`` configured by ``TF_CONFIG``.
- :func:`fit_streaming` trains an autoencoder from a ``.npy`` file opened with
  ``np.load(path, mmap_mode="r")``: rows are read chunk by chunk from disk through ``tf.data``,
  so the file may be larger than memory. The model is built and compiled inside
  ``strategy.scope()``; each input pipeline (one per worker) reads its own share of chunks.

Launching several workers
-------------------------
Every worker runs the same command with its own ``TF_CONFIG``, for example on two machines::

    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
                "task": {"type": "worker", "index": 0}}' \\
        python -m aecore train --dataset big.npy --strategy multi-worker --out runs/big

and ``"index": 1`` on the second machine. Worker 0 (the chief) writes the run.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import threading
from typing import Callable, Optional

import numpy as np

from ..models.backend import import_keras, import_tensorflow
from ..presets import TrainConfig

STRATEGIES = ("none", "mirrored", "multi-worker")
#: Rows read from disk at a time; each chunk is shuffled in memory before batching.
DEFAULT_CHUNK_ROWS = 8192
#: Validation rows kept in memory for early stopping, at most.
MAX_VALIDATION_ROWS = 10_000


def split_cpu(n_devices: int) -> list[str]:
    """Split the CPU into ``n_devices`` logical devices (for MirroredStrategy on one CPU).

    It must run before TensorFlow initialises its devices, i.e. before any model, tensor or
    strategy is created in this process.

    Parameters
    ----------
    n_devices : int
        Number of logical CPU devices, >= 1.

    Returns
    -------
    list of str
        The logical CPU device names, e.g. ``["/device:CPU:0", "/device:CPU:1"]``.
    """
    tf = import_tensorflow()

    if not isinstance(n_devices, int) or isinstance(n_devices, bool) or n_devices < 1:
        raise ValueError(f"n_devices={n_devices!r} must be a positive integer, e.g. 2.")
    cpu = tf.config.list_physical_devices("CPU")[0]
    current = tf.config.get_logical_device_configuration(cpu)
    if current is not None and len(current) == n_devices:
        return [d.name for d in tf.config.list_logical_devices("CPU")]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n_devices)])
    except RuntimeError as exc:
        raise ValueError(
            f"split_cpu({n_devices}) came too late: TensorFlow has already initialised its devices "
            f"({exc}). Call it first thing in a fresh process, before building any model.") from exc
    return [d.name for d in tf.config.list_logical_devices("CPU")]


def read_tf_config() -> Optional[dict]:
    """The parsed ``TF_CONFIG`` environment variable, validated; ``None`` when unset."""
    text = os.environ.get("TF_CONFIG", "").strip()
    if not text:
        return None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"TF_CONFIG is not valid JSON ({exc}); set it to e.g. "
                         '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
                         '"task": {"type": "worker", "index": 0}}.') from exc
    cluster, task = config.get("cluster"), config.get("task")
    if not isinstance(cluster, dict) or not isinstance(cluster.get("worker"), list) \
            or not cluster["worker"]:
        raise ValueError(f"TF_CONFIG cluster={cluster!r} must list the workers' host:port "
                         'addresses, e.g. {"worker": ["host1:12345", "host2:12345"]}.')
    if not isinstance(task, dict) or task.get("type") not in ("worker", "chief") \
            or not isinstance(task.get("index"), int) \
            or not 0 <= task["index"] < len(cluster.get(task.get("type"), [])):
        raise ValueError(f"TF_CONFIG task={task!r} must name this process's place in the cluster, "
                         'e.g. {"type": "worker", "index": 0} (index < number of workers).')
    return config


def is_chief() -> bool:
    """Whether this process should write results (always true outside a multi-worker cluster)."""
    config = read_tf_config()
    if config is None:
        return True
    task = config["task"]
    if task["type"] == "chief":
        return True
    return "chief" not in config["cluster"] and task["index"] == 0


def make_strategy(name: str = "none", devices: Optional[list[str]] = None):
    """A ``tf.distribute`` strategy by name.

    Parameters
    ----------
    name : {"none", "mirrored", "multi-worker"}
        ``"none"``: TensorFlow's default strategy (one device). ``"mirrored"``: synchronous
        data parallelism over every GPU of this machine, or over the logical CPUs made by
        :func:`split_cpu` when there is no GPU. ``"multi-worker"``: the same across machines,
        configured by the ``TF_CONFIG`` environment variable (create it first thing in the
        program, before other TensorFlow calls).
    devices : list of str, optional
        Devices for ``"mirrored"`` (default: all GPUs, else all logical CPUs).

    Returns
    -------
    tf.distribute.Strategy
    """
    tf = import_tensorflow()

    if name not in STRATEGIES:
        raise ValueError(f"strategy={name!r} is unknown; choose one of {list(STRATEGIES)}.")
    if name == "none":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        if devices is None:
            gpus = tf.config.list_logical_devices("GPU")
            devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        return tf.distribute.MirroredStrategy(devices=devices)
    if read_tf_config() is None:
        raise ValueError("strategy='multi-worker' needs the TF_CONFIG environment variable on every "
                         'worker, e.g. TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", '
                         '"host2:12345"]}, "task": {"type": "worker", "index": 0}}\'.')
    return tf.distribute.MultiWorkerMirroredStrategy()


def open_npy(npy_path) -> tuple[np.ndarray, Optional[tuple[int, int]]]:
    """Memory-map a ``.npy`` file of rows (2-D) or grayscale images (3-D), never unpickling.

    Returns the rows as a 2-D memmap view and the image shape (or ``None``).
    """
    path = os.fspath(npy_path)
    if not path.endswith(".npy") or not os.path.isfile(path):
        raise ValueError(f"npy_path={path!r} must be an existing .npy file (np.save of a 2-D "
                         "float array); convert other formats with np.save first.")
    try:
        rows = np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        raise ValueError(f"{path!r} is not a plain numeric .npy file ({exc}).") from exc
    image_shape = None
    if rows.ndim == 4 and rows.shape[-1] == 1:
        rows = rows[..., 0]
    if rows.ndim == 3:
        image_shape = (int(rows.shape[1]), int(rows.shape[2]))
        rows = rows.reshape(rows.shape[0], -1)
    if rows.ndim != 2 or rows.dtype.kind not in "biuf":
        raise ValueError(f"{path!r} holds an array of shape {rows.shape} and dtype {rows.dtype}; "
                         "expected numbers of shape (samples, features) or (samples, height, width).")
    if rows.shape[0] < 10 or rows.shape[1] < 2:
        raise ValueError(f"{path!r} has shape {rows.shape}; at least 10 rows and 2 columns are needed.")
    return rows, image_shape


def _scan(rows: np.ndarray, start: int, stop: int, chunk_rows: int) -> tuple[float, float]:
    """Min and max over a row range, read chunk by chunk; refuse NaN or infinite values."""
    lo, hi = math.inf, -math.inf
    for a in range(start, stop, chunk_rows):
        block = np.asarray(rows[a:min(a + chunk_rows, stop)], dtype=np.float32)
        if not np.isfinite(block).all():
            raise ValueError(f"Rows {a}-{min(a + chunk_rows, stop)} contain NaN or infinite values; "
                             "clean the file before training.")
        lo, hi = min(lo, float(block.min())), max(hi, float(block.max()))
    return lo, hi


def _batch_stream(rows, start: int, stop: int, skip: np.ndarray, batch_size: int, chunk_rows: int,
                  seed: int, pipeline_id: int, n_pipelines: int):
    """Endless batches: this pipeline's chunks in a fresh random order each pass, rows shuffled
    inside each chunk, ``skip`` rows (held out for validation) left out."""
    rng = np.random.default_rng([seed, pipeline_id])
    starts = np.arange(start, stop, chunk_rows)[pipeline_id::n_pipelines]
    pending = np.empty((0, rows.shape[1]), dtype=np.float32)
    while True:
        for a in rng.permutation(starts):
            b = min(int(a) + chunk_rows, stop)
            block = np.asarray(rows[a:b], dtype=np.float32)
            if skip.size:
                block = block[~np.isin(np.arange(a, b), skip)]
            block = block[rng.permutation(len(block))]
            if len(pending):
                block = np.concatenate([pending, block])
            n_full = len(block) // batch_size * batch_size
            for i in range(0, n_full, batch_size):
                yield block[i:i + batch_size]
            pending = block[n_full:]


def _train_steps_function(autoencoder, optimizer, strategy, loss: str, global_batch: int,
                          jit_compile: bool):
    """A tf.function running ``n`` synchronous training steps; returns the summed mean losses."""
    keras = import_keras()
    tf = import_tensorflow()

    from ..params import LOSSES

    if loss not in LOSSES:
        raise ValueError(f"loss={loss!r} must be one of {sorted(LOSSES)}.")
    # Keras' functions of these names give one loss per example (the mean over the features),
    # which compute_average_loss below scales by the global batch.
    loss_fn = keras.losses.get(loss)

    def replica_step(x):
        with tf.GradientTape() as tape:
            y = autoencoder(x, training=True)
            # Scaling by the global batch makes the all-reduced (summed) gradients those of the
            # mean loss over the whole global batch, whatever the number of replicas.
            value = tf.nn.compute_average_loss(loss_fn(x, y), global_batch_size=global_batch)
            if autoencoder.losses:
                value += tf.nn.scale_regularization_loss(tf.add_n(autoencoder.losses))
        variables = autoencoder.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(value, variables), variables))
        return value

    if jit_compile:
        replica_step = tf.function(replica_step, jit_compile=True)

    @tf.function
    def train_steps(iterator, n):
        total = tf.constant(0.0)
        for _ in tf.range(n):
            per_replica = strategy.run(replica_step, args=(next(iterator),))
            total += strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)
        return total

    return train_steps


def fit_streaming(npy_path, config: TrainConfig, strategy=None, batch_size: Optional[int] = None, *,
                  rows: Optional[tuple[int, int]] = None, image_shape=None,
                  chunk_rows: int = DEFAULT_CHUNK_ROWS, jit_compile: bool = False,
                  progress: Optional[Callable[[int, dict], None]] = None,
                  stop_event: Optional[threading.Event] = None, budget=None):
    """Train an autoencoder from a ``.npy`` file on disk, under a ``tf.distribute`` strategy.

    The file is opened with ``np.load(path, mmap_mode="r")`` and streamed through ``tf.data``
    in shuffled chunks, so it can be larger than memory. Values are used as stored (scale them
    beforehand, e.g. pixels to 0-1). A random share of the rows (``validation_fraction``, at
    most 10,000 rows) is held in memory for early stopping, like :meth:`AutoencoderReducer.fit`.

    Parameters
    ----------
    npy_path : str or path
        A ``.npy`` file of shape (n_samples, n_features) or (n_samples, height, width).
    config : TrainConfig
        Architecture and training settings (``None`` fields take the kind's defaults).
    strategy : tf.distribute.Strategy or str, optional
        A strategy, or a name for :func:`make_strategy`; ``None`` is the default strategy.
    batch_size : int, optional
        Global batch size (split across replicas); overrides ``config.batch_size``. It must be
        divisible by the number of replicas.
    rows : (start, stop), optional
        Train on this row range only (e.g. leave the last rows out as a test set).
    image_shape : (height, width), optional
        For image kinds; taken from a 3-D file when not given.
    chunk_rows : int, default=8192
        Rows read from disk at a time.
    jit_compile : bool, default=False
        Compile each replica's step with XLA (fails for mirrored logical CPUs).
    progress : callable, optional
        ``progress(epoch, logs)`` after every epoch.
    stop_event : threading.Event, optional
        Set it to stop after the current epoch (on every worker of a cluster).

    Returns
    -------
    AutoencoderReducer
        Fitted, with the best weights seen (by validation loss), on a plain (undistributed)
        model: ready for ``transform``, ``save_run`` and the app.

    Examples
    --------
    >>> reducer = fit_streaming("big.npy", TrainConfig(n_components=16), "mirrored")  # doctest: +SKIP
    """
    keras = import_keras()
    tf = import_tensorflow()

    from ..models import builders as models
    from ..params import OPTIMIZERS
    from ..runs.loading import attach_fitted
    from .monitor import TrainingMonitor, make_optimizer

    if not isinstance(config, TrainConfig):
        raise ValueError(f"config must be a TrainConfig; got {type(config).__name__}.")
    data, file_image_shape = open_npy(npy_path)
    n_total, n_features = data.shape
    start, stop = (0, n_total) if rows is None else (int(rows[0]), int(rows[1]))
    if not 0 <= start < stop <= n_total or stop - start < 10:
        raise ValueError(f"rows={rows!r} must be a range (start, stop) of at least 10 rows inside "
                         f"0..{n_total}.")
    if isinstance(strategy, str) or strategy is None:
        strategy = make_strategy(strategy or "none")
    if not isinstance(chunk_rows, numbers.Integral) or chunk_rows < 1:
        raise ValueError(f"chunk_rows={chunk_rows!r} must be a positive integer, e.g. 8192.")

    reducer = config.to_reducer(image_shape=image_shape or file_image_shape)
    reducer.set_params(budget=budget)
    if batch_size is not None:
        reducer.set_params(batch_size=batch_size)
    # The reducer's own checks and resource budget, before anything is built.
    params = reducer._resolve_params(stop - start, n_features)
    reducer.training_estimate_ = reducer._check_budget(params, stop - start, n_features)
    global_batch, epochs = params["batch_size"], params["epochs"]
    replicas = strategy.num_replicas_in_sync
    if global_batch % replicas:
        raise ValueError(f"batch_size={global_batch} is not divisible by the {replicas} replicas; "
                         f"use a multiple of {replicas}, e.g. {max(1, global_batch // replicas) * replicas}.")

    lo, hi = _scan(data, start, stop, chunk_rows)
    output_activation = config.output_activation
    if output_activation == "auto":
        output_activation = "sigmoid" if lo >= 0.0 and hi <= 1.0 else "linear"
    seed = int(config.random_state if config.random_state is not None else 0)
    keras.utils.set_random_seed(seed)

    n_rows = stop - start
    n_val = min(int(round(n_rows * float(params["validation_fraction"]))), MAX_VALIDATION_ROWS)
    if n_val < 1 or n_rows - n_val < 2:
        n_val = 0
    rng = np.random.default_rng(seed)
    # Drawn without materialising every row index: the file may hold more rows than fit in memory.
    val_index = np.sort(start + rng.choice(n_rows, size=n_val, replace=False)) if n_val \
        else np.empty(0, dtype=np.int64)
    X_val = np.asarray(data[val_index], dtype=np.float32) if n_val else None
    n_train = n_rows - n_val
    global_batch = int(min(global_batch, max(replicas, n_train // replicas * replicas)))
    steps = max(1, math.ceil(n_train / global_batch))

    arch = reducer._architecture(int(n_features), output_activation, params,
                                 in_unit_range=bool(lo >= 0.0 and hi <= 1.0))

    def dataset_fn(context):
        per_replica = context.get_per_replica_batch_size(global_batch)
        chunk = max(per_replica, min(chunk_rows, math.ceil(n_rows / context.num_input_pipelines)))
        stream = tf.data.Dataset.from_generator(
            lambda: _batch_stream(data, start, stop, val_index, per_replica, chunk, seed,
                                  context.input_pipeline_id, context.num_input_pipelines),
            output_signature=tf.TensorSpec((per_replica, n_features), tf.float32))
        return stream.prefetch(tf.data.AUTOTUNE)

    if config.optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer={config.optimizer!r} must be one of {sorted(OPTIMIZERS)}.")
    if getattr(reducer, "greedy", False):
        raise ValueError("greedy layer-wise training is not available when streaming; set "
                         "greedy=False or train in memory with AutoencoderReducer.fit.")
    with strategy.scope():
        autoencoder, _, _ = models.build(arch)
        if type(autoencoder).train_step is not keras.Model.train_step:
            raise ValueError(f"kind={config.kind!r} trains with its own training step, which "
                             "fit_streaming cannot run; use AutoencoderReducer.fit, or a kind such "
                             "as 'dense', 'conv' or 'linear'.")
        optimizer = make_optimizer(config.optimizer, float(params["learning_rate"]))
        optimizer.build(autoencoder.trainable_variables)
    monitor = TrainingMonitor(monitor="val_loss" if X_val is not None else "loss",
                              patience=params["patience"] if config.early_stopping else None,
                              progress=progress, stop_event=stop_event, X_val=X_val, loss=config.loss)
    train_steps = _train_steps_function(autoencoder, optimizer, strategy, config.loss, global_batch,
                                        jit_compile=bool(jit_compile))
    iterator = iter(strategy.distribute_datasets_from_function(dataset_fn))
    # Keras 3.15's own fit() cannot train under MultiWorkerMirroredStrategy (keras-team/keras
    # issue 20585), so this is TensorFlow's custom-loop recipe; the Keras callback still watches
    # every epoch, exactly as in AutoencoderReducer.fit.
    monitor.set_model(autoencoder)
    autoencoder.stop_training = False
    monitor.on_train_begin()
    try:
        for epoch in range(int(epochs)):
            done, total = 0, 0.0
            while done < steps:
                chunk = min(steps - done, 32)
                total += float(train_steps(iterator, tf.constant(chunk)))
                done += chunk
            monitor.on_epoch_end(epoch, {"loss": total / steps})
            if autoencoder.stop_training:
                break
    except BaseException:
        monitor.stopped_reason = "interrupted"
        monitor.restore_best()
        raise
    monitor.on_train_end()

    # Hand back a plain model: the same architecture built outside the strategy, holding the
    # best weights, so the reducer behaves exactly like one from AutoencoderReducer.fit.
    plain, encoder, decoder = models.build(arch)
    plain.set_weights(autoencoder.get_weights())
    attach_fitted(reducer, arch, plain, encoder, decoder, history=monitor.history,
                  n_epochs=monitor.epochs_run, best_epoch=monitor.best_epoch,
                  stopped_reason=monitor.stopped_reason)
    if monitor.stopped_reason == "nan" and monitor.best_epoch == 0:
        raise ValueError(f"The loss became NaN in the first epoch with learning_rate="
                         f"{params['learning_rate']}; lower the learning rate (e.g. by 10x).")
    return reducer
