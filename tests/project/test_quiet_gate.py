"""The gate that pauses the other test workers while a measurement runs (tests/quiet.py): ``alone()``
waits for a running test to finish, and a test that arrives meanwhile waits until it is done."""

import threading

import pytest

from tests import quiet


@pytest.fixture()
def one_run(monkeypatch, tmp_path):
    monkeypatch.setenv("PYTEST_XDIST_TESTRUNUID", "gate-test")
    monkeypatch.setattr(quiet.tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(quiet, "wait_for_idle_cpus", lambda: True)  # the order of the locks only
    if quiet.fcntl is None:
        pytest.skip("flock is POSIX-only; elsewhere the gate does nothing")


def _in_thread(context, events, name, release=None):
    def body():
        with context():
            events.append(f"{name} in")
            if release is not None:
                release.wait(10)
            events.append(f"{name} leaving")  # still holding its lock

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    return thread


def test_alone_waits_for_the_running_test_and_holds_back_the_next(one_run):
    events, release_test, release_alone = [], threading.Event(), threading.Event()
    running = _in_thread(quiet.passing, events, "test", release_test)
    while "test in" not in events:
        running.join(0.01)
    measuring = _in_thread(quiet.alone, events, "alone", release_alone)
    measuring.join(0.3)
    assert events == ["test in"]  # the measurement waits for the running test
    release_test.set()
    while "alone in" not in events:
        measuring.join(0.01)
    later = _in_thread(quiet.passing, events, "next")
    later.join(0.3)
    assert "next in" not in events  # a test arriving meanwhile waits at the gate
    release_alone.set()
    later.join(10)
    assert events.index("alone leaving") < events.index("next in")


def test_without_xdist_the_gate_is_open(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_TESTRUNUID", raising=False)
    with quiet.passing(), quiet.alone():
        pass


def test_waiting_for_idle_cpus_ends_when_they_are_and_gives_up_at_its_limit():
    import os

    if quiet._cpu_times() is None:
        pytest.skip("no /proc/stat here")
    assert quiet.wait_for_idle_cpus(busy_cores=os.cpu_count(), window_s=0.1, limit_s=5)  # never busier than all
    assert not quiet.wait_for_idle_cpus(busy_cores=-1, window_s=0.1, limit_s=0.3)  # never idle enough
