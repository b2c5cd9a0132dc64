import io
import zipfile

import numpy as np
import pytest

from aecore import data


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

BAD_CSVS = {
    "empty": (b"", "empty"),
    "header only": (b"a,b,c\n", "no rows"),
    "one row": (b"a,b,c\n1,2,3\n", "at least 10"),
    "one column": (b"a\n" + b"\n".join(str(i).encode() for i in range(20)), "at least 2"),
    "text only": (b"a,b\n" + b"\n".join(b"x,y" for _ in range(20)), "at least 2"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary"),
    "all constant": (b"a,b\n" + b"\n".join(b"1,2" for _ in range(20)), "at least 2"),
}


@pytest.mark.parametrize("name", list(BAD_CSVS))
def test_bad_csv_gives_clear_error(name):
    content, message = BAD_CSVS[name]
    with pytest.raises(ValueError, match=message):
        data.read_csv_bytes(content)


def test_csv_non_utf8_is_decoded_or_refused():
    content = "a,b,caf\xe9\n".encode("cp1252") + b"\n".join(f"{i},{i * 2},{i % 3}".encode() for i in range(20))
    assert data.read_csv_bytes(content).X.shape == (20, 3)


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
    (np.array(["a"] * 40).reshape(20, 2), "dtype"),
    (np.zeros((20, 2, 2, 2, 2)), "shape"),
    (np.full((20, 3), np.nan), "NaN"),
])
def test_bad_arrays(array, message):
    with pytest.raises(ValueError, match=message):
        data.read_array_bytes(_npy(array, allow_pickle=True))


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


@pytest.mark.parametrize("files,message", [
    ({}, "empty"),
    ({"../evil.png": _png()}, "unsafe path"),
    ({"/abs.png": _png()}, "unsafe path"),
    ({f"{i}.png": b"\x89PNG truncated" for i in range(12)}, "0 readable"),
])
def test_bad_image_zips(files, message):
    with pytest.raises(ValueError, match=message):
        data.read_image_zip(_zip(files))


def test_not_a_zip():
    with pytest.raises(ValueError, match="not a valid ZIP"):
        data.read_image_zip(b"hello world")


def test_unknown_extension():
    with pytest.raises(ValueError, match=".exe"):
        data.read_upload(b"MZ", "tool.exe")
