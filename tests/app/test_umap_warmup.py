"""The app starts UMAP's nearest-neighbour descent warm-up (aecore_app.caches) for maps large enough to
use approximate neighbours, once per process; exact neighbours need none. The exact path's warm-up
waits for a pause between script runs, so a class's first pages are not slowed by its compilation."""

import threading


def test_large_maps_start_the_nearest_neighbour_descent_warm_up(monkeypatch):
    from aecore.maps import projection
    from aecore_app import caches

    calls = []
    monkeypatch.setattr(projection, "warm_up_umap", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr(projection, "import_umap", lambda: None)  # the warm-up's thread imports it first
    monkeypatch.setattr(caches, "freeze_long_lived_objects", lambda: None)
    monkeypatch.setattr(caches, "_WARMUP", {})
    caches.start_umap_warmup_for(5_000, 10)  # exact neighbours: nothing to compile
    assert caches._WARMUP == {}
    assert projection.approximate_neighbors(60_000, 10) and not projection.approximate_neighbors(5_000, 10)
    caches.start_umap_warmup_for(60_000, 10)
    caches.start_umap_warmup_for(60_000, 32)  # once per process
    caches._WARMUP["approximate"].join(5)
    assert calls == [{"approximate": True}]


def test_the_warm_up_waits_for_a_pause_and_holds_new_runs_while_it_imports_scikit_learn(monkeypatch):
    from aecore.maps import knn, projection
    from aecore_app import caches, idle

    importing, release, compiled = threading.Event(), threading.Event(), threading.Event()

    def slow_import():  # stands for scikit-learn's import, held until the test releases it
        importing.set()
        release.wait(10)

    monkeypatch.setattr(knn, "import_umap_dependencies", slow_import)
    monkeypatch.setattr(projection, "warm_up_umap", lambda **kwargs: compiled.set())
    monkeypatch.setattr(projection, "import_umap", lambda: None)
    monkeypatch.setattr(caches, "freeze_long_lived_objects", lambda: None)
    monkeypatch.setattr(caches, "_WARMUP", {})
    monkeypatch.setattr(idle, "QUIET_S", 0.2)
    with idle.script_run():  # a visitor's run: the page asks for the warm-up at its end
        with idle.script_run():  # another visitor's, overlapping
            caches.start_umap_warmup()
        assert not importing.wait(0.5), "the warm-up started while a script was running"
    assert importing.wait(10)  # the pause came
    entered = threading.Event()

    def next_run():
        with idle.script_run():
            entered.set()

    visitor = threading.Thread(target=next_run)
    visitor.start()
    assert not entered.wait(0.3), "a run started while scikit-learn was being imported"
    release.set()
    visitor.join(10)
    assert entered.is_set()
    caches._WARMUP["thread"].join(10)
    assert compiled.is_set()
