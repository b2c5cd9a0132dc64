"""The Latent space page's map helpers: what the points can be coloured by, the rows a person
selected (kept in the link), and the table that scores each view."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from aecore.data import datasets as aedata
from aecore.figures import builders as figures
from aecore.metrics import knn_accuracy, trustworthiness
from aecore.maps.selection import rows_in_regions, selected_ids, strip_rows

from .analyses import projection_of
from .i18n import t
from .layout import escape_markdown

#: The violins of the code dimensions are drawn from at most this many rows (every value is
#: sent to the browser: 0.3 s a rerun at 200,000 rows).
DISTRIBUTION_ROWS = 20_000


def colour_options(ds: aedata.Dataset) -> dict[str, str]:
    """Colour-by choices as stable codes ("column:NAME" for a feature) -> the text shown."""
    codes = (["label"] if ds.y is not None else []) + ["error", "none"]
    if not ds.is_image:
        codes += [f"column:{name}" for name in ds.feature_names]
    names = {"label": t("latent.colour_label"), "error": t("latent.colour_error"), "none": t("latent.colour_none")}
    return {code: names.get(code) or t("latent.colour_column", name=code.removeprefix("column:")) for code in codes}


def colour_values(ds: aedata.Dataset, choice: str, errors):
    """``(values per row or None, categorical, legend title)`` for a colour-by choice; ``errors()``
    gives the rows' reconstruction errors, called only for that choice (a pass of the model over
    every row: ~15 s at 200,000 rows)."""
    if choice == "label":
        labels = ds.y if ds.label_names is None else np.array(ds.label_names)[ds.y]
        return labels, True, t("latent.colour_title_label")
    if choice == "error":
        return errors(), False, t("latent.colour_title_error")
    if choice.startswith("column:"):
        name = choice.removeprefix("column:")
        return ds.X[:, ds.feature_names.index(name)], False, name
    return None, False, ""


def selection_from(event, points: np.ndarray | None = None, ids: np.ndarray | None = None) -> np.ndarray:
    """The rows selected on the map: a live selection goes into the session (and the link, its
    first 100 rows); without one, the rows a shared link named. With the map's ``points`` (and
    their row ``ids``), a box or lasso selects every point inside it, drawn or not."""
    chosen = selected_ids(event)
    if points is not None:
        try:
            regions = rows_in_regions(event, points, ids)
        except ValueError as exc:  # an event no browser of ours sends: its clicked points only
            st.error(t("latent.selection_refused", error=escape_markdown(exc)))
            regions = np.empty(0, dtype=np.int64)
        chosen = np.fromiter(dict.fromkeys([*chosen.tolist(), *regions.tolist()]), dtype=np.int64)
    if len(chosen):
        st.session_state["latent.sel"] = tuple(int(i) for i in chosen[:100])
        st.session_state["latent.sel_live"] = True
    elif st.session_state.pop("latent.sel_live", False):  # the person cleared their selection
        st.session_state.pop("latent.sel", None)
    else:
        chosen = np.array(st.session_state.get("latent.sel", ()), dtype=int)
    return chosen


def view_quality_rows(model_id: str, methods: list[str], codes: np.ndarray, ds: aedata.Dataset) -> list[dict]:
    """Trustworthiness and kNN accuracy of each 2D view, each scored on the rows it shows (a
    random subsample above the budget)."""
    rows = []
    for method in methods:
        view = projection_of(model_id, method, 2, codes)
        rows.append({"view": method, "rows": len(view.points), "seconds": round(view.seconds, 2),
                     "trustworthiness": trustworthiness(view.take(ds.X), view.points),
                     "kNN accuracy": knn_accuracy(view.points, view.take(ds.y)) if ds.y is not None else None})
    return rows


def view_quality_table_ui(rows: list[dict], names: dict[str, str]) -> None:
    """The views' scores; rows keep stable codes, names and headers are shown in the session's language."""
    table = pd.DataFrame(rows).round(3)
    table["view"] = [names.get(code, code) for code in table["view"]]
    st.dataframe(table.rename(columns={"view": t("latent.column_view"), "rows": t("latent.column_rows"),
                                       "seconds": t("common.seconds"),
                                       "trustworthiness": t("latent.column_trustworthiness"),
                                       "kNN accuracy": t("latent.column_knn")}),
                 hide_index=True, width="stretch")


def selected_samples_ui(ds: aedata.Dataset, reducer, chosen: np.ndarray) -> None:
    """The samples selected on the map: up to 24 with their reconstructions (a table for a
    table's rows), sampled across the whole selection by label, and the labels of the whole selection."""
    st.subheader(t("latent.selected", n=len(chosen)))
    shown = strip_rows(chosen, ds.y, n=24)
    if len(shown) < len(chosen):
        st.caption(t("latent.strip_note", shown=len(shown), n=len(chosen)))
    recon = reducer.reconstruct(ds.X[shown])
    if ds.is_image:
        st.plotly_chart(figures.reconstruction_grid([ds.X[shown], recon],
                                                    [t("common.original"), t("common.reconstruction")],
                                                    ds.image_shape, captions=[f"#{i}" for i in shown]),
                        key="latent.selected")
    else:
        st.dataframe(pd.DataFrame(ds.X[shown], index=shown, columns=ds.feature_names), width="stretch")
    if ds.y is not None:
        st.caption(t("latent.selection_labels", counts=", ".join(
            f"{v}: {c}" for v, c in zip(*np.unique(ds.y[chosen], return_counts=True)))))
