import io
import zipfile

import numpy as np
import pytest

from aecore import data
from builders import png_declaring


def _seed_generate_3d_data(m, w1=0.1, w2=0.3, noise=0.1):
    """Seed 000's code, verbatim, on NumPy's global generator."""
    angles = np.random.rand(m) * 3 * np.pi / 2 - 0.5
    out = np.empty((m, 3))
    out[:, 0] = np.cos(angles) + np.sin(angles) / 2 + noise * np.random.randn(m) / 2
    out[:, 1] = np.sin(angles) * 0.7 + noise * np.random.randn(m) / 2
    out[:, 2] = out[:, 0] * w1 + out[:, 1] * w2 + noise * np.random.randn(m)
    return out


def test_generate_3d_data_reproduces_the_seed():
    np.random.seed(4)
    expected = _seed_generate_3d_data(60)
    expected = expected - expected.mean(axis=0, keepdims=0)
    np.testing.assert_allclose(data.generate_3d_data(60, seed=4), expected)


def test_generate_3d_data_is_centred_and_parametrised():
    X = data.generate_3d_data(500, w1=0.5, w2=-0.2, noise=0.0, seed=1)
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-12)
    # Without noise every point lies exactly on the plane x3 = w1 x1 + w2 x2.
    np.testing.assert_allclose(X[:, 2], 0.5 * X[:, 0] - 0.2 * X[:, 1], atol=1e-12)


@pytest.mark.parametrize("kwargs", [dict(m=1), dict(noise=-1)])
def test_generate_3d_data_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        data.generate_3d_data(**kwargs)


@pytest.mark.parametrize("kind", ["swiss_roll", "s_curve"])
def test_manifolds(kind):
    X, t = data.make_manifold(kind, 300)
    assert X.shape == (300, 3) and t.shape == (300,)
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-10)


def test_unknown_manifold():
    with pytest.raises(ValueError, match="torus"):
        data.make_manifold("torus")


def test_mnist_sample_is_real_and_offline(mnist_sample):
    assert mnist_sample.X.shape == (5000, 784) and mnist_sample.X.dtype == np.float32
    assert 0.0 <= mnist_sample.X.min() and mnist_sample.X.max() <= 1.0
    assert np.bincount(mnist_sample.y).tolist() == [500] * 10
    assert mnist_sample.image_shape == (28, 28)


def test_digits(digits):
    assert digits.X.shape == (1797, 64) and digits.image_shape == (8, 8)
    assert digits.X.max() <= 1.0


def test_keras_loader_reads_its_cache(tmp_path, monkeypatch):
    """The real keras.datasets.mnist.load_data path, fed a small npz in the same layout."""
    import keras
    from keras.src.backend import config
    from keras.src.utils import file_utils

    rng = np.random.default_rng(0)
    (tmp_path / "datasets").mkdir()
    np.savez(tmp_path / "datasets" / "mnist.npz",
             x_train=rng.integers(0, 256, (30, 28, 28), dtype=np.uint8), y_train=np.arange(30) % 10,
             x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8), y_test=np.arange(10))
    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path))
    # Our file is not the published one, so its checksum differs; accept it instead of downloading.
    monkeypatch.setattr(file_utils, "validate_file", lambda *a, **k: True)
    assert keras.datasets.mnist.load_data  # the loader we go through
    ds = data.load_keras_dataset("mnist", split="all")
    assert ds.X.shape == (40, 784) and ds.y.shape == (40,) and ds.X.max() <= 1.0


