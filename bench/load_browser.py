"""Issue #14 (case 11): several real browsers on ONE server at once, honest and hostile.

One ``streamlit run app.py`` server on a free port; a sampler thread reads the resident memory of
the server and its child processes from /proc every 0.2 s. Debian's Chromium (one browser, one
Playwright context per person, all driven from one asyncio loop) then plays three phases:

1. **Solo:** one person follows the guided tour alone: every step's link
   (:func:`aecore.tour.link_params`), twice: a cold round (first visits in the process: imports,
   UMAP compilation, first clusterings) and a warm round, the baseline for the next phase.
2. **Concurrent:** ``--sessions`` honest people follow the same tour at the same time; the first
   ``--trainers`` of them first train a small uncached model on the Train page (scikit-learn's
   digits, the recommended preset, 3 epochs, a seed of their own) and press Train. One hostile
   person meanwhile opens the issue's links (a huge training, a mixture on raw pixels, Markdown
   in a link value, ``?tour=²``), types 300000 into the Hidden units box and uploads bad files.
3. **After:** every context is closed; a fresh person trains a tiny uncached model, which must
   start without queueing (the training slots came back); the server's threads are counted
   (``/proc/<pid>/task/*``) and those still using CPU are named.

A page is *ready* when the app's script has finished (``[data-testid=stApp]`` in state
``notRunning``), the tour banner of the step is shown, every visible Plotly chart has drawn and
every image has loaded, and it stays so for 0.4 s. Honest sessions must see no exception box, no
error box and no step that fails or times out. The hostile session's outcomes are reported as they
are (a message, a hang, a training that started, an injected link): fixing them is the app's job.

Every browser runs on the server's machine, so their drawing (software WebGL) competes with the
server for the cores; ``--browser-nice 19`` keeps Chromium at the lowest CPU priority, as if the
browsers ran on the visitors' own machines, to show the server's share of the slowdown.

Usage: ``python -m bench.load_browser --sessions 6 [--browser-nice 19] [--verbose]`` (writes
bench/results_load_browser[_nice19].json and its section of BENCHMARKS.md), or from the full bench
run (``python -m aecore bench --only load_browser``; 6 sessions, about 4 minutes).
tests/test_browser_load.py runs a 3-session version with :func:`measure`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import json
import math
import os
import re
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode

from bench.common import machine, row
from bench.tour import CHROMIUM, CHROMIUM_FLAGS, _free_port, _status_kb, _wait_healthy

ROOT = Path(__file__).resolve().parent.parent
GROUP = "Load, real browsers (one server)"
TARGET_PEAK_MB = 2500  # Community Cloud gives an app about 2.7 GB.
TARGET_SOLO_PEAK_MB = 1300  # issue 14: a visitor who only browses the shipped demos
STEP_LIMIT_S = 240.0  # one tour step or one training, on a 2-core machine shared with the browsers
HOSTILE_LIMIT_S = 90.0  # after this a hostile probe counts as "still running" (a hang)
SLOT_START_LIMIT_S = 10.0  # the fresh training after the load must start within this
QUIET_S = 8.0  # wait after the last session closed before counting threads
POLL_S = 0.2
STABLE_S = 0.4
#: 4096x4096 is the image reader's pixel cap per image: each of these PNGs is a few hundred bytes
#: zipped and takes ~0.2 s of a core to decode (issue 14, case 8; it used 3,200 of them).
PIXEL_CAP_PNGS = 400
BUSY_PATTERN = r"server is busy|in the queue|queued"
DEEP = ",".join(["4096"] * 8)
HOSTILE_LINKS = {
    "huge training link": f"/train?data=digits&preset=recommended&hidden={DEEP}&k=32&batch=1&epochs=1000&es=0",
    "raw-pixel mixture link": "/clusters?data=mnist_sample&preset=recommended&space=raw&method=gmm"
                              "&clusters=50&n_init=50",
    "Markdown in a link value": "/latent?view=" + quote(
        "[Verify your account](https://evil.example/login) ![](https://evil.example/px.png)", safe=""),
    "unicode digit ?tour=²": "/?tour=" + quote("²", safe=""),
}

#: One JavaScript look at the page: script state, boxes, charts, images, injected elements.
SNAPSHOT_JS = r"""(expect) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const texts = (sel) => Array.from(main.querySelectorAll(sel)).map((e) => e.innerText.slice(0, 300));
  const visible = (e) => e.getClientRects().length > 0;
  const charts = Array.from(main.querySelectorAll('[data-testid="stPlotlyChart"]')).filter(visible);
  const text = main.innerText || '';
  return {
    script: app ? app.getAttribute('data-test-script-state') : null,
    exceptions: texts('[data-testid="stException"]'),
    errors: texts('[data-testid="stAlertContentError"]'),
    warnings: texts('[data-testid="stAlertContentWarning"]'),
    infos: texts('[data-testid="stAlertContentInfo"]'),
    successes: texts('[data-testid="stAlertContentSuccess"]'),
    progress: main.querySelectorAll('[data-testid="stProgress"]').length,
    charts: charts.length,
    drawn: charts.filter((c) => c.querySelector('.main-svg')).length,
    skeletons: main.querySelectorAll('[data-testid="stSkeleton"]').length,
    pendingImages: Array.from(main.querySelectorAll('img')).filter((i) => !i.complete).length,
    evil: document.querySelectorAll('a[href*="evil.example"], img[src*="evil.example"]').length,
    busy: new RegExp(""" + repr(BUSY_PATTERN) + r""", 'i').test(text),
    expected: !expect || text.includes(expect),
  };
}"""


# --------------------------------------------------------------------------- the server process

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


# --------------------------------------------------------------------------- hostile files


def _zip(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _png(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (width, height), 0).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _png_declaring(width: int, height: int) -> bytes:
    """A decompression bomb's header (tests/builders.py): width x height pixels in a few hundred bytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(4096))) + chunk(b"IEND", b""))


