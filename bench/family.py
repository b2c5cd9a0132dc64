"""Issue #4: the autoencoder family on the MNIST sample, each against a baseline measured here.

- every kind's held-out reconstruction MSE against PCA at the same size, and its fit time;
- the tied autoencoder's parameter count against the untied one;
- greedy layer-wise training against end-to-end training;
- denoising: the output's error against the clean images, against the noisy input's error;
- robustness: how far plain, denoising and contractive codes move under small input noise on
  held-out rows (the Family page's lesson), each trained for the same epochs on the same rows;
- unsupervised pretraining: classifiers on 50/100/500/1000 labels, the fitted encoder frozen
  or fine-tuned against the same classifier trained from scratch.
"""

from __future__ import annotations

import sys

import numpy as np

from aecore import AutoencoderReducer
from aecore.data.datasets import load_mnist_sample, train_test_split
from aecore.metrics import pca_baseline, reconstruction_mse
from aecore.models.builders import Architecture, describe
from aecore.models.noise import corrupt
from aecore.experiments.pretraining import few_label_curve
from aecore.experiments.robustness import ROBUSTNESS_MEMBERS, compare_robustness
from bench.harness.report import row, rows_main, timer

GROUP = "Autoencoder family (MNIST sample)"
N_COMPONENTS = 10
#: Kind -> extra settings. The VAE uses keras-io's Bernoulli (cross-entropy) reconstruction term.
KINDS = {"dense": {}, "tied": {}, "denoising": {}, "contractive": {}, "sparse": {}, "wta": {},
         "vae": {"loss": "binary_crossentropy"}}
NOISE_LEVEL = 0.3


def run(quick: bool = False, only: str | None = None) -> list[dict]:
    ds = load_mnist_sample()
    train, test = train_test_split(ds, 0.2, seed=0)
    X_train, X_test, y_train, y_test = ds.X[train], ds.X[test], ds.y[train], ds.y[test]
    if only == "robustness":
        return robustness_rows(X_train, X_test, epochs=10 if quick else 30)
    settings = {"n_components": N_COMPONENTS, "random_state": 0}  # shared by every kind
    if quick:
        settings.update(epochs=10, early_stopping=False)
    pca = pca_baseline(X_train, N_COMPONENTS, X_test).mse
    rows, fitted = [], {}

    for kind, extra in KINDS.items():
        with timer() as seconds:
            reducer = AutoencoderReducer(kind=kind, **settings, **extra).fit(X_train)
        fitted[kind] = reducer
        mse = reconstruction_mse(X_test, reducer.reconstruct(X_test))
        note = f"fit {seconds():.1f} s, {reducer.n_epochs_} epochs"
        if kind in ("sparse", "wta"):
            stats = reducer.activation_stats(X_test)
            note += f", {stats['fraction_active']:.0%} of code values > 0.1"
        rows.append(row(GROUP, f"{kind} k={N_COMPONENTS}: test MSE", mse, baseline=pca,
                        baseline_name=f"PCA-{N_COMPONENTS}", target="shown honestly", note=note))
        rows.append(row(GROUP, f"{kind} k={N_COMPONENTS}: fit time", seconds(), unit="s",
                        target="shown honestly"))

    # Tied weights: the decoder owns only biases.
    shape = dict(n_features=ds.n_features, n_components=N_COMPONENTS, hidden_units=(512, 256))
    _, tied = describe(Architecture(kind="tied", **shape))
    _, untied = describe(Architecture(kind="dense", **shape))
    rows.append(row(GROUP, "tied 784-512-256-10: parameters", tied, baseline=untied,
                    baseline_name="untied dense", target="ratio about 0.5"))

    # Greedy layer-wise stacking against end-to-end training of the same network.
    dense_mse = reconstruction_mse(X_test, fitted["dense"].reconstruct(X_test))
    for finetune in ((5,) if quick else (0, 20)):
        with timer() as seconds:
            greedy = AutoencoderReducer(kind="dense", greedy=True, greedy_finetune_epochs=finetune,
                                        **settings).fit(X_train)
        name = "greedy layer-wise" + (f" + {finetune} fine-tuning epochs" if finetune else "")
        rows.append(row(GROUP, f"{name}: test MSE", reconstruction_mse(X_test, greedy.reconstruct(X_test)),
                        baseline=dense_mse, baseline_name="end-to-end dense", target="shown honestly",
                        note=f"fit {seconds():.1f} s, {greedy.n_epochs_} epochs over "
                             f"{int(max(greedy.history_['stage']))} phases"))

    # Denoising: how close the output of a noisy image comes to the clean image.
    noisy = corrupt(X_test, "gaussian", NOISE_LEVEL, random_state=0)
    noisy_error = reconstruction_mse(X_test, noisy)
    for kind in ("denoising", "dense"):
        rows.append(row(GROUP, f"{kind}: error of output(noisy) vs clean", reconstruction_mse(
            X_test, fitted[kind].reconstruct(noisy)), baseline=noisy_error,
            baseline_name=f"noisy input (Gaussian {NOISE_LEVEL})",
            target="below 1" if kind == "denoising" else "reference"))

    rows += robustness_rows(X_train, X_test, epochs=10 if quick else 30)

    # Unsupervised pretraining: the dense encoder, fitted on X_train without its labels. In full
    # mode also the denoising encoder (Vincent et al.'s stacked denoising recipe), which needs
    # more than quick mode's 10 epochs to learn useful features.
    seeds = (0,) if quick else (0, 1, 2)
    steps = 300 if quick else 500
    rows += _pretraining_rows(fitted["dense"], "dense", (50, 100, 500, 1000), seeds, steps,
                              X_train, y_train, X_test, y_test)
    if not quick:
        rows += _pretraining_rows(fitted["denoising"], "denoising", (50, 100), seeds, steps,
                                  X_train, y_train, X_test, y_test)
    return rows


