"""View-only reruns as a person sees them in Chromium (:data:`MEASUREMENTS`), each in a fresh server:
2 warm-ups, then N timed interactions (median), input event to the last ``notRunning``. The method,
and what the pages must keep, are in BENCHMARKS.md and bench/reruns_session.py.

Usage: ``python -m bench.reruns [--app-root DIR] [--baseline DIR [--rounds 2]] [--out FILE.json]
[--reps 7] [--only NAME ...]``; with ``--baseline`` both trees are measured alternately in each round."""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

from bench.harness import browser
from bench.harness.report import commit, machine, now, row, say
from bench.harness.server import ROOT, streamlit_server
from bench.harness.memory import cpu_seconds
from bench.reruns_session import INIT_SCRIPT, Measurement, Session

GROUP = "View-only reruns (browser)"
FIRST_RUN_TIMEOUT_MS = 240_000  # the first run imports TensorFlow and loads the demo model
CPU_QUIET = 0.15  # server CPU (cores) under which the server counts as idle
CPU_QUIET_CAP = 180.0  # seconds to wait at most for it
WARMUP = 2

MEASUREMENTS = [
    Measurement("latent.colour", "Latent space: change colour-by (PCA view)", "latent", "select",
                key="latent.color", label="Colour by"),
    Measurement("generate.slider", "Generate: move the Steps slider (Interpolation tab)", "generate", "slider",
                key="generate.steps", label="Steps", tab="Interpolation"),
    Measurement("generate.tab", "Generate: switch tabs Interpolation <-> Latent traversal", "generate", "tab",
                tabs=("Latent traversal", "Interpolation")),
    Measurement("anomalies.slider", "Anomalies: move the Threshold percentile slider", "anomalies", "slider",
                key="anomalies.percentile", label="Threshold percentile", tab="Score with the current model"),
]