def _npy(array, compressed_npz: bool = False) -> bytes:
    import numpy as np

    buffer = io.BytesIO()
    if compressed_npz:
        np.savez_compressed(buffer, X=array)
    else:
        np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def hostile_uploads() -> dict[str, tuple[str, bytes]]:
    """The bad files (name -> (file name, content)): a few of tests/test_bad_inputs.py's, the
    smallest and the most expensive, and the issue's case 8 files."""
    import numpy as np

    cap = _png(4096, 4096)
    return {
        "binary file renamed .csv": ("photo.csv", _png(10, 12)),
        "pickled objects .npy": ("objects.npy", _npy(np.array([{"a": 1}] * 20, dtype=object))),
        "1,000,000-row CSV": ("rows.csv", b"a,b\n" + b"1,2\n" * 1_000_000),
        "decompression bomb ZIP": ("bomb.zip", _zip({f"{i}.png": _png_declaring(30_000, 30_000)
                                                      for i in range(12)})),
        "path traversal ZIP": ("evil.zip", _zip({"../evil.png": _png(10, 12),
                                                **{f"{i}.png": _png(10, 12) for i in range(12)}})),
        "CSV with +-1e308": ("huge.csv", ("a,b,c\n" + "\n".join(
            f"{1e308 if i % 2 else -1e308},{i},{i * 2}" for i in range(40)) + "\n").encode()),
        "20000x4900 .npz (uint8 zeros)": ("wide.npz", _npy(np.zeros((20_000, 4_900), np.uint8), True)),
        f"{PIXEL_CAP_PNGS} pixel-cap PNGs in a ZIP": (
            "many.zip", _zip({f"{i}.png": cap for i in range(PIXEL_CAP_PNGS)})),
    }


# --------------------------------------------------------------------------- one person


@dataclass
class Visit:
    step: str
    page: str
    script_s: float  # until the script finished with the step's banner shown
    ready_s: float  # until the charts had drawn and the images loaded


@dataclass
class Person:
    """What one browser context saw."""

    name: str
    role: str  # "solo", "honest", "trainer", "hostile", "slot check"
    visits: list[Visit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)  # JavaScript errors (reported apart)
    notes: dict = field(default_factory=dict)


