"""Every page at 60,000 rows (issue 18): each page's first render, rerun, what went wrong and the
process's peak memory, one fresh ``--worker`` process per size, rows uploaded through the Train page
in AppTest; its BENCHMARKS.md section. Method and targets: BENCHMARKS.md (section bench/scale_pages.py).

Usage: ``python -m bench.scale_pages [--quick | --sizes 5000,20000] [--no-write]``."""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import apptest
from bench.harness.apptest import registered_pages
from bench.harness.data import digit_png, exponent, upload_bytes
from bench.harness.memory import reset_hwm, status_kb
from bench.harness.report import run_worker, say, section, section_main, stamp_line
from bench.harness.server import ROOT

SIZES = (5_000, 20_000, 60_000)
QUICK_SIZES = (5_000,)
PRESET, SEEDS = "recommended", (0, 1)
UPLOAD_NAME = "synthetic_mnist.npz"
DIGIT_PAGE = "aecore_app/app_pages/digit.py"
RUN_TIMEOUT = 900  # seconds for one AppTest run: UMAP of 60,000 codes on two busy cores is slow
#: Issue 18's targets.
TARGET_ROWS, TARGET_FIRST_S, TARGET_RERUN_S, TARGET_PEAK_MB = 60_000, 10.0, 1.0, 2_500.0
EPOCHS = 2  # of the two models trained before the pages run
TEXT_CHARS = 300  # of a message kept in the results


def texts(elements) -> list[str]:
    return [str(e.value)[:TEXT_CHARS] for e in elements]


def _side(result: dict) -> str:
    side = result.get("image_side") or 28
    return f"{side}×{side}"


def exponents(results: list[dict]) -> dict:
    """Per page: the growth exponent of first-render and rerun seconds over the sizes it ran at."""
    pages = list(dict.fromkeys(name for r in results for name in r.get("pages", {})))
    out = {}
    for name in pages:
        out[name] = {}
        for step in ("first", "rerun"):
            points = [(r["rows"], r["pages"][name][step]["wall"]) for r in results
                      if name in r.get("pages", {}) and not r["pages"][name][step].get("failed")]
            if len(points) >= 2:
                out[name][step] = exponent([p[0] for p in points], [p[1] for p in points])
    return out


def problems_of(step: dict) -> list[str]:
    return ([f"failed: {step['failed']}"] if step.get("failed") else []) + \
        [f"exception: {e}" for e in step.get("exceptions", [])] + [f"error: {e}" for e in step.get("errors", [])]


def _mark(value: float, target: float) -> str:
    return "✓" if value <= target else "✗"


def _seconds(result: dict, name: str, step: str) -> str:
    """A page step's wall seconds, with the target's mark at the target size."""
    found = result.get("pages", {}).get(name, {}).get(step)
    if found is None:
        return "—"
    if found.get("failed"):
        return "failed"
    text = f"{found['wall']:.2f}"
    if result["rows"] == TARGET_ROWS:
        text += " " + _mark(found["wall"], TARGET_FIRST_S if step == "first" else TARGET_RERUN_S)
    return text


def _clean(text: str) -> str:
    return " ".join(str(text).replace("|", "/").split())


