"""A fair, stoppable queue for the server's few slots of long work (training, clustering, large
maps, image decoding). Pure ``threading``: the app wraps it with progress messages.

A slot can never leak: the ticket is removed in a ``finally`` that starts right after it is queued,
and the slot is released in a ``finally`` that starts right after it is taken, with no code in
between that could raise. A waiting job wakes every ``poll`` seconds to tell ``on_wait`` its place
in the queue; ``on_wait`` may raise (Streamlit raises there when the person presses Stop, changes
a widget or closes the tab), which gives the place up.
"""

from __future__ import annotations

import threading
from collections import deque
from contextlib import contextmanager
from typing import Callable, Iterator, Optional


class SlotPool:
    """At most ``size`` holders at once, served first come, first served.

    Examples
    --------
    >>> pool = SlotPool(1)
    >>> with pool.slot():
    ...     pool.in_use
    1
    >>> pool.in_use, pool.waiting
    (0, 0)
    """

    def __init__(self, size: int):
        if size < 1:
            raise ValueError(f"size={size!r} must be at least 1.")
        self.size = int(size)
        self._in_use = 0
        self._queue: deque = deque()
        self._condition = threading.Condition()

    @property
    def in_use(self) -> int:
        return self._in_use

    @property
    def waiting(self) -> int:
        return len(self._queue)

    @contextmanager
    def slot(self, on_wait: Optional[Callable[[int], None]] = None, poll: float = 0.25) -> Iterator[None]:
        """Hold one slot for the ``with`` block; while queued, call ``on_wait(position)``
        (1 = next) at least every ``poll`` seconds."""
        ticket = object()
        with self._condition:
            self._queue.append(ticket)
        taken = False
        try:
            while True:
                with self._condition:
                    if self._queue[0] is ticket and self._in_use < self.size:
                        self._queue.popleft()
                        self._in_use += 1
                        taken = True
                        break
                    position = self._queue.index(ticket) + 1
                if on_wait is not None:
                    on_wait(position)
                with self._condition:
                    self._condition.wait(poll)
        finally:
            if not taken:
                with self._condition:
                    self._queue.remove(ticket)
                    self._condition.notify_all()
        try:
            yield
        finally:
            with self._condition:
                self._in_use -= 1
                self._condition.notify_all()
