"""Upload parsing of NumPy .npy/.npz arrays, good files and bad ones."""

import io

import numpy as np
import pytest

from aecore.data import upload_arrays


def _npy(array, **kwargs) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, **kwargs)
    return buffer.getvalue()


def test_npy_table_and_images(rng):
    assert upload_arrays.read_array_bytes(_npy(rng.normal(size=(20, 4)))).X.shape == (20, 4)
    images = upload_arrays.read_array_bytes(_npy(rng.integers(0, 255, (12, 8, 8))))
    assert images.image_shape == (8, 8) and images.X.max() <= 1.0


def test_npz_with_labels(rng):
    buffer = io.BytesIO()
    np.savez(buffer, X=rng.normal(size=(20, 3)), y=np.arange(20) % 2)
    ds = upload_arrays.read_array_bytes(buffer.getvalue())
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
        upload_arrays.read_array_bytes(_npy(array, allow_pickle=True))


def test_npz_with_pickled_objects_is_refused():
    buffer = io.BytesIO()
    np.savez(buffer, X=np.array([{"a": 1}] * 20, dtype=object))
    with pytest.raises(ValueError, match="pickled"):
        upload_arrays.read_array_bytes(buffer.getvalue())


def test_raw_pickle_and_garbage_are_refused():
    import pickle

    with pytest.raises(ValueError, match="Python pickle.*refused"):
        upload_arrays.read_array_bytes(pickle.dumps(np.zeros((20, 3))))
    with pytest.raises(ValueError, match="not a NumPy"):
        upload_arrays.read_array_bytes(b"hello, world")


def test_truncated_npy_is_refused():
    with pytest.raises(ValueError, match="truncated"):
        upload_arrays.read_array_bytes(_npy(np.zeros((100, 10)))[:-80])


def test_npz_declaring_a_huge_array_is_refused():
    """A compressed npz of zeros is tiny on disk but would unpack to gigabytes."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=np.zeros((200_001, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match="200,001 rows; the limit is 200,000"):
        upload_arrays.read_array_bytes(buffer.getvalue())
