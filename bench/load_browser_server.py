"""The server side of the multi-user browser load test (bench/load_browser.py): the instrumented
``streamlit`` launcher (names its threads, times its script runs, dumps both on SIGUSR1), the
threads and CPU time of the server, read from /proc, and :class:`Renicer`, which keeps the Chromium
processes at a lower CPU priority while they run."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.harness.memory import RssSampler, cpu_seconds, descendants

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
    for pid in descendants(os.getpid()):
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


@dataclass
class Server:
    pid: int
    url: str
    sampler: RssSampler
    state_file: Path
