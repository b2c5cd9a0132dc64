"""View-only reruns as a person sees them in Chromium (:data:`MEASUREMENTS`), each in a fresh server:
2 warm-ups, then N timed interactions (median), from the input event to the app's last ``notRunning``
as the page logged them on its own clock (:data:`INIT_SCRIPT`). The method is in BENCHMARKS.md.

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
from dataclasses import dataclass
from pathlib import Path

from bench.harness import browser
from bench.harness.report import commit, machine, now, row, say
from bench.harness.server import ROOT, streamlit_server
from bench.harness.memory import cpu_seconds

FIND_TIMEOUT_MS = 60_000
RUN_START_TIMEOUT = 10.0  # seconds for an interaction's run to start
RUN_END_TIMEOUT = 180.0  # seconds for its runs to end
QUIET = 0.6  # seconds without a new run after "notRunning" before the interaction counts as over
NOT_STATES = ("input", "tabSelected")  # log entries that are not script states

# Logs, in page time: input events and the stApp's script-state changes. Survives page loads.
INIT_SCRIPT = """
(() => {
  const log = window.__rerunLog = [];
  const note = (what) => log.push([performance.now(), what]);
  for (const type of ['keydown', 'pointerdown']) window.addEventListener(type, () => note('input'), true);
  const watch = () => {
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target;
        if (!el.getAttribute) continue;
        if (r.attributeName === 'data-test-script-state' && el.getAttribute('data-testid') === 'stApp') {
          note(el.getAttribute('data-test-script-state'));
        } else if (r.attributeName === 'aria-selected' && el.getAttribute('role') === 'tab'
                   && el.getAttribute('aria-selected') === 'true') {
          note('tabSelected');
        }
      }
    }).observe(document, {subtree: true, attributes: true,
                          attributeFilter: ['data-test-script-state', 'aria-selected']});
  };
  if (document.documentElement) watch(); else document.addEventListener('DOMContentLoaded', watch);
})();
"""


@dataclass(frozen=True)
class Measurement:
    name: str
    title: str
    page: str  # URL path of the page
    kind: str  # "select", "slider" or "tab"
    key: str = ""  # widget key
    label: str = ""  # widget label (fallback when the key's class is not found)
    tab: str = ""  # the tab that holds the widget (clicked only if the widget is not visible)
    tabs: tuple[str, str] = ("", "")  # for kind "tab": the two tabs to switch between


LATENT_VIEW = ("latent.method", "View", "PCA")  # pinned so that before and after colour the same view


class Session:
    """One browser page on one server: finds widgets, times interactions."""

    def __init__(self, page, verbose: bool = False):
        self.page, self.verbose = page, verbose

    def say(self, text: str) -> None:
        if self.verbose:
            say(f"[reruns] {text}")

    def widget(self, testid: str, key: str, label: str):
        """The widget with this key (Streamlit's st-key-<key> class) or, failing that, this label."""
        if key:
            by_key = self.page.locator(f".st-key-{re.sub(r'[^a-zA-Z0-9_-]', '-', key)}")
            if by_key.count():
                return by_key.first
        labelled = self.page.locator(f'[data-testid="{testid}"]').filter(
            has=self.page.locator('[data-testid="stWidgetLabel"]').get_by_text(label, exact=True))
        return labelled.first

    def tab(self, label: str):
        return self.page.get_by_role("tab", name=label, exact=True).first

    def clear(self) -> None:
        self.page.evaluate("window.__rerunLog.length = 0")

    def log(self) -> list:
        return self.page.evaluate("window.__rerunLog.slice()")

    def now(self) -> float:
        return self.page.evaluate("performance.now()")

    def settle_after(self, action, allow_no_run: bool = False) -> dict:
        """Clear the log, do ``action``, wait for the runs it causes to end; the timing (page clock)."""
        self.clear()
        action()
        deadline = time.monotonic() + RUN_START_TIMEOUT
        while True:  # for the input event and a run to start
            entries = self.log()
            inputs = [t for t, what in entries if what == "input"]
            t0 = inputs[0] if inputs else None
            states = [(t, what) for t, what in entries if what not in NOT_STATES and t0 is not None and t >= t0]
            if any(what != "notRunning" for _, what in states):
                break
            selected = [t for t, what in entries if what == "tabSelected" and t0 is not None and t >= t0]
            if allow_no_run and selected and self.now() - selected[0] > 2000:
                return {"seconds": (selected[0] - t0) / 1000, "run_seconds": 0.0, "runs": 0, "no_run": True}
            if time.monotonic() > deadline:
                raise RuntimeError("no run started within "
                                   f"{RUN_START_TIMEOUT:.0f} s of the interaction (inputs seen: {len(inputs)})")
            time.sleep(0.02)
        deadline = time.monotonic() + RUN_END_TIMEOUT
        while True:  # for the last run to end, and no new one for QUIET seconds
            states = [(t, what) for t, what in self.log() if what not in NOT_STATES and t >= t0]
            state = states[-1][1] if states else "running"
            if state == "notRunning" and self.now() - states[-1][0] >= QUIET * 1000:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the run did not end within {RUN_END_TIMEOUT:.0f} s")
            time.sleep(0.05)
        starts = [t for i, (t, what) in enumerate(states)
                  if what != "notRunning" and (i == 0 or states[i - 1][1] == "notRunning")]
        end = states[-1][0]
        return {"seconds": (end - t0) / 1000, "run_seconds": (end - starts[0]) / 1000,
                "runs": len(starts), "no_run": False}

    def problems(self) -> list[str]:
        boxes = self.page.locator('[data-testid="stException"]')
        return [boxes.nth(i).inner_text()[:200] for i in range(min(boxes.count(), 3))]

    def ensure_visible(self, m: Measurement, target) -> None:
        """Open the tab holding the widget if it is not visible (a lazily drawn or hidden tab)."""
        if target.count() and target.is_visible():
            return
        if m.tab and self.tab(m.tab).count():
            self.say(f"opening tab {m.tab!r}")
            self.settle_after(lambda: self.tab(m.tab).click(), allow_no_run=True)
        target.wait_for(state="visible", timeout=FIND_TIMEOUT_MS)

    # ---- the interactions: each returns a callable doing one timed interaction

    def prepare(self, m: Measurement):
        if m.kind == "select":
            key, label, option = LATENT_VIEW
            view = self.widget("stRadio", key, label)
            view.wait_for(state="visible", timeout=FIND_TIMEOUT_MS)
            checked = view.locator("label:has(input:checked)")
            shown = checked.first.inner_text().strip() if checked.count() else ""
            if shown != option:
                self.say(f"switching the view from {shown!r} to {option!r}")
                self.settle_after(lambda: view.locator("label").filter(has_text=option).first.click())
            select = self.widget("stSelectbox", m.key, m.label)
            self.ensure_visible(m, select)
            combo = select.locator('[role="combobox"]').first

            def choose():
                combo.click()
                options = self.page.locator('[role="option"]')
                options.first.wait_for(timeout=FIND_TIMEOUT_MS)
                texts = [text.strip() for text in options.all_inner_texts()][:2]
                if len(texts) < 2:
                    raise RuntimeError(f"{m.label!r} has fewer than two options: {texts}")
                current = combo.input_value()
                other = options.nth(1 if texts[0] == current else 0)
                return self.settle_after(other.click)

            return choose
        if m.kind == "slider":
            slider = self.widget("stSlider", m.key, m.label)
            self.ensure_visible(m, slider)
            thumb = slider.get_by_role("slider").first  # an <input type="range">, visually hidden
            step = {"i": 0}

            def move():
                self.ensure_visible(m, slider)  # a later layout may have moved it
                key = "ArrowRight" if step["i"] % 2 == 0 else "ArrowLeft"
                step["i"] += 1
                thumb.focus()
                return self.settle_after(lambda: thumb.press(key))

            return move
        if m.kind == "tab":
            for label in m.tabs:
                self.tab(label).wait_for(state="visible", timeout=FIND_TIMEOUT_MS)

            def switch():
                # The one of the two that is not selected now (at f07db39 a switch back to the first
                # tab can leave the second one shown, so strict alternation would click a selected tab).
                selected = [self.tab(label).get_attribute("aria-selected") == "true" for label in m.tabs]
                label = m.tabs[1] if selected[0] else m.tabs[0]
                timing = self.settle_after(self.tab(label).click, allow_no_run=True)
                timing["clicked"] = label
                timing["shown_after"] = next(
                    (x for x in m.tabs if self.tab(x).get_attribute("aria-selected") == "true"), "neither")
                return timing

            return switch
        raise ValueError(m.kind)


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


def markdown(results: dict, compared: bool) -> str:
    """Per measurement: the median, min, max and count (``compared``: both trees' medians, the ratio
    app/baseline, the counts and the load average)."""
    if not compared:
        lines = ["| measurement | median s | min s | max s | n |", "|---|---|---|---|---|"]
        for name, r in results.items():
            s = _seconds(r)
            lines.append(f"| {name}: {r['title']} | " + (f"{statistics.median(s):.3f} | {min(s):.3f} | {max(s):.3f} | "
                                                         f"{len(s)} |" if s else "failed | | | 0 |"))
        return "\n".join(lines)
    lines = ["| measurement | baseline median s | app median s | ratio app/baseline | n baseline/app | load average |",
             "|---|---|---|---|---|---|"]
    for name, r in results.items():
        base, app = _seconds(r["baseline"]), _seconds(r["app"])
        b, a = (statistics.median(base) if base else None), (statistics.median(app) if app else None)
        ratio = f"{a / b:.2f}" if a is not None and b else "n/a"
        lines.append(f"| {name}: {r['title']} | {'failed' if b is None else f'{b:.3f}'} | "
                     f"{'failed' if a is None else f'{a:.3f}'} | {ratio} | {len(base)}/{len(app)} | "
                     f"{r['baseline']['load_before']} -> {r['app']['load_after']} |")
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
    compared = (f"Baseline {baseline} at {commit(baseline, dirty=True)}, app {app_root} at {app_commit}, alternating "
                f"baseline then app in each of {args.rounds} rounds" if baseline else f"App {app_root} at {app_commit}")
    print(f"{compared}; load average {load_start} -> {_load()} on {os.cpu_count()} CPUs; {timing}\n")
    print(markdown(results, compared=baseline is not None))
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
