"""Which rows a person selected on a Plotly map: a pure function, testable without a browser.

``st.plotly_chart(fig, on_select="rerun", selection_mode=("points", "box", "lasso"))`` returns
an event shaped like this (a read-only dict that also allows attribute access)::

    {"selection": {"points": [{"curve_number": 2, "point_number": 9, "point_index": 9,
                               "x": 3.6, "y": 7.2, "customdata": [812]}, ...],
                   "point_indices": [9, ...], "box": [...], "lasso": [...]}}

``point_index`` counts within one trace, and every colour of a map is its own trace, so it
does not identify a row. The figure builders in :mod:`aecore.figures` therefore carry each
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
