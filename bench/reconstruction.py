"""Issue #9: held-out reconstruction of the MNIST sample, autoencoder defaults vs PCA."""

from __future__ import annotations

from aecore import AutoencoderReducer
from aecore.data.datasets import load_mnist_sample, train_test_split
from aecore.metrics import pca_baseline, reconstruction_mse
from aecore.presets import preset
from bench.harness.report import row, timer

TARGETS = {10: 0.60, 32: 0.70}


def run(quick: bool = False) -> list[dict]:
    ds = load_mnist_sample()
    train, test = train_test_split(ds, 0.2, seed=0)
    X_train, X_test = ds.X[train], ds.X[test]
    rows = []
    for k in ([10] if quick else [2, 10, 32]):
        with timer() as seconds:
            reducer = AutoencoderReducer(n_components=k, kind="dense", random_state=0).fit(X_train)
        ae = reconstruction_mse(X_test, reducer.inverse_transform(reducer.transform(X_test)))
        pca = pca_baseline(X_train, k, X_test).mse
        target = f"ratio <= {TARGETS[k]:.2f}, fit <= 60 s" if k in TARGETS else "below 1"
        rows.append(row("MNIST sample reconstruction", f"dense defaults k={k}: test MSE", ae, baseline=pca,
                        baseline_name=f"PCA-{k}", target=target,
                        note=f"fit {seconds():.1f} s, {reducer.n_epochs_} epochs (best {reducer.best_epoch_})"))
    if not quick:
        for name in ("seed002_dense", "seed002_cnn", "seed002_cnn_elu"):
            with timer() as seconds:
                reducer = preset(name).to_reducer(image_shape=ds.image_shape).fit(X_train)
            ae = reconstruction_mse(X_test, reducer.reconstruct(X_test))
            pca = pca_baseline(X_train, 64, X_test).mse
            rows.append(row("MNIST sample reconstruction", f"{name} preset (64-d, 20 epochs): test MSE", ae,
                            baseline=pca, baseline_name="PCA-64", target="shown honestly",
                            note=f"fit {seconds():.1f} s"))
    return rows
