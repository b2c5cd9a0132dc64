"""The app at scale, shown on the 5,000-digit demo model with the limits lowered: a pass over every
row estimated at PASS_SLOT_SECONDS or more states its estimate and runs in a job slot; a map of more
points than MAP_DRAW_ROWS draws a stated, seeded subset of them (issue 18: 200,000 rows)."""

import base64
import json

import numpy as np
import pytest

from tests.builders import open_page, record_slots

TIMEOUT = 180


@pytest.fixture
def slots_entered(monkeypatch):
    return record_slots(monkeypatch)


@pytest.fixture
def spinners(monkeypatch):
    """Every ``st.spinner`` text a run shows (they are gone from AppTest's tree once done)."""
    import streamlit as st

    said, real = [], st.spinner

    def recording(text="", *args, **kwargs):
        said.append(str(text))
        return real(text, *args, **kwargs)

    monkeypatch.setattr(st, "spinner", recording)
    return said


@pytest.fixture
def fresh_passes():
    from aecore_app import caches, passes

    caches.model_passes.clear()
    caches.held_out_reconstructions.clear()
    yield passes
    caches.model_passes.clear()


def _chart_spec(at, key):
    chart = next(c for c in at.get("plotly_chart") if key in c.proto.id)
    return json.loads(chart.proto.spec)


