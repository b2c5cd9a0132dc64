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
