"""Issues #6 and #18: how time and memory grow with the number of samples.

Each call the app makes (training, encoding, PCA, UMAP, three t-SNEs, KMeans, a Gaussian mixture,
HDBSCAN, each up to its cap in :data:`LIMITS`) timed on 1,000 to 200,000 synthetic MNIST rows, with
its added peak memory and growth exponent; BENCHMARKS.md has the method.

Usage: ``python -m aecore bench --only growth [--quick]`` or ``python -m bench.growth [--quick]
[--sizes N,...] [--*-max-rows N] [--write | --no-write]``."""

from __future__ import annotations

import functools
import json
import os
import sys
import time

import numpy as np

from aecore.budget import Budget

from bench.harness.data import exponent, sklearn_tsne, synthetic_mnist
from bench.harness.report import load_note, row, rows_main, run_stamp, say, write_plot
from bench.harness.server import ROOT
from bench.harness.memory import PeakMemory, settle

JSON = ROOT / "bench" / "results_growth.json"
HTML = ROOT / "bench" / "growth.html"
PNG = ROOT / "docs" / "growth.png"
GROUP = "Cost growth (MNIST-shaped rows)"
N_COMPONENTS = 10
EPOCHS = 3
SIZES, QUICK_SIZES = [1_000, 5_000, 20_000, 60_000, 200_000], [1_000, 5_000]
LIMITS = {"tsne_max_rows": 60_000, "sklearn_max_rows": 5_000, "hdbscan_max_rows": 60_000,
          "gmm_max_rows": 200_000}
METHODS = {"train": "training, 3 epochs (whole fit)", "epoch": "training, one epoch (steady)",
           "encode": "encoding all rows", "pca_pixels": "PCA-10 of the pixels", "pca": "PCA of the codes",
           "umap": "UMAP of the codes", "tsne": "t-SNE of the codes, ours (openTSNE)",
           "tsne_placed": "t-SNE of the codes, the app's large-n path (embed 20,000, place the rest)",
           "tsne_sklearn": "t-SNE of the codes, scikit-learn (Barnes-Hut)",
           "kmeans": "KMeans (k = 10) of the codes", "gmm": "Gaussian mixture (10) of the codes",
           "hdbscan": "HDBSCAN of the 2-D UMAP map"}
#: Rough cost of one call on 2 quiet cores, seconds = fixed + per_row x rows ** power, fitted to
#: earlier runs (BENCHMARKS.md, bench/tsne.py): only for the estimate printed before a run.
COST = {"data": (0.0, 4e-5, 1), "train": (2.0, 1.5e-4, 1), "encode": (0.0, 8e-6, 1),
        "pca_pixels": (0.05, 2.4e-5, 1), "pca": (0.05, 0.0, 1), "umap": (0.3, 5.2e-4, 1),
        "tsne": (2.0, 1.3e-3, 1), "tsne_sklearn": (0.0, 3.3e-4, 1.34), "kmeans": (0.3, 4e-5, 1),
        "gmm": (0.5, 4.5e-4, 1), "hdbscan": (0.1, 1.3e-8, 2)}


def _warm_ups(largest: int) -> dict:
    """What each process pays once, before the timings: {label: action}. TensorFlow's start-up (a
    first small fit and encoding) and UMAP's numba compilation for the neighbour paths up to
    ``largest`` rows."""
    from aecore import AutoencoderReducer
    from aecore.maps import projection

    def first_fit():
        X = synthetic_mnist(512, seed=1)
        AutoencoderReducer(n_components=N_COMPONENTS, epochs=1, early_stopping=False, random_state=0).fit(X) \
            .transform(X)

    def descent():
        # Above EXACT_NEIGHBORS_BUDGET (60k x 10 codes are) umap-learn runs nearest-neighbour
        # descent (pynndescent), whose kernels compile on first use: pay that on a small input.
        budget = projection.EXACT_NEIGHBORS_BUDGET
        try:
            projection.EXACT_NEIGHBORS_BUDGET = 0
            rng = np.random.default_rng(1)
            projection.project(rng.normal(size=(4200, N_COMPONENTS)).astype(np.float32), "umap", n_epochs=10)
        finally:
            projection.EXACT_NEIGHBORS_BUDGET = budget

    out = {"TensorFlow start-up: a first fit (512 rows, 1 epoch) and encoding": first_fit,
           "UMAP numba compilation, exact neighbours":
               lambda: projection.warm_up_umap(n_samples=5000, n_features=N_COMPONENTS)}
    if largest ** 2 * N_COMPONENTS > projection.EXACT_NEIGHBORS_BUDGET:
        out["UMAP numba compilation, nearest-neighbour descent"] = descent
    return out


