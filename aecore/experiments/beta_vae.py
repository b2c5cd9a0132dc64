"""The β of a β-VAE: the same convolutional VAE (preset ``conv_vae_2d``, keras-io's shape) trained at
several KL weights, each measured on held-out rows: how well it reconstructs, how far its codes are
from the prior (KL), where the rows land on its 2-D latent plane and what the plane decodes to.

:func:`check_tradeoff` states the cost first (``ValueError`` naming the value, the limit and the fix);
:func:`beta_tradeoff` runs it and returns plain arrays. The MNIST sample's result ships with the package
(:data:`SHIPPED_FILE`, NumPy arrays only); rebuild it with::

    python -m aecore.experiments.beta_vae
"""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path
from typing import Callable, Optional

import numpy as np

ProgressFn = Callable[[str, int, int], None]

#: The KL weights compared: a tenth of the evidence lower bound's, the ELBO itself, ten times it.
BETAS = (0.1, 1.0, 10.0)
#: The preset every β starts from (2-D codes, so that its plane can be drawn).
PRESET = "conv_vae_2d"
#: Epochs of each β's training at most (early stopping on), the training rows it sees (a seeded
#: subsample) and its batches, sized so that the three trainings take minutes on two shared cores
#: (BENCHMARKS.md). Batches of 32 give four times the preset's steps for the same multiply-adds: at
#: 128, 15 epochs on 2,000 rows left the codes on one line and every decoded digit the same blur.
EPOCHS = 20
TRAIN_ROWS = 2000
BATCH_SIZE = 32
#: Points of the decoded plane along each axis, and the prior's quantiles they sit at.
GRID = 10
GRID_QUANTILES = (0.05, 0.95)
#: Held-out rows drawn on each β's latent map.
MAP_ROWS = 1000
SHIPPED_FILE = Path(__file__).resolve().parent / "beta_vae_mnist_sample.npz"
SHIPPED_DATASET = "mnist_sample"


def base_config(epochs: int = EPOCHS):
    """The preset's settings with ``epochs`` and :data:`BATCH_SIZE` (the others as the Train page
    resolves them)."""
    from ..runs.demo import form_config

    return form_config(PRESET).replace(epochs=int(epochs), batch_size=BATCH_SIZE)


def check_tradeoff(betas, n_train: int, n_features: int, epochs: int = EPOCHS, image_shape=None, budget=None):
    """Seconds the comparison will take (estimated); ``ValueError`` for a β outside the setting's
    bounds, fewer than two βs, or trainings over the budget (each alone, or together over one
    training's compute budget)."""
    from ..budget import MACS_PER_SECOND, NetworkShape, duration_text, resolve
    from ..params import BY_NAME

    budget = resolve(budget)
    betas = tuple(betas)
    if len(set(betas)) < 2:
        raise ValueError(f"betas={betas!r} must hold at least two different values to compare, e.g. {BETAS}.")
    for beta in betas:
        BY_NAME["kl_weight"].check(beta)
    config = base_config(epochs)
    shape = NetworkShape.of(config, int(n_features), image_shape=image_shape)
    estimate = budget.check_training(shape, int(n_train), int(epochs), int(config.batch_size))
    compute = estimate.compute * len(betas)
    if compute > budget.max_training_compute:
        raise ValueError(
            f"{len(betas)} trainings would take {compute:.2g} multiply-adds, about "
            f"{duration_text(3 * compute / MACS_PER_SECOND)}; the limit is {budget.max_training_compute:.2g}. "
            "Compare fewer βs, train fewer epochs or use fewer rows.")
    return estimate.seconds * len(betas)


def prior_grid(n: int = GRID) -> np.ndarray:
    """``n`` points per axis at evenly spaced quantiles of N(0, 1): the plane a VAE's prior covers."""
    from scipy.stats import norm

    return norm.ppf(np.linspace(*GRID_QUANTILES, int(n)))


def beta_tradeoff(X_train, X_test, betas=BETAS, epochs: int = EPOCHS, image_shape=None, budget=None,
                  progress: Optional[ProgressFn] = None, jit_compile: bool = True) -> dict:
    """Train the preset's VAE at each β and measure it on the held-out rows ``X_test``.

    Returns
    -------
    dict
        ``betas``; per β: ``reconstruction_mse`` (held-out rows against their mean code's decoding),
        ``kl`` (the KL divergence of the encoder's Gaussian from N(0, I), nats per row, averaged),
        ``epochs``, ``seconds``; ``codes`` (n_betas, map rows, 2) of the first :data:`MAP_ROWS` held-out
        rows; ``manifold`` (n_betas, GRID², n_features) the decodings of :func:`prior_grid`'s plane,
        row by row from the top (largest second code); ``grid``; ``estimated_seconds``; ``settings``.
    """
    X_train, X_test = np.asarray(X_train, dtype=np.float32), np.asarray(X_test, dtype=np.float32)
    estimated = check_tradeoff(betas, len(X_train), X_train.shape[1], epochs, image_shape, budget)
    found = {name: [] for name in ("reconstruction_mse", "kl", "epochs", "seconds", "codes", "manifold")}
    for i, beta in enumerate(betas):
        told = None if progress is None else (lambda epoch, logs, i=i, beta=beta: progress(
            f"β = {beta:g}", i * int(epochs) + epoch, len(betas) * int(epochs)))
        one = train_beta(X_train, X_test, beta, epochs, image_shape, budget, jit_compile, progress=told)
        for name in found:
            found[name].append(one[name])
    grid = prior_grid()
    return {"betas": [float(b) for b in betas], **{k: found[k] for k in ("reconstruction_mse", "kl", "epochs", "seconds")},
            "codes": np.stack(found["codes"]), "manifold": np.stack(found["manifold"]), "grid": grid,
            "estimated_seconds": round(float(estimated), 1), "settings": {"preset": PRESET, "epochs": int(epochs)}}


