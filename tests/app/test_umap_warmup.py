"""The app starts UMAP's nearest-neighbour descent warm-up (aecore_app.caches) for maps large enough to
use approximate neighbours, once per process; exact neighbours need none."""


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
