"""Issue #14, case 8: an upload cannot exhaust the server.

Arrays are checked by their real item size (and the float32 copy the reader makes) from their
headers, before any value is read; a ZIP's images are checked against the decode budget (total
pixels) from their headers, before any image is decoded, and decoding stops when the progress
callback raises (the app's callback is where Streamlit raises on Stop); non-finite values and
magnitudes over 1e15 are refused at upload with their count, not at training.
"""

import io
import re
import tracemalloc

import numpy as np
import pytest
from numpy.lib import format as npy_format

from aecore.data import uploads
from aecore.budget import Budget
from tests.builders import APP, compressed_npz_of_zeros, readable, zip_bytes


def _rows(header: str, make_row, n: int = 20) -> bytes:
    return ("\n".join([header] + [make_row(i) for i in range(n)]) + "\n").encode()


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


_zip = zip_bytes


def _png(size: tuple[int, int], value: int = 0) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", size, value).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@pytest.fixture()
def decodes(monkeypatch):
    """Count the images whose pixels Pillow decodes: a file image's ``load`` with tiles pending
    (``Image.Image.load`` does nothing for a file image; ``ImageFile.load`` decodes it)."""
    from PIL import ImageFile

    counts = {"images": 0}
    real = ImageFile.ImageFile.load

    def counted(self):
        counts["images"] += bool(self.tile)
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counted)
    return counts


# ----------------------------------------------------------------- arrays by their real size


