"""Shared fixtures: small seeded data and tiny configurations, so tests stay fast."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tests import quiet  # noqa: E402

SEED = 0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Every test passes the quiet gate (tests/quiet.py), set-up and tear-down included, except a
    test marked ``quiet``, which takes the gate itself around what it measures."""
    if item.get_closest_marker("quiet"):
        yield
        return
    with quiet.passing():
        yield


def pytest_sessionfinish(session):
    quiet.remove_files()


@pytest.fixture(scope="session")
def mnist_sample():
    from aecore.data.datasets import load_mnist_sample

    return load_mnist_sample()


@pytest.fixture(scope="session")
def digits():
    from aecore.data.datasets import load_digits_8x8

    return load_digits_8x8()


@pytest.fixture()
def rng():
    return np.random.default_rng(SEED)


@pytest.fixture()
def tiny():
    """Settings for a fit that only has to run, not to be good."""
    return dict(epochs=2, batch_size=64, random_state=SEED, hidden_units=(16,))
