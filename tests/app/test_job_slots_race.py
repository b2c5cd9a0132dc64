"""The server's job slots under races: never more than MAX_CONCURRENT_JOBS jobs running, whatever
clears caches or reruns a session; one running job per session; the pool's own log lines.

Every test drives threads with Events and reads what happened; none sleeps or times anything.
"""

from __future__ import annotations

import logging
import threading

import pytest
import streamlit as st

from aecore_app import caches, session
from aecore_app.slots import JOBS_LOGGER, SlotPool

WAIT = 10  # seconds an Event may take before the test gives up (never reached when it passes)


class Job:
    """A job in its own thread: asks ``enter`` (a context manager factory) for a slot, says whether
    it queued or ran, and holds the slot until ``finish`` is set (a training that cannot end alone)."""

    def __init__(self, enter, name: str):
        self.enter = enter
        self.queued = threading.Event()
        self.running = threading.Event()
        self.finish = threading.Event()
        self.done = threading.Event()
        self.errors: list = []
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with self.enter(self.queued):
                self.running.set()
                assert self.finish.wait(WAIT), "the test never let the job finish"
        except BaseException as exc:  # reported by the test that reads it
            self.errors.append(exc)
        finally:
            self.done.set()

    def first_news(self) -> str:
        """"queued" or "running", whichever this job reached first."""
        either = threading.Event()
        for event in (self.queued, self.running):
            if event.is_set():
                either.set()
        if not either.is_set():
            def watch(event):
                event.wait(WAIT)
                either.set()
            for event in (self.queued, self.running):
                threading.Thread(target=watch, args=(event,), daemon=True).start()
        assert either.wait(WAIT), "the job neither queued nor ran"
        return "running" if self.running.is_set() and not self.queued.is_set() else "queued"

    def end(self) -> None:
        self.finish.set()
        assert self.done.wait(WAIT)
        assert not self.errors, self.errors


def _through(pool_of, owner=None):
    """Enter a slot of ``pool_of()`` (looked up when the job starts), noting a wait in the queue."""
    def enter(queued):
        asked = {} if owner is None else {"owner": owner}
        return pool_of().slot(on_wait=lambda position: queued.set(), poll=0.01, **asked)
    return enter


@pytest.fixture
def fresh_job_slots(monkeypatch):
    """The app's real ``caches.job_slots`` with no pool made yet in this process."""
    if hasattr(caches, "_JOB_SLOTS"):
        monkeypatch.setattr(caches, "_JOB_SLOTS", [])
    st.cache_resource.clear()
    yield caches.job_slots
    st.cache_resource.clear()


def test_clearing_streamlit_caches_does_not_let_a_third_job_run(fresh_job_slots):
    """Two trainings hold both slots; someone clears Streamlit's caches (the "Clear caches" request
    any browser can send); a third job must still queue. With the pool in st.cache_resource, the
    third job got a new, empty pool and ran beside the two."""
    first, second = Job(_through(fresh_job_slots), "A"), Job(_through(fresh_job_slots), "B")
    assert first.running.wait(WAIT) and second.running.wait(WAIT)
    st.cache_resource.clear()
    third = Job(_through(fresh_job_slots), "C")
    assert third.first_news() == "queued"
    assert fresh_job_slots().in_use == 2
    first.end()
    assert third.running.wait(WAIT)
    second.end()
    third.end()
    assert fresh_job_slots().peak_in_use == caches.MAX_CONCURRENT_JOBS
    assert fresh_job_slots().in_use == 0


def test_a_rerun_of_a_session_waits_for_its_still_running_job(fresh_job_slots, monkeypatch):
    """fastReruns: a rerun (or a reload that resumes the session) starts a new script thread while
    the old one is still training until its next Streamlit call. The old training keeps its slot;
    the new run's job waits for it, even with a slot free, and runs once the old one returned."""
    # A run's session is the first letter of its thread's name; its queue message sets its Event.
    monkeypatch.setattr(session, "_job_owner", lambda: threading.current_thread().name[0],
                        raising=False)
    queued_events = {}

    class Note:
        def info(self, *args, **kwargs):
            queued_events[threading.current_thread()].set()

        def empty(self):
            pass

    monkeypatch.setattr(st, "empty", Note)

    def enter(queued):
        queued_events[threading.current_thread()] = queued
        return session.exclusive("training")

    old_run = Job(enter, "S-run1")
    assert old_run.running.wait(WAIT)
    new_run = Job(enter, "S-run2")
    assert new_run.first_news() == "queued"
    other_session = Job(enter, "T-run1")  # another visitor takes the free slot meanwhile
    assert other_session.first_news() == "running"
    old_run.end()
    assert new_run.running.wait(WAIT)
    new_run.end()
    other_session.end()
    assert fresh_job_slots().peak_in_use == 2 and fresh_job_slots().in_use == 0