@pytest.mark.parametrize("dtype", [np.uint8, np.bool_])
def test_small_npz_of_a_huge_array_is_refused_before_loading(monkeypatch, dtype):
    """A 0.4 MB .npz of 20000 x 4900 one-byte zeros: 98 M values, 490 MB with the float32 copy."""
    content = compressed_npz_of_zeros((20_000, 4_900), dtype)
    assert len(content) < 1_000_000

    def never(*args, **kwargs):
        raise AssertionError("the array must be refused from its header, before loading")

    monkeypatch.setattr(npy_format, "read_array", never)
    monkeypatch.setattr(np, "load", never)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"98,000,000 values \(20,000 x 4,900\); the limit is "
                                             r"50,000,000 values\. Upload a smaller sample"):
            uploads.read_upload(content, "zeros.npz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20e6, f"{peak / 1e6:.0f} MB traced while refusing a header"


def test_an_explicit_budget_is_honoured():
    small = Budget(max_array_bytes=1_000, max_decode_pixels=100)
    with pytest.raises(ValueError, match="the limit is 0 MB"):
        uploads.read_upload(_npy(np.ones((40, 10), dtype=np.float32)), "x.npy", budget=small)
    with pytest.raises(ValueError, match="the limit is 100 pixels"):
        uploads.read_upload(_zip({f"{i}.png": _png((10, 12)) for i in range(12)}), "x.zip", budget=small)
    assert uploads.read_upload(_npy(np.eye(40)), "x.npy", budget=Budget.unlimited()).X.shape == (40, 40)


# ----------------------------------------------------------------- images: decode budget, stoppable


def test_zip_over_the_decode_budget_is_refused_before_any_decode(decodes):
    """12 black 2048 x 2048 PNGs (4 kB each, each under the per-image cap) hold 50 M pixels."""
    content = _zip({f"{i}.png": _png((2048, 2048)) for i in range(12)})
    assert len(content) < 100_000
    decodes["images"] = 0
    with pytest.raises(ValueError, match=r"hold 50,331,648 pixels in all; the limit is 40,000,000"):
        uploads.read_upload(content, "black.zip")
    assert decodes["images"] == 0


class StopDecoding(BaseException):
    """What Streamlit raises inside a widget update when the person presses Stop."""


def test_zip_decoding_reports_progress_and_stops_when_the_callback_raises(decodes):
    content = _zip({f"{i}.png": _png((10, 12), value=20 * i) for i in range(12)})
    decodes["images"] = 0
    calls = []
    ds = uploads.read_upload(content, "small.zip", progress=lambda done, total: calls.append((done, total)))
    assert ds.n_samples == 12 and calls == [(i, 12) for i in range(12)]
    assert decodes["images"] == 12

    decodes["images"] = 0
    calls.clear()

    def stop_on_third_call(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 3:
            raise StopDecoding

    with pytest.raises(StopDecoding):
        uploads.read_upload(content, "small.zip", progress=stop_on_third_call)
    assert len(calls) == 3 and decodes["images"] <= 3


# ----------------------------------------------------------------- non-finite and absurd values


def _images_with(value: float) -> np.ndarray:
    images = np.zeros((12, 4, 4))
    images[0, 0, 0], images[1, 1, 1] = value, -value
    return images


EXTREME = {
    "csv 1e308": ("big.csv", lambda: _rows("a,b,c", lambda i: f"{i},{'1e308' if i == 3 else ('-1e308' if i == 4 else i * i)},{i % 3}"),
                  r"2 value\(s\) larger than 1e15 in absolute value \(largest: 1e\+308\); the limit is 1e15\. Rescale"),
    "tsv 1e16": ("big.tsv", lambda: _rows("a\tb", lambda i: f"{i}\t{'1e16' if i == 7 else i % 4}"),
                 r"1 value\(s\) larger than 1e15.*largest: 1e\+16"),
    "csv inf": ("inf.csv", lambda: _rows("a,b", lambda i: f"{i},{'inf' if i == 5 else i % 4}"),
                r"1 infinite value\(s\) \(data row 6\).*finite and at most 1e15 in absolute value"),
    "npy table 1e308": ("big.npy", lambda: _npy(np.where(np.eye(20, 3) > 0, 1e308, 1.0)),
                        r"3 value\(s\) larger than 1e15.*the limit is 1e15"),
    "npy images 1e308": ("images.npy", lambda: _npy(_images_with(1e308)),
                         r"2 value\(s\) larger than 1e15.*largest: 1e\+308"),
    "npz float32 1e20": ("big.npz", lambda: _npz(X=np.where(np.eye(20, 3) > 0, 1e20, 1.0).astype(np.float32)),
                         r"3 value\(s\) larger than 1e15"),
    "npz uint64": ("big.npz", lambda: _npz(X=np.full((20, 3), 2**63, dtype=np.uint64)),
                   r"60 value\(s\) larger than 1e15"),
    "npy inf": ("inf.npy", lambda: _npy(np.where(np.eye(20, 3) > 0, np.inf, 1.0)),
                r"3 NaN or infinite value\(s\)"),
}


@pytest.mark.parametrize("case", list(EXTREME))
def test_extreme_values_are_refused_with_their_count(case):
    name, make, pattern = EXTREME[case]
    with pytest.raises(ValueError, match=pattern):
        uploads.read_upload(make(), name)


def test_values_at_the_limit_are_accepted():
    ds = uploads.read_upload(_rows("a,b", lambda i: f"{i},{'-1e15' if i == 2 else i % 4}"), "edge.csv")
    assert ds.X.shape == (20, 2) and np.isfinite(ds.X).all()
    images = uploads.read_upload(_npy(_images_with(1e15)), "edge.npy")
    assert np.isfinite(images.X).all() and images.X.min() == 0.0 and images.X.max() == 1.0


def test_a_table_with_an_extreme_value_is_refused():
    import pandas as pd

    frame = pd.DataFrame({"a": np.arange(20.0), "b": np.r_[np.arange(19.0), -3e17]})
    with pytest.raises(ValueError, match=r"The table has 1 value\(s\) larger than 1e15.*-3e\+17"):
        uploads.dataset_from_frame(frame)


def test_missing_cells_are_still_dropped_with_a_note():
    ds = uploads.read_upload(_rows("a,b", lambda i: f"{i},{'' if i == 5 else i % 4}"), "gaps.csv")
    assert ds.n_samples == 19 and any("missing values (data row 6)" in n for n in ds.notes)


# ----------------------------------------------------------------- the app


@pytest.mark.slow
def test_app_refuses_a_1e308_csv_and_keeps_the_earlier_upload():
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("aecore_app/app_pages/train.py").run()
    at.selectbox(key="train.dataset").set_value("upload").run()
    good = _rows(",".join(f"f{j}" for j in range(12)), lambda i: ",".join(f"{(i * 7 + j * 3) % 11 + j}" for j in range(12)), n=40)
    at.file_uploader(key="train.upload").set_value(("good.csv", good, "text/csv")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]

    bad = EXTREME["csv 1e308"][1]()
    at.file_uploader(key="train.upload").set_value(("big.csv", bad, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    # The page escapes Markdown in messages built from uploads; compare the text a person reads.
    errors = [readable(e.value) for e in at.error]
    assert any(re.search(r"2 value\(s\) larger than 1e15.*the limit is 1e15", m) for m in errors), errors
    summaries = [c.value for c in at.caption if re.match(r"[\d,]+ samples · ", c.value)]
    assert len(summaries) == 1 and summaries[0].startswith("40 samples · 12 features"), summaries
