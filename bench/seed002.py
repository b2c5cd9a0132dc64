"""Post 002's claim that its CNN autoencoder reconstructs MNIST better than its dense one
("CNN을 이용한 학습 결과가 더 높은 예측을 보여준다"), measured on the MNIST sample: the seed's three
networks as the presets build them, trained as the seed does for several seeds, against PCA-64 on
the same split. The method is written out with the results in BENCHMARKS.md (section
bench/seed002.py).

Usage: ``python -m bench.seed002 [--quick] [--seeds N ...] [--no-write]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from aecore.data.datasets import load_dataset, train_test_split
from aecore.metrics import pca_baseline, reconstruction_mse
from aecore.presets import POST002_PRESETS as PRESETS, preset
from bench.harness.report import say, section, section_main, stamp_line

SEEDS, QUICK_SEEDS = (0, 1, 2), (0,)
QUICK_EPOCHS = 2
PROTOCOL_SEED = 42


def fit_one(name: str, seed: int, X_train: np.ndarray, X_test: np.ndarray | None, image_shape,
            epochs: int | None = None) -> dict:
    """Fit one preset as it says; its parameters, seconds and MSEs (test only when X_test is given)."""
    config = preset(name).replace(random_state=seed, **({} if epochs is None else {"epochs": epochs}))
    reducer = config.to_reducer(image_shape=image_shape)
    started = time.perf_counter()
    reducer.fit(X_train)
    seconds = time.perf_counter() - started
    out = {"preset": name, "seed": seed, "train_rows": len(X_train), "epochs": reducer.n_epochs_,
           "params": int(reducer.autoencoder_.count_params()), "fit_seconds": seconds,
           "train_mse": reconstruction_mse(X_train, reducer.reconstruct(X_train))}
    if X_test is not None:
        out["test_mse"] = reconstruction_mse(X_test, reducer.reconstruct(X_test))
    return out


def summarise(runs: list[dict], pca_test_mse: float) -> dict:
    """Per preset: parameters, mean and s.d. of the MSEs over seeds, median fit seconds, ratios."""
    out = {}
    for name in PRESETS:
        mine = [r for r in runs if r["preset"] == name]
        entry = {"params": mine[0]["params"], "fit_seconds": float(np.median([r["fit_seconds"] for r in mine])),
                 "fit_seconds_per_seed": [r["fit_seconds"] for r in mine]}
        for key in ("train_mse", "test_mse"):
            values = [r[key] for r in mine]
            entry[key] = float(np.mean(values))
            entry[key + "_sd"] = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
            entry[key + "_per_seed"] = values
        entry["test_vs_pca"] = entry["test_mse"] / pca_test_mse
        out[name] = entry
    dense = out["seed002_dense"]
    for name in PRESETS:
        out[name]["fit_seconds_vs_dense"] = out[name]["fit_seconds"] / dense["fit_seconds"]
        out[name]["test_vs_dense"] = out[name]["test_mse"] / dense["test_mse"]
        # Seed by seed (each seed's three fits ran back to back): in how many seeds it beat dense.
        by_seed = {r["seed"]: r for r in runs if r["preset"] == name}
        dense_by_seed = {r["seed"]: r for r in runs if r["preset"] == "seed002_dense"}
        out[name]["test_vs_dense_per_seed"] = [by_seed[s]["test_mse"] / dense_by_seed[s]["test_mse"]
                                               for s in sorted(by_seed)]
    return out


def run(quick: bool = False, seeds=None, log=say) -> dict:
    ds = load_dataset("mnist_sample")
    train, test = train_test_split(ds, 0.2, seed=0)
    X_train, X_test = ds.X[train], ds.X[test]
    seeds = tuple(seeds or (QUICK_SEEDS if quick else SEEDS))
    epochs = QUICK_EPOCHS if quick else None
    pca = pca_baseline(X_train, 64, X_test)
    pca_all = pca_baseline(ds.X, 64, ds.X)  # the seed protocol's baseline: fitted and read on every row
    runs = []
    for i, seed in enumerate(seeds):
        order = PRESETS[i % len(PRESETS):] + PRESETS[:i % len(PRESETS)]
        for name in order:
            r = fit_one(name, seed, X_train, X_test, ds.image_shape, epochs)
            runs.append(r)
            log(f"{name} seed {seed}: {r['fit_seconds']:.1f} s, train {r['train_mse']:.5f}, test {r['test_mse']:.5f}")
    protocol = []
    for name in PRESETS:
        protocol.append(fit_one(name, PROTOCOL_SEED, ds.X, None, ds.image_shape, epochs))
        log(f"{name} seed protocol (all {len(ds.X):,} rows, seed {PROTOCOL_SEED}): "
            f"{protocol[-1]['fit_seconds']:.1f} s, train {protocol[-1]['train_mse']:.5f}")
    return {"train_rows": len(X_train), "test_rows": len(X_test), "all_rows": len(ds.X), "seeds": list(seeds),
            "epochs": epochs or preset(PRESETS[0]).epochs, "pca_test_mse": pca.mse, "pca_all_mse": pca_all.mse,
            "summary": summarise(runs, pca.mse), "runs": runs, "protocol": protocol}


#: A CNN whose mean test MSE is within this share of dense's, and that does not beat it in every
#: seed (or lose in every seed), is called a tie rather than a win or a loss.
TIE = 0.05


def standing(result: dict, name: str) -> str:
    """"better", "worse" or "tie": ``name``'s held-out MSE against the dense preset's."""
    s = result["summary"][name]
    wins, n = sum(v < 1 for v in s["test_vs_dense_per_seed"]), len(result["seeds"])
    if s["test_vs_dense"] < 1 and (wins == n or s["test_vs_dense"] < 1 - TIE):
        return "better"
    if s["test_vs_dense"] > 1 and (wins == 0 or s["test_vs_dense"] > 1 + TIE):
        return "worse"
    return "tie"


def verdict(result: dict) -> str:
    """Plain sentences on the seed's claim (its CNN reconstructs better than its dense network),
    whichever way it comes out."""
    s, n = result["summary"], len(result["seeds"])
    dense = s["seed002_dense"]

    def compare(name, label):
        e, word = s[name], {"better": "better than", "worse": "worse than", "tie": "about as well as"}
        wins = sum(v < 1 for v in e["test_vs_dense_per_seed"])
        return (f"the {label} reconstructs held-out digits {word[standing(result, name)]} the dense network "
                f"(test MSE {e['test_mse']:.4f} vs {dense['test_mse']:.4f}, {e['test_vs_dense']:.2f}×; "
                f"lower in {wins} of {n} seeds)")

    cnn, elu = standing(result, "seed002_cnn"), standing(result, "seed002_cnn_elu")
    if cnn == "better" and elu == "better":
        head = "The seed's claim holds here: "
    elif cnn == "better":
        head = "The seed's claim holds for its plain CNN: "
    elif elu == "better":
        head = "The seed's claim holds only for the ELU variant: the plain CNN does not beat dense, CNN-ELU does — "
    elif elu == "tie" or cnn == "tie":
        head = "The seed's claim does not hold here: neither CNN beats the dense network — "
    else:
        head = "The seed's claim does not hold here: both CNNs lose to the dense network — "
    best = min(PRESETS, key=lambda name: s[name]["test_mse"])
    return (head + compare("seed002_cnn", "plain CNN") + "; " + compare("seed002_cnn_elu", "CNN-ELU")
            + f". Lowest mean test MSE: `{best}`.")


def markdown(report: dict) -> str:
    r = report["result"]
    s = r["summary"]
    proto = {p["preset"]: p for p in r["protocol"]}
    lines = ["## Post 002: dense vs CNN autoencoders on MNIST", "",
             stamp_line(report, load=True), "",
             "The seed's three networks as the presets build them (dense 784 → 784 ReLU → 64 ReLU → 784 sigmoid; "
             "CNN Conv2D 32/64 k2 s2 ReLU → Dense 64 → Dense 3136 → Conv2DTranspose 32 → 1 sigmoid; CNN-ELU "
             "the same 421,377 parameters with ELU in the code, the Dense 3136 and the first Conv2DTranspose), "
             "trained as the seed does (Adam 1e-3, MSE, "
             f"{r['epochs']} epochs, batch 256, no early stopping) on the MNIST sample's {r['train_rows']:,}-row "
             f"training split, seeds {', '.join(map(str, r['seeds']))}, the three fitted back to back in rotating "
             f"order. Test MSE on the {r['test_rows']:,} held-out digits, mean ± s.d. over seeds; PCA-64 on the "
             f"same split: test MSE {r['pca_test_mse']:.5f}. Fit seconds are medians. *Seed protocol*: one more fit "
             f"of each on all {r['all_rows']:,} digits with random_state={PROTOCOL_SEED}, as the seed trains on all "
             "its data; training MSE only.", "",
             "| preset | parameters | train MSE | test MSE | test / PCA-64 | test / dense | fit s (× dense) | "
             "seed protocol train MSE |", "|---|---|---|---|---|---|---|---|"]
    for name in PRESETS:
        e = s[name]
        lines.append(f"| `{name}` | {e['params']:,} | {e['train_mse']:.5f} ± {e['train_mse_sd']:.5f} | "
                     f"{e['test_mse']:.5f} ± {e['test_mse_sd']:.5f} | {e['test_vs_pca']:.2f} | "
                     f"{e['test_vs_dense']:.2f} | {e['fit_seconds']:.1f} ({e['fit_seconds_vs_dense']:.1f}×) | "
                     f"{proto[name]['train_mse']:.5f} |")
    steps, seed_steps = -(-r["train_rows"] // 256) * r["epochs"], -(-60000 // 256) * 20
    lines += ["", verdict(r), "",
              f"Caveat: {r['train_rows']:,} rows at batch 256 make {steps} Adam steps in {r['epochs']} epochs; the "
              f"seed's 60,000 images make {seed_steps:,} in 20, so every network here takes about 1/"
              f"{seed_steps / steps:.0f} of the seed's optimisation steps (and sees 1/12 of its data). Per-seed "
              "figures are in bench/results_seed002.json.",
              ""]
    return section("seed002.py", lines)


if __name__ == "__main__":
    sys.exit(section_main("seed002", __doc__, lambda args: {"result": run(args.quick, seeds=args.seeds)}, markdown,
                          quick=f"one seed, {QUICK_EPOCHS} epochs (about 1 minute)",
                          arguments=[(("--seeds",), {"type": int, "nargs": "+",
                                                     "help": f"random seeds (default {' '.join(map(str, SEEDS))})"})]))
