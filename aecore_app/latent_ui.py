"""The Latent space page's map helpers: what the points can be coloured by, the rows a person
selected (kept in the link), the map's own settings (kept in the link) with the scores of the map
they give, and the table that scores each view."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from aecore import params
from aecore.data import datasets as aedata
from aecore.figures import builders as figures
from aecore.maps.map_settings import MAP_SETTINGS, help_key
from aecore.maps.selection import rows_in_regions, selected_ids, strip_rows

from .analyses import draw_seconds, projection_of
from .caches import view_scores_of
from .i18n import t
from .layout import escape_markdown, metric_row
from .model_links import setting_param
from .url import Param


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


def _settings_key(setting: params.Setting) -> str:
    """The session key holding a map setting, bound to the link (it outlives its widget, which
    Streamlit forgets while another view is shown)."""
    return f"latent.{setting.url}"


def map_settings_params() -> dict[str, Param]:
    """Session key -> link parameter of every map setting (``perplexity``, ``neighbors``, ...)."""
    return {_settings_key(s): setting_param(s) for settings in MAP_SETTINGS.values() for s in settings}


def map_settings_of(method: str) -> dict:
    """The map settings of ``method`` this session chose (or a link set); the defaults otherwise."""
    return {s.name: st.session_state.get(_settings_key(s), s.default) for s in MAP_SETTINGS.get(method, ())}


def _keep_submitted(method: str) -> None:
    """Copy the submitted widgets' values into the session keys the link and the map read."""
    for s in MAP_SETTINGS[method]:
        st.session_state[_settings_key(s)] = st.session_state[_settings_key(s) + ".w"]


def map_settings_ui(method: str) -> dict:
    """The "Map settings" form of the view in use (nothing for PCA and raw codes): the map is
    redrawn when the form is sent, not at every step of a number. Returns the settings in use."""
    if method not in MAP_SETTINGS:
        return {}
    chosen = map_settings_of(method)
    with st.expander(t("latent.map_settings")), st.form(f"latent.map_settings.{method}", border=False):
        columns = st.columns(len(MAP_SETTINGS[method]))
        for column, s in zip(columns, MAP_SETTINGS[method]):
            # The widget starts from the chosen value (set before it is created: no default of its own).
            st.session_state[_settings_key(s) + ".w"] = s.type(chosen[s.name])
            bounds = {"min_value": s.type(s.low), "max_value": s.type(s.high), "step": s.type(s.step)}
            column.number_input(t(s.label_key), **bounds, key=_settings_key(s) + ".w",
                                format=None if s.type is int else "%g",
                                help=t(help_key(s), default=params.number_text(s.default),
                                       low=params.number_text(s.low), high=params.number_text(s.high)))
        st.form_submit_button(t("latent.map_redraw"), on_click=_keep_submitted, args=(method,))
    return chosen


def map_view_ui(model_id: str, method: str, name: str, dims: int, codes: np.ndarray, settings: dict):
    """The view of the codes with ``settings``, its expected time said while it is computed; a map
    the settings or the budget refuse is said in plain words (``None``: the page stops)."""
    from contextlib import nullcontext

    from aecore.maps import projection

    try:
        seconds = 0.0 if method == "raw" else projection.estimate_seconds(method, len(codes), dims, **settings)
        busy = (st.spinner(t("latent.computing", view=name, n=len(codes),
                             seconds=max(1.0, seconds + draw_seconds(len(codes)))))
                if method != "raw" else nullcontext())
        with busy:
            view = projection_of(model_id, method, dims, codes, settings=settings)
    except ValueError as exc:
        st.error(t("latent.map_refused", view=name, error=escape_markdown(exc)))
        return None
    if method == "tsne":
        st.caption(t("latent.tsne_settings", n=len(view.points), perplexity=params.number_text(settings["perplexity"]),
                     learning_rate=params.number_text(settings["learning_rate"])))
        if view.placed:
            st.caption(t("latent.tsne_placed", embedded=view.n_total - view.placed, placed=view.placed))
    return view


def map_scores_ui(view, ds: aedata.Dataset) -> None:
    """The map's trustworthiness and kNN accuracy beside it, so that a setting's cost in
    faithfulness shows with the map it drew."""
    try:
        trust, knn = view_scores_of(view.key, view, ds.X, ds.y)
    except ValueError:  # a few points mapped on their own: a label with one point has no kNN score
        trust, knn = view_scores_of(view.key, view, ds.X, None)
    metric_row([(t("latent.column_trustworthiness"), f"{trust:.3f}", t("latent.help_trustworthiness")),
                (t("latent.column_knn"), "–" if knn is None else f"{knn:.3f}", t("latent.help_knn"))])


def quality_key(model_id: str) -> tuple:
    """What the views table was computed for: the model and every method's map settings."""
    return (model_id, *(tuple(map_settings_of(method).items()) for method in MAP_SETTINGS))


def view_quality_rows(model_id: str, methods: list[str], codes: np.ndarray, ds: aedata.Dataset) -> list[dict]:
    """Trustworthiness and kNN accuracy of each 2D view with this session's map settings, each
    scored on the rows it shows (a random subsample above the budget)."""
    rows = []
    for method in methods:
        view = projection_of(model_id, method, 2, codes, settings=map_settings_of(method))
        trust, knn = view_scores_of(view.key, view, ds.X, ds.y)
        rows.append({"view": method, "rows": len(view.points), "seconds": round(view.seconds, 2),
                     "trustworthiness": trust, "kNN accuracy": knn})
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
