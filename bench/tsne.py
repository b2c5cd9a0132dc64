"""Issue #18: t-SNE of the codes, ours (openTSNE, FFT-interpolated gradients) against scikit-learn's
Barnes-Hut t-SNE, in the same process, from 1,000 to 60,000 rows (the demo model's codes of the
MNIST sample and of :func:`bench.harness.data.synthetic_mnist` sets), with trustworthiness and kNN
accuracy of each map; also the app's large-n path at 60,000 rows. The method is written out with
the results in BENCHMARKS.md (section bench/tsne.py); the plot goes to bench/tsne.html.

Usage: ``python -m bench.tsne [--quick] [--no-write]`` (full: about 8 minutes on 2 cores).
"""

from __future__ import annotations

import sys
import time

from bench.harness.data import TSNE_SETTINGS as SETTINGS
from bench.harness.data import exponent as slope
from bench.harness.data import mnist_sample, sklearn_tsne, subset, synthetic_mnist
from bench.harness.report import say, section, section_main, stamp_line, write_plot
from bench.harness.server import ROOT

HTML = ROOT / "bench" / "tsne.html"
PNG = ROOT / "docs" / "tsne.png"
SIZES, QUICK_SIZES = (1_000, 5_000, 20_000, 60_000), (1_000, 5_000)
SKLEARN_MAX_ROWS = 20_000
PLACED = (60_000, 20_000)  # rows in all, rows embedded (the rest placed)


def labelled_codes(n: int):
    """The demo model's codes of ``n`` MNIST-shaped rows and their labels."""
    from aecore.runs import demo

    reducer, _ = demo.load(demo.DEMO_DIR / "mnist-recommended")
    if n <= 5_000:
        ds = mnist_sample()
        rows = subset(len(ds.X), n)
        return reducer.transform(ds.X[rows]), ds.y[rows]
    X, y = synthetic_mnist(n, labels=True)
    return reducer.transform(X), y


def _scores(codes, embedding, y) -> dict:
    from aecore import metrics

    return {"trustworthiness": round(metrics.trustworthiness(codes, embedding), 4),
            "knn_accuracy": round(metrics.knn_accuracy(embedding, y), 4)}


def measure(quick: bool, log=say) -> dict:
    """{"ours": {n: {...}}, "sklearn": {n: {...}}, "placed": {...} or None}."""
    from aecore.budget import Budget
    from aecore.maps.projection import project, project_placed

    results = {"ours": {}, "sklearn": {}, "placed": None}
    for n in QUICK_SIZES if quick else SIZES:
        codes, y = labelled_codes(n)
        started = time.perf_counter()
        embedding = project(codes, "tsne", budget=Budget.unlimited(), **SETTINGS)
        results["ours"][n] = {"seconds": round(time.perf_counter() - started, 2), **_scores(codes, embedding, y)}
        log(f"ours {n}: {results['ours'][n]}")
        if n <= SKLEARN_MAX_ROWS:
            started = time.perf_counter()
            embedding = sklearn_tsne(codes)
            results["sklearn"][n] = {"seconds": round(time.perf_counter() - started, 2),
                                     **_scores(codes, embedding, y)}
            log(f"sklearn {n}: {results['sklearn'][n]}")
        if not quick and n == PLACED[0]:
            started = time.perf_counter()
            embedding, embedded = project_placed(codes, budget=Budget(max_tsne_rows=PLACED[1]), **SETTINGS)
            results["placed"] = {"rows": n, "embedded": int(len(embedded)),
                                 "seconds": round(time.perf_counter() - started, 2), **_scores(codes, embedding, y)}
            log(f"placed {n}: {results['placed']}")
    return results


def exponent(points: dict) -> float:
    sizes = sorted(points)
    return slope(sizes, [points[n]["seconds"] for n in sizes])


