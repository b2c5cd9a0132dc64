"""How many dimensions does an autoencoder need? Held-out reconstruction error and trustworthiness
of a dense autoencoder and of PCA over latent sizes, with PCA's cumulative explained variance.

:func:`check_sweep` says what a sweep will cost before anything is trained (``ValueError`` naming the
value, the limit and the fix when it is over the budget); :func:`latent_size_sweep` runs it and
returns plain lists (no Keras objects), so a result can be cached, shared and written as JSON. The
MNIST sample's result ships with the package (:data:`SHIPPED_FILE`), so the Family page opens it at
once; rebuild it with::

    python -m aecore.experiments.dimensions
"""

from __future__ import annotations

import json
import numbers
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from ..params import HIDDEN_UNITS, KIND_DEFAULTS

ProgressFn = Callable[[str, int, int], None]

#: The latent sizes a sweep tries unless told otherwise (powers of two up to 64).
SIZES = (2, 4, 8, 16, 32, 64)
#: The shipped result of :func:`latent_size_sweep` on the MNIST sample (made by :func:`build_shipped`).
SHIPPED_FILE = Path(__file__).resolve().parent / "dimensions_mnist_sample.json"
#: The dataset the shipped result was measured on.
SHIPPED_DATASET = "mnist_sample"
#: Seconds each fit adds to its epochs' estimate: building the model, tracing and XLA compilation
#: (bench/growth.py's "training, 3 epochs" rows: a first epoch of 4.4-6.1 s at 1,000-5,000 rows).
FIT_SETUP_SECONDS = 5.0


@dataclass(frozen=True)
class SweepSettings:
    """What a latent-size sweep trains: one dense autoencoder per latent size in ``sizes`` (hidden
    layers ``hidden_units``, at most ``epochs`` epochs with early stopping on a 10% validation
    split, batches of ``batch_size``), scored with trustworthiness at ``n_neighbors`` neighbours.

    The defaults are the shipped MNIST-sample sweep's, sized so that it takes a few minutes on two
    shared cores (BENCHMARKS.md, section bench/dims.py)."""

    sizes: tuple[int, ...] = SIZES
    hidden_units: tuple[int, ...] = HIDDEN_UNITS
    epochs: int = 20
    batch_size: int = KIND_DEFAULTS["dense"]["batch_size"]
    n_neighbors: int = 10
    random_state: int = 0

    def as_dict(self) -> dict:
        """The settings as JSON writes them back (tuples as lists)."""
        return {name: list(value) if isinstance(value, tuple) else value for name, value in asdict(self).items()}


@dataclass(frozen=True)
class SweepEstimate:
    """What a sweep will cost: multiply-adds of all its trainings and an estimated duration."""

    sizes: tuple[int, ...]
    n_train: int
    epochs: int
    compute: float
    seconds: float
    per_size_seconds: tuple[float, ...] = field(default=())

    def describe(self) -> str:
        from ..budget import duration_text

        return (f"{len(self.sizes)} autoencoders (latent sizes {', '.join(map(str, self.sizes))}) of at most "
                f"{self.epochs:,} epochs on {self.n_train:,} rows: {self.compute:.2g} multiply-adds, about "
                f"{duration_text(self.seconds)} on a 2-core CPU")


def usable_sizes(sizes, n_features: int, n_train: int) -> tuple[int, ...]:
    """The latent sizes of ``sizes`` a sweep can try on this data: narrower than a row and fewer
    than the training rows (PCA's limit), sorted, each once.

    Examples
    --------
    >>> usable_sizes((64, 2, 8, 2), n_features=64, n_train=1437)
    (2, 8)
    """
    return tuple(sorted({int(k) for k in sizes if 1 <= int(k) < min(int(n_features), int(n_train))}))


