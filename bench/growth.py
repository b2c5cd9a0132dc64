"""Issue #6: how cost grows with the number of samples.

On synthetic MNIST-shaped data (784 pixels in [0, 1], made by resampling the 5,000 real digits of
the offline sample, shifting each by up to a pixel and adding a little noise) of 1k, 5k, 20k and
60k rows (quick: 1k and 5k):

- training: ``AutoencoderReducer(n_components=10)`` with its defaults (dense 512-256-10, Adam,
  10 % validation split) for a fixed 3 epochs, early stopping off: the whole ``fit`` (what a
  person waits for, XLA compilation included) and the fastest epoch after the first;
- PCA-10 of the pixels (the Train page's baseline), and projections of the model's 10-d codes
  as the Latent space page draws them: PCA, UMAP and (full runs, up to 20k rows) t-SNE, all
  through ``aecore.projection.project`` (one thread). UMAP's numba compilation is paid before
  the timings, for each neighbour path the sizes need (exact neighbours within
  ``EXACT_NEIGHBORS_BUDGET``, nearest-neighbour descent above it), and reported apart.

Rows give the seconds at each size and each method's growth exponent (the least-squares slope of
log seconds against log rows). A full run also draws the curves (Plotly, log-log) into
``bench/growth.html`` (self-contained, plotly.js inlined) and, where kaleido can export it,
``docs/growth.png``; a quick run writes them only where none exist yet.

Usage: ``python -m aecore bench --only growth [--quick]`` or ``python -m bench.growth [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from aecore.budget import Budget

from bench.common import row

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "bench" / "growth.html"
PNG = ROOT / "docs" / "growth.png"
GROUP = "Cost growth (MNIST-shaped rows)"
N_COMPONENTS = 10
EPOCHS = 3
TSNE_MAX_ROWS = 20_000
METHODS = {"train": "training, 3 epochs (whole fit)", "epoch": "training, one epoch (steady)",
           "pca_pixels": "PCA-10 of the pixels", "pca": "PCA of the codes", "umap": "UMAP of the codes",
           "tsne": "t-SNE of the codes"}


def synthetic_mnist(n: int, seed: int = 0, labels: bool = False):
    """``n`` MNIST-shaped rows in [0, 1]: real sample digits, each shifted by up to one pixel in
    each direction and lightly noised, so that larger sets are not plain copies. With ``labels``,
    ``(X, y)``: each row's digit."""
    from aecore.data import load_mnist_sample

    sample = load_mnist_sample()
    base = sample.X.reshape(-1, 28, 28)
    rng = np.random.default_rng(seed)
    chosen_rows = rng.integers(0, len(base), n)
    images = base[chosen_rows]
    shifts = rng.integers(-1, 2, size=(n, 2))
    out = np.empty_like(images)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            chosen = (shifts[:, 0] == dy) & (shifts[:, 1] == dx)
            out[chosen] = np.roll(images[chosen], (dy, dx), axis=(1, 2))
    noisy = out.reshape(n, 784) + rng.normal(0, 0.05, (n, 784)).astype(np.float32)
    X = np.clip(noisy, 0, 1).astype(np.float32)
    return (X, sample.y[chosen_rows]) if labels else X


def exponent(sizes: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) against log(rows): 1 is linear, 2 quadratic."""
    if len(sizes) < 2:
        return float("nan")
    return float(np.polyfit(np.log(sizes), np.log(np.maximum(seconds, 1e-6)), 1)[0])


def _warm_up_umap(largest: int) -> dict:
    """Compile UMAP's numba kernels for the neighbour paths up to ``largest`` rows; seconds of each."""
    from aecore import projection

    out = {"exact neighbours": projection.warm_up_umap(n_samples=5000, n_features=N_COMPONENTS)}
    if largest ** 2 * N_COMPONENTS <= projection.EXACT_NEIGHBORS_BUDGET:
        return out
    # Above EXACT_NEIGHBORS_BUDGET (60k x 10 codes are) umap-learn runs nearest-neighbour
    # descent (pynndescent), whose kernels compile on first use: pay that here on a small input.
    budget = projection.EXACT_NEIGHBORS_BUDGET
    started = time.perf_counter()
    try:
        projection.EXACT_NEIGHBORS_BUDGET = 0
        rng = np.random.default_rng(1)
        projection.project(rng.normal(size=(4200, N_COMPONENTS)).astype(np.float32), "umap", n_epochs=10)
    finally:
        projection.EXACT_NEIGHBORS_BUDGET = budget
    out["nearest-neighbour descent"] = time.perf_counter() - started
    return out


