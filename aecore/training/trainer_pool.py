"""Compiled models kept between fits, so that a later fit of the same architecture skips tracing.

Keras traces (and, with XLA, compiles) a model's train step the first time that model is fitted:
about 4 s for the 784-512-256-32 dense autoencoder on 2 cores, against ~0.4 s for a whole epoch
afterwards (BENCHMARKS.md, "Training speed, fairly measured"). The traced step belongs to the
model object, so every newly built model pays it again, and the app builds one for every fit
(each Train click, the Family page's members, the seeds' presets).

:func:`lease` hands out an already compiled *trainer* — an ``(autoencoder, encoder, decoder)``
of the same architecture — loaded with the caller's freshly initialised variables (weights and
random-seed states); :func:`aecore.training.monitor.fit_autoencoder` then zeroes its optimizer instead of
compiling again, so a fit through a trainer gives the result a new model would. When the block ends
(also on an exception) the trainer's variables are copied back into the caller's own models and
the trainer goes back to the pool. A trainer is leased to one fit at a time; a concurrent fit of the
same settings builds its own. At most ``MAX_IDLE`` trainers holding at most ``MAX_IDLE_PARAMETERS``
weights stay idle (about 16 bytes a weight with Adam's state), the least recently used dropped first.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from contextlib import contextmanager
from typing import Iterator

from ..models import builders as models

MAX_IDLE = 4
MAX_IDLE_PARAMETERS = 8_000_000

Trio = tuple  # (autoencoder, encoder, decoder)

_lock = threading.Lock()
_idle: "OrderedDict[tuple, list[Trio]]" = OrderedDict()


def fit_key(arch: models.Architecture, *, optimizer: str, loss: str, jit_compile: bool,
            n_rows: int, batch_size: int, max_steps_per_execution: int) -> tuple:
    """Everything a traced train step depends on: the architecture, the compile settings and the
    batch shape (the learning rate is a variable, so it is not part of it)."""
    from .monitor import execution_steps

    batch = int(min(batch_size, n_rows))
    return (arch, str(optimizer), str(loss), bool(jit_compile), batch,
            execution_steps(n_rows, batch, max_steps_per_execution))


def _parameters(trio: Trio) -> int:
    return int(trio[0].count_params())


def _take(key: tuple) -> Trio | None:
    with _lock:
        trainers = _idle.get(key)
        if not trainers:
            return None
        trio = trainers.pop()
        if not trainers:
            del _idle[key]
        return trio


def _give_back(key: tuple, trio: Trio) -> None:
    with _lock:
        _idle.setdefault(key, []).append(trio)
        _idle.move_to_end(key)
        while True:
            count = sum(len(v) for v in _idle.values())
            weights = sum(_parameters(t) for v in _idle.values() for t in v)
            if count <= MAX_IDLE and weights <= MAX_IDLE_PARAMETERS:
                break
            oldest = next(iter(_idle))
            _idle[oldest].pop(0)
            if not _idle[oldest]:
                del _idle[oldest]


def idle_count() -> int:
    """How many compiled trainers wait in the pool."""
    with _lock:
        return sum(len(v) for v in _idle.values())


def clear() -> None:
    """Drop every idle trainer (their memory goes with the next garbage collection)."""
    with _lock:
        _idle.clear()


def _copy_variables(source, target) -> None:
    for src, dst in zip(source.variables, target.variables):
        dst.assign(src.value)


def _same_layout(a, b) -> bool:
    va, vb = a.variables, b.variables
    return len(va) == len(vb) and all(tuple(x.shape) == tuple(y.shape) for x, y in zip(va, vb))


@contextmanager
def lease(arch: models.Architecture, own: Trio, key: tuple) -> Iterator[Trio]:
    """A compiled trainer for ``key`` (see :func:`fit_key`) holding ``own``'s variables; on exit
    ``own`` receives the trainer's variables and the trainer returns to the pool.

    A model too large for the pool is trained as it is (``own`` itself is yielded).
    """
    if _parameters(own) > MAX_IDLE_PARAMETERS:
        yield own
        return
    reused = _take(key)
    trio = reused or models.build(arch)
    loaded = False
    try:
        if not _same_layout(own[0], trio[0]):  # never expected: then train the caller's own model
            yield own
            return
        _copy_variables(own[0], trio[0])
        loaded = True
        yield trio
    finally:
        # Also after an interruption: the caller's models receive what the fit left (its best
        # weights so far), and the trainer is free for the next fit.
        if loaded:
            _copy_variables(trio[0], own[0])
            _give_back(key, trio)
        if reused is None:
            # Tracing and compiling a new trainer leaves ~10^5 new long-lived objects: without a
            # collection now, Python's next full collection (0.2-0.3 s) fell into the first epoch
            # of the next fit. Here it joins the seconds this fit spent compiling.
            gc.collect()
