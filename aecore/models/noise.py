"""Noisy copies of data, the same corruption a denoising autoencoder is trained against.

NumPy only: the app's noise slider can call it without TensorFlow.
"""

from __future__ import annotations

import numbers

import numpy as np

# Declared with the settings; imported here so ``aecore.models.noise.NOISE_TYPES`` keeps working.
from ..params import NOISE_TYPES


def corrupt(X, noise: str = NOISE_TYPES[0], level: float = 0.3, random_state=None) -> np.ndarray:
    """Return a noisy copy of ``X``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    noise : {"gaussian", "dropout"}, default="gaussian"
        ``"gaussian"`` adds ``level`` x N(0, 1) to every value; ``"dropout"`` sets a random share
        ``level`` of the values to zero (masking noise).
    level : float, default=0.3
        Standard deviation of the Gaussian noise, or the share of values set to zero.
    random_state : int, numpy Generator or None

    Returns
    -------
    ndarray of shape (n_samples, n_features), float32
        Clipped to [0, 1] when ``X`` lies in [0, 1] (pixels stay pixels).

    Examples
    --------
    >>> import numpy as np
    >>> noisy = corrupt(np.full((2, 3), 0.5), "dropout", 0.5, random_state=0)
    >>> sorted(set(noisy.ravel().tolist()))
    [0.0, 0.5]
    """
    if noise not in NOISE_TYPES:
        raise ValueError(f"noise={noise!r} must be one of {list(NOISE_TYPES)}.")
    top = 1.0 if noise == "dropout" else 10.0
    if not isinstance(level, numbers.Real) or not 0.0 <= level <= top or (
            noise == "dropout" and level == 1.0):
        raise ValueError(f"level={level!r} must be in [0, 1) for dropout noise (the share of values "
                         "set to zero) or in [0, 10] for Gaussian noise (its standard deviation).")
    X = np.asarray(X, dtype=np.float32)
    rng = np.random.default_rng(random_state)
    if noise == "gaussian":
        noisy = X + np.float32(level) * rng.standard_normal(X.shape, dtype=np.float32)
    else:
        noisy = X * (rng.random(X.shape) >= level)
    if X.size and X.min() >= 0.0 and X.max() <= 1.0:
        noisy = np.clip(noisy, 0.0, 1.0)
    return noisy.astype(np.float32)