def markdown(report: dict) -> str:
    """The BENCHMARKS.md section of a run."""
    m, results = report["machine"], report["results"]
    sizes = [r["rows"] for r in results]
    pages = list(dict.fromkeys(name for r in results for name in r.get("pages", {})))
    lines = [
        f"## Every page at up to {max(sizes, default=TARGET_ROWS):,} rows (issue 18)", "",
        stamp_line(report, load=True, stack=f"Python {m.get('python')}, TensorFlow {m.get('tensorflow')}"), "",
        "Synthetic MNIST-shaped rows (`bench.harness.data.synthetic_mnist`) uploaded as an `.npz` of 28×28 uint8 images "
        "(14×14, each 2×2 mean-pooled, at sizes whose 28×28 rows would exceed the upload budget's "
        "`max_array_values`) with labels through the Train page's file uploader, in AppTest; two models (the "
        "recommended preset, "
        f"dense 512-256-10, {EPOCHS} epochs, seeds 0 and 1, on the app's training split) trained outside the timings, "
        "stored in the session's model store and the first made the current model, as the Train page does. "
        "One fresh process and one session per size; the pages in app.py's order, so a page may reuse what an "
        "earlier one cached (codes, maps), as for a person going through them. First render: "
        "`at.switch_page(page).run()` wall seconds; rerun: `at.run()` again with nothing changed. "
        f"Targets (issue 18) at {TARGET_ROWS:,} rows: first render ≤ {TARGET_FIRST_S:g} s, rerun ≤ "
        f"{TARGET_RERUN_S:g} s, peak memory ≤ {TARGET_PEAK_MB / 1000:g} GB (✓ / ✗).", "",
        "| page | " + " | ".join(f"{r['rows']:,} rows ({_side(r)}): first s | rerun s" for r in results)
        + (" | growth exponent: first / rerun" if len(sizes) >= 2 else "") + " |",
        "|---" * (1 + 2 * len(sizes) + (len(sizes) >= 2)) + "|"]
    growth = report.get("exponents", {})
    for name in pages:
        cells = [f"{_seconds(r, name, 'first')} | {_seconds(r, name, 'rerun')}" for r in results]
        row = f"| {name} | " + " | ".join(cells)
        if len(sizes) >= 2:
            e = growth.get(name, {})
            row += " | " + " / ".join(f"{e[s]:.2f}" if s in e else "—" for s in ("first", "rerun"))
        lines.append(row + " |")
    problems = [(r["rows"], name, step, p) for r in results for name, steps in r.get("pages", {}).items()
                for step, found in steps.items() for p in problems_of(found)]
    problems += [(r["rows"], "(setup)", "", r["failed"]) for r in results if r.get("failed")]
    problems += [(r["rows"], "(setup)", "", note) for r in results for note in r.get("notes", [])]
    if problems:
        lines += ["", "What went wrong:", ""]
        lines += [f"- {n:,} rows, {name}{f' ({step})' if step else ''}: {_clean(p)}" for n, name, step, p in problems]
    else:
        lines += ["", "No page raised an exception or showed `st.error` at any size."]
    lines += ["", "| rows | upload parsed: s | training 2 models: s | peak RSS, whole process: MB | peak RSS while "
              "the pages ran: MB | RSS at the end: MB |", "|---|---|---|---|---|---|"]
    for r in results:
        setup, memory = r.get("setup", {}), r.get("memory", {})
        peak = memory.get("peak_mb")
        peak_text = "—" if peak is None else f"{peak:,.0f}" + (f" {_mark(peak, TARGET_PEAK_MB)}"
                                                                 if r["rows"] == TARGET_ROWS else "")
        hwm = memory.get("hwm_mb") if r.get("peak_reset") else None
        lines.append(f"| {r['rows']:,} | {setup.get('upload', {}).get('wall', float('nan')):.1f} | "
                     f"{sum(setup.get('training', {}).values()):.1f} | {peak_text} | "
                     f"{'—' if hwm is None else f'{hwm:,.0f}'} | {memory.get('rss_mb') or float('nan'):,.0f} |")
    lines += ["", "Peak RSS, whole process: `ru_maxrss` (upload, training and pages in one process, as on a server "
              "that trains); while the pages ran: `VmHWM` after resetting it once the models were stored. MB = 10⁶ "
              "bytes."]
    return section("scale_pages.py", lines)


def _memory() -> dict:
    """Peak RSS of the whole process, current RSS and the peak since the last reset, in MB (10^6 bytes)."""
    rss, hwm = status_kb("VmRSS"), status_kb("VmHWM")
    return {"ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
            "rss_mb": None if rss is None else rss * 1024 / 1e6, "hwm_mb": None if hwm is None else hwm * 1024 / 1e6}


def _timed(action) -> dict:
    """Run ``action`` (an AppTest run); its wall seconds and what the page said went wrong."""
    started = time.perf_counter()
    try:
        at = action()
    except Exception as exc:  # noqa: BLE001  (a timeout or a missing widget is a result, not a crash)
        return {"wall": time.perf_counter() - started, "exceptions": [],
                "errors": [], "warnings": [], "failed": f"{type(exc).__name__}: {str(exc)[:TEXT_CHARS]}"}
    return {"wall": time.perf_counter() - started,
            "exceptions": [f"{e.proto.type}: {str(e.value)[:TEXT_CHARS]}" for e in at.exception],
            "errors": texts(at.error), "warnings": texts(at.warning), "infos": texts(at.info)[:3],
            "charts": len(at.get("plotly_chart")), **_memory()}


