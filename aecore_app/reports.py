"""Downloads of a trained model: its codes (CSV, NumPy), its weights as a run ZIP, a
self-contained HTML report and its figures as PNG."""

from __future__ import annotations

import numpy as np
import streamlit as st

from aecore.runs import export, report
from aecore.presets import TrainConfig

from .i18n import t
from .layout import reason_text
from .session import ActiveData


def model_downloads_ui(reducer, config: TrainConfig, active: ActiveData, codes, metrics: dict, page: str) -> None:
    """The codes as CSV and NumPy, and the model as a run ZIP (``metrics`` go into the ZIP).

    Each file is made only when clicked (at 60,000 rows writing them on every rerun cost ~2 s).
    Above the export limits the CSV holds a stated random sample of rows and the NPY is refused."""
    ds = active.dataset
    d1, d2, d3 = st.columns(3)
    codes_csv_button(d1, t("common.codes_csv"), codes, ds.y, f"{ds.name}_codes.csv", f"{page}.dl.csv")
    try:
        export.check_npy(codes.shape)
        too_large = None
    except ValueError:  # said in the person's language below
        too_large = t("downloads.npy_too_large", mb=codes.size * 4 / 1e6, limit=export.MAX_NPY_VALUES * 4 / 1e6)
    d2.download_button(t("train.codes_npy"), lambda: export.npy_bytes(codes), f"{ds.name}_codes.npy",
                       "application/octet-stream", key=f"{page}.dl.npy", disabled=too_large is not None,
                       help=too_large)
    if too_large:
        d2.caption(too_large)
    d3.download_button(t("train.weights_zip"),
                       lambda: export.to_zip_bytes(reducer, config, active.key, metrics, scaling=ds.scaling),
                       f"{ds.name}_{config.kind}_k{config.n_components}.zip", "application/zip",
                       key=f"{page}.dl.zip")


def codes_csv_button(container, label: str, codes: np.ndarray, labels, file_name: str, key: str,
                     row_ids=None) -> None:
    """A codes CSV made when clicked. Above :data:`aecore.runs.export.MAX_CSV_VALUES` it holds a seeded
    random sample of rows, led by their row ids, and a caption under the button says so."""
    sample = export.csv_rows(*codes.shape)

    def make() -> bytes:
        if sample is None:
            return export.codes_csv(codes, labels, row_ids)
        ids = sample if row_ids is None else np.asarray(row_ids)[sample]
        return export.codes_csv(codes[sample], None if labels is None else np.asarray(labels)[sample], ids)

    container.download_button(label, make, file_name, "text/csv", key=key)
    if sample is not None:
        container.caption(t("downloads.csv_sample", n=len(sample), total=len(codes), limit=export.MAX_CSV_VALUES))


def report_downloads_ui(reducer, config: TrainConfig, active: ActiveData, train_idx, test_idx, page: str) -> None:
    """Download a self-contained HTML report of a trained model, and its figures as PNG.

    Both files are made only when clicked (Streamlit runs the callable on its own thread)."""
    ds = active.dataset
    title = t("report.title", kind=config.kind, k=config.n_components, data=ds.name)
    stem = f"{ds.name}_{config.kind}_k{config.n_components}"

    stopped = reason_text(reducer.stopped_reason_)  # t() needs the session: not inside the callables

    def made():
        figs, metrics = report.model_figures(reducer, ds.X, ds.y, image_shape=ds.image_shape,
                                             train_idx=train_idx, test_idx=test_idx)
        metrics.update(epochs=int(reducer.n_epochs_), best_epoch=int(reducer.best_epoch_),
                       stopped=stopped, samples=int(ds.n_samples))
        return figs, metrics

    def html() -> str:
        figs, metrics = made()
        return report.html_report(title, report.config_table(config), metrics, figs)

    def pngs() -> bytes:
        return report.png_zip(made()[0])

    left, right = st.columns(2)
    fit_rows, test_rows = min(len(train_idx), report.MAX_FIT_ROWS), min(len(test_idx), report.MAX_TEST_ROWS)
    if fit_rows < len(train_idx) or test_rows < len(test_idx):
        st.caption(t("downloads.report_sample", fit=fit_rows, train=len(train_idx), test=test_rows,
                     held_out=len(test_idx)))
    left.download_button(t("report.html"), html, f"{stem}_report.html", "text/html", key=f"{page}.dl.report",
                         icon=":material/description:", help=t("report.html_help"))
    problem = report.png_available()
    right.download_button(t("report.png"), pngs, f"{stem}_figures.zip", "application/zip",
                          key=f"{page}.dl.png", icon=":material/image:", disabled=problem is not None,
                          help=problem or t("report.png_help"))
