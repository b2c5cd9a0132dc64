"""The UMAP workers of bench/responsiveness.py, each run in a fresh process: ``umap-cold``, the
first and second UMAP of the trained model's codes with no warm-up, and ``umap-app``, a person in a
fresh server (Home, Latent space, then the UMAP views at once), with the app's warm-up as the app
starts it or started at server start."""

from __future__ import annotations

import os
import sys
import time

from bench.harness.apptest import APP, RUN_TIMEOUT, ScriptClock, charts, problems
from bench.harness.server import ROOT


def _start_warmup():
    """The app's background UMAP warm-up, as a server would start it; returns (thread, what)."""
    try:
        from aecore_app.caches import start_umap_warmup

        return start_umap_warmup(), "aecore_app.caches.start_umap_warmup"  # once per process
    except ImportError:  # moved: fall back to what aecore.maps.projection offers
        import threading

        from aecore.maps.projection import warm_up_umap

        thread = threading.Thread(target=warm_up_umap, daemon=True)
        thread.start()
        return thread, "aecore.maps.projection.warm_up_umap in a thread"


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
    if warm_at_start:
        thread, out["warmup"] = _start_warmup()
    from streamlit.testing.v1 import AppTest

    clock = ScriptClock()
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
    at.run()
    out["home"] = clock.take()
    at.switch_page("aecore_app/app_pages/latent.py").run()
    out["latent"] = clock.take()
    out["problems"] = problems(at)
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
    out["problems"] += problems(at)
    started = time.perf_counter()
    at.radio(key="latent.dims").set_value(3).run()
    out["later_umap"] = clock.take()
    out["process_start_to_end"] = time.time() - process_start