def figure(results: dict):
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, label in (("ours", "openTSNE, FFT (ours)"), ("sklearn", "scikit-learn, Barnes-Hut")):
        points = results[name]
        sizes = sorted(points)
        fig.add_trace(go.Scatter(x=sizes, y=[points[n]["seconds"] for n in sizes], mode="lines+markers",
                                 name=f"{label} (slope {exponent(points):.2f})" if len(sizes) > 1 else label,
                                 hovertemplate="%{x:,} rows: %{y:.3g} s<extra>" + label + "</extra>"))
    placed = results.get("placed")
    if placed:
        fig.add_trace(go.Scatter(x=[placed["rows"]], y=[placed["seconds"]], mode="markers", marker_symbol="diamond",
                                 marker_size=11, name=f"ours, {placed['embedded']:,} embedded + rest placed"))
    sizes = sorted({n for name in ("ours", "sklearn") for n in results[name]})
    fig.update_xaxes(type="log", title="codes (rows)", tickvals=sizes, ticktext=[f"{n:,}" for n in sizes])
    fig.update_yaxes(type="log", title="seconds")
    fig.update_layout(title="t-SNE of the codes: seconds against rows (log-log), one thread, 2-core CPU",
                      template="plotly_white", height=480, width=900)
    return fig


def markdown(report: dict) -> str:
    m, res = report["machine"], report["results"]
    lines = ["## t-SNE of the codes: openTSNE (ours) against scikit-learn", "",
             stamp_line(report, load=True, stack=f"Python {m.get('python')}"), "",
             "The shipped recommended model's 10-d codes of the MNIST sample (1,000 and 5,000 rows) and of "
             "MNIST-shaped synthetic sets (20,000 and 60,000); perplexity 15, learning rate 100 (post 002's), "
             "seed 0, one thread, each library's own schedule, in one process. Trustworthiness: k = 10 on a "
             "2,000-row subsample against the codes; kNN: 5-fold accuracy of the map. Plot: "
             "[bench/tsne.html](bench/tsne.html).", "",
             "| rows | ours: s | scikit-learn: s | ours / scikit-learn | ours: trust. | scikit-learn: trust. | "
             "ours: kNN | scikit-learn: kNN |", "|---|---|---|---|---|---|---|---|"]
    for n, ours in res["ours"].items():
        theirs = res["sklearn"].get(n)
        def fmt(key, spec, theirs=theirs):
            return format(theirs[key], spec) if theirs else "not run"

        ratio = f"{ours['seconds'] / theirs['seconds']:.2f}" if theirs else "-"
        lines.append(f"| {int(n):,} | {ours['seconds']:.1f} | {fmt('seconds', '.1f')} | {ratio} | "
                     f"{ours['trustworthiness']:.3f} | {fmt('trustworthiness', '.3f')} | {ours['knn_accuracy']:.3f} | "
                     f"{fmt('knn_accuracy', '.3f')} |")
    placed = res.get("placed")
    if placed:
        lines += ["", f"Large-n path: {placed['rows']:,} codes, {placed['embedded']:,} embedded and the other "
                      f"{placed['rows'] - placed['embedded']:,} placed into that map: {placed['seconds']:.1f} s, "
                      f"trustworthiness {placed['trustworthiness']:.3f}, kNN {placed['knn_accuracy']:.3f}."]
    growth = [f"{'ours' if k == 'ours' else 'scikit-learn'} {exponent(res[k]):.2f}" for k in ("ours", "sklearn")
              if len(res[k]) > 1]
    if growth:
        lines += ["", "Growth exponents (seconds against rows): " + ", ".join(growth) + "."]
    return section("tsne.py", lines)


def fields(args) -> dict:
    """The report's fields: :func:`measure`'s results, and the plot a full run writes."""
    results = measure(args.quick)
    figures = write_plot(figure(results), HTML, PNG) if not (args.no_write or args.quick) else None
    return {"settings": SETTINGS, "results": results, "figures": figures}


if __name__ == "__main__":
    sys.exit(section_main("tsne", __doc__, fields, markdown, quick="1,000 and 5,000 rows (about a minute)"))
