"""The browser tests' shared fixtures: per test file, one ``streamlit run app.py`` started as a person
starts it (its log is read by test_browser.py's last test) and one Chromium; a fresh page per test.

The browser tests import one another's helpers as top-level modules (``from test_browser import
...``), so this folder alone has no ``__init__.py``: pytest puts it on ``sys.path`` and imports
``test_browser`` once, under that name, for every file here."""

import pytest

from bench.harness.browser import chromium
from bench.harness.server import streamlit_server


@pytest.fixture(scope="module")
def running_server():
    # TF_CPP_MIN_LOG_LEVEL unset, as a person starts the app.
    with streamlit_server(env={"TF_CPP_MIN_LOG_LEVEL": None}) as running:
        yield running


@pytest.fixture(scope="module")
def server(running_server):
    return running_server.url


@pytest.fixture(scope="module")
def browser():
    with chromium() as instance:
        yield instance


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 2000})
    page = context.new_page()
    page.set_default_timeout(180_000)
    yield page
    context.close()
