"""The Latent space page's search and isolation: find points by their label or any column (ringed
on the map, "n of N match"), and map only a selection or the matches again with their own PCA,
t-SNE or UMAP, with a way back. The search, the isolation and its view are kept in the link;
whatever a person or a link typed is escaped before it is shown."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from aecore.data import datasets as aedata
from aecore.maps import search
from aecore.maps.projection import METHODS

from .analyses import MapView
from .i18n import t
from .latent_ui import colour_options, map_settings_of, map_view_ui
from .layout import escape_markdown

#: Most selected rows a link carries for an isolated selection, and the characters their ids may
#: take (six digits and a comma each, for the budget's 200,000 rows); a search's matches are
#: re-found from the search itself, however many. The page declares the link's parameters.
ISO_LINK_ROWS = 80
ISO_LINK_CHARS = 7 * ISO_LINK_ROWS


def search_columns(ds: aedata.Dataset) -> dict[str, str]:
    """Search choices as stable codes ("column:NAME" for a feature) -> the text shown."""
    columns = {code: name for code, name in colour_options(ds).items() if code != "none"}
    return {**columns, "row": t("latent.find_row")}


def _column_values(ds: aedata.Dataset, column: str, errors):
    """``(one value per row, numeric)`` of a search column; ``errors()`` is called only for its column."""
    if column == "label":
        if ds.label_names is None:
            return ds.y, True
        return np.asarray(ds.label_names)[ds.y], False
    if column == "error":
        return errors(), True
    if column == "row":
        return np.arange(ds.n_samples), True
    return ds.X[:, ds.feature_names.index(column.removeprefix("column:"))], True


def _keep(key: str) -> None:
    """Copy a search widget's value into the session key the link reads (left out when empty)."""
    value = st.session_state.get(f"{key}.w")
    if value in ("", None):
        st.session_state.pop(key, None)
    else:
        st.session_state[key] = value


def search_ui(ds: aedata.Dataset, errors) -> np.ndarray | None:
    """The search's column and query; the rows it matches (a mask over every row), ``None`` without
    a query. A query it cannot read is said in plain words, quoted escaped. The widgets start from
    the link's keys (``latent.find_col``, ``latent.find``), which hold a search only while it has a
    query, so an unused search adds nothing to the link."""
    columns = search_columns(ds)
    st.session_state["latent.find_col.w"] = st.session_state.get("latent.find_col", next(iter(columns)))
    st.session_state["latent.find.w"] = st.session_state.get("latent.find", "")
    left, right = st.columns([1, 2])
    column = left.selectbox(t("latent.find_in"), list(columns), format_func=columns.get, key="latent.find_col.w",
                            on_change=_keep, args=("latent.find_col",))
    query = right.text_input(t("latent.find"), key="latent.find.w", max_chars=search.MAX_QUERY_CHARS,
                             placeholder=t("latent.find_placeholder"), help=t("latent.find_help"),
                             on_change=_keep, args=("latent.find",))
    if not query.strip():
        st.session_state.pop("latent.find_col", None)
        return None
    st.session_state["latent.find_col"] = column
    values, numeric = _column_values(ds, column, errors)
    try:
        return search.find_rows(values, query, numeric=numeric)
    except ValueError as exc:
        st.error(t("latent.find_refused", error=escape_markdown(exc)))
        return None


def matches_caption(found: np.ndarray | None, on_map: int | None = None) -> None:
    """"n of N match", and how many of them the map shows when it shows some rows only."""
    if found is None:
        return
    query = escape_markdown(st.session_state.get("latent.find", ""), 60)
    alone = st.session_state.get("latent.iso") == "find"  # the map shows the matches alone, unringed
    text = t("latent.find_count_alone" if alone else "latent.find_count", n=int(found.sum()), total=len(found),
             query=query)
    if on_map is not None and on_map != int(found.sum()):
        text += " " + t("latent.find_on_map", n=on_map)
    st.caption(text)


