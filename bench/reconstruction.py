"""Issue #9: held-out reconstruction of the MNIST sample, autoencoder defaults vs PCA. (Post 002's three
presets on the same split, over three seeds: bench/seed002.py.)"""

from __future__ import annotations

from aecore import AutoencoderReducer
from aecore.data.datasets import load_mnist_sample, train_test_split
from aecore.metrics import pca_baseline, reconstruction_mse
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
    return rows