def _runs(method: str, n: int, limits: dict) -> bool:
    """Whether ``method`` runs at ``n`` rows under ``limits``."""
    if method == "tsne_placed":
        return n > Budget.default().max_tsne_rows
    cap = {"tsne": "tsne_max_rows", "tsne_sklearn": "sklearn_max_rows", "hdbscan": "hdbscan_max_rows",
           "gmm": "gmm_max_rows"}.get(method)
    return cap is None or n <= limits[cap]


def estimate(sizes: list[int], limits: dict) -> dict:
    """Rough seconds of a run, per method (and "data", "warm-up"), from ``COST``."""
    def cost(key, n):
        fixed, per_row, power = COST[key]
        return fixed + per_row * n ** power

    # Start-up: reading the sample (~5 s), TensorFlow's first fit (~10 s), UMAP's exact path (up to
    # 25 s where numba's disk cache is cold), nearest-neighbour descent (~25 s) where sizes need it.
    out = {"data": sum(cost("data", n) for n in sizes),
           "warm-up": 40.0 + (25.0 if max(sizes) ** 2 * N_COMPONENTS > 3e10 else 0.0)}
    embedded = Budget.default().max_tsne_rows
    for method in METHODS:
        if method == "epoch":
            continue
        out[method] = sum(cost("tsne", embedded) + 1.6e-4 * (n - embedded) if method == "tsne_placed"
                          else cost(method, n) for n in sizes if _runs(method, n, limits))
    return out


def _measured(action, repeats: int = 1) -> tuple:
    """``action`` called ``repeats`` times: its last result, the fastest seconds, the largest added MB
    (:class:`PeakMemory`; None where it could not be measured) and that MB in words."""
    times, peaks = [], []
    for _ in range(repeats):
        with PeakMemory() as peak:
            started = time.perf_counter()
            value = action()
            times.append(time.perf_counter() - started)
        peaks.append(peak.mb)
    mb = None if None in peaks else max(peaks)
    return value, min(times), mb, "memory not measured" if mb is None else f"+{mb:,.0f} MB"


def _step(data: dict, log, n: int, method: str, action, repeats: int = 1):
    """Keep :func:`_measured`'s seconds and MB of ``method`` at ``n`` rows in ``data``, say so
    through ``log``; return the last result."""
    value, data["seconds"][method][n], data["memory_mb"][method][n], memory = _measured(action, repeats)
    log(f"[growth] {n:,} rows: {METHODS[method]}: {data['seconds'][method][n]:.2f} s, {memory}")
    return value


def _page_budget(check) -> tuple[Budget, str]:
    """The app's default budget when ``check(budget)`` passes, else ``Budget.unlimited()``, and why."""
    page = Budget.default()
    try:
        check(page)
    except ValueError as exc:
        return Budget.unlimited(), f"over the app's default budget ({str(exc).split('. ')[0]}), run unlimited"
    return page, "within the app's default budget"


