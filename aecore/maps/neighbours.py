"""Nearest neighbours of a sample in code space and in the input space: what the code kept.

A sample's nearest neighbours among the codes, set next to its nearest neighbours among the raw
inputs (pixels for images), show what the encoder kept: when the code-space neighbours share the
sample's label more often than the pixel-space ones, the code has kept what tells the classes
apart better than the pixels' distances did. :func:`neighbours_of` does it for one sample,
:func:`label_agreement` for many (the share averaged over a seeded sample of queries).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

#: Most neighbours a panel asks for; more do not fit on a screen.
MAX_NEIGHBOURS = 32


@dataclass(frozen=True)
class Neighbours:
    """One sample's nearest rows in code space and in input space (the sample itself excluded).

    Attributes
    ----------
    row : int
        The sample's row number.
    code_rows, input_rows : ndarray of int
        Its ``k`` nearest rows by Euclidean distance between codes, and between inputs, nearest first.
    code_share, input_share : float or None
        The share of each list whose label equals the sample's (None without labels).
    """

    row: int
    code_rows: np.ndarray
    input_rows: np.ndarray
    code_share: Optional[float] = None
    input_share: Optional[float] = None


def _check_k(k: int, n_rows: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"k={k!r} must be a whole number of neighbours, e.g. 8.")
    if not 1 <= k <= min(MAX_NEIGHBOURS, n_rows - 1):
        raise ValueError(f"k={k} neighbours is out of range: choose 1 to {min(MAX_NEIGHBOURS, n_rows - 1)} "
                         f"(a sample has {n_rows - 1} other rows; at most {MAX_NEIGHBOURS} are shown).")
    return int(k)


def nearest_rows(space: np.ndarray, query: np.ndarray, k: int, exclude: Optional[int] = None) -> np.ndarray:
    """The ``k`` rows of ``space`` nearest to the vector ``query`` (Euclidean), nearest first,
    leaving out row ``exclude``. One pass over ``space`` in float32: cheap for one query even at
    200,000 rows (no index is built)."""
    space = np.asarray(space, dtype=np.float32).reshape(len(space), -1)
    query = np.asarray(query, dtype=np.float32).reshape(-1)
    if query.shape[0] != space.shape[1]:
        raise ValueError(f"query has {query.shape[0]} values; the rows have {space.shape[1]}.")
    k = _check_k(k, len(space) + (exclude is None))
    distances = np.einsum("ij,ij->i", space, space) - 2.0 * (space @ query)
    if exclude is not None:
        distances[exclude] = np.inf
    nearest = np.argpartition(distances, k - 1)[:k]
    return nearest[np.argsort(distances[nearest], kind="stable")]


def same_label_share(labels: Optional[np.ndarray], label, rows: np.ndarray) -> Optional[float]:
    """The share of ``rows`` whose label is ``label`` (None without labels)."""
    if labels is None or len(rows) == 0:
        return None
    return float(np.mean(np.asarray(labels)[rows] == label))


def neighbours_of(row: int, codes: np.ndarray, X: np.ndarray, k: int = 8,
                  labels: Optional[np.ndarray] = None) -> Neighbours:
    """Sample ``row``'s ``k`` nearest rows in code space (``codes``) and in input space (``X``).

    Parameters
    ----------
    row : int
        The sample, a row of ``codes`` and ``X``.
    codes : ndarray of shape (n, n_components)
    X : ndarray of shape (n, n_features) or (n, height, width)
    k : int, default 8
    labels : ndarray of shape (n,), optional
        Adds the share of each list that shares the sample's label.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> neighbours_of(0, X, X, k=1, labels=np.array([0, 0, 1, 1])).code_share
    1.0
    """
    n = len(codes)
    if len(X) != n:
        raise ValueError(f"codes have {n} rows but X has {len(X)}; pass the codes of X's rows.")
    if not 0 <= int(row) < n:
        raise ValueError(f"row={row} is not a row: choose 0 to {n - 1}.")
    row = int(row)
    code_rows = nearest_rows(codes, codes[row], k, exclude=row)
    input_rows = nearest_rows(X, X[row], k, exclude=row)
    label = None if labels is None else np.asarray(labels)[row]
    return Neighbours(row, code_rows, input_rows, same_label_share(labels, label, code_rows),
                      same_label_share(labels, label, input_rows))


def label_agreement(codes: np.ndarray, X: np.ndarray, labels: np.ndarray, k: int = 8,
                    n_queries: int = 500, seed: int = 0) -> tuple[float, float]:
    """The share of a sample's ``k`` nearest neighbours that share its label, averaged over a
    seeded random ``n_queries`` samples: ``(in code space, in input space)``."""
    from sklearn.neighbors import NearestNeighbors

    n = len(codes)
    k = _check_k(k, n)
    labels = np.asarray(labels)
    queries = np.random.default_rng(seed).choice(n, min(n_queries, n), replace=False)
    shares = []
    for space in (codes, X):
        space = np.asarray(space, dtype=np.float32).reshape(n, -1)
        index = NearestNeighbors(n_neighbors=k + 1).fit(space)
        found = index.kneighbors(space[queries], return_distance=False)
        # Drop each query itself (it is its own nearest unless it has exact duplicates).
        found = np.array([[j for j in row if j != q][:k] for q, row in zip(queries, found)])
        shares.append(float(np.mean(labels[found] == labels[queries][:, None])))
    return shares[0], shares[1]
