"""The app's pages in Streamlit's AppTest: the registered pages, a session, and a clock for the
script's own share of each run."""

from __future__ import annotations

import re
import time

from bench.harness.server import ROOT

APP = ROOT / "app.py"


def registered_pages() -> list[str]:
    """The page files app.py registers with st.Page, in its order (read from the source)."""
    return re.findall(r"st\.Page\(\s*[\"']([^\"']+)[\"']", APP.read_text())


def page_paths() -> list[str]:
    """The URL paths of those pages (Streamlit names them after the files)."""
    return [page.rsplit("/", 1)[-1].removesuffix(".py") for page in registered_pages()]


class ScriptClock:
    """Server-side seconds of each script run, from Streamlit's own ScriptRunner events."""

    def __init__(self) -> None:
        from streamlit.runtime.scriptrunner import ScriptRunnerEvent
        from streamlit.testing.v1 import local_script_runner

        self.spans: list[float] = []
        ends = {ScriptRunnerEvent.SCRIPT_STOPPED_WITH_SUCCESS, ScriptRunnerEvent.SCRIPT_STOPPED_FOR_RERUN,
                ScriptRunnerEvent.SCRIPT_STOPPED_WITH_COMPILE_ERROR}
        started = ScriptRunnerEvent.SCRIPT_STARTED
        original = local_script_runner.LocalScriptRunner.__init__
        clock = self

        def init(runner, *args, **kwargs):
            original(runner, *args, **kwargs)
            state: dict = {}

            def record(sender, event, **_):
                now = time.perf_counter()
                if event == started:
                    state["start"] = now
                elif event in ends and "start" in state:
                    clock.spans.append(now - state.pop("start"))

            runner.on_event.connect(record, weak=False)

        local_script_runner.LocalScriptRunner.__init__ = init

    def take(self) -> float:
        """Seconds of the script runs since the last call (a page switch can run twice)."""
        total, self.spans = sum(self.spans), []
        return total


def session(timeout: float):
    """A new AppTest session of app.py (one person, no page run yet; ``timeout`` s per run)."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(APP), default_timeout=timeout)