def test_keras_loader_failure_is_a_clear_error(tmp_path, monkeypatch):
    from keras.src.backend import config
    from keras.src.utils import file_utils

    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path))

    def no_network(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(file_utils.urllib.request, "urlretrieve", no_network, raising=False)
    with pytest.raises(ValueError, match="mnist_sample"):
        data.load_keras_dataset("mnist")


def test_unknown_dataset():
    with pytest.raises(ValueError, match="nope"):
        data.load_dataset("nope")


def test_split_is_stratified(mnist_sample):
    train, test = data.train_test_split(mnist_sample, 0.2, seed=0)
    assert len(train) == 4000 and len(test) == 1000 and not set(train) & set(test)
    assert np.bincount(mnist_sample.y[test]).tolist() == [100] * 10


# ----------------------------------------------------------------- uploads: good files


def _csv(text: str) -> bytes:
    return text.encode()


def test_csv_with_label_and_text_column(rng):
    rows = ["a,b,c,name,label"] + [f"{rng.normal()},{rng.normal()},{rng.normal()},n{i},{'xy'[i % 2]}"
                                   for i in range(30)]
    ds = data.read_csv_bytes(_csv("\n".join(rows)), label_column="label")
    assert ds.X.shape == (30, 3) and ds.feature_names == ["a", "b", "c"]
    assert ds.label_names == ["x", "y"] and set(ds.y) == {0, 1}
    assert any("non-numeric" in n and "name" in n for n in ds.notes)
    np.testing.assert_allclose(ds.X.mean(axis=0), 0, atol=1e-5)


def test_csv_semicolon_delimiter(rng):
    rows = ["a;b;c"] + [";".join(str(v) for v in rng.normal(size=3)) for _ in range(20)]
    assert data.read_csv_bytes(_csv("\n".join(rows))).X.shape == (20, 3)


def test_csv_drops_nan_rows_and_constant_columns(rng):
    rows = ["a,b,c,k"] + [f"{rng.normal()},{rng.normal()},{'nan' if i == 3 else rng.normal()},1"
                          for i in range(20)]
    ds = data.read_csv_bytes(_csv("\n".join(rows)))
    assert ds.X.shape == (19, 3)
    assert any("constant" in n for n in ds.notes) and any("missing" in n for n in ds.notes)


# ----------------------------------------------------------------- uploads: bad files

def _rows(header: str, make_row, n: int = 20) -> bytes:
    return ("\n".join([header] + [make_row(i) for i in range(n)]) + "\n").encode()


BAD_CSVS = {
    "empty": (b"", "empty \\(0 bytes\\)"),
    "blank lines": (b"\n \n\n", "only blank lines"),
    "header only": (b"a,b,c\n", "no data rows"),
    "one row": (b"a,b,c\n1,2,3\n", "1 data row.*at least 10"),
    "one column": (b"a\n" + b"\n".join(str(i).encode() for i in range(20)), "single column"),
    "text only": (b"a,b\n" + b"\n".join(b"x,y" for _ in range(20)), "0 usable.*non-numeric: a, b"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "looks like a PNG image"),
    "xlsx renamed": (b"PK\x03\x04" + bytes(100), "looks like a ZIP archive"),
    "nul bytes": (b"a,b\n1,2\x00\x00\n" * 20, "binary file"),
    "all constant": (b"a,b\n" + b"\n".join(b"1,2" for _ in range(20)), "0 usable.*constant: a, b"),
    "mixed types": (_rows("a,b", lambda i: f"{i},{i * i if i % 2 else 'n/a?'}", n=18),
                    "Only 9 of 18 rows.*text in numeric column 'b' \\('n/a\\?'"),
    "nan and inf": (_rows("a,b", lambda i: f"{'nan' if i % 2 else i},{'inf' if i % 2 == 0 else i}"),
                    "10 infinite value\\(s\\) \\(data rows 1, 3, 5 and 7 more\\)"),
    "wrong delimiter": (_rows("a:b:c", lambda i: f"{i}:{i * i}:{i % 3}"), "single column.*semicolons"),
    "ragged rows": (_rows("a,b", lambda i: f"{i},{i}" + (",9" if i == 7 else "")), "as many values"),
    "shift_jis": ("データ,b\n".encode("shift_jis") + b"\n".join(f"{i},{i}".encode() for i in range(20)),
                  "not UTF-8.*0x83.*CSV UTF-8"),
    "huge values": (_rows("a,b", lambda i: f"{i}e307,{i}"), "2 infinite value\\(s\\) \\(data rows 19, 20\\)"),
}


@pytest.mark.parametrize("name", list(BAD_CSVS))
def test_bad_csv_gives_clear_error(name):
    content, message = BAD_CSVS[name]
    with pytest.raises(ValueError, match=message):
        data.read_csv_bytes(content)


def test_csv_non_utf8_is_decoded_or_refused():
    content = "a,b,caf\xe9\n".encode("cp1252") + b"\n".join(f"{i},{i * 2},{i % 3}".encode() for i in range(20))
    ds = data.read_csv_bytes(content)
    assert ds.X.shape == (20, 3) and ds.feature_names[2] == "caf\xe9"
    assert any("Windows-1252" in n for n in ds.notes)


def test_csv_utf16_with_bom_is_read():
    text = "a\tb\tc\n" + "\n".join(f"{i}\t{i * i}\t{i % 3}" for i in range(20))
    ds = data.read_csv_bytes(text.encode("utf-16"))
    assert ds.X.shape == (20, 3) and any("UTF-16" in n for n in ds.notes)


def test_csv_caps_refuse_before_parsing(monkeypatch):
    """Over-cap files are refused from their line count and header: pandas never runs."""
    import pandas as pd

    def no_parsing(*args, **kwargs):
        raise AssertionError("read_csv must not run for an over-cap file")

    monkeypatch.setattr(pd, "read_csv", no_parsing)
    with pytest.raises(ValueError, match="1,000,000 rows; the limit is 200,000"):
        data.read_csv_bytes(b"a,b\n" + b"1,2\n" * 1_000_000)
    header = ",".join(f"c{i}" for i in range(10_000)).encode()
    with pytest.raises(ValueError, match="10,000 columns; the limit is 5,000"):
        data.read_csv_bytes(header + b"\n" + (b"1," * 9_999 + b"1\n") * 20)


def test_csv_partial_problems_are_dropped_with_notes():
    """Some bad cells: the rows or columns go, and the notes say which and why."""
    content = _rows("a,b,c,empty,name,k", lambda i: (
        f"{i},{'abc' if i == 3 else i * i},{'' if i == 5 else i % 7},,n{i},1"), n=30)
    ds = data.read_csv_bytes(content)
    assert ds.X.shape == (28, 3) and ds.feature_names == ["a", "b", "c"]
    notes = " ".join(ds.notes)
    for expected in ("empty column(s): empty", "non-numeric column(s): name", "constant column(s): k",
                     "text in numeric column 'b' ('abc' in data row 4)", "missing values (data row 6)"):
        assert expected in notes, notes


def test_csv_space_separated_and_pipe():
    spaces = _rows("a b c", lambda i: f"{i} {i * i} {i % 3}")
    assert data.read_csv_bytes(spaces).X.shape == (20, 3)
    assert data.read_csv_bytes(_rows("a|b|c", lambda i: f"{i}|{i * i}|{i % 3}")).X.shape == (20, 3)


def test_csv_semicolons_with_decimal_commas():
    ds = data.read_csv_bytes(_rows("a;b;c", lambda i: f"{i},5;{i * i},25;{i % 3}"))
    assert ds.X.shape == (20, 3) and any("decimal comma" in n for n in ds.notes)


def test_csv_numeric_first_line_is_noted():
    ds = data.read_csv_bytes(_rows("1,2,3", lambda i: f"{i},{i * i},{i % 3}"))
    assert any("first line holds numbers" in n for n in ds.notes)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|", " "])
def test_csv_header_names_match_the_reader(delimiter):
    """The label-column choices the app offers are the names the reader will find."""
    content = _rows(delimiter.join(["a", "b", "c", "kind"]),
                    lambda i: delimiter.join([str(i), str(i * i), str(i % 3), "xy"[i % 2]]))
    columns = data.read_csv_header(content)
    assert columns == ["a", "b", "c", "kind"]
    ds = data.read_csv_bytes(content, label_column=columns[-1])
    assert ds.feature_names == ["a", "b", "c"] and ds.label_names == ["x", "y"]


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\x89PNG\r\n\x1a\n" + bytes(50),
                                     ",".join(f"c{i}" for i in range(10_000)).encode() + b"\n1"])