def _wait_cpu_quiet(pid: int) -> float:
    """Wait until the server uses under CPU_QUIET cores over 1 s (background warm-ups over); the
    seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < CPU_QUIET_CAP:
        before = cpu_seconds(pid, children=False)
        time.sleep(1.0)
        if cpu_seconds(pid, children=False) - before < CPU_QUIET:
            break
    return time.monotonic() - started


def _load() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return float("nan")


def measure(m: Measurement, app_root: Path, reps: int, verbose: bool = False) -> dict:
    """One measurement in a fresh server and a fresh browser."""
    out: dict = {"title": m.title, "page": m.page, "samples": [], "problems": [], "load_before": _load()}
    with streamlit_server(app_root, keep_pythonpath=False) as server, browser.chromium() as chromium:
        context = chromium.new_context(viewport={"width": 1400, "height": 1000})
        context.add_init_script(INIT_SCRIPT)
        page = context.new_page()
        session = Session(page, verbose)
        started = time.perf_counter()
        page.goto(f"{server.url}/{m.page}")
        page.wait_for_selector(browser.IDLE, state="attached", timeout=FIRST_RUN_TIMEOUT_MS)
        out["first_run_s"] = round(time.perf_counter() - started, 2)
        interact = session.prepare(m)
        out["quiet_wait_s"] = round(_wait_cpu_quiet(server.pid), 1)
        session.say(f"{m.name}: page ready after {out['first_run_s']} s, "
                    f"server quiet after {out['quiet_wait_s']} s more")
        for i in range(WARMUP + reps):
            try:
                timing = interact()
            except Exception as exc:  # noqa: BLE001  (one failed repetition is a problem)
                out["problems"].append(f"repetition {i}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
                continue
            out["problems"] += [f"repetition {i}: exception box: {p}" for p in session.problems()]
            timing["warmup"] = i < WARMUP
            out["samples"].append(timing)
            session.say(f"{m.name} #{i}: {timing}")
            time.sleep(0.3)  # let the page's last repaint land before the next input
    errors = [line.strip() for line in server.log_text.splitlines() if re.search(r"Traceback|Error", line)]
    if errors:
        out["server_log_errors"] = errors[:5]
    out["load_after"] = _load()
    return out


def _seconds(result: dict) -> list[float]:
    return [s["seconds"] for s in result.get("samples", []) if not s.get("warmup")]


def _pool(rounds: list[dict]) -> dict:
    """One tree's rounds of one measurement as one result: every sample (tagged with its round),
    every problem, the load average from the first round's start to the last round's end, and
    per round what is not a sample (first run, quiet wait, load, server log errors)."""
    pooled: dict = {"title": rounds[0]["title"], "page": rounds[0].get("page"), "samples": [], "problems": [],
                    "load_before": rounds[0]["load_before"], "load_after": rounds[-1]["load_after"], "rounds": []}
    for i, result in enumerate(rounds):
        pooled["samples"] += [dict(s, round=i) for s in result.get("samples", [])]
        pooled["problems"] += [f"round {i}: {p}" for p in result.get("problems", [])]
        pooled["rounds"].append({k: v for k, v in result.items() if k not in ("samples", "problems", "title", "page")})
    return pooled


def summarise(name: str, result: dict, baseline: dict | None = None, baseline_name: str = "") -> dict:
    """The row of one measurement (median of the timed repetitions); with ``baseline`` (the same
    measurement on the baseline tree) the row's baseline is that median and its ratio app/baseline."""
    timed = [s for s in result.get("samples", []) if not s.get("warmup")]
    seconds = [s["seconds"] for s in timed]
    note_bits = []
    base = _seconds(baseline) if baseline else []
    base_median = statistics.median(base) if base else None
    if baseline is not None and not base:
        note_bits.append(f"baseline: no timed repetition: {'; '.join(baseline.get('problems', []))[:300]}")
    elif base:
        runs = sorted({s["runs"] for s in baseline["samples"] if not s.get("warmup")})
        note_bits.append(f"baseline min {min(base):.3f} s, max {max(base):.3f} s, n {len(base)}, "
                         f"server runs per interaction {'/'.join(map(str, runs))}")
    if not seconds:
        note_bits.append(f"no timed repetition: {'; '.join(result.get('problems', []))[:300]}")
        return row(GROUP, result.get("title", name), float("nan"), unit="s", baseline=base_median,
                   baseline_name=baseline_name, note="; ".join(note_bits))
    runs = sorted({s["runs"] for s in timed})
    note_bits.append(f"{'app ' if baseline else ''}min {min(seconds):.3f} s, max {max(seconds):.3f} s, n {len(seconds)}")
    note_bits.append(f"server runs per interaction {'/'.join(map(str, runs))}")
    wrong = [s for s in timed if "clicked" in s and s["clicked"] != s.get("shown_after")]
    if wrong:
        note_bits.append(f"{len(wrong)} of {len(timed)} switches ended with the other tab shown")
    if any(s.get("no_run") for s in timed):
        note_bits.append("some switches caused no run (client-side tab: timed until selected)")
    note_bits.append(f"server-run span median {statistics.median(s['run_seconds'] for s in timed):.3f} s")
    note_bits.append(f"load average {result['load_before']}->{result['load_after']} on {os.cpu_count()} CPUs")
    if result.get("problems"):
        note_bits.append(f"problems: {'; '.join(result['problems'])[:300]}")
    if baseline and baseline.get("problems"):
        note_bits.append(f"baseline problems: {'; '.join(baseline['problems'])[:300]}")
    return row(GROUP, result["title"], statistics.median(seconds), unit="s", baseline=base_median,
               baseline_name=baseline_name, note="; ".join(note_bits))


