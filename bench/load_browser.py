"""Issue #14 (case 11): several real Chromium browsers on ONE instrumented server: solo (the tour,
cold and warm), concurrent (``--sessions`` honest people, ``--trainers`` of them training, and the
hostile visitor of bench/load_browser_visitors.py) and after (a fresh training must not queue).
BENCHMARKS.md has the method; ``--browser-nice 19`` runs Chromium at the lowest CPU priority.

Usage: ``python -m bench.load_browser --sessions 6 [--browser-nice 19] [--verbose] [--no-write]``;
tests/browser/test_browser_load.py runs a 3-session version through :func:`measure`."""

from __future__ import annotations

import asyncio
import math
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs

from bench.harness import browser
from bench.harness.memory import RssSampler, status_kb, tree_rss_kb
from bench.harness.report import failed_row, load_note, row, section_main, stamp_line, table
from bench.harness.server import healthy, streamlit_server
from bench.load_browser_visitors import Browser, Person, hostile_session
from bench.load_browser_server import (INSTRUMENTED_STREAMLIT, QUIET_S, Phase, Renicer, Server, busy_threads,
                                       server_state, server_threads)

STEP_LIMIT_S = 240.0  # one tour step or one training, on a 2-core machine shared with the browsers
HOSTILE_LIMIT_S = 90.0  # after this a hostile probe counts as "still running" (a hang)
GROUP = "Load, real browsers (one server)"
TARGET_PEAK_MB = 2500  # Community Cloud gives an app about 2.7 GB.
TARGET_SOLO_PEAK_MB = 1300  # issue 14: a visitor who only browses the shipped demos
SLOT_START_LIMIT_S = 10.0  # the fresh training after the load must start within this


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
    from aecore_app import tour

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
    """Benchmark rows from :func:`measure`'s result."""
    n, out = result["sessions"], []
    concurrent = result.get("concurrent", {})
    load = load_note()
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
        if "server_held_mb" in probe:
            extra += (f"; server {probe['server_rss_before_mb']:.0f} MB before, "
                      f"{probe['server_held_mb']:.0f} MB with the tabs open")
        for key in ("stop A", "stop B"):
            if key in probe:
                extra += f"; {key}: {probe[key]}"
        out.append(row(GROUP, f"hostile: {probe['probe']}", probe.get("seconds", 0), unit="s",
                       target="a message, no hang",
                       note=f"{probe['outcome']}{extra}; server peak in this window "
                            f"{probe.get('server_peak_mb', 0):.0f} MB"))
    jobs = result.get("jobs")
    if jobs is not None:
        out.append(row(GROUP, "most jobs running at once (the job pool's own log)", jobs["peak"],
                       target=f"<= {jobs['size'] or 2}",
                       note=f"{jobs['taken']} slots taken in the whole run, every take and release logged "
                            "by aecore_app/slots.py (AECORE_LOG_JOBS=1 on this server)"))
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


def markdown(report: dict) -> str:
    """The BENCHMARKS.md section: command, date, machine, commit, a per-page table, every row."""
    m = report["machine"]
    nice = report["browser_nice"]
    title = "## Multi-user browser load test" + (f" (Chromium at nice {nice})" if nice else "")
    lines = [_marker("begin", nice), title, "",
             stamp_line(report, stack=f"{m.get('memory_gb', '?')} GB, Python {m.get('python')}, Chromium (Debian) "
                        "for every browser on the same machine as the server",
                        end=f", at nice {nice}: the server gets the cores first." if nice else
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


def marker(nice: int) -> str:
    """The section's name in its BENCHMARKS.md markers: one section per --browser-nice."""
    return f"load_browser.py{f' --browser-nice {nice}' if nice else ''}"


def _marker(edge: str, nice: int) -> str:
    return f"<!-- bench/{marker(nice)}: {edge} -->"


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
    from aecore_app import tour

    browser.require_browser()
    steps = list(range(len(tour.STEPS))) if steps is None else steps
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        state_file = Path(scratch) / "state.json"
        # The job pool logs every slot taken and released (aecore_app/slots.py): the most jobs that ran at once.
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
    """The job pool's own count (aecore_app/slots.py's "job slot taken (N of M in use, W waiting)"
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
