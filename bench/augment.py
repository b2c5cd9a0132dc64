"""Post 004 calls the decoder a generative model, "related to data augmentation" (데이터 증강과도
관련 있음). Does it help? A few-label task on the MNIST sample, measured: classifiers trained on L
labelled rows per class, alone, with decoder samples around them, or with pixel noise (the control).
The method is written out with the results in BENCHMARKS.md (section bench/augment.py).

Usage: ``python -m bench.augment [--quick] [--no-write]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from aecore.experiments.augment import generate_like
from aecore.data.datasets import load_dataset, train_test_split
from bench.harness.report import say, section, section_main, stamp_line

LABELS, QUICK_LABELS = (5, 10, 20), (5,)
DRAWS, QUICK_DRAWS = 5, 2
N_PER_ROW = 5
PIXEL_NOISE = 0.2
DENSE_SPREAD = 0.25
CLASSIFIERS = {"logistic regression": lambda: LogisticRegression(max_iter=1000),
               "1-NN": lambda: KNeighborsClassifier(1)}
#: Condition -> what it adds to the labelled rows.
CONDITIONS = {"labelled only": "nothing", "+ VAE posterior draws": "mnist-vae-2d",
              "+ dense AE code noise": "mnist-recommended", "+ pixel noise (control)": "pixel noise"}


def demo_models() -> dict:
    """The shipped VAE and recommended dense AE (trained without labels on the same training split)."""
    from aecore.runs.demo import load_all

    found = {preset: reducer for data, preset, _, reducer in load_all() if data == "mnist_sample"}
    return {"mnist-vae-2d": found["vae_2d"], "mnist-recommended": found["recommended"]}


def pick_labelled(y: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Indices of ``per_class`` rows of every class, drawn without replacement."""
    rng = np.random.default_rng(seed)
    return np.sort(np.concatenate([rng.choice(np.flatnonzero(y == c), per_class, replace=False)
                                   for c in np.unique(y)]))


def extra_rows(condition: str, X: np.ndarray, y: np.ndarray, models: dict, code_scale: dict, seed: int):
    source = CONDITIONS[condition]
    if source == "nothing":
        return X[:0], y[:0]
    if source == "pixel noise":
        rng = np.random.default_rng(seed)
        rows = np.repeat(X, N_PER_ROW, axis=0)
        return np.clip(rows + rng.normal(0, PIXEL_NOISE, rows.shape), 0, 1).astype(np.float32), np.repeat(y, N_PER_ROW)
    reducer = models[source]
    spread = None if reducer.kind == "vae" else DENSE_SPREAD
    return generate_like(reducer, X, y, N_PER_ROW, spread=spread, random_state=seed,
                         code_scale=code_scale.get(source))


def run(quick: bool = False, log=say) -> dict:
    ds = load_dataset("mnist_sample")
    train, test = train_test_split(ds, 0.2, seed=0)
    X_train, y_train, X_test, y_test = ds.X[train], ds.y[train], ds.X[test], ds.y[test]
    models = demo_models()
    # The dense AE's noise scale: its codes' s.d. over the (unlabelled) training split.
    code_scale = {"mnist-recommended": models["mnist-recommended"].transform(X_train).std(axis=0)}
    # How often a generated row's copied label is what 1-NN on all labelled training rows says.
    oracle = KNeighborsClassifier(1).fit(X_train, y_train)
    runs = []
    for per_class in (QUICK_LABELS if quick else LABELS):
        for draw in range(QUICK_DRAWS if quick else DRAWS):
            idx = pick_labelled(y_train, per_class, seed=1000 * per_class + draw)
            X_l, y_l = X_train[idx], y_train[idx]
            for condition in CONDITIONS:
                started = time.perf_counter()
                X_x, y_x = extra_rows(condition, X_l, y_l, models, code_scale, seed=draw)
                X_fit, y_fit = np.concatenate([X_l, X_x]), np.concatenate([y_l, y_x])
                agree = float((oracle.predict(X_x) == y_x).mean()) if len(X_x) else None
                for name, make in CLASSIFIERS.items():
                    accuracy = float((make().fit(X_fit, y_fit).predict(X_test) == y_test).mean())
                    runs.append({"labels_per_class": per_class, "draw": draw, "condition": condition,
                                 "classifier": name, "train_rows": len(X_fit), "accuracy": accuracy,
                                 "label_agreement": agree})
                got = ", ".join(f"{r['classifier']} {r['accuracy']:.3f}" for r in runs[-len(CLASSIFIERS):])
                log(f"L={per_class} draw {draw} {condition}: {got} ({time.perf_counter() - started:.1f} s)")
    return {"train_rows": len(X_train), "test_rows": len(X_test), "n_per_row": N_PER_ROW,
            "pixel_noise": PIXEL_NOISE, "dense_spread": DENSE_SPREAD, "summary": summarise(runs), "runs": runs}


