"""Load: N concurrent AppTest sessions, each opening every page, training a tiny model and opening
Reconstructions; errors counted (target 0), wall time and peak memory reported, in ``threads`` (one
process; AppTest's own races counted apart as harness failures) and ``processes`` (a bounded pool).

Usage: ``python -m aecore bench --only load`` or ``python -m bench.load [--quick]``."""

from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
import os
import sys
import threading
import time

from bench.harness import apptest
from bench.harness.memory import maxrss_mib, mib
from bench.harness.report import row, rows_main

PAGES = ["aecore_app/app_pages/home.py", "aecore_app/app_pages/linear_3d.py", "aecore_app/app_pages/train.py", "aecore_app/app_pages/reconstructions.py"]
RUN_TIMEOUT = 240  # seconds per script run; the first run in a process imports TensorFlow.
TOTAL_TIMEOUT = 540  # seconds for all sessions of one mode together.
PROCESS_WORKERS = 4  # at most this many worker processes (each imports TensorFlow: ~0.5 GB).
#: Text of failures caused by AppTest's process-wide state, not by the app.
HARNESS_SIGNATURES = ("Runtime hasn't been created", "Runtime._instance", "NoneType' object has no attribute")


def session(index: int) -> dict:
    """One person's visit: every page, a tiny training on digits, then the reconstructions."""
    started = time.perf_counter()
    problems: list[str] = []
    trained_here = recon_ok = False

    def check(at, step: str) -> None:
        # The message may be redacted (client.showErrorDetails); the exception type never is.
        problems.extend(f"{step}: exception {e.proto.type}: {str(e.value)[:200]}" for e in at.exception)
        problems.extend(f"{step}: error: {str(e.value)[:300]}" for e in at.error)

    try:
        at = apptest.session(RUN_TIMEOUT)
        apptest.walk(at, PAGES, lambda page, action: check(action(), page))
        at.switch_page("aecore_app/app_pages/train.py").run()
        at.selectbox(key="train.dataset").set_value("digits").run()
        at.number_input(key="train.epochs.recommended").set_value(2).run()
        at.text_input(key="train.hidden.recommended").set_value("32").run()
        at.button(key="train.go").click().run()
        check(at, "train")
        trained_here = any(str(s.value).startswith("Trained") for s in at.success)
        if not any(m.label == "AE / PCA" for m in at.metric):
            problems.append("train: no metrics after training")
        at.switch_page("aecore_app/app_pages/reconstructions.py").run()
        check(at, "reconstructions")
        recon_ok = any(m.label == "Autoencoder test MSE" for m in at.metric)
        if not recon_ok:
            problems.append("reconstructions: no metrics")
    except Exception as exc:  # A harness failure (timeout, missing widget) ends this session only.
        problems.append(f"harness: {type(exc).__name__}: {str(exc)[:300]}")
    return {"index": index, "seconds": time.perf_counter() - started, "problems": problems,
            "trained_here": trained_here, "reconstructions": recon_ok, "pid": os.getpid(),
            "peak_rss_mb": maxrss_mib()}


def _warm_up() -> None:
    """Import the app's heavy modules once, so the timings compare sessions, not imports."""
    import keras  # noqa: F401  (TensorFlow: seconds and hundreds of MB, paid once per process)
    import streamlit as st

    import aecore_app.page  # noqa: F401
    from aecore.data.datasets import load_digits_8x8
    from aecore.reducer import AutoencoderReducer  # noqa: F401

    load_digits_8x8()
    st.cache_resource.clear()
    st.cache_data.clear()


def _gather(pending: dict, n: int) -> list[dict]:
    """Results of the submitted sessions, with a placeholder for any that did not finish in time."""
    done, not_done = futures.wait(pending, timeout=TOTAL_TIMEOUT)
    results = [f.result() for f in done]
    results += [{"index": pending[f], "seconds": TOTAL_TIMEOUT, "pid": None, "peak_rss_mb": 0.0,
                 "problems": [f"harness: did not finish within {TOTAL_TIMEOUT} s"],
                 "trained_here": False, "reconstructions": False} for f in not_done]
    return sorted(results, key=lambda r: r["index"])


