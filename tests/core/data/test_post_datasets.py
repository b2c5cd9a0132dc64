"""The seeds' data, offline: seed 003's random table and a real table (breast cancer), seed 004's
ball images and its shipped model; listed by the CLI and the app's dataset picker; seed 003's
whole experiment (KMeans(5) on the codes, a PCA map) from its tour link."""

import subprocess
import sys

import numpy as np
import pytest

from aecore import data
from tests.builders import open_page

NEW = ("breast_cancer", "seed003_random", "balls")


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
    """Seed 004's claim, measured on the shipped model: every step of the latent walk from the
    left ball to the right one decodes to one ball; the pixel blend's midpoint is two half-balls."""
    from aecore import demo
    from aecore.latent_walk import interpolate

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


def test_the_cli_lists_the_new_datasets():
    out = subprocess.run([sys.executable, "-m", "aecore", "train", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for name in NEW:
        assert name in out


def test_the_train_page_picker_lists_the_new_datasets():
    at = open_page("app_pages/train.py", {})
    options = at.selectbox(key="train.dataset").options
    for name in NEW:
        assert data.BUILTIN_DATASETS[name] in options, options


def test_seed003_tour_link_trains_its_model_and_draws_kmeans_5_on_a_pca_map():
    from app_ui import tour

    index = [s.id for s in tour.STEPS].index("seed003")
    at = open_page(tour.STEPS[index].page, tour.link_params(index))
    at.button(key="link.train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="clusters.space").value == "codes"
    assert at.selectbox(key="clusters.method").value == "kmeans"
    assert at.number_input(key="clusters.k").value == 5
    assert at.radio(key="clusters.map").value == "pca"
    found = {m.label: m.value for m in at.metric}
    assert any(value == "5" for value in found.values()), found  # clusters found


def test_a_table_denoises_feature_by_feature_on_the_generate_page():
    """Seed 003's tabular denoising: noise on breast-cancer rows, the denoising AE's output closer
    to the clean rows than the noisy input, feature by feature."""
    at = open_page("app_pages/generate.py", {"data": "breast_cancer", "preset": "denoising", "epochs": "30",
                                                   "level": "0.3"})
    at.button(key="link.train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("table" in i.value for i in at.info)
    metrics = [float(m.value) for m in at.metric]
    noisy, output = metrics[:2]
    assert output < 0.5 * noisy, (noisy, output)


def test_generate_offers_the_generated_samples_as_an_npz_made_on_click():
    from aecore import demo
    from aecore.augment import generate_like, samples_npz

    at = open_page("app_pages/generate.py", {"data": "mnist_sample", "preset": "vae_2d", "tab": "vae"})
    assert any("Export generated samples" in e.label for e in at.expander)
    at.number_input(key="generate.augment_per_row").set_value(2).run()
    assert not at.exception
    assert any("400 new rows" in c.value for c in at.caption)
    # What the download holds: the shipped VAE's rows, loadable without pickle.
    import io

    reducer = {(d, p): r for d, p, _, r in demo.load_all()}[("mnist_sample", "vae_2d")]
    ds = data.load_dataset("mnist_sample")
    X_new, y_new = generate_like(reducer, ds.X[:10], ds.y[:10], 2, random_state=0)
    with np.load(io.BytesIO(samples_npz(X_new, y_new, ds.image_shape)), allow_pickle=False) as stored:
        assert stored["X"].shape == (20, 784) and stored["y"].tolist() == np.repeat(ds.y[:10], 2).tolist()
        assert tuple(stored["image_shape"]) == (28, 28)


def test_an_untrained_links_view_parameters_wait_in_the_url_bounded():
    """While a link's model waits for Train, the URL keeps the link's view parameters (so they
    apply after training), but no more than 32 of them and none longer than 512 characters."""
    junk = {f"junk{i}": "x" for i in range(40)}
    at = open_page("app_pages/clusters.py", {"data": "seed003_random", "preset": "seed003_tabular",
                                             "space": "codes", "huge": "y" * 600, **junk})
    kept = {name: at.query_params[name] for name in at.query_params}
    assert kept.get("space") == "codes" and "huge" not in kept
    assert len([name for name in kept if name.startswith("junk")]) <= 31
