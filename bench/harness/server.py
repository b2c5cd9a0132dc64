"""Start ``streamlit run app.py`` on a free port, wait until it is healthy, stop it afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float = 10.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as response:
            return response.read() == b"ok"
    except OSError:
        return False


@dataclass
class Server:
    """A running server: its process, address and log (the log's text once it has stopped)."""

    proc: subprocess.Popen
    url: str
    log: object
    log_text: str = field(default="")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_so_far(self) -> str:
        """What the server has written while it runs (read without moving the file's offset,
        which the server's own descriptor shares)."""
        if self.log_text:
            return self.log_text
        size = os.fstat(self.log.fileno()).st_size
        return os.pread(self.log.fileno(), size, 0).decode("utf-8", "replace")


def wait_healthy(server: Server, timeout: float = START_TIMEOUT_S) -> None:
    """Poll the health endpoint until it answers; RuntimeError (with the log's tail) if the
    server exits or does not answer in ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(server.url, timeout=2):
            return
        if server.proc.poll() is not None:
            server.log.seek(0)
            tail = server.log.read()[-2000:]
            raise RuntimeError(f"the server exited with status {server.proc.returncode}:\n{tail}")
        time.sleep(0.5)  # polling a server that is starting
    raise RuntimeError(f"streamlit did not become healthy within {timeout:.0f} s")


@contextmanager
def streamlit_server(app_root: Path = ROOT, *, env: dict | None = None, flags: tuple[str, ...] = ()):
    """``with streamlit_server() as server:`` a healthy ``streamlit run app.py`` in ``app_root``;
    ``flags``: more command-line options for this server only (e.g. ``--server.enableAgentApi true``)."""
    port = free_port()
    # A value of None in ``env`` removes the variable (a server started as a person would start it).
    full_env = {name: value for name, value in {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}.items()
                if value is not None}
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false", *flags]
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(command, cwd=app_root, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        server = Server(proc, f"http://127.0.0.1:{port}", log)
        try:
            wait_healthy(server)
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a thread that never ends
                proc.kill()
                proc.wait(timeout=30)
            log.seek(0)
            server.log_text = log.read()