def train_beta(X_train, X_test, beta: float, epochs: int = EPOCHS, image_shape=None, budget=None,
               jit_compile: bool = True, progress=None) -> dict:
    """One β of :func:`beta_tradeoff` (each is trained on its own, from the same seed): the fitted
    model's ``reconstruction_mse``, ``kl``, ``epochs``, ``seconds``, ``codes`` and ``manifold``.
    Unchecked: :func:`beta_tradeoff` checks the settings against the budget first."""
    from ..metrics import reconstruction_mse

    reducer = base_config(epochs).replace(jit_compile=bool(jit_compile), kl_weight=float(beta)).to_reducer(
        image_shape=image_shape)
    if budget is not None:
        reducer.set_params(budget=budget)
    grid = prior_grid()
    plane = np.array([[x, y] for y in grid[::-1] for x in grid], dtype=np.float32)
    started = time.perf_counter()
    reducer.fit(X_train, progress=progress)
    return {"seconds": round(time.perf_counter() - started, 2), "epochs": int(reducer.n_epochs_),
            "reconstruction_mse": reconstruction_mse(X_test, reducer.reconstruct(X_test)),
            # validation_logs divides the KL by the number of features (the loss's scale): nats per row back.
            "kl": reducer.autoencoder_.validation_logs(X_test)["val_kl_loss"] * X_test.shape[1],
            "codes": reducer.transform(X_test[:MAP_ROWS]).astype(np.float32),
            "manifold": np.asarray(reducer.decoder_(plane, training=False), dtype=np.float32)}


# --------------------------------------------------------------------------- the shipped result


def save(result: dict, path: Path, labels=None, dataset: str = SHIPPED_DATASET) -> None:
    """Write a result as NumPy arrays only (images as uint8, codes as float16; no pickles)."""
    numbers = {k: np.asarray(result[k], dtype=np.float64) for k in ("betas", "reconstruction_mse", "kl", "seconds")}
    np.savez_compressed(
        path, **numbers, epochs=np.asarray(result["epochs"], dtype=np.int32), grid=np.asarray(result["grid"]),
        codes=np.asarray(result["codes"], dtype=np.float16),
        manifold=np.clip(np.rint(np.asarray(result["manifold"]) * 255), 0, 255).astype(np.uint8),
        labels=np.asarray([] if labels is None else labels, dtype=np.int16),
        about=np.asarray(json.dumps({**result["settings"], "dataset": dataset,
                                     "estimated_seconds": result["estimated_seconds"]})))


@functools.lru_cache(maxsize=1)
def shipped_result() -> dict | None:
    """The shipped MNIST-sample result, read once per process (treat its arrays as read-only)."""
    return load(SHIPPED_FILE)


def load(path: Path = SHIPPED_FILE) -> dict | None:
    """A saved result (images back in [0, 1]; ``map_limit``: the largest code's size over every β, so
    that their maps share one scale); None when the file is absent."""
    if not Path(path).is_file():
        return None
    with np.load(path, allow_pickle=False) as archive:
        found = {name: archive[name] for name in archive.files}
    about = json.loads(str(found.pop("about")))
    found["manifold"] = found["manifold"].astype(np.float32) / 255.0
    found["codes"] = found["codes"].astype(np.float32)
    return {**found, "settings": {"preset": about["preset"], "epochs": about["epochs"]}, "dataset": about["dataset"],
            "estimated_seconds": about["estimated_seconds"], "map_limit": float(np.abs(found["codes"]).max())}


def run_shipped(epochs: int = EPOCHS, log=print) -> dict:
    """Run the comparison on :data:`TRAIN_ROWS` seeded rows of the MNIST sample's training split,
    measured on its held-out rows: :func:`beta_tradeoff`'s result with ``n_train``, ``n_test``,
    ``labels`` (of the mapped rows) and ``sweep_seconds``. :func:`build_shipped` and
    ``python -m bench.beta_vae`` both call it."""
    from ..data import datasets as aedata

    ds = aedata.load_dataset(SHIPPED_DATASET)
    train, test = aedata.train_test_split(ds)
    train = np.sort(np.random.default_rng(0).choice(train, size=min(TRAIN_ROWS, len(train)), replace=False))
    started = time.perf_counter()
    result = beta_tradeoff(ds.X[train], ds.X[test], epochs=epochs, image_shape=ds.image_shape,
                           progress=lambda phase, done, total: (
                               log(f"{phase}: epoch {done}/{total} ({time.perf_counter() - started:.0f} s)")
                               if done % 5 == 0 else None))
    return {**result, "n_train": len(train), "n_test": len(test), "labels": ds.y[test][:MAP_ROWS],
            "sweep_seconds": round(time.perf_counter() - started, 1)}


def build_shipped(path: Path = SHIPPED_FILE, log=print) -> dict:
    """Run :func:`run_shipped` and write its result to ``path``."""
    result = run_shipped(log=log)
    save(result, path, labels=result["labels"])
    log(f"wrote {path} in {result['sweep_seconds']:.0f} s")
    return result


if __name__ == "__main__":
    build_shipped()
    sys.exit(0)