def test_one_owner_holds_one_slot_and_others_go_past_its_second_job():
    pool = SlotPool(2)
    first = Job(_through(lambda: pool, owner="tab-1"), "first")
    assert first.running.wait(WAIT)
    second = Job(_through(lambda: pool, owner="tab-1"), "second")
    assert second.first_news() == "queued" and pool.holds("tab-1")
    stranger = Job(_through(lambda: pool, owner="tab-2"), "stranger")
    assert stranger.first_news() == "running"
    first.end()
    assert second.running.wait(WAIT)
    second.end()
    stranger.end()
    assert pool.in_use == 0 and pool.waiting == 0 and not pool.holds("tab-1")


def test_a_stopped_rerun_waiting_for_its_own_job_gives_its_place_up():
    pool = SlotPool(2)

    class Stopped(BaseException):
        pass

    first = Job(_through(lambda: pool, owner="s"), "first")
    assert first.running.wait(WAIT)

    def stop(position):
        raise Stopped()

    with pytest.raises(Stopped):
        with pool.slot(on_wait=stop, owner="s"):
            pytest.fail("a second job of one session ran beside its first")
    assert pool.waiting == 0 and pool.in_use == 1
    first.end()
    assert pool.in_use == 0


def test_nested_work_reuses_the_slot_of_its_own_thread_only(monkeypatch):
    pool = SlotPool(1)
    monkeypatch.setattr(caches, "job_slots", lambda: pool)
    monkeypatch.setattr(session, "_job_owner", lambda: "s")
    with session.exclusive("training"):
        with session.exclusive("pass"):  # nested work in the holding thread: no second slot
            assert pool.in_use == 1
        assert pool.held_by_this_thread()
        # Another thread of the same session is not nested work: it queues.
        other = Job(_through(lambda: pool, owner="s"), "other")
        assert other.first_news() == "queued"
    assert not pool.held_by_this_thread()
    assert other.running.wait(WAIT)
    other.end()
    assert pool.in_use == 0


def test_a_reused_thread_takes_a_new_slot_for_its_next_job():
    """Nothing of a finished job stays with its thread (as a thread-local flag could)."""
    from concurrent.futures import ThreadPoolExecutor

    pool = SlotPool(1)
    with ThreadPoolExecutor(max_workers=1) as executor:
        def job():
            with pool.slot():
                return pool.in_use

        assert executor.submit(job).result(WAIT) == 1
        with pool.slot():  # this thread holds the only slot: the worker's next job must wait
            queued = threading.Event()

            def second_job():
                with pool.slot(on_wait=lambda position: queued.set(), poll=0.01):
                    return "ran"

            future = executor.submit(second_job)
            assert queued.wait(WAIT)
        assert future.result(WAIT) == "ran"
    assert pool.peak_in_use == 1 and pool.in_use == 0


def test_the_queue_message_names_the_session_s_own_job():
    assert "previous long job" in session.queue_message("training", 1, own_job_running=True)
    assert "number 3 in the queue" in session.queue_message("training", 3, own_job_running=False)


def test_every_take_and_release_is_logged_with_the_counts(caplog):
    caplog.set_level(logging.INFO, logger=JOBS_LOGGER)
    pool = SlotPool(2)
    first, second = Job(_through(lambda: pool), "a"), Job(_through(lambda: pool), "b")
    assert first.running.wait(WAIT) and second.running.wait(WAIT)
    third = Job(_through(lambda: pool), "c")
    assert third.queued.wait(WAIT)
    first.end()
    assert third.running.wait(WAIT)
    second.end()
    third.end()
    lines = [record.getMessage() for record in caplog.records if record.name == JOBS_LOGGER]
    assert lines == [
        "job slot taken (1 of 2 in use, 0 waiting)",
        "job slot taken (2 of 2 in use, 0 waiting)",
        "job slot released (1 of 2 in use, 1 waiting)",
        "job slot taken (2 of 2 in use, 0 waiting)",
        "job slot released (1 of 2 in use, 0 waiting)",
        "job slot released (0 of 2 in use, 0 waiting)",
    ]
    assert pool.peak_in_use == 2


