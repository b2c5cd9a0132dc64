"""A class on one link: sessions that ask for the same shared computation at the same moment (a
clustering, a map, an evaluation of the same model and settings) run it once, and every one of them
gets its result. Each test counts the real computation (the aecore function the app calls), which
holds until the other sessions are waiting for it, so the requests really overlap.

Threads stand in for the sessions, each its own job owner: two AppTest runs cannot overlap in one
process (each installs Streamlit's Runtime instance and removes it when it ends). No test sleeps."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest
import streamlit as st

from aecore.data import datasets
from aecore_app import analyses, caches, session

WAIT = 20  # seconds an Event may take before the test gives up (never reached when it passes)
SESSIONS = 3  # more sessions than job slots: a broken single flight would run it in both slots


@pytest.fixture
def shared_stores(monkeypatch):
    """Empty shared stores and job slots; each thread is one session."""
    monkeypatch.setattr(caches, "_JOB_SLOTS", [])
    monkeypatch.setattr(session, "_job_owner", lambda: threading.current_thread().name)
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def digits_and_codes():
    """scikit-learn's digits and 10-d "codes" of them (their first principal components)."""
    from sklearn.decomposition import PCA

    ds = datasets.load_dataset("digits")
    return ds, PCA(10, random_state=0).fit_transform(ds.X).astype(np.float32)


def overlapping(monkeypatch, module, name: str, ask, stub=None) -> tuple[list, dict]:
    """``ask()`` in SESSIONS threads started together, with ``module.name`` (the real computation)
    counted and held until every other session waits for the first's result (``stub``: a stand-in
    for a computation too long for a test). Returns who computed and what each session got."""
    real = stub or getattr(module, name)
    calls, results, errors = [], {}, []
    waiters, everyone_waits = set(), threading.Event()
    lock = threading.Lock()

    def counted(*args, **kwargs):
        with lock:
            calls.append(threading.current_thread().name)
        assert everyone_waits.wait(WAIT), "the other sessions never waited for this computation"
        return real(*args, **kwargs)

    wait_for_other = session._wait_for_other

    def noted_wait(flight, what):
        with lock:
            waiters.add(threading.current_thread().name)
            if len(waiters) == SESSIONS - 1:
                everyone_waits.set()
        return wait_for_other(flight, what)

    monkeypatch.setattr(module, name, counted)
    monkeypatch.setattr(session, "_wait_for_other", noted_wait)
    start = threading.Barrier(SESSIONS)

    def visitor():
        start.wait(WAIT)
        try:
            results[threading.current_thread().name] = ask()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=visitor, name=f"session-{i}", daemon=True) for i in range(SESSIONS)]
    for thread in threads:
        thread.start()
    released = everyone_waits.wait(WAIT)
    everyone_waits.set()  # let a broken version's computations end too, so that the threads finish
    for thread in threads:
        thread.join(WAIT)
    assert released, f"the sessions did not wait for one computation: computed by {calls}, waited {waiters}"
    assert not errors, errors
    return calls, results


def test_sessions_asking_for_the_same_clustering_at_once_run_it_once(shared_stores, monkeypatch, digits_and_codes):
    from aecore.maps import cluster_spaces

    ds, codes = digits_and_codes
    loaded = SimpleNamespace(dataset=ds, active=SimpleNamespace(key="digits"))
    calls, results = overlapping(monkeypatch, cluster_spaces, "cluster_space", lambda: analyses.cluster_run(
        "demo-digits", "codes", "kmeans", 10, 2, loaded, codes))
    assert len(calls) == 1
    first = results[calls[0]]
    assert len(results) == SESSIONS and all(result is first for result in results.values())
    assert first.scores["acc"] > 0.5  # a real clustering of the digits, not a stand-in


def test_sessions_asking_for_the_same_map_at_once_compute_it_once(shared_stores, monkeypatch, digits_and_codes):
    from aecore.maps import projection

    _, codes = digits_and_codes
    calls, results = overlapping(monkeypatch, projection, "project_sample",
                                 lambda: analyses.projection_of("demo-digits", "pca", 2, codes))
    assert len(calls) == 1
    views = list(results.values())
    assert len(views) == SESSIONS and all(view is views[0] for view in views)
    assert views[0].points.shape == (len(codes), 2)


def test_sessions_asking_for_the_same_evaluation_at_once_train_it_once(shared_stores, monkeypatch, digits_and_codes):
    """The anomaly evaluation trains a network: a stand-in takes its place, counted the same way."""
    from aecore import anomaly
    from aecore.presets import preset

    ds, _ = digits_and_codes
    active = session.ActiveData("digits", ds, shared=True)
    report = object()
    calls, results = overlapping(monkeypatch, anomaly, "evaluate", lambda: analyses.anomaly_evaluation(
        active, (0,), 4, preset("recommended")), stub=lambda *args, **kwargs: report)
    assert len(calls) == 1
    assert list(results.values()) == [report] * SESSIONS