def measure(sizes: list[int], limits: dict | None = None, log=say) -> dict:
    """Seconds and added MB per method and size: {"seconds": {"train": {n: s}, ...}, "memory_mb":
    {...}, "notes": {n: {...}}, "warm_up": {...}, "sizes": [...], "limits": {...}}."""
    from aecore import AutoencoderReducer
    from aecore.maps import knn
    from aecore.maps.cluster import cluster
    from aecore.maps.cluster_spaces import check_space, cluster_space
    from aecore.maps.projection import EXACT_NEIGHBORS_BUDGET, project, project_placed

    limits = {**LIMITS, **(limits or {})}
    data: dict = {"sizes": list(sizes), "limits": limits, "seconds": {m: {} for m in METHODS},
                  "memory_mb": {m: {} for m in METHODS}, "notes": {}}
    unlimited, step = Budget.unlimited(), functools.partial(_step, data, log)
    data["warm_up"], data["warm_up_mb"] = {}, {}
    for label, action in _warm_ups(max(sizes)).items():
        _, data["warm_up"][label], data["warm_up_mb"][label], memory = _measured(action)
        log(f"[growth] {label}: {data['warm_up'][label]:.1f} s, {memory}")
    for n in sizes:
        started = time.perf_counter()
        X, y = synthetic_mnist(n, labels=True)
        info = data["notes"][n] = {"data_seconds": time.perf_counter() - started}
        log(f"[growth] {n:,} rows: data made in {info['data_seconds']:.1f} s")
        settings = dict(n_components=N_COMPONENTS, epochs=EPOCHS, early_stopping=False, random_state=0)
        _, info["train_budget"] = _page_budget(lambda b: AutoencoderReducer(**settings, budget=b)
                                               .training_estimate(*X.shape))
        reducer = AutoencoderReducer(**settings, budget=unlimited)
        stamps: list[float] = []

        def fit():
            stamps.append(time.perf_counter())
            reducer.fit(X, progress=lambda epoch, logs: stamps.append(time.perf_counter()))

        step(n, "train", fit)
        epochs = np.diff(stamps)
        data["seconds"]["epoch"][n] = float(np.min(epochs[1:])) if len(epochs) > 1 else float(epochs[0])
        info["first_epoch"] = float(epochs[0])
        codes = step(n, "encode", lambda: reducer.transform(X))
        # The Train page's PCA baseline, on the pixels; cheap, so the best of 3 (a busy machine only adds).
        step(n, "pca_pixels", lambda: project(X, "pca", n_components=N_COMPONENTS), repeats=3)
        X = reducer = None  # free the pixels (627 MB at 200,000 rows) and the model
        # The cost curves themselves are measured, past the app's row budgets (the app subsamples there).
        step(n, "pca", lambda: project(codes, "pca", budget=unlimited), repeats=3)
        umap_map = step(n, "umap", lambda: project(codes, "umap", budget=unlimited))
        info["umap_path"] = ("exact neighbours" if n * n * N_COMPONENTS <= EXACT_NEIGHBORS_BUDGET
                             else "nearest-neighbour descent")
        if _runs("tsne", n, limits):
            step(n, "tsne", lambda: project(codes, "tsne", budget=unlimited))
        if _runs("tsne_placed", n, limits):
            _, embedded = step(n, "tsne_placed", lambda: project_placed(codes, budget=Budget.default()))
            info["placed"] = {"embedded": int(len(embedded)), "placed": int(n - len(embedded))}
        if _runs("tsne_sklearn", n, limits):
            step(n, "tsne_sklearn", lambda: sklearn_tsne(codes))
        for method in [m for m in ("kmeans", "gmm") if _runs(m, n, limits)]:
            budget, info[f"{method}_budget"] = _page_budget(
                lambda b: check_space("codes", method, n, 784, N_COMPONENTS, 10, 10, b))
            result = step(n, method, lambda: cluster_space("codes", None, codes, method, 10, 10, y=y, budget=budget))
            info[f"{method}_acc"] = float(result.scores.get("acc", float("nan")))
        if _runs("hdbscan", n, limits):
            budget, info["hdbscan_budget"] = _page_budget(lambda b: b.check_clustering("hdbscan", n, 2, 10, 10))
            result = step(n, "hdbscan", lambda: cluster(umap_map, "hdbscan", n_clusters=10, budget=budget))
            info["hdbscan_found"] = {"clusters": result.n_clusters,
                                     "noise": float(np.mean(result.labels == -1))}
        codes = umap_map = y = None
        knn.clear()  # the neighbours UMAP kept for other views of these codes
        settle()
    return data


