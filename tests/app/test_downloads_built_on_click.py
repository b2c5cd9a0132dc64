"""Every download is built when clicked (a callable given to st.download_button, never bytes made on
each run), and what a click builds is bounded: codes CSVs keep a stated random sample of rows, a
large codes NPY is refused in plain words, the Projector export keeps fewer rows of wide codes and
the HTML report fits its PCA baseline on a sample."""

import io
import zipfile

import numpy as np
import pytest
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from aecore.runs import export, projector, report

from tests.builders import APP


@pytest.fixture()
def downloads(monkeypatch):
    """Every st.download_button call of the runs below: ``{key: (data, disabled, help)}``."""
    seen = {}
    original = DeltaGenerator.download_button

    def recording(self, label, data, *args, **kwargs):
        seen[kwargs.get("key")] = (data, kwargs.get("disabled", False), kwargs.get("help"))
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recording)
    # st.download_button is bound to the main container at import: it needs its own patch.
    monkeypatch.setattr(st, "download_button", lambda *args, **kwargs: recording(st._main, *args, **kwargs))
    return seen


def _visit(*pages: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["latent.tab"] = "downloads"  # the Latent page draws only its open tab
    for page in pages:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value[:300] for e in at.exception])
    return at


@pytest.mark.slow
def test_every_download_is_built_on_click(downloads):
    # The Latent page makes the shipped demo the current model; the Train page then offers its files.
    _visit("aecore_app/app_pages/latent.py", "aecore_app/app_pages/anomalies.py", "aecore_app/app_pages/generate.py", "aecore_app/app_pages/train.py")
    expected = {"latent.dl.codes", "latent.dl.view", "latent.dl.projector", "anomalies.dl", "generate.augment_dl",
                "train.dl.csv", "train.dl.npy", "train.dl.zip", "train.dl.report", "train.dl.png"}
    assert expected <= set(downloads), sorted(downloads)
    eager = sorted(key for key, (data, _, _) in downloads.items() if not callable(data))
    assert eager == [], f"downloads built on every run instead of on click: {eager}"


def test_over_the_limits_the_train_page_samples_the_csv_and_refuses_the_npy(downloads, monkeypatch):
    monkeypatch.setattr(export, "MAX_CSV_VALUES", 1_000)
    monkeypatch.setattr(export, "MAX_NPY_VALUES", 1_000)
    monkeypatch.setattr(report, "MAX_FIT_ROWS", 500)
    at = _visit("aecore_app/app_pages/latent.py", "aecore_app/app_pages/train.py")
    captions = " ".join(c.value for c in at.caption)
    make_csv, disabled, _ = downloads["train.dl.csv"]
    assert not disabled
    lines = make_csv().decode().splitlines()
    assert lines[0].startswith("row,z1,") and len(lines) - 1 == 1_000 // (len(lines[0].split(",")) - 2)
    assert f"random {len(lines) - 1:,} of the" in captions
    _, disabled, help_text = downloads["train.dl.npy"]
    assert disabled and "MB" in help_text and "python -m aecore encode" in help_text
    assert "fits PCA on a random 500 of the" in captions


def test_codes_csv_keeps_every_row_within_the_limit_and_a_seeded_sample_above():
    assert export.csv_rows(200_000, 10) is None  # the budget's largest data with 10 codes fit
    rows = export.csv_rows(200_000, 249)
    assert len(rows) == export.MAX_CSV_VALUES // 249 and np.all(np.diff(rows) > 0)
    assert np.array_equal(rows, export.csv_rows(200_000, 249))  # seeded: the same rows each click


def test_a_codes_npy_over_the_limit_is_refused_naming_size_limit_and_fix():
    export.check_npy((200_000, 10))
    with pytest.raises(ValueError, match=r"49,800,000 values \(199 MB\).*at most 12,500,000.*CSV"):
        export.check_npy((200_000, 249))


def test_projector_export_keeps_fewer_rows_of_wide_codes():
    assert projector.export_rows(200_000, 10) == projector.DEFAULT_MAX_ROWS
    assert projector.export_rows(200_000, 249) == projector.MAX_VALUES // 249
    codes = np.random.default_rng(0).random((300, 50), dtype=np.float32)
    payload = projector.projector_zip(codes, max_values=1_000)
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        assert len(archive.read(projector.TENSORS_FILE).decode().splitlines()) == 20


@pytest.mark.slow
def test_the_report_fits_pca_on_a_sample_of_large_data(digits):
    from aecore import AutoencoderReducer

    X = digits.X[:600]
    reducer = AutoencoderReducer(n_components=2, epochs=1, hidden_units=(16,), random_state=0).fit(X)
    _, metrics = report.model_figures(reducer, X, digits.y[:600], image_shape=(8, 8),
                                      max_fit_rows=100, max_test_rows=50)
    assert metrics["pca_fit_rows"] == 100 and metrics["test_rows"] == 50
    _, metrics = report.model_figures(reducer, X, digits.y[:600], image_shape=(8, 8))
    assert metrics["pca_fit_rows"] == 480 and metrics["test_rows"] == 120  # small data: every row
