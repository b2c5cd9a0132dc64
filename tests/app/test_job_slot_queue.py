"""The server's job slot queue (aecore_app.slots, issue 14): jobs queued and then stopped never keep a
slot, an exception inside a slot releases it, and the queue is first come, first served. (Races
between sessions: test_job_slots_race.py.)"""

import threading
import time

import pytest

from aecore_app.slots import SlotPool


def test_interrupted_queued_jobs_give_every_slot_back():
    """Issue 14, case 4: jobs queued for a slot and then stopped (Stop, a widget change, a closed
    tab: Streamlit raises inside the queue message) never keep a slot."""

    class Stopped(BaseException):
        pass

    pool = SlotPool(2)
    release = threading.Event()
    holding = threading.Barrier(3)
    errors = []

    def holder():
        with pool.slot():
            holding.wait()
            release.wait(10)

    def queued(stop_after: float):
        started = time.perf_counter()

        def on_wait(position):
            assert position >= 1
            if time.perf_counter() - started > stop_after:
                raise Stopped()

        try:
            with pool.slot(on_wait=on_wait, poll=0.01):
                errors.append("a stopped job ran")
        except Stopped:
            pass

    holders = [threading.Thread(target=holder) for _ in range(2)]
    for thread in holders:
        thread.start()
    holding.wait()
    waiters = [threading.Thread(target=queued, args=(0.05 * i,)) for i in range(6)]
    for thread in waiters:
        thread.start()
    for thread in waiters:
        thread.join(5)
    assert pool.waiting == 0 and pool.in_use == 2
    release.set()
    for thread in holders:
        thread.join(5)
    assert pool.in_use == 0 and not errors
    # Both slots are free again: two new jobs run at once without waiting.
    waited = []
    with pool.slot(on_wait=waited.append), pool.slot(on_wait=waited.append):
        assert pool.in_use == 2
    assert not waited and pool.in_use == 0


def test_an_exception_inside_the_slot_releases_it():
    pool = SlotPool(1)
    with pytest.raises(KeyboardInterrupt):
        with pool.slot():
            raise KeyboardInterrupt
    assert pool.in_use == 0


def test_the_queue_is_first_come_first_served():
    pool = SlotPool(1)
    order, positions = [], {}
    gate = threading.Event()

    def job(name):
        def on_wait(position):
            positions.setdefault(name, position)
        with pool.slot(on_wait=on_wait, poll=0.01):
            order.append(name)

    with pool.slot():
        threads = []
        for name in "abc":
            threads.append(threading.Thread(target=job, args=(name,)))
            threads[-1].start()
            while pool.waiting < len(threads):
                time.sleep(0.005)
        gate.set()
    for thread in threads:
        thread.join(5)
    assert order == ["a", "b", "c"]
    assert positions == {"a": 1, "b": 2, "c": 3}