def _best_of(repeats: int, action) -> float:
    """The fastest of ``repeats`` runs of ``action``, in seconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(sizes: list[int], tsne_max_rows: int = TSNE_MAX_ROWS, log=print) -> dict:
    """Seconds per method and size: {"train": {n: s}, ...}, plus notes per size."""
    from aecore import AutoencoderReducer
    from aecore.projection import EXACT_NEIGHBORS_BUDGET, project

    results: dict = {m: {} for m in METHODS}
    notes: dict = {}
    warm = _warm_up_umap(max(sizes))
    for n in sizes:
        X = synthetic_mnist(n)
        stamps: list[float] = []
        reducer = AutoencoderReducer(n_components=N_COMPONENTS, epochs=EPOCHS, early_stopping=False,
                                     random_state=0)
        started = time.perf_counter()
        reducer.fit(X, progress=lambda epoch, logs: stamps.append(time.perf_counter()))
        results["train"][n] = time.perf_counter() - started
        epochs = np.diff([started] + stamps)
        results["epoch"][n] = float(np.min(epochs[1:])) if len(epochs) > 1 else float(epochs[0])
        started = time.perf_counter()
        codes = reducer.transform(X)
        encode = time.perf_counter() - started
        # The Train page's PCA baseline, on the pixels; cheap, so the best of 3 (a busy machine only adds).
        results["pca_pixels"][n] = _best_of(3, lambda: project(X, "pca", n_components=N_COMPONENTS))
        del X
        for method in ("pca", "umap", "tsne"):
            if method == "tsne" and n > tsne_max_rows:
                continue
            # The cost curve itself is measured, past the app's row budget (the app subsamples there).
            results[method][n] = _best_of(3 if method == "pca" else 1,
                                          lambda: project(codes, method, budget=Budget.unlimited()))
        path = ("exact neighbours" if n * n * N_COMPONENTS <= EXACT_NEIGHBORS_BUDGET
                else "nearest-neighbour descent")
        notes[n] = {"first_epoch": float(epochs[0]), "encode": encode, "umap_path": path}
        log(f"[growth] {n:,} rows: " + ", ".join(f"{m} {results[m][n]:.2f} s" for m in METHODS
                                                 if n in results[m]))
    return {"seconds": results, "notes": notes, "warm_up": warm}


def figure(seconds: dict):
    """Log-log curves of seconds against rows, one line per method."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for method, label in METHODS.items():
        points = sorted(seconds[method].items())
        if not points:
            continue
        sizes, times = zip(*points)
        slope = exponent(list(sizes), list(times))
        fig.add_trace(go.Scatter(x=sizes, y=times, mode="lines+markers",
                                 name=f"{label} (slope {slope:.2f})" if len(sizes) > 1 else label,
                                 hovertemplate="%{x:,} rows: %{y:.3g} s<extra>" + label + "</extra>"))
    sizes = sorted({n for method in seconds.values() for n in method})
    fig.update_xaxes(type="log", title="samples (rows)", tickvals=sizes, ticktext=[f"{n:,}" for n in sizes])
    fig.update_yaxes(type="log", title="seconds")
    fig.update_layout(title="How cost grows: seconds against samples (log-log), MNIST-shaped rows, "
                            "2-core CPU",
                      template="plotly_white", height=520, width=1100,
                      legend=dict(x=1.02, y=1, xanchor="left", title="method (slope)"))
    return fig


def write_figures(seconds: dict, note: str) -> list[str]:
    """Write the HTML (always) and the PNG (where kaleido works); returns what happened, in words."""
    fig = figure(seconds)
    fig.add_annotation(text=note, xref="paper", yref="paper", x=0, y=-0.2, showarrow=False,
                       font=dict(size=10), align="left")
    fig.update_layout(margin=dict(b=110))
    done = []
    fig.write_html(HTML, include_plotlyjs=True, full_html=True)  # offline: plotly.js inlined
    done.append(f"wrote {HTML.relative_to(ROOT)}")
    try:
        import kaleido  # noqa: F401

        PNG.parent.mkdir(exist_ok=True)
        fig.write_image(PNG, scale=2)
        done.append(f"wrote {PNG.relative_to(ROOT)}")
    except Exception as exc:  # noqa: BLE001  (no kaleido, or no browser for it: the HTML is enough)
        done.append(f"no PNG ({type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''})")
    return done


def run(quick: bool = False) -> list[dict]:
    sizes = [1_000, 5_000] if quick else [1_000, 5_000, 20_000, 60_000]
    data = measure(sizes, tsne_max_rows=0 if quick else TSNE_MAX_ROWS,
                   log=lambda text: print(text, file=sys.stderr, flush=True))
    seconds, notes = data["seconds"], data["notes"]
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    rows = []
    for n in sizes:
        info = notes[n]
        for method, label in METHODS.items():
            if n not in seconds[method]:
                continue
            note = {"train": f"AutoencoderReducer(n_components={N_COMPONENTS}, epochs={EPOCHS}, "
                             f"early_stopping=False): dense 512-256-10, 10 % validation; first epoch "
                             f"{info['first_epoch']:.1f} s (XLA compilation); encoding all rows "
                             f"{info['encode']:.2f} s",
                    "epoch": "fastest epoch after the first",
                    "umap": f"{info['umap_path']}; numba compiled before",
                    "tsne": "openTSNE's FFT t-SNE through aecore.projection, one thread "
                            "(scikit-learn's Barnes-Hut before bench/tsne.py's change)",
                    "pca_pixels": "784 pixels to 10 components, as the Train page's baseline; one thread; "
                                  "best of 3",
                    "pca": "2 components; best of 3"}[method]
            rows.append(row(GROUP, f"{n:,} rows: {label}", seconds[method][n], unit="s",
                            note=f"{note}; {load}"))
    for method, label in METHODS.items():
        points = sorted(seconds[method].items())
        if len(points) > 1:
            sizes_m, times = zip(*points)
            rows.append(row(GROUP, f"growth exponent: {label}", exponent(list(sizes_m), list(times)),
                            target="1 = linear",
                            note="slope of log seconds vs log rows over "
                                 + ", ".join(f"{s:,}" for s in sizes_m)))
    for path, took in data["warm_up"].items():
        rows.append(row(GROUP, f"UMAP numba compilation, {path} (once per process)", took, unit="s",
                        note="paid before the timings above"))
    if not quick or not HTML.exists():
        done = write_figures(seconds, f"{', '.join(f'{n:,}' for n in sizes)} rows; {load}")
        rows.append(row(GROUP, "growth curves (log-log)", len(sizes), unit="sizes",
                        note="; ".join(done) + "; see bench/growth.html"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k and 5k rows only")
    args = parser.parse_args(argv)
    from bench.run import table

    print(table(run(quick=args.quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
