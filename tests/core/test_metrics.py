import numpy as np
import pytest

from aecore import metrics


def test_reconstruction_mse():
    assert metrics.reconstruction_mse(np.zeros((2, 2)), np.ones((2, 2))) == 1.0
    with pytest.raises(ValueError, match="shape"):
        metrics.reconstruction_mse(np.zeros((2, 2)), np.zeros((2, 3)))


def test_pca_baseline_is_exact_on_a_plane(rng):
    basis = rng.normal(size=(2, 5))
    X = rng.normal(size=(100, 2)) @ basis
    baseline = metrics.pca_baseline(X, 2)
    assert baseline.mse < 1e-20 and baseline.codes.shape == (100, 2)


def test_pca_baseline_rejects_too_many_components(rng):
    with pytest.raises(ValueError, match="n_components=5"):
        metrics.pca_baseline(rng.normal(size=(50, 5)), 5)


def test_principal_angles(rng):
    a = np.eye(3)[:, :2]
    assert metrics.principal_angles_degrees(a, a @ np.array([[0.6, 0.8], [-0.8, 0.6]])).max() < 1e-6
    np.testing.assert_allclose(metrics.principal_angles_degrees(np.eye(3)[:, :1], np.eye(3)[:, 1:2]), [90])
