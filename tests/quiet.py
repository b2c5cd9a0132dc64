"""A gate between pytest-xdist's workers, so that a measurement inside the suite runs on a quiet
machine: ``with alone():`` waits until the other workers' running tests finish and holds their
next ones back until it is done; every other test passes the gate (see tests/conftest.py).

Why: the suite runs two workers on two cores, and a tour step timed while the other worker trains a
model measured the other worker (issue 36: steps at 1.4–2.3 s alone read 3–4.2 s beside it).

Two ``flock`` files per run (one run: xdist's ``PYTEST_XDIST_TESTRUNUID``). A test takes the
*gate* shared and lets it go at once, then holds *busy* shared while it runs (set-up and tear-down
included: a module's server starts there). ``alone()`` takes the gate exclusively (new tests wait
at it), then *busy* exclusively (the running ones finish). Without xdist both are no-ops.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: no gate (the suite's timings are only written there, never asserted)
    fcntl = None


def _lock_path(name: str) -> Path | None:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if fcntl is None or not run:
        return None
    return Path(tempfile.gettempdir()) / f"aecore-tests-{run}.{name}"


@contextlib.contextmanager
def _locked(name: str, mode: int):
    path = _lock_path(name)
    if path is None:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, mode)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def passing():
    """Around one test (its set-up, call and tear-down): waits while a worker is ``alone()``."""
    with _locked("gate", fcntl.LOCK_SH if fcntl else 0):
        pass
    with _locked("busy", fcntl.LOCK_SH if fcntl else 0):
        yield


@contextlib.contextmanager
def alone():
    """The body runs while no other worker runs a test. Only in a test marked ``quiet`` (which does
    not pass the gate itself: it would wait for its own shared hold)."""
    with _locked("gate", fcntl.LOCK_EX if fcntl else 0), _locked("busy", fcntl.LOCK_EX if fcntl else 0):
        yield
