"""Issue #6: anomaly detection on the MNIST sample with one digit held out as the anomaly.

For each held-out digit: train on the other nine digits only (70% of their rows), test on the
remaining 30% plus every image of the held-out digit. Scores: the autoencoder's reconstruction
error, PCA's reconstruction error at the same n_components, and an IsolationForest, all fitted
on the same rows in the same process. Quick mode holds out digit 0; full mode every digit.
"""

from __future__ import annotations

import numpy as np

from aecore.anomaly import DEFAULT_REDUCER_PARAMS, evaluate, holdout_split
from aecore.data.datasets import load_mnist_sample
from bench.harness.report import row

N_COMPONENTS = 16
GROUP = "MNIST anomaly (held-out digit)"


def _best_pca_auc(split) -> tuple[float, int]:
    """PCA's best ROC AUC over latent sizes: the strongest linear baseline, for honesty."""
    from sklearn.decomposition import PCA
    from sklearn.metrics import roc_auc_score

    best = (0.0, 0)
    for k in (2, 4, 8, 16, 32, 64):
        pca = PCA(k, random_state=0).fit(split.X_train)
        error = np.mean((pca.inverse_transform(pca.transform(split.X_test)) - split.X_test) ** 2, axis=1)
        best = max(best, (float(roc_auc_score(split.is_anomaly, error)), k))
    return best


def run(quick: bool = False) -> list[dict]:
    ds = load_mnist_sample()
    rows, ae_aucs, pca_aucs, forest_aucs = [], [], [], []
    settings = (f"dense {'-'.join(map(str, DEFAULT_REDUCER_PARAMS['hidden_units']))}-{N_COMPONENTS}, "
                f"<= {DEFAULT_REDUCER_PARAMS['epochs']} epochs, early stopping")
    for digit in ([0] if quick else range(10)):
        split = holdout_split(ds.X, ds.y, [digit], test_fraction=0.3, random_state=0)
        report = evaluate(split.X_train, split.X_test, split.is_anomaly, N_COMPONENTS, random_state=0)
        ae, pca, forest = (report.methods[m] for m in ("autoencoder", "pca", "isolation_forest"))
        ae_aucs.append(ae.roc_auc)
        pca_aucs.append(pca.roc_auc)
        forest_aucs.append(forest.roc_auc)
        n_anomalies = int(split.is_anomaly.sum())
        rows.append(row(GROUP, f"digit {digit}: AE ROC AUC", ae.roc_auc, baseline=pca.roc_auc,
                        baseline_name=f"PCA-{N_COMPONENTS} reconstruction error",
                        target="ratio > 1",
                        note=f"{settings}; {report.reducer.n_epochs_} epochs, {ae.seconds:.0f} s; "
                             f"test {len(split.X_test)} rows, {n_anomalies} anomalies"))
        rows.append(row(GROUP, f"digit {digit}: AE ROC AUC vs IsolationForest", ae.roc_auc,
                        baseline=forest.roc_auc, baseline_name="IsolationForest (200 trees)",
                        target="ratio > 1"))
        rows.append(row(GROUP, f"digit {digit}: AE average precision", ae.average_precision,
                        baseline=pca.average_precision, baseline_name=f"PCA-{N_COMPONENTS}",
                        note=f"IsolationForest {forest.average_precision:.3f}; "
                             f"{n_anomalies / len(split.X_test):.2f} of test rows are anomalies"))
        if not quick:
            best_auc, best_k = _best_pca_auc(split)
            rows.append(row(GROUP, f"digit {digit}: AE ROC AUC vs PCA at its best size", ae.roc_auc,
                            baseline=best_auc, baseline_name=f"PCA-{best_k} (best of 2..64)",
                            note="PCA's size chosen on the test labels: a generous baseline"))
    if not quick:
        wins = sum(a > p for a, p in zip(ae_aucs, pca_aucs))
        rows.append(row(GROUP, "mean over 10 digits: AE ROC AUC", float(np.mean(ae_aucs)),
                        baseline=float(np.mean(pca_aucs)), baseline_name=f"PCA-{N_COMPONENTS}",
                        target="ratio > 1",
                        note=f"AE beats PCA on {wins}/10 digits; IsolationForest mean "
                             f"{np.mean(forest_aucs):.3f}"))
    return rows
