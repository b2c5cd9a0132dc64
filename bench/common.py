"""Shared helpers for benchmark modules: one row format, a timer, the machine description."""

from __future__ import annotations

import os
import platform
import time
from contextlib import contextmanager


def row(group: str, name: str, value: float, *, unit: str = "", baseline: float | None = None,
        baseline_name: str = "", target: str = "", note: str = "") -> dict:
    """One benchmark figure; ``ratio`` is value / baseline when a baseline was measured alongside."""
    ratio = (value / baseline) if baseline not in (None, 0) else None
    return {"group": group, "name": name, "value": float(value), "unit": unit,
            "baseline": None if baseline is None else float(baseline), "baseline_name": baseline_name,
            "ratio": ratio, "target": target, "note": note}


@contextmanager
def timer():
    """``with timer() as t: ...; t()`` gives the elapsed seconds."""
    start = time.perf_counter()
    elapsed = [None]
    yield lambda: elapsed[0] if elapsed[0] is not None else time.perf_counter() - start
    elapsed[0] = time.perf_counter() - start


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


def marked_sections(markdown: str) -> list[str]:
    """The sections other benchmarks wrote into BENCHMARKS.md, each from its
    ``<!-- bench/NAME: begin -->`` to its ``<!-- bench/NAME: end -->`` marker, in their order."""
    import re

    return [m.group(0) for m in re.finditer(r"<!-- (bench/[^:\n]+): begin -->.*?<!-- \1: end -->", markdown, re.S)]


def write_section(path, begin: str, end: str, text: str) -> None:
    """Put ``text`` (which starts with ``begin`` and ends with ``end``) in place of the section
    between those markers in the Markdown file ``path``, or add it at the end."""
    from pathlib import Path

    path = Path(path)
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        path.write_text(head + text + rest.split(end, 1)[1])
    else:
        path.write_text(current.rstrip("\n") + "\n\n" + text + "\n")


def save_report(root, name: str, report: dict, text: str, *, quick: bool, write: bool) -> None:
    """Print a bench's Markdown; unless ``write`` is off, save ``bench/results_<name>[_quick].json``
    and (full runs only) its section of BENCHMARKS.md between ``<!-- bench/<name>.py: begin/end -->``."""
    import json
    from pathlib import Path

    print(text)
    if not write:
        return
    root = Path(root)
    (root / "bench" / f"results_{name}{'_quick' if quick else ''}.json").write_text(json.dumps(report, indent=2))
    if not quick:
        write_section(root / "BENCHMARKS.md", f"<!-- bench/{name}.py: begin -->", f"<!-- bench/{name}.py: end -->",
                      text)
