"""The Generate page's latent traversal: a sample's code moved along its units, the sliders beside
the picture they change, and the grid of every chosen unit moved alone (rows) by -3 to +3 standard
deviations (columns)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from aecore.figures import builders as figures
from aecore.maps.latent_walk import traversal_grid, traverse

from .i18n import t
from .page_link import sync_url

#: The grid's columns: how far each unit is moved, in its standard deviations.
GRID_OFFSETS = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)
#: Units with a slider and a grid row before any is chosen (every unit can be chosen).
FIRST_UNITS = 8


def _height(n_rows: int, n_cols: int, width: int = 500) -> int:
    """A mosaic's height for its width, so that square images are drawn without blank bands."""
    return int(90 + width * n_rows / n_cols)


@st.fragment
def traverse_ui(ds, reducer, codes: np.ndarray) -> None:
    k = codes.shape[1]
    controls, picture = st.columns([1, 2])
    sample = controls.number_input(t("generate.around_sample"), 0, ds.n_samples - 1, 0, key="generate.around",
                                   persist_state="page")
    names = [f"z{d + 1}" for d in range(k)]
    units = controls.multiselect(t("generate.units"), range(k), default=list(range(min(k, FIRST_UNITS))),
                                 format_func=names.__getitem__, key="generate.units", persist_state="page") or [0]
    controls.caption(t("generate.sliders_caption", shown=len(units), k=k))
    offsets = np.zeros(k)
    for d in units:
        offsets[d] = controls.slider(names[d], -3.0, 3.0, 0.0, 0.25, key=f"generate.z{d}", persist_state="page")
    moved = reducer.inverse_transform(traverse(codes, int(sample), offsets))
    decoded = reducer.inverse_transform(codes[sample][None].astype(np.float32))
    fig = figures.reconstruction_grid([np.concatenate([ds.X[sample][None], decoded, moved])], [""], ds.image_shape,
                                      captions=[t("common.original"), t("generate.decoded"), t("generate.moved")])
    fig.update_layout(height=_height(1, 3, 420))
    picture.plotly_chart(fig, key="generate.traverse")
    grid = reducer.inverse_transform(traversal_grid(codes, int(sample), units, GRID_OFFSETS))
    n = len(GRID_OFFSETS)
    fig = figures.reconstruction_grid([grid[i * n:(i + 1) * n] for i in range(len(units))],
                                      [names[d] for d in units], ds.image_shape, t("generate.grid_title"),
                                      [f"{o:+g} σ" for o in GRID_OFFSETS])
    fig.update_layout(height=_height(len(units), n))
    picture.plotly_chart(fig, key="generate.traverse_grid")
    sync_url()
