"""One report writer: benchmark rows, the date/commit/machine stamp, Markdown tables, sections of
BENCHMARKS.md, and the one ``main`` of a benchmark that writes a section of its own."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from bench.harness.server import ROOT


def row(group: str, name: str, value: float, *, unit: str = "", baseline: float | None = None,
        baseline_name: str = "", target: str = "", note: str = "") -> dict:
    """One benchmark figure; ``ratio`` is value / baseline when a baseline was measured alongside."""
    ratio = (value / baseline) if baseline not in (None, 0) else None
    return {"group": group, "name": name, "value": float(value), "unit": unit,
            "baseline": None if baseline is None else float(baseline), "baseline_name": baseline_name,
            "ratio": ratio, "target": target, "note": note}


def failed_row(group: str, what: str, exc: BaseException) -> dict:
    """The row a benchmark gives instead of crashing (no browser, a server that never starts)."""
    return row(group, f"{what} not run", 1, target="0", note=f"{type(exc).__name__}: {str(exc)[:300]}")


@contextmanager
def timer():
    """``with timer() as t: ...; t()`` gives the elapsed seconds."""
    start = time.perf_counter()
    elapsed = [None]
    yield lambda: elapsed[0] if elapsed[0] is not None else time.perf_counter() - start
    elapsed[0] = time.perf_counter() - start


def say(line: str) -> None:
    """Progress for the person running a benchmark (stderr: stdout carries the report)."""
    print(line, file=sys.stderr, flush=True)


def load_note() -> str:
    """The machine's load now, for a row's note: other work on the cores slows every figure."""
    try:
        return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    except OSError:
        return "load average unknown"


def machine() -> dict:
    """What the numbers were measured on."""
    import numpy as np

    info = {"python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
            "numpy": np.__version__}
    try:
        import keras
        import tensorflow as tf

        info.update(tensorflow=tf.__version__, keras=keras.__version__)
    except ImportError:
        pass
    try:
        with open("/proc/meminfo") as f:
            info["memory_gb"] = round(int(f.readline().split()[1]) / 1e6, 1)
    except OSError:
        pass
    return info


def commit(root: Path = ROOT, dirty: bool = False) -> str:
    """The short commit of ``root``'s checkout ("+dirty" with uncommitted changes, if asked)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, check=True).stdout.strip()
        if dirty and subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                    capture_output=True, text=True).stdout.strip():
            head += "+dirty"
        return head
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def stamp() -> dict:
    """Date, commit and machine: what every report starts with."""
    return {"date": now(), "commit": commit(), "machine": machine()}


def run_stamp(command: str, quick: bool, started: float, load_before: float) -> dict:
    """:func:`stamp`, the command, its seconds since ``started`` and the load average before and after."""
    return {**stamp(), "command": command, "quick": quick, "seconds": round(time.perf_counter() - started, 1),
            "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)]}


def _fmt(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.5g}"
    return str(value)


def table(rows: list[dict]) -> str:
    """A Markdown table of benchmark rows."""
    lines = ["| group | figure | value | baseline | ratio | target | note |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        base = f"{_fmt(r['baseline'])} ({r['baseline_name']})" if r["baseline"] is not None else ""
        lines.append(f"| {r['group']} | {r['name']} | {_fmt(r['value'])} {r['unit']} | {base} | "
                     f"{_fmt(r['ratio'])} | {r['target']} | {r['note']} |")
    return "\n".join(lines)


def marked_sections(markdown: str) -> list[str]:
    """The sections benchmarks wrote into BENCHMARKS.md, each from its ``<!-- bench/NAME: begin -->``
    to its ``<!-- bench/NAME: end -->`` marker, in their order."""
    return [m.group(0) for m in re.finditer(r"<!-- (bench/[^:\n]+): begin -->.*?<!-- \1: end -->", markdown, re.S)]


def markers(name: str) -> tuple[str, str]:
    """The lines that open and close the section ``name`` (``tsne.py``) of BENCHMARKS.md."""
    return f"<!-- bench/{name}: begin -->", f"<!-- bench/{name}: end -->"


def section(name: str, lines: list[str]) -> str:
    """The Markdown of the section ``name`` of BENCHMARKS.md: ``lines`` between its markers."""
    begin, end = markers(name)
    return "\n".join([begin, *lines, end])


def write_section(path: Path, name: str, text: str) -> None:
    """Put ``text`` in place of the section ``name`` of the Markdown file ``path``, or add it at the end."""
    begin, end = markers(name)
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        path.write_text(head + text + rest.split(end, 1)[1])
    else:
        path.write_text(current.rstrip("\n") + "\n\n" + text + "\n")


def save_report(name: str, report: dict, text: str, *, quick: bool, write: bool) -> None:
    """Print a benchmark's Markdown; unless ``write`` is off, save ``bench/results_<name>[_quick].json``
    and (full runs only) its section ``<name>.py`` of BENCHMARKS.md."""
    print(text)
    if not write:
        return
    (ROOT / "bench" / f"results_{name}{'_quick' if quick else ''}.json").write_text(
        json.dumps(report, indent=2, default=str))
    if not quick:
        write_section(ROOT / "BENCHMARKS.md", f"{name}.py", text)


def run_worker(name: str, args: list[str], env: dict | None = None, **options) -> tuple[dict | None, int]:
    """``python -m bench.<name> --worker ARGS`` in a fresh process (``options`` for subprocess.run):
    the JSON its worker printed last (None when it printed none) and its exit status."""
    done = subprocess.run([sys.executable, "-m", f"bench.{name}", "--worker", *args], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, text=True, **options)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1]), done.returncode
    except (IndexError, json.JSONDecodeError):
        return None, done.returncode


