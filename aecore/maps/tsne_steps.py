"""t-SNE you watch converge: the map after a few checkpoints of its iterations, with the KL
divergence at each.

:func:`tsne_checkpoints` runs the same openTSNE optimisation as
:func:`aecore.maps.projection.project` (same settings, same seed, so its last checkpoint is that
map) and keeps a copy of the embedding at ``n_checkpoints`` iterations spread over both of
openTSNE's phases (early exaggeration, then the rest), through openTSNE's callbacks. The copies
are what this adds to a map's memory, and the budget counts them
(:attr:`aecore.budget.Budget.max_checkpoint_bytes`) before anything is computed.
"""

from __future__ import annotations

import math
import numbers
import os
import zipfile
import zlib
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from . import map_settings, projection
from ..budget import Budget, resolve

#: Checkpoints kept unless told otherwise: every 50 of openTSNE's 750 iterations.
DEFAULT_CHECKPOINTS = 15
#: Most checkpoints one run may keep (each a frame of the animation).
MAX_CHECKPOINTS = 60
#: openTSNE calls back every this many iterations: a progress hook (the app's bar, where a Stop
#: interrupts) runs that often, and the KL divergence is evaluated there: no time measurably added on
#: 5,000 codes (bench/tsne_watch.py, BENCHMARKS.md).
CALLBACK_EVERY = 10


@dataclass(frozen=True, eq=False)
class TSNECheckpoints:
    """A t-SNE map after each kept checkpoint of its optimisation.

    Attributes
    ----------
    points : ndarray of shape (n_checkpoints, n_rows, n_components), float32
        The embedding after ``iterations[i]`` iterations.
    iterations : ndarray of shape (n_checkpoints,), int64
        Iterations done, counted over both phases (openTSNE's 250 of early exaggeration, then 500).
    kl_divergence : ndarray of shape (n_checkpoints,), float64
        openTSNE's KL divergence at each checkpoint (during early exaggeration corrected for it).
    exaggerated : ndarray of shape (n_checkpoints,), bool
        Whether the checkpoint falls in the early-exaggeration phase.
    indices : ndarray of shape (n_rows,), int64
        The rows of the data that were embedded (all of them: ``arange(n_rows)``).
    n_iter : int
        The iterations the whole optimisation runs.
    """

    points: np.ndarray
    iterations: np.ndarray
    kl_divergence: np.ndarray
    exaggerated: np.ndarray
    indices: np.ndarray
    n_iter: int

    @property
    def n_frames(self) -> int:
        return int(self.points.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self.points.shape[1])

    @property
    def complete(self) -> bool:
        """Whether the optimisation ran to its end (a progress hook may stop it early)."""
        return self.n_frames > 0 and int(self.iterations[-1]) == self.n_iter

    def save(self, path, dtype=np.float32) -> None:
        """Write the checkpoints as a plain ``.npz`` (no pickles); ``dtype=np.float16`` halves it."""
        with open(os.fspath(path), "wb") as f:
            np.savez_compressed(f, points=self.points.astype(dtype), iterations=self.iterations.astype(np.int64),
                                kl_divergence=self.kl_divergence.astype(np.float64),
                                exaggerated=self.exaggerated.astype(bool), n_iter=np.int64(self.n_iter))

    @classmethod
    def load(cls, path, n_rows: Optional[int] = None) -> "TSNECheckpoints":
        """Read checkpoints written by :meth:`save`; ``ValueError`` naming what is wrong otherwise
        (``n_rows``, when given, must match)."""
        name = os.path.basename(os.fspath(path))
        try:
            with np.load(os.fspath(path), allow_pickle=False) as stored:
                arrays = {key: stored[key] for key in ("points", "iterations", "kl_divergence", "exaggerated",
                                                       "n_iter")}
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise ValueError(f"{name} is not a t-SNE checkpoints file ({exc}); write it again with "
                             "TSNECheckpoints.save.") from exc
        points, n = arrays["points"], len(arrays["iterations"])
        if (points.ndim != 3 or points.shape[0] != n or points.shape[2] not in (1, 2)
                or arrays["kl_divergence"].shape != (n,) or arrays["exaggerated"].shape != (n,)
                or (n_rows is not None and points.shape[1] != n_rows)):
            raise ValueError(f"{name} holds points of shape {points.shape} for {n} checkpoints; expected "
                             f"({n}, {n_rows if n_rows is not None else 'n_rows'}, 2). Write it again.")
        return cls(points.astype(np.float32), arrays["iterations"].astype(np.int64),
                   arrays["kl_divergence"].astype(np.float64), arrays["exaggerated"].astype(bool),
                   np.arange(points.shape[1], dtype=np.int64), int(arrays["n_iter"]))