def summarise(runs: list[dict]) -> list[dict]:
    """Per (L, classifier, condition): mean and s.d. of accuracy, and of its paired gain over (a)."""
    out = []
    for per_class in sorted({r["labels_per_class"] for r in runs}):
        for name in CLASSIFIERS:
            mine = [r for r in runs if r["labels_per_class"] == per_class and r["classifier"] == name]
            base = {r["draw"]: r["accuracy"] for r in mine if r["condition"] == "labelled only"}
            for condition in CONDITIONS:
                acc = {r["draw"]: r["accuracy"] for r in mine if r["condition"] == condition}
                gains = [acc[d] - base[d] for d in sorted(acc)]
                def sd(values):
                    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0

                out.append({"labels_per_class": per_class, "classifier": name, "condition": condition,
                            "accuracy": float(np.mean(list(acc.values()))), "accuracy_sd": sd(list(acc.values())),
                            "gain": float(np.mean(gains)), "gain_sd": sd(gains),
                            "gain_wins": int(sum(g > 0 for g in gains)), "draws": len(gains),
                            "label_agreement": None if condition == "labelled only" else
                            float(np.mean([r["label_agreement"] for r in mine if r["condition"] == condition]))})
    return out


def verdict(result: dict) -> str:
    """One plain sentence: do decoder samples help here, and more than pixel noise does?"""
    s = result["summary"]

    def of(condition, key):
        return [e[key] for e in s if e["condition"] == condition]

    def gains(condition):
        return [r for r in result["runs"] if r["condition"] == condition]

    base = {(r["labels_per_class"], r["draw"], r["classifier"]): r["accuracy"] for r in gains("labelled only")}
    control = float(np.mean(of("+ pixel noise (control)", "gain")))
    decoder = [c for c in CONDITIONS if c.startswith("+ ") and "control" not in c]
    parts, best = [], -1.0
    for c in decoder:
        paired = [r["accuracy"] - base[(r["labels_per_class"], r["draw"], r["classifier"])] for r in gains(c)]
        mean = float(np.mean(paired))
        best = max(best, mean)
        parts.append(f"{c[2:]} {mean:+.3f} on average ({min(of(c, 'gain')):+.3f} to {max(of(c, 'gain')):+.3f} "
                     f"per setting, higher in {sum(g > 0 for g in paired)} of {len(paired)} paired draws; "
                     f"{np.mean(of(c, 'label_agreement')):.0%} of its rows carry the label 1-NN on all training "
                     "rows gives them)")
    if best > max(control, 0.0) + 0.01:
        head = "Decoder samples help here, more than pixel noise does:"
    elif best > 0.005:
        head = "Decoder samples help at most marginally here:"
    else:
        head = "Decoder samples do not help here:"
    return (f"{head} test accuracy changed by " + "; ".join(parts)
            + f"; pixel noise (the control) {control:+.3f} on average.")


def markdown(report: dict) -> str:
    r = report["result"]
    lines = ["## Post 004: do decoder samples help as data augmentation?", "", stamp_line(report), "",
             f"The MNIST sample's app split ({r['train_rows']:,} training rows, {r['test_rows']:,} held-out). L labelled "
             "rows per class drawn from the training split (5 draws per L); classifiers on raw pixels: "
             "`LogisticRegression(max_iter=1000)` and 1-NN. (a) labelled rows only; (b) plus "
             f"`aecore.experiments.augment.generate_like` rows, {r['n_per_row']} per labelled row with its label, from the shipped "
             "demo autoencoders, trained without labels on the whole training split: the 2-D VAE `mnist-vae-2d` "
             "(codes drawn from its posterior) and the recommended 10-d dense AE `mnist-recommended` (code + "
             f"Gaussian noise of {r['dense_spread']} × the training codes' s.d.); (c) control: plus as many rows of "
             f"pixel noise (Gaussian, s.d. {r['pixel_noise']}, clipped to [0, 1]). Test accuracy on the held-out "
             "digits, mean ± s.d. over draws; gain = condition − (a), paired by draw, with the draws it was "
             "positive in.", "",
             "| L / class | classifier | (a) labelled only | (b) + VAE draws | gain | (b) + dense AE | gain | "
             "(c) + pixel noise | gain |", "|---|---|---|---|---|---|---|---|---|"]
    agreement = {c: np.mean([e["label_agreement"] for e in r["summary"] if e["condition"] == c])
                 for c in list(CONDITIONS)[1:]}
    s = r["summary"]
    for per_class in sorted({e["labels_per_class"] for e in s}):
        for name in CLASSIFIERS:
            e = {x["condition"]: x for x in s if x["labels_per_class"] == per_class and x["classifier"] == name}
            cells = [f"{e['labelled only']['accuracy']:.3f} ± {e['labelled only']['accuracy_sd']:.3f}"]
            for c in list(CONDITIONS)[1:]:
                cells += [f"{e[c]['accuracy']:.3f} ± {e[c]['accuracy_sd']:.3f}",
                          f"{e[c]['gain']:+.3f} ± {e[c]['gain_sd']:.3f} ({e[c]['gain_wins']}/{e[c]['draws']})"]
            lines.append(f"| {per_class} | {name} | " + " | ".join(cells) + " |")
    lines += ["", "Label check: the share of added rows whose copied label is the one 1-NN on all "
              f"{r['train_rows']:,} labelled training rows gives them — VAE draws {agreement['+ VAE posterior draws']:.0%}, "
              f"dense AE {agreement['+ dense AE code noise']:.0%}, pixel noise {agreement['+ pixel noise (control)']:.0%}.",
              "", verdict(r), "", "Per-draw accuracies are in bench/results_augment.json.", ""]
    return section("augment.py", lines)


if __name__ == "__main__":
    sys.exit(section_main("augment", __doc__, lambda args: {"result": run(args.quick)}, markdown,
                          quick=f"L = 5, {QUICK_DRAWS} draws (about 1 minute)"))
