"""Issue #6: training speed and cost growth: the same dense autoencoder in Keras
(``AutoencoderReducer``) against a plain PyTorch loop (skipped without torch); Keras settings
(``jit_compile``, ``steps_per_execution``, batch); cost growth per epoch, PCA and peak memory on
synthetic MNIST-shaped rows."""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

import numpy as np

from aecore.data.datasets import load_mnist_sample
from bench.fair_speed import BATCH_SIZE, HIDDEN_UNITS, LEARNING_RATE, N_COMPONENTS, keras_reducer, torch_autoencoder
from bench.harness.data import synthetic_mnist
from bench.harness.memory import maxrss_mib
from bench.harness.report import load_note, row, timer

GROUP = "Training speed"

# PyTorch's OpenMP threads spin while they wait; on a busy machine (a shared 2-core runner, or
# TensorFlow's own threads in this process) that made its epochs 10x slower in our runs. Passive
# waiting has to be chosen before torch loads its OpenMP runtime, i.e. before `import torch`.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # Not Linux.
        return os.cpu_count() or 1


def _steady(epoch_seconds: list[float]) -> float:
    """Fastest epoch after the first (which also pays for tracing and XLA compilation)."""
    return float(np.min(epoch_seconds[1:] if len(epoch_seconds) > 1 else epoch_seconds))


@dataclass
class Timing:
    """One training run: wall-clock seconds, per-epoch seconds, optimizer steps, final MSE."""

    total: float
    epochs: list
    steps: int
    mse: float = float("nan")

    @property
    def steps_per_epoch(self) -> float:
        return self.steps / len(self.epochs)

    def pass_seconds(self, n_rows: int, batch_size: int) -> float:
        """Fastest epoch after the first, scaled to one pass over the data (ceil(n/batch) steps)."""
        return _steady(self.epochs) * math.ceil(n_rows / batch_size) / self.steps_per_epoch


def keras_reducer_fit(X: np.ndarray, epochs: int, batch_size: int = BATCH_SIZE,
                      jit_compile: bool = True) -> Timing:
    """AutoencoderReducer with our settings (XLA, steps_per_execution) and no validation split."""
    stamps = []
    reducer = keras_reducer(epochs, batch_size, jit_compile=jit_compile)
    start = time.perf_counter()
    reducer.fit(X, progress=lambda epoch, logs: stamps.append(time.perf_counter()))
    total = time.perf_counter() - start
    return Timing(total, list(np.diff([start] + stamps)),
                  reducer.n_epochs_ * math.ceil(len(X) / batch_size), -reducer.score(X))


def keras_settings_fit(X: np.ndarray, epochs: int, batch_size: int, jit_compile: bool,
                       steps_per_execution: int) -> Timing:
    """The same model compiled with chosen settings, fed by a repeated tf.data pipeline."""
    import keras
    import tensorflow as tf

    from aecore.models import builders as models

    keras.utils.set_random_seed(0)
    arch = models.Architecture(kind="dense", n_features=X.shape[1], n_components=N_COMPONENTS,
                               hidden_units=HIDDEN_UNITS, output_activation="sigmoid")
    autoencoder, _, _ = models.build(arch)
    autoencoder.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="mse",
                        jit_compile=jit_compile, steps_per_execution=steps_per_execution)
    steps = math.ceil(len(X) / batch_size)
    data = (tf.data.Dataset.from_tensor_slices(X).shuffle(len(X), seed=0).repeat().batch(batch_size)
            .map(lambda x: (x, x)).prefetch(tf.data.AUTOTUNE))
    stamps = []
    stamp = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: stamps.append(time.perf_counter()))
    start = time.perf_counter()
    autoencoder.fit(data, epochs=epochs, steps_per_epoch=steps, verbose=0, callbacks=[stamp])
    return Timing(time.perf_counter() - start, list(np.diff([start] + stamps)),
                  int(autoencoder.optimizer.iterations.numpy()))


