"""Background work that waits for a pause between script runs.

UMAP's warm-up (:func:`aecore_app.caches.start_umap_warmup`) costs ~9 s of a 2-core server. Started
beside a class's first pages, it made each of them wait (20 visitors' Home p95 10.5 s,
``python -m bench.class_load``); it now starts once no script has run for a moment. Its scikit-learn
import also holds new runs back while it lasts (about a second, once per process): two threads
importing scikit-learn at once can leave it half-initialised ("cannot import name 'clone' from
partially initialized module 'sklearn.base'"), which once broke a fresh server's first page."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

#: Seconds without a script run that count as a pause.
QUIET_S = 1.0
#: The longest a script run waits for background work holding the server (a stuck import must not
#: lock visitors out).
LONGEST_HOLD_S = 30.0

_state = {"running": 0, "ended": 0.0, "held": False}  # runs in progress, when one last ended, a hold
_changed = threading.Condition()


@contextmanager
def script_run():
    """Count one script run while it lasts (app.py wraps every run); it starts after a hold ends."""
    with _changed:
        _changed.wait_for(lambda: not _state["held"], timeout=LONGEST_HOLD_S)
        _state["running"] += 1
    try:
        yield
    finally:
        with _changed:
            _state["running"] -= 1
            _state["ended"] = time.monotonic()
            _changed.notify_all()


@contextmanager
def between_runs(quiet_s: float | None = None):
    """Wait until no script has run for ``quiet_s`` seconds (:data:`QUIET_S`), then keep new runs
    waiting until the block ends. For short work that must not overlap a page (an import)."""
    quiet_s = QUIET_S if quiet_s is None else quiet_s
    with _changed:
        while True:
            waited = time.monotonic() - _state["ended"]
            if _state["running"] == 0 and not _state["held"] and waited >= quiet_s:
                break
            busy = _state["running"] or _state["held"]  # a run's end notifies: no polling meanwhile
            _changed.wait(timeout=None if busy else max(quiet_s - waited, 0.05))
        _state["held"] = True
    try:
        yield
    finally:
        with _changed:
            _state["held"] = False
            _changed.notify_all()