def checkpoint_bytes(n_checkpoints: int, n_rows: int, n_components: int = 2) -> int:
    """What the kept copies of the embedding hold: checkpoints x rows x dimensions float32 values."""
    return 4 * int(n_checkpoints) * int(n_rows) * int(n_components)


def _check_checkpoints(n_checkpoints, n_rows: int, n_components: int, budget: Budget) -> int:
    """Validate ``n_checkpoints`` and the memory of the copies; return it as an int."""
    if (not isinstance(n_checkpoints, numbers.Integral) or isinstance(n_checkpoints, bool)
            or not 1 <= n_checkpoints <= MAX_CHECKPOINTS):
        raise ValueError(f"n_checkpoints={n_checkpoints!r} must be a whole number from 1 to {MAX_CHECKPOINTS}, "
                         f"e.g. {DEFAULT_CHECKPOINTS}.")
    needed = checkpoint_bytes(n_checkpoints, n_rows, n_components)
    if needed > budget.max_checkpoint_bytes:
        fits = max(1, int(budget.max_checkpoint_bytes // checkpoint_bytes(1, n_rows, n_components)))
        raise ValueError(f"n_checkpoints={n_checkpoints} of {n_rows:,} rows would hold {needed / 1e6:,.3g} MB; "
                         f"the limit is {budget.max_checkpoint_bytes / 1e6:,.3g} MB. Keep at most {fits} "
                         "checkpoints, or embed a random sample of fewer rows.")
    return int(n_checkpoints)


def checkpoint_iterations(n_iter: int, n_checkpoints: int, every: int = CALLBACK_EVERY) -> np.ndarray:
    """The iterations ``n_checkpoints`` checkpoints fall on: spread evenly over ``n_iter``, each a
    multiple of ``every`` (the callbacks' period), the last one ``n_iter``."""
    spread = np.linspace(n_iter / n_checkpoints, n_iter, n_checkpoints)
    steps = np.unique(np.clip(np.round(spread / every).astype(np.int64) * every, every, n_iter))
    steps[-1] = n_iter
    return np.unique(steps)


class _Keeper:
    """openTSNE's callback: copies the embedding at the checkpoints, tells ``progress``."""

    def __init__(self, targets: np.ndarray, early: int, n_iter: int, progress):
        self.targets, self.early, self.n_iter, self.progress = targets, early, n_iter, progress
        self.phase = -1  # openTSNE counts iterations per phase; it announces each phase first
        self.kept: list[tuple[int, float, np.ndarray]] = []

    def optimization_about_to_start(self) -> None:
        self.phase += 1

    def __call__(self, iteration: int, error: float, embedding: np.ndarray) -> bool:
        done = iteration + (self.early if self.phase >= 1 else 0)
        if len(self.kept) < len(self.targets) and done >= self.targets[len(self.kept)]:
            self.kept.append((done, float(error), np.array(embedding, dtype=np.float32)))
        return bool(self.progress(done, self.n_iter, float(error))) if self.progress else False


def tsne_checkpoints(X, n_checkpoints: int = DEFAULT_CHECKPOINTS, n_components: int = 2,
                     random_state: int | None = 0, budget: Budget | None = None,
                     progress: Optional[Callable[[int, int, float], bool]] = None, **params) -> TSNECheckpoints:
    """A t-SNE map of ``X`` after ``n_checkpoints`` checkpoints of its iterations, with the KL
    divergence at each.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Latent codes or any numeric features.
    n_checkpoints : int, default=15
        Copies of the embedding kept, spread evenly over the iterations (at most
        :data:`MAX_CHECKPOINTS`); the last is the finished map.
    n_components : {1, 2}, default=2
        openTSNE embeds in at most 2 dimensions.
    random_state : int or None, default=0
        Seed: the same as :func:`aecore.maps.projection.project`'s gives the same final map.
    budget : Budget, optional
        The rows t-SNE may embed (:meth:`Budget.projection_rows`) and the memory of the copies
        (:attr:`Budget.max_checkpoint_bytes`), both checked before anything is computed.
    progress : callable, optional
        ``progress(iterations_done, n_iter, kl_divergence)`` every :data:`CALLBACK_EVERY`
        iterations; returning True stops the optimisation (the checkpoints reached are returned),
        an exception it raises reaches the caller.
    **params
        t-SNE settings as for :func:`aecore.maps.projection.project` (``perplexity``,
        ``learning_rate``, openTSNE's ``early_exaggeration_iter``, ``n_iter`` ...).

    Returns
    -------
    TSNECheckpoints

    Raises
    ------
    ValueError
        On invalid input or settings, more rows than the budget's t-SNE rows, or copies over
        :attr:`Budget.max_checkpoint_bytes` (naming the value, the limit and the fix).

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(200, 5))
    >>> steps = tsne_checkpoints(X, n_checkpoints=5)
    >>> steps.points.shape, steps.iterations.tolist()
    ((5, 200, 2), [150, 300, 450, 600, 750])
    """
    n_components = projection._check_method("tsne", n_components)
    if n_components > 2:
        raise ValueError(f"n_components={n_components}: openTSNE's checkpoints are kept in at most 2 "
                         "dimensions; use n_components=2.")
    X = projection._check_X(X, "tsne", n_components)
    budget = resolve(budget)
    params = map_settings.check("tsne", params)
    budget.check_projection("tsne", X.shape[0], projection.row_cost("tsne", **params), projection._written(params))
    n_checkpoints = _check_checkpoints(n_checkpoints, X.shape[0], n_components, budget)
    from openTSNE import TSNE

    openTSNE_defaults = TSNE()
    early = int(params.get("early_exaggeration_iter", openTSNE_defaults.early_exaggeration_iter))
    n_iter = early + int(params.get("n_iter", openTSNE_defaults.n_iter))
    every = CALLBACK_EVERY if early % CALLBACK_EVERY == 0 and n_iter % CALLBACK_EVERY == 0 else 1
    keeper = _Keeper(checkpoint_iterations(n_iter, n_checkpoints, every), early, n_iter, progress)
    settings = {**projection.DEFAULTS["tsne"], **params, "callbacks": keeper, "callbacks_every_iters": every}
    with projection.limit_threads():
        embedding = projection._tsne(X, n_components, random_state, settings)
    kept = keeper.kept
    if kept and kept[-1][0] == n_iter:
        # openTSNE calls back before its last update: the last checkpoint is the finished map.
        kept[-1] = (n_iter, float(embedding.kl_divergence), np.asarray(embedding, dtype=np.float32))
    iterations = np.array([done for done, _, _ in kept], dtype=np.int64)
    points = (np.stack([points for _, _, points in kept]) if kept
              else np.empty((0, X.shape[0], n_components), dtype=np.float32))
    return TSNECheckpoints(points, iterations, np.array([kl for _, kl, _ in kept], dtype=np.float64),
                           iterations <= early, np.arange(X.shape[0], dtype=np.int64), n_iter)


def estimate_seconds(n_samples: int, budget: Budget | None = None, **settings) -> float:
    """About how long :func:`tsne_checkpoints` takes on ``n_samples`` rows: a t-SNE map's estimate
    (:func:`aecore.maps.projection.estimate_seconds`); the copies and the callbacks' KL add little."""
    return math.ceil(projection.estimate_seconds("tsne", int(n_samples), 2, budget=budget, **settings))
