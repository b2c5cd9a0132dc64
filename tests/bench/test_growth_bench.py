"""bench/growth.py's parts that need no training: the memory sampler, the growth exponent, the
chunked synthetic data and the rows a measured result becomes (issue 18)."""

import json
import sys
import time

import numpy as np
import pytest

from bench import growth
from bench.harness.memory import PeakMemory, status_kb

MB = 10 ** 6
linux = pytest.mark.skipif(status_kb("VmRSS") is None, reason="needs /proc/self/status")


@linux
def test_the_sampler_sees_an_array_the_call_keeps():
    with PeakMemory() as peak:
        kept = np.ones(200 * MB // 8)  # 200 MB, every page written
    assert peak.mb >= 0.8 * 200 and peak.mb < 260
    del kept


@linux
@pytest.mark.parametrize("use_hwm", [True, False], ids=["VmHWM", "thread only"])
def test_the_sampler_sees_a_peak_the_call_frees_again(use_hwm):
    with PeakMemory(use_hwm=use_hwm) as peak:
        transient = np.ones(200 * MB // 8)
        time.sleep(0.1)  # the thread alone needs a moment while it is held
        del transient
    assert peak.mb >= 0.8 * 200


@linux
def test_the_sampler_reports_about_nothing_for_a_no_op():
    with PeakMemory() as peak:
        pass
    assert abs(peak.mb) < 5


def test_without_proc_the_memory_is_none(monkeypatch):
    monkeypatch.setattr("bench.harness.memory.status_kb", lambda field: None)
    with PeakMemory() as peak:
        np.ones(1000)
    assert peak.mb is None


def test_the_exponent_of_linear_and_quadratic_data():
    sizes = [1_000, 5_000, 20_000, 60_000, 200_000]
    assert growth.exponent(sizes, [3e-4 * n for n in sizes]) == pytest.approx(1.0, abs=1e-9)
    assert growth.exponent(sizes, [1e-8 * n * n for n in sizes]) == pytest.approx(2.0, abs=1e-9)
    assert np.isnan(growth.exponent([1_000], [1.0]))


def test_synthetic_mnist_is_chunked_seeded_and_mnist_shaped():
    X, y = growth.synthetic_mnist(300, seed=1, labels=True, chunk=7)
    assert X.shape == (300, 784) and X.dtype == np.float32 and y.shape == (300,)
    assert X.min() >= 0.0 and X.max() <= 1.0 and 0.05 < X.mean() < 0.3
    assert set(np.unique(y)) <= set(range(10))
    assert np.array_equal(X, growth.synthetic_mnist(300, seed=1))  # one chunk: the same rows
    assert not np.array_equal(X, growth.synthetic_mnist(300, seed=2))


def fake_result():
    """What ``measure`` returns for two sizes, without training anything."""
    seconds = {m: {1_000: 1.0, 5_000: 5.0} for m in growth.METHODS}
    for method in ("tsne_placed",):
        seconds[method] = {}
    seconds["tsne_sklearn"] = {1_000: 3.0}
    memory = {m: {n: 2.0 * n / 1_000 for n in seconds[m]} for m in growth.METHODS}
    memory["epoch"] = {}
    memory["pca"] = {1_000: 0.1, 5_000: 0.2}  # allocator noise: no exponent
    memory["encode"] = {1_000: 0.5, 5_000: 10.0, 20_000: 40.0}
    memory["kmeans"] = {1_000: None, 5_000: None}
    return {"sizes": [1_000, 5_000], "limits": dict(growth.LIMITS), "seconds": seconds, "memory_mb": memory,
            "notes": {1_000: {"first_epoch": 1.5, "umap_path": "exact neighbours"}, 5_000: {}},
            "warm_up": {"UMAP numba compilation, exact neighbours": 0.3}, "warm_up_mb": {"UMAP numba compilation, exact neighbours": 12.0}}


def test_rows_of_a_result_have_their_units_and_labels():
    rows = {r["name"]: r for r in growth.build_rows(fake_result(), "load average 1.0 on 2 CPUs")}
    assert all(r["group"] == growth.GROUP for r in rows.values())
    umap = rows["5,000 rows: UMAP of the codes"]
    assert umap["unit"] == "s" and umap["value"] == 5.0 and "exact neighbours" not in umap["note"]
    assert "exact neighbours" in rows["1,000 rows: UMAP of the codes"]["note"]
    memory = rows["5,000 rows: UMAP of the codes, added peak memory"]
    assert memory["unit"] == "MB" and memory["value"] == 10.0 and "VmRSS" in memory["note"]
    assert "1,000 rows: training, one epoch (steady)" in rows
    assert "1,000 rows: training, one epoch (steady), added peak memory" not in rows
    assert "1,000 rows: KMeans (k = 10) of the codes" in rows
    assert "1,000 rows: KMeans (k = 10) of the codes, added peak memory" not in rows  # None: not measured
    assert "169-336 s" in rows["1,000 rows: t-SNE of the codes, scikit-learn (Barnes-Hut)"]["note"]
    assert not any(name.startswith("5,000 rows: t-SNE of the codes, scikit-learn") for name in rows)
    assert rows["growth exponent: UMAP of the codes"]["value"] == pytest.approx(1.0)
    assert rows["growth exponent of added peak memory: UMAP of the codes"]["value"] == pytest.approx(1.0)
    assert "growth exponent: t-SNE of the codes, scikit-learn (Barnes-Hut)" not in rows  # one size only
    assert "growth exponent of added peak memory: PCA of the codes" not in rows
    encode = rows["growth exponent of added peak memory: encoding all rows"]
    assert encode["value"] == pytest.approx(1.0) and "5,000, 20,000 (the smaller" in encode["note"]
    assert rows["UMAP numba compilation, exact neighbours (once per process)"]["unit"] == "s"
    assert rows["UMAP numba compilation, exact neighbours (once per process), added peak memory"]["unit"] == "MB"


def test_a_quick_run_writes_its_json_only_when_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(growth, "measure", lambda sizes, limits, log: fake_result())
    monkeypatch.setattr(growth, "JSON", tmp_path / "results_growth.json")
    monkeypatch.setattr("bench.harness.report.machine", lambda: {"cpus": 2})  # not TensorFlow's import
    log: list[str] = []
    rows = growth.run(quick=True, figures=False, log=log.append)
    assert rows and not list(tmp_path.iterdir())
    assert "estimated" in log[0] and "[growth] measured" in log[-1]
    growth.run(quick=True, figures=False, write=True, log=log.append)
    saved = json.loads((tmp_path / "results_growth_quick.json").read_text())
    assert saved["quick"] and saved["results"]["seconds"]["umap"] == {"1000": 1.0, "5000": 5.0}


def test_the_estimate_and_the_size_caps():
    full = growth.estimate(growth.SIZES, growth.LIMITS)
    assert 5 * 60 < sum(full.values()) < 30 * 60
    assert not growth._runs("tsne", 200_000, growth.LIMITS) and growth._runs("tsne", 60_000, growth.LIMITS)
    assert growth._runs("tsne_placed", 60_000, growth.LIMITS) and not growth._runs("tsne_placed", 20_000, {})
    assert not growth._runs("tsne_sklearn", 20_000, growth.LIMITS)
    assert not growth._runs("hdbscan", 200_000, growth.LIMITS) and growth._runs("umap", 200_000, {})


def test_the_figure_pairs_the_t_sne_lines_and_draws_memory():
    from bench.growth import STYLE, figure

    fig = figure(fake_result())
    assert {trace.yaxis for trace in fig.data} == {"y", "y2"}
    assert STYLE["tsne"][0] == STYLE["tsne_placed"][0] and STYLE["tsne_sklearn"][1] == "dash"
    assert all(sum(t.showlegend for t in fig.data if t.legendgroup == m) == 1
               for m in {t.legendgroup for t in fig.data})


def test_the_command_line_takes_the_size_caps(monkeypatch, capsys):
    seen = {}
    monkeypatch.setattr(growth, "run", lambda **kwargs: seen.update(kwargs) or [])
    monkeypatch.setattr(sys, "argv", ["growth"])
    assert growth.main(["--quick", "--tsne-max-rows", "20000", "--no-write"]) == 0
    assert seen["limits"]["tsne_max_rows"] == 20_000 and seen["limits"]["sklearn_max_rows"] == 5_000
    assert seen["quick"] and seen["write"] is False and seen["figures"] is False
