"""A fair, stoppable queue for the server's few slots of long work (training, clustering, large
maps, image decoding). Pure ``threading``: the app wraps it with progress messages.

A slot can never leak, nor be given back early: one ``finally``, which starts right after the
ticket is queued, removes the ticket or releases the slot, and it runs only when the holder's own
work has returned or raised (never on a flag another thread sets). A waiting job wakes every
``poll`` seconds to tell ``on_wait`` its place in the queue; ``on_wait`` may raise (Streamlit raises
there when the person presses Stop, changes a widget or closes the tab), which gives the place up.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from contextlib import contextmanager
from typing import Callable, Hashable, Iterator, Optional

#: Every take and release, at INFO: "job slot taken (2 of 2 in use, 1 waiting)". The app prints
#: them to stderr when AECORE_LOG_JOBS=1 (:func:`aecore_app.caches.job_slots`); benchmarks parse them.
JOBS_LOGGER = "autoencoder_lab.jobs"
_LOG = logging.getLogger(JOBS_LOGGER)


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
        #: The most slots ever held at once: never above ``size``.
        self.peak_in_use = 0
        self._in_use = 0
        self._queue: deque = deque()
        self._condition = threading.Condition()
        # One ticket per slot held now, naming its thread and owner. A ticket is removed in the
        # same ``finally`` that releases its slot, so "this thread holds a slot" cannot outlive
        # the work (a thread-local flag could: Streamlit may run a later script in that thread).
        self._holders: list = []

    @property
    def in_use(self) -> int:
        return self._in_use

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def holds(self, owner) -> bool:
        """Whether ``owner`` (e.g. a session id) holds a slot now, from any thread."""
        with self._condition:
            return owner is not None and any(held.owner == owner for held in self._holders)

    def held_by_this_thread(self) -> bool:
        """Whether the calling thread is inside one of this pool's slots now."""
        with self._condition:
            me = threading.current_thread()
            return any(held.thread is me for held in self._holders)

    def _next_ticket(self):
        """The first queued ticket whose owner holds no slot from another thread (the next to be
        served); the owner's own holding thread may take a second slot, never wait for itself."""
        for ticket in self._queue:
            if ticket.owner is None or not any(held.owner == ticket.owner and held.thread is not ticket.thread
                                               for held in self._holders):
                return ticket
        return None

    def _log(self, event: str) -> None:
        # Under the condition's lock, so the lines come in the order the counts changed.
        _LOG.info("job slot %s (%d of %d in use, %d waiting)", event, self._in_use, self.size,
                  len(self._queue))

    @contextmanager
    def slot(self, on_wait: Optional[Callable[[int], None]] = None, poll: float = 0.25,
             owner: Hashable = None) -> Iterator[None]:
        """Hold one slot for the ``with`` block; while queued, call ``on_wait(position)``
        (1 = next) at least every ``poll`` seconds.

        ``owner`` (a session id; None: nobody in particular) holds one slot at a time: its second
        job waits until the first one's ``with`` block has ended, however long that takes (a
        stopped script unwinds only at its next Streamlit call), while others' jobs go past it.
        A thread may hold several slots (nested ``slot`` blocks); :func:`aecore_app.session.exclusive`
        runs nested work in the slot its thread holds instead (see :meth:`held_by_this_thread`).
        """
        ticket = _Ticket(owner, threading.current_thread())
        taken = False
        with self._condition:
            self._queue.append(ticket)
        try:
            while True:
                with self._condition:
                    if self._in_use < self.size and self._next_ticket() is ticket:
                        self._queue.remove(ticket)
                        self._in_use += 1
                        taken = True
                        self._holders.append(ticket)
                        self.peak_in_use = max(self.peak_in_use, self._in_use)
                        self._log("taken")
                        break
                    position = self._queue.index(ticket) + 1
                if on_wait is not None:
                    on_wait(position)
                with self._condition:
                    self._condition.wait(poll)
            yield
        finally:
            # One finally for the place in the queue and the slot: it covers the whole time
            # from the ticket being queued to the work returning (or raising).
            with self._condition:
                if taken:
                    self._in_use -= 1
                    self._holders.remove(ticket)
                    self._log("released")
                else:
                    self._queue.remove(ticket)
                self._condition.notify_all()


class _Ticket:
    """A place in the queue, then a slot held (compared by identity): whose, and in which thread."""

    __slots__ = ("owner", "thread")

    def __init__(self, owner, thread: threading.Thread):
        self.owner = owner
        self.thread = thread