class Browser:
    """A Chromium page for one person, with the waits the harness needs."""

    def __init__(self, page, url: str, person: Person, verbose: bool = False):
        self.page, self.url, self.person, self.verbose = page, url, person, verbose
        self.finished_runs = 0
        page.on("pageerror", lambda exc: person.page_errors.append(str(exc)[:200]))
        page.on("websocket", lambda socket: socket.on("framereceived", self._frame))

    @classmethod
    async def open(cls, context, url: str, person: Person, verbose: bool = False) -> "Browser":
        """A new tab in ``context``."""
        return cls(await context.new_page(), url, person, verbose)

    def _frame(self, payload) -> None:
        """Count the server's "script finished" messages (small ForwardMsgs; deltas are not read).

        The page's own run state cannot tell: a short rerun can start and finish within one of
        React's renders, and the state attribute never shows it running."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, bytes) and len(payload) < 2048:
            try:
                kind = ForwardMsg.FromString(payload).WhichOneof("type")
            except Exception:  # noqa: BLE001  (google.protobuf DecodeError: not a ForwardMsg)
                return
            self.finished_runs += kind == "script_finished"

    async def runs(self) -> int:
        """How many script runs this tab has seen finish so far."""
        return self.finished_runs

    def say(self, text: str) -> None:
        if self.verbose:
            print(f"[{self.person.name}] {text}", file=sys.stderr, flush=True)

    async def snapshot(self, expect: str = "") -> dict:
        try:
            snap = await self.page.evaluate(SNAPSHOT_JS, expect)
        except Exception as exc:  # noqa: BLE001  (a page in the middle of navigating)
            return {"script": None, "error": str(exc)[:100]}
        for kind in ("exceptions", "errors", "warnings", "infos", "successes"):
            snap[kind] = [_clean(text) for text in snap[kind]]
        return snap

    @staticmethod
    def ready(snap: dict) -> bool:
        return (snap.get("script") == "notRunning" and snap["expected"] and not snap["skeletons"]
                and snap["drawn"] == snap["charts"] and not snap["pendingImages"])

    async def settle(self, limit: float, expect: str = "", since_runs: int | None = None,
                     started: float | None = None, watch=None) -> tuple[float | None, float | None, dict]:
        """Wait until the page is ready and stays so; returns (script s, ready s, last snapshot),
        the times counted from ``started`` and None where the limit ran out first.

        After an action (``since_runs``: :meth:`runs` before it) a script run must first have
        finished after it, so that the state the previous run left does not count (an upload, for
        one, can take seconds to reach the server before its rerun starts). ``watch(snapshot)``
        sees every snapshot.
        """
        started = time.perf_counter() if started is None else started
        seen_running, script_s, ready_since, snap = since_runs is None, None, None, {}
        while time.perf_counter() - started < limit:
            snap = await self.snapshot(expect)
            now = time.perf_counter() - started
            if watch is not None:
                watch(snap)
            if self.finished_runs > (since_runs or 0):
                seen_running = True
            if seen_running and snap.get("script") == "notRunning" and snap.get("expected"):
                script_s = script_s if script_s is not None else now
                if self.ready(snap):
                    ready_since = now if ready_since is None else ready_since
                    if now - ready_since >= STABLE_S:
                        return script_s, ready_since, snap
                else:
                    ready_since = None
            else:
                script_s, ready_since = None, None
            await asyncio.sleep(POLL_S)
        return script_s, None, snap

    def check(self, what: str, snap: dict) -> None:
        """Count exception boxes and error boxes as this person's problems."""
        self.person.problems += [f"{what}: exception: {text}" for text in snap.get("exceptions", [])]
        self.person.problems += [f"{what}: error box: {text}" for text in snap.get("errors", [])]

    async def tour_step(self, index: int, limit: float) -> None:
        from aecore import tour
        from aecore.i18n import translate

        step = tour.STEPS[index]
        page = Path(step.page).stem
        banner = translate("tour.step", "en", n=index + 1, total=len(tour.STEPS))
        started = time.perf_counter()
        try:
            await self.page.goto(f"{self.url}/{page}?{urlencode(tour.link_params(index))}",
                                 wait_until="commit", timeout=limit * 1000)
            script_s, ready_s, snap = await self.settle(limit, expect=banner, started=started)
        except Exception as exc:  # noqa: BLE001  (one failed step is a problem, the tour goes on)
            self.person.problems.append(f"step {index + 1} ({step.id}): {type(exc).__name__}: "
                                        f"{str(exc).splitlines()[0][:200]}")
            return
        self.check(f"step {index + 1} ({step.id})", snap)
        if ready_s is None:
            self.person.problems.append(f"step {index + 1} ({step.id}): not ready within {limit:.0f} s "
                                        f"(script state {snap.get('script')})")
            return
        self.person.visits.append(Visit(step.id, page, script_s, ready_s))
        self.say(f"step {index + 1} {step.id}: script {script_s:.1f} s, ready {ready_s:.1f} s")

    async def click_train(self) -> None:
        button = self.page.locator(".st-key-train-go button")
        if not await button.count():
            button = self.page.get_by_role("button", name="Train", exact=True)
        await button.first.click(timeout=60_000)

    async def train(self, query: str, limit: float) -> dict:
        """Open the Train page with ``query``, press Train unless the link trained by itself, wait
        for the "Trained ..." message. Returns what happened and when."""
        started = time.perf_counter()
        seen = {"busy": False, "progress": None, "origin": started}

        def watch(snap: dict) -> None:
            seen["busy"] |= bool(snap.get("busy"))
            if snap.get("progress") and seen["progress"] is None:
                seen["progress"] = time.perf_counter() - seen["origin"]

        await self.page.goto(f"{self.url}/train?{query}", wait_until="commit", timeout=limit * 1000)
        _, ready_s, snap = await self.settle(limit, started=started, watch=watch)
        how = "the link trained by itself"
        if ready_s is not None and not any("Trained" in s for s in snap.get("successes", [])):
            how = "the Train button"
            runs = await self.runs()
            await self.click_train()
            clicked_at = seen["origin"] = time.perf_counter()
            seen["progress"] = None
            _, ready_s, snap = await self.settle(limit - (clicked_at - started), since_runs=runs,
                                                 started=clicked_at, watch=watch)
        self.check("training", snap)
        trained = any("Trained" in s for s in snap.get("successes", []))
        return {"trained": trained, "how": how, "seconds": time.perf_counter() - started,
                "start_s": seen["progress"], "queued_message": seen["busy"], "finished": ready_s is not None,
                "message": (snap.get("successes") or snap.get("errors") or snap.get("warnings") or [""])[0]}


def _clean(text: str) -> str:
    """A message's text on one line, without its icon's ligature name (``check_circle``, ``block``)
    and without the characters that would break a Markdown table."""
    text = re.sub(r"^[a-z_]+\s*\n+", "", text.strip())
    return re.sub(r"\s+", " ", text).replace("|", "/")


def _outcome(snap: dict, finished: bool, limit: float) -> str:
    if not finished:
        return f"still running after {limit:.0f} s"
    for kind in ("exceptions", "errors", "warnings", "infos"):
        if snap.get(kind):
            return f"{kind[:-1]}: {snap[kind][0][:160]}"
    return "no message"


