"""The server side of the browser load test (bench/load_browser.py): the instrumented ``streamlit``
launcher (names its threads, times its script runs, dumps both on SIGUSR1), the server's threads and
CPU time from /proc, :class:`Renicer` (Chromium at a lower priority), and what the hostile visitor
sends the server: its links and its files."""

from __future__ import annotations

import io
import json
import os
import signal
import struct
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

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


#: 4096x4096 is the image reader's pixel cap per image: each of these PNGs is a few hundred bytes
#: zipped and takes ~0.2 s of a core to decode (issue 14, case 8; it used 3,200 of them).
PIXEL_CAP_PNGS = 400
HOSTILE_LINKS = {
    "huge training link": "/train?data=digits&preset=recommended&hidden=" + ",".join(["4096"] * 8)
                          + "&k=32&batch=1&epochs=1000&es=0",
    "raw-pixel mixture link": "/clusters?data=mnist_sample&preset=recommended&space=raw&method=gmm"
                              "&clusters=50&n_init=50",
    "Markdown in a link value": "/latent?view=" + quote(
        "[Verify your account](https://evil.example/login) ![](https://evil.example/px.png)", safe=""),
    "unicode digit ?tour=²": "/?tour=" + quote("²", safe=""),
}
#: Installed in the canvas tab before any script: every canvas's toDataURL returns the forged PNG
#: once ``window.__forged`` is set, as a visitor could do from the browser's console.
FORGE_JS = """(() => {
  const real = HTMLCanvasElement.prototype.toDataURL;
  HTMLCanvasElement.prototype.toDataURL = function (...args) { return window.__forged || real.apply(this, args); };
})();"""


def _zip(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def png(width: int, height: int, mode: str = "L", colour=0) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, (width, height), colour).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _png_declaring(width: int, height: int) -> bytes:
    """A decompression bomb's header (tests/builders.py): width x height pixels in a few hundred bytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(4096))) + chunk(b"IEND", b""))


def _npy(array, compressed_npz: bool = False) -> bytes:
    import numpy as np

    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=array) if compressed_npz else np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def hostile_uploads() -> dict[str, tuple[str, bytes]]:
    """The bad files (name -> (file name, content)): a few of tests/app/test_train_page_bad_inputs.py's,
    the smallest and the most expensive, and the issue's case 8 files."""
    import numpy as np

    cap = png(4096, 4096)
    return {
        "binary file renamed .csv": ("photo.csv", png(10, 12)),
        "pickled objects .npy": ("objects.npy", _npy(np.array([{"a": 1}] * 20, dtype=object))),
        "1,000,000-row CSV": ("rows.csv", b"a,b\n" + b"1,2\n" * 1_000_000),
        "decompression bomb ZIP": ("bomb.zip", _zip({f"{i}.png": _png_declaring(30_000, 30_000) for i in range(12)})),
        "path traversal ZIP": ("evil.zip", _zip({"../evil.png": png(10, 12), **{f"{i}.png": png(10, 12)
                                                                                  for i in range(12)}})),
        "CSV with +-1e308": ("huge.csv", ("a,b,c\n" + "\n".join(
            f"{1e308 if i % 2 else -1e308},{i},{i * 2}" for i in range(40)) + "\n").encode()),
        "20000x4900 .npz (uint8 zeros)": ("wide.npz", _npy(np.zeros((20_000, 4_900), np.uint8), True)),
        f"{PIXEL_CAP_PNGS} pixel-cap PNGs in a ZIP": ("many.zip", _zip({f"{i}.png": cap for i in range(PIXEL_CAP_PNGS)})),
    }


def memory_uploads() -> dict[str, tuple[str, bytes]]:
    """Issue 29, case 1: files that pass every check and are large once parsed. The .npz is 0.4 MB
    compressed and 200 MB as int32; the CSV is 48 MB of zeros and ones."""
    import numpy as np

    wide = np.tile((np.arange(5_000) % 2).astype(np.int32), (10_000, 1))
    line = ",".join("01"[i % 2] for i in range(4_900)).encode() + b"\n"
    return {"10000x5000 int32 .npz": ("wide_int32.npz", _npy(wide, True)),
            "4900x4900 CSV of 0/1": ("zeros_ones.csv", ",".join(f"c{i}" for i in range(4_900)).encode() + b"\n"
                                     + line * 4_900)}