def _train_models(dataset) -> tuple[list, dict]:
    """The recommended preset with EPOCHS epochs, one model per seed, fitted on the app's own
    training split of ``dataset``; the (config, reducer) pairs and the seconds it took."""
    from aecore.data import datasets as aedata
    from aecore.runs.demo import form_config

    train_idx, _ = aedata.train_test_split(dataset)  # what aecore_app.caches.split_indices returns
    X_train = dataset.X[train_idx]
    models, seconds = [], {}
    for seed in SEEDS:
        config = form_config(PRESET).replace(epochs=EPOCHS, random_state=seed)
        started = time.perf_counter()
        reducer = config.to_reducer(image_shape=dataset.image_shape).fit(X_train)
        seconds[f"seed {seed}"] = time.perf_counter() - started
        say(f"  trained seed {seed} on {len(X_train):,} rows in {seconds[f'seed {seed}']:.1f} s")
        models.append((config, reducer))
    return models, seconds


def worker(args: list[str]) -> dict:
    """``--worker ROWS DATA OUT TIMEOUT``: one fresh process, one AppTest session at ROWS rows of the
    upload DATA; the result, also kept in OUT after every step (so that a crash keeps what was measured)."""
    n_rows, data_path, out_path, timeout = int(args[0]), args[1], args[2], float(args[3])
    os.chdir(ROOT)
    result: dict = {"rows": n_rows, "pages": {}, "setup": {}, "notes": []}

    def save() -> None:
        Path(out_path).write_text(json.dumps(result))

    raw = Path(data_path).read_bytes()
    result["upload_mb"] = len(raw) / 1e6
    at = apptest.session(timeout)
    setup = result["setup"]
    setup["startup"] = _timed(at.run)  # imports TensorFlow, Streamlit, the app
    setup["train_page"] = _timed(lambda: at.switch_page("aecore_app/app_pages/train.py").run())
    if not setup["train_page"].get("failed"):
        setup["pick_upload"] = _timed(lambda: at.selectbox(key="train.dataset").set_value("upload").run())
    if "pick_upload" in setup and not setup["pick_upload"].get("failed"):
        setup["upload"] = _timed(lambda: at.file_uploader(key="train.upload").set_value(
            (UPLOAD_NAME, raw, "application/octet-stream")).run())
    raw = None  # the upload's bytes are the session's now
    active = at.session_state["upload"] if "upload" in at.session_state else None
    if active is None or active.dataset.n_samples != n_rows:
        said = [f"{step}: {p}" for step, found in setup.items() for p in problems_of(found)]
        result["failed"] = "the upload did not become the dataset; " + ("; ".join(said) or "no message")
        say(f"  FAILED: {result['failed']}")
        save()
        return result
    result["image_side"] = int(active.dataset.image_shape[0]) if active.dataset.image_shape else None
    say(f"  uploaded {result['upload_mb']:.1f} MB in {result['setup']['upload']['wall']:.1f} s: "
        f"{active.dataset.n_samples:,} rows of {active.dataset.image_shape} pixels, key {active.key}")

    from aecore_app.caches import ModelRegistry
    from aecore_app.session import CurrentModel, ModelKey

    models, result["setup"]["training"] = _train_models(active.dataset)
    # The store the Train page puts a model trained on an upload in (aecore_app.session.session_models,
    # created with the same size when the session has none yet), and the current model it sets.
    if "session_models" not in at.session_state:
        at.session_state["session_models"] = ModelRegistry(max_entries=4)
    store = at.session_state["session_models"]
    for config, reducer in reversed(models):
        store.put(ModelKey.trained(active.key, config), reducer)
    config = models[0][0]
    at.session_state["current_model"] = CurrentModel(ModelKey.trained(active.key, config), active.key,
                                                     config, PRESET)
    digit = digit_png(active.dataset.X[0])
    del models, active, store, reducer
    gc.collect()
    result["setup"]["memory_before_pages"] = _memory()
    result["peak_reset"] = reset_hwm()
    save()

    for page in registered_pages():
        name = Path(page).stem
        first = _timed(lambda: at.switch_page(page).run())
        rerun = _timed(at.run)
        result["pages"][name] = {"first": first, "rerun": rerun}
        say(f"  {name}: first {first['wall']:.2f} s, rerun {rerun['wall']:.2f} s"
            + "".join(f"; {k}: {first[k]}" for k in ("failed", "exceptions", "errors") if first.get(k)))
        if page == DIGIT_PAGE and not any(w.key == "digit.upload" for w in at.file_uploader):
            result["notes"].append(f"digit: no digit uploaded, the page offers no uploader ({first.get('infos')})")
        elif page == DIGIT_PAGE:
            action = _timed(lambda: at.file_uploader(key="digit.upload").set_value(
                ("digit.png", digit, "image/png")).run())
            again = _timed(at.run)
            result["pages"]["digit, a digit uploaded"] = {"first": action, "rerun": again}
            say(f"  digit, a digit uploaded: {action['wall']:.2f} s, rerun {again['wall']:.2f} s")
        save()
    result["memory"] = _memory()
    # Resetting VmHWM resets ru_maxrss too on Linux: the whole process's peak is the larger of the two.
    result["memory"]["peak_mb"] = max(result["memory"]["ru_maxrss_mb"],
                                      result["setup"]["memory_before_pages"]["ru_maxrss_mb"])
    save()
    return result