async def hostile_link(context, url: str, name: str, path: str, limit: float, server: "Server",
                       verbose: bool) -> dict:
    """Open one hostile link in its own tab; report what the page did within ``limit``."""
    browser = await Browser.open(context, url, Person(name, "hostile"), verbose)
    seen = {"progress": False, "evil": 0}

    def watch(snap: dict) -> None:
        seen["progress"] |= bool(snap.get("progress"))
        seen["evil"] = max(seen["evil"], snap.get("evil", 0))

    started = time.perf_counter()
    rss_before = tree_rss_kb(server.pid) / 1024
    try:
        await browser.page.goto(url + path, wait_until="commit", timeout=limit * 1000)
        _, ready_s, snap = await browser.settle(limit, started=started, watch=watch)
    except Exception as exc:  # noqa: BLE001
        ready_s, snap = None, {"exceptions": [f"{type(exc).__name__}: {str(exc)[:120]}"]}
    result = {"probe": name, "seconds": time.perf_counter() - started, "finished": ready_s is not None,
              "outcome": _outcome(snap, ready_s is not None, limit), "training_started": seen["progress"],
              "exception": bool(snap.get("exceptions")), "injected_elements": seen["evil"],
              "messages": [m for k in ("errors", "warnings", "infos") for m in snap.get(k, [])][:3],
              "server_rss_before_mb": rss_before,
              "server_peak_mb": server.sampler.max_mb(started, time.perf_counter())}
    if not result["finished"] and seen["progress"]:
        result["stop"] = await press_stop(browser, limit=30.0)
    browser.say(f"{name}: {result['outcome']} (training started: {seen['progress']})")
    await browser.page.close()
    return result


async def press_stop(browser: Browser, limit: float) -> str:
    """Press the Train page's Stop button; say how long the page took to stop running."""
    started = time.perf_counter()
    runs = await browser.runs()
    try:
        await browser.page.locator(".st-key-train-stop button").first.click(timeout=10_000)
    except Exception as exc:  # noqa: BLE001
        return f"Stop could not be pressed ({type(exc).__name__})"
    _, ready_s, _ = await browser.settle(limit, since_runs=runs, started=started)
    return (f"stopped {ready_s:.1f} s after Stop" if ready_s is not None
            else f"still running {limit:.0f} s after Stop")


async def hostile_keystroke(context, url: str, limit: float, server: "Server", verbose: bool) -> dict:
    """Type 300000 into the Train page's Hidden units box (without pressing Train)."""
    from aecore.i18n import translate

    browser = await Browser.open(context, url, Person("hostile keystroke", "hostile"), verbose)
    name = "300000 typed into Hidden units"
    try:
        await browser.page.goto(f"{url}/train", wait_until="commit", timeout=limit * 1000)
        await browser.settle(limit)
        box = browser.page.locator('[class*="st-key-train-hidden-"] input').first
        if not await box.is_visible():
            await browser.page.get_by_text(translate("train.settings", "en")).first.click()
        await box.fill("300000", timeout=30_000)
        runs = await browser.runs()
        started = time.perf_counter()
        rss_before = tree_rss_kb(server.pid) / 1024
        await box.press("Enter")
        _, ready_s, snap = await browser.settle(limit, since_runs=runs, started=started)
    except Exception as exc:  # noqa: BLE001
        await browser.page.close()
        return {"probe": name, "finished": False, "outcome": f"harness: {type(exc).__name__}: {str(exc)[:160]}"}
    result = {"probe": name, "seconds": time.perf_counter() - started, "finished": ready_s is not None,
              "outcome": _outcome(snap, ready_s is not None, limit), "exception": bool(snap.get("exceptions")),
              "messages": [m for k in ("errors", "warnings", "infos") for m in snap.get(k, [])][:3],
              "server_rss_before_mb": rss_before,
              "server_peak_mb": server.sampler.max_mb(started, time.perf_counter())}
    browser.say(f"{name}: {result['outcome']}, {result['seconds']:.1f} s")
    await browser.page.close()
    return result


async def hostile_upload_all(context, url: str, limit: float, server: "Server", verbose: bool) -> list[dict]:
    """Upload each bad file on the Train page ("Your own file"); a fresh tab after a hang."""
    from aecore.i18n import translate

    results, browser = [], None
    for name, (file_name, content) in hostile_uploads().items():
        try:
            if browser is None:
                browser = await Browser.open(context, url, Person("hostile uploads", "hostile"), verbose)
                await browser.page.goto(f"{url}/train", wait_until="commit", timeout=limit * 1000)
                await browser.settle(limit)
                runs = await browser.runs()
                await browser.page.get_by_label(translate("ui.dataset", "en")).first.click()
                await browser.page.get_by_role("option", name=translate("ui.dataset_upload", "en")).first.click()
                await browser.settle(limit, since_runs=runs)
            runs = await browser.runs()
            started = time.perf_counter()
            await browser.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
                {"name": file_name, "mimeType": "application/octet-stream", "buffer": content})
            _, ready_s, snap = await browser.settle(limit, since_runs=runs, started=started)
        except Exception as exc:  # noqa: BLE001
            ready_s, snap = None, {"exceptions": [f"harness: {type(exc).__name__}: {str(exc)[:120]}"]}
            started = time.perf_counter()
        result = {"probe": f"upload: {name}", "bytes": len(content), "seconds": time.perf_counter() - started,
                  "finished": ready_s is not None, "outcome": _outcome(snap, ready_s is not None, limit),
                  "exception": bool(snap.get("exceptions")),
                  "server_peak_mb": server.sampler.max_mb(started, time.perf_counter())}
        results.append(result)
        if browser is not None:
            browser.say(f"upload {name} ({len(content):,} bytes): {result['outcome']}, {result['seconds']:.1f} s")
            if not result["finished"]:
                await browser.page.close()
                browser = None
    if browser is not None:
        await browser.page.close()
    return results


# --------------------------------------------------------------------------- the run


@dataclass
class Server:
    pid: int
    url: str
    sampler: TreeSampler
    state_file: Path


