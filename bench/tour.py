"""Issue #6: peak memory of ONE real server process through a full tour of the app.

``streamlit run app.py`` starts as a subprocess on a free port; Playwright drives Debian's Chromium
(``/usr/bin/chromium``, as tests/test_browser.py does) through one browser session on the offline
MNIST sample: every page registered in app.py, training the Train page's defaults (with the next
seed, so that the model is really trained rather than served from a shipped demo run), then the
model pages, a UMAP view and view-only reruns (colour-by) on Latent space, and clustering (the
page's own run and "Compare all four input spaces") on Clusters. A sampler thread reads the
server's resident memory from /proc every 0.2 s; the kernel's own peak (VmHWM) is the figure,
against the issue's target of 1.5 GB.

The browser also times the colour-by reruns as a person sees them (selection to the page's
"not running" state), next to bench/responsiveness.py's server-side figure; and PyTorch's share of
the memory is measured apart (umap-learn imports it where it is installed: the `bench` extra installs
it for bench/speed.py; neither requirements.txt nor the test requirements do).

Usage: ``python -m aecore bench --only tour`` (full runs only: it takes 2-3 minutes) or
``python -m bench.tour --verbose [--env MALLOC_ARENA_MAX=2]`` to print every step, with an
environment variable for the server to try. Problems (no Chromium, no Playwright, a page that
fails) become rows, never crashes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from bench.common import row

ROOT = Path(__file__).resolve().parent.parent
GROUP = "Server tour (one process, MNIST sample)"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
BUSY = '[data-testid="stApp"]:not([data-test-script-state="notRunning"])'
START_TIMEOUT_MS = 5_000  # for a rerun to start after a click
TARGET_MB = 1536
STEP_TIMEOUT_MS = 300_000  # one step (training, clustering) on a busy 2-core machine
FIND_TIMEOUT_MS = 60_000  # finding or clicking an element
COLOUR_RERUNS = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status_kb(pid: int, field: str) -> int:
    """A field of /proc/<pid>/status in kB (VmRSS now, VmHWM the peak so far); 0 once gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class Sampler(threading.Thread):
    """Samples a process's resident memory until stopped; remembers the largest sample."""

    def __init__(self, pid: int, every: float = 0.2):
        super().__init__(daemon=True, name="rss-sampler")
        self.pid, self.every = pid, every
        self.max_kb = 0
        self.samples = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.max_kb = max(self.max_kb, _status_kb(self.pid, "VmRSS"))
            self.samples += 1
            self._halt.wait(self.every)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


def _page_paths() -> list[str]:
    """URL paths of the pages app.py registers (Streamlit names them after the files)."""
    files = re.findall(r"st\.Page\(\s*[\"']([^\"']+)[\"']", (ROOT / "app.py").read_text())
    return [Path(f).stem for f in files]


