"""A gate between pytest-xdist's workers, so that a measurement inside the suite runs on a quiet
machine: ``with alone():`` waits until the other workers' running tests finish and holds their
next ones back until it is done; every other test passes the gate (see tests/conftest.py).

Why: the suite runs two workers on two cores, and a tour step timed while the other worker trains a
model measured the other worker (issue 36: steps at 1.4–2.3 s alone read 3–4.2 s beside it).

Two ``flock`` files per run (one run: xdist's ``PYTEST_XDIST_TESTRUNUID``). A test takes the
*gate* shared and lets it go at once, then holds *busy* shared while it runs (set-up and tear-down
included: a module's server starts there). ``alone()`` takes the gate exclusively (new tests wait
at it), then *busy* exclusively (the running ones finish), then waits for idle CPUs (threads a
finished test left behind). Without xdist the locks are no-ops.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
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


def remove_files() -> None:
    """Remove this run's two files (each worker as it finishes: a worker still running re-creates
    them, and has no one left to wait for)."""
    for name in ("gate", "busy"):
        path = _lock_path(name)
        if path is not None:
            path.unlink(missing_ok=True)


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
    """The body runs while no other worker runs a test, once the CPUs are idle. Only in a test
    marked ``quiet`` (which does not pass the gate itself: it would wait for its own shared hold)."""
    with _locked("gate", fcntl.LOCK_EX if fcntl else 0), _locked("busy", fcntl.LOCK_EX if fcntl else 0):
        if _lock_path("busy") is not None:  # under xdist: another worker's threads may linger
            wait_for_idle_cpus()
        yield


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of every CPU since boot, from /proc/stat (Linux), else None."""
    try:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle and iowait
    return sum(values) - idle, sum(values)


def wait_for_idle_cpus(busy_cores: float = 0.3, window_s: float = 1.0, limit_s: float = 120.0) -> bool:
    """Wait until the machine uses at most ``busy_cores`` CPUs over ``window_s`` (at most ``limit_s``);
    whether it did. A test that ended may leave threads running in its worker (an AppTest's UMAP
    warm-up compiles for ~20 s): a quiet measurement waits for them too."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        before = _cpu_times()
        time.sleep(window_s)
        after = _cpu_times()
        if before is None or after is None:
            return False
        busy, total = after[0] - before[0], after[1] - before[1]
        if total > 0 and busy / total * (os.cpu_count() or 1) <= busy_cores:
            return True
    return False