async def honest_session(browser_app, server: Server, person: Person, steps: list[int], rounds: int,
                         train_seed: int | None, verbose: bool, viewport: dict) -> Person:
    context = await browser_app.new_context(viewport=viewport)
    try:
        browser = await Browser.open(context, server.url, person, verbose)
        if train_seed is not None:
            try:
                person.notes["training"] = result = await browser.train(
                    f"data=digits&preset=recommended&seed={train_seed}&epochs=3", STEP_LIMIT_S)
                browser.say(f"training: {result}")
                if not result["trained"]:
                    person.problems.append(f"training: no 'Trained' message ({result['message'][:160]})")
            except Exception as exc:  # noqa: BLE001
                person.problems.append(f"training: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        for _ in range(rounds):
            for index in steps:
                await browser.tour_step(index, STEP_LIMIT_S)
    finally:
        await context.close()
    return person


async def hostile_session(browser_app, server: Server, uploads: bool, limit: float, verbose: bool,
                          viewport: dict) -> list[dict]:
    context = await browser_app.new_context(viewport=viewport)
    try:
        links = [hostile_link(context, server.url, name, path, limit, server, verbose)
                 for name, path in HOSTILE_LINKS.items()]
        results = list(await asyncio.gather(*links))
        results.append(await hostile_keystroke(context, server.url, limit, server, verbose))
        if uploads:
            results += await hostile_upload_all(context, server.url, limit, server, verbose)
    finally:
        await context.close()
    return results


async def _phases(server: Server, sessions: int, trainers: int, steps: list[int], rounds: int, solo: bool,
                  hostile: str, slot_check: bool, verbose: bool, hostile_limit: float, browser_nice: int) -> dict:
    from playwright.async_api import async_playwright

    viewport = {"width": 1280, "height": 1600}
    out: dict = {"threads": {"at health": len(server_threads(server.pid))}}
    seed_base = int(time.time()) % 5000 + 1000  # seeds no cache or shipped run holds
    async with async_playwright() as playwright:
        browser_app = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        renicer = Renicer(browser_nice)
        if browser_nice:
            renicer.start()
        try:
            if solo:
                for phase in ("solo cold", "solo warm"):
                    measured = Phase(server)
                    person = await honest_session(browser_app, server, Person(phase, "solo"), steps, 1, None,
                                                  verbose, viewport)
                    out[phase] = {"person": person, **measured.end()}
                await asyncio.sleep(QUIET_S)  # let the solo sessions' disconnects finish
            baseline = server_threads(server.pid)
            out["threads"]["before the sessions"] = len(baseline)
            out["threads"]["python before"] = server_state(server.pid, server.state_file)["threads"]
            measured = Phase(server)
            people = [Person(f"{'trainer' if i < trainers else 'honest'} {i + 1}",
                             "trainer" if i < trainers else "honest") for i in range(sessions)]
            jobs = [honest_session(browser_app, server, person, steps, rounds,
                                   seed_base + i if i < trainers else None, verbose, viewport)
                    for i, person in enumerate(people)]
            if hostile != "none":
                jobs.append(hostile_session(browser_app, server, hostile == "all", hostile_limit, verbose,
                                            viewport))
            results = await asyncio.gather(*jobs)
            out["concurrent"] = {"people": results[:sessions],
                                 "hostile": results[sessions] if hostile != "none" else [], **measured.end()}
            if slot_check:
                await asyncio.sleep(2.0)  # every context above is closed: their sessions disconnect
                context = await browser_app.new_context(viewport=viewport)
                try:
                    checker = await Browser.open(context, server.url, Person("slot check", "slot check"), verbose)
                    out["slot check"] = await checker.train(
                        f"data=digits&preset=recommended&seed={seed_base + 4000}&epochs=1&hidden=16&k=2",
                        STEP_LIMIT_S)
                    out["slot check"]["problems"] = checker.person.problems
                finally:
                    await context.close()
        finally:
            if browser_nice:
                renicer.stop()
                out["reniced browser threads"] = renicer.changed
            await browser_app.close()
    await asyncio.sleep(QUIET_S)
    after = server_threads(server.pid)
    out["threads"]["after every session closed"] = len(after)
    extra = Counter(t.name for t in after) - Counter(t.name for t in baseline)
    out["threads"]["extra names"] = dict(extra)
    state = server_state(server.pid, server.state_file)
    out["server runs"] = state["runs"]
    out["threads"]["python after"] = python_after = state["threads"]
    out["threads"]["script threads after"] = [t for t in python_after if t["name"].startswith("ScriptRunner")]
    out["threads"]["python extra"] = dict(Counter(t["name"] for t in python_after)
                                          - Counter(t["name"] for t in out["threads"]["python before"]))
    out["threads"]["busy after"] = busy_threads(server.pid)
    return out


def measure(sessions: int = 6, trainers: int = 2, steps: list[int] | None = None, rounds: int = 1,
            solo: bool = True, hostile: str = "all", slot_check: bool = True, verbose: bool = False,
            hostile_limit: float = HOSTILE_LIMIT_S, browser_nice: int = 0, extra_env: dict | None = None) -> dict:
    """Run the phases against one fresh server; return every measurement (see the module's doc).

    ``hostile`` is "all" (links, keystroke, uploads), "links" (links and keystroke) or "none".
    ``browser_nice`` > 0 runs Chromium at that lower CPU priority, as if the browsers ran on the
    visitors' own machines and the server had the cores first.
    Raises RuntimeError when Chromium or Playwright is missing or the server does not start.
    """
    from aecore import tour

    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.async_api  # noqa: F401
    except ImportError as exc:
        raise RuntimeError(f"Playwright is not installed ({exc}); pip install -r requirements-dev.txt") from exc
    steps = list(range(len(tour.STEPS))) if steps is None else steps
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log, tempfile.TemporaryDirectory() as scratch:
        state_file = Path(scratch) / "state.json"
        proc = start_server(port, log, state_file, extra_env)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        try:
            _wait_healthy(proc, url)
            server = Server(proc.pid, url, sampler, state_file)
            healthy_mb = tree_rss_kb(proc.pid) / 1024
            result = asyncio.run(_phases(server, sessions, trainers, steps, rounds, solo, hostile, slot_check,
                                         verbose, hostile_limit, browser_nice))
            result.update(healthy_after=healthy(url) and proc.poll() is None, healthy_mb=healthy_mb,
                          vmhwm_mb=_status_kb(proc.pid, "VmHWM") / 1024)
        finally:
            sampler.stop()
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except Exception:  # noqa: BLE001  (subprocess.TimeoutExpired: a thread that never ends)
                proc.kill()
                proc.wait(timeout=30)
            log.seek(0)
            lines = log.read().splitlines()
    result.update(peak_mb=sampler.max_mb(), samples=len(sampler.samples), steps=steps, sessions=sessions,
                  trainers=trainers, rounds=rounds, browser_nice=browser_nice,
                  seconds=time.perf_counter() - started,
                  server_errors=_log_errors(lines))
    honest = result.get("concurrent", {}).get("people", [])
    result["honest_problems"] = [f"{p.name}: {problem}" for p in honest for problem in p.problems]
    return result


def _log_errors(lines: list[str]) -> list[str]:
    """The server log's exception lines (``ValueError: ...``), without terminal colours, once each."""
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip(" │\t") for line in lines]
    found = [line for line in plain if re.match(r"^[A-Za-z_.]*(Error|Exception)\b.*:", line)]
    return list(dict.fromkeys(found))[-5:]


