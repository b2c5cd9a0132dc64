"""The Family page's robustness lesson (post 004's remedy for a latent space that is not smooth):
a plain, a denoising and a contractive autoencoder of the same size and budget, and how much their
codes move under small input noise on held-out rows. Like :mod:`aecore.experiments.family`, it returns plain
numbers (no Keras objects) and reports to an optional ``progress(phase, done, total)``.
"""

from __future__ import annotations

import numbers
import time
from typing import Optional

from .family import ProgressFn, _mse, _report
from ..params import BY_NAME, HIDDEN_UNITS

#: The members of :func:`compare_robustness`, in the order the page shows them.
ROBUSTNESS_MEMBERS = ("dense", "denoising", "contractive")


def compare_robustness(X_train, X_test, n_components: int = 10, hidden_units=HIDDEN_UNITS, epochs: int = 5,
                       noise_level: float = BY_NAME["noise_level"].default,
                       contractive_weight: float = BY_NAME["contractive_weight"].default,
                       probe_noise: float = 0.05, random_state: int = 0,
                       progress: Optional[ProgressFn] = None, jit_compile: bool = True) -> dict:
    """Train a plain, a denoising and a contractive autoencoder of the same size and budget, and
    measure how much their codes move under small input noise on held-out rows.

    The two regularised members resist noise in different ways: the denoising one learns to undo
    corrupted inputs (``noise_level``), the contractive one is penalised for its encoder's
    Jacobian (``contractive_weight``). Their robustness is
    :func:`aecore.experiments.sensitivity.code_sensitivity` with noise of standard deviation ``probe_noise``: the
    mean ``||f(x + eps) - f(x)|| / ||eps||`` (lower is more robust).

    Returns
    -------
    dict
        ``models``: ``{"dense" | "denoising" | "contractive": {"sensitivity", "test_mse",
        "seconds"}}``, and ``probe_noise``, ``noise_level``, ``contractive_weight``, ``epochs``,
        ``n_components``.
    """
    from .sensitivity import code_sensitivity
    from ..presets import TrainConfig

    if not isinstance(epochs, numbers.Integral) or epochs < 1:
        raise ValueError(f"epochs={epochs!r} must be a positive integer.")
    common = dict(n_components=int(n_components), hidden_units=tuple(int(u) for u in hidden_units),
                  epochs=int(epochs), early_stopping=False, random_state=int(random_state),
                  jit_compile=jit_compile)
    configs = {
        "dense": TrainConfig(kind="dense", **common),
        "denoising": TrainConfig(kind="denoising", noise="gaussian", noise_level=float(noise_level), **common),
        "contractive": TrainConfig(kind="contractive", contractive_weight=float(contractive_weight), **common),
    }
    found = {}
    for offset, (name, config) in enumerate(configs.items()):
        reducer = config.to_reducer()
        started = time.perf_counter()
        reducer.fit(X_train, progress=lambda epoch, logs, name=name, offset=offset:
                    _report(progress, name, offset * int(epochs) + epoch, 3 * int(epochs)))
        seconds = time.perf_counter() - started
        found[name] = {"sensitivity": code_sensitivity(reducer.transform, X_test, probe_noise, random_state),
                       "test_mse": _mse(reducer, X_test), "seconds": seconds}
    return {"models": found, "probe_noise": float(probe_noise), "noise_level": float(noise_level),
            "contractive_weight": float(contractive_weight), "epochs": int(epochs),
            "n_components": int(n_components)}


def most_robust(result: dict) -> tuple[str, float]:
    """The member of a :func:`compare_robustness` result whose codes move least, and how many times
    less than the plain autoencoder's they move.

    Examples
    --------
    >>> most_robust({"models": {"dense": {"sensitivity": 1.0}, "contractive": {"sensitivity": 0.25}}})
    ('contractive', 4.0)
    """
    models = result["models"]
    name = min(models, key=lambda member: models[member]["sensitivity"])
    return name, float(models["dense"]["sensitivity"] / max(models[name]["sensitivity"], 1e-12))
