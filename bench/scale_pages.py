"""Every page at 60,000 rows (issue 18): each page's first render, rerun, what it said and the
process's peak memory, one fresh ``--worker N`` process per size, rows uploaded through the Train
page in AppTest. Method and targets: BENCHMARKS.md (section bench/scale_pages.py).

Usage: ``python -m bench.scale_pages [--quick | --sizes 5000,20000] [--no-write]``."""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.harness.apptest import APP, ScriptClock, registered_pages
from bench.harness.data import synthetic_mnist
from bench.harness.report import say, section_main
from bench.harness.server import ROOT
from bench.harness.memory import reset_hwm, status_kb
from bench.scale_pages_report import (EPOCHS, TARGET_FIRST_S, TARGET_PEAK_MB, TARGET_RERUN_S, TARGET_ROWS,
                                      TEXT_CHARS, Said, exponents, markdown, problems_of, table, texts)

SIZES = (5_000, 20_000, 60_000)
QUICK_SIZES = (5_000,)
PRESET, SEEDS = "recommended", (0, 1)
UPLOAD_NAME = "synthetic_mnist.npz"
DIGIT_PAGE = "aecore_app/app_pages/digit.py"
RUN_TIMEOUT = 900  # seconds for one AppTest run: UMAP of 60,000 codes on two busy cores is slow
CHUNK_ROWS = 20_000  # rows generated at once for pooled (14x14) data


def _memory() -> dict:
    """Peak RSS of the whole process, current RSS and the peak since the last reset, in MB."""
    return {"ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
            "rss_mb": _status_mb("VmRSS"), "hwm_mb": _status_mb("VmHWM")}


def _status_mb(field: str) -> float | None:
    """A ``/proc/self/status`` figure (VmRSS, VmHWM) in MB (10^6 bytes)."""
    kb = status_kb(field)
    return None if kb is None else kb * 1024 / 1e6


def image_side(n_rows: int) -> int:
    """28 (MNIST's side) when ``n_rows`` 28x28 images fit the app's upload budget
    (``Budget.default().max_array_values``), else 14: the same digits 2x2 mean-pooled."""
    from aecore.budget import Budget

    return 28 if n_rows * 28 * 28 <= Budget.default().max_array_values else 14


def upload_bytes(n_rows: int) -> tuple[bytes, int]:
    """``n_rows`` synthetic MNIST-shaped rows with labels as an ``.npz`` of uint8 images of
    :func:`image_side` pixels a side, and that side. Pooled images are made CHUNK_ROWS rows at a
    time (seed = the chunk's index), so that no float copy of every row is ever held."""
    side = image_side(n_rows)
    if side == 28:
        X, y = synthetic_mnist(n_rows, labels=True)
        images = np.round(X * 255).astype(np.uint8).reshape(n_rows, 28, 28)
        del X
    else:
        images, y = np.empty((n_rows, side, side), np.uint8), np.empty(n_rows, np.int64)
        for index, start in enumerate(range(0, n_rows, CHUNK_ROWS)):
            n = min(CHUNK_ROWS, n_rows - start)
            X, y[start:start + n] = synthetic_mnist(n, seed=index, labels=True)
            images[start:start + n] = np.round(pool(X, side) * 255)
            del X
    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=images, y=y.astype(np.int64))
    return buffer.getvalue(), side


def pool(X: np.ndarray, side: int) -> np.ndarray:
    """Rows of 28x28 images mean-pooled to ``side`` x ``side`` (28 a multiple of ``side``)."""
    f = 28 // side
    return X.reshape(len(X), side, f, side, f).mean(axis=(2, 4))


def _digit_png(image: np.ndarray) -> bytes:
    """A square digit in [0, 1] (a flat row of any side) as dark ink on white paper, enlarged, as a PNG."""
    from PIL import Image

    side = int(round(np.sqrt(image.size)))
    ink = Image.fromarray((image.reshape(side, side) * 255).round().astype(np.uint8)).resize((100, 100))
    paper = np.full((160, 160), 255, np.uint8)
    paper[30:130, 30:130] = 255 - np.asarray(ink)
    buffer = io.BytesIO()
    Image.fromarray(paper).save(buffer, format="PNG")
    return buffer.getvalue()


_SAID = None  # a bench.scale_pages_report.Said in the worker


