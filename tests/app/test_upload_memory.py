"""What uploads may hold in memory: per visitor and for the whole server, checked before parsing.

One server process serves every visitor, so an upload is refused from its headers (arrays), its
line and delimiter counts (CSVs) or the server's ledger of what every session holds, before
anything is parsed; a session's share is released when the session ends; a CSV cell too large for
the csv module is a plain ValueError.
"""

import gc
import io
import re

import numpy as np
import pytest
from numpy.lib import format as npy_format

from aecore.data import uploads
from aecore.budget import Budget
from tests.builders import APP, compressed_npz_of_zeros, readable

TIMEOUT = 180  # TensorFlow's import alone can take longer than AppTest's 3 s default.
MB = 1_000_000


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _zeros_and_ones_csv(n_rows: int, n_columns: int) -> bytes:
    """A CSV of 0/1 cells (header f0,f1,...), built as one byte array."""
    rng = np.random.default_rng(0)
    cells = np.full((n_rows, 2 * n_columns), ord(","), dtype=np.uint8)
    cells[:, 0::2] = ord("0") + rng.integers(0, 2, (n_rows, n_columns), dtype=np.uint8)
    cells[:, -1] = ord("\n")
    header = ",".join(f"f{j}" for j in range(n_columns)) + "\n"
    return header.encode() + cells.tobytes()


def _never(*args, **kwargs):
    raise AssertionError("the upload must be refused before it is parsed")


# ----------------------------------------------------------------- the library


def test_npz_at_the_array_limit_is_refused_for_what_it_would_hold(monkeypatch):
    """A 0.4 MB .npz of 10,000 x 5,000 int32 passes the array checks (400 MB with its copy) but
    would hold 200 MB as float32: over a visitor's share, refused from its header."""
    content = compressed_npz_of_zeros((10_000, 5_000), np.int32)
    assert len(content) < 1 * MB
    monkeypatch.setattr(npy_format, "read_array", _never)
    with pytest.raises(ValueError, match=r"200 MB.*the limit is 150 MB.*smaller sample"):
        uploads.read_upload(content, "zeros.npz")
    with pytest.raises(ValueError, match=r"200 MB.*the limit is 150 MB"):
        uploads.upload_nbytes(content, "zeros.npz")


def test_an_accepted_array_is_held_once_as_float32():
    X = np.random.default_rng(0).integers(0, 256, (300, 40)).astype(np.int64)
    content = _npz(X=X, y=np.arange(300) % 3)
    estimate = uploads.upload_nbytes(content, "small.npz")
    dataset = uploads.read_upload(content, "small.npz")
    assert dataset.X.dtype == np.float32 and dataset.X.base is None
    held = dataset.X.nbytes + dataset.y.nbytes
    assert held <= estimate <= 2 * held


@pytest.mark.slow
def test_a_4900_by_4900_csv_is_refused_before_pandas_parses(monkeypatch):
    import pandas as pd

    content = _zeros_and_ones_csv(4_900, 4_900)
    assert len(content) > 45 * MB
    monkeypatch.setattr(pd, "read_csv", _never)
    with pytest.raises(ValueError, match=r"24,010,000 values \(4,900 rows x 4,900 columns\); "
                                         r"the limit is 10,000,000.*fewer rows or columns"):
        uploads.read_upload(content, "zeros_and_ones.csv")


def test_a_csv_under_the_value_limit_is_read_and_estimated():
    content = _zeros_and_ones_csv(200, 30)
    estimate = uploads.upload_nbytes(content, "small.csv")
    dataset = uploads.read_upload(content, "small.csv")
    assert dataset.X.dtype == np.float32 and dataset.X.base is None
    assert dataset.X.nbytes <= estimate


def test_a_45_mb_cell_is_a_value_error():
    content = b"a,b\n" + b"1," + b"9" * (45 * MB) + b"\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(20))
    with pytest.raises(ValueError, match=r"45,000,000 characters.*the limit is 131,072 characters"):
        uploads.read_upload(content, "one_cell.csv")


# ----------------------------------------------------------------- the server's ledger


