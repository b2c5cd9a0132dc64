"""Post 000: the linear autoencoder against PCA (MSE ratio and largest principal angle). The rows only
measure: tests/core/test_reducer.py asserts the ratio (<= 1.01) and the angle (<= 1 degree)."""

from __future__ import annotations

from aecore import AutoencoderReducer
from aecore.data.datasets import generate_3d_data
from aecore.metrics import compare_linear_to_pca
from aecore.presets import preset
from bench.harness.report import row, timer


def run(quick: bool = False) -> list[dict]:
    rows = []
    cases = [(60, 4), (1000, 4)] if quick else [(60, 4), (60, 7), (60, 11), (1000, 4), (1000, 7), (1000, 11)]
    for m, seed in cases:
        X = generate_3d_data(m, seed=seed)
        with timer() as seconds:
            reducer = AutoencoderReducer(2, kind="linear", random_state=0).fit(X)
        scores = compare_linear_to_pca(reducer, X)
        rows.append(row("linear AE vs PCA", f"MSE ratio, defaults, m={m}, data seed {seed}", scores["ae_mse"],
                        baseline=scores["pca_mse"], baseline_name="PCA MSE",
                        note=f"largest angle {scores['max_angle_deg']:.3f} deg; "
                             f"{reducer.n_epochs_} epochs, {seconds():.1f} s"))
    X = generate_3d_data(60, seed=4)
    reducer = preset("seed000_linear").to_reducer().fit(X)  # the post's random state, as the page trains
    scores = compare_linear_to_pca(reducer, X)
    rows.append(row("linear AE vs PCA", "MSE ratio, seed settings (SGD 1.5, 20 epochs), m=60", scores["ae_mse"],
                    baseline=scores["pca_mse"], baseline_name="PCA MSE", target="shown honestly (~1.3)",
                    note=f"largest angle {scores['max_angle_deg']:.2f} deg"))
    return rows
