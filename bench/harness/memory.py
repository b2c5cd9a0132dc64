"""Memory readings from /proc: the added peak memory of one call in this process (:class:`PeakMemory`),
and another process (tree)'s resident memory (a server)."""

from __future__ import annotations

import gc
import os
import threading
import time


def status_kb(field: str, pid: int | str = "self") -> int | None:
    """A figure of /proc/<pid>/status in kB (VmRSS now, VmHWM the peak so far); None where there is
    no /proc or no such process (any more)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def settle() -> None:
    """Collect garbage and hand malloc's free memory back, so the next call starts from a low RSS."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def reset_hwm() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM, and ``ru_maxrss`` with it) to the current RSS;
    False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # "5" resets the peak only; other values would clear page flags
    except OSError:
        return False
    return True


class PeakMemory:
    """``with PeakMemory() as peak: call()``; then ``peak.mb`` is the call's added peak resident
    memory in MB (10^6 bytes): the largest VmRSS during the block (read every 10 ms by a daemon
    thread, and the kernel's VmHWM where it could be reset first: it catches what the thread misses
    while C code holds the GIL) minus VmRSS just before, once :func:`settle` ran. ``None`` where
    /proc is missing; ``use_hwm=False``: the sampling thread only."""

    def __init__(self, use_hwm: bool = True):
        self.use_hwm = use_hwm
        self.mb: float | None = None
        self.hwm = False  # whether VmHWM was reset, and so counts
        self._thread = None

    def __enter__(self) -> "PeakMemory":
        settle()
        self._before = self._peak = status_kb("VmRSS")
        if self._before is None:
            return self
        self.hwm = self.use_hwm and reset_hwm()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="peak-memory", daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self._peak = max(self._peak, status_kb("VmRSS") or 0)

    def __exit__(self, *exc) -> bool:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            peak = max(self._peak, status_kb("VmRSS") or 0, (status_kb("VmHWM") or 0) if self.hwm else 0)
            self.mb = (peak - self._before) * 1024 / 1e6
        return False


def children(pid: int) -> list[int]:
    """The direct child processes of ``pid``."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    except (OSError, ValueError):
        pass
    return found


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in kB."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += status_kb("VmRSS", current) or 0
        stack += children(current)
    return total


class RssSampler(threading.Thread):
    """Samples the resident memory of a process (with ``tree``, and its descendants) every
    ``every`` seconds until stopped."""

    def __init__(self, pid: int, every: float = 0.2, tree: bool = False):
        super().__init__(daemon=True, name="rss-sampler")
        self.pid, self.every, self.tree = pid, every, tree
        self.samples: list[tuple[float, int]] = []  # (perf_counter, kB)
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            kb = tree_rss_kb(self.pid) if self.tree else (status_kb("VmRSS", self.pid) or 0)
            self.samples.append((time.perf_counter(), kb))
            self._halt.wait(self.every)

    def max_mb(self, since: float = 0.0, until: float = float("inf")) -> float:
        return max((kb for t, kb in self.samples if since <= t <= until), default=0) / 1024

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)