def test_aecore_log_jobs_prints_the_pool_log_to_stderr_once(fresh_job_slots, monkeypatch, capfd):
    monkeypatch.setenv("AECORE_LOG_JOBS", "1")
    logger = logging.getLogger(JOBS_LOGGER)
    before, level = list(logger.handlers), logger.level
    try:
        pool = fresh_job_slots()
        monkeypatch.setattr(caches, "_JOB_SLOTS", [])  # as if a second pool were asked for
        assert fresh_job_slots() is not pool
        added = [handler for handler in logger.handlers if handler not in before]
        assert len(added) == 1
        with fresh_job_slots().slot():
            pass
        err = capfd.readouterr().err
        assert "job slot taken (1 of 2 in use, 0 waiting)" in err
        assert err.count("job slot released (0 of 2 in use, 0 waiting)") == 1
    finally:
        for handler in logger.handlers:
            if handler not in before:
                logger.removeHandler(handler)
        logger.setLevel(level)


def test_two_sessions_asking_for_the_same_result_at_once_compute_it_once(fresh_job_slots, monkeypatch):
    """A class on one link: two sessions ask for the same clustering at the same moment. One
    computes it in a slot; the other waits for its result (saying so), never computing it in the
    other slot; both get the same object."""
    monkeypatch.setattr(session, "_job_owner", lambda: threading.current_thread().name)
    waited = threading.Event()

    class Note:
        def info(self, text, **kwargs):
            if "same" in text:
                waited.set()

        def empty(self):
            pass

    monkeypatch.setattr(st, "empty", Note)
    registry = caches.ModelRegistry()
    computing, release = threading.Event(), threading.Event()
    calls, results = [], {}

    def work():
        calls.append(threading.current_thread().name)
        computing.set()
        assert release.wait(WAIT)
        return object()

    def ask(name):
        results[name] = session.run_exclusive(registry, ("clustering", "demo"), "clustering", work)

    first = threading.Thread(target=ask, args=("first",), name="first")
    first.start()
    assert computing.wait(WAIT)
    second = threading.Thread(target=ask, args=("second",), name="second")
    second.start()
    assert waited.wait(WAIT)  # the second session waits for the first's result ...
    assert fresh_job_slots().in_use == 1  # ... without taking the free slot
    release.set()
    first.join(WAIT)
    second.join(WAIT)
    assert calls == ["first"]
    assert results["first"] is results["second"]


def test_when_the_computing_session_fails_a_waiting_one_computes_it(fresh_job_slots, monkeypatch):
    monkeypatch.setattr(session, "_job_owner", lambda: threading.current_thread().name)
    waited = threading.Event()

    class Note:
        def info(self, text, **kwargs):
            waited.set()

        def empty(self):
            pass

    monkeypatch.setattr(st, "empty", Note)
    registry = caches.ModelRegistry()
    computing, fail = threading.Event(), threading.Event()
    calls, results, errors = [], {}, []

    def work():
        calls.append(threading.current_thread().name)
        if threading.current_thread().name == "first":
            computing.set()
            assert fail.wait(WAIT)
            raise ValueError("over the budget")
        return "computed by the second"

    def ask(name):
        try:
            results[name] = session.run_exclusive(registry, "key", "map", work)
        except ValueError as exc:
            errors.append((name, str(exc)))

    first = threading.Thread(target=ask, args=("first",), name="first")
    first.start()
    assert computing.wait(WAIT)
    second = threading.Thread(target=ask, args=("second",), name="second")
    second.start()
    assert waited.wait(WAIT)
    fail.set()
    first.join(WAIT)
    second.join(WAIT)
    assert errors == [("first", "over the budget")]
    assert calls == ["first", "second"] and results == {"second": "computed by the second"}
