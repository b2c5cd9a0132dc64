"""Which rows a person selected on a Plotly map: a pure function, testable without a browser.

``st.plotly_chart(fig, on_select="rerun", selection_mode=("points", "box", "lasso"))`` returns
an event shaped like this (a read-only dict that also allows attribute access)::

    {"selection": {"points": [{"curve_number": 2, "point_number": 9, "point_index": 9,
                               "x": 3.6, "y": 7.2, "customdata": [812]}, ...],
                   "point_indices": [9, ...], "box": [...], "lasso": [...]}}

``point_index`` counts within one trace, and every colour of a map is its own trace, so it
does not identify a row. The figure builders in :mod:`aecore.figures.builders` therefore carry each
point's global row id in ``customdata`` (a scalar, or the first element of a list), and
that is the only place this module reads ids from.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

_MISSING = object()


def _field(container, key: str):
    """Read ``key`` from a mapping or an attribute; ``_MISSING`` when absent."""
    if container is None:
        return _MISSING
    if isinstance(container, Mapping):
        return container.get(key, _MISSING)
    return getattr(container, key, _MISSING)


def _row_id(customdata) -> int | None:
    """The row id a point's customdata carries, ``None`` when it carries none."""
    if isinstance(customdata, (list, tuple, np.ndarray)):
        if len(customdata) == 0:
            return None
        customdata = customdata[0]
    if customdata is None:
        return None
    if isinstance(customdata, str):
        try:
            customdata = float(customdata)
        except ValueError:
            customdata = _MISSING
    if (isinstance(customdata, numbers.Real) and not isinstance(customdata, bool)
            and np.isfinite(customdata) and float(customdata).is_integer() and customdata >= 0):
        return int(customdata)
    raise ValueError(
        f"A selected point carries customdata={customdata!r}, which is not a row id (a "
        "non-negative integer). Put the row id first in customdata, e.g. "
        "go.Scatter(..., customdata=ids) or px.scatter(..., custom_data=[ids, ...]).")


def selected_ids(event) -> np.ndarray:
    """Global row ids of the points selected on a Plotly chart in Streamlit.

    Parameters
    ----------
    event : mapping, object or None
        What ``st.plotly_chart(..., on_select="rerun")`` returned (or what Session State holds
        under the chart's key): ``event["selection"]["points"]`` or
        ``event.selection.points``. The selection itself (a mapping with ``"points"``) and
        ``None`` are accepted too.

    Returns
    -------
    ndarray of int64
        Row ids from each point's ``customdata`` (a scalar, or the first element of a list),
        in selection order, each id once. Points without customdata (e.g. a trace of
        cluster centres) are skipped; an empty selection gives an empty array.

    Raises
    ------
    ValueError
        When a point's customdata is present but is not a non-negative integer id, or when
        ``event`` is not shaped like a selection event.

    Examples
    --------
    >>> event = {"selection": {"points": [{"point_index": 0, "curve_number": 1, "customdata": [42]},
    ...                                   {"point_index": 3, "curve_number": 0, "customdata": 7}]}}
    >>> selected_ids(event).tolist()
    [42, 7]
    >>> selected_ids(None).tolist()
    []
    """
    empty = np.empty(0, dtype=np.int64)
    if event is None:
        return empty
    selection = _field(event, "selection")
    if selection is _MISSING:
        if _field(event, "points") is _MISSING:
            raise ValueError(
                f"event of type {type(event).__name__} has neither 'selection' nor 'points'; pass "
                "the value returned by st.plotly_chart(fig, on_select='rerun').")
        selection = event
    points = _field(selection, "points")
    if points is _MISSING or points is None:
        return empty
    ids: dict[int, None] = {}  # An insertion-ordered set.
    for point in points:
        customdata = _field(point, "customdata")
        if customdata is _MISSING:
            continue
        row = _row_id(customdata)
        if row is not None:
            ids.setdefault(row)
    return np.fromiter(ids, dtype=np.int64, count=len(ids))


#: Most regions (boxes and lassos together) and most vertices of one lasso :func:`rows_in_regions`
#: takes: the event comes from the browser, and each vertex costs a pass over every point (a
#: hand-drawn lasso has a few hundred).
MAX_REGIONS, MAX_LASSO_VERTICES = 50, 5000


def _regions(selection, kind: str) -> list:
    """The selection's ``kind`` ("box" or "lasso") regions; none when absent."""
    regions = _field(selection, kind)
    return [] if regions is _MISSING or regions is None else list(regions)


def _coords(region, axis: str) -> np.ndarray:
    """A region's ``x`` or ``y`` coordinates as floats; empty when absent or not numbers."""
    values = _field(region, axis)
    if not isinstance(values, (list, tuple, np.ndarray)):
        return np.empty(0)
    try:
        return np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        return np.empty(0)


