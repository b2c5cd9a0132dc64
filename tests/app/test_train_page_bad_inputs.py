"""Issue #7: every bad input a person can give the Train page, one AppTest each.

Each test checks three things: an ``st.error`` that names the problem in plain words, no
exception element, and that the app keeps working afterwards: the upload accepted before the
bad one is still the active dataset (nothing a person made is lost) and a new good upload is
accepted. The readers themselves are tested directly, case by case, in
``tests/core/data/test_upload_tables.py`` and its neighbours.
"""

import io
import re
import zipfile

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from tests.builders import APP, png_declaring, readable, record_slots

pytestmark = pytest.mark.slow  # every test here takes more than ~2 s (see pytest.ini)

TIMEOUT = 180  # TensorFlow's import alone can take longer than AppTest's 3 s default.
MIME = {".csv": "text/csv", ".npy": "application/octet-stream", ".npz": "application/octet-stream",
        ".zip": "application/zip"}


# ----------------------------------------------------------------- files, good and bad


def _table(n_rows: int, n_columns: int, seed: int) -> bytes:
    """A good numeric CSV: n_rows x n_columns of seeded normal values."""
    values = np.random.default_rng(seed).normal(size=(n_rows, n_columns)) * np.arange(1, n_columns + 1)
    header = ",".join(f"f{j}" for j in range(n_columns))
    return ("\n".join([header] + [",".join(f"{v:.5f}" for v in row) for row in values]) + "\n").encode()


