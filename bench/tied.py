"""Post 001's claim that tying the decoder's weights to the encoder's "trains faster and overfits
less", measured on the MNIST sample: kind "tied" against kind "dense" with the same shape and
settings, fitted back to back in alternating order per seed, over a standard and a long small-data
budget. The method is written out with the results in BENCHMARKS.md (section bench/tied.py).

Usage: ``python -m bench.tied [--quick] [--no-write]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from aecore import AutoencoderReducer
from aecore.data.datasets import load_dataset, train_test_split
from bench.harness.report import say, section, section_main, stamp_line

KINDS = ("dense", "tied")
SHAPE = {"n_components": 10, "hidden_units": (512, 256)}
TRAINING = {"batch_size": 128, "learning_rate": 1e-3, "early_stopping": False, "validation_fraction": 0.0}
#: name -> (training rows, epochs, epoch at which the test MSE is also read, or None)
BUDGETS = {"standard": (None, 15, None), "long, small data": (1000, 80, 40)}
QUICK_BUDGETS = {"standard": (None, 3, None), "long, small data": (1000, 10, 5)}
SEEDS, QUICK_SEEDS = (0, 1, 2), (0,)


def _mse(model, X: np.ndarray) -> float:
    pred = np.concatenate([np.asarray(model(X[i:i + 4096], training=False)) for i in range(0, len(X), 4096)])
    return float(np.mean((pred.astype(np.float64) - X) ** 2))


def fit_one(kind: str, seed: int, epochs: int, X_train: np.ndarray, X_test: np.ndarray) -> dict:
    """Fit one model; per epoch: seconds of training (evaluation excluded), train and test MSE."""
    reducer = AutoencoderReducer(kind=kind, epochs=epochs, random_state=seed, **SHAPE, **TRAINING)
    seconds, train_curve, test_curve = [], [], []
    last = [0.0]

    def progress(epoch, logs):
        now = time.perf_counter()
        seconds.append(now - last[0])
        train_curve.append(_mse(reducer.autoencoder_, X_train))
        test_curve.append(_mse(reducer.autoencoder_, X_test))
        last[0] = time.perf_counter()

    started = last[0] = time.perf_counter()
    reducer.fit(X_train, progress=progress)
    fit_seconds = time.perf_counter() - started
    train_mse, test_mse = _mse(reducer.autoencoder_, X_train), _mse(reducer.autoencoder_, X_test)
    return {"kind": kind, "seed": seed, "epochs": reducer.n_epochs_, "params": reducer.count_params(),
            "fit_seconds": fit_seconds, "first_epoch_seconds": seconds[0],
            "seconds_per_epoch": float(np.median(seconds[1:])) if len(seconds) > 1 else seconds[0],
            "epoch_seconds": seconds, "train_mse": train_mse, "test_mse": test_mse,
            "gap": test_mse - train_mse, "train_curve": train_curve, "test_curve": test_curve}


def summarise(runs: list[dict], checkpoint: int | None) -> dict:
    """Per kind: parameters, median seconds per epoch (pooled over seeds), mean MSEs and gap."""
    out = {}
    for kind in KINDS:
        mine = [r for r in runs if r["kind"] == kind]
        pooled = [s for r in mine for s in r["epoch_seconds"][1:]]
        entry = {"params": mine[0]["params"], "seconds_per_epoch": float(np.median(pooled)),
                 "first_epoch_seconds": float(np.median([r["first_epoch_seconds"] for r in mine])),
                 "fit_seconds": float(np.median([r["fit_seconds"] for r in mine]))}
        for key in ("train_mse", "test_mse", "gap"):
            entry[key] = float(np.mean([r[key] for r in mine]))
            entry[key + "_per_seed"] = [r[key] for r in mine]
        entry["best_test_mse"] = float(np.mean([min(r["test_curve"]) for r in mine]))
        entry["best_test_epoch"] = [int(np.argmin(r["test_curve"])) + 1 for r in mine]
        if checkpoint:
            entry["checkpoint_epoch"] = checkpoint
            for key in ("train", "test"):
                entry[f"{key}_mse_at_checkpoint"] = float(np.mean([r[f"{key}_curve"][checkpoint - 1] for r in mine]))
            entry["gap_at_checkpoint"] = entry["test_mse_at_checkpoint"] - entry["train_mse_at_checkpoint"]
        out[kind] = entry
    dense, tied = out["dense"], out["tied"]
    out["ratio"] = {key: tied[key] / dense[key] for key in dense
                    if isinstance(dense[key], float | int) and key != "checkpoint_epoch" and dense[key]}
    # Same-run ratios seed by seed: each pair was fitted back to back.
    pairs = {r["seed"]: {} for r in runs}
    for r in runs:
        pairs[r["seed"]][r["kind"]] = r
    out["per_seed_ratio"] = {key: [p["tied"][key] / p["dense"][key] for p in pairs.values()]
                             for key in ("seconds_per_epoch", "train_mse", "test_mse")}
    return out


def measure(quick: bool = False, seeds=None, budgets=None, log=say) -> dict:
    """Every fit of every budget: ``{budget: {train_rows, test_rows, epochs, seeds, summary, runs}}``."""
    ds = load_dataset("mnist_sample")
    train, test = train_test_split(ds, 0.2, seed=0)
    X_train_all, X_test = ds.X[train].astype(np.float32), ds.X[test].astype(np.float32)
    seeds = seeds or (QUICK_SEEDS if quick else SEEDS)
    budgets = budgets or (QUICK_BUDGETS if quick else BUDGETS)
    # Warm-up: TensorFlow's first fit in a process pays one-time costs that would land on one kind.
    AutoencoderReducer(kind="dense", epochs=1, random_state=0, **SHAPE, **TRAINING).fit(X_train_all[:256])
    result = {}
    for name, (n_rows, epochs, checkpoint) in budgets.items():
        X_train = X_train_all if n_rows is None else X_train_all[:n_rows]
        runs = []
        for i, seed in enumerate(seeds):
            for kind in (KINDS if i % 2 == 0 else KINDS[::-1]):
                r = fit_one(kind, seed, epochs, X_train, X_test)
                runs.append(r)
                log(f"[{name}] {kind} seed {seed}: {r['fit_seconds']:.1f} s, {r['seconds_per_epoch'] * 1000:.0f} "
                    f"ms/epoch, train {r['train_mse']:.5f}, test {r['test_mse']:.5f}")
        result[name] = {"train_rows": len(X_train), "test_rows": len(X_test), "epochs": epochs,
                        "seeds": list(seeds), "summary": summarise(runs, checkpoint), "runs": runs}
    return result


def _verdict(s: dict) -> str:
    r = s["ratio"]
    speed = ("faster" if r["seconds_per_epoch"] < 0.95 else "slower" if r["seconds_per_epoch"] > 1.05
             else "about as fast")
    gap = ("smaller" if s["tied"]["gap"] < s["dense"]["gap"] else "larger")
    return (f"tied is {speed} per epoch ({r['seconds_per_epoch']:.2f}×), reaches {r['train_mse']:.2f}× the "
            f"training MSE and {r['test_mse']:.2f}× the test MSE, and its generalisation gap is {gap} "
            f"({s['tied']['gap']:.5f} vs {s['dense']['gap']:.5f}).")


def markdown(report: dict) -> str:
    lines = ["## Tied vs untied weights: speed and overfitting (post 001's claim)", "",
             stamp_line(report, load=True), "",
             f"784-{'-'.join(map(str, SHAPE['hidden_units']))}-{SHAPE['n_components']} autoencoders, kind "
             "`dense` against kind `tied`, same settings (batch 128, Adam 1e-3, fixed epochs, no early "
             "stopping, no validation split), seeds "
             f"{', '.join(map(str, report['seeds']))}, the two kinds fitted back to back in alternating order. "
             "MSEs are means over seeds on the MNIST sample's 4,000-row training split (or its first 1,000 rows) "
             "and its 1,000 held-out rows; seconds per epoch are the median of epochs 2 onward (epoch 1 compiles).",
             "", "| budget | kind | parameters | s / epoch | epoch 1 (compile) | train MSE | test MSE | "
             "gap (test − train) | best test MSE (epoch) |", "|---|---|---|---|---|---|---|---|---|"]
    for name, budget in report["budgets"].items():
        s = budget["summary"]
        for kind in ("dense", "tied", "ratio"):
            e = s[kind]
            if kind == "ratio":
                lines.append(f"| | **tied / dense** | {e['params']:.3f} | {e['seconds_per_epoch']:.2f} | "
                             f"{e['first_epoch_seconds']:.2f} | {e['train_mse']:.3f} | {e['test_mse']:.3f} | "
                             f"{e['gap']:.2f} | {e['best_test_mse']:.3f} |")
                continue
            lines.append(f"| {name}: {budget['train_rows']} rows × {budget['epochs']} epochs | {kind} | "
                         f"{e['params']:,} | {e['seconds_per_epoch']:.3f} | {e['first_epoch_seconds']:.1f} | "
                         f"{e['train_mse']:.5f} | {e['test_mse']:.5f} | {e['gap']:.5f} | "
                         f"{e['best_test_mse']:.5f} ({', '.join(map(str, e['best_test_epoch']))}) |")
    lines.append("")
    for name, budget in report["budgets"].items():
        s = budget["summary"]
        text = f"- **{name}**: {_verdict(s)}"
        if "checkpoint_epoch" in s["dense"]:
            c = s["dense"]["checkpoint_epoch"]
            text += (f" At epoch {c}: gap dense {s['dense']['gap_at_checkpoint']:.5f}, tied "
                     f"{s['tied']['gap_at_checkpoint']:.5f}; test MSE dense "
                     f"{s['dense']['test_mse_at_checkpoint']:.5f}, tied {s['tied']['test_mse_at_checkpoint']:.5f}.")
        per_seed = s["per_seed_ratio"]
        text += (" Per-seed ratios (s/epoch; test MSE): "
                 + " / ".join(f"{a:.2f}" for a in per_seed["seconds_per_epoch"]) + "; "
                 + " / ".join(f"{a:.3f}" for a in per_seed["test_mse"]) + ".")
        lines.append(text)
    lines += ["", "Per-epoch curves of every run are in bench/results_tied.json.", ""]
    return section("tied.py", lines)


def fields(args) -> dict:
    """The report's fields: the settings and every budget's fits (:func:`measure`)."""
    budgets = measure(args.quick)
    return {"seeds": next(iter(budgets.values()))["seeds"], "settings": {**SHAPE, **TRAINING}, "budgets": budgets}


if __name__ == "__main__":
    sys.exit(section_main("tied", __doc__, fields, markdown, quick="one seed, short budgets (about 1 minute)"))