# --------------------------------------------------------------------------- rows and report


def _quantiles(values: list[float]) -> tuple[float, float]:
    """(p50, p95) of a few timings (the nearest-rank p95: with few samples, near the largest)."""
    ordered = sorted(values)
    p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]
    return statistics.median(ordered), p95


def server_seconds(result: dict, phase: str) -> dict[int, list[float]]:
    """The server's own script time per tour step (0-based) in a phase: for every visit (a session
    opened with ``?tour=N``), its timed script runs added up."""
    since, until = result[phase]["window"]
    visits: dict = {}
    for session, query, started, seconds in result.get("server runs", []):
        number = parse_qs(query).get("tour", [""])[0]
        if since <= started <= until and number.isascii() and number.isdigit():
            visits[session, int(number) - 1] = visits.get((session, int(number) - 1), 0.0) + seconds
    by_step: dict[int, list[float]] = {}
    for (_, step), seconds in visits.items():
        by_step.setdefault(step, []).append(seconds)
    return by_step


def page_table(result: dict) -> list[dict]:
    """Per tour step: p50/p95 time to a ready page and the server's script time, solo (cold, warm)
    and concurrent."""
    from aecore import tour

    phases = {"solo cold": [result["solo cold"]["person"]] if "solo cold" in result else [],
              "solo warm": [result["solo warm"]["person"]] if "solo warm" in result else [],
              "concurrent": result.get("concurrent", {}).get("people", [])}
    server = {phase: server_seconds(result, phase) for phase in phases if phase in result}
    table = []
    for index in result["steps"]:
        step = tour.STEPS[index]
        entry = {"step": index + 1, "id": step.id, "page": Path(step.page).stem}
        for phase, people in phases.items():
            ready = [v.ready_s for p in people for v in p.visits if v.step == step.id]
            script = [v.script_s for p in people for v in p.visits if v.step == step.id]
            if ready:
                entry[phase] = {"n": len(ready), "p50": _quantiles(ready)[0], "p95": _quantiles(ready)[1],
                                "script_p50": _quantiles(script)[0]}
                on_server = server.get(phase, {}).get(index)
                if on_server:
                    entry[phase].update(server_p50=_quantiles(on_server)[0], server_p95=_quantiles(on_server)[1])
        table.append(entry)
    return table