def _rows(header: str, make_row, n: int = 20) -> bytes:
    return ("\n".join([header] + [make_row(i) for i in range(n)]) + "\n").encode()


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _zip(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _png(size=(10, 12), value=128, noise_seed=None) -> bytes:
    from PIL import Image

    if noise_seed is None:
        image = Image.new("L", size, value)
    else:
        image = Image.fromarray(np.random.default_rng(noise_seed).integers(0, 256, size[::-1], dtype=np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


#: name -> (file name, content factory, regex the st.error must match).
BAD_UPLOADS = {
    # CSV
    "csv empty": ("empty.csv", lambda: b"", r"empty \(0 bytes\)"),
    "csv header only": ("header.csv", lambda: b"a,b,c\n", r"header \(a, b, c\) but no data rows"),
    "csv one row": ("one_row.csv", lambda: b"a,b,c\n1,2,3\n", r"1 data row\(s\); an autoencoder needs at least 10"),
    "csv one column": ("one_column.csv", lambda: _rows("a", str), r"single column \('a'\).*at least 2 numeric"),
    "csv non-numeric only": ("names.csv", lambda: _rows("name,city", lambda i: f"n{i},c{i % 4}"),
                             r"0 usable numeric column\(s\).*non-numeric: name, city"),
    "csv mixed types": ("mixed.csv", lambda: _rows("a,b", lambda i: f"{i},{i * i if i % 2 else 'n/a?'}", n=18),
                        r"Only 9 of 18 rows are complete.*text in numeric column 'b' \('n/a\?'"),
    "csv nan and inf": ("nan_inf.csv",
                        lambda: _rows("a,b", lambda i: f"{'nan' if i % 2 else i},{'inf' if i % 2 == 0 else i}"),
                        r"10 infinite value\(s\) \(data rows 1, 3, 5 and 7 more\).*at most 1e15"),
    "csv constant columns": ("constant.csv", lambda: _rows("a,b,c", lambda i: "1,2,3"),
                             r"0 usable numeric column\(s\).*constant: a, b, c"),
    "csv 10^6 rows": ("rows.csv", lambda: b"a,b\n" + b"1,2\n" * 1_000_000,
                      r"1,000,000 rows; the limit is 200,000"),
    "csv 10^4 columns": ("columns.csv",
                         lambda: (",".join(f"c{i}" for i in range(10_000)) + "\n").encode()
                         + (b"1," * 9_999 + b"1\n") * 12,
                         r"10,000 columns; the limit is 5,000"),
    "csv wrong delimiter": ("colons.csv", lambda: _rows("a:b:c", lambda i: f"{i}:{i * i}:{i % 3}"),
                            r"single column.*separate the values with commas, semicolons, tabs"),
    "csv non-utf8": ("sjis.csv", lambda: "データ,b\n".encode("shift_jis") + _rows("x,y", lambda i: f"{i},{i}"),
                     r"not UTF-8 text.*CSV UTF-8"),
    "csv binary renamed": ("photo.csv", lambda: _png(), r"looks like a PNG image, not a CSV"),
    # NPY / NPZ
    "npy pickled objects": ("objects.npy", lambda: _npy(np.array([{"a": 1}] * 20, dtype=object)),
                            r"pickled data.*refused for safety"),
    "npz pickled objects": ("objects.npz", lambda: _npz(X=np.array([{"a": 1}] * 20, dtype=object)),
                            r"pickled data.*refused for safety"),
    "npy wrong dtype": ("text.npy", lambda: _npy(np.array(["a"] * 40).reshape(20, 2)),
                        r"dtype <U1 \(text\); a numeric array"),
    "npy wrong shape": ("5d.npy", lambda: _npy(np.zeros((20, 2, 2, 2, 2))), r"shape \(20, 2, 2, 2, 2\); expected"),
    "npy 1-D": ("vector.npy", lambda: _npy(np.arange(20.0)), r"1-D \(shape \(20,\)\)"),
    # ZIP of images
    "zip non-images": ("texts.zip", lambda: _zip({f"{i}.txt": b"hello" for i in range(12)}),
                       r"0 readable PNG/JPEG.*12 not PNG or JPEG images"),
    "zip truncated images": ("cut.zip", lambda: _zip({f"{i}.png": _png((64, 64), noise_seed=i)[:400]
                                                     for i in range(12)}),
                             r"0 readable PNG/JPEG.*12 truncated or damaged images"),
    "zip decompression bomb": ("bomb.zip", lambda: _zip({f"{i}.png": png_declaring(30_000, 30_000)
                                                        for i in range(12)}),
                               r"0 readable PNG/JPEG.*too large to decode safely.*30000x30000"),
    "zip empty": ("empty.zip", lambda: _zip({}), r"ZIP archive is empty"),
    "zip path traversal": ("evil.zip", lambda: _zip({"../evil.png": _png(), **{f"{i}.png": _png() for i in range(12)}}),
                           r"unsafe path '\.\./evil\.png'.*refusing the archive"),
}


# ----------------------------------------------------------------- app helpers


@pytest.fixture()
def train_page():
    """The Train page with a good 40 x 12 CSV uploaded and accepted (12 features > the preset's 10)."""
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("aecore_app/app_pages/train.py").run()
    at.selectbox(key="train.dataset").set_value("upload").run()
    _upload(at, "good.csv", _table(40, 12, seed=0))
    _assert_clean(at)
    assert _active_summary(at).startswith("40 samples · 12 features"), _captions(at)
    return at


def _upload(at, name: str, content: bytes) -> None:
    at.file_uploader(key="train.upload").set_value((name, content, MIME[name[name.rindex("."):]])).run()


def _captions(at) -> list[str]:
    return [readable(c.value) for c in at.caption]


def _active_summary(at) -> str:
    """The dataset summary line the page shows for the active dataset."""
    lines = [c for c in _captions(at) if re.match(r"[\d,]+ samples · ", c)]
    assert len(lines) == 1, _captions(at)
    return lines[0]


def _no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _assert_clean(at) -> None:
    _no_exception(at)
    assert not at.error, [e.value for e in at.error]


def _assert_error(at, pattern: str) -> None:
    _no_exception(at)
    # The page escapes Markdown in messages built from uploads; compare the text a person reads.
    messages = [readable(e.value) for e in at.error]
    assert any(re.search(pattern, m, re.S) for m in messages), (pattern, messages)


def _assert_survives(at) -> None:
    """The earlier upload is still active, and a new good upload is accepted."""
    _no_exception(at)
    assert _active_summary(at).startswith("40 samples · 12 features"), _captions(at)
    _upload(at, "another.csv", _table(25, 16, seed=1))
    _assert_clean(at)
    assert _active_summary(at).startswith("25 samples · 16 features"), _captions(at)


# ----------------------------------------------------------------- bad files


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_upload_is_a_message_and_the_app_survives(train_page, case):
    name, make, pattern = BAD_UPLOADS[case]
    _upload(train_page, name, make())
    _assert_error(train_page, pattern)
    _assert_survives(train_page)


def test_zip_of_mixed_sizes_is_accepted_and_resized_with_a_note(train_page):
    files = {f"{i}.png": _png(size=(10, 12) if i % 2 else (30, 20), value=20 * i) for i in range(12)}
    _upload(train_page, "mixed_sizes.zip", _zip(files))
    _assert_clean(train_page)
    assert _active_summary(train_page).startswith("12 samples · 28x28 images")
    assert any("2 different sizes (10x12, 30x20)" in c and "resized to 28x28" in c
               for c in _captions(train_page)), _captions(train_page)


# ----------------------------------------------------------------- bad parameters


def _tiny_settings(at, **changes) -> None:
    """Small, fast settings for the recommended preset; ``changes`` maps widget suffix -> value."""
    settings = {"k": 2, "epochs": 2, "batch": 16, **changes}
    at.text_input(key="train.hidden.recommended").set_value("32").run()
    for suffix, value in settings.items():
        widget = (at.selectbox if suffix == "opt" else at.number_input)(key=f"train.{suffix}.recommended")
        widget.set_value(value).run()


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_latent_size_not_below_features_is_a_message(train_page):
    train_page.number_input(key="train.k.recommended").set_value(12).run()
    _assert_error(train_page, r"latent size \(12\) must be smaller than the number of features \(12\)")
    train_page.number_input(key="train.k.recommended").set_value(2).run()
    _assert_clean(train_page)
    assert train_page.button(key="train.go") is not None
    _assert_survives(train_page)


def test_batch_larger_than_the_data_just_works(train_page):
    _tiny_settings(train_page, batch=4096)
    train_page.button(key="train.go").click().run()
    _assert_clean(train_page)
    assert "AE / PCA" in _metrics(train_page)


def test_learning_rate_that_makes_the_loss_nan_keeps_the_last_good_model(train_page):
    _tiny_settings(train_page)
    train_page.button(key="train.go").click().run()
    _assert_clean(train_page)
    good = _metrics(train_page)
    assert "AE / PCA" in good
    # SGD at learning rate 10 with batches of 1 overflows within the first epoch.
    _tiny_settings(train_page, opt="sgd", lr=10.0, batch=1)
    train_page.button(key="train.go").click().run()
    _assert_error(train_page, r"loss became NaN.*lower the learning rate")
    # The model trained before is untouched and still shown once the page reruns.
    train_page.run()
    _no_exception(train_page)
    assert _metrics(train_page) == good
    _assert_survives(train_page)


def test_loss_turning_nan_later_keeps_the_best_weights(train_page):
    """NaN after some good epochs: training stops, the best epoch's weights are kept and used."""
    _tiny_settings(train_page, opt="sgd", lr=10.0, batch=128, epochs=30)
    train_page.button(key="train.go").click().run()
    _no_exception(train_page)
    assert not train_page.error, [e.value for e in train_page.error]
    told = [m.value for m in [*train_page.success, *train_page.warning]]
    assert any("NaN" in m and "last good weights" in m for m in told), told
    epochs = _metrics(train_page)["Epochs"]
    assert re.fullmatch(r"\d+ \(best \d+\)", epochs) and int(epochs.split()[0]) < 30, epochs


def test_decoding_a_zip_of_images_takes_a_job_slot(train_page, monkeypatch):
    """Issue 14: image decoding is long work, bounded like training (one of the server's slots)."""
    from aecore_app import caches

    taken = record_slots(monkeypatch)
    _upload(train_page, "digits.zip", _zip({f"{i}.png": _png(value=20 * i) for i in range(12)}))
    _assert_clean(train_page)
    assert taken == ["image decoding"]
    assert caches.job_slots().in_use == 0