def _note(method: str, info: dict, limits: dict) -> str:
    """What a seconds row of ``method`` measured, with the size's details from ``info``."""
    found = info.get("hdbscan_found", {})
    placed = info.get("placed", {})
    return {
        "train": f"AutoencoderReducer(n_components={N_COMPONENTS}, epochs={EPOCHS}, early_stopping=False, "
                 f"budget=Budget.unlimited()): dense 512-256-10, 10 % validation; first epoch "
                 f"{info.get('first_epoch', float('nan')):.1f} s (XLA compilation); "
                 f"{info.get('train_budget', '')}",
        "epoch": "fastest epoch after the first",
        "encode": "reducer.transform of every row (codes of 10 values)",
        "pca_pixels": "784 pixels to 10 components, as the Train page's baseline; one thread; best of 3",
        "pca": "2 components; best of 3",
        "umap": f"{info.get('umap_path', '')}; numba compiled before; Budget.unlimited() (the app maps "
                "at most 70,000 rows, a subsample above)",
        "tsne": "openTSNE's FFT t-SNE, project(codes, 'tsne', budget=Budget.unlimited()), perplexity 15, "
                f"learning rate 100, one thread; run up to {limits['tsne_max_rows']:,} rows (--tsne-max-rows)",
        "tsne_placed": f"aecore.maps.projection.project_placed with the app's default budget: "
                       f"{placed.get('embedded', 0):,} rows embedded, {placed.get('placed', 0):,} placed",
        "tsne_sklearn": "sklearn.manifold.TSNE (Barnes-Hut), perplexity 15, learning rate 100, seed 0, one "
                        f"thread (bench/tsne.py's); run up to {limits['sklearn_max_rows']:,} rows "
                        "(--sklearn-max-rows); bench/tsne.py measures it at 20,000 rows: 169-336 s in two runs",
        "kmeans": "the Clusters page's call: cluster_space('codes', method='kmeans', n_clusters=10, n_init=10) "
                  f"with its scores; ACC {info.get('kmeans_acc', float('nan')):.3f} (3-epoch codes); "
                  f"{info.get('kmeans_budget', '')}",
        "gmm": "the Clusters page's call: cluster_space('codes', method='gmm', n_clusters=10, n_init=10), full "
               f"covariances, with its scores; ACC {info.get('gmm_acc', float('nan')):.3f} (3-epoch codes); "
               f"{info.get('gmm_budget', '')}; run up to {limits['gmm_max_rows']:,} rows (--gmm-max-rows)",
        "hdbscan": "aecore.maps.cluster.cluster(map, 'hdbscan', n_clusters=10) on the 2-D UMAP map of the codes "
                   "(min_cluster_size = rows // 50, min_samples that up to 100; the page's own UMAP space is N2D's 10-d "
                   f"embedding, refused above 70,000 rows); {found.get('clusters', 0)} clusters, "
                   f"{found.get('noise', 0.0):.0%} noise; run up to {limits['hdbscan_max_rows']:,} rows "
                   f"(--hdbscan-max-rows: rows², ~8 min at 200,000); {info.get('hdbscan_budget', '')}",
    }[method]


MEMORY_NOTE = ("added peak resident memory of the call: max VmRSS during it (sampled every 10 ms; and "
               "VmHWM, reset before it) minus VmRSS just before, MB = 10^6 bytes")


