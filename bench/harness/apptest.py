"""The app's pages in Streamlit's AppTest: the pages app.py registers, and a session of it."""

from __future__ import annotations

import re

from bench.harness.server import ROOT

APP = ROOT / "app.py"


def registered_pages() -> list[str]:
    """The page files app.py registers with st.Page, in its order (read from the source)."""
    return re.findall(r"st\.Page\(\s*[\"']([^\"']+)[\"']", APP.read_text())


def session(timeout: float):
    """A new AppTest session of app.py (one person, no page run yet; ``timeout`` s per run)."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP), default_timeout=timeout)