def rows(result: dict) -> list[dict]:
    """Benchmark rows (bench/common.row) from :func:`measure`'s result."""
    n, out = result["sessions"], []
    concurrent = result.get("concurrent", {})
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    problems = result["honest_problems"]
    page_errors = sum(len(p.page_errors) for p in concurrent.get("people", []))
    out.append(row(GROUP, f"errors + exception boxes in the {n} honest sessions", len(problems), target="0",
                   note=("; ".join(problems)[:600] or "none: every step ready, no exception or error box")
                   + f"; JavaScript page errors (not counted): {page_errors}"))
    solo_peak = max((result[p]["peak_mb"] for p in ("solo cold", "solo warm") if p in result), default=0)
    out.append(row(GROUP, f"peak RSS of the server, {n} honest + "
                   f"{1 if concurrent.get('hostile') else 0} hostile sessions", result["peak_mb"], unit="MB",
                   target=f"<= {TARGET_PEAK_MB} MB",
                   note=f"largest of {result['samples']} samples (every 0.2 s) of the server's RSS with its "
                        f"children; VmHWM {result['vmhwm_mb']:.0f} MB; {result['healthy_mb']:.0f} MB once "
                        f"healthy; concurrent phase peak {concurrent.get('peak_mb', 0):.0f} MB"))
    if solo_peak:
        out.append(row(GROUP, "peak RSS of the server, one person's tour (solo phase)", solo_peak, unit="MB",
                       target=f"<= {TARGET_SOLO_PEAK_MB} MB",
                       note="the guided tour alone, twice (cold then warm), shipped demo models only"))
    for entry in page_table(result):
        conc, warm, cold = entry.get("concurrent"), entry.get("solo warm"), entry.get("solo cold")
        if not conc:
            continue
        base = f"solo p95 {warm['p95']:.1f} s, cold {cold['p50']:.1f} s; " if warm and cold else ""
        nan = float("nan")
        out.append(row(GROUP, f"step {entry['step']} ({entry['id']}, /{entry['page']}): ready page, p50 of "
                              f"{conc['n']}", conc["p50"], unit="s",
                       baseline=warm["p50"] if warm else None, baseline_name="one person, warm",
                       note=f"{base}concurrent p95 {conc['p95']:.1f} s; script finished in the browser p50 "
                            f"{conc['script_p50']:.1f} s (solo {warm['script_p50'] if warm else nan:.1f} s); "
                            f"the server's own script time p50 {conc.get('server_p50', nan):.2f} s, p95 "
                            f"{conc.get('server_p95', nan):.2f} s (solo {(warm or {}).get('server_p50', nan):.2f} s)"))
    for person in concurrent.get("people", []):
        training = person.notes.get("training")
        if training:
            out.append(row(GROUP, f"{person.name}: training digits, 3 epochs, during the load",
                           training["seconds"], unit="s",
                           note=f"trained: {training['trained']} (by {training['how']}); progress after "
                                f"{training['start_s'] if training['start_s'] is not None else float('nan'):.1f} s"
                                f"; queued message seen: {training['queued_message']}; {training['message'][:120]}"))
    for probe in concurrent.get("hostile", []):
        extra = ""
        if "training_started" in probe:
            extra = (f"; training started: {probe['training_started']}; injected evil.example elements: "
                     f"{probe['injected_elements']}" + (f"; {probe['stop']}" if probe.get("stop") else ""))
        out.append(row(GROUP, f"hostile: {probe['probe']}", probe.get("seconds", 0), unit="s",
                       target="a message, no hang",
                       note=f"{probe['outcome']}{extra}; server peak in this window "
                            f"{probe.get('server_peak_mb', 0):.0f} MB"))
    slot = result.get("slot check")
    if slot:
        started = slot["start_s"]
        out.append(row(GROUP, "slots free afterwards: a fresh training's start", started if started is not None
                       else slot["seconds"], unit="s", target=f"<= {SLOT_START_LIMIT_S:.0f} s, not queued",
                       note=f"after every session closed, a tiny uncached model (digits, hidden 16, k 2, 1 epoch): "
                            f"progress shown after {started if started is not None else float('nan'):.1f} s, "
                            f"trained {slot['trained']} in {slot['seconds']:.1f} s (by {slot['how']}); "
                            f"queued message seen: {slot['queued_message']}"))
    threads = result["threads"]
    extra_names = ", ".join(f"{name} x{count}" for name, count in threads["extra names"].items()) or "none"
    python_extra = ", ".join(f"{name} x{count}" for name, count in threads["python extra"].items()) or "none"
    scripts = "; ".join(f"{t['name']} at {' < '.join(reversed(t['where']))}"
                        for t in threads["script threads after"]) or "none"
    out.append(row(GROUP, f"server threads {QUIET_S:.0f} s after every session closed",
                   threads["after every session closed"], baseline=threads["before the sessions"],
                   baseline_name="before the concurrent phase",
                   note=f"{threads['at health']} at health; extra by kernel name: {extra_names} (native threads "
                        f"carry their creator's name); Python threads {len(threads['python before'])} before, "
                        f"{len(threads['python after'])} after (new: {python_extra}); script threads left: "
                        f"{scripts}; using CPU over 3 s "
                        f"of quiet: {', '.join(threads['busy after']) or 'none'}"))
    cpus = os.cpu_count() or 1
    shares = "; ".join(
        f"{name}: {p['seconds']:.0f} s, the server used {p['server_cpu_s'] / (p['seconds'] * cpus):.0%} and the "
        f"whole machine (server, Chromium, harness) {p['machine_busy_s'] / (p['seconds'] * cpus):.0%} of the "
        f"{cpus} cores" for name, p in (("solo warm", result.get("solo warm")), ("concurrent", concurrent)) if p)
    out.append(row(GROUP, "wall time", result["seconds"], unit="s",
                   note=f"server start, solo cold + warm tour, {n} sessions x {result['rounds']} round(s) of "
                        f"{len(result['steps'])} steps, slot check; server healthy at the end: "
                        f"{result['healthy_after']}; Chromium at nice {result['browser_nice']}; {shares}; {load}"
                        + (f"; server log: {' | '.join(result['server_errors'])[:300]}"
                           if result["server_errors"] else "")))
    return out


