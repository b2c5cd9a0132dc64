"""bench/class_load.py: what it counts as an error in a page's snapshot, how it collects a run the
agent API stopped waiting for, and that the agent API stays off in the app's own settings."""

from __future__ import annotations

import json
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import class_load
from tests.builders import ROOT

SNAPSHOT_TREE = {"type": "root", "children": [{"type": "main", "children": [
    {"type": "title", "props": {"body": "Clusters"}},
    {"type": "error", "props": {"body": "Clustering failed: over the budget"}},
    {"type": "container", "children": [{"type": "exception", "props": {"type": "ValueError", "message": "bad"}}]},
    {"type": "warning", "props": {"body": "a warning is not an error"}},
]}]}


def test_exceptions_and_error_boxes_anywhere_in_the_tree_are_errors():
    assert class_load.problems(SNAPSHOT_TREE) == ["st.error: Clustering failed: over the budget",
                                                  "exception ValueError: bad"]


def test_p95_is_the_nearest_rank():
    assert class_load.quantiles([float(v) for v in range(1, 21)]) == (10.5, 19.0)


@pytest.fixture
def agent_api():
    """A stand-in agent API: the first request's run outlasts the wait (``wait_timed_out``);
    a request with only the session's id collects it."""
    bodies = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            bodies.append(body)
            if len(bodies) == 1:
                status, answer = 504, {"error": {"code": "wait_timed_out", "session_id": "s_1", "message": "wait"}}
            else:
                status, answer = 200, {"session_id": "s_1", "status": "ready", "tree": SNAPSHOT_TREE}
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", bodies
    server.shutdown()


def test_a_run_the_api_stopped_waiting_for_is_collected_with_the_session_id(agent_api):
    url, bodies = agent_api
    visitor = class_load.Visitor("one")
    visitor.walk(url, (("clusters", "Clusters"),))
    assert bodies == [{"page": "clusters"}, {"session_id": "s_1"}]
    assert visitor.errors == ["Clusters: st.error: Clustering failed: over the budget",
                              "Clusters: exception ValueError: bad"]
    assert set(visitor.seconds) == {"Clusters"}


@pytest.mark.parametrize("config", [".streamlit/config.toml", "aecore_app/.streamlit/config.toml"])
def test_the_agent_api_is_off_in_the_app_s_settings(config):
    """Only the benchmark's own server turns it on, by a command-line flag."""
    settings = tomllib.loads((ROOT / config).read_text())
    assert not settings.get("server", {}).get("enableAgentApi", False)
    assert "--server.enableAgentApi" in class_load.AGENT_FLAGS