def _timed(clock, action) -> dict:
    """Run ``action`` (an AppTest run); wall and script seconds, what the page said went wrong,
    the durations it stated and the seconds it held a job slot."""
    clock.take()
    if _SAID is not None:
        _SAID.take()
    started = time.perf_counter()
    try:
        at = action()
    except Exception as exc:  # noqa: BLE001  (a timeout or a missing widget is a result, not a crash)
        return {"wall": time.perf_counter() - started, "script": clock.take(), "exceptions": [],
                "errors": [], "warnings": [], "failed": f"{type(exc).__name__}: {str(exc)[:TEXT_CHARS]}",
                **(_SAID.take() if _SAID is not None else {})}
    wall = time.perf_counter() - started
    return {"wall": wall, "script": clock.take(),
            "exceptions": [f"{e.proto.type}: {str(e.value)[:TEXT_CHARS]}" for e in at.exception],
            "errors": texts(at.error), "warnings": texts(at.warning), "infos": texts(at.info)[:3],
            "charts": len(at.get("plotly_chart")), **_memory(), **(_SAID.take(at) if _SAID is not None else {})}


def _train_models(dataset, log) -> tuple[list, dict]:
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
        log(f"  trained seed {seed} on {len(X_train):,} rows in {seconds[f'seed {seed}']:.1f} s")
        models.append((config, reducer))
    return models, seconds


def worker(n_rows: int, data_path: str, out_path: str | None, timeout: float, log) -> dict:
    """One fresh process, one AppTest session at ``n_rows`` rows; the result, also kept in
    ``out_path`` after every step (so that a crash keeps what was measured)."""
    os.chdir(ROOT)
    from streamlit.testing.v1 import AppTest


    result: dict = {"rows": n_rows, "pages": {}, "setup": {}, "notes": []}

    def save() -> None:
        if out_path:
            Path(out_path).write_text(json.dumps(result))

    global _SAID
    clock, _SAID = ScriptClock(), Said()
    raw = Path(data_path).read_bytes()
    result["upload_mb"] = len(raw) / 1e6
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    setup = result["setup"]
    setup["startup"] = _timed(clock, at.run)  # imports TensorFlow, Streamlit, the app
    setup["train_page"] = _timed(clock, lambda: at.switch_page("aecore_app/app_pages/train.py").run())
    if not setup["train_page"].get("failed"):
        setup["pick_upload"] = _timed(clock, lambda: at.selectbox(key="train.dataset").set_value("upload").run())
    if "pick_upload" in setup and not setup["pick_upload"].get("failed"):
        setup["upload"] = _timed(clock, lambda: at.file_uploader(key="train.upload").set_value(
            (UPLOAD_NAME, raw, "application/octet-stream")).run())
    raw = None  # the upload's bytes are the session's now
    active = at.session_state["upload"] if "upload" in at.session_state else None
    if active is None or active.dataset.n_samples != n_rows:
        said = [f"{step}: {p}" for step, found in setup.items() for p in problems_of(found)]
        result["failed"] = "the upload did not become the dataset; " + ("; ".join(said) or "no message")
        log(f"  FAILED: {result['failed']}")
        save()
        return result
    result["image_side"] = int(active.dataset.image_shape[0]) if active.dataset.image_shape else None
    log(f"  uploaded {result['upload_mb']:.1f} MB in {result['setup']['upload']['wall']:.1f} s: "
        f"{active.dataset.n_samples:,} rows of {active.dataset.image_shape} pixels, key {active.key}")

    from aecore_app.caches import ModelRegistry
    from aecore_app.session import CurrentModel, ModelKey

    models, result["setup"]["training"] = _train_models(active.dataset, log)
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
    digit = _digit_png(active.dataset.X[0])
    del models, active, store, reducer
    gc.collect()
    result["setup"]["memory_before_pages"] = _memory()
    result["peak_reset"] = reset_hwm()
    save()

    for page in registered_pages():
        name = Path(page).stem
        first = _timed(clock, lambda: at.switch_page(page).run())
        rerun = _timed(clock, at.run)
        result["pages"][name] = {"first": first, "rerun": rerun}
        log(f"  {name}: first {first['wall']:.2f} s, rerun {rerun['wall']:.2f} s"
            + "".join(f"; {k}: {first[k]}" for k in ("failed", "exceptions", "errors") if first.get(k)))
        if page == DIGIT_PAGE and not any(w.key == "digit.upload" for w in at.file_uploader):
            result["notes"].append(f"digit: no digit uploaded, the page offers no uploader ({first.get('infos')})")
        elif page == DIGIT_PAGE:
            action = _timed(clock, lambda: at.file_uploader(key="digit.upload").set_value(
                ("digit.png", digit, "image/png")).run())
            again = _timed(clock, at.run)
            result["pages"]["digit, a digit uploaded"] = {"first": action, "rerun": again}
            log(f"  digit, a digit uploaded: {action['wall']:.2f} s, rerun {again['wall']:.2f} s")
        save()
    result["memory"] = _memory()
    # Resetting VmHWM resets ru_maxrss too on Linux: the whole process's peak is the larger of the two.
    result["memory"]["peak_mb"] = max(result["memory"]["ru_maxrss_mb"],
                                      result["setup"]["memory_before_pages"]["ru_maxrss_mb"])
    save()
    return result