def robustness_rows(X_train, X_test, epochs: int) -> list[dict]:
    """Code shift per unit of input noise (``code_sensitivity``, noise 0.05) of a plain, a denoising
    and a contractive autoencoder trained for the same ``epochs`` on the same rows and seed, against
    the plain one's; their held-out MSE beside it, since robustness costs some reconstruction."""
    result = compare_robustness(X_train, X_test, n_components=N_COMPONENTS, epochs=epochs)
    found = result["models"]
    rows = []
    for name in ROBUSTNESS_MEMBERS:
        model = found[name]
        rows.append(row(GROUP, f"{name}: code shift per unit of input noise ({epochs} epochs)",
                        model["sensitivity"], baseline=found["dense"]["sensitivity"],
                        baseline_name="plain dense", target="reference" if name == "dense" else "below 1",
                        note=f"noise sd {result['probe_noise']}, test MSE {model['test_mse']:.4f}, "
                             f"fit {model['seconds']:.1f} s"))
    return rows


def _pretraining_rows(reducer, name, label_counts, seeds, steps, X_train, y_train, X_test, y_test):
    """Accuracy rows of few-label classifiers, averaged over subset seeds, each per seed in the note."""
    curves = [few_label_curve(reducer, X_train, y_train, X_test, y_test, label_counts=label_counts,
                              random_state=seed, steps=steps) for seed in seeds]
    rows = []
    for n in label_counts:
        accuracy = {}
        for mode in ("scratch", "frozen", "finetune"):
            per_seed = [r["accuracy"] for c in curves for r in c if r["n_labels"] == n and r["mode"] == mode]
            accuracy[mode] = (float(np.mean(per_seed)), " / ".join(f"{a:.3f}" for a in per_seed))
        rows.append(row(GROUP, f"{n} labels: from-scratch classifier accuracy ({name} architecture)",
                        accuracy["scratch"][0], target="reference",
                        note=f"seeds {tuple(seeds)}: {accuracy['scratch'][1]}, {steps} steps"))
        for mode in ("frozen", "finetune"):
            rows.append(row(GROUP, f"{n} labels: {mode} {name} encoder accuracy", accuracy[mode][0],
                            baseline=accuracy["scratch"][0], baseline_name="from scratch",
                            target="above 1" if n == 100 else "shown honestly",
                            note=f"seeds {tuple(seeds)}: {accuracy[mode][1]}"))
    return rows


if __name__ == "__main__":
    sys.exit(rows_main(run, options=lambda args: {"only": args.only}, arguments=[
        (("--only",), {"choices": ["robustness"], "help": "only the plain / denoising / contractive "
                                                          "robustness rows"})]))
