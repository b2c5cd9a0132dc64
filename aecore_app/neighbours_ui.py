"""The Latent page's neighbours panel: a picked sample's nearest rows in code space next to its
nearest rows in input space, with the share of each that shares its label."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from aecore.data import datasets as aedata
from aecore.figures import builders as figures
from aecore.maps.neighbours import label_agreement, neighbours_of

from . import caches, tour
from .i18n import t
from .session import run_exclusive

#: Samples whose neighbours are averaged for the whole-map measure.
AGREEMENT_QUERIES = 300


def _label_text(ds: aedata.Dataset, row: int) -> str:
    if ds.y is None:
        return f"#{row}"
    label = ds.label_names[ds.y[row]] if ds.label_names is not None else ds.y[row]
    return f"#{row} ({label})"


def _share_text(share: float | None, k: int) -> str:
    return "" if share is None else t("neighbours.share", same=round(share * k), k=k)


def _rows_ui(column, ds: aedata.Dataset, rows: np.ndarray, heading: str, key: str) -> None:
    column.markdown(heading)
    if ds.is_image:
        column.plotly_chart(figures.reconstruction_grid([ds.X[rows]], [""], ds.image_shape,
                                                        captions=[_label_text(ds, int(r)) for r in rows]),
                            key=key)
    else:
        frame = pd.DataFrame(ds.X[rows], index=rows, columns=ds.feature_names)
        if ds.y is not None:
            frame.insert(0, t("latent.colour_title_label"), ds.y[rows])
        column.dataframe(frame, width="stretch")


def neighbours_ui(ds: aedata.Dataset, codes: np.ndarray, chosen: np.ndarray, model_id: str,
                  view=None, axes: tuple[str, str] = ("z1", "z2")) -> None:
    """Pick one of the selected samples; show its nearest rows in code and in input space, and
    where they lie on the page's 2-D ``view`` (its ``points`` and their row ``ids``)."""
    st.subheader(t("neighbours.title"))
    st.caption(t("neighbours.explain"))
    c1, c2 = st.columns([2, 1])
    options = [int(i) for i in chosen[:100]]
    row = c1.selectbox(t("neighbours.point"), options, format_func=lambda r: _label_text(ds, r),
                       key="latent.nb_point")
    if row not in options:  # a stale choice from an earlier selection
        row = options[0]
    k = c2.slider(t("neighbours.k"), 4, 16, 8, key="latent.nb_k")
    found = neighbours_of(row, codes, ds.X, k, ds.y)
    left, right = st.columns(2)
    _rows_ui(left, ds, found.code_rows,
             f"**{t('neighbours.in_codes', k=codes.shape[1])}** {_share_text(found.code_share, k)}", "latent.nb_codes")
    _rows_ui(right, ds, found.input_rows,
             f"**{t('neighbours.in_inputs')}** {_share_text(found.input_share, k)}", "latent.nb_inputs")
    if view is not None:
        st.plotly_chart(figures.neighbours_on_map(
            view.points, view.ids, row, found.code_rows, found.input_rows, labels=axes,
            names=(t("neighbours.map_sample", row=row), t("neighbours.map_codes"), t("neighbours.map_inputs")),
            title=t("neighbours.map_title")), key="latent.nb_map")
    if ds.y is None:
        return
    asked = tour.asks_for("measure")  # the tour's step shows the measure on arrival
    if st.button(t("neighbours.measure", n=AGREEMENT_QUERIES, k=k), key="latent.nb_measure") or asked:
        agreement = run_exclusive(caches.label_agreements(), (model_id, k, AGREEMENT_QUERIES), t("neighbours.job"),
                                  lambda: label_agreement(codes, ds.X, ds.y, k, n_queries=AGREEMENT_QUERIES))
        st.session_state["latent.nb_agreement"] = (model_id, k, agreement)
    stored = st.session_state.get("latent.nb_agreement")
    if stored and stored[:2] == (model_id, k):
        in_codes, in_inputs = stored[2]
        st.info(t("neighbours.agreement", n=AGREEMENT_QUERIES, k=k, codes=in_codes, inputs=in_inputs))