def test_uploads_of_several_sessions_over_the_server_limit_are_refused():
    from aecore_app.upload_ledger import UploadLedger

    budget = Budget()
    ledger = UploadLedger()
    share = 140 * MB
    for visitor in range(4):
        ledger.reserve(f"visitor-{visitor}", "data", share, budget=budget)
    assert ledger.total() == 4 * share
    with pytest.raises(ValueError, match=r"560 MB of uploads.*needs 50 MB.*limit is 600 MB.*later"):
        ledger.reserve("visitor-4", "data", 50 * MB, budget=budget)
    assert ledger.session_total("visitor-4") == 0
    # A session's new upload replaces its earlier one.
    ledger.reserve("visitor-0", "data", 60 * MB, budget=budget)
    ledger.reserve("visitor-4", "data", 50 * MB, budget=budget)
    assert ledger.total() == 3 * share + 110 * MB
    with pytest.raises(ValueError, match=r"160 MB.*the limit is 150 MB per visitor"):
        ledger.reserve("visitor-4", "encode", 110 * MB, budget=budget)


def test_a_sessions_share_is_released_when_the_session_ends():
    from aecore_app.upload_ledger import UploadLedger

    ledger = UploadLedger()
    token = ledger.token("visitor")
    ledger.reserve("visitor", "data", 100 * MB, budget=Budget())
    assert ledger.total() == 100 * MB
    del token
    gc.collect()
    assert ledger.total() == 0 and ledger.session_total("visitor") == 0


# ----------------------------------------------------------------- the app


@pytest.fixture(autouse=True)
def fresh_ledger(monkeypatch):
    """Each test starts with an empty ledger of its own (the server's is a module global); the
    fake visitors' entries a test adds go with it."""
    from aecore_app import upload_ledger

    monkeypatch.setattr(upload_ledger, "_LEDGER", upload_ledger.UploadLedger())


def _open_upload_page():
    """The Train page with "upload" chosen, in a fresh server (caches cleared, a fresh ledger)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("aecore_app/app_pages/train.py").run()
    at.selectbox(key="train.dataset").set_value("upload").run()
    return at


@pytest.fixture()
def upload_page():
    return _open_upload_page()


def _errors(at) -> list[str]:
    return [readable(e.value) for e in at.error]


@pytest.mark.slow
def test_app_refuses_an_upload_when_the_server_holds_too_much(upload_page, monkeypatch):
    from aecore_app.upload_ledger import upload_ledger

    at = upload_page
    ledger = upload_ledger()
    for visitor in range(4):
        ledger.hold(f"visitor-{visitor}", "data", 148 * MB)
    monkeypatch.setattr(uploads, "read_upload", _never)
    X = np.random.default_rng(0).random((2_000, 1_500), dtype=np.float32)
    at.file_uploader(key="train.upload").set_value(("big.npz", _npz(X=X), "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = _errors(at)
    assert any(re.search(r"592 MB of uploads for all visitors.*limit is 600 MB.*later", m)
               for m in errors), errors


@pytest.mark.slow
def test_app_shows_a_45_mb_cell_as_an_error(upload_page):
    at = upload_page
    content = b"a,b\n" + b"1," + b"9" * (45 * MB) + b"\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(20))
    at.file_uploader(key="train.upload").set_value(("cell.csv", content, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = _errors(at)
    assert any("45,000,000 characters" in m for m in errors), errors


@pytest.mark.slow
def test_app_accounts_a_sessions_upload_and_releases_it_when_the_session_ends():
    from aecore_app.upload_ledger import upload_ledger

    at = _open_upload_page()  # not a fixture: pytest would keep the session alive until teardown
    ledger = upload_ledger()
    session_id = "test session id"  # AppTest's fixed session id
    at.file_uploader(key="train.upload").set_value(("a.csv", _zeros_and_ones_csv(400, 30), "text/csv")).run()
    assert not at.exception and not at.error, _errors(at)
    first = ledger.session_total(session_id)
    assert first >= 400 * 30 * 4
    at.file_uploader(key="train.upload").set_value(("b.csv", _zeros_and_ones_csv(100, 30), "text/csv")).run()
    assert 0 < ledger.session_total(session_id) < first  # replaced, not added
    del at  # the session ends: its state, and the ledger's token in it, are dropped
    gc.collect()
    assert ledger.session_total(session_id) == 0
