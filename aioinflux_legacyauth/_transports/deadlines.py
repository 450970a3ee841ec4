"""One timer per transport for the ``total`` and ``read`` timeouts of every attempt in flight.

aiohttp arms and cancels a loop timer per request for its total timeout and another for
each wait for the socket: about a tenth of the client's CPU in a bulk job over a local
network (``python -m benchmarks``). The :class:`DeadlineWatcher` instead records each
attempt's deadlines by its task and keeps a single timer, at the earliest of them. An
attempt that ends before the earliest deadline (the common case: every attempt gets the
same allowance) costs a clock read and a dictionary entry, no timer; the timer fires,
cancels the attempts whose deadline has passed, and is set again at the earliest one left.

How the limits are kept (the tolerance). A deadline is enforced when the event loop runs
the timer, so, like any asyncio timeout, it fires no earlier than its limit and late by as
much as the loop is busy. ``total`` means what it means to aiohttp. ``read`` bounds each
wait for the response: the first wait, for its head and (when the body is declared and at
most :data:`WHOLE_BODY` bytes) its body, is counted from the start of the attempt, with
``connect`` added, because opening a connection is part of it; a longer body is read piece
by piece, each piece giving ``read`` a new allowance. aiohttp counts ``read`` from the moment
the request is written and from every packet, so a stalled answer is noticed here up to
``connect`` seconds later than there, and never earlier.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Final

from . import Timeout

__all__ = ["WHOLE_BODY", "DeadlineWatcher"]

#: A declared body up to this size is read in one piece, in the wait for the head.
WHOLE_BODY: Final = 1 << 20

# The clock of every deadline. The timer is set with call_later, so an event loop whose own
# clock differs (uvloop's) still fires it on time.
_now: Final = time.monotonic

#: Per attempt: (total deadline, read deadline, the task's pending cancellations at start).
_Entry = tuple[float, float, int]
_Task = asyncio.Task[object]


class DeadlineWatcher:
    """The deadlines of every attempt in flight on one transport, and the one timer.

    An attempt is known by its task (a task makes one request at a time):
    :meth:`watch` when it starts, :meth:`timed_out` when it is cancelled, :meth:`forget`
    when it ends, however it ends.
    """

    __slots__ = ("_expired", "_handle", "_inflight", "_loop", "_when")

    def __init__(self) -> None:
        self._inflight: dict[_Task, _Entry] = {}
        #: Tasks this watcher cancelled whose attempt has not seen it yet.
        self._expired: set[_Task] = set()
        self._handle: asyncio.TimerHandle | None = None
        self._when = math.inf
        self._loop: asyncio.AbstractEventLoop | None = None

    def __len__(self) -> int:
        return len(self._inflight)

    def watch(self, timeout: Timeout) -> _Task | None:
        """Start watching the current task's attempt; None when ``timeout`` sets no limit."""
        total, read = timeout.total, timeout.read
        if total is None and read is None:
            return None
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - a coroutine awaited outside any task
            msg = "a request must be sent from an asyncio task"
            raise RuntimeError(msg)
        now = _now()
        total_at = math.inf if total is None else now + total
        read_at = math.inf if read is None else now + read + (timeout.connect or 0.0)
        self._inflight[task] = (total_at, read_at, task.cancelling())
        deadline = total_at if total_at < read_at else read_at
        # A timer armed on an event loop that has ended since never fires: a new loop's
        # first attempt arms one of its own, whatever the old one's time was.
        if deadline < self._when or task.get_loop() is not self._loop:
            self._arm(deadline)
        return task

    def progress(self, task: _Task, timeout: Timeout) -> None:
        """More of the response arrived: ``read`` starts a new allowance."""
        if timeout.read is not None and (entry := self._inflight.get(task)) is not None:
            self._inflight[task] = (entry[0], _now() + timeout.read, entry[2])

    def timed_out(self, task: _Task) -> bool:
        """After a ``CancelledError``: whether it was this watcher's, to become a timeout.

        Like :func:`asyncio.timeout`, it takes back its own cancellation, and says no when
        the task was also cancelled by someone else, whose cancellation goes on.
        """
        if task not in self._expired:
            return False
        self._expired.discard(task)
        return task.uncancel() <= self._inflight[task][2]

    def forget(self, task: _Task | None) -> None:
        """The attempt is over, however it ended."""
        if task is None:
            return
        del self._inflight[task]
        if self._expired and task in self._expired:
            # Cancelled, yet it ended otherwise (an answer, or an error raised instead of
            # the cancellation): the cancellation is taken back, as asyncio.timeout does.
            self._expired.discard(task)
            task.uncancel()

    def close(self) -> None:
        """Stop the timer (the transport is closed)."""
        if self._handle is not None:
            self._handle.cancel()
        self._handle, self._when, self._loop = None, math.inf, None

    def _arm(self, when: float) -> None:
        loop = asyncio.get_running_loop()
        if self._handle is not None:
            self._handle.cancel()
        if loop is not self._loop and self._loop is not None:
            # Used from a new event loop: the old loop's attempts cannot be ended from here.
            self._inflight = {t: e for t, e in self._inflight.items() if t.get_loop() is loop}
            self._expired = {t for t in self._expired if t in self._inflight}
        self._loop = loop
        self._handle = loop.call_later(max(0.0, when - _now()), self._fire)
        self._when = when

    def _fire(self) -> None:
        self._handle, self._when = None, math.inf
        now = _now()
        earliest = math.inf
        for task, (total_at, read_at, _) in self._inflight.items():
            if task in self._expired:
                continue  # cancelled already; forgotten once its attempt has seen it
            deadline = total_at if total_at < read_at else read_at
            if deadline <= now:
                self._expired.add(task)
                task.cancel()
            elif deadline < earliest:
                earliest = deadline
        if earliest < math.inf:
            self._arm(earliest)
