"""Finding points by a label or a column's values: a query a person types, read strictly.

:func:`find_rows` matches the rows of one column (labels, label names, reconstruction errors, a
table's feature, row numbers) against a short query: for words, the values named (``"3, 5"``,
``"sandal"``); for numbers, values and ranges (``">0.05"``, ``"2..5"``, ``"<=-1"``). Terms are
separated by commas and any term may match. A query is text from a person or a link: it is
bounded (:data:`MAX_QUERY_CHARS`, :data:`MAX_TERMS`) and anything it cannot read is a
``ValueError`` that says what it read, what it expects and an example, never an evaluation.
"""

from __future__ import annotations

import re

import numpy as np

#: Longest query read.
MAX_QUERY_CHARS = 100
#: Most comma-separated terms in one query.
MAX_TERMS = 20
#: The least rows a selection may hold to be mapped on its own: its map's trustworthiness looks at
#: 10 neighbours a point (:func:`aecore.metrics.trustworthiness` needs more than twice as many
#: rows), its kNN accuracy at 5 in each of 5 folds.
MIN_ISOLATED_ROWS = 30

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_COMPARISON = re.compile(rf"^(<=|>=|<|>|=)\s*({_NUMBER})$")
_RANGE = re.compile(rf"^({_NUMBER})\s*\.\.\s*({_NUMBER})$")
_PLAIN_NUMBER = re.compile(rf"^{_NUMBER}$")


def _terms(query) -> list[str]:
    """The query's comma-separated terms, stripped and checked for length."""
    if not isinstance(query, str):
        raise ValueError(f"query={query!r} must be text, e.g. '3, 5' or '>0.05'.")
    if len(query) > MAX_QUERY_CHARS:
        raise ValueError(f"The query has {len(query)} characters; the limit is {MAX_QUERY_CHARS}. "
                         "Shorten it, e.g. '3, 5' or '2..5'.")
    if any(not ch.isprintable() for ch in query):
        raise ValueError("The query holds control characters; type plain text, e.g. '3, 5'.")
    terms = [term.strip() for term in query.split(",") if term.strip()]
    if len(terms) > MAX_TERMS:
        raise ValueError(f"The query has {len(terms)} terms; the limit is {MAX_TERMS}. Use a range such as "
                         "'2..5' instead of listing values.")
    return terms


def _number_mask(values: np.ndarray, term: str) -> np.ndarray:
    """The rows of numeric ``values`` that one term (a number, a comparison or a range) matches."""
    found = _COMPARISON.match(term)
    if found:
        operator, number = found.group(1), float(found.group(2))
        if operator == "=":
            return np.isclose(values, number, rtol=1e-6, atol=1e-12)
        return {"<": values < number, "<=": values <= number, ">": values > number, ">=": values >= number}[operator]
    found = _RANGE.match(term)
    if found:
        low, high = sorted((float(found.group(1)), float(found.group(2))))
        return (values >= low) & (values <= high)
    if _PLAIN_NUMBER.match(term):
        return np.isclose(values, float(term), rtol=1e-6, atol=1e-12)
    raise ValueError(f"{term!r} is not a number, a comparison or a range; write e.g. '0.5', '>0.05', "
                     "'<=2' or '2..5'.")


def _text_mask(values: np.ndarray, term: str) -> np.ndarray:
    """The rows whose value's text equals ``term`` (any case); a term with a letter also matches
    the values that contain it ("shirt" finds "T-shirt/top")."""
    texts = np.char.lower(values.astype(str))
    wanted = term.lower()
    mask = texts == wanted
    if not mask.any() and any(ch.isalpha() for ch in wanted):
        mask = np.char.find(texts, wanted) >= 0
    return mask


def find_rows(values, query: str, numeric: bool | None = None) -> np.ndarray:
    """Which rows of a column a query matches.

    Parameters
    ----------
    values : array-like of shape (n_rows,)
        One value per row: labels or label names (text), or numbers.
    query : str
        Comma-separated terms, any of which may match. For text (and whole-number labels): the
        values themselves (``"3, 5"``, ``"sandal"``, matched in any case; a word also finds the
        values containing it). For numbers: ``"0.5"``, ``">0.05"``, ``"<=2"``, ``"2..5"``
        (inclusive). An empty query matches nothing.
    numeric : bool, optional
        Read the terms as numbers (comparisons and ranges); by default when ``values`` are
        numbers.

    Returns
    -------
    ndarray of bool, shape (n_rows,)

    Raises
    ------
    ValueError
        A query too long, with too many terms, or with a term that is not a number, comparison
        or range for numeric values (naming the term and the forms it may take).

    Examples
    --------
    >>> find_rows(np.array([3, 5, 7, 5]), "5, 7").tolist()
    [False, True, True, True]
    >>> find_rows(np.array([0.01, 0.2, 0.07]), ">0.05").tolist()
    [False, True, True]
    >>> find_rows(np.array(["Sandal", "Sneaker", "Bag"]), "sandal").tolist()
    [True, False, False]
    """
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"values has shape {values.shape}; pass one value per row (a 1-D array).")
    terms = _terms(query)
    mask = np.zeros(len(values), dtype=bool)
    if numeric is None:
        numeric = values.dtype.kind in "iufb"
    if numeric:
        numbers = values.astype(np.float64)
        for term in terms:
            mask |= _number_mask(numbers, term) & np.isfinite(numbers)
    else:
        for term in terms:
            mask |= _text_mask(values, term)
    return mask


def isolation_rows(rows, n_total: int, min_rows: int = MIN_ISOLATED_ROWS) -> np.ndarray:
    """The sorted, distinct rows a selection isolates for a map of their own; ``ValueError`` when
    they are too few to map (``min_rows``) or outside ``0 .. n_total - 1``."""
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    if len(rows) and (rows[0] < 0 or rows[-1] >= n_total):
        raise ValueError(f"Rows {int(rows[0])}..{int(rows[-1])} are outside 0..{n_total - 1}; select points "
                         "on this map.")
    if len(rows) < min_rows:
        raise ValueError(f"{len(rows)} point(s) are too few to map on their own; the least is {min_rows}. "
                         "Select or find more points.")
    return rows

