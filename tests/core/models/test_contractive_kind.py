"""The contractive autoencoder (kind="contractive", Rifai et al. 2011): it trains with a Jacobian
penalty that makes its codes measurably less sensitive to the input, its weight is checked, its
cost is budgeted, and it survives saving and pickling."""

import pickle

import numpy as np
import pytest

from aecore import AutoencoderReducer
from aecore.models import builders as models
from aecore.budget import Budget, NetworkShape
from aecore.experiments.sensitivity import code_sensitivity, jacobian_norms

SEED = 0


@pytest.fixture(scope="module")
def split(digits):
    return digits.X[:1400], digits.X[1400:]


@pytest.fixture(scope="module")
def pair(split):
    """The same network and seed trained without (weight 0) and with the penalty (the default)."""
    X_train, _ = split
    settings = dict(kind="contractive", hidden_units=(32,), epochs=30, random_state=SEED)
    return (AutoencoderReducer(8, contractive_weight=0.0, **settings).fit(X_train),
            AutoencoderReducer(8, **settings).fit(X_train))


@pytest.mark.slow
def test_the_kind_trains_transforms_and_reports_each_loss_term(split, tiny):
    X_train, X_test = split
    reducer = AutoencoderReducer(3, kind="contractive", jit_compile=False, **tiny).fit(X_train[:300])
    codes = reducer.transform(X_test)
    assert codes.shape == (len(X_test), 3) and np.isfinite(codes).all()
    assert reducer.reconstruct(X_test[:5]).shape == (5, 64)
    np.testing.assert_array_equal(codes, reducer.transform(X_test))
    assert {"loss", "reconstruction_loss", "contractive_loss", "val_loss"} <= set(reducer.history_)
    assert isinstance(reducer.autoencoder_, models.ContractiveAutoencoder)
    assert reducer.architecture_.contractive_weight == 0.1


@pytest.mark.slow
def test_the_penalty_makes_held_out_codes_less_sensitive_to_the_input(pair, split):
    _, X_test = split
    plain, contractive = pair
    # Measured at seed 0: mean ||J||_F 8.7 without the penalty, 2.1 with it; MSE 0.034 vs 0.043.
    assert jacobian_norms(contractive, X_test).mean() < 0.5 * jacobian_norms(plain, X_test).mean()
    assert code_sensitivity(contractive.transform, X_test) < 0.5 * code_sensitivity(plain.transform, X_test)
    # ... and it still reconstructs: the penalty trades a little error for robustness.
    assert -contractive.score(X_test) < 1.5 * -plain.score(X_test)


@pytest.mark.slow
def test_jacobian_norms_are_exact_for_a_linear_encoder(split):
    X_train, X_test = split
    reducer = AutoencoderReducer(2, kind="linear", epochs=2, random_state=SEED).fit(X_train[:200])
    kernel = reducer.encoder_.get_layer("codings").get_weights()[0]
    norms = jacobian_norms(reducer, X_test[:10], max_values=64 * 2 * 3)  # chunks of 3 rows
    np.testing.assert_allclose(norms, np.linalg.norm(kernel), rtol=1e-5)


@pytest.mark.parametrize("value", [-0.1, 1000.5, float("nan"), float("inf"), "0.1", True, None])
def test_an_invalid_contractive_weight_is_refused_with_an_example(value):
    with pytest.raises(ValueError, match=r"contractive_weight=.* must be a number in \[0, 1000\].*"
                                         r"e\.g\. contractive_weight=0\.1"):
        AutoencoderReducer(2, kind="contractive", contractive_weight=value).training_estimate(100, 64)


def test_code_sensitivity_refuses_a_noise_level_that_is_not_positive(split):
    with pytest.raises(ValueError, match=r"noise_level=0 must be a positive number"):
        code_sensitivity(lambda rows: rows, split[1], noise_level=0)


def test_the_budget_counts_the_jacobian_penalty():
    dense = NetworkShape("dense", 784, 32, (512, 256))
    contractive = NetworkShape("contractive", 784, 32, (512, 256))
    assert contractive.parameters() == dense.parameters()
    assert contractive.training_macs_per_row() == dense.macs_per_row() + dense.encoder_macs_per_row()
    estimate = Budget().training_estimate(contractive, 5000, 10, 128)
    assert estimate.compute > Budget().training_estimate(dense, 5000, 10, 128).compute
    assert "Jacobian penalty" in estimate.describe()


def test_the_shape_arithmetic_matches_keras():
    arch = models.Architecture(kind="contractive", n_features=64, n_components=4, hidden_units=(16, 8))
    autoencoder, encoder, _ = models.build(arch)
    assert NetworkShape("contractive", 64, 4, (16, 8)).parameters() == autoencoder.count_params()
    assert np.asarray(encoder(np.zeros((3, 64), np.float32))).shape == (3, 4)


@pytest.mark.slow  # the pair fixture trains two networks for 30 epochs
def test_a_saved_or_pickled_contractive_run_gives_the_same_codes(pair, split, tmp_path):
    from aecore.presets import TrainConfig
    from aecore.runs.saving import save_run
    from aecore.runs.loading import load_run

    _, X_test = split
    _, reducer = pair
    config = TrainConfig(kind="contractive", n_components=8, hidden_units=(32,), epochs=30, random_state=SEED)
    save_run(tmp_path / "run", reducer, config, "digits")
    loaded, info = load_run(tmp_path / "run")
    assert info.config.kind == "contractive" and loaded.architecture_.contractive_weight == 0.1
    np.testing.assert_allclose(loaded.transform(X_test), reducer.transform(X_test), rtol=1e-5, atol=1e-6)
    copy = pickle.loads(pickle.dumps(reducer))
    np.testing.assert_allclose(copy.transform(X_test), reducer.transform(X_test), rtol=1e-6)


@pytest.mark.slow
def test_the_family_comparison_finds_the_contractive_codes_most_robust(split):
    from aecore.experiments import robustness as family_robustness

    X_train, X_test = split
    result = family_robustness.compare_robustness(X_train, X_test, n_components=10, hidden_units=(32,), epochs=10,
                                       jit_compile=False)
    found = result["models"]
    assert list(found) == list(family_robustness.ROBUSTNESS_MEMBERS)
    # Measured at seed 0 (digits, 10 epochs): code shift per unit of noise 0.60 plain, 0.62
    # denoising, 0.24 contractive; test MSE 0.066, 0.066, 0.071.
    best, times = family_robustness.most_robust(result)
    assert best == "contractive" and times > 1.5
    assert found["contractive"]["test_mse"] < 1.5 * found["dense"]["test_mse"]
