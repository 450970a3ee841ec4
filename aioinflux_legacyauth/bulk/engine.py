"""The worker pool that runs a bulk job: bounded, in input order, one result per item.

Workers pull items from one shared iterator, so memory grows with the concurrency, not
with the number of items (one task per item costs ~4 KiB each; reliability-perf.md 2.2).
A job is any :data:`Handler`: an async function from an input item to its
:class:`ItemResult`. The client's bulk methods, rotation and the demo all run here.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sized,
)
from typing import Any, Concatenate, Final, ParamSpec

import attrs

from .._errors import ForbiddenError, UnauthorizedError
from .._models import LegacyAuthorization
from .._tracing import TraceSpanLike, current_instrumentation
from .report import BulkReport, ItemResult, Outcome, unexpected_result

__all__ = [
    "Handler",
    "Later",
    "ProgressCallback",
    "ResultCallback",
    "check_concurrency",
    "describe_key",
    "item_key",
    "run_bulk",
    "stops_batch",
]


class Later:
    """What a handler returns for an item whose last step waits on something shared (a
    rotation's publishing, done in batches): the worker goes on with the next item, and
    the item counts as done, and is reported, when ``finish()`` has returned its result.

    ``finish`` is only called by the engine, so a job cut short leaves nothing unawaited.
    """

    __slots__ = ("finish",)

    def __init__(self, finish: Callable[[], Awaitable[ItemResult]]) -> None:
        self.finish = finish


#: Does one item's work, turning every failure it knows into the item's result (or a
#: :class:`Later` one). Anything else it raises (a bug, say) becomes an ``unknown`` result
#: too, unless it is one of the job's ``fatal`` exceptions, which stop the whole job.
Handler = Callable[[Any], Awaitable["ItemResult | Later"]]
#: ``on_result(result)``, called as each item finishes; it may be async.
ResultCallback = Callable[[ItemResult], object]
#: ``on_progress(done, total)``; ``total`` is None for iterators; it may be async.
ProgressCallback = Callable[[int, int | None], object]


def item_key(item: object) -> str | None:
    """The authorization ID an input item names, or None if it names none."""
    if isinstance(item, LegacyAuthorization):
        return item.id
    if isinstance(item, str) and item.strip():
        return item
    return None


def describe_key(item: object) -> str:
    """A key for the report even when the item is malformed (a pair: its first half)."""
    key = item_key(item)
    if key is not None:
        return key
    if isinstance(item, tuple) and item:
        return describe_key(item[0])
    return repr(item) if isinstance(item, str | int) else f"<{type(item).__name__}>"


def check_concurrency(concurrency: object) -> None:
    """Refuse a concurrency that is not a positive integer."""
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        msg = f"concurrency must be a positive integer, got {concurrency!r}"
        raise ValueError(msg)


def stops_batch(result: ItemResult, *, fail_fast: bool) -> bool:
    """401/403 stop every batch (each further item would fail the same way); fail_fast
    stops at the first item that failed for good."""
    if isinstance(result.error, UnauthorizedError | ForbiddenError):
        return True
    return fail_fast and result.outcome in (Outcome.FAILED, Outcome.NOT_FOUND)


async def _call_back(callback: Callable[..., object] | None, *args: object) -> None:
    if callback is None:
        return
    returned = callback(*args)
    if inspect.isawaitable(returned):
        await returned


class _Source:
    """One iterator shared by all workers; numbers items and reserves their result slots."""

    def __init__(self, items: Iterable[Any] | AsyncIterable[Any]) -> None:
        self._sync: Iterator[Any] | None = None
        self._async: AsyncIterator[Any] | None = None
        if isinstance(items, AsyncIterable):
            self._async = aiter(items)
        else:
            self._sync = iter(items)
        # An async generator cannot be advanced by two workers at once.
        self._lock = asyncio.Lock()
        #: One slot per item claimed so far, filled in as items finish.
        self.results: list[ItemResult | None] = []

    @property
    def is_sync(self) -> bool:
        """Whether :meth:`take` can be used instead of awaiting :meth:`next`."""
        return self._sync is not None

    def take(self) -> tuple[int, Any] | None:
        """:meth:`next` for a plain iterable, without a coroutine per item."""
        assert self._sync is not None  # noqa: S101 - callers check is_sync
        try:
            item = next(self._sync)
        except StopIteration:
            return None
        results = self.results
        results.append(None)
        return len(results) - 1, item

    async def next(self) -> tuple[int, Any] | None:
        """The next item and its input position, or None when the input is exhausted."""
        if self._sync is not None:
            return self.take()
        assert self._async is not None  # noqa: S101 - one of the two is always set
        async with self._lock:
            try:
                item = await anext(self._async)
            except StopAsyncIteration:
                return None
            self.results.append(None)
            return len(self.results) - 1, item

    def collect(self, done: int) -> tuple[ItemResult, ...]:
        """The results in input order, emptying the list (``done``: how many were filled)."""
        if done == len(self.results):  # every slot filled: one exact copy, no filtering
            results: tuple[ItemResult, ...] = tuple(self.results)  # type: ignore[arg-type]
        else:
            results = tuple(result for result in self.results if result is not None)
        self.results.clear()  # at 100,000 items the list alone is 800 kB
        return results


_P = ParamSpec("_P")
_Run = Callable[Concatenate[Any, Handler, _P], Awaitable[BulkReport]]


def _traced(run: _Run[_P]) -> _Run[_P]:
    """With an instrumentation installed, the job gets a span and each item a child of it.

    Without one this costs a global lookup per job, none per item.
    """

    @functools.wraps(run)
    async def traced(
        items: Any, handle: Handler, /, *args: _P.args, **kwargs: _P.kwargs
    ) -> BulkReport:
        instrumentation = current_instrumentation()
        if instrumentation is None:
            return await run(items, handle, *args, **kwargs)
        options: dict[str, Any] = kwargs
        job = instrumentation.bulk_job(
            str(options["op"]),
            concurrency=int(options["concurrency"]),
            dry_run=bool(options.get("dry_run", False)),
        )
        try:
            report = await run(items, job.item_handler(handle), *args, **kwargs)
        except BaseException as error:
            job.finish(None, error)
            raise
        job.finish(report, None)
        if report.trace_span is None and (span := job.trace_span()) is not None:
            report = attrs.evolve(report, trace_span=span)
        return report

    return traced


@_traced
async def run_bulk(  # noqa: PLR0915 - its parts are small closures over one state
    items: Iterable[Any] | AsyncIterable[Any],
    handle: Handler,
    *,
    op: str,
    concurrency: int,
    fail_fast: bool,
    on_result: ResultCallback | None,
    on_progress: ProgressCallback | None,
    dry_run: bool = False,
    trace_span: TraceSpanLike | None = None,
    describe: Callable[[object], str] = describe_key,
    fatal: tuple[type[Exception], ...] = (),
    on_drained: Callable[[], object] | None = None,
) -> BulkReport:
    """Run ``handle`` on every item with at most ``concurrency`` in flight.

    ``describe(item)`` names an item in the report when the job did not give a result
    for it (cancelled, skipped, or raised); it must not repeat a secret the item may hold.

    An exception ``handle`` raises becomes that item's ``unknown`` result (see
    :func:`unexpected_result`), so the report always has every item and ``on_result``
    sees each one exactly once; only the ``fatal`` exceptions (the job's own, such as a
    journal that cannot be written) and a failing callback cancel the batch and
    propagate (the library's own bulk calls wrap their callbacks in
    :class:`~aioinflux_legacyauth.bulk.callbacks.CallbackGuard`, so that a failing one
    lets the items under way finish instead). Cancelling the call cancels the workers;
    an item cut off mid-request is reported to ``on_result`` as ``unknown`` before the
    cancellation propagates. After a
    401/403 (or, with ``fail_fast``, any item that failed for good) no new item starts;
    those never started are reported ``skipped``. An item whose handler returns a
    :class:`Later` frees its worker at once and is reported when it finishes.

    ``on_drained()`` is called once no new item will start, the items under way left to
    finish: the input is exhausted, or the batch stopped (not when it is cancelled).
    """
    check_concurrency(concurrency)
    started = time.monotonic()
    total = len(items) if isinstance(items, Sized) else None
    source = _Source(items)
    stopped, done = False, 0
    notify = on_result is not None or on_progress is not None
    is_sync = source.is_sync
    #: Later parts handed to a task that has not taken its first step yet (see cut_short).
    unbegun: dict[int, tuple[Any, Later]] = {}

    def settle(index: int, result: ItemResult) -> None:
        nonlocal done, stopped
        source.results[index] = result
        done += 1
        # A result without an error can only stop a fail_fast batch.
        if (fail_fast or result.error is not None) and stops_batch(result, fail_fast=fail_fast):
            stopped = True

    async def record(index: int, result: ItemResult) -> None:
        settle(index, result)
        await _call_back(on_result, result)
        await _call_back(on_progress, done, total)

    def drained() -> None:
        nonlocal on_drained
        if on_drained is not None:
            drained_callback, on_drained = on_drained, None
            drained_callback()

    async def worker() -> None:
        while not stopped:
            # A plain iterable is read without a coroutine per item, and without callbacks
            # no coroutine records the result either.
            claimed = source.take() if is_sync else await source.next()
            if claimed is None:
                break
            index, item = claimed
            try:
                result = await handle(item)
            except asyncio.CancelledError:
                source.results[index] = cut = _unfinished(describe(item), op, Outcome.UNKNOWN)
                await _call_back(on_result, cut)
                raise
            except fatal:
                raise
            except Exception as error:  # a bug, or an answer no rule foresaw: this item only
                result = unexpected_result(describe(item), op, error)
            if isinstance(result, Later):
                unbegun[index] = (item, result)
                group.create_task(finish_later(index, item, result))
            elif notify:
                await record(index, result)
            else:
                settle(index, result)
            # Let the other tasks run before the next item: a job whose items finish without
            # waiting (refused locally, done by an earlier run, a mock transport) never holds
            # the event loop for more than one item; and the answers that arrived together
            # are all finished before the next requests go out, so those go out together
            # (a request sent alone wakes an idle local server, which the client's send pays
            # for: about 5 µs of client CPU per DELETE in `python -m benchmarks`, against
            # about 1 µs for the yield).
            await asyncio.sleep(0)
        drained()  # the first worker to leave: no item starts after this

    async def finish_later(index: int, item: Any, later: Later) -> None:
        # The worker's rules, for the part of an item that was left for later.
        del unbegun[index]
        try:
            result = await later.finish()
        except asyncio.CancelledError:
            source.results[index] = cut = _unfinished(describe(item), op, Outcome.UNKNOWN)
            await _call_back(on_result, cut)
            raise
        except fatal:
            raise
        except Exception as error:
            result = unexpected_result(describe(item), op, error)
        await record(index, result)

    async def cut_short() -> None:
        # A task cancelled before its first step never runs its coroutine, so a later part
        # the batch's cancellation caught just after it was handed over would go unreported
        # (and whatever it does when cut off, such as ending its item's span, undone). Each
        # runs now instead, cancelled at its first wait, as it would have been one step on.
        async def cancelled_at_first_wait(index: int, item: Any, later: Later) -> None:
            task = asyncio.current_task()
            assert task is not None  # noqa: S101 - a coroutine run by a task
            task.cancel()
            await finish_later(index, item, later)

        # A copy: under an eager task factory (3.12+) a task's first step, which removes
        # its entry, runs inside create_task.
        left = list(unbegun.items())
        cut = [asyncio.create_task(cancelled_at_first_wait(i, *part)) for i, part in left]
        try:
            # Not waited for in gather at once: cancelled again there (a second Ctrl-C), it
            # would cancel them before their first step, the same loss once more. A bare
            # yield has nothing to cancel, and the loop runs their first steps, scheduled
            # first, before it resumes this task, however often it is cancelled meanwhile.
            await asyncio.sleep(0)
        finally:
            await asyncio.gather(*cut, return_exceptions=True)

    group = asyncio.TaskGroup()
    try:
        async with group:
            for _ in range(concurrency):
                group.create_task(worker())
    except BaseExceptionGroup as group_error:
        # Surface the one real failure (a callback's or a bug's), not a wrapper around it.
        raise group_error.exceptions[0] from None
    finally:
        if unbegun:  # only when the batch was cut off (see cut_short)
            await cut_short()
    # Items never claimed after the batch stopped are reported as skipped, in order.
    while stopped and (claimed := await source.next()) is not None:
        index, item = claimed
        await record(index, _unfinished(describe(item), op, Outcome.SKIPPED))
        if index % _SKIPPED_PER_TURN == 0:
            await asyncio.sleep(0)  # a long tail must not hold the event loop either
    return BulkReport(
        op=op,
        results=source.collect(done),
        elapsed=time.monotonic() - started,
        dry_run=dry_run,
        trace_span=trace_span,
    )


#: Skipped items reported between two turns of the event loop: a turn per item doubled the
#: cost of reporting them (100,000 after a 401: 0.31 s -> 0.68 s); with 64, other tasks
#: wait well under a millisecond and the cost is within the noise (0.31-0.35 s both ways).
_SKIPPED_PER_TURN: Final = 64

_UNFINISHED: Final = {
    Outcome.UNKNOWN: "cancelled while the request was in flight",
    Outcome.SKIPPED: "not started: the batch stopped after an earlier failure",
}


def _unfinished(key: str, op: str, outcome: Outcome) -> ItemResult:
    """The result of an item cut off by cancellation, or never started."""
    return ItemResult(key=key, op=op, outcome=outcome, message=_UNFINISHED[outcome])
