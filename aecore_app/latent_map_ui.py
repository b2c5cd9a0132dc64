"""The Latent space page's map: colour-by, the 2D/3D map with the search's matches ringed, the
selected samples and their neighbours, and "Map only these" for a selection or the matches."""

from __future__ import annotations

import numpy as np
import streamlit as st

from aecore.figures import builders as figures

from .i18n import t
from .latent_ui import colour_values, selected_samples_ui, selection_from
from .map_search_ui import isolate_buttons_ui, matches_caption
from .model_ui import LoadedModel
from .neighbours_ui import neighbours_ui
from .page_link import sync_url
from .passes import reconstruction_errors

#: Axis names of each view's map.
AXES = {"raw": "z", "pca": "PC", "tsne": "t-SNE ", "umap": "UMAP "}


def _title(view, name: str, isolated: bool) -> str:
    if isolated:
        return t("latent.map_title_isolated", view=name, n=len(view.points), total=view.n_total, seconds=view.seconds)
    if view.sampled:
        return t("latent.map_title_sample", view=name, n=len(view.points), total=view.n_total, seconds=view.seconds)
    return t("latent.map_title_shipped" if view.shipped else "latent.map_title", view=name, seconds=view.seconds)


@st.fragment
def map_ui(loaded: LoadedModel, view, method: str, name: str, dims: int, codes: np.ndarray,
           color_names: dict[str, str], found: np.ndarray | None = None, isolated: bool = False) -> None:
    """Colour-by, the map and the selected samples: a new colour or selection reruns only this.
    ``found`` (a mask over every row) rings the search's matches; ``isolated``: the view maps a
    selection or the matches on their own."""
    ds, reducer = loaded.dataset, loaded.reducer
    color_by = st.selectbox(t("latent.colour_by"), list(color_names), format_func=color_names.get,
                            key="latent.color")
    color, categorical, color_title = colour_values(ds, color_by, lambda: reconstruction_errors(loaded.id, reducer, ds.X))
    color, points, ids = view.take(color), view.points, view.ids
    # A map of the matches alone would ring every point: it rings nothing.
    ringed = None if found is None or st.session_state.get("latent.iso") == "find" else view.take(found)
    drawn = view.drawn()  # above MAP_DRAW_ROWS points a seeded random subset is drawn
    if drawn is not None:
        points, ids, color = points[drawn], ids[drawn], None if color is None else np.asarray(color)[drawn]
        ringed = None if ringed is None else ringed[drawn]
    axis = AXES[method]
    title = _title(view, name, isolated)
    if dims == 3:
        st.plotly_chart(figures.codings_scatter_3d(points, color, categorical=categorical, title=title,
                                                   labels=(f"{axis}1", f"{axis}2", f"{axis}3")),
                        key="latent.map3d")
        st.caption(t("latent.rotate_hint"))
        chosen = np.array([], dtype=int)
    else:
        fig = figures.codings_scatter(points, color, title, (f"{axis}1", f"{axis}2"), color_title,
                                      categorical=categorical, customdata=ids, highlight=ringed,
                                      highlight_name=t("latent.find_legend"))
        fig.update_layout(dragmode="select")  # box by default; lasso is one click away in the toolbar
        # An isolated map is another chart: a box drawn on the whole map must not select on it.
        event = st.plotly_chart(fig, on_select="rerun", selection_mode=("points", "box", "lasso"),
                                key="latent.map_iso" if isolated else "latent.map")
        chosen = selection_from(event, view.points, view.ids)
    matches_caption(found, None if found is None or not (view.sampled or isolated) else int(view.take(found).sum()))
    if view.sampled and not isolated:
        st.caption(t("ui.map_sample_note", view=name, n=len(view.points), total=view.n_total))
    if drawn is not None:
        st.caption(t("latent.drawn_note", drawn=len(drawn), n=len(view.points)))
    if dims == 2:
        isolate_buttons_ui(chosen, found)
    if len(chosen):
        selected_samples_ui(ds, reducer, chosen)
        neighbours_ui(ds, codes, chosen, loaded.id, view, (f"{axis}1", f"{axis}2"))
    elif dims == 2:
        st.caption(t("latent.select_hint"))
    sync_url()
