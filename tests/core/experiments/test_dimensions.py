"""How many dimensions: the latent-size sweep's checks (before anything trains), its curves on small
data, and the shipped MNIST-sample result checked against its own settings and a fresh computation."""

import json

import numpy as np
import pytest

from aecore.budget import Budget
from aecore.experiments import dimensions
from aecore.experiments.dimensions import SweepSettings, check_sweep, latent_size_sweep, usable_sizes

TINY = SweepSettings(sizes=(2, 8, 32), hidden_units=(32,), epochs=2)


@pytest.fixture(scope="module")
def digits_split():
    from aecore.data import datasets as aedata

    ds = aedata.load_dataset("digits")
    train, test = aedata.train_test_split(ds)
    return ds.X[train], ds.X[test]


# --------------------------------------------------------------------------- checks before training


def test_usable_sizes_keep_codes_narrower_than_a_row_and_below_the_rows():
    assert usable_sizes(dimensions.SIZES, n_features=64, n_train=1437) == (2, 4, 8, 16, 32)
    assert usable_sizes(dimensions.SIZES, n_features=784, n_train=10) == (2, 4, 8)
    assert usable_sizes((8, 2, 8), n_features=784, n_train=4000) == (2, 8)


def test_a_size_as_wide_as_a_row_names_the_value_the_limit_and_the_fix():
    with pytest.raises(ValueError, match=r"latent size 64 must be smaller than the number of features \(64\).*"
                                         r"drop the sizes from 64 up"):
        check_sweep(SweepSettings(sizes=(2, 64)), n_train=1437, n_test=360, n_features=64)


def test_no_sizes_is_refused():
    with pytest.raises(ValueError, match=r"sizes=\(\) is empty"):
        check_sweep(SweepSettings(sizes=()), n_train=1437, n_test=360, n_features=64)


@pytest.mark.parametrize("size", [0, -2, 2.5, True])
def test_a_size_that_is_not_a_positive_integer_is_refused(size):
    with pytest.raises(ValueError, match="must be a positive integer"):
        check_sweep(SweepSettings(sizes=(size,)), n_train=1437, n_test=360, n_features=64)


@pytest.mark.parametrize("name", ["epochs", "batch_size", "n_neighbors"])
def test_a_count_below_one_is_refused(name):
    with pytest.raises(ValueError, match=f"{name}=0 must be an integer >= 1"):
        check_sweep(SweepSettings(sizes=(2,), **{name: 0}), n_train=1437, n_test=360, n_features=64)


def test_too_few_held_out_rows_for_the_neighbours_are_refused():
    with pytest.raises(ValueError, match=r"n_neighbors=10 must be below half the held-out rows \(15\)"):
        check_sweep(SweepSettings(sizes=(2,)), n_train=1437, n_test=15, n_features=64)


def test_a_sweep_over_the_compute_budget_says_the_estimate_the_limit_and_the_fix():
    budget = Budget(max_training_compute=1e11)  # one MNIST-sized training fits, six do not
    with pytest.raises(ValueError, match=r"The sweep would take .* multiply-adds \(6 latent sizes x 20 epochs x "
                                         r"4,000 rows\).*the limit is 1e\+11\. Try fewer latent sizes"):
        check_sweep(SweepSettings(), n_train=4000, n_test=1000, n_features=784, budget=budget)


def test_one_training_over_the_budget_is_refused_by_the_budgets_own_check():
    with pytest.raises(ValueError, match="parameters; the limit is"):
        check_sweep(SweepSettings(sizes=(2,), hidden_units=(4096, 4096)), n_train=4000, n_test=1000,
                    n_features=784)


def test_the_estimate_grows_with_sizes_epochs_and_rows():
    base = check_sweep(SweepSettings(sizes=(2, 8)), n_train=4000, n_test=1000, n_features=784)
    assert base.sizes == (2, 8) and len(base.per_size_seconds) == 2
    assert base.seconds > 2 * dimensions.FIT_SETUP_SECONDS
    more = [check_sweep(SweepSettings(sizes=(2, 8, 32)), n_train=4000, n_test=1000, n_features=784),
            check_sweep(SweepSettings(sizes=(2, 8), epochs=40), n_train=4000, n_test=1000, n_features=784),
            check_sweep(SweepSettings(sizes=(2, 8)), n_train=8000, n_test=1000, n_features=784)]
    assert all(m.seconds > base.seconds and m.compute > base.compute * 0.99 for m in more)
    assert "2 autoencoders (latent sizes 2, 8)" in base.describe()


# --------------------------------------------------------------------------- the sweep itself


