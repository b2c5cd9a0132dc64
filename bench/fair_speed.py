"""Training speed, measured fairly: our Keras fit against a plain PyTorch loop, each in its own
fresh process with its own default threading (issue 18): the same autoencoder, data, batch size
and epochs; two fits per process (the first pays for tracing and compilation); the frameworks
alternate ``--repeats`` times. The method is written out with the results in BENCHMARKS.md
(section bench/fair_speed.py).

Usage: ``python -m bench.fair_speed [--repeats N] [--no-write]`` (needs the `bench` extra's PyTorch).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time

import numpy as np

from bench.harness.data import mnist_sample
from bench.harness.report import run_worker, say, section, section_main, stamp_line

EPOCHS, BATCH_SIZE, LEARNING_RATE = 10, 128, 1e-3
HIDDEN_UNITS, N_COMPONENTS = (512, 256), 32
FITS_PER_PROCESS = 2


def _fit_result(start: float, stamps: list[float], steps: int, mse: float) -> dict:
    epochs = list(np.diff([start] + stamps))
    return {"seconds": stamps[-1] - start, "first_epoch": epochs[0], "steady_epoch": float(min(epochs[1:])),
            "epochs": [round(e, 4) for e in epochs], "steps": int(steps), "mse": float(mse)}


def keras_reducer(random_state: int):
    """The autoencoder this benchmark times, as ``AutoencoderReducer`` (no validation, no early stop)."""
    from aecore import AutoencoderReducer

    return AutoencoderReducer(
        n_components=N_COMPONENTS, kind="dense", hidden_units=HIDDEN_UNITS, activation="relu",
        output_activation="sigmoid", optimizer="adam", learning_rate=LEARNING_RATE, loss="mse", batch_size=BATCH_SIZE,
        epochs=EPOCHS, early_stopping=False, validation_fraction=0.0, random_state=random_state)


def torch_autoencoder(d: int):
    """The same network in PyTorch, with Keras' initialisation (Glorot-uniform kernels, zero biases),
    so that both train the same model."""
    from torch import nn

    model = nn.Sequential(
        nn.Linear(d, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, N_COMPONENTS),
        nn.Linear(N_COMPONENTS, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, d), nn.Sigmoid())
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return model


def keras_fits(X: np.ndarray) -> list[dict]:
    """``AutoencoderReducer.fit`` as the app calls it, twice in this process."""
    results = []
    for seed in range(FITS_PER_PROCESS):
        reducer = keras_reducer(seed)
        stamps: list[float] = []
        start = time.perf_counter()
        reducer.fit(X, progress=lambda epoch, logs: stamps.append(time.perf_counter()))
        results.append(_fit_result(start, stamps, reducer.n_epochs_ * math.ceil(len(X) / BATCH_SIZE),
                                   -reducer.score(X)))
    return results


def torch_fits(X: np.ndarray) -> list[dict]:
    """A plain PyTorch training loop with PyTorch's defaults, twice in this process."""
    import torch
    from torch import nn

    data = torch.from_numpy(X)
    results = []
    for seed in range(FITS_PER_PROCESS):
        torch.manual_seed(seed)
        model = torch_autoencoder(X.shape[1])
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
        stamps: list[float] = []
        steps = 0
        start = time.perf_counter()
        for _ in range(EPOCHS):
            for batch_rows in torch.randperm(len(data)).split(BATCH_SIZE):
                batch = data[batch_rows]
                loss = nn.functional.mse_loss(model(batch), batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                steps += 1
            stamps.append(time.perf_counter())
        with torch.no_grad():
            mse = float(nn.functional.mse_loss(model(data), data))
        results.append(_fit_result(start, stamps, steps, mse))
    return results


def worker(args: list[str]) -> dict:
    """One fresh process: import the framework ``args[0]`` and load the data (untimed), fit twice."""
    import importlib

    name, X = args[0], np.ascontiguousarray(mnist_sample().X, dtype=np.float32)
    importlib.import_module(name)  # imported before timing, as in a warm app process
    return {"framework": name, "fits": keras_fits(X) if name == "keras" else torch_fits(X)}


def _run_worker(name: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS")}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return run_worker("fair_speed", [name], env, stderr=subprocess.PIPE, check=True)[0]


def measure(repeats: int, log=say) -> dict:
    runs = {"keras": [], "torch": []}
    for r in range(repeats):
        for name in ("torch", "keras") if r % 2 == 0 else ("keras", "torch"):
            result = _run_worker(name)
            runs[name].append(result["fits"])
            log(f"{name} run {r + 1}: " + ", ".join(f"fit {i + 1} {f['seconds']:.2f} s (first epoch "
                                                    f"{f['first_epoch']:.2f}, steady {f['steady_epoch']:.3f})"
                                                    for i, f in enumerate(result["fits"])))
    return runs


def summary(runs: dict) -> dict:
    """Per framework and fit number: the median over the processes of each figure."""
    out = {}
    for name, processes in runs.items():
        out[name] = []
        for i in range(FITS_PER_PROCESS):
            fits = [p[i] for p in processes]
            out[name].append({key: float(np.median([f[key] for f in fits]))
                              for key in ("seconds", "first_epoch", "steady_epoch", "steps", "mse")})
    return out


def markdown(report: dict) -> str:
    s, m = report["summary"], report["machine"]
    lines = ["## Training speed, fairly measured: Keras (ours) against PyTorch",
             "", stamp_line(report, load=True, stack=f"Python {m.get('python')}, torch {report['torch']}"), "",
             f"784-512-256-32 dense autoencoder, 5,000 MNIST-sample digits, batch {BATCH_SIZE}, {EPOCHS} epochs, "
             "Adam 1e-3, MSE, no validation. Each framework in its own fresh process with its default threading "
             "(imports and data untimed), two fits per process with different seeds (Keras' second fit runs the "
             "train step its first fit traced and compiled: `aecore.training.trainer_pool`); medians over "
             f"{report['repeats']} processes each, run alternately. Steady epoch: the fastest after the first.", "",
             "| fit | framework | whole fit: s | first epoch: s | steady epoch: s | first / steady | optimizer steps "
             "| training MSE | whole fit / PyTorch's |", "|---|---|---|---|---|---|---|---|---|"]
    for i in range(FITS_PER_PROCESS):
        for name, label in (("keras", "Keras (AutoencoderReducer)"), ("torch", "PyTorch loop")):
            f, base = s[name][i], s["torch"][i]
            lines.append(f"| {'first' if i == 0 else 'second'} in its process | {label} | {f['seconds']:.2f} | "
                         f"{f['first_epoch']:.2f} | {f['steady_epoch']:.3f} | {f['first_epoch'] / f['steady_epoch']:.1f} "
                         f"| {f['steps']:.0f} | {f['mse']:.4f} | {f['seconds'] / base['seconds']:.2f} |")
    return section("fair_speed.py", lines)


def fields(args) -> dict | None:
    """The report's fields (None, said why, without PyTorch)."""
    try:
        import torch
    except ImportError:
        say("PyTorch is not installed: pip install '.[bench]' --extra-index-url https://download.pytorch.org/whl/cpu")
        return None
    runs = measure(max(1, args.repeats))
    return {"torch": torch.__version__, "repeats": args.repeats, "runs": runs, "summary": summary(runs),
            "steps_per_epoch": math.ceil(5000 / BATCH_SIZE)}


if __name__ == "__main__":
    sys.exit(section_main("fair_speed", __doc__, fields, markdown, worker=worker, arguments=[
        (("--repeats",), {"type": int, "default": 3, "help": "fresh processes per framework (default 3)"})]))