def isolate_buttons_ui(chosen: np.ndarray, found: np.ndarray | None) -> None:
    """"Map only these": the selection's or the matches' own map (a full rerun draws it)."""
    options = []
    if len(chosen) >= search.MIN_ISOLATED_ROWS:
        options.append(("sel", t("latent.iso_selection", n=len(chosen))))
    if (found is not None and int(found.sum()) >= search.MIN_ISOLATED_ROWS
            and st.session_state.get("latent.iso") != "find"):  # not when the map shows the matches already
        options.append(("find", t("latent.iso_matches", n=int(found.sum()))))
    for (kind, label), column in zip(options, st.columns(max(len(options), 1))):
        if column.button(label, key=f"latent.iso_{kind}", icon=":material/filter_center_focus:"):
            st.session_state["latent.iso"] = kind
            st.session_state.pop("latent.iso_rows", None)
            if kind == "sel":
                st.session_state["latent.iso_all"] = tuple(int(i) for i in chosen)
                if len(chosen) <= ISO_LINK_ROWS:
                    st.session_state["latent.iso_rows"] = st.session_state["latent.iso_all"]
            st.session_state.pop("latent.sel", None)  # the old map's selection is not the new map's
            st.rerun(scope="app")


def _isolated_rows(found: np.ndarray | None) -> np.ndarray | None:
    """The rows the isolation in force maps, or None (none in force, or it lost its rows)."""
    kind = st.session_state.get("latent.iso")
    if kind == "find":
        return None if found is None else np.flatnonzero(found)
    if kind == "sel":
        rows = st.session_state.get("latent.iso_all") or st.session_state.get("latent.iso_rows")
        return None if not rows else np.asarray(rows, dtype=np.int64)
    return None


def _back() -> None:
    """Leave the isolation: the whole map again (a button's callback, before the rerun)."""
    for key in ("latent.iso", "latent.iso_rows", "latent.iso_all", "latent.iso_view"):
        st.session_state.pop(key, None)


def isolation_ui(model_id: str, codes: np.ndarray, found: np.ndarray | None, method: str,
                 names: dict[str, str]) -> tuple[MapView, str] | None:
    """The isolated rows' own 2-D map (its view chosen here, "Back to every point" beside it) and
    its method, as a view whose ids are the data's rows; ``None`` when no isolation is in force."""
    if not st.session_state.get("latent.iso"):
        return None
    rows = _isolated_rows(found)
    try:
        if rows is None:
            raise ValueError(t("latent.iso_lost"))
        rows = search.isolation_rows(rows, len(codes))
    except ValueError as exc:
        st.error(t("latent.iso_refused", error=escape_markdown(exc)))
        _back()
        return None
    left, right = st.columns([3, 1])
    if "latent.iso_view" not in st.session_state:
        st.session_state["latent.iso_view"] = method if method in METHODS else "pca"
    iso_method = left.radio(t("latent.iso_view"), METHODS, format_func=names.get, horizontal=True,
                            key="latent.iso_view")
    right.button(t("latent.iso_back"), key="latent.iso_back", on_click=_back, icon=":material/undo:")
    what = t("latent.iso_what_sel" if st.session_state["latent.iso"] == "sel" else "latent.iso_what_find")
    st.info(t("latent.iso_note", n=len(rows), total=len(codes), what=what, view=names[iso_method]),
            icon=":material/filter_center_focus:")
    if st.session_state["latent.iso"] == "sel" and len(rows) > ISO_LINK_ROWS:
        st.caption(t("latent.iso_link_note", n=ISO_LINK_ROWS))
    digest = hashlib.sha256(rows.tobytes()).hexdigest()[:16]
    local = map_view_ui(f"{model_id}-iso-{digest}", iso_method, names[iso_method], 2, codes[rows],
                        map_settings_of(iso_method))
    if local is None:
        return None
    # The same view, its points named by the data's rows: colours, selections, scores and
    # downloads take their rows through it as through a sampled map's.
    return MapView(local.points, local.seconds, rows[local.ids], len(codes), local.key, local.placed), iso_method
