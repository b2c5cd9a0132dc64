"""Run every benchmark module, print a table, write bench/results.json and BENCHMARKS.md.

Usage: ``python -m aecore bench [--quick] [--only NAME ...]`` (or ``python -m bench.run``). NAME is
one of MODULES (rows of the table) or SECTIONS (benchmarks with a section of their own).
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import time

from bench.harness.report import marked_sections, say, stamp, table
from bench.harness.server import ROOT

#: Benchmark modules in the order they run; each exposes run(quick) -> list of rows.
MODULES = ["linear", "reconstruction", "maps", "clustering", "anomaly", "family", "growth", "tour"]
#: Left out of --quick to keep it under 5 minutes (every tour step opened twice per language in Chromium).
FULL_ONLY = {"tour"}
#: Benchmarks that run in their own processes and write their own section of BENCHMARKS.md (and
#: results JSON), with the arguments a full run gives them: run before MODULES in a full run, or
#: alone with --only NAME (never in --quick: together about 20 minutes).
SECTIONS = {"tsne": [], "fair_speed": [], "scale_pages": ["--sizes", "5000,20000,60000,200000"], "dims": [],
            "beta_vae": []}
#: Figures modules write next to their rows (path from the repository root, what it shows);
#: BENCHMARKS.md links those that exist and shows the images.
FIGURES = [("bench/growth.html", "cost growth curves, log-log (interactive, self-contained)"),
           ("docs/growth.png", "cost growth curves, log-log")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aecore bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a subset that finishes in under 5 minutes")
    parser.add_argument("--only", nargs="*", choices=MODULES + list(SECTIONS), help="run only these modules")
    parser.add_argument("--no-write", action="store_true", help="print only; do not write results files")
    args = parser.parse_args(argv)

    rows, timings, started = [], {}, time.perf_counter()
    sections = [name for name in (args.only or ([] if args.quick else list(SECTIONS))) if name in SECTIONS]
    for name in sections:
        run_section(name, args.no_write)
    if args.only is not None and all(name in SECTIONS for name in args.only):
        return 0  # only sections: BENCHMARKS.md's table and results.json stay as they are
    for name in [m for m in args.only if m in MODULES] if args.only else \
            [m for m in MODULES if not (args.quick and m in FULL_ONLY)]:
        module = importlib.import_module(f"bench.{name}")
        t0 = time.perf_counter()
        say(f"[{name}] running ...")
        new_rows = module.run(quick=args.quick)
        timings[name] = round(time.perf_counter() - t0, 1)
        rows.extend(new_rows)
        print(table(new_rows), flush=True)
    total = time.perf_counter() - started
    report = {**stamp(), "quick": args.quick, "seconds": round(total, 1),
              "module_seconds": timings, "rows": rows}
    print(f"\n{len(rows)} figures in {total:.0f} s", flush=True)
    if not args.no_write:
        suffix = "_quick" if args.quick else ""
        previous = ROOT / "bench" / "results.json"
        if args.only and not args.quick and previous.exists():
            # Some modules rerun: their groups replace their old rows, every other row stays.
            report = merge_reports(json.loads(previous.read_text()), report, args.only)
        (ROOT / "bench" / f"results{suffix}.json").write_text(json.dumps(report, indent=2))
        if not args.quick or not (ROOT / "bench" / "results.json").exists():
            write_markdown(report)  # a full run always wins; a quick one only fills an empty page
    return 0


def run_section(name: str, no_write: bool = False) -> None:
    """Run ``python -m bench.NAME`` (one of :data:`SECTIONS`) with its full run's arguments; it writes
    its own section of BENCHMARKS.md unless ``no_write``. ``RuntimeError`` when it fails."""
    command = [sys.executable, "-m", f"bench.{name}", *SECTIONS[name]] + (["--no-write"] if no_write else [])
    say(f"[{name}] running {' '.join(command[1:])} ...")
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:])} failed; run it alone to see why.")


def merge_rows(old: list[dict], new: list[dict]) -> list[dict]:
    """``old`` rows with each group that ``new`` has replaced, in place, by ``new``'s rows of it;
    new groups go at the end."""
    groups = {r["group"] for r in new}
    merged, placed = [], set()
    for r in old:
        if r["group"] not in groups:
            merged.append(r)
        elif r["group"] not in placed:
            placed.add(r["group"])
            merged.extend(n for n in new if n["group"] == r["group"])
    return merged + [n for n in new if n["group"] not in placed]


def merge_reports(old: dict, new: dict, modules: list[str]) -> dict:
    """The full run ``old`` with ``modules`` rerun in ``new``: its rows merged (:func:`merge_rows`),
    and what was rerun when kept in ``reruns``."""
    reruns = [r for r in old.get("reruns", []) if r["module"] not in modules]
    reruns += [{"module": m, "date": new["date"], "commit": new["commit"], "seconds": new["module_seconds"].get(m)}
               for m in modules]
    return {**old, "rows": merge_rows(old["rows"], new["rows"]), "reruns": reruns,
            "module_seconds": {**old.get("module_seconds", {}), **new["module_seconds"]}}


def write_markdown(report: dict) -> None:
    """Rewrite BENCHMARKS.md from a full run."""
    m = report["machine"]
    text = [
        "# Benchmarks", "",
        f"Last {'quick (--quick)' if report['quick'] else 'full'} run: {report['date']}, commit "
        f"`{report['commit']}`, {report['seconds']:.0f} s in all."
        + "".join(f" Rerun since with `--only {r['module']}`: {r['date']}, commit `{r['commit']}`."
                  for r in report.get("reruns", [])),
        f"Machine: {m.get('processor')} · {m.get('cpus')} CPUs · {m.get('memory_gb', '?')} GB · "
        f"Python {m.get('python')} · TensorFlow {m.get('tensorflow', '?')} · Keras {m.get('keras', '?')}.", "",
        "Reproduce with `python -m aecore bench` (full) or `python -m aecore bench --quick` (< 5 min). "
        "Every ratio is measured against its baseline in the same process. Benchmarks retired, and what "
        "measures their figures now: [Retired benchmarks](#retired-benchmarks).", ""]
    present = [(path, what) for path, what in FIGURES if (ROOT / path).exists()]
    links = [f"[{what}]({path})" for path, what in present if not path.endswith(".png")]
    images = [f"![{what}]({path})" for path, what in present if path.endswith(".png")]
    if links:
        text += ["Figures: " + " · ".join(links) + ".", ""]
    if images:
        text += images + [""]
    text += [table(report["rows"]), ""]
    # The sections the separate benchmarks wrote (t-SNE, fair speed, every page at scale, ...) stay.
    path = ROOT / "BENCHMARKS.md"
    kept = marked_sections(path.read_text()) if path.exists() else []
    path.write_text("\n".join(text + [section + "\n" for section in kept]))


if __name__ == "__main__":
    sys.exit(main())
