"""Issue #6: app responsiveness on the offline MNIST sample, each part in a fresh process:
``--worker apptest`` (every page's first render, training, model pages, Latent space reruns),
``umap-cold`` (the first and second UMAP of the codes, no warm-up) and ``umap-app`` (a person in a
fresh server: Home, Latent space, then UMAP at once, ``--warm``: warm-up at server start). "Server
time" is SCRIPT_STARTED to SCRIPT_STOPPED; BENCHMARKS.md has the method.

Usage: ``python -m aecore bench --only responsiveness`` or ``python -m bench.responsiveness
[--quick]``; workers: ``--worker apptest|umap-app|umap-cold``."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import apptest
from bench.harness.apptest import ScriptClock, charts, registered_pages
from bench.harness.report import load_note, row, rows_main
from bench.harness.server import ROOT

GROUP = "Responsiveness (MNIST sample)"
WORKER_TIMEOUT = 480  # seconds for one worker process
PAGE_TARGET = ""  # the issue sets no target for page renders; the figures are shown as measured
RERUN_TARGET = "<= 0.3 s"
FIRST_UMAP_TARGET = "<= 10 s (first UMAP view in a fresh server process)"
LATER_UMAP_TARGET = "<= 4 s (later UMAP views)"
QUICK_EPOCHS = 5  # --quick trains the Train page's defaults for at most this many epochs
MODEL_PAGES = ["aecore_app/app_pages/reconstructions.py", "aecore_app/app_pages/latent.py", "aecore_app/app_pages/clusters.py",
               "aecore_app/app_pages/anomalies.py", "aecore_app/app_pages/generate.py"]


def _raw_options(widget, candidates) -> list:
    """The raw values of a selectbox/radio among ``candidates`` (AppTest only knows the labels)."""
    labels, out = list(widget.options), []
    for value in list(candidates) + labels:
        try:
            label = widget.format_func(value)
        except Exception:  # noqa: BLE001  (a format_func that only takes raw codes)
            continue
        if label in labels and value not in out and label not in [widget.format_func(v) for v in out]:
            out.append(value)
    return out


def worker_apptest(out: dict, codes_path: str, reruns: int, max_epochs: int | None) -> None:
    """One AppTest session through every page; fills ``out`` as it goes (so a failure keeps the rest)."""
    os.chdir(ROOT)
    clock = ScriptClock()
    problems = out.setdefault("problems", [])

    def timed(step: str, action) -> dict:
        clock.take()
        started = time.perf_counter()
        at = action()
        wall = time.perf_counter() - started
        problems.extend(f"{step}: {p}" for p in apptest.problems(at))
        return {"script": clock.take(), "wall": wall}

    pages = registered_pages()
    out["pages"], out["before"], out["demo_shown"] = pages, {}, []
    at = apptest.session()

    def first_visit(page: str, action) -> None:
        out["before"][page] = timed(page, action)
        if page in MODEL_PAGES and charts(at):
            out["demo_shown"].append(page)  # the app shows a shipped demo model before any training

    apptest.walk(at, pages, first_visit)

    at.switch_page("aecore_app/app_pages/train.py").run()
    # The Train page's defaults may be a shipped demo model (served at once); a different seed of
    # the same defaults is what a person waits for when they train.
    out["train_defaults"] = timed("train defaults", lambda: at.button(key="train.go").click().run())
    out["train_defaults_message"] = next((str(s.value) for s in at.success), "")
    seeds = [w for w in at.number_input if str(w.key).startswith("train.seed.")]
    if seeds:
        seeds[0].set_value(int(seeds[0].value) + 1).run()
        out["train_seed"] = int(seeds[0].value)
        epochs = [w for w in at.number_input if str(w.key).startswith("train.epochs.")]
        if max_epochs and epochs and int(epochs[0].value) > max_epochs:
            epochs[0].set_value(max_epochs).run()
            out["train_epochs_cap"] = max_epochs
        out["train"] = timed("train", lambda: at.button(key="train.go").click().run())
        out["train_message"] = next((str(s.value) for s in at.success), "")
    if "current_model" not in at.session_state:
        problems.append("train: the default model did not train")
        return

    from aecore_app import caches  # the same process, so the same caches as the pages

    current = at.session_state["current_model"]
    out["config"] = repr(current.config)
    reducer = (caches.model_registry().get(current.key)
               or caches.demo_models().get((current.key.name, current.key.config)))
    if reducer is not None:
        import numpy as np

        from aecore.data.datasets import load_mnist_sample

        out["epochs"] = int(getattr(reducer, "n_epochs_", 0))
        np.save(codes_path, reducer.transform(load_mnist_sample().X))
        out["codes"] = codes_path

    out["after"] = {}
    for page in MODEL_PAGES:
        out["after"][page] = timed(page, lambda: at.switch_page(page).run())
        if not charts(at):
            problems.append(f"{page}: no chart after training")
        if page == "aecore_app/app_pages/latent.py":
            _latent_views(at, out, timed, reruns)


def _latent_views(at, out: dict, timed, reruns: int) -> None:
    """On Latent space (default view drawn): first UMAP view, view-only reruns, a later UMAP view."""
    import gc

    out["first_umap_view"] = timed("latent umap",
                                   lambda: at.radio(key="latent.method").set_value("umap").run())
    colour = at.selectbox(key="latent.color")
    options = _raw_options(colour, ["label", "error", "reconstruction error", "none"])
    current = colour.value
    cycle = [o for o in options if o != current] + [current]
    out["colour_options"] = [str(o) for o in cycle]

    def reruns_of(step: str) -> list[dict]:
        return [timed(f"{step} {cycle[i % len(cycle)]}", lambda: at.selectbox(key="latent.color").set_value(
            cycle[i % len(cycle)]).run()) for i in range(reruns)]

    out["colour_reruns"] = reruns_of("latent colour")
    # What-ifs, in this worker only (the app is not changed). gc.freeze() moves every object alive
    # now (TensorFlow, Keras, plotly, the model) out of the collector's reach, so the full
    # collections Streamlit runs after every script run become cheap.
    gc.freeze()
    out["colour_reruns_frozen"] = reruns_of("latent colour (gc frozen)")
    # ... and the thumbnail map, which does not depend on the colour, drawn once per map.
    from aecore.figures import builders as figures

    original = figures.thumbnail_map
    memo: dict = {}

    def thumbnail_map(points_2d, images, *args, **kwargs):
        import hashlib

        import numpy as np

        key = hashlib.sha1(np.ascontiguousarray(points_2d).tobytes()).hexdigest() + repr((args, kwargs.get(
            "n_thumbnails"), None if kwargs.get("labels") is None else len(kwargs["labels"])))
        if key not in memo:
            memo[key] = original(points_2d, images, *args, **kwargs)
        return memo[key]

    figures.thumbnail_map = thumbnail_map
    try:
        out["colour_reruns_memo"] = reruns_of("latent colour (gc frozen, thumbnails memoised)")
    finally:
        figures.thumbnail_map = original
        gc.unfreeze()
    out["later_umap_view"] = timed("latent umap 3d", lambda: at.radio(key="latent.dims").set_value(3).run())
    at.radio(key="latent.dims").set_value(2).run()


def worker_umap_cold(out: dict, codes_path: str, process_start: float) -> None:
    """First and second UMAP of the codes in a fresh process with no warm-up."""
    os.chdir(ROOT)
    out["entry_after_process_start"] = time.time() - process_start
    import numpy as np

    codes = np.load(codes_path)
    out["shape"] = list(codes.shape)
    started = time.perf_counter()
    import keras  # noqa: F401

    out["import_keras"] = time.perf_counter() - started
    from aecore.maps.projection import project

    started = time.perf_counter()
    import umap  # noqa: F401

    out["import_umap"] = time.perf_counter() - started
    out["torch_imported"] = "torch" in sys.modules
    started = time.perf_counter()
    project(codes, "umap")
    out["first_project"] = time.perf_counter() - started
    out["first_umap"] = out["import_umap"] + out["first_project"]
    started = time.perf_counter()
    project(codes, "umap")
    out["later_umap"] = time.perf_counter() - started
    out["process_start_to_end"] = time.time() - process_start


def worker_umap_app(out: dict, warm_at_start: bool, process_start: float) -> None:
    """A person in a fresh server: Home, then Latent space (its default view), then UMAP at once."""
    os.chdir(ROOT)
    out["entry_after_process_start"] = time.time() - process_start
    server_start = time.perf_counter()
    thread = None
    if warm_at_start:  # as a server would start it, once per process
        from aecore_app.caches import start_umap_warmup

        thread, out["warmup"] = start_umap_warmup(), "aecore_app.caches.start_umap_warmup"
    clock = ScriptClock()
    at = apptest.session()
    at.run()
    out["home"] = clock.take()
    at.switch_page("aecore_app/app_pages/latent.py").run()
    out["latent"] = clock.take()
    out["problems"] = apptest.problems(at)
    if not charts(at):
        out["problems"].append("Latent space drew no map: no demo model in this checkout")
        return
    import threading

    warmups = [t for t in threading.enumerate() if t.name == "umap-warmup"] or ([thread] if thread else [])
    out["warmup_alive_at_request"] = any(t.is_alive() for t in warmups)
    out["request_after_server_start"] = time.perf_counter() - server_start
    started = time.perf_counter()
    at.radio(key="latent.method").set_value("umap").run()
    out["first_umap_wall"] = time.perf_counter() - started
    out["first_umap"] = clock.take()
    out["problems"] += apptest.problems(at)
    started = time.perf_counter()
    at.radio(key="latent.dims").set_value(3).run()
    out["later_umap"] = clock.take()
    out["process_start_to_end"] = time.time() - process_start


def _spawn(args: list[str], timeout: float = WORKER_TIMEOUT) -> tuple[dict, str]:
    """Run a worker in a fresh process; return (its results, a problem text or "")."""
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as f:
        result_path = f.name
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "bench.responsiveness", "--result", result_path,
               "--process-start", repr(time.time())] + args
    try:
        proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        problem = "" if proc.returncode == 0 else \
            f"worker exit {proc.returncode}: {proc.stderr.strip()[-400:]}"
    except subprocess.TimeoutExpired:
        problem = f"worker did not finish within {timeout:.0f} s"
    try:
        data = json.loads(Path(result_path).read_text() or "{}")
    except (OSError, ValueError):
        data = {}
    finally:
        Path(result_path).unlink(missing_ok=True)
    return data, problem


def _fallback_codes(path: str) -> None:
    """PCA-10 of the MNIST sample, standardised: codes of the right shape when no model trained."""
    import numpy as np
    from sklearn.decomposition import PCA

    from aecore.data.datasets import load_mnist_sample

    codes = PCA(10, random_state=0).fit_transform(load_mnist_sample().X)
    np.save(path, (codes / codes.std(axis=0)).astype(np.float32))


def _short(page: str) -> str:
    return Path(page).stem


def _wall(t: dict) -> str:
    return f"AppTest.run wall {t['wall']:.2f} s"


def _apptest_rows(app: dict, problem: str) -> list[dict]:
    problems = app.get("problems", []) + ([problem] if problem else [])
    rows = []
    demo = set(app.get("demo_shown", []))
    for i, (page, t) in enumerate(app.get("before", {}).items()):
        state = ("no model trained yet: the page shows the shipped demo model" if page in demo else
                 "no model yet: the page's 'train first' state" if page in MODEL_PAGES else "")
        rows.append(row(GROUP, f"new session, first render: {_short(page)}", t["script"], unit="s",
                        target=PAGE_TARGET,
                        note="; ".join(x for x in [
                            "fresh process, so it includes the app's imports" if i == 0 else "", state,
                            f"script run (server side), {_wall(t)}"] if x)))
    if "train_defaults" in app:
        rows.append(row(GROUP, "Train page: Train with the defaults", app["train_defaults"]["script"],
                        unit="s",
                        note=f"{app.get('train_defaults_message') or 'no message'}; the recommended preset "
                             "(dense 512-256-10, early stopping); served from the shipped demo run when it "
                             "matches the defaults"))
    if "train" in app:
        cap = f", at most {app['train_epochs_cap']} epochs" if app.get("train_epochs_cap") else ""
        rows.append(row(GROUP, f"Train page: train the defaults with seed {app.get('train_seed')}{cap} "
                               "(click to page drawn)", app["train"]["script"], unit="s",
                        note=f"{app.get('train_message', '')}; the sample's 4,000 training digits"))
    for page, t in app.get("after", {}).items():
        note = f"first render with the trained model; {_wall(t)}"
        if page.endswith("latent.py"):
            note += "; default view (PCA), thumbnail map, code distributions"
        if page.endswith("clusters.py"):
            note += ("; N2D clustering computed (UMAP of the codes to 10-d, then clustering); its 2-D UMAP "
                     "map came from the cache Latent space filled")
        rows.append(row(GROUP, f"first render after training: {_short(page)}", t["script"], unit="s",
                        note=note))
    if "first_umap_view" in app:
        t = app["first_umap_view"]
        rows.append(row(GROUP, "Latent space: first UMAP view (2-D) in the app", t["script"], unit="s",
                        target=FIRST_UMAP_TARGET,
                        note=f"rerun after choosing UMAP; the app's warm-up started at the page's first "
                             f"visit, before training; {_wall(t)}"))
    reruns_of = {key: app.get(key) or []
                 for key in ("colour_reruns", "colour_reruns_frozen", "colour_reruns_memo")}
    cycle = f"{len(reruns_of['colour_reruns'])} reruns on the UMAP view cycling {app.get('colour_options')}"
    if reruns_of["colour_reruns"]:
        script = [t["script"] for t in reruns_of["colour_reruns"]]
        wall = [t["wall"] for t in reruns_of["colour_reruns"]]
        rows.append(row(GROUP, "Latent space: view-only rerun (change colour-by), script, median",
                        statistics.median(script), unit="s", target=RERUN_TARGET,
                        note=f"server time: the browser is told the run is over at its end; {cycle}: min "
                             f"{min(script):.2f} s, max {max(script):.2f} s"))
        rows.append(row(GROUP, "Latent space: view-only rerun, whole (AppTest.run), median",
                        statistics.median(wall), unit="s", target=RERUN_TARGET,
                        note=f"min {min(wall):.2f} s, max {max(wall):.2f} s; adds what Streamlit runs after "
                             "every script: gc.collect() (runner.postScriptGC) and "
                             "keras.backend.clear_session() (another full collection), each walking "
                             "TensorFlow's objects with the GIL held; AppTest's parsing is a few ms"))
    for key, label, note in [
            ("colour_reruns_frozen", "what-if gc.freeze()",
             "gc.freeze() in the measuring process (not in the app) after the model was loaded: the "
             "collections after every script no longer walk TensorFlow's objects"),
            ("colour_reruns_memo", "what-if gc.freeze() + thumbnail map drawn once per map",
             "as above, and aecore.figures.builders.thumbnail_map memoised in the measuring process (the thumbnail "
             "map does not depend on the colour)")]:
        if reruns_of[key]:
            wall = [t["wall"] for t in reruns_of[key]]
            script = statistics.median(t["script"] for t in reruns_of[key])
            rows.append(row(GROUP, f"Latent space: view-only rerun, whole, {label}, median",
                            statistics.median(wall), unit="s", target=RERUN_TARGET,
                            note=f"{note}; script median {script:.2f} s; min {min(wall):.2f} s, "
                                 f"max {max(wall):.2f} s"))
    if "later_umap_view" in app:
        t = app["later_umap_view"]
        rows.append(row(GROUP, "Latent space: later UMAP view (3-D)", t["script"], unit="s",
                        target=LATER_UMAP_TARGET,
                        note="rerun after choosing 3 dimensions: a new UMAP of the codes and a 3-D chart; "
                             + _wall(t)))
    if problems or not rows:
        rows.append(row(GROUP, "AppTest session problems", len(problems), target="0",
                        note=("; ".join(problems) or "no figures came back")[:400]))
    return rows


def _umap_rows(data: dict, problem: str, mode: str, codes_note: str) -> list[dict]:
    label = {"cold": "fresh process, no warm-up",
             "app": "fresh server, as the app is (Home, Latent space, UMAP at once)",
             "warm": "fresh server, warm-up started at server start (Home, Latent space, UMAP at once)"}[mode]
    if "first_umap" not in data:
        return [row(GROUP, f"{label}: UMAP not measured", len(data.get("problems", [])) or 1, target="0",
                    note=("; ".join(data.get("problems", []) + [problem]) or "no result")[:400])]
    if mode == "cold":
        shape = "x".join(str(v) for v in data.get("shape", []))
        torch = " and PyTorch, installed here for bench/speed.py" if data["torch_imported"] else ""
        first = (f"first UMAP of {shape} codes", f"import umap-learn {data['import_umap']:.1f} s (it imports "
                 f"TensorFlow's parametric UMAP{torch}) "
                 f"+ project() {data['first_project']:.1f} s, numba compilation included; Keras was imported "
                 f"before ({data['import_keras']:.1f} s), as in a server that has a model; {codes_note}")
        later = ("second UMAP (same codes)", f"process start to the end {data['process_start_to_end']:.1f} s")
    else:
        alive = "still running" if data["warmup_alive_at_request"] else "done"
        first = ("first UMAP view (2-D, script run)",
                 f"chosen {data['request_after_server_start']:.1f} s after server start (Home "
                 f"{data['home']:.1f} s, Latent space with the shipped demo model {data['latent']:.1f} s); "
                 f"the warm-up was {alive} "
                 f"then; AppTest.run wall {data['first_umap_wall']:.1f} s")
        later = ("later UMAP view (3-D, script run)",
                 f"process start to the end {data['process_start_to_end']:.1f} s")
    return [row(GROUP, f"{label}: {first[0]}", data["first_umap"], unit="s", target=FIRST_UMAP_TARGET,
                note=first[1]),
            row(GROUP, f"{label}: {later[0]}", data["later_umap"], unit="s", target=LATER_UMAP_TARGET,
                note=later[1])]


def run(quick: bool = False) -> list[dict]:
    reruns = 5 if quick else 9
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        codes_path = str(Path(tmp) / "codes.npy")
        app, problem = _spawn(["--worker", "apptest", "--codes", codes_path, "--reruns", str(reruns)]
                              + (["--max-epochs", str(QUICK_EPOCHS)] if quick else []))
        rows += [dict(r, note=f"{r['note']}; {load_note()}") for r in _apptest_rows(app, problem)]
        codes_note = "codes of the trained default model"
        if not Path(codes_path).exists():
            _fallback_codes(codes_path)
            codes_note = "no trained model: standardised PCA-10 of the sample stands in for the codes"
        for mode in ("app",) if quick else ("cold", "app", "warm"):
            args = ["--worker", "umap-cold", "--codes", codes_path] if mode == "cold" else \
                ["--worker", "umap-app"] + (["--warm"] if mode == "warm" else [])
            data, problem = _spawn(args)
            rows += [dict(r, note=f"{r['note']}; {load_note()}")
                     for r in _umap_rows(data, problem, mode, codes_note)]
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--worker" not in argv:
        return rows_main(run, argv)
    parser = argparse.ArgumentParser(prog="python -m bench.responsiveness --worker")
    parser.add_argument("--worker", choices=["apptest", "umap-cold", "umap-app"])
    parser.add_argument("--result", help="JSON file to write")
    parser.add_argument("--codes", help=".npy file of codes")
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument("--warm", action="store_true")
    parser.add_argument("--process-start", type=float, default=time.time())
    args = parser.parse_args(argv)
    out: dict = {}
    try:
        if args.worker == "apptest":
            worker_apptest(out, args.codes, args.reruns, args.max_epochs)
        elif args.worker == "umap-cold":
            worker_umap_cold(out, args.codes, args.process_start)
        else:
            worker_umap_app(out, args.warm, args.process_start)
    finally:
        Path(args.result).write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
