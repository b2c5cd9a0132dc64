"""The guided tour (AppTest): the Home page lists every step, and each step's text is short. That
every step's link opens its page with its banner in both languages is the browser suite's
(tests/browser/test_browser_tour.py::test_guided_tour_end_to_end, which also times each arrival)."""

import pytest

from aecore_app import tour
from tests.builders import open_page

TIMEOUT = 300


@pytest.fixture(autouse=True)
def _fresh_caches():
    import streamlit as st

    st.cache_data.clear()
    yield


def _open(page, params):
    return open_page(page, params, timeout=TIMEOUT)


def test_the_home_page_lists_every_tour_step():
    at = _open("aecore_app/app_pages/home.py", {})
    text = " ".join(m.value for m in at.markdown)
    for index in range(len(tour.STEPS)):
        assert f"**{index + 1}. " in text


#: A step's text is read in the banner above the page: a few sentences saying what to look at.
MAX_WORDS = 60


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_tour_step_text_is_at_most_60_words(lang):
    # Words are whitespace-separated tokens in both languages: Korean separates its words (eojeol,
    # a word with its particles) by spaces, so the same text runs to fewer tokens than in English
    # and the English limit holds for it unchanged.
    import tomllib

    from tests.builders import ROOT

    strings = tomllib.loads((ROOT / "aecore_app" / "locales" / f"{lang}.toml").read_text(encoding="utf-8"))["tour"]
    counts = {step.id: len(strings[step.id]["look"].split()) for step in tour.STEPS}
    assert all(counts.values()), counts
    assert {name: n for name, n in counts.items() if n > MAX_WORDS} == {}, counts
