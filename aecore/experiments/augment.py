"""New labelled rows from a fitted autoencoder: decode codes near each row's own code.

Post 004 calls the decoder a generative model, "related to data augmentation". :func:`generate_like`
takes labelled rows and makes ``n_per_row`` new ones per row, each carrying its row's label:

* a VAE (``kind="vae"``) draws codes from its encoder's Gaussian for the row,
  ``z = z_mean + spread * exp(0.5 * z_log_var) * eps`` (``spread=1`` is the posterior itself);
* any other kind adds Gaussian noise of ``spread`` × the codes' per-unit standard deviation to the
  row's code.

The codes are then decoded. Whether such rows help a classifier is measured by ``bench/augment.py``
(BENCHMARKS.md). :func:`samples_npz` packs rows as the NPZ a person downloads.
"""

from __future__ import annotations

import io
import numbers

import numpy as np

#: Most new rows per input row.
MAX_PER_ROW = 50
#: Most new rows one call makes (each holds n_features float32 values).
MAX_OUTPUT_ROWS = 50_000
#: ``spread`` when none is given: the VAE's own posterior; a quarter of the codes' s.d. otherwise.
DEFAULT_SPREAD = {"vae": 1.0, "other": 0.25}


def _kind(reducer) -> str:
    if not hasattr(reducer, "decoder_") or not hasattr(reducer, "architecture_"):
        raise ValueError(f"{type(reducer).__name__} is not fitted: fit it first, e.g. "
                         "AutoencoderReducer(kind='vae').fit(X), then generate rows like X.")
    return reducer.architecture_.kind


def _check(X, y, n_per_row, spread):
    n_rows = len(X) if hasattr(X, "__len__") else None
    if n_rows is None:
        raise ValueError(f"X must be an array of rows, shape (n_rows, n_features); got {type(X).__name__}.")
    if y is not None:
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != n_rows:
            raise ValueError(f"y has shape {y.shape} but X has {n_rows} rows; pass one label per row of X, "
                             "shape (n_rows,).")
    if not isinstance(n_per_row, numbers.Integral) or isinstance(n_per_row, bool) \
            or not 1 <= n_per_row <= MAX_PER_ROW:
        raise ValueError(f"n_per_row={n_per_row!r} must be an integer from 1 to {MAX_PER_ROW}; pass e.g. 5.")
    if n_rows * n_per_row > MAX_OUTPUT_ROWS:
        raise ValueError(f"{n_rows:,} rows × n_per_row={n_per_row} = {n_rows * n_per_row:,} new rows is over "
                         f"the limit of {MAX_OUTPUT_ROWS:,}; pass at most {MAX_OUTPUT_ROWS // n_per_row:,} rows "
                         f"at n_per_row={n_per_row}, or a smaller n_per_row.")
    if spread is not None:
        if not isinstance(spread, numbers.Real) or isinstance(spread, bool) or not np.isfinite(spread) \
                or spread < 0:
            raise ValueError(f"spread={spread!r} must be a finite number >= 0 (0 decodes the row's own code); "
                             "pass e.g. 0.25.")
    return y