def _memory_tail(points: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """The sizes from which every added MB is above 1 (smaller figures are allocator noise)."""
    tail: list[tuple[int, float]] = []
    for n, mb in reversed(points):
        if mb is None or mb <= 1.0:
            break
        tail.insert(0, (n, mb))
    return tail


#: Colour and dash of each method's line.
STYLE = {"train": ("#1f77b4", "solid"), "epoch": ("#1f77b4", "dot"), "encode": ("#17becf", "solid"),
         "pca_pixels": ("#7f7f7f", "solid"), "pca": ("#7f7f7f", "dot"), "umap": ("#2ca02c", "solid"),
         "tsne": ("#d62728", "solid"), "tsne_placed": ("#d62728", "dot"), "tsne_sklearn": ("#ff7f0e", "dash"),
         "kmeans": ("#9467bd", "solid"), "gmm": ("#9467bd", "dash"), "hdbscan": ("#8c564b", "solid")}


def figure(data: dict, note: str | None = None):
    """Two log-log panels, seconds and added MB against rows; one legend entry per method; ``note``
    under them."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.1,
                        subplot_titles=("seconds per call", "added peak memory per call (MB; values of "
                                                            "1 MB or less not drawn)"))
    for method, label in METHODS.items():
        colour, dash = STYLE.get(method, (None, "solid"))
        seconds = sorted(data["seconds"][method].items())
        memory = _memory_tail(sorted((n, mb) for n, mb in data["memory_mb"][method].items() if mb is not None))
        shown = False
        for panel, points, unit in ((1, seconds, "s"), (2, memory, "MB")):
            if not points:
                continue
            sizes, values = zip(*points)
            slope = exponent(list(sizes), list(values))
            name = label + (f" (slope {slope:.2f})" if len(sizes) > 1 and panel == 1 else "")
            fig.add_trace(go.Scatter(x=sizes, y=values, mode="lines+markers", name=name, legendgroup=method,
                                     showlegend=not shown, line=dict(color=colour, dash=dash),
                                     hovertemplate="%{x:,} rows: %{y:.3g} " + unit + f"<extra>{label}"
                                                   + (f", slope {slope:.2f}" if len(sizes) > 1 else "")
                                                   + "</extra>"),
                          row=panel, col=1)
            shown = True
    sizes = sorted(data["sizes"])
    for panel, title in ((1, "seconds"), (2, "MB added")):
        fig.update_xaxes(type="log", title="samples (rows)", tickvals=sizes, ticktext=[f"{n:,}" for n in sizes],
                         row=panel, col=1)
        fig.update_yaxes(type="log", title=title, row=panel, col=1)
    fig.update_layout(title="How cost grows: seconds and added peak memory against samples (log-log), "
                            "MNIST-shaped rows, 2-core CPU",
                      template="plotly_white", height=980, width=1200,
                      legend=dict(x=1.02, y=1, xanchor="left", title="method (slope of seconds)"))
    if note:
        fig.add_annotation(text=note, xref="paper", yref="paper", x=0, y=-0.08, showarrow=False,
                           font=dict(size=10), align="left")
        fig.update_layout(margin=dict(b=110))
    return fig


def build_rows(data: dict, load: str = "") -> list[dict]:
    """BENCHMARKS.md rows of a ``measure`` result: seconds and added MB per size and method, the
    growth exponents, the warm-ups."""
    seconds, memory, notes, limits = data["seconds"], data["memory_mb"], data["notes"], data["limits"]
    tail = f"; {load}" if load else ""
    rows = []
    for n in data["sizes"]:
        info = notes.get(n, {})
        for method, label in METHODS.items():
            if n not in seconds[method]:
                continue
            rows.append(row(GROUP, f"{n:,} rows: {label}", seconds[method][n], unit="s",
                            note=_note(method, info, limits) + tail))
            if memory[method].get(n) is not None:
                rows.append(row(GROUP, f"{n:,} rows: {label}, added peak memory", memory[method][n], unit="MB",
                                note=MEMORY_NOTE + ("; the largest of 3" if method in ("pca", "pca_pixels") else "")))
    for method, label in METHODS.items():
        points = sorted(seconds[method].items())
        if len(points) > 1:
            sizes, times = zip(*points)
            rows.append(row(GROUP, f"growth exponent: {label}", exponent(list(sizes), list(times)),
                            target="1 = linear", note="slope of log seconds vs log rows over "
                                                      + ", ".join(f"{s:,}" for s in sizes)))
        kept = _memory_tail(sorted((n, mb) for n, mb in memory[method].items() if mb is not None))
        if len(kept) > 1:
            sizes, mbs = zip(*kept)
            rows.append(row(GROUP, f"growth exponent of added peak memory: {label}",
                            exponent(list(sizes), list(mbs)), target="1 = linear",
                            note="slope of log MB vs log rows over " + ", ".join(f"{s:,}" for s in sizes)
                                 + ("" if len(kept) == len(memory[method]) else
                                    " (the smaller sizes added 1 MB or less)")))
    for label, took in data["warm_up"].items():
        rows.append(row(GROUP, f"{label} (once per process)", took, unit="s", note="paid before the timings above"))
        if data.get("warm_up_mb", {}).get(label) is not None:
            rows.append(row(GROUP, f"{label} (once per process), added peak memory", data["warm_up_mb"][label],
                            unit="MB", note=MEMORY_NOTE))
    return rows


def run(quick: bool = False, limits: dict | None = None, write: bool | None = None, figures: bool = True,
        log=say, sizes: list[int] | None = None) -> list[dict]:
    """Measure, print progress to stderr, return the rows; a full run (or ``write``) saves the JSON,
    and writes the figures (a quick one only where none exist yet)."""
    sizes = sizes or (QUICK_SIZES if quick else SIZES)
    limits = {**LIMITS, **(limits or {})}
    guess = estimate(sizes, limits)
    log(f"[growth] {', '.join(f'{n:,}' for n in sizes)} rows; estimated {sum(guess.values()) / 60:.0f} min "
        f"on 2 quiet cores (largest: " + ", ".join(f"{k} {v:.0f} s" for k, v in
                                                  sorted(guess.items(), key=lambda kv: -kv[1])[:4]) + ")")
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    data = measure(sizes, limits, log=log)
    data["estimate"] = {k: round(v, 1) for k, v in guess.items()}
    load = load_note()
    rows = build_rows(data, load)
    log(f"[growth] measured in {time.perf_counter() - started:.0f} s (estimated {sum(guess.values()):.0f} s)")
    if figures and (not quick or not HTML.exists()):
        done = write_plot(figure(data, f"{', '.join(f'{n:,}' for n in sizes)} rows; {load}"), HTML, PNG)
        rows.append(row(GROUP, "growth curves (log-log)", len(sizes), unit="sizes",
                        note="; ".join(done) + "; see bench/growth.html"))
    if write if write is not None else not quick:
        path = JSON.with_name("results_growth_quick.json") if quick else JSON
        command = "python -m bench.growth" + (" --quick" if quick else "")
        path.write_text(json.dumps({**run_stamp(command, quick, started, load_before), "estimate": data["estimate"],
                                    "memory_note": MEMORY_NOTE, "results": data}, indent=2))
        log(f"[growth] wrote {path}")
    return rows


def main(argv: list[str] | None = None) -> int:
    def options(args) -> dict:
        write = False if args.no_write else (True if args.write else None)
        return {"limits": {name: getattr(args, name) for name in LIMITS}, "write": write,
                "figures": not args.no_write, "sizes": args.sizes}

    caps = [((f"--{name.replace('_', '-')}",), {"type": int, "default": value, "metavar": "N",
                                                 "help": f"largest size that method runs at (default {value:,})"})
            for name, value in LIMITS.items()]
    return rows_main(run, argv, options=options, arguments=[
        (("--sizes",), {"type": lambda text: [int(part) for part in text.split(",")],
                        "help": "rows, comma-separated (e.g. 60000), instead of the full run's"}),
        *caps,
        (("--write",), {"action": "store_true", "help": "a quick run also saves results_growth_quick.json"}),
        (("--no-write",), {"action": "store_true", "help": "a full run writes no JSON and no figures"})])


if __name__ == "__main__":
    sys.exit(main())