def section_main(name: str, doc: str, measure, markdown, argv: list[str] | None = None, *, quick: str | None = None,
                 arguments: tuple = (), worker=None) -> int:
    """The one ``main`` of a benchmark with a section of its own: ``python -m bench.<name>``. With
    ``worker``, ``--worker ARGS`` prints the JSON of ``worker(ARGS)`` instead (:func:`run_worker`)."""
    argv = sys.argv[1:] if argv is None else argv
    if worker and argv[:1] == ["--worker"]:
        print(json.dumps(worker(argv[1:])))
        return 0
    parser = argparse.ArgumentParser(prog=f"python -m bench.{name}", description=doc.strip().splitlines()[0])
    if quick:
        parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--no-write", action="store_true", help="print only; write no files")
    for flags, options in arguments:
        parser.add_argument(*flags, **options)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    fields = measure(args)
    if fields is None:  # measure said why it could not run
        return 2
    command = " ".join([f"python -m bench.{name}", *(a for a in argv if a != "--no-write")])
    report = {**run_stamp(command, bool(getattr(args, "quick", False)), started, load_before), **fields}
    save_report(name, report, markdown(report), quick=report["quick"], write=not args.no_write)
    return 0


def stamp_line(report: dict, load: bool = False, stack: str | None = None) -> str:
    """The line under a section's title: command, date, commit, seconds, machine, ``stack`` (default
    Python, TensorFlow, Keras) and, with ``load``, the load average."""
    m = report["machine"]
    stack = stack or f"Python {m.get('python')}, TensorFlow {m.get('tensorflow', '?')}, Keras {m.get('keras', '?')}"
    line = (f"`{report['command']}` · {report['date']} · commit `{report['commit']}` · {report['seconds']:.0f} s · "
            f"{m.get('processor')}, {m.get('cpus')} CPUs, {stack}")
    if load and "load_average" in report:
        line += " · load average {} → {}".format(*report["load_average"])
    return line + "."


def write_plot(fig, html: Path, png: Path) -> list[str]:
    """Write a Plotly figure as self-contained HTML (always) and as PNG (where kaleido works);
    returns what happened, in words."""
    fig.write_html(html, include_plotlyjs=True, full_html=True)  # offline: plotly.js inlined
    done = [f"wrote {html.relative_to(ROOT)}"]
    try:
        png.parent.mkdir(exist_ok=True)
        fig.write_image(png, scale=2)
        done.append(f"wrote {png.relative_to(ROOT)}")
    except Exception as exc:  # noqa: BLE001  (no kaleido, or no browser for it: the HTML is enough)
        done.append(f"no PNG ({type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''})")
    return done


def rows_main(run, argv: list[str] | None = None, *, arguments: tuple = (), options=None) -> int:
    """The one ``main`` of a benchmark of rows: ``python -m bench.<name> [--quick]`` prints the
    Markdown table of ``run(quick, **options(args))`` (``python -m aecore bench`` writes the rows to
    BENCHMARKS.md); ``arguments`` are ``(flags, options)`` pairs for argparse."""
    parser = argparse.ArgumentParser(description="Print this benchmark's rows.")
    parser.add_argument("--quick", action="store_true", help="the subset `python -m aecore bench --quick` runs")
    for flags, settings in arguments:
        parser.add_argument(*flags, **settings)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    print(table(run(quick=args.quick, **(options(args) if options else {}))))
    return 0