def generate_like(reducer, X, y, n_per_row: int, spread: float | None = None, random_state=0,
                  code_scale=None) -> tuple[np.ndarray, np.ndarray | None]:
    """``n_per_row`` new rows per row of ``X``, decoded from codes near the row's own code.

    Parameters
    ----------
    reducer : AutoencoderReducer
        Fitted, of any kind.
    X : array-like of shape (n_rows, n_features)
    y : array-like of shape (n_rows,) or None
        Labels; each new row gets its row's label.
    n_per_row : int
        New rows per row of ``X``, 1 to :data:`MAX_PER_ROW`; at most :data:`MAX_OUTPUT_ROWS` in all.
    spread : float >= 0 or None
        How far from the row's code. VAE: a multiple of the encoder's posterior s.d. (1 draws from
        the posterior itself). Other kinds: a multiple of ``code_scale``. ``None``:
        :data:`DEFAULT_SPREAD`.
    random_state : int, numpy Generator or None, default=0
        The same seed gives the same rows.
    code_scale : array-like of shape (n_components,) or None
        Other kinds only: the per-unit s.d. of the codes; ``None`` measures it on the codes of
        ``X`` (pass the s.d. of the training codes when ``X`` has few rows).

    Returns
    -------
    X_new : ndarray of shape (n_rows * n_per_row, n_features), float32
        Row ``i``'s new rows are ``X_new[i * n_per_row:(i + 1) * n_per_row]``.
    y_new : ndarray of shape (n_rows * n_per_row,) or None
        ``np.repeat(y, n_per_row)``.

    Raises
    ------
    ValueError
        An unfitted reducer, ``y`` not one label per row, ``n_per_row`` out of range, too many new
        rows, a negative ``spread`` or a ``code_scale`` of the wrong shape.

    Examples
    --------
    >>> ae = AutoencoderReducer(8, epochs=5).fit(X)  # doctest: +SKIP
    >>> X_new, y_new = generate_like(ae, X[:10], y[:10], n_per_row=3)  # doctest: +SKIP
    >>> X_new.shape, y_new.shape  # doctest: +SKIP
    ((30, 64), (30,))
    """
    kind = _kind(reducer)
    y = _check(X, y, n_per_row, spread)
    X = reducer._validate_input(X, reset=False)
    rng = np.random.default_rng(random_state)
    if kind == "vae":
        from .vae_draws import code_distribution

        spread = DEFAULT_SPREAD["vae"] if spread is None else float(spread)
        codes, log_var = code_distribution(reducer, X)
        scale = np.exp(0.5 * log_var)[:, None, :]
    else:
        spread = DEFAULT_SPREAD["other"] if spread is None else float(spread)
        codes = reducer.transform(X).astype(np.float64)
        if code_scale is None:
            scale = codes.std(axis=0)
        else:
            scale = np.asarray(code_scale, dtype=np.float64)
            if scale.shape != (codes.shape[1],) or not np.isfinite(scale).all() or (scale < 0).any():
                raise ValueError(f"code_scale has shape {scale.shape}; pass {codes.shape[1]} finite values >= 0, "
                                 "e.g. reducer.transform(X_train).std(axis=0).")
        scale = scale[None, None, :]
    eps = rng.standard_normal((len(codes), int(n_per_row), codes.shape[1]))
    new_codes = codes[:, None, :] + spread * scale * eps
    flat = new_codes.reshape(-1, codes.shape[1]).astype(np.float32)
    X_new = reducer._predict(reducer.decoder_, flat).astype(np.float32)
    y_new = None if y is None else np.repeat(y, int(n_per_row))
    return X_new, y_new


def samples_npz(X, y=None, image_shape=None) -> bytes:
    """Rows (and their labels) as a compressed NPZ: arrays ``X`` (float32), ``y`` and ``image_shape``
    when given. Load it with ``np.load(io.BytesIO(data), allow_pickle=False)``.

    Raises
    ------
    ValueError
        ``X`` not 2-D, ``y`` not one plain (numeric or string) label per row, or an ``image_shape``
        whose product is not the row width.
    """
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}; pass rows of shape (n_rows, n_features).")
    arrays = {"X": X}
    if y is not None:
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(f"y has shape {y.shape} but X has {len(X)} rows; pass one label per row.")
        if y.dtype == object:  # an object array needs a pickle to load: store text instead
            y = y.astype(str)
        arrays["y"] = y
    if image_shape is not None:
        shape = np.asarray(tuple(image_shape), dtype=np.int64)
        if shape.ndim != 1 or int(np.prod(shape)) != X.shape[1]:
            raise ValueError(f"image_shape={tuple(image_shape)!r} holds {int(np.prod(shape))} pixels but each "
                             f"row has {X.shape[1]} values; pass e.g. (28, 28) for 784.")
        arrays["image_shape"] = shape
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()
