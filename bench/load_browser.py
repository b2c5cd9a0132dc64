"""Issue #14 (case 11): several real Chromium browsers on ONE instrumented server: solo (the tour,
cold and warm), concurrent (``--sessions`` honest people, ``--trainers`` of them training, one hostile
person: bench/load_browser_hostile.py) and after (a fresh training must not queue). BENCHMARKS.md
has the method; ``--browser-nice 19`` runs Chromium at the lowest CPU priority.

Usage: ``python -m bench.load_browser --sessions 6 [--browser-nice 19] [--verbose] [--no-write]``;
tests/browser/test_browser_load.py runs a 3-session version through :func:`measure`."""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.harness import browser
from bench.harness.report import failed_row, section_main
from bench.harness.server import healthy, streamlit_server
from bench.load_browser_hostile import hostile_session
from bench.load_browser_person import Browser, Person
from bench.load_browser_report import GROUP, markdown, marker, page_table, rows
from bench.load_browser_server import (INSTRUMENTED_STREAMLIT, QUIET_S, Phase, Renicer, Server, busy_threads,
                                       server_state, server_threads)
from bench.harness.memory import RssSampler, status_kb, tree_rss_kb

STEP_LIMIT_S = 240.0  # one tour step or one training, on a 2-core machine shared with the browsers
HOSTILE_LIMIT_S = 90.0  # after this a hostile probe counts as "still running" (a hang)


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


async def _phases(server: Server, sessions: int, trainers: int, steps: list[int], rounds: int, solo: bool,
                  hostile: str, slot_check: bool, verbose: bool, hostile_limit: float, browser_nice: int) -> dict:
    from playwright.async_api import async_playwright

    viewport = {"width": 1280, "height": 1600}
    out: dict = {"threads": {"at health": len(server_threads(server.pid))}}
    seed_base = int(time.time()) % 5000 + 1000  # seeds no cache or shipped run holds
    async with async_playwright() as playwright:
        browser_app = await browser.launch(playwright)
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
                                            viewport, race_seed=seed_base + 6000))
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
    """Run the phases against one fresh server; return every measurement (see the module's doc)."""
    from app_ui import tour

    browser.require_browser()
    steps = list(range(len(tour.STEPS))) if steps is None else steps
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        state_file = Path(scratch) / "state.json"
        # The job pool logs every slot taken and released (app_ui/slots.py): the most jobs that ran at once.
        env = {"AECORE_LOG_JOBS": "1", "LOAD_BROWSER_STATE": str(state_file), **(extra_env or {})}
        with streamlit_server(env=env, program=["-c", INSTRUMENTED_STREAMLIT]) as launched:
            sampler = RssSampler(launched.pid, tree=True)
            sampler.start()
            try:
                server = Server(launched.pid, launched.url, sampler, state_file)
                healthy_mb = tree_rss_kb(launched.pid) / 1024
                result = asyncio.run(_phases(server, sessions, trainers, steps, rounds, solo, hostile, slot_check,
                                             verbose, hostile_limit, browser_nice))
                result.update(healthy_after=healthy(launched.url) and launched.proc.poll() is None,
                              healthy_mb=healthy_mb, vmhwm_mb=(status_kb("VmHWM", launched.pid) or 0) / 1024)
            finally:
                sampler.stop()
    lines = launched.log_text.splitlines()
    result.update(peak_mb=sampler.max_mb(), samples=len(sampler.samples), steps=steps, sessions=sessions,
                  trainers=trainers, rounds=rounds, browser_nice=browser_nice,
                  seconds=time.perf_counter() - started,
                  server_errors=_log_errors(lines), jobs=jobs_in_log(lines))
    honest = result.get("concurrent", {}).get("people", [])
    result["honest_problems"] = [f"{p.name}: {problem}" for p in honest for problem in p.problems]
    return result


def jobs_in_log(lines: list[str]) -> dict:
    """The job pool's own count (app_ui/slots.py's "job slot taken (N of M in use, W waiting)"
    lines): the most jobs in use at once, the pool's size, how many were taken."""
    taken = [re.search(r"job slot taken \((\d+) of (\d+) in use", line) for line in lines]
    taken = [m for m in taken if m]
    return {"peak": max((int(m.group(1)) for m in taken), default=0),
            "size": max((int(m.group(2)) for m in taken), default=0), "taken": len(taken)}


def _log_errors(lines: list[str]) -> list[str]:
    """The server log's exception lines (``ValueError: ...``), without terminal colours, once each."""
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip(" │\t") for line in lines]
    found = [line for line in plain if re.match(r"^[A-Za-z_.]*(Error|Exception)\b.*:", line)]
    return list(dict.fromkeys(found))[-5:]


def run(quick: bool = False) -> list[dict]:
    """For bench/run.py: 6 honest sessions (2 train) and a hostile one (full runs only)."""
    try:
        return rows(measure(sessions=3 if quick else 6))
    except Exception as exc:  # noqa: BLE001  (a missing browser or a server that never starts: a row)
        return [failed_row(GROUP, "load test", exc)]


def main(argv: list[str] | None = None) -> int:
    def fields(args) -> dict:
        steps = [int(s) - 1 for s in args.steps.split(",")] if args.steps else None
        result = measure(sessions=args.sessions, trainers=args.trainers, steps=steps, rounds=args.rounds,
                         solo=not args.no_solo, hostile=args.hostile, verbose=args.verbose,
                         browser_nice=args.browser_nice)
        return {"pages": page_table(result), "rows": rows(result),
                "hostile": result.get("concurrent", {}).get("hostile", []), "slot_check": result.get("slot check"),
                "threads": result["threads"], "honest_problems": result["honest_problems"],
                "browser_nice": args.browser_nice}

    def section(args) -> tuple[str, str]:
        return f"load_browser{f'_nice{args.browser_nice}' if args.browser_nice else ''}", marker(args.browser_nice)

    return section_main("load_browser", __doc__, fields, markdown, argv, section=section, arguments=[
        (("--sessions",), {"type": int, "default": 6, "help": "honest people touring at once (default 6)"}),
        (("--trainers",), {"type": int, "default": 2, "help": "of them, how many train first (default 2)"}),
        (("--rounds",), {"type": int, "default": 1, "help": "tours per honest person (default 1)"}),
        (("--steps",), {"help": "tour steps to visit, 1-based, e.g. 1,2,7 (default: all)"}),
        (("--hostile",), {"choices": ["all", "links", "none"], "default": "all"}),
        (("--no-solo",), {"action": "store_true", "help": "skip the one-person phase"}),
        (("--browser-nice",), {"type": int, "default": 0, "metavar": "N",
                               "help": "run Chromium at nice N (e.g. 19): the server gets the cores first, "
                                       "as if the browsers ran on the visitors' machines"}),
        (("--verbose",), {"action": "store_true", "help": "print every step as it ends"})])


if __name__ == "__main__":
    sys.exit(main())