def test_csv_header_is_empty_for_unusable_files(content):
    assert data.read_csv_header(content) == []


def test_csv_unknown_label_column():
    with pytest.raises(ValueError, match="label_column='zz'"):
        data.read_csv_bytes(b"a,b\n" + b"\n".join(f"{i},{i % 5}".encode() for i in range(20)),
                            label_column="zz")


def _npy(array, **kwargs) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, **kwargs)
    return buffer.getvalue()


def test_npy_table_and_images(rng):
    assert data.read_array_bytes(_npy(rng.normal(size=(20, 4)))).X.shape == (20, 4)
    images = data.read_array_bytes(_npy(rng.integers(0, 255, (12, 8, 8))))
    assert images.image_shape == (8, 8) and images.X.max() <= 1.0


def test_npz_with_labels(rng):
    buffer = io.BytesIO()
    np.savez(buffer, X=rng.normal(size=(20, 3)), y=np.arange(20) % 2)
    ds = data.read_array_bytes(buffer.getvalue())
    assert ds.y is not None and ds.X.shape == (20, 3)


@pytest.mark.parametrize("array,message", [
    (np.array([{"a": 1}] * 20, dtype=object), "pickled"),
    (np.arange(20.0), "1-D"),
    (np.array(["a"] * 40).reshape(20, 2), "dtype <U1 \\(text\\)"),
    (np.zeros((20, 2), dtype=complex), "complex"),
    (np.zeros((20, 2, 2, 2, 2)), "shape"),
    (np.zeros((20, 8, 8, 3)), "colour images"),
    (np.zeros((5, 4)), "5 sample"),
    (np.zeros((20, 6000), dtype=np.uint8), "6,000 columns"),
    (np.full((20, 3), np.nan), "NaN"),
])
def test_bad_arrays(array, message):
    with pytest.raises(ValueError, match=message):
        data.read_array_bytes(_npy(array, allow_pickle=True))