def run_threads(n: int) -> tuple[list[dict], float, float, list[str]]:
    """n sessions at once, one thread each, in this process."""
    _warm_up()
    before_mb = mib()
    thread_failures: list[str] = []
    previous_hook = threading.excepthook

    def hook(args) -> None:
        thread_failures.append(f"harness: {args.thread.name if args.thread else 'thread'}: "
                               f"{args.exc_type.__name__}: {args.exc_value}")

    threading.excepthook = hook
    try:
        pool = futures.ThreadPoolExecutor(max_workers=n, thread_name_prefix="session")
        started = time.perf_counter()
        results = _gather({pool.submit(session, i): i for i in range(n)}, n)
        wall = time.perf_counter() - started
        pool.shutdown(wait=False, cancel_futures=True)
    finally:
        threading.excepthook = previous_hook
    return results, wall, maxrss_mib(), before_mb, thread_failures


def _pool_initializer() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    _warm_up()


def run_processes(n: int, workers: int) -> tuple[list[dict], float, float]:
    """n sessions in a pool of ``workers`` fresh processes. Returns (results, wall s, summed peak MB)."""
    # Workers find these functions by module name: "bench.load", never "__main__", which
    # Streamlit's script runner replaces while it runs a page.
    from bench import load as importable

    context = multiprocessing.get_context("spawn")  # never fork a process that holds TensorFlow
    started = time.perf_counter()
    with futures.ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                     initializer=importable._pool_initializer) as pool:
        results = _gather({pool.submit(importable.session, i): i for i in range(n)}, n)
    wall = time.perf_counter() - started
    peaks: dict = {}
    for r in results:
        if r["pid"] is not None:
            peaks[r["pid"]] = max(peaks.get(r["pid"], 0.0), r["peak_rss_mb"])
    return results, wall, sum(peaks.values())


def _is_harness(problem: str) -> bool:
    return problem.startswith("harness:") or any(s in problem for s in HARNESS_SIGNATURES)


def _rows(mode: str, n: int, results: list[dict], wall: float, peak_mb: float, note: str,
          extra: list[str] = ()) -> list[dict]:
    problems = [p for r in results for p in r["problems"]] + list(extra)
    harness = [p for p in problems if _is_harness(p)]
    app = [p for p in problems if not _is_harness(p)]
    seconds = sorted(r["seconds"] for r in results)
    group = f"load ({mode})"
    example = f"; first: {(app or harness)[0][:160]}" if problems else ""
    return [
        row(group, f"app errors + exceptions, {n} sessions", len(app), target="0",
            note=f"{len(harness)} harness failure(s) counted apart{example}"),
        row(group, f"sessions completed cleanly, of {n}", sum(not r["problems"] for r in results),
            target=f"{n}"),
        row(group, f"wall time, {n} sessions", wall, unit="s",
            note=f"per session median {seconds[len(seconds) // 2]:.1f} s, max {seconds[-1]:.1f} s; "
                 f"{sum(r['trained_here'] for r in results)} of {n} session(s) trained the model "
                 "themselves, the rest got it from the shared cache" + (f"; {note}" if note else "")),
        row(group, f"peak RSS, {n} sessions", peak_mb, unit="MB", note=note),
    ]


def measure(mode: str, n: int) -> tuple[list[dict], list[dict]]:
    """Run n sessions one way ("threads" or "processes"); return (benchmark rows, per-session results)."""
    if mode == "threads":
        results, wall, peak, before, failures = run_threads(n)
        rows = _rows(mode, n, results, wall, peak, f"one process, TensorFlow imported before timing; "
                     f"RSS {before:.0f} MB before the sessions (peak is over the process's life)", failures)
        if failures:
            results = results + [{"index": "runner threads", "seconds": 0.0, "pid": os.getpid(),
                                  "trained_here": False, "problems": failures}]
        return rows, results
    workers = min(n, PROCESS_WORKERS)
    results, wall, peak = run_processes(n, workers)
    return _rows(mode, n, results, wall, peak, f"{workers} spawned workers, start + TensorFlow import "
                 "included; RSS summed over workers"), results


def run(quick: bool = False, mode: str | None = None) -> list[dict]:
    """N = 8 concurrent sessions (4 when quick), in threads and/or a bounded process pool."""
    n = 4 if quick else 8
    mode = mode or ("processes" if quick else "both")
    modes = ["threads", "processes"] if mode == "both" else [mode]
    return [r for m in modes for r in measure(m, n)[0]]


if __name__ == "__main__":
    sys.exit(rows_main(run))
