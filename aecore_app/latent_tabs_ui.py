"""The Latent space page's tabs below the map: thumbnails, the codes' distributions, the views'
quality and the downloads. The page draws only the open one: each visitor is sent every value of
every chart drawn (the violins and the thumbnails were most of the page's server time with 20
visitors at once, bench.class_load)."""

from __future__ import annotations

from functools import partial

import streamlit as st

from aecore.figures import builders as figures
from aecore.runs import projector

from .analyses import MapView, drawn_rows
from .caches import thumbnail_map_of
from .i18n import t
from .layout import coded_tabs, page_theme
from .latent_ui import quality_key, view_quality_rows, view_quality_table_ui
from .model_ui import LoadedModel
from .reports import codes_csv_button

#: The tabs' codes, as a link names them (``tab=``).
TABS = ("thumbnails", "distributions", "quality", "downloads")
#: The violins of the code dimensions are drawn from at most this many rows, a seeded sample the
#: title names: every value is sent to each visitor (the demo's 5,000 × 10 codes were the Latent
#: page's largest chart; 0.3 s a rerun at 200,000 rows).
DISTRIBUTION_ROWS = 2_000


def tabs_ui(loaded: LoadedModel, view: MapView, method: str, dims: int, codes, methods: list[str],
            names: dict[str, str]) -> None:
    """The four tabs, the open one drawn."""
    thumbnails, distributions, quality, downloads = coded_tabs("latent.tab", dict(zip(TABS, (
        t("latent.tab_thumbnails"), t("latent.tab_distributions"), t("latent.tab_quality"), t("common.downloads")))))
    if thumbnails.open:
        with thumbnails:
            _thumbnails_ui(loaded, view, method, dims)
    if distributions.open:
        with distributions:
            _distributions_ui(codes)
    if quality.open:
        with quality:
            _quality_ui(loaded, methods, codes, names)
    if downloads.open:
        with downloads:
            _downloads_ui(loaded, view, method, dims, codes, names)


def _thumbnails_ui(loaded: LoadedModel, view: MapView, method: str, dims: int) -> None:
    ds = loaded.dataset
    if ds.is_image and dims == 2:
        st.plotly_chart(thumbnail_map_of(view.key, method, view, ds.X, ds.image_shape, ds.y,
                                         background=page_theme()), key="latent.thumbs")
    else:
        st.caption(t("latent.thumbnails_note"))


def _distributions_ui(codes) -> None:
    shown = drawn_rows(len(codes), DISTRIBUTION_ROWS)
    st.plotly_chart(figures.latent_distributions(
        codes if shown is None else codes[shown],
        title=(t("latent.distributions_title") if shown is None
               else t("latent.distributions_title_sample", n=len(shown), total=len(codes)))),
                    key="latent.violins")
    if codes.shape[1] > 1:
        st.plotly_chart(figures.correlation_heatmap(codes, title=t("latent.correlation_title")), key="latent.corr")


def _quality_ui(loaded: LoadedModel, methods: list[str], codes, names: dict[str, str]) -> None:
    st.caption(t("latent.quality_caption"))
    if st.button(t("latent.compare_views"), key="latent.quality"):
        rows = view_quality_rows(loaded.id, [m for m in methods if m != "raw"], codes, loaded.dataset)
        st.session_state["latent.quality_rows"] = (quality_key(loaded.id), rows)
    stored = st.session_state.get("latent.quality_rows")
    if stored and stored[0] == quality_key(loaded.id):  # a table of other map settings is not shown
        view_quality_table_ui(stored[1], names)


def _downloads_ui(loaded: LoadedModel, view: MapView, method: str, dims: int, codes, names: dict[str, str]) -> None:
    ds = loaded.dataset
    d1, d2 = st.columns(2)
    # Made when clicked (at 60,000 rows writing both CSVs cost ~1 s a rerun), within the export limits.
    codes_csv_button(d1, t("common.codes_csv"), codes, ds.y, f"{ds.name}_codes.csv", "latent.dl.codes")
    # A subsample's CSV leads with the original row ids.
    codes_csv_button(d2, t("latent.view_csv", view=names[method]), view.points, view.take(ds.y),
                     f"{ds.name}_{method}_{dims}d.csv", "latent.dl.view", row_ids=view.rows)
    n_exported = projector.export_rows(len(codes), codes.shape[1])
    st.download_button(t("latent.export.projector_zip", n=n_exported),
                       partial(projector.projector_zip, codes, ds.y, ds.X if ds.is_image else None, ds.image_shape,
                               ds.label_names),
                       f"{ds.name}_projector.zip", "application/zip", key="latent.dl.projector",
                       help=t("latent.export.projector_help", n=n_exported))
