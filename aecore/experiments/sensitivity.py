"""How much a model's codes move with its input: the encoder's Jacobian norm (what the
contractive autoencoder's penalty shrinks) and the mean code shift under small input noise (what
the Family page compares for plain, denoising and contractive autoencoders)."""

from __future__ import annotations

from ..models.backend import import_tensorflow

import numpy as np


def jacobian_norms(reducer, X, max_values: int = 4_000_000) -> np.ndarray:
    """The Frobenius norm of the encoder's Jacobian ``d codes / d x`` at each row of ``X``.

    What a contractive autoencoder (``kind="contractive"``) penalises, computed exactly (one
    backward pass per code unit), in chunks of at most ``max_values`` Jacobian entries.

    Parameters
    ----------
    reducer : aecore.AutoencoderReducer
        Fitted.
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    tf = import_tensorflow()
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(reducer, "encoder_")
    X = reducer._validate_input(X, reset=False)
    n_features, n_components = X.shape[1], int(reducer.n_components)
    chunk = max(1, int(max_values) // (n_features * n_components))
    norms = []
    for i in range(0, len(X), chunk):
        x = tf.convert_to_tensor(X[i:i + chunk])
        with tf.GradientTape() as tape:
            tape.watch(x)
            codes = reducer.encoder_(x, training=False)
        jacobian = tape.batch_jacobian(codes, x)  # (rows, n_components, n_features)
        norms.append(np.sqrt(np.sum(np.square(np.asarray(jacobian, np.float64)), axis=(1, 2))))
    return np.concatenate(norms) if norms else np.empty(0)


def code_sensitivity(encode, X, noise_level: float = 0.01, random_state: int = 0) -> float:
    """How far the codes move per unit of input noise: the mean over the rows of
    ``||f(x + eps) - f(x)|| / ||eps||`` with ``eps ~ noise_level x N(0, I)``.

    A measured, model-agnostic cousin of :func:`jacobian_norms` (for small noise it is about
    ``||J||_F / sqrt(n_features)``): lower means codes more robust to small input noise.

    Parameters
    ----------
    encode : callable
        Rows -> codes, e.g. a fitted reducer's ``transform``.
    X : array-like of shape (n_samples, n_features)
        Held-out rows.
    noise_level : float, default=0.01
        Standard deviation of the Gaussian noise, in the data's units.
    random_state : int, default=0

    Returns
    -------
    float

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(50, 4))
    >>> round(code_sensitivity(lambda rows: rows[:, :2], X), 2)  # keeps 2 of 4 noise directions
    0.61
    """
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X has shape {X.shape}; pass a 2-D array with at least one row.")
    if not (np.isfinite(noise_level) and noise_level > 0):
        raise ValueError(f"noise_level={noise_level!r} must be a positive number, e.g. 0.01.")
    eps = (np.random.default_rng(random_state).normal(size=X.shape) * noise_level).astype(np.float32)
    moved = np.asarray(encode(X + eps), np.float64) - np.asarray(encode(X), np.float64)
    return float(np.mean(np.linalg.norm(moved, axis=1) / np.linalg.norm(eps.astype(np.float64), axis=1)))
