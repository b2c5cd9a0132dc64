"""Honest yardsticks: reconstruction error, the PCA baseline at the same size, and the
principal angles between an autoencoder's decoder subspace and PCA's."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA


def reconstruction_mse(X, X_hat) -> float:
    """Mean squared error over all entries."""
    X, X_hat = np.asarray(X, dtype=np.float64), np.asarray(X_hat, dtype=np.float64)
    if X.shape != X_hat.shape:
        raise ValueError(f"X has shape {X.shape} but the reconstruction has shape {X_hat.shape}.")
    return float(np.mean((X - X_hat) ** 2))


def per_sample_mse(X, X_hat) -> np.ndarray:
    """Mean squared error of each row."""
    return np.mean((np.asarray(X, np.float64) - np.asarray(X_hat, np.float64)) ** 2, axis=1)


@dataclass
class PCABaseline:
    """PCA fitted at the same latent size, with its reconstructions and error."""

    pca: PCA
    codes: np.ndarray
    reconstruction: np.ndarray
    mse: float


def pca_baseline(X_train, n_components: int, X_eval=None, random_state: int = 0) -> PCABaseline:
    """Fit PCA with ``n_components`` on ``X_train``; evaluate on ``X_eval`` (default: the train set).

    PCA is the best *linear* code of that size (Eckart-Young), so it is the number an
    autoencoder has to beat.
    """
    X_train = np.asarray(X_train, dtype=np.float64)
    X_eval = X_train if X_eval is None else np.asarray(X_eval, dtype=np.float64)
    if n_components >= min(X_train.shape):
        raise ValueError(f"n_components={n_components} must be smaller than both the number of samples "
                         f"and features {X_train.shape}.")
    pca = PCA(n_components=n_components, random_state=random_state).fit(X_train)
    codes = pca.transform(X_eval)
    recon = pca.inverse_transform(codes)
    return PCABaseline(pca=pca, codes=codes, reconstruction=recon, mse=reconstruction_mse(X_eval, recon))


def decoder_subspace(reducer) -> np.ndarray:
    """Orthonormal basis (n_features, n_components) of a linear decoder's column space."""
    kernel = np.asarray(reducer.decoder_.get_layer("reconstruction").kernel)  # (k, d)
    q, _ = np.linalg.qr(kernel.T.astype(np.float64))
    return q


def principal_angles_degrees(basis_a, basis_b) -> np.ndarray:
    """Principal angles between the column spaces of two (d, k) matrices, largest first, in degrees."""
    return np.degrees(subspace_angles(np.asarray(basis_a, np.float64), np.asarray(basis_b, np.float64)))


def compare_linear_to_pca(reducer, X) -> dict:
    """The seed-000 yardstick: a linear autoencoder's MSE and subspace against PCA's."""
    X = np.asarray(X, dtype=np.float64)
    baseline = pca_baseline(X, reducer.n_components)
    ae_mse = reconstruction_mse(X, reducer.reconstruct(X))
    angles = principal_angles_degrees(decoder_subspace(reducer), baseline.pca.components_.T)
    return {"ae_mse": ae_mse, "pca_mse": baseline.mse, "mse_ratio": ae_mse / baseline.mse,
            "max_angle_deg": float(angles.max()), "angles_deg": angles.tolist()}