def check_sweep(settings: SweepSettings, n_train: int, n_test: int, n_features: int,
                budget=None) -> SweepEstimate:
    """The cost of :func:`latent_size_sweep` with ``settings`` on ``n_train`` training rows and
    ``n_test`` held-out rows of ``n_features`` values, checked before anything is trained.

    Raises
    ------
    ValueError
        Naming the value, the limit and the fix: a latent size not narrower than a row or not
        below the training rows, too few held-out rows for the neighbours, a training over the
        budget, or all trainings together over one training's compute budget.
    """
    from ..budget import MACS_PER_SECOND, NetworkShape, duration_text, prediction_seconds, resolve

    budget = resolve(budget)
    sizes = tuple(settings.sizes)
    if not sizes:
        raise ValueError("sizes=() is empty; give at least one latent size, e.g. sizes=(2, 8, 32).")
    for k in sizes:
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
            raise ValueError(f"latent size {k!r} must be a positive integer, e.g. sizes=(2, 8, 32).")
        limit = min(int(n_features), int(n_train))
        if k >= limit:
            raise ValueError(
                f"latent size {k} must be smaller than the number of features ({n_features}) and of training "
                f"rows ({n_train}); drop the sizes from {limit} up (usable_sizes gives the rest).")
    for name, value, low in (("epochs", settings.epochs, 1), ("batch_size", settings.batch_size, 1),
                             ("n_neighbors", settings.n_neighbors, 1)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
            raise ValueError(f"{name}={value!r} must be an integer >= {low}.")
    if not settings.n_neighbors < n_test / 2:
        raise ValueError(f"n_neighbors={settings.n_neighbors} must be below half the held-out rows ({n_test:,}); "
                         "hold out more rows or choose a smaller n_neighbors.")
    budget.check_rows(int(n_train) + int(n_test), int(n_features), "sweep's data")
    compute, per_size = 0.0, []
    for k in sorted(set(sizes)):
        shape = NetworkShape(kind="dense", n_features=int(n_features), n_components=int(k),
                             hidden_units=tuple(int(u) for u in settings.hidden_units))
        estimate = budget.check_training(shape, int(n_train), int(settings.epochs), int(settings.batch_size))
        compute += estimate.compute
        per_size.append(FIT_SETUP_SECONDS + estimate.seconds + prediction_seconds(shape, 2 * int(n_test)))
    if compute > budget.max_training_compute:
        raise ValueError(
            f"The sweep would take {compute:.2g} multiply-adds ({len(per_size)} latent sizes x {settings.epochs:,} "
            f"epochs x {n_train:,} rows), about {duration_text(3 * compute / MACS_PER_SECOND)}; the limit is "
            f"{budget.max_training_compute:.2g}. Try fewer latent sizes, fewer epochs or fewer rows.")
    return SweepEstimate(tuple(sorted(set(sizes))), int(n_train), int(settings.epochs), compute,
                         float(sum(per_size)), tuple(per_size))


def _pca_curves(X_train: np.ndarray, X_test: np.ndarray, sizes: tuple[int, ...], n_neighbors: int) -> dict:
    """PCA at every size from one fit of the largest (its components are nested): held-out MSE,
    trustworthiness and cumulative explained variance."""
    from sklearn.decomposition import PCA

    from ..metrics import reconstruction_mse, trustworthiness

    # The full SVD gives the same components on every machine (the randomized one depends on its draws).
    pca = PCA(n_components=max(sizes), svd_solver="full").fit(X_train)
    centred = X_test.astype(np.float64) - pca.mean_
    scores = centred @ pca.components_.T
    curve = np.cumsum(pca.explained_variance_ratio_)
    found = {"mse": [], "trustworthiness": [], "explained_variance": []}
    for k in sizes:
        recon = scores[:, :k] @ pca.components_[:k] + pca.mean_
        found["mse"].append(reconstruction_mse(X_test, recon))
        found["trustworthiness"].append(trustworthiness(X_test, scores[:, :k], n_neighbors=n_neighbors))
        found["explained_variance"].append(float(curve[k - 1]))
    found["explained_variance_curve"] = [float(v) for v in curve]
    return found


def latent_size_sweep(X_train, X_test, settings: SweepSettings = SweepSettings(), budget=None,
                      progress: Optional[ProgressFn] = None, jit_compile: bool = True) -> dict:
    """Train one dense autoencoder per latent size and fit PCA at the same sizes; score both on the
    held-out rows ``X_test``.

    Parameters
    ----------
    X_train, X_test : array-like of shape (n_samples, n_features)
        Rows to fit on and held-out rows to score on.
    settings : SweepSettings
        The latent sizes, the autoencoders' layers and training (checked by :func:`check_sweep`).
    budget : aecore.budget.Budget, optional
        The limits the sweep is checked against first (default: the one in force).
    progress : callable, optional
        ``progress(phase, done, total)``: ``phase`` is ``"k = 8"``, ``done`` and ``total`` count
        epochs of the whole sweep.
    jit_compile : bool, default=True
        Compile the trainings with XLA (worth it on MNIST-sized rows, not on 8 x 8 digits).

    Returns
    -------
    dict
        ``sizes``; ``autoencoder`` and ``pca``, each with ``mse`` (held-out mean squared error) and
        ``trustworthiness`` (of the held-out rows' codes against their inputs, at ``n_neighbors``)
        per size; the autoencoder's ``epochs`` and ``seconds`` per size; PCA's
        ``explained_variance`` (cumulative, per size) and ``explained_variance_curve`` (at every size
        from 1 to the largest); ``n_train``, ``n_test``, ``n_features``, ``settings``
        (:meth:`SweepSettings.as_dict`) and ``estimated_seconds``.

    Examples
    --------
    >>> from aecore.data.datasets import load_digits
    >>> X = load_digits().X
    >>> result = latent_size_sweep(X[:300], X[300:400], SweepSettings(sizes=(2, 8), epochs=1))  # doctest: +SKIP
    >>> result["pca"]["mse"][0] > result["pca"]["mse"][1]  # doctest: +SKIP
    True
    """
    from ..metrics import reconstruction_mse, trustworthiness
    from ..reducer import AutoencoderReducer

    X_train, X_test = np.asarray(X_train, dtype=np.float32), np.asarray(X_test, dtype=np.float32)
    if X_train.ndim != 2 or X_test.ndim != 2 or X_train.shape[1] != X_test.shape[1]:
        raise ValueError(f"X_train {X_train.shape} and X_test {X_test.shape} must be 2-D with the same columns.")
    estimate = check_sweep(settings, len(X_train), len(X_test), X_train.shape[1], budget)
    sizes, epochs = estimate.sizes, int(settings.epochs)
    total = len(sizes) * epochs
    result = {"sizes": list(sizes), "autoencoder": {"mse": [], "trustworthiness": [], "epochs": [], "seconds": []},
              "pca": _pca_curves(X_train, X_test, sizes, int(settings.n_neighbors)),
              "n_train": len(X_train), "n_test": len(X_test), "n_features": int(X_train.shape[1]),
              "settings": settings.as_dict(), "estimated_seconds": round(estimate.seconds, 1)}
    result["explained_variance_curve"] = result["pca"].pop("explained_variance_curve")
    found = result["autoencoder"]
    for i, k in enumerate(sizes):
        reducer = AutoencoderReducer(
            n_components=int(k), kind="dense", hidden_units=tuple(int(u) for u in settings.hidden_units),
            epochs=epochs, batch_size=int(settings.batch_size), random_state=int(settings.random_state),
            jit_compile=bool(jit_compile), budget=budget)
        started = time.perf_counter()
        reducer.fit(X_train, progress=lambda epoch, logs, i=i, k=k:
                    progress and progress(f"k = {k}", i * epochs + epoch, total))
        found["seconds"].append(round(time.perf_counter() - started, 2))
        found["epochs"].append(int(reducer.n_epochs_))
        found["mse"].append(reconstruction_mse(X_test, reducer.reconstruct(X_test)))
        found["trustworthiness"].append(trustworthiness(X_test, reducer.transform(X_test),
                                                        n_neighbors=int(settings.n_neighbors)))
        if progress:
            progress(f"k = {k}", (i + 1) * epochs, total)
    return result


# --------------------------------------------------------------------------- the shipped result


def summary(result: dict, share: float = 0.9) -> dict:
    """What a sweep's curves say, for a caption: the sizes where the autoencoder's held-out error is
    below PCA's (``autoencoder_better``) and the others (``pca_better``), and the fewest PCA
    components that explain ``share`` of the variance (``components_for_share``; None when the
    curve never gets there), and the share the largest size keeps (``variance_at_largest``).

    Examples
    --------
    >>> summary({"sizes": [2, 8], "autoencoder": {"mse": [0.04, 0.03]},
    ...          "pca": {"mse": [0.05, 0.02], "explained_variance": [0.7, 0.99]},
    ...          "explained_variance_curve": [0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99]})
    {'autoencoder_better': [2], 'pca_better': [8], 'components_for_share': 4, 'share': 0.9, 'largest_size': 8, 'variance_at_largest': 0.99}
    """
    sizes, ae, pca = result["sizes"], result["autoencoder"]["mse"], result["pca"]["mse"]
    curve = np.asarray(result.get("explained_variance_curve") or [], dtype=np.float64)
    reached = np.flatnonzero(curve >= share)
    return {"autoencoder_better": [int(k) for k, a, p in zip(sizes, ae, pca) if a < p],
            "pca_better": [int(k) for k, a, p in zip(sizes, ae, pca) if a >= p],
            "components_for_share": int(reached[0]) + 1 if reached.size else None, "share": float(share),
            "largest_size": int(max(sizes)),
            "variance_at_largest": float(result["pca"]["explained_variance"][int(np.argmax(sizes))])}


def shipped_result(dataset: str = SHIPPED_DATASET, settings: SweepSettings = SweepSettings(),
                   path: Path = SHIPPED_FILE) -> dict | None:
    """The shipped sweep when it was made on ``dataset`` with exactly ``settings`` (else None)."""
    if dataset != SHIPPED_DATASET or not Path(path).exists():
        return None
    found = json.loads(Path(path).read_text())
    return found if found.get("settings") == settings.as_dict() else None


def run_shipped(settings: SweepSettings = SweepSettings(), log=print) -> dict:
    """Run the sweep on the MNIST sample's training split (the one every page uses) and score it on
    its held-out rows: :func:`latent_size_sweep`'s result with ``dataset`` and ``seconds``; each latent
    size's end goes to ``log``. :func:`build_shipped` and ``python -m bench.dims`` both call it."""
    from ..data import datasets as aedata

    ds = aedata.load_dataset(SHIPPED_DATASET)
    train, test = aedata.train_test_split(ds)
    started, logged = time.perf_counter(), set()

    def progress(phase: str, done: int, total: int) -> None:
        if phase not in logged and done % settings.epochs == 0:  # once per latent size
            logged.add(phase)
            log(f"{phase}: done, step {done}/{total} ({time.perf_counter() - started:.0f} s)")

    result = latent_size_sweep(ds.X[train], ds.X[test], settings, progress=progress)
    result.update(dataset=SHIPPED_DATASET, seconds=round(time.perf_counter() - started, 1))
    return result


def build_shipped(path: Path = SHIPPED_FILE, settings: SweepSettings = SweepSettings(), log=print) -> dict:
    """Run :func:`run_shipped` and write its result to ``path``."""
    result = run_shipped(settings, log)
    Path(path).write_text(json.dumps(result, indent=1) + "\n")
    log(f"wrote {path} in {result['seconds']:.0f} s")
    return result


if __name__ == "__main__":
    build_shipped()
    sys.exit(0)