def _array(value) -> np.ndarray:
    """An array from Plotly's JSON: a list, or ``{"dtype": ..., "bdata": base64}``."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.ravel(value)


@pytest.mark.timeout(TIMEOUT)
def test_a_long_pass_states_its_estimate_and_waits_for_a_slot(monkeypatch, slots_entered, spinners, fresh_passes):
    from aecore_app import caches, i18n
    from aecore_app.session import default_demo

    monkeypatch.setattr(fresh_passes, "PASS_SLOT_SECONDS", 0.0)  # every pass counts as long here
    monkeypatch.setattr(fresh_passes, "shipped_views", lambda *args: None)  # the demo's errors are computed here
    at = open_page("aecore_app/app_pages/anomalies.py", timeout=TIMEOUT)
    assert i18n.translate("ui.job_pass", "en") in slots_entered, slots_entered
    stated = [s for s in spinners if s.startswith("Reconstructing 5,000 rows with this model: about")]
    assert len(stated) == 1, spinners
    demo = default_demo()
    reducer = caches.demo_models().get((demo.data_key, demo.config))
    seconds = max(1.0, fresh_passes.pass_seconds(reducer, 5000, "reconstruct"))
    assert f"about {seconds:,.0f} s on a 2-core CPU" in stated[0]
    assert not at.error, [e.value for e in at.error]

    # Once computed the errors are shared read-only, and a rerun neither queues nor recomputes.
    slots_entered.clear(), spinners.clear()
    at.run()
    assert not at.exception and slots_entered == [] and not any("Reconstructing" in s for s in spinners)
    errors = fresh_passes.caches.model_passes().get(("errors", demo.key.id))
    assert errors is not None and len(errors) == 5000 and not errors.flags.writeable


@pytest.mark.slow
@pytest.mark.timeout(TIMEOUT)
def test_a_short_pass_runs_at_once(slots_entered, fresh_passes):
    from aecore_app import caches, i18n
    from aecore_app.session import default_demo

    open_page("aecore_app/app_pages/home.py", timeout=TIMEOUT)  # loads the demo models
    demo = default_demo()
    reducer = caches.demo_models().get((demo.data_key, demo.config))
    assert fresh_passes.pass_seconds(reducer, 5000, "reconstruct") < fresh_passes.PASS_SLOT_SECONDS
    open_page("aecore_app/app_pages/anomalies.py", timeout=TIMEOUT)
    assert i18n.translate("ui.job_pass", "en") not in slots_entered, slots_entered


@pytest.mark.timeout(30)
def test_work_inside_a_slot_reuses_that_slot(monkeypatch):
    # A long job that starts a long pass would otherwise wait for a second slot: with every slot
    # held that way, forever.
    from aecore_app import caches, session
    from aecore_app.slots import SlotPool

    pool = SlotPool(1)
    monkeypatch.setattr(caches, "job_slots", lambda: pool)
    with session.exclusive("outer"):
        with session.exclusive("inner"):
            assert pool.in_use == 1
        assert pool.in_use == 1
    assert pool.in_use == 0
    with session.exclusive("again"):  # the flag was reset: a new job takes a slot again
        assert pool.in_use == 1


@pytest.mark.slow
@pytest.mark.timeout(TIMEOUT)
def test_a_large_map_draws_a_stated_subset(monkeypatch):
    from aecore_app import analyses, caches, latent_tabs_ui

    monkeypatch.setattr(analyses, "MAP_DRAW_ROWS", 1000)
    monkeypatch.setattr(latent_tabs_ui, "DISTRIBUTION_ROWS", 800)
    caches.thumbnail_map_of.clear()
    assert analyses.draw_seconds(10**6) == analyses.draw_seconds(1000) > analyses.draw_seconds(500)  # drawn points only
    at = open_page("aecore_app/app_pages/latent.py", {"view": "pca"}, timeout=TIMEOUT)
    spec = _chart_spec(at, "latent.map")
    ids = np.concatenate([_array(trace.get("customdata", [])) for trace in spec["data"]]).astype(int)
    assert len(ids) == 1000 and len(set(ids)) == 1000 and ids.max() < 5000
    assert any("draws a seeded random 1,000 of the map's 5,000 points" in c.value for c in at.caption), \
        [c.value for c in at.caption]
    thumbs = _chart_spec(at, "latent.thumbs")
    assert sum(len(_array(trace["x"])) for trace in thumbs["data"]) == 1000
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("latent.violins")]  # a closed tab
    at.session_state["latent.tab"] = "distributions"  # drawn when its tab is opened
    at.run()
    violins = _chart_spec(at, "latent.violins")
    assert all(len(_array(trace["y"])) == 800 for trace in violins["data"])
    assert "a random 800 of 5,000 rows" in violins["layout"]["title"]["text"]
    caches.thumbnail_map_of.clear()


def test_the_server_caps_its_malloc_arenas(monkeypatch):
    import platform

    from aecore_app import caches

    monkeypatch.setattr(caches, "_ARENAS", {})
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    capped = caches.limit_malloc_arenas()
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert capped is True
    assert caches.limit_malloc_arenas() is capped  # once per process
    monkeypatch.setattr(caches, "_ARENAS", {})
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert caches.limit_malloc_arenas() is True  # the owner's setting is left alone


def test_the_server_keeps_its_imports_out_of_every_collection(monkeypatch):
    """Streamlit collects garbage after every run: the objects the imports made (TensorFlow's half
    million) are frozen out of those collections once, after a collection, so nothing dead is kept."""
    import gc
    import threading
    import weakref

    import keras  # noqa: F401  (TensorFlow's modules, as the model pages import them)

    from aecore_app import caches, page

    # A warm-up an earlier test's page started freezes when it ends (it waits for a pause between
    # runs, so it may still be running): wait for every one, and let none freeze during this test.
    for thread in threading.enumerate():
        if thread.name.startswith("umap-warmup-"):
            thread.join()
    monkeypatch.setattr(caches, "freeze_long_lived_objects", lambda: None)

    class Node:
        pass

    monkeypatch.setattr(page, "_frozen_at", [0])
    gc.unfreeze()
    gc.disable()
    try:
        dead = Node()
        dead.itself = dead  # a cycle: only a collection frees it
        ref = weakref.ref(dead)
        del dead
        page.freeze_imports()
        frozen = gc.get_freeze_count()
        assert ref() is None and frozen > 100_000
        page.freeze_imports()  # no module imported since: no collection, nothing more frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.enable()


@pytest.mark.timeout(TIMEOUT)
def test_the_clusters_page_states_both_of_its_umaps():
    # UMAP's 10-d space for the clustering, then a 2-D UMAP map to draw it on: both said first.
    from aecore.maps import cluster, projection

    at = open_page("aecore_app/app_pages/clusters.py", timeout=TIMEOUT)
    assert at.session_state["clusters.space"] == "umap" and at.session_state["clusters.map"] == "umap"
    seconds = (projection.estimate_seconds("umap", 5000, cluster.RECOMMENDED["umap_components"])
               + projection.estimate_seconds("umap", 5000))
    said = [c.value for c in at.caption if c.value.startswith("UMAP of 5,000 codes first")]
    assert said and f"about {seconds:,.0f} s" in said[0], said