def _run_worker(n_rows: int, timeout: float, tmp: Path) -> dict:
    """Make the data here, run one worker process on it, return its result (partial on a crash)."""
    started = time.perf_counter()
    data_path, out_path = tmp / f"rows_{n_rows}.npz", tmp / f"result_{n_rows}.json"
    data, side = upload_bytes(n_rows)
    data_path.write_bytes(data)
    del data
    say(f"{n_rows:,} rows: {side}x{side} images made in {time.perf_counter() - started:.1f} s")
    env = {"TF_CPP_MIN_LOG_LEVEL": "3", **os.environ, "PYTHONPATH": str(ROOT)}
    result, status = run_worker("scale_pages", [str(n_rows), str(data_path), str(out_path), str(timeout)], env)
    data_path.unlink()
    if result is None:  # the worker crashed: what it measured until then
        result = json.loads(out_path.read_text()) if out_path.exists() else {"rows": n_rows, "pages": {}}
        result["failed"] = result.get("failed") or f"the worker exited with status {status}"
    result["seconds"] = time.perf_counter() - started
    result.setdefault("image_side", side)
    return result


def _sizes(text: str) -> list[int]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts or not all(p.isdigit() for p in parts) or min(map(int, parts)) < 100:
        raise argparse.ArgumentTypeError(f"--sizes {text!r}: whole numbers of 100 rows or more, e.g. 5000,20000")
    return sorted(set(map(int, parts)))


def measure(args) -> dict:
    """Every size in its own worker process; the report's fields."""
    sizes = list(QUICK_SIZES) if args.quick else (args.sizes or list(SIZES))
    results = []
    with tempfile.TemporaryDirectory(prefix="scale_pages_") as tmp:
        for n in sizes:
            result = _run_worker(n, args.timeout, Path(tmp))
            if result.get("failed") and not result.get("pages"):
                # A session that could not even be set up is tried once more in a fresh process;
                # the first attempt's reason stays in the notes.
                say(f"{n:,} rows: setup failed ({result['failed'][:200]}); trying once more")
                retry = _run_worker(n, args.timeout, Path(tmp))
                retry.setdefault("notes", []).append(f"first attempt failed: {result['failed']}")
                result = retry
            results.append(result)
    return {"sizes": sizes, "targets": {"rows": TARGET_ROWS, "first_s": TARGET_FIRST_S,
                                        "rerun_s": TARGET_RERUN_S, "peak_mb": TARGET_PEAK_MB},
            "results": results, "exponents": exponents(results)}


if __name__ == "__main__":
    sys.exit(section_main("scale_pages", __doc__, measure, markdown, quick="5,000 rows only; results JSON only",
                          worker=worker, arguments=[
        (("--sizes",), {"type": _sizes, "help": "rows, comma-separated (default 5000,20000,60000)"}),
        (("--timeout",), {"type": float, "default": RUN_TIMEOUT, "help": "seconds for one AppTest run"})]))