def _run_worker(n_rows: int, timeout: float, tmp: Path, log) -> dict:
    """Make the data here, run one worker process on it, return its result (partial on a crash)."""
    started = time.perf_counter()
    data_path, out_path = tmp / f"rows_{n_rows}.npz", tmp / f"result_{n_rows}.json"
    data, side = upload_bytes(n_rows)
    data_path.write_bytes(data)
    del data
    log(f"{n_rows:,} rows: {side}x{side} images made in {time.perf_counter() - started:.1f} s")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    command = [sys.executable, "-m", "bench.scale_pages", "--worker", str(n_rows), "--data", str(data_path),
               "--out", str(out_path), "--timeout", str(timeout)]
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    data_path.unlink()
    try:
        result = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        result = json.loads(out_path.read_text()) if out_path.exists() else {"rows": n_rows, "pages": {}}
        result["failed"] = result.get("failed") or f"the worker exited with status {done.returncode}"
    result["seconds"] = time.perf_counter() - started
    result.setdefault("image_side", side)
    return result


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes {text!r} must be whole numbers separated by commas, "
                                         "e.g. 5000,20000") from None
    if not sizes or min(sizes) < 100:
        raise argparse.ArgumentTypeError(f"--sizes {text!r} needs at least one size of 100 rows or more.")
    return sorted(set(sizes))


def measure(args) -> dict:
    """Every size in its own worker process; the report's fields."""
    sizes = list(QUICK_SIZES) if args.quick else (args.sizes or list(SIZES))
    results = []
    with tempfile.TemporaryDirectory(prefix="scale_pages_") as tmp:
        for n in sizes:
            result = _run_worker(n, args.timeout, Path(tmp), say)
            if result.get("failed") and not result.get("pages"):
                # A session that could not even be set up is tried once more in a fresh process;
                # the first attempt's reason stays in the notes.
                say(f"{n:,} rows: setup failed ({result['failed'][:200]}); trying once more")
                retry = _run_worker(n, args.timeout, Path(tmp), say)
                retry.setdefault("notes", []).append(f"first attempt failed: {result['failed']}")
                result = retry
            results.append(result)
    fields = {"sizes": sizes, "targets": {"rows": TARGET_ROWS, "first_s": TARGET_FIRST_S,
                                          "rerun_s": TARGET_RERUN_S, "peak_mb": TARGET_PEAK_MB},
              "results": results, "exponents": exponents(results)}
    print(table(fields))
    return fields


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:  # one size, in the fresh process _run_worker started
        parser = argparse.ArgumentParser()
        for flag, kind in (("--worker", int), ("--data", str), ("--out", str), ("--timeout", float)):
            parser.add_argument(flag, type=kind)
        args = parser.parse_args(argv)
        print(json.dumps(worker(args.worker, args.data, args.out, args.timeout or RUN_TIMEOUT, say)))
        return 0
    return section_main("scale_pages", __doc__, measure, markdown, argv, quick="5,000 rows only; results JSON only",
                        arguments=[
        (("--sizes",), {"type": _sizes, "help": "rows, comma-separated (default 5000,20000,60000)"}),
        (("--timeout",), {"type": float, "default": RUN_TIMEOUT, "help": "seconds for one AppTest run"})])


if __name__ == "__main__":
    sys.exit(main())