def _start_server(port: int, log, extra_env: dict | None = None) -> subprocess.Popen:
    """``streamlit run app.py`` on ``port``, its output into the file ``log`` (a pipe nobody reads
    would fill up and stall the server)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **(extra_env or {}))
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_healthy(proc: subprocess.Popen, url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited with status {proc.returncode}")
            time.sleep(0.5)  # polling a server that is starting
    raise RuntimeError(f"streamlit did not become healthy within {timeout:.0f} s")


class Tour:
    """One browser session through the app, recording RSS and problems after every step."""

    def __init__(self, page, url: str, pid: int, verbose: bool = False):
        self.page, self.url, self.pid, self.verbose = page, url, pid, verbose
        self.steps: list[tuple[str, float, float]] = []  # (step, seconds, RSS MB after)
        self.problems: list[str] = []
        self.colour_seconds: list[float] = []
        self.trained = "nothing"

    def settle(self) -> None:
        """Wait until the rerun the last action asked for has finished.

        First for the app to show it as running (a busy machine can take a while to start it: the
        old "not running" state must not count), then for it to be over.
        """
        try:
            self.page.wait_for_selector(BUSY, state="attached", timeout=START_TIMEOUT_MS)
        except Exception:  # noqa: BLE001  (already over, or the action asked for no rerun)
            pass
        self.page.wait_for_selector(IDLE, state="attached", timeout=STEP_TIMEOUT_MS)

    def step(self, name: str, action) -> None:
        started = time.perf_counter()
        try:
            action()
            self.settle()
            exceptions = self.page.locator('[data-testid="stException"]')
            if exceptions.count():
                self.problems.append(f"{name}: {exceptions.first.inner_text()[:200]}")
        except Exception as exc:  # noqa: BLE001  (one failed step is a row, the tour goes on)
            self.problems.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        seconds = time.perf_counter() - started
        rss = _status_kb(self.pid, "VmRSS") / 1024
        self.steps.append((name, seconds, rss))
        if self.verbose:
            print(f"[tour] {name}: {seconds:.1f} s, RSS {rss:.0f} MB", file=sys.stderr, flush=True)

    def nav(self, path: str) -> None:
        """Follow the sidebar's link to a page (same session: a new URL would be a new session)."""
        link = self.page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]')
        if path == "home" and not link.count():
            link = self.page.locator('[data-testid="stSidebarNav"] a').first
        link.first.click()

    def key(self, key: str):
        """The element Streamlit marks with a widget key (class st-key-<key>, "." becomes "-")."""
        return self.page.locator(f".st-key-{re.sub(r'[^a-zA-Z0-9_-]', '-', key)}")

    def train_next_seed(self) -> None:
        """Open the settings, add one to the seed (so the defaults are really trained), Train.

        Where the seed cannot be set, Train runs with the defaults (served from a demo run if the
        app ships one) and the tour says so.
        """
        seed_box = self.page.locator('[class*="st-key-train-seed-"]').first
        try:
            summaries = self.page.locator('[data-testid="stMain"] [data-testid="stExpander"] summary')
            for i in range(summaries.count()):  # collapsed expanders do not draw their widgets
                if seed_box.count() and seed_box.is_visible():
                    break
                summaries.nth(i).click()
                self.page.wait_for_timeout(500)
            field = seed_box.locator("input")
            field.fill(str(int(field.input_value(timeout=10_000) or 0) + 1), timeout=10_000)
            field.press("Enter")
            self.settle()
            self.trained = "the defaults with the next seed"
        except Exception as exc:  # noqa: BLE001
            self.trained = f"the defaults as they are (the seed could not be set: {type(exc).__name__})"
        self.key("train.go").locator("button").click()

    def colour_reruns(self) -> None:
        """Change colour-by a few times, timing each from the choice to the end of the rerun."""
        combo = self.key("latent.color").locator('[role="combobox"]').first
        for _ in range(COLOUR_RERUNS):
            current = combo.input_value()
            combo.click()
            options = self.page.locator('[role="option"]')
            options.first.wait_for()
            texts = [text.strip() for text in options.all_inner_texts()]
            choice = (texts.index(current) + 1) % len(texts) if current in texts else 0
            started = time.perf_counter()
            options.nth(choice).click()
            self.settle()
            self.colour_seconds.append(time.perf_counter() - started)

    def run(self) -> None:
        paths = _page_paths()
        self.step("open the app (Home)", lambda: self.page.goto(self.url))
        for path in paths[1:]:
            self.step(f"page {path}", lambda: self.nav(path))
        self.step("Train page", lambda: self.nav("train"))
        self.step("train", self.train_next_seed)
        for path in ["reconstructions", "latent"]:
            self.step(f"page {path} (trained model)", lambda: self.nav(path))
        self.step("latent: UMAP view", lambda: self.key("latent.method").locator("label").filter(
            has_text="UMAP").click())
        self.step("latent: colour-by reruns", self.colour_reruns)
        self.step("page clusters (trained model: N2D clustering)", lambda: self.nav("clusters"))
        self.step("clusters: compare all four input spaces",
                  lambda: self.key("clusters.compare").locator("button").click())
        for path in ["anomalies", "generate", "runs", "home"]:
            if path in paths:
                self.step(f"page {path} (trained model)", lambda: self.nav(path))


def tour(verbose: bool = False, extra_env: dict | None = None) -> dict:
    """Run the tour; returns peaks, steps and problems (raises RuntimeError on a missing prerequisite)."""
    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise RuntimeError(f"Playwright is not installed ({exc}); pip install -r requirements-dev.txt"
                           ) from exc
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        proc = _start_server(port, log, extra_env)
        sampler = Sampler(proc.pid)
        sampler.start()
        walk = None
        try:
            _wait_healthy(proc, url)
            healthy_mb = _status_kb(proc.pid, "VmRSS") / 1024
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                try:
                    context = browser.new_context(viewport={"width": 1400, "height": 1800})
                    page = context.new_page()
                    page.set_default_timeout(FIND_TIMEOUT_MS)  # finding an element; steps wait longer
                    walk = Tour(page, url, proc.pid, verbose)
                    walk.run()
                finally:
                    browser.close()
            peak_hwm_mb = _status_kb(proc.pid, "VmHWM") / 1024
        finally:
            sampler.stop()
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.seek(0)
            errors = [line.strip() for line in log.read().splitlines()
                      if "Error" in line or "Traceback" in line][-3:]
    return {"peak_mb": peak_hwm_mb, "sampled_max_mb": sampler.max_kb / 1024, "samples": sampler.samples,
            "healthy_mb": healthy_mb, "steps": walk.steps, "problems": walk.problems,
            "colour_seconds": walk.colour_seconds, "seconds": time.perf_counter() - started,
            "trained": walk.trained,
            "server_errors": errors}