def test_npz_with_pickled_objects_is_refused():
    buffer = io.BytesIO()
    np.savez(buffer, X=np.array([{"a": 1}] * 20, dtype=object))
    with pytest.raises(ValueError, match="pickled"):
        data.read_array_bytes(buffer.getvalue())


def test_raw_pickle_and_garbage_are_refused():
    import pickle

    with pytest.raises(ValueError, match="Python pickle.*refused"):
        data.read_array_bytes(pickle.dumps(np.zeros((20, 3))))
    with pytest.raises(ValueError, match="not a NumPy"):
        data.read_array_bytes(b"hello, world")


def test_truncated_npy_is_refused():
    with pytest.raises(ValueError, match="truncated"):
        data.read_array_bytes(_npy(np.zeros((100, 10)))[:-80])


def test_npz_declaring_a_huge_array_is_refused():
    """A compressed npz of zeros is tiny on disk but would unpack to gigabytes."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=np.zeros((200_001, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match="200,001 rows; the limit is 200,000"):
        data.read_array_bytes(buffer.getvalue())


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _png(size=(10, 12), value=128) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", size, value).save(buffer, format="PNG")
    return buffer.getvalue()


def test_image_zip_with_folders_as_labels():
    files = {f"{cls}/{i}.png": _png(value=40 * i) for cls in ("cats", "dogs") for i in range(6)}
    files["notes.txt"] = b"not an image"
    ds = data.read_image_zip(_zip(files), size=16)
    assert ds.X.shape == (12, 256) and ds.label_names == ["cats", "dogs"]
    assert any("Skipped 1" in n for n in ds.notes)


def _noise_png(size=(64, 64), seed=0) -> bytes:
    from PIL import Image

    pixels = np.random.default_rng(seed).integers(0, 256, size[::-1], dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header is patched to declare width x height pixels."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (16, 16), 100).save(buffer, format="JPEG")
    raw = bytearray(buffer.getvalue())
    sof = raw.index(b"\xff\xc0")
    raw[sof + 5:sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(raw)


@pytest.mark.parametrize("files,message", [
    ({}, "ZIP archive is empty"),
    ({"../evil.png": _png()}, "unsafe path '../evil.png'"),
    ({"a/../../evil.png": _png()}, "unsafe path"),
    ({"/abs.png": _png()}, "unsafe path"),
    ({"C:/windows/abs.png": _png()}, "unsafe path"),
    ({"..\\evil.png": _png()}, "unsafe path"),
    ({f"{i}.png": b"\x89PNG truncated" for i in range(12)}, "0 readable"),
    ({f"{i}.txt": b"hello" for i in range(12)}, "0 readable.*12 not PNG or JPEG images: '0.txt'"),
    ({f"{i}.png": _noise_png(seed=i)[:400] for i in range(12)}, "0 readable.*12 truncated or damaged images"),
    ({f"{i}.png": png_declaring(30_000, 30_000) for i in range(12)},
     "0 readable.*12 too large to decode safely \\(over 16,777,216 pixels\\): '0.png' 30000x30000"),
    ({f"{i}.jpg": _jpeg_declaring(30_000, 30_000) for i in range(12)}, "0 readable.*12 too large to decode safely"),
    ({f"{i}.jpg": _jpeg_declaring(5_000, 5_000) for i in range(12)}, "too large to decode safely.*5000x5000"),
])
def test_bad_image_zips(files, message):
    with pytest.raises(ValueError, match=message):
        data.read_image_zip(_zip(files))


def test_huge_images_are_never_decoded(monkeypatch):
    """Declared-huge images are skipped from their header: Pillow never loads their pixels."""
    from PIL import ImageFile

    decoded = []
    real_load = ImageFile.ImageFile.load

    def spy_load(self):
        decoded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    files = {f"ok/{i}.png": _png(value=20 * i) for i in range(10)}
    files.update({"bomb/png.png": png_declaring(30_000, 30_000),
                  "bomb/jpeg.jpg": _jpeg_declaring(30_000, 30_000),
                  "bomb/big.jpg": _jpeg_declaring(5_000, 5_000)})
    ds = data.read_image_zip(_zip(files))
    assert ds.n_samples == 10
    assert decoded and all(size == (10, 12) for size in decoded), decoded
    assert any("Skipped 3" in n and "30000x30000" in n for n in ds.notes), ds.notes


def test_image_zip_mixed_sizes_are_resized_with_a_note():
    files = {f"{i}.png": _png(size=(10, 12) if i % 2 else (30, 20), value=20 * i) for i in range(12)}
    ds = data.read_image_zip(_zip(files), size=16)
    assert ds.X.shape == (12, 256) and ds.image_shape == (16, 16)
    assert any("2 different sizes (10x12, 30x20)" in n and "resized to 16x16" in n for n in ds.notes)


def test_image_zip_unpacking_too_much_is_refused(monkeypatch):
    monkeypatch.setattr(data, "MAX_UNZIPPED_BYTES", 1000)
    with pytest.raises(ValueError, match="unpacks to"):
        data.read_image_zip(_zip({f"{i}.png": _noise_png(seed=i) for i in range(12)}))


def test_not_a_zip():
    with pytest.raises(ValueError, match="not a valid ZIP"):
        data.read_image_zip(b"hello world")


def test_unknown_extension():
    with pytest.raises(ValueError, match=".exe"):
        data.read_upload(b"MZ", "tool.exe")