@pytest.mark.slow
def test_the_sweep_on_digits_gives_both_curves_and_the_explained_variance(digits_split):
    X_train, X_test = digits_split
    seen = []
    result = latent_size_sweep(X_train, X_test, TINY, jit_compile=False,
                               progress=lambda phase, done, total: seen.append((phase, done, total)))
    assert result["sizes"] == [2, 8, 32] and result["settings"] == TINY.as_dict()
    assert (result["n_train"], result["n_test"], result["n_features"]) == (len(X_train), len(X_test), 64)
    ae, pca = result["autoencoder"], result["pca"]
    for values in (ae["mse"], ae["trustworthiness"], pca["mse"], pca["trustworthiness"], pca["explained_variance"]):
        assert len(values) == 3 and all(np.isfinite(values))
    # PCA is nested: more components never reconstruct worse, and keep more variance.
    assert pca["mse"][0] > pca["mse"][1] > pca["mse"][2]
    assert 0 < pca["explained_variance"][0] < pca["explained_variance"][1] < pca["explained_variance"][2] < 1
    assert len(result["explained_variance_curve"]) == 32
    assert result["explained_variance_curve"][7] == pytest.approx(pca["explained_variance"][1])
    assert 0.5 < pca["trustworthiness"][0] < pca["trustworthiness"][2] <= 1
    assert all(0 < v <= 1 for v in ae["trustworthiness"])
    assert ae["epochs"] == [2, 2, 2]
    assert seen[-1] == ("k = 32", 6, 6) and {phase for phase, _, _ in seen} == {"k = 2", "k = 8", "k = 32"}
    json.dumps(result)  # plain numbers only: it can be cached, shared and shipped


def test_the_sweep_checks_its_budget_before_training(digits_split):
    X_train, X_test = digits_split
    with pytest.raises(ValueError, match="the limit is"):
        latent_size_sweep(X_train, X_test, TINY, budget=Budget(max_training_compute=1.0))


def test_mismatched_columns_are_refused(digits_split):
    X_train, X_test = digits_split
    with pytest.raises(ValueError, match="same columns"):
        latent_size_sweep(X_train, X_test[:, :10], TINY)


def test_the_summary_reads_the_curves():
    result = {"sizes": [2, 8, 64], "autoencoder": {"mse": [0.04, 0.02, 0.012]},
              "pca": {"mse": [0.05, 0.03, 0.01], "explained_variance": [0.2, 0.5, 0.95]},
              "explained_variance_curve": list(np.linspace(0.1, 0.95, 64))}
    found = dimensions.summary(result)
    assert found["autoencoder_better"] == [2, 8] and found["pca_better"] == [64]
    assert found["components_for_share"] == int(np.argmax(np.linspace(0.1, 0.95, 64) >= 0.9)) + 1
    assert found["largest_size"] == 64 and found["variance_at_largest"] == 0.95
    assert dimensions.summary(result, share=0.99)["components_for_share"] is None


# --------------------------------------------------------------------------- the shipped result


@pytest.fixture(scope="module")
def shipped():
    return json.loads(dimensions.SHIPPED_FILE.read_text())


@pytest.fixture(scope="module")
def mnist_split():
    from aecore.data import datasets as aedata

    ds = aedata.load_dataset(dimensions.SHIPPED_DATASET)
    train, test = aedata.train_test_split(ds)
    return ds.X[train], ds.X[test]


def test_the_shipped_result_was_made_with_the_default_settings_on_the_pages_split(shipped, mnist_split):
    X_train, X_test = mnist_split
    assert shipped["dataset"] == dimensions.SHIPPED_DATASET
    assert shipped["settings"] == SweepSettings().as_dict()
    assert (shipped["n_train"], shipped["n_test"], shipped["n_features"]) == (len(X_train), len(X_test), 784)
    assert shipped["sizes"] == list(dimensions.SIZES)
    assert dimensions.shipped_result() == shipped
    assert dimensions.shipped_result(settings=SweepSettings(epochs=3)) is None
    assert dimensions.shipped_result("digits") is None


@pytest.mark.slow
def test_the_shipped_pca_figures_are_what_pca_gives_now(shipped, mnist_split):
    X_train, X_test = mnist_split
    fresh = dimensions._pca_curves(X_train, X_test, dimensions.SIZES, SweepSettings().n_neighbors)
    for name in ("mse", "trustworthiness", "explained_variance"):
        assert shipped["pca"][name] == pytest.approx(fresh[name], rel=1e-4), name
    assert shipped["explained_variance_curve"] == pytest.approx(fresh["explained_variance_curve"], rel=1e-4)


@pytest.mark.slow
def test_the_shipped_autoencoder_figure_is_reproduced_by_a_fresh_training(shipped, mnist_split):
    """The smallest size retrained with the shipped settings: within 15% (other CPUs round differently)."""
    X_train, X_test = mnist_split
    k = shipped["sizes"][0]
    fresh = latent_size_sweep(X_train, X_test, SweepSettings(sizes=(k,)))
    assert fresh["autoencoder"]["mse"][0] == pytest.approx(shipped["autoencoder"]["mse"][0], rel=0.15)
    assert fresh["autoencoder"]["trustworthiness"][0] == pytest.approx(
        shipped["autoencoder"]["trustworthiness"][0], abs=0.03)


def test_the_shipped_curves_tell_the_lesson(shipped):
    ae, pca = shipped["autoencoder"], shipped["pca"]
    # The nonlinear code wins where codes are short and keeps neighbours better than PCA at k = 2.
    assert ae["mse"][0] < pca["mse"][0] and ae["trustworthiness"][0] > pca["trustworthiness"][0]
    # Both errors fall as the code grows.
    assert ae["mse"][-1] < ae["mse"][0] and pca["mse"][-1] < pca["mse"][0]
