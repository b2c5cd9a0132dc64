"""Issue 14, case 11: three real browsers on one server at once, and a hostile visitor.

A short version of ``python -m bench.load_browser`` (which it runs through
:func:`bench.load_browser.measure`): one ``streamlit run`` server, three honest Chromium sessions
following the first guided-tour steps at the same time, and a hostile session opening the issue's
links and typing 300000 into the Hidden units box. The honest sessions see no exception or error
box; every hostile link ends with a message (no hang, no crash, no training started, nothing
injected); the server is still healthy afterwards. About two minutes on a 2-core machine.
"""

import os

import pytest

from bench.harness.browser import CHROMIUM

pytestmark = pytest.mark.browser

if not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        raise RuntimeError("CI must install Debian's chromium for the browser suite (scripts/test.sh does).")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

SESSIONS = 3
STEPS = [0, 1]  # the linear autoencoder and the MNIST reconstructions (TensorFlow's first import)
HOSTILE_LIMIT_S = 150.0


@pytest.fixture(scope="module")
def load():
    from bench.load_browser import measure

    return measure(sessions=SESSIONS, trainers=0, steps=STEPS, solo=False, hostile="links",
                   slot_check=False, hostile_limit=HOSTILE_LIMIT_S)


@pytest.fixture(scope="module")
def probes(load):
    return {probe["probe"]: probe for probe in load["concurrent"]["hostile"]}


def test_honest_sessions_see_no_exception_or_error(load):
    assert load["honest_problems"] == []
    people = load["concurrent"]["people"]
    assert [len(person.visits) for person in people] == [len(STEPS)] * SESSIONS


def test_the_server_is_still_healthy(load):
    assert load["healthy_after"]
    assert load["threads"]["script threads after"] == [], load["threads"]["script threads after"]


@pytest.mark.parametrize("name", ["huge training link", "raw-pixel mixture link", "Markdown in a link value",
                                  "300000 typed into Hidden units"])
def test_a_hostile_action_gets_a_message_not_a_hang(probes, name):
    probe = probes[name]
    assert probe["finished"], probe["outcome"]  # the page stopped running within HOSTILE_LIMIT_S
    assert not probe["exception"], probe["outcome"]
    assert probe["messages"], probe["outcome"]


def test_a_link_starts_no_training(probes):
    assert not probes["huge training link"]["training_started"]


def test_markdown_in_a_link_value_is_not_rendered(probes):
    assert probes["Markdown in a link value"]["injected_elements"] == 0


def test_a_unicode_digit_tour_number_does_not_crash(probes):
    probe = probes["unicode digit ?tour=²"]
    assert probe["finished"] and not probe["exception"], probe["outcome"]