def torch_fit(X: np.ndarray, epochs: int, steps_per_epoch: int, batch_size: int = BATCH_SIZE,
              threads: int = 1) -> Timing:
    """The same autoencoder in a plain PyTorch loop, ``steps_per_epoch`` optimizer steps per epoch."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    torch.set_num_threads(threads)
    # Keras' initialisation, and Adam with its epsilon 1e-7: both run the same algorithm. (Started from
    # the same weights on the same batches, the two losses agreed within 3% over 200 steps.)
    model = torch_autoencoder(X.shape[1])
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, eps=1e-7)
    data = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    generator = torch.Generator().manual_seed(0)
    pending = torch.empty(0, dtype=torch.long)
    stamps = []
    start = time.perf_counter()
    for _ in range(epochs):
        for _ in range(steps_per_epoch):
            if len(pending) < batch_size:
                pending = torch.cat([pending, torch.randperm(len(data), generator=generator)])
            batch, pending = data[pending[:batch_size]], pending[batch_size:]
            loss = nn.functional.mse_loss(model(batch), batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        stamps.append(time.perf_counter())
    total = time.perf_counter() - start
    with torch.no_grad():
        mse = float(nn.functional.mse_loss(model(data), data))
    return Timing(total, list(np.diff([start] + stamps)), epochs * steps_per_epoch, mse)


def _torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run(quick: bool = False) -> list[dict]:
    rows = []
    X = load_mnist_sample().X
    epochs = 3 if quick else 10
    threads = _threads()
    passes = math.ceil(len(X) / BATCH_SIZE)
    what = (f"784-512-256-32-256-512-784 AE, {epochs} epochs on {len(X):,} MNIST digits, batch "
            f"{BATCH_SIZE}, {threads} threads")

    # 1. Keras (our settings) against PyTorch, the same number of optimizer steps.
    keras_run = keras_reducer_fit(X, epochs)
    steps_note = (f"Keras ran {keras_run.steps_per_epoch:.0f} steps per epoch where one pass is "
                  f"{passes} (steps_per_execution rounds epochs up); PyTorch ran the same "
                  f"{keras_run.steps} steps")
    if _torch_available():
        import torch

        torch_run = torch_fit(X, epochs, int(keras_run.steps_per_epoch), threads=threads)
        rows.append(row(GROUP, "Keras (AutoencoderReducer, XLA) fit time", keras_run.total, unit="s",
                        baseline=torch_run.total, baseline_name=f"PyTorch {torch.__version__} loop",
                        target="ratio <= 1.5",
                        note=f"{what}; {steps_note}; final train MSE Keras {keras_run.mse:.4f}, "
                             f"PyTorch {torch_run.mse:.4f}; {load_note()}"))
        rows.append(row(GROUP, "Keras seconds per pass over the data", keras_run.pass_seconds(
                            len(X), BATCH_SIZE), unit="s",
                        baseline=torch_run.pass_seconds(len(X), BATCH_SIZE),
                        baseline_name="PyTorch loop",
                        note=f"fastest epoch after the first, scaled to {passes} steps; Keras' first "
                             f"epoch ({keras_run.epochs[0]:.1f} s) includes tracing and XLA "
                             f"compilation, PyTorch's took {torch_run.epochs[0]:.1f} s; PyTorch with "
                             "OMP_WAIT_POLICY=PASSIVE"))
    else:
        rows.append(row(GROUP, "Keras (AutoencoderReducer, XLA) fit time", keras_run.total, unit="s",
                        note=f"{what}. PyTorch comparison skipped: torch is not installed "
                             "(pip install \".[bench]\" --extra-index-url "
                             "https://download.pytorch.org/whl/cpu)"))

    # 2. Keras settings. steps_per_execution is 1 or a whole pass, so that epochs do not round up.
    batches = (128, 512)
    grid = [(jit, spe, batch) for batch in batches for jit in (False, True) for spe in (1, "pass")]
    if quick:
        grid = [g for g in grid if g[2] == 128] + [(True, "pass", 512)]
    timings = {}
    for jit, spe, batch in grid:
        steps = math.ceil(len(X) / batch) if spe == "pass" else 1
        timings[(jit, spe, batch)] = keras_settings_fit(X, 6 if quick else 8, batch, jit, steps
                                                        ).pass_seconds(len(X), batch)
    reference = timings[(False, 1, 128)]
    fastest = min(timings, key=timings.get)
    for (jit, spe, batch), seconds in timings.items():
        best = " (fastest)" if (jit, spe, batch) == fastest else ""
        spe_text = "a whole pass" if spe == "pass" else "1"
        rows.append(row(GROUP, f"Keras pass, jit_compile={jit}, steps_per_execution={spe_text}, "
                               f"batch {batch}{best}", seconds, unit="s", baseline=reference,
                        baseline_name="jit off, 1 step per execution, batch 128",
                        note=f"fastest of the epochs after the first; {load_note()}"))

    # 3. Cost growth.
    sizes = (1_000, 5_000) if quick else (1_000, 5_000, 20_000, 60_000)
    from sklearn.decomposition import PCA

    for n in sizes:
        data = synthetic_mnist(n)
        timing = keras_reducer_fit(data, 3)
        pca_seconds = []
        for _ in range(3):
            with timer() as seconds:
                PCA(N_COMPONENTS, random_state=0).fit(data).transform(data)
            pca_seconds.append(seconds())
        rows.append(row("Cost growth", f"{n:,} rows: seconds per training pass",
                        timing.pass_seconds(n, BATCH_SIZE), unit="s",
                        note=f"AutoencoderReducer, batch {BATCH_SIZE}, fastest of epochs 2-3 scaled to "
                             f"one pass; first epoch {timing.epochs[0]:.1f} s with compilation; "
                             "synthetic MNIST-shaped rows"))
        rows.append(row("Cost growth", f"{n:,} rows: PCA-{N_COMPONENTS} fit + projection",
                        min(pca_seconds), unit="s", note="fastest of 3"))
        rows.append(row("Cost growth", f"{n:,} rows: peak resident memory so far", maxrss_mib(),
                        unit="MB", note="resource.getrusage ru_maxrss of the benchmark process "
                                        "(TensorFlow and PyTorch included)"))
    return rows
