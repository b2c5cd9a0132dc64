"""Walking a latent space: the straight path between two codes, and one code moved along its
units. The decoder turns the points into images (``reducer.inverse_transform``); blending the
inputs the same way shows what the decoder adds over a cross-fade of pixels."""

from __future__ import annotations

import numbers

import numpy as np


#: Points on a walk between two codes that the Generate page draws first (both ends included).
DEFAULT_STEPS = 9


def interpolate(start, end, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Points evenly spaced on the straight line from ``start`` to ``end``, both included.

    Parameters
    ----------
    start, end : array-like of shape (n_features,)
        Two codes (or two inputs: the same path in pixel space is a cross-fade).
    steps : int
        Number of points, at least 2.

    Returns
    -------
    weights : ndarray of shape (steps,)
        How far along each point is, from 0 to 1.
    path : ndarray of shape (steps, n_features), float32
        ``(1 - w) * start + w * end`` for each weight ``w``.

    Examples
    --------
    >>> weights, path = interpolate([0.0, 0.0], [1.0, 2.0], 3)
    >>> weights.tolist(), path.tolist()
    ([0.0, 0.5, 1.0], [[0.0, 0.0], [0.5, 1.0], [1.0, 2.0]])
    """
    start, end = np.asarray(start, dtype=np.float64).ravel(), np.asarray(end, dtype=np.float64).ravel()
    if start.shape != end.shape:
        raise ValueError(f"start has {start.size} values but end has {end.size}; pass two points of one space.")
    if not isinstance(steps, numbers.Integral) or isinstance(steps, bool) or steps < 2:
        raise ValueError(f"steps={steps!r} must be an integer of at least 2 (both ends are included).")
    weights = np.linspace(0.0, 1.0, int(steps))
    path = (1.0 - weights[:, None]) * start + weights[:, None] * end
    return weights, path.astype(np.float32)


def traverse(codes, index: int, offsets) -> np.ndarray:
    """Code ``index`` moved along its units, each by ``offsets`` standard deviations of that unit.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_components)
        The codes of a dataset: each unit's spread is measured on them.
    index : int
        The row to move.
    offsets : array-like of shape (n_components,)
        How far to move along each unit, in that unit's standard deviations (0 leaves it).

    Returns
    -------
    ndarray of shape (1, n_components), float32
        The moved code, ready for ``reducer.inverse_transform``.

    Examples
    --------
    >>> traverse([[0.0, 1.0], [2.0, 1.0]], 0, [1.0, 5.0]).tolist()
    [[1.0, 1.0]]
    """
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2:
        raise ValueError(f"codes must have shape (n_samples, n_components); got {codes.shape}.")
    offsets = np.asarray(offsets, dtype=np.float64).ravel()
    if offsets.size != codes.shape[1]:
        raise ValueError(f"offsets has {offsets.size} values but the codes have {codes.shape[1]} units; "
                         "pass one offset per unit (0 leaves a unit where it is).")
    if not isinstance(index, numbers.Integral) or not 0 <= index < len(codes):
        raise ValueError(f"index={index!r} must be a row of the codes, between 0 and {len(codes) - 1}.")
    moved = codes[int(index)] + offsets * codes.std(axis=0)
    return moved[None, :].astype(np.float32)


def traversal_grid(codes, index: int, units, offsets) -> np.ndarray:
    """Code ``index`` moved along each of ``units`` alone, by each of ``offsets`` standard deviations:
    one row of codes per unit, for the classic traversal picture (rows = units, columns = offsets).

    Returns
    -------
    ndarray of shape (len(units) * len(offsets), n_components), float32
        Unit ``units[i]`` moved by ``offsets[j]`` is row ``i * len(offsets) + j``.

    Examples
    --------
    >>> traversal_grid([[0.0, 1.0], [2.0, 1.0]], 0, [0, 1], [-1.0, 1.0]).tolist()
    [[-1.0, 1.0], [1.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    """
    codes = np.asarray(codes, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.float64).ravel()
    units = [int(u) for u in units]
    k = codes.shape[1] if codes.ndim == 2 else 0
    if not units or any(not 0 <= u < k for u in units):
        raise ValueError(f"units={units!r} must be one or more code units between 0 and {k - 1}.")
    rows = []
    for unit in units:
        for offset in offsets:
            step = np.zeros(k)
            step[unit] = offset
            rows.append(traverse(codes, index, step)[0])
    return np.asarray(rows, dtype=np.float32)
