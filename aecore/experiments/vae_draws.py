"""A VAE's reconstructions are samples: decode codes drawn from the encoder's Gaussian, not its mean.

:meth:`AutoencoderReducer.reconstruct` decodes the mean code, so a fitted VAE looks deterministic.
Its encoder gives a mean and a log-variance per code unit, though, and the model was trained on
codes drawn from that Gaussian: :func:`sample_reconstructions` decodes such draws, showing how much
of the output is still left to chance after training.
"""

from __future__ import annotations

import numbers

import numpy as np

#: Draws per row allowed.
MAX_DRAWS = 32
#: Rows × draws decoded in one call (each decoded row holds n_features values).
MAX_DECODED = 2_000


def _check(reducer, n_draws) -> None:
    if not hasattr(reducer, "autoencoder_") or not hasattr(reducer, "architecture_"):
        raise ValueError(f"{type(reducer).__name__} is not fitted: fit it first, e.g. "
                         "AutoencoderReducer(kind='vae').fit(X), then draw reconstructions.")
    kind = reducer.architecture_.kind
    if kind != "vae":
        raise ValueError(f"Reconstructions can be drawn only from a variational autoencoder; this one "
                         f"has kind={kind!r}, whose codes are not random. Fit "
                         "AutoencoderReducer(kind='vae') instead.")
    if not isinstance(n_draws, numbers.Integral) or isinstance(n_draws, bool) or not 1 <= n_draws <= MAX_DRAWS:
        raise ValueError(f"n_draws={n_draws!r} must be an integer from 1 to {MAX_DRAWS}; pass e.g. 6.")


def code_distribution(reducer, X) -> tuple[np.ndarray, np.ndarray]:
    """The encoder's Gaussian for each row of ``X``: ``(z_mean, z_log_var)``, each (n_rows, n_components)."""
    _check(reducer, 1)
    X = reducer._validate_input(X, reset=False)
    sampler = reducer.autoencoder_.encoder  # rows -> [z_mean, z_log_var, z]
    means, log_vars = [], []
    for i in range(0, len(X), 4096):
        z_mean, z_log_var, _ = sampler(X[i:i + 4096], training=False)
        means.append(np.asarray(z_mean, dtype=np.float64))
        log_vars.append(np.asarray(z_log_var, dtype=np.float64))
    return np.concatenate(means), np.concatenate(log_vars)


def sample_reconstructions(reducer, X, n_draws: int = 6, random_state=None) -> np.ndarray:
    """Decode ``n_draws`` codes per row drawn from the VAE encoder's Gaussian N(z_mean, exp(z_log_var)).

    Parameters
    ----------
    reducer : AutoencoderReducer
        Fitted, with ``kind="vae"``.
    X : array-like of shape (n_rows, n_features)
    n_draws : int, default=6
        Draws per row, 1 to :data:`MAX_DRAWS`.
    random_state : int, numpy Generator or None
        The same seed gives the same draws.

    Returns
    -------
    ndarray of shape (n_rows, n_draws, n_features), float32
        ``z = z_mean + exp(0.5 * z_log_var) * eps`` with ``eps ~ N(0, I)``, decoded. Their mean is
        close to ``reducer.reconstruct(X)`` (the decoded mean code); their spread is what the
        model leaves to chance.

    Raises
    ------
    ValueError
        An unfitted or non-VAE reducer, ``n_draws`` out of range, or more than :data:`MAX_DECODED`
        rows × draws.

    Examples
    --------
    >>> vae = AutoencoderReducer(2, kind="vae", epochs=5).fit(X)  # doctest: +SKIP
    >>> sample_reconstructions(vae, X[:3], n_draws=4, random_state=0).shape  # doctest: +SKIP
    (3, 4, 64)
    """
    _check(reducer, n_draws)
    n_rows = len(X) if hasattr(X, "__len__") else 0
    if n_rows * n_draws > MAX_DECODED:
        raise ValueError(f"{n_rows:,} rows × n_draws={n_draws} = {n_rows * n_draws:,} decoded rows is over "
                         f"the limit of {MAX_DECODED:,}; pass at most {MAX_DECODED // n_draws:,} rows at "
                         f"{n_draws} draws, or fewer draws.")
    z_mean, z_log_var = code_distribution(reducer, X)
    rng = np.random.default_rng(random_state)
    eps = rng.standard_normal((len(z_mean), n_draws, z_mean.shape[1]))
    codes = z_mean[:, None, :] + np.exp(0.5 * z_log_var)[:, None, :] * eps
    n_features = int(reducer.n_features_in_)
    decoded = reducer._predict(reducer.decoder_, codes.reshape(-1, codes.shape[-1]).astype(np.float32))
    return decoded.reshape(len(z_mean), n_draws, n_features).astype(np.float32)
