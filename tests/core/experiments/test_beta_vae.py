"""The β of a β-VAE: the comparison's checks before training, its arrays written without pickles, and
the shipped MNIST-sample result checked against its own settings and a fresh training."""

import numpy as np
import pytest

from aecore.budget import Budget
from aecore.experiments import beta_vae


def test_fewer_than_two_betas_are_refused():
    with pytest.raises(ValueError, match=r"betas=\(1.0, 1.0\) must hold at least two different values"):
        beta_vae.check_tradeoff((1.0, 1.0), n_train=2000, n_features=784)


def test_a_beta_outside_the_settings_bounds_names_the_setting():
    with pytest.raises(ValueError, match=r"kl_weight=-1 must be a number in \[0, 1000\]"):
        beta_vae.check_tradeoff((-1, 1.0), n_train=2000, n_features=784)


def test_trainings_over_the_compute_budget_say_the_limit_and_the_fix():
    with pytest.raises(ValueError, match=r"3 trainings would take .* the limit is 3e\+11\. Compare fewer βs"):
        beta_vae.check_tradeoff(beta_vae.BETAS, n_train=2000, n_features=784, budget=Budget(max_training_compute=3e11))


def test_the_estimate_counts_every_beta():
    one = beta_vae.check_tradeoff((0.1, 1.0), n_train=2000, n_features=784)
    assert beta_vae.check_tradeoff((0.1, 1.0, 10.0), n_train=2000, n_features=784) == pytest.approx(1.5 * one)


def test_the_plane_spans_the_priors_quantiles_symmetrically():
    grid = beta_vae.prior_grid(10)
    assert len(grid) == 10 and np.all(np.diff(grid) > 0) and grid[0] == pytest.approx(-grid[-1])
    assert grid[-1] == pytest.approx(1.645, abs=1e-3)  # the 95% quantile of N(0, 1)


def test_a_result_is_written_as_plain_arrays_and_read_back(tmp_path):
    rng = np.random.default_rng(0)
    result = {"betas": [0.1, 1.0], "reconstruction_mse": [0.06, 0.07], "kl": [10.0, 3.0], "epochs": [2, 2],
              "seconds": [1.0, 1.0], "codes": rng.normal(size=(2, 5, 2)), "manifold": rng.uniform(size=(2, 4, 4)),
              "grid": np.array([-1.0, 1.0]), "estimated_seconds": 2.0, "settings": {"preset": "p", "epochs": 2}}
    beta_vae.save(result, tmp_path / "r.npz", labels=[0, 1, 2, 3, 4])
    with np.load(tmp_path / "r.npz", allow_pickle=False) as archive:  # no object arrays inside
        assert archive["manifold"].dtype == np.uint8
    found = beta_vae.load(tmp_path / "r.npz")
    assert found["kl"].tolist() == [10.0, 3.0] and found["settings"] == {"preset": "p", "epochs": 2}
    assert np.abs(found["manifold"] - result["manifold"]).max() <= 0.5 / 255 + 1e-6
    assert np.abs(found["codes"] - result["codes"]).max() < 1e-2 and found["labels"].tolist() == [0, 1, 2, 3, 4]
    assert found["map_limit"] == pytest.approx(np.abs(found["codes"]).max())
    assert beta_vae.load(tmp_path / "absent.npz") is None


# --------------------------------------------------------------------------- the shipped result


@pytest.fixture(scope="module")
def shipped():
    return beta_vae.shipped_result()


def test_the_shipped_result_was_made_with_the_modules_settings(shipped):
    assert shipped["dataset"] == beta_vae.SHIPPED_DATASET
    assert shipped["settings"] == {"preset": beta_vae.PRESET, "epochs": beta_vae.EPOCHS}
    assert shipped["betas"].tolist() == list(beta_vae.BETAS)
    n = len(beta_vae.BETAS)
    assert shipped["codes"].shape == (n, beta_vae.MAP_ROWS, 2) and len(shipped["labels"]) == beta_vae.MAP_ROWS
    assert shipped["manifold"].shape == (n, beta_vae.GRID ** 2, 784)
    assert shipped["grid"] == pytest.approx(beta_vae.prior_grid())
    assert all(1 <= e <= beta_vae.EPOCHS for e in shipped["epochs"])


def test_the_shipped_result_shows_the_trade_off(shipped):
    kl, mse = shipped["kl"], shipped["reconstruction_mse"]
    assert kl[0] > kl[1] > kl[2] >= 0  # a larger β pulls the codes towards the prior
    assert mse[-1] > mse[0]  # ... and reconstructs worse
    spread = shipped["codes"].std(axis=1).mean(axis=1)
    assert spread[-1] < spread[1]  # at β = 10 the codes huddle at the prior's centre


@pytest.mark.slow
def test_the_shipped_figures_of_the_largest_beta_are_reproduced_by_a_fresh_training(shipped):
    """β = 10 retrained on the same rows with the same settings: within 10% (other CPUs round differently)."""
    from aecore.data import datasets as aedata

    ds = aedata.load_dataset(beta_vae.SHIPPED_DATASET)
    train, test = aedata.train_test_split(ds)
    train = np.sort(np.random.default_rng(0).choice(train, size=beta_vae.TRAIN_ROWS, replace=False))
    # Each β is its own seeded fit (beta_tradeoff trains them one by one): β = 10 alone is the shipped one.
    fresh = beta_vae.train_beta(ds.X[train], ds.X[test], 10.0, image_shape=ds.image_shape)
    assert shipped["betas"][2] == 10.0
    for name in ("reconstruction_mse", "kl"):
        assert fresh[name] == pytest.approx(shipped[name][2], rel=0.1, abs=0.02), name