def rows_in_regions(event, points: np.ndarray, ids: np.ndarray | None = None) -> np.ndarray:
    """Row ids of every point of ``points`` inside the event's box and lasso selections.

    A map that draws only some of its points (a thinned map of 200,000 rows) still lets a box or
    lasso select among all of them: Streamlit's event carries each region's coordinates
    (``selection.box``: ``{"x": [x0, x1], "y": [y0, y1]}``; ``selection.lasso``: the polygon's
    ``x`` and ``y``), and this finds the points inside them.

    Parameters
    ----------
    event : mapping, object or None
        As for :func:`selected_ids`.
    points : ndarray of shape (n_points, 2)
        Every point of the map, drawn or not.
    ids : ndarray of shape (n_points,), optional
        The row id of each point (default: its position).

    Returns
    -------
    ndarray of int64
        The ids inside any region, in the order of ``points``; empty without regions.

    Examples
    --------
    >>> points = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    >>> event = {"selection": {"points": [], "box": [{"x": [0.5, 2.5], "y": [0.5, 2.5]}], "lasso": []}}
    >>> rows_in_regions(event, points, ids=np.array([10, 11, 12])).tolist()
    [11, 12]
    """
    from matplotlib.path import Path

    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] < 2:
        raise ValueError(f"points must have shape (n_points, 2) or more columns; got {points.shape}.")
    points = points[:, :2]
    ids = np.arange(len(points)) if ids is None else np.asarray(ids)
    if len(ids) != len(points):
        raise ValueError(f"ids has {len(ids)} entries but points has {len(points)} rows; pass one id per point.")
    selection = _field(event, "selection")
    if selection is _MISSING or selection is None:
        return np.empty(0, dtype=np.int64)
    boxes, lassos = _regions(selection, "box"), _regions(selection, "lasso")
    if len(boxes) + len(lassos) > MAX_REGIONS:
        raise ValueError(f"The selection has {len(boxes) + len(lassos)} regions; the limit is {MAX_REGIONS}. "
                         "Select with fewer boxes or lassos.")
    longest = max((len(_field(lasso, "x")) for lasso in lassos
                   if isinstance(_field(lasso, "x"), (list, tuple, np.ndarray))), default=0)
    if longest > MAX_LASSO_VERTICES:
        raise ValueError(f"A lasso has {longest:,} vertices; the limit is {MAX_LASSO_VERTICES:,}. "
                         "Draw a simpler lasso, or use a box.")
    inside = np.zeros(len(points), dtype=bool)
    for box in boxes:
        xs, ys = _coords(box, "x"), _coords(box, "y")
        if xs.size == 2 and ys.size == 2:
            inside |= ((points[:, 0] >= xs.min()) & (points[:, 0] <= xs.max())
                       & (points[:, 1] >= ys.min()) & (points[:, 1] <= ys.max()))
    for lasso in lassos:
        xs, ys = _coords(lasso, "x"), _coords(lasso, "y")
        if xs.size >= 3 and xs.size == ys.size:
            inside |= Path(np.column_stack([xs, ys])).contains_points(points)
    return ids[inside].astype(np.int64)


def strip_rows(selected_rows, labels=None, n: int = 24, seed: int = 0) -> np.ndarray:
    """Which of the selected rows a strip of ``n`` images shows: a seeded sample across the whole
    selection, stratified by label.

    The first ``n`` rows of a selection are not a sample of it: a box is reported in row order, so
    on data stored by label they can all share one label, and a strip of them misrepresents the
    selection. Each label gets places in proportion to its share of the selection (largest
    remainders first, so the counts add up to ``n``; every label gets at least one place while
    there are places for all of them).

    Parameters
    ----------
    selected_rows : array-like of int
        Row ids of the selection, each once.
    labels : array-like, optional
        One label per row of the data (indexed by row id); ``None`` samples without strata.
    n : int, default=24
        The most rows to show.
    seed : int, default=0
        Seeds the sample, so a rerun shows the same images.

    Returns
    -------
    ndarray of int64
        ``min(n, len(selected_rows))`` distinct selected rows, grouped by label, each group in row order.

    Examples
    --------
    >>> labels = np.repeat([0, 1], 50)
    >>> rows = strip_rows(np.arange(100), labels, n=4)
    >>> np.bincount(labels[rows]).tolist()
    [2, 2]
    """
    selected = np.asarray(selected_rows, dtype=np.int64).ravel()
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n={n!r} must be a positive integer: the number of images the strip shows.")
    rng = np.random.default_rng(seed)
    if len(selected) <= n:
        return selected.copy()
    if labels is None:
        return np.sort(rng.choice(selected, size=n, replace=False))
    groups, inverse = np.unique(np.asarray(labels)[selected], return_inverse=True)
    sizes = np.bincount(inverse, minlength=len(groups))
    quota = sizes * n / len(selected)
    places = np.floor(quota).astype(int)
    if len(groups) <= n:  # every label is seen, however small its share
        places = np.maximum(places, 1)
    # Hand out what is left (or take back what the floor of one gave) by largest remainder.
    order = np.argsort(-(quota - np.floor(quota)), kind="stable")
    while places.sum() < n:
        for g in order:
            if places.sum() < n and places[g] < sizes[g]:
                places[g] += 1
    while places.sum() > n:
        # Take from a label that keeps at least one image, the one most above its share.
        g = int(np.argmax(np.where(places > 1, places - quota, -np.inf)))
        places[g] -= 1
    chosen = [np.sort(rng.choice(selected[inverse == g], size=places[g], replace=False))
              for g in range(len(groups)) if places[g]]
    return np.concatenate(chosen).astype(np.int64)


def walk_ends(selected_rows, labels=None) -> tuple[int, int]:
    """Two ends for a walk between selected rows: the first one, and the first after it with
    another label (a walk between two 0s shows little), else simply the second.

    Examples
    --------
    >>> walk_ends([3, 4, 9], labels=[0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    (3, 9)
    >>> walk_ends([3, 4])
    (3, 4)
    """
    rows = [int(r) for r in selected_rows]
    if len(rows) < 2:
        raise ValueError(f"selected_rows={rows!r} must hold at least 2 rows to walk between; "
                         "select two or more points on the map.")
    if labels is not None:
        labels = np.asarray(labels)
        for row in rows[1:]:
            if labels[row] != labels[rows[0]]:
                return rows[0], row
    return rows[0], rows[1]
