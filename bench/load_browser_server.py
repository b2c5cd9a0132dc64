"""The server side of the multi-user browser load test (bench/load_browser.py): ``streamlit run
app.py`` instrumented to name its threads, time its script runs and dump both on SIGUSR1; the
resident memory, threads and CPU time of its process tree, read from /proc; and :class:`Renicer`,
which keeps the Chromium processes at a lower CPU priority while they run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.tour import _status_kb

ROOT = Path(__file__).resolve().parent.parent
QUIET_S = 8.0  # wait after the last session closed before counting threads

#: Runs ``streamlit`` with three instruments and nothing else changed: every Python thread gives its
#: name (15 characters) to the kernel, for /proc/<pid>/task/*/comm (Python 3.11 does not; native
#: threads inherit the name of the thread that started them); every script run is timed on the
#: server (session, query string, start, seconds: one request with its st.rerun continuations);
#: SIGUSR1 writes the Python threads (name, id, innermost frames) and the runs as JSON to the file
#: $LOAD_BROWSER_STATE.
INSTRUMENTED_STREAMLIT = """
import ctypes, json, os, signal, sys, threading, time, traceback
from streamlit.runtime.scriptrunner import script_runner
libc = ctypes.CDLL(None)
set_native_id = threading.Thread._set_native_id
def naming(thread):
    set_native_id(thread)
    libc.prctl(15, ctypes.c_char_p(thread.name.encode()[:15]), 0, 0, 0)  # PR_SET_NAME
threading.Thread._set_native_id = naming
runs = []
run_script = script_runner.ScriptRunner._run_script
def timed(runner, rerun_data):
    started, clock = time.time(), time.perf_counter()
    try:
        return run_script(runner, rerun_data)
    finally:
        runs.append([runner._session_id, rerun_data.query_string, started, time.perf_counter() - clock])
script_runner.ScriptRunner._run_script = timed
def dump(signum, frame):
    frames = sys._current_frames()
    threads = [{"name": t.name, "tid": t.native_id, "daemon": t.daemon,
                "where": [f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno} {f.name}"
                          for f in traceback.extract_stack(frames[t.ident])[-3:]] if t.ident in frames else []}
               for t in threading.enumerate()]
    path = os.environ["LOAD_BROWSER_STATE"]
    with open(path + ".part", "w") as f:
        json.dump({"threads": threads, "runs": list(runs)}, f)
    os.replace(path + ".part", path)
signal.signal(signal.SIGUSR1, dump)
from streamlit.web.cli import main
sys.exit(main(prog_name="streamlit"))
"""


def start_server(port: int, log, state_file: Path, extra_env: dict | None = None) -> subprocess.Popen:
    """``streamlit run app.py`` on ``port``, instrumented (see INSTRUMENTED_STREAMLIT), its output
    into the file ``log``."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", LOAD_BROWSER_STATE=str(state_file), **(extra_env or {}))
    return subprocess.Popen(
        [sys.executable, "-c", INSTRUMENTED_STREAMLIT, "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    except (OSError, ValueError):
        pass
    return found


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in kB."""
    total, stack, seen = 0, [pid], set()
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            total += _status_kb(current, "VmRSS")
            stack += _children(current)
    return total


class TreeSampler(threading.Thread):
    """Samples the resident memory of a process tree every ``every`` seconds until stopped."""

    def __init__(self, pid: int, every: float = 0.2):
        super().__init__(daemon=True, name="rss-sampler")
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, int]] = []  # (perf_counter, kB)
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.samples.append((time.perf_counter(), tree_rss_kb(self.pid)))
            self._halt.wait(self.every)

    def max_mb(self, since: float = 0.0, until: float = float("inf")) -> float:
        return max((kb for t, kb in self.samples if since <= t <= until), default=0) / 1024

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


@dataclass(frozen=True)
class ServerThread:
    tid: int
    name: str
    cpu_ticks: int


def server_threads(pid: int) -> list[ServerThread]:
    """The threads of a process: id, kernel name (comm) and CPU time so far (clock ticks)."""
    threads = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return threads
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            threads.append(ServerThread(int(tid), name, int(fields[11]) + int(fields[12])))
        except (OSError, ValueError, IndexError):
            continue  # the thread ended while we read it
    return threads


def server_state(pid: int, state_file: Path, timeout: float = 10.0) -> dict:
    """The instrumented server's Python threads (name, tid, innermost frames) and timed script runs
    (session, query string, start, seconds), written on SIGUSR1; empty lists if nothing came."""
    state_file.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if state_file.exists():
            return json.loads(state_file.read_text())
        time.sleep(0.1)  # the server's main thread writes the file between two events
    return {"threads": [], "runs": []}


def busy_threads(pid: int, window: float = 3.0) -> list[str]:
    """Names of the threads that used more than 2 % of a core during ``window`` seconds."""
    before = {t.tid: t.cpu_ticks for t in server_threads(pid)}
    time.sleep(window)  # measuring CPU use over a window of wall time
    ticks = os.sysconf("SC_CLK_TCK") * window * 0.02
    return [f"{t.name} (tid {t.tid})" for t in server_threads(pid)
            if t.cpu_ticks - before.get(t.tid, t.cpu_ticks) > ticks]


def cpu_seconds(pid: int) -> float:
    """CPU time a process (all its threads, and its waited-for children) has used so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def machine_busy_seconds() -> float:
    """CPU time every core of the machine has spent busy so far (from /proc/stat)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Phase:
    """Wall time, the server's CPU time, the whole machine's busy time and the server's peak RSS
    between ``start()`` and ``end()``."""

    def __init__(self, server: "Server"):
        self.server = server
        self.wall, self.since = time.perf_counter(), time.time()
        self.cpu, self.busy = cpu_seconds(server.pid), machine_busy_seconds()

    def end(self) -> dict:
        wall = time.perf_counter() - self.wall
        return {"seconds": wall, "window": (self.since, time.time()),
                "server_cpu_s": cpu_seconds(self.server.pid) - self.cpu,
                "machine_busy_s": machine_busy_seconds() - self.busy,
                "peak_mb": self.server.sampler.max_mb(self.wall, time.perf_counter())}


def renice_browsers(niceness: int) -> int:
    """Give every thread of this process's Chromium descendants at least ``niceness``; returns how
    many threads were changed. Linux keeps a nice value per thread, and Chromium sets its renderers'
    priorities itself, so :class:`Renicer` repeats this while the browsers run."""
    changed = 0
    for pid in _descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if not f.read().startswith("chrom"):
                    continue
            for tid in os.listdir(f"/proc/{pid}/task"):
                if os.getpriority(os.PRIO_PROCESS, int(tid)) < niceness:
                    os.setpriority(os.PRIO_PROCESS, int(tid), niceness)
                    changed += 1
        except OSError:
            continue  # ended meanwhile
    return changed


class Renicer(threading.Thread):
    """Keeps the browsers at a lower CPU priority (see :func:`renice_browsers`) until stopped."""

    def __init__(self, niceness: int, every: float = 0.5):
        super().__init__(daemon=True, name="renicer")
        self.niceness, self.every, self.changed = niceness, every, 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.changed += renice_browsers(self.niceness)
            self._halt.wait(self.every)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


def _descendants(pid: int) -> list[int]:
    found, stack = [], _children(pid)
    while stack:
        current = stack.pop()
        found.append(current)
        stack += _children(current)
    return found


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
            return response.read() == b"ok"
    except OSError:
        return False


@dataclass
class Server:
    pid: int
    url: str
    sampler: TreeSampler
    state_file: Path
