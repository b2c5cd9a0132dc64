"""What one session holds itself: after a visitor has opened every page of the tour with the
shipped demos (nothing trained), ``st.session_state`` holds a few small entries; the models, codes,
maps and clusterings stay in the shared stores (a class on one link shares them). The entries are
listed, largest first, in the failure message."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest

from tests.builders import APP

#: The pages a visitor of the tour opens (bench/class_load.py's visit), as AppTest names them.
VISIT = ["home", "linear_3d", "latent", "clusters", "reconstructions", "anomalies", "generate", "compare"]
#: What one session may hold itself, all entries together: it held 1.3 kB; the codes of the
#: 5,000-row demo data (10 floats a row) would be 200 kB.
SESSION_LIMIT_BYTES = 64_000
TIMEOUT = 300  # the first page imports TensorFlow; Clusters computes the demo's N2D clustering


def held_bytes(value, shared: set[int], seen: set[int] | None = None) -> int:
    """Bytes ``value`` holds that no shared store holds: arrays, text and the containers and
    objects of the app around them; an object a shared store holds (``shared``, by id) counts 0."""
    seen = set() if seen is None else seen
    if id(value) in seen or id(value) in shared:
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return 0 if not value.flags.writeable else value.nbytes  # shared arrays are read-only
    if isinstance(value, (bytes, bytearray, str)):
        return len(value)
    if isinstance(value, dict):
        return sum(held_bytes(k, shared, seen) + held_bytes(v, shared, seen) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return sum(held_bytes(v, shared, seen) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(held_bytes(getattr(value, f.name), shared, seen) for f in dataclasses.fields(value))
    reducers = sys.modules.get("aecore.reducer")  # not imported: no value can be a model
    if reducers is not None and isinstance(value, reducers.AutoencoderReducer):  # a model of its own: its weights
        return 4 * int(value.autoencoder_.count_params()) if hasattr(value, "autoencoder_") else 0
    if type(value).__module__.split(".")[0] in {"aecore", "aecore_app"} and hasattr(value, "__dict__"):
        return held_bytes(vars(value), shared, seen)
    return sys.getsizeof(value)


def shared_ids() -> set[int]:
    """The ids of the objects the process-wide stores hold (demo models, trained models, passes,
    views, clusterings, yardsticks)."""
    from aecore_app import caches

    stores = [caches.model_registry(), caches.map_views(), caches.cluster_results(), caches.model_passes(),
              caches.held_out_reconstructions(), caches.compared_runs(), caches.family_results()]
    held = set(map(id, caches.demo_models().values()))
    for store in stores:
        held |= {id(store.get(key)) for key in store.keys()}
    return held


def test_what_a_session_holds_counts_its_own_arrays_and_not_the_shared_ones():
    codes = np.zeros((5000, 10), np.float32)
    shared_map = np.zeros((5000, 2), np.float32)
    shared_map.flags.writeable = False  # how the shared stores hand arrays out
    model = object()
    assert held_bytes({"codes": codes, "map": shared_map, "model": model}, {id(model)}) == (
        codes.nbytes + len("codes") + len("map") + len("model"))


@pytest.mark.slow
def test_a_visitor_of_every_page_holds_little_in_the_session():
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    for page in VISIT[1:]:
        at.switch_page(f"aecore_app/app_pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
    state = at._session_state.filtered_state
    shared = shared_ids()
    entries = sorted(((held_bytes(value, shared), key, type(value).__name__) for key, value in state.items()),
                     reverse=True)
    listing = "\n".join(f"{size:>10,} B  {key} ({kind})" for size, key, kind in entries)
    assert sum(size for size, _, _ in entries) <= SESSION_LIMIT_BYTES, listing
    assert "current_model" in state, listing  # the demo is the session's model: the walk really ran
    print(f"\n{len(entries)} entries, {sum(s for s, _, _ in entries):,} B:\n{listing}")