def run(quick: bool = False) -> list[dict]:
    """For bench/run.py: 6 honest sessions (2 train) and a hostile one (full runs only)."""
    try:
        return rows(measure(sessions=3 if quick else 6))
    except Exception as exc:  # noqa: BLE001  (a missing browser or a server that never starts: a row)
        return [row(GROUP, "load test not run", 1, target="0", note=f"{type(exc).__name__}: {str(exc)[:300]}")]


def _commit() -> str:
    from bench.run import _commit as commit

    return commit()


def markdown(report: dict, command: str) -> str:
    """The BENCHMARKS.md section: command, date, machine, commit, a per-page table, every row."""
    from bench.run import table

    m = report["machine"]
    nice = report["browser_nice"]
    title = "## Multi-user browser load test" + (f" (Chromium at nice {nice})" if nice else "")
    lines = [_marker("begin", nice), title, "",
             f"`{command}` · {report['date']} · commit `{report['commit']}` · {report['seconds']:.0f} s · "
             f"{m.get('processor')}, {m.get('cpus')} CPUs, {m.get('memory_gb', '?')} GB, Python {m.get('python')}, "
             "Chromium (Debian) for every browser on the same machine as the server"
             + (f", at nice {nice}: the server gets the cores first." if nice else
                " and at the same priority: the browsers' drawing competes with the server."), "",
             "Time to a ready page in the browser (from the link to the script finished, charts drawn, "
             "images loaded) and the server's own script time for the same visits (timed inside the "
             "server), seconds:", "",
             "| step | page | one person, cold | one person, warm | concurrent p50 | concurrent p95 | "
             "server's script time: one person, warm / concurrent p50 / p95 |",
             "|---|---|---|---|---|---|---|"]
    for entry in report["pages"]:
        cold, warm, conc = entry.get("solo cold"), entry.get("solo warm"), entry.get("concurrent")
        cell = lambda e, k, digits=1: f"{e[k]:.{digits}f}" if e and k in e else "–"  # noqa: E731
        lines.append(f"| {entry['step']} {entry['id']} | /{entry['page']} | {cell(cold, 'p50')} | "
                     f"{cell(warm, 'p50')} | {cell(conc, 'p50')} | {cell(conc, 'p95')} | "
                     f"{cell(warm, 'server_p50', 2)} / {cell(conc, 'server_p50', 2)} / "
                     f"{cell(conc, 'server_p95', 2)} |")
    lines += ["", table(report["rows"]), "", _marker("end", nice)]
    return "\n".join(lines)


def _marker(edge: str, nice: int) -> str:
    return f"<!-- bench/load_browser.py{f' --browser-nice {nice}' if nice else ''}: {edge} -->"


def write_section(text: str, nice: int) -> None:
    """Put (or replace) the load test's section (one per --browser-nice) at the end of BENCHMARKS.md."""
    path = ROOT / "BENCHMARKS.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    start, end = _marker("begin", nice), _marker("end", nice)
    if start in current and end in current:
        head, rest = current.split(start, 1)
        current = head.rstrip("\n") + "\n\n" + rest.split(end, 1)[1].lstrip("\n")
    path.write_text(current.rstrip("\n") + "\n\n" + text + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_browser", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=6, help="honest people touring at once (default 6)")
    parser.add_argument("--trainers", type=int, default=2, help="of them, how many train first (default 2)")
    parser.add_argument("--rounds", type=int, default=1, help="tours per honest person (default 1)")
    parser.add_argument("--steps", help="tour steps to visit, 1-based, e.g. 1,2,7 (default: all)")
    parser.add_argument("--hostile", choices=["all", "links", "none"], default="all")
    parser.add_argument("--no-solo", action="store_true", help="skip the one-person phase")
    parser.add_argument("--browser-nice", type=int, default=0, metavar="N",
                        help="run Chromium at nice N (e.g. 19): the server gets the cores first, as if the "
                             "browsers ran on the visitors' machines")
    parser.add_argument("--verbose", action="store_true", help="print every step as it ends")
    parser.add_argument("--no-write", action="store_true",
                        help="print only; do not write bench/results_load_browser.json or BENCHMARKS.md")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from bench.run import table

    steps = [int(s) - 1 for s in args.steps.split(",")] if args.steps else None
    result = measure(sessions=args.sessions, trainers=args.trainers, steps=steps, rounds=args.rounds,
                     solo=not args.no_solo, hostile=args.hostile, verbose=args.verbose,
                     browser_nice=args.browser_nice)
    report = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "commit": _commit(),
              "machine": machine(), "seconds": round(result["seconds"], 1), "pages": page_table(result),
              "rows": rows(result), "hostile": result.get("concurrent", {}).get("hostile", []),
              "slot_check": result.get("slot check"), "threads": result["threads"],
              "honest_problems": result["honest_problems"], "browser_nice": args.browser_nice}
    print(table(report["rows"]), flush=True)
    command = "python -m bench.load_browser " + " ".join(argv if argv is not None else sys.argv[1:])
    if not args.no_write:
        suffix = f"_nice{args.browser_nice}" if args.browser_nice else ""
        results = ROOT / "bench" / f"results_load_browser{suffix}.json"
        results.write_text(json.dumps(report, indent=2, default=str))
        write_section(markdown(report, command.strip()), args.browser_nice)
    return 0


if __name__ == "__main__":
    sys.exit(main())