def torch_share_mb() -> float | None:
    """RSS that PyTorch adds to a process that has imported Keras and umap-learn (whose parametric
    UMAP imports it where it is installed; only the `bench` extra installs it), in MB."""
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'torchvision'):\n"
        "            raise ModuleNotFoundError(name, name=name)\n"
        "if sys.argv[1] == 'block':\n"
        "    sys.meta_path.insert(0, Block())\n"
        "import keras, umap\n"
        "print([int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS')][0])\n")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    try:
        kb = [int(subprocess.run([sys.executable, "-c", script, mode], capture_output=True, text=True,
                                 env=env, timeout=180, check=True).stdout.split()[-1])
              for mode in ("as-is", "block")]
    except (subprocess.SubprocessError, ValueError, IndexError):
        return None
    return (kb[0] - kb[1]) / 1024


def run(quick: bool = False) -> list[dict]:
    try:
        result = tour()
    except Exception as exc:  # noqa: BLE001  (a missing browser or a server that never starts: a row)
        return [row(GROUP, "tour not run", 1, target="0", note=f"{type(exc).__name__}: {str(exc)[:300]}")]
    steps = result["steps"]
    top = max((rss for _, _, rss in steps), default=0)
    biggest = next((s for s in steps if s[2] >= top - 5), ("none", 0, 0))  # the first within 5 MB of it
    timeline = "; ".join(f"{name} {rss:.0f}" for name, _, rss in steps)
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    problems = "; ".join(result["problems"]) or "every step finished without an exception box"
    if result["server_errors"]:
        problems += "; server log: " + " | ".join(result["server_errors"])
    slow = ", ".join(f"{name} {seconds:.1f} s" for name, seconds, _ in steps if seconds >= 3)
    rows = [
        row(GROUP, "peak RSS of the server process", result["peak_mb"], unit="MB",
            target=f"<= {TARGET_MB} MB",
            note=f"VmHWM of `streamlit run app.py` after the tour (sampled max "
                 f"{result['sampled_max_mb']:.0f} MB over {result['samples']} samples); "
                 f"{result['healthy_mb']:.0f} MB once healthy; highest between steps from '{biggest[0]}' on; "
                 f"trained {result['trained']}. RSS (MB) after each step: {timeline}"),
        row(GROUP, "tour problems (exceptions, failed steps)", len(result["problems"]), target="0",
            note=problems[:600]),
        row(GROUP, "tour wall time", result["seconds"], unit="s",
            note=f"server start and {len(steps)} browser steps; {slow}; {load}"),
    ]
    if result["colour_seconds"]:
        times = result["colour_seconds"]
        rows.append(row(GROUP, "Latent space: colour-by rerun seen in the browser, median",
                        statistics.median(times), unit="s", target="<= 0.3 s",
                        note=f"{len(times)} changes on the UMAP view, from the click on the option to the "
                             f"app's 'not running' state: min {min(times):.2f} s, max {max(times):.2f} s; "
                             "includes Chromium drawing the page on the same 2 cores (software WebGL); "
                             + load))
    torch_mb = torch_share_mb()
    if torch_mb is not None and torch_mb > 1:
        rows.append(row(GROUP, "of the peak: PyTorch, imported by umap-learn in this environment only",
                        torch_mb, unit="MB",
                        note=f"RSS of `import keras, umap` with and without torch importable; torch comes only "
                             "with the bench extra (bench/speed.py), not with requirements.txt, so a "
                             f"deployment would peak about {result['peak_mb'] - torch_mb:.0f} MB on "
                             "this tour"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tour", description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every step as it ends")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="(with --verbose) an environment variable for the server, "
                             "e.g. MALLOC_ARENA_MAX=2")
    args = parser.parse_args(argv)
    from bench.run import table

    if args.verbose:
        result = tour(verbose=True, extra_env=dict(item.split("=", 1) for item in args.env))
        print({k: v for k, v in result.items() if k != "steps"})
    else:
        print(table(run()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
