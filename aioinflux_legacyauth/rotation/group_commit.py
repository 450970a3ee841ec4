"""Group commit: what is handed in while one commit runs goes out together in the next.

The journal (one write and one fsync for every record appended meanwhile) and the
publisher (one sink call for every credential verified meanwhile) both commit this way.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

_T = TypeVar("_T")


class GroupCommit(Generic[_T]):
    """Commits items in batches through ``commit(items)``, one batch at a time.

    :meth:`submit` returns once the batch holding its item is committed, or raises what
    the commit failed with; a failed commit fails every item waiting with it, and the items
    handed in afterwards start a new batch. ``failure(exc)``, if given, turns what
    ``commit`` raised (cancellation included) into what the waiters raise.
    """

    def __init__(
        self,
        commit: Callable[[Sequence[_T]], Awaitable[None]],
        *,
        failure: Callable[[BaseException], BaseException] | None = None,
        spacing: float = 0.0,
    ) -> None:
        self._commit = commit
        self._failure = failure
        self._queue: list[tuple[_T, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None
        #: After a commit that took d seconds, the next one starts ``spacing * d`` later at
        #: the earliest (until :meth:`hurry`): commits then take at most 1 / (1 + spacing)
        #: of the time, and a commit whose cost grows with what it writes is made less often.
        self._spacing = spacing
        self._not_before = 0.0
        self._hurry = asyncio.Event()

    async def submit(self, item: _T) -> None:
        """Hand ``item`` in; return once it is committed."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((item, waiter))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        await waiter

    async def _run(self) -> None:
        while self._queue:
            wait = self._not_before - time.monotonic()
            if wait > 0 and not self._hurry.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._hurry.wait(), wait)
            batch, self._queue = self._queue, []
            started = time.monotonic()
            try:
                await self._commit([item for item, _ in batch])
            except BaseException as exc:
                error = exc if self._failure is None else self._failure(exc)
                for _, waiter in batch + self._queue:
                    if not waiter.done():
                        waiter.set_exception(error)
                self._queue = []
                if not isinstance(exc, Exception):
                    raise  # cancelled: the task ends cancelled, its waiters told
                return
            for _, waiter in batch:
                if not waiter.done():
                    waiter.set_result(None)
            ended = time.monotonic()
            self._not_before = ended + self._spacing * (ended - started)

    def hurry(self) -> None:
        """Commit what comes from now on as soon as the commit before it has ended."""
        self._hurry.set()

    async def wait(self) -> None:
        """Until everything handed in so far is committed (or failed), without spacing."""
        self.hurry()
        if self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def cancel(self) -> None:
        """Stop committing: whatever is not committed yet is cancelled for its waiters."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        # Left when the task was cancelled before it began: nobody will commit these.
        for _, waiter in self._queue:
            waiter.cancel()
        self._queue = []
