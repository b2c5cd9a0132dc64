"""aecore.experiments.augment: labelled rows decoded from codes near each row's code, and their NPZ download."""

import io

import numpy as np
import pytest

from aecore import AutoencoderReducer
from aecore.experiments.augment import MAX_OUTPUT_ROWS, MAX_PER_ROW, generate_like, samples_npz
from aecore.data.datasets import load_dataset


@pytest.fixture(scope="module")
def digits():
    ds = load_dataset("digits")
    return ds.X[:600].astype(np.float32), ds.y[:600]


@pytest.fixture(scope="module")
def dense(digits):
    return AutoencoderReducer(8, kind="dense", hidden_units=(32,), epochs=15, batch_size=32,
                              early_stopping=False, random_state=0).fit(digits[0])


@pytest.fixture(scope="module")
def vae(digits):
    # At 15 epochs and the default learning rate this VAE's posterior is still the prior (every draw
    # is any digit); 20 epochs at 3e-3 learn codes that hold the class.
    return AutoencoderReducer(4, kind="vae", hidden_units=(32,), loss="binary_crossentropy", epochs=20,
                              batch_size=32, learning_rate=0.003, early_stopping=False,
                              random_state=0).fit(digits[0])


@pytest.fixture(params=["dense", "vae"])
def model(request, dense, vae):
    return {"dense": dense, "vae": vae}[request.param]


@pytest.mark.slow
def test_shapes_and_copied_labels(model, digits):
    X, y = digits
    X_new, y_new = generate_like(model, X[:7], y[:7], n_per_row=3)
    assert X_new.shape == (21, X.shape[1]) and X_new.dtype == np.float32 and np.isfinite(X_new).all()
    np.testing.assert_array_equal(y_new, np.repeat(y[:7], 3))
    X_none, y_none = generate_like(model, X[:2], None, n_per_row=1)
    assert X_none.shape == (2, X.shape[1]) and y_none is None


def test_the_same_seed_gives_the_same_rows(model, digits):
    X, y = digits
    a, _ = generate_like(model, X[:5], y[:5], 4, random_state=3)
    b, _ = generate_like(model, X[:5], y[:5], 4, random_state=3)
    c, _ = generate_like(model, X[:5], y[:5], 4, random_state=4)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_new_rows_differ_from_the_originals_but_keep_their_class(model, digits):
    X, y = digits
    rows, labels = X[::3], y[::3]  # 200 rows, every digit
    X_new, y_new = generate_like(model, rows, labels, n_per_row=5, random_state=0)
    originals = np.repeat(rows, 5, axis=0)
    assert np.mean(np.abs(X_new - originals)) > 0.02
    # Two new rows of one original differ from each other: the code was moved, not only decoded.
    assert np.abs(X_new[0::5] - X_new[1::5]).max(axis=1).min() > 1e-4
    classes = np.unique(y)
    means = np.stack([X[y == c].mean(axis=0) for c in classes])
    dist = np.linalg.norm(X_new[:, None, :] - means[None], axis=2)  # (rows, classes)
    own = dist[np.arange(len(y_new)), np.searchsorted(classes, y_new)]
    others = (dist.sum(axis=1) - own) / (len(classes) - 1)
    assert own.mean() < 0.8 * others.mean()
    assert np.mean(classes[dist.argmin(axis=1)] == y_new) > 0.4  # chance: 0.1


def test_spread_zero_decodes_the_row_code(dense, digits):
    X, y = digits
    X_new, _ = generate_like(dense, X[:4], y[:4], 2, spread=0.0)
    np.testing.assert_allclose(X_new, np.repeat(dense.reconstruct(X[:4]), 2, axis=0), atol=1e-5)
    wider, _ = generate_like(dense, X[:40], y[:40], 2, spread=1.0)
    narrow, _ = generate_like(dense, X[:40], y[:40], 2, spread=0.1)
    base = np.repeat(dense.reconstruct(X[:40]), 2, axis=0)
    assert np.mean((wider - base) ** 2) > np.mean((narrow - base) ** 2)


def test_a_given_code_scale_is_used(dense, digits):
    X, y = digits
    scale = dense.transform(X).std(axis=0)
    one, _ = generate_like(dense, X[:1], y[:1], 3, code_scale=scale)  # one row: its own s.d. would be 0
    assert np.abs(one[0] - one[1]).max() > 1e-4
    with pytest.raises(ValueError, match=r"code_scale has shape \(3,\).*8 finite values"):
        generate_like(dense, X[:2], y[:2], 1, code_scale=[1.0, 1.0, 1.0])


def test_unfitted_reducer_is_refused(digits):
    with pytest.raises(ValueError, match="not fitted: fit it first"):
        generate_like(AutoencoderReducer(2), digits[0][:3], digits[1][:3], 2)


@pytest.mark.parametrize("n_per_row", [0, MAX_PER_ROW + 1, 2.5, True, "3"])
def test_n_per_row_out_of_range_is_refused(dense, digits, n_per_row):
    with pytest.raises(ValueError, match=rf"n_per_row={n_per_row!r} must be an integer from 1 to {MAX_PER_ROW}"):
        generate_like(dense, digits[0][:3], digits[1][:3], n_per_row)


def test_mismatched_labels_are_refused(dense, digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"y has shape \(4,\) but X has 3 rows"):
        generate_like(dense, X[:3], y[:4], 2)


def test_too_many_rows_are_refused(dense, digits):
    X = np.repeat(digits[0][:1], MAX_OUTPUT_ROWS // 10 + 1, axis=0)
    with pytest.raises(ValueError, match=rf"over the limit of {MAX_OUTPUT_ROWS:,}; pass at most 5,000 rows"):
        generate_like(dense, X, None, 10)


@pytest.mark.parametrize("spread", [-0.1, float("nan"), "wide"])
def test_bad_spread_is_refused(dense, digits, spread):
    with pytest.raises(ValueError, match=r"spread=.* must be a finite number >= 0"):
        generate_like(dense, digits[0][:3], digits[1][:3], 2, spread=spread)


def test_the_npz_round_trips_without_pickles(dense, digits):
    X, y = digits
    X_new, y_new = generate_like(dense, X[:6], y[:6], 2)
    data = samples_npz(X_new, y_new, image_shape=(8, 8))
    with np.load(io.BytesIO(data), allow_pickle=False) as stored:
        assert sorted(stored.files) == ["X", "image_shape", "y"]
        np.testing.assert_array_equal(stored["X"], X_new)
        np.testing.assert_array_equal(stored["y"], y_new)
        assert tuple(stored["image_shape"]) == (8, 8)
    with np.load(io.BytesIO(samples_npz(X_new)), allow_pickle=False) as stored:
        assert stored.files == ["X"] and stored["X"].dtype == np.float32
    labels = np.array(["a", 1, None] * 4, dtype=object)  # object labels are stored as text
    with np.load(io.BytesIO(samples_npz(X_new, labels)), allow_pickle=False) as stored:
        assert list(stored["y"][:3]) == ["a", "1", "None"]


def test_the_npz_refuses_bad_shapes():
    with pytest.raises(ValueError, match=r"X has shape \(4,\)"):
        samples_npz(np.zeros(4))
    with pytest.raises(ValueError, match=r"y has shape \(2,\) but X has 3 rows"):
        samples_npz(np.zeros((3, 4)), [0, 1])
    with pytest.raises(ValueError, match=r"image_shape=\(3, 3\) holds 9 pixels but each row has 4"):
        samples_npz(np.zeros((3, 4)), image_shape=(3, 3))