def _measure_safely(m: Measurement, app_root: Path, reps: int, verbose: bool) -> dict:
    try:
        return measure(m, app_root, reps=reps, verbose=verbose)
    except Exception as exc:  # noqa: BLE001  (a server that never starts, a page that never loads)
        return {"title": m.title, "page": m.page, "samples": [], "load_before": _load(), "load_after": _load(),
                "problems": [f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"]}


def run(quick: bool = False, app_root: Path | None = None, reps: int = 7, only: list[str] | None = None,
        verbose: bool = False, baseline: Path | None = None, rounds: int = 2) -> tuple[list[dict], dict]:
    """Every measurement (or those named in ``only``); (rows, results by name)."""
    app_root = Path(app_root or ROOT).resolve()
    browser.require_browser()
    reps = 3 if quick else reps
    results: dict = {}
    for m in MEASUREMENTS:
        if only and m.name not in only:
            continue
        if baseline is None:
            results[m.name] = _measure_safely(m, app_root, reps, verbose)
            continue
        per_tree: dict = {"baseline": [], "app": []}
        for i in range(rounds):
            for tree, root in (("baseline", Path(baseline).resolve()), ("app", app_root)):
                if verbose:
                    say(f"[reruns] {m.name}: round {i + 1}/{rounds}, {tree} ({root})")
                per_tree[tree].append(_measure_safely(m, root, reps, verbose))
        results[m.name] = {"title": m.title, "page": m.page,
                           "baseline": _pool(per_tree["baseline"]), "app": _pool(per_tree["app"])}
    if baseline is None:
        return [summarise(name, r) for name, r in results.items()], results
    base_name = f"before: {Path(baseline).resolve()} at {commit(Path(baseline).resolve(), dirty=True)}"
    return [summarise(name, r["app"], r["baseline"], base_name) for name, r in results.items()], results


def markdown(results: dict) -> str:
    lines = ["| measurement | median s | min s | max s | n |", "|---|---|---|---|---|"]
    for name, r in results.items():
        seconds = [s["seconds"] for s in r.get("samples", []) if not s.get("warmup")]
        if seconds:
            lines.append(f"| {name}: {r['title']} | {statistics.median(seconds):.3f} | {min(seconds):.3f} | "
                         f"{max(seconds):.3f} | {len(seconds)} |")
        else:
            lines.append(f"| {name}: {r['title']} | failed | | | 0 |")
    return "\n".join(lines)


def markdown_compared(results: dict) -> str:
    """Both trees' medians, the ratio app/baseline, the counts and the load average per measurement."""
    lines = ["| measurement | baseline median s | app median s | ratio app/baseline | n baseline/app | load average |",
             "|---|---|---|---|---|---|"]
    for name, r in results.items():
        base, app = _seconds(r["baseline"]), _seconds(r["app"])
        b = statistics.median(base) if base else None
        a = statistics.median(app) if app else None
        ratio = f"{a / b:.2f}" if a is not None and b else "n/a"
        load = f"{r['baseline']['load_before']} -> {r['app']['load_after']}"
        lines.append(f"| {name}: {r['title']} | {'failed' if b is None else f'{b:.3f}'} | "
                     f"{'failed' if a is None else f'{a:.3f}'} | {ratio} | {len(base)}/{len(app)} | {load} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reruns", description=__doc__.splitlines()[0])
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the app to measure (default: this repo)")
    parser.add_argument("--out", type=Path, help="JSON file to write")
    parser.add_argument("--reps", type=int, default=7, help="timed repetitions per measurement (median)")
    parser.add_argument("--only", nargs="+", choices=[m.name for m in MEASUREMENTS])
    parser.add_argument("--verbose", action="store_true", help="print every repetition")
    parser.add_argument("--baseline", type=Path, help="a second app tree (e.g. the app before the redesign) "
                        "measured in the same run, alternating with the app")
    parser.add_argument("--rounds", type=int, default=2, help="with --baseline: rounds per measurement, "
                        "each measuring the baseline then the app (default 2)")
    args = parser.parse_args(argv)
    app_root = args.app_root.resolve()
    baseline = args.baseline.resolve() if args.baseline else None
    if baseline is not None and not (baseline / "app.py").is_file():
        parser.error(f"--baseline {baseline}: no app.py there")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    created = now()
    load_start = _load()
    rows, results = run(app_root=app_root, reps=args.reps, only=args.only, verbose=args.verbose,
                        baseline=baseline, rounds=args.rounds)
    app_commit = commit(app_root, dirty=True)
    timing = (f"seconds from the interaction to the app's last 'notRunning' (median of {args.reps}"
              f"{f' x {args.rounds} rounds' if baseline else ''}, after {WARMUP} warm-ups)")
    if baseline is None:
        print(f"App {app_root} at {app_commit}; load average {load_start} -> {_load()} on {os.cpu_count()} CPUs; "
              f"{timing}\n")
        print(markdown(results))
    else:
        print(f"Baseline {baseline} at {commit(baseline, dirty=True)}, app {app_root} at {app_commit}, alternating "
              f"baseline then app in each of {args.rounds} rounds; load average {load_start} -> {_load()} "
              f"on {os.cpu_count()} CPUs; {timing}\n")
        print(markdown_compared(results))
    if args.out:
        extra = {} if baseline is None else {"baseline_root": str(baseline), "baseline_commit": commit(baseline, dirty=True),
                                             "rounds": args.rounds}
        args.out.write_text(json.dumps({
            "created": created, "app_root": str(app_root), "commit": app_commit, **extra, "machine": machine(),
            "method": "browser (Playwright + Chromium), stApp data-test-script-state; see bench/reruns.py",
            "load_average": {"start": load_start, "end": _load()}, "reps": args.reps, "warmup": WARMUP,
            "rows": rows, "measurements": results}, indent=1))
    trees = [t for r in results.values() for t in ([r] if baseline is None else [r["baseline"], r["app"]])]
    return 0 if all(t.get("samples") for t in trees) else 1


if __name__ == "__main__":
    sys.exit(main())
