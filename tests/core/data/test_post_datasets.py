"""The posts' data, offline: post 003's random table and a real table (breast cancer), post 004's
ball images and its shipped model. (Listed by the CLI: core/cli/test_cli_commands.py; the app's
picker and post 003's experiment from its tour link: app/test_post_datasets_in_the_app.py.)"""

import numpy as np
import pytest

from aecore.data import datasets as data


def test_breast_cancer_is_the_real_table_scaled_to_unit_range():
    ds = data.load_dataset("breast_cancer")
    assert ds.X.shape == (569, 30) and ds.X.dtype == np.float32
    assert ds.X.min() == 0.0 and ds.X.max() == 1.0
    assert np.bincount(ds.y).tolist() == [212, 357] and ds.label_names == ["malignant", "benign"]
    assert ds.feature_names[0] == "mean radius" and not ds.is_image


def test_seed003_table_is_seeded_uniform_noise():
    ds = data.load_dataset("seed003_random")
    assert ds.X.shape == (1000, 100) and ds.y is None
    assert 0.0 <= ds.X.min() and ds.X.max() < 1.0 and abs(ds.X.mean() - 0.5) < 0.01
    assert np.array_equal(ds.X, data.load_dataset("seed003_random").X)


def _centre_and_mass(image):
    image = image.reshape(data.BALL_SIDE, data.BALL_SIDE)
    rows, cols = np.mgrid[0:data.BALL_SIDE, 0:data.BALL_SIDE] + 0.5
    mass = image.sum()
    return (image * cols).sum() / mass, (image * rows).sum() / mass, mass


def _ball_likeness(image) -> float:
    """Mean squared difference from a clean ball at the image's centre of brightness."""
    cx, cy, _ = _centre_and_mass(image)
    return float(((image.reshape(data.BALL_SIDE, -1) - data.ball_image(cx, cy)) ** 2).mean())


def test_balls_are_one_ball_each_and_rows_0_1_are_left_and_right():
    ds = data.load_dataset("balls")
    assert ds.X.shape == (2000, 784) and ds.image_shape == (28, 28)
    one = data.ball_image(14, 14).sum()
    masses = ds.X.sum(axis=1)
    assert np.allclose(masses, one, rtol=0.05)
    (x0, y0, _), (x1, y1, _) = _centre_and_mass(ds.X[0]), _centre_and_mass(ds.X[1])
    assert x0 < 8 and x1 > 20 and abs(y0 - 14) < 0.5 and abs(y1 - 14) < 0.5
    assert max(_ball_likeness(ds.X[i]) for i in range(50)) < 1e-3
    with pytest.raises(ValueError, match="n_images=1 must be between 2 and 20,000"):
        data.make_balls(1)


def test_the_shipped_ball_model_walks_one_ball_where_pixels_blend_two_halves():
    """Post 004's claim, measured on the shipped model: every step of the latent walk from the
    left ball to the right one decodes to one ball; the pixel blend's midpoint is two half-balls."""
    from aecore.runs import demo
    from aecore.maps.latent_walk import interpolate

    found = {(d, p): r for d, p, _, r in demo.load_all()}
    reducer = found[("balls", "seed004_balls")]
    ds = data.load_dataset("balls")
    codes = reducer.transform(ds.X[:2])
    _, path = interpolate(codes[0], codes[1], 7)
    decoded = reducer.inverse_transform(path.astype(np.float32))
    _, blend = interpolate(ds.X[0], ds.X[1], 7)
    walk = [_ball_likeness(image) for image in decoded]
    assert max(walk) < 0.02, walk
    assert _ball_likeness(blend[3]) > 0.05
    assert _centre_and_mass(decoded[0])[0] < _centre_and_mass(decoded[3])[0] < _centre_and_mass(decoded[6])[0]
