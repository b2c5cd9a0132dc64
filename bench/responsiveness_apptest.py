"""The ``apptest`` worker of bench/responsiveness.py, run in a fresh process: one AppTest session
through every page registered in app.py, a training, then the model pages with that model and the
Latent space views and reruns, each timed both as the server's script run (:class:`ScriptClock`)
and as ``AppTest.run``'s wall time; the AppTest helpers the UMAP workers share live here too."""

from __future__ import annotations

import os
import time

from bench.harness import apptest
from bench.harness.apptest import ScriptClock, charts, registered_pages
from bench.harness.server import ROOT

MODEL_PAGES = ["app_pages/reconstructions.py", "app_pages/latent.py", "app_pages/clusters.py",
               "app_pages/anomalies.py", "app_pages/generate.py"]


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

    at.switch_page("app_pages/train.py").run()
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

    from app_ui import caches  # the same process, so the same caches as the pages

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
        if page == "app_pages/latent.py":
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
