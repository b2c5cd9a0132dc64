"""Issue 36: each guided-tour step's arrival time on a warm server, in Chromium, English and Korean.
Problems become rows, never crashes.

Usage: ``python -m aecore bench --only tour`` or ``python -m bench.tour --arrivals STEPS [--reps N]
[--root TREE]``."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.harness import browser
from bench.harness.report import failed_row, load_note, row, rows_main
from bench.harness.server import ROOT, streamlit_server

GROUP = "Server tour (one process, MNIST sample)"
STEP_TIMEOUT_MS = 300_000  # one step (training, clustering) on a busy 2-core machine
FIND_TIMEOUT_MS = 60_000  # finding or clicking an element


def step_url(url: str, index: int, lang: str) -> str:
    """The address of guided-tour step ``index`` (0-based) in ``lang``, as its Open link makes it."""
    from aecore_app import tour as guided

    return f"{url}/{Path(guided.STEPS[index].page).stem}?{urlencode({**guided.link_params(index), 'lang': lang})}"


#: Records the app's script state with its time since the navigation started (performance.now()):
#: installed before the page's own scripts, so no change is missed.
_STATE_LOG = """() => { window.__aecoreStates = [];
  new MutationObserver(() => { const app = document.querySelector('[data-testid="stApp"]');
    if (app) window.__aecoreStates.push([performance.now(), app.getAttribute('data-test-script-state')]); })
  .observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']}); }"""
#: A run that ends and another that starts within this (a widget reporting its value, a rerun the page
#: asked for) belong to one arrival.
QUIET_MS = 800


def arrival(page, url: str, index: int, lang: str) -> dict:
    """Open step ``index``'s link in ``page`` (a fresh session) and time its arrival: ``seconds`` from
    the navigation's start to the end of the page's last run (the app's "not running" state, quiet
    for :data:`QUIET_MS`): what a person waits for the step's claim, its work included;
    ``script_seconds`` from the first run's start to that end (the server's part); ``runs``."""
    page.add_init_script(f"({_STATE_LOG})()")
    page.goto(step_url(url, index, lang))
    deadline = time.perf_counter() + STEP_TIMEOUT_MS / 1000
    while time.perf_counter() < deadline:
        states = page.evaluate("window.__aecoreStates")
        running = [at for at, state in states if state == "running"]
        if running and states[-1][1] == "notRunning" and page.evaluate("performance.now()") - states[-1][0] > QUIET_MS:
            ended = states[-1][0]
            return {"seconds": ended / 1000, "script_seconds": (ended - running[0]) / 1000, "runs": len(running)}
        page.wait_for_timeout(100)
    raise TimeoutError(f"tour step {index + 1} still running after {STEP_TIMEOUT_MS / 1000:.0f} s")


def guided_tour_arrivals(new_page, url: str, lang: str, warm: bool = True, check=None) -> list[dict]:
    """Each guided-tour step's arrival on a warm server: every step opened once (warming the caches
    and the shared models; ``warm=False`` when the server has shown them already), then once more in
    a new session, timed by :func:`arrival`. ``new_page()`` returns a fresh browser page (a new
    session); ``check(page, index)``, when given, looks at each timed step once it arrived."""
    from aecore_app import tour as guided

    for index in range(len(guided.STEPS) if warm else 0):
        arrival(new_page(), url, index, lang)
    rows = []
    for index, step in enumerate(guided.STEPS):
        page = new_page()
        timed = arrival(page, url, index, lang)
        rows.append({"step": index + 1, "id": step.id, "lang": lang, "runs": timed["runs"],
                     **{name: round(timed[name], 2) for name in ("seconds", "script_seconds")}})
        if check is not None:
            check(page, index)
    return rows


def arrival_rows() -> list[dict]:
    """Rows: the slowest guided-tour step's arrival time per language on a warm server, every
    step's time in the note (issue 36: a step shows its claim within about 3 s once warm)."""
    out = []
    with streamlit_server() as server, browser.chromium() as chromium:
        pages = []

        def new_page():
            while pages:
                pages.pop().context.close()
            page = chromium.new_context(viewport={"width": 1400, "height": 2000}).new_page()
            page.set_default_timeout(FIND_TIMEOUT_MS)
            pages.append(page)
            return page

        for lang in ("en", "ko"):
            times = guided_tour_arrivals(new_page, server.url, lang)
            slowest = max(times, key=lambda r: r["seconds"])
            out.append(row(GROUP, f"guided tour ({lang}): slowest step's arrival on a warm server",
                           slowest["seconds"], unit="s", target="<= 3 s",
                           note=f"step {slowest['step']} ({slowest['id']}); from opening the step's link in a "
                                "fresh session to the end of its last run, the step's work included (the "
                                "server's script time in brackets): "
                                + ", ".join(f"{r['step']} {r['seconds']:.1f} ({r['script_seconds']:.1f})"
                                            for r in times) + "; " + load_note()))
    return out


def step_arrivals(steps: list[int], langs: list[str], reps: int, root: Path | None = None) -> list[dict]:
    """Chosen steps' (1-based) arrival times on one server, each opened once to warm it and then
    ``reps`` times in fresh sessions: per step and language, the median and the fastest ``seconds``
    and the median ``script_seconds`` (:func:`arrival`), of the app in ``root`` (this checkout by
    default): two trees compared on the same machine."""
    with streamlit_server(root or ROOT) as server, browser.chromium() as chromium:
        def timed(number: int, lang: str) -> dict:
            context = chromium.new_context(viewport={"width": 1400, "height": 2000})
            page = context.new_page()
            page.set_default_timeout(STEP_TIMEOUT_MS)
            try:
                return arrival(page, server.url, number - 1, lang)
            finally:
                context.close()

        for lang in langs:
            for number in steps:
                timed(number, lang)
        out = []
        for lang in langs:
            for number in steps:
                times = [timed(number, lang) for _ in range(reps)]
                out.append({"step": number, "lang": lang, "median": statistics.median(t["seconds"] for t in times),
                            "min": min(t["seconds"] for t in times),
                            "script_median": statistics.median(t["script_seconds"] for t in times)})
        return out


def run(quick: bool = False) -> list[dict]:
    try:
        return arrival_rows()
    except Exception as exc:  # noqa: BLE001  (a missing browser or a server that never starts: a row)
        return [failed_row(GROUP, "guided tour arrivals", exc)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tour", description=__doc__.splitlines()[0])
    parser.add_argument("--arrivals", metavar="STEPS", help="only time these tour steps' arrivals (e.g. 8,9,15), "
                        "in English and Korean, --reps times each after a warm-up, and print them")
    parser.add_argument("--reps", type=int, default=2, help="(with --arrivals) timed arrivals per step and language")
    parser.add_argument("--root", type=Path, help="(with --arrivals) the checkout whose app is served (a baseline)")
    args = parser.parse_args(argv)
    if args.arrivals:
        steps = [int(number) for number in args.arrivals.split(",")]
        for found in step_arrivals(steps, ["en", "ko"], args.reps, args.root):
            print(" ".join(f"{name} {value:.2f}" if isinstance(value, float) else f"{name} {value}"
                           for name, value in found.items()), flush=True)
        return 0
    return rows_main(run, [])


if __name__ == "__main__":
    sys.exit(main())
