"""Bulk operations: a bounded worker pool, one outcome per item, and the report.

Workers pull items from one shared iterator, so memory grows with the concurrency, not
with the number of items (one task per item costs ~4 KiB each; reliability-perf.md 2.2).
Each item ends in exactly one :class:`Outcome`; a request that may have reached the server
without an answer is ``unknown``, never ``failed``.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import time
from collections import Counter
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sized,
)
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar

import attrs

from ._errors import (
    APIError,
    ForbiddenError,
    LegacyAuthError,
    NotFoundError,
    TransportError,
    UnauthorizedError,
)
from ._models import AuthorizationUpdate, LegacyAuthorization
from ._retry import AttemptLog
from ._tracing import TraceSpanLike, child_span

if TYPE_CHECKING:
    import aiohttp

    from ._client import LegacyAuthClient
    from ._retry import RetryPolicy

__all__ = [
    "BulkError",
    "BulkReport",
    "ItemResult",
    "Outcome",
    "run_bulk",
]

_T = TypeVar("_T")


class Outcome(enum.StrEnum):
    """What happened to one item of a bulk call."""

    #: Done by this call.
    OK = "ok"
    #: Already in the requested state (a delete whose earlier unanswered attempt worked,
    #: a missing item with ``missing_ok=True``, or a dry run finding nothing to change).
    ALREADY_DONE = "already_done"
    #: The authorization does not exist.
    NOT_FOUND = "not_found"
    #: Refused or failed; nothing was changed.
    FAILED = "failed"
    #: Sent, but no answer came back: it may or may not have been applied.
    UNKNOWN = "unknown"
    #: Never started (``fail_fast``, a 401/403 that stopped the batch).
    SKIPPED = "skipped"


#: Outcomes after which the item is in the requested state.
SUCCESSFUL: Final = frozenset({Outcome.OK, Outcome.ALREADY_DONE})


@attrs.frozen(slots=True, kw_only=True)
class ItemResult:
    """The outcome of one item. ``message`` is the server's or ours, never a secret."""

    key: str
    op: str
    outcome: Outcome
    status: int | None = None
    code: str | None = None
    message: str | None = None
    attempts: int = 0
    elapsed: float = 0.0
    #: The exception behind a non-ok outcome, for callers that want to inspect it.
    error: Exception | None = attrs.field(default=None, repr=False, eq=False)

    @property
    def ok(self) -> bool:
        """Whether the item ended in the requested state."""
        return self.outcome in SUCCESSFUL


@attrs.frozen(slots=True, kw_only=True)
class BulkReport:
    """One :class:`ItemResult` per input item, in input order."""

    op: str
    results: tuple[ItemResult, ...]
    elapsed: float
    dry_run: bool = False
    #: The span the items' spans are children of, when the call traced its requests.
    trace_span: TraceSpanLike | None = None

    @property
    def counts(self) -> dict[Outcome, int]:
        """How many items ended in each outcome (every outcome present, zeros included)."""
        tally = Counter(result.outcome for result in self.results)
        return {outcome: tally.get(outcome, 0) for outcome in Outcome}

    def by_outcome(self, *outcomes: Outcome | str) -> tuple[ItemResult, ...]:
        """The results with any of the given outcomes, in input order."""
        wanted = {Outcome(outcome) for outcome in outcomes}
        return tuple(result for result in self.results if result.outcome in wanted)

    @property
    def succeeded(self) -> tuple[ItemResult, ...]:
        """Items that ended in the requested state (``ok`` or ``already_done``)."""
        return tuple(result for result in self.results if result.ok)

    @property
    def unsuccessful(self) -> tuple[ItemResult, ...]:
        """Items that did not: ``not_found``, ``failed``, ``unknown`` or ``skipped``."""
        return tuple(result for result in self.results if not result.ok)

    @property
    def all_ok(self) -> bool:
        """Whether every item ended in the requested state."""
        return all(result.ok for result in self.results)

    def raise_for_failures(self) -> Self:
        """Raise :class:`BulkError` if any item did not succeed; else return the report."""
        failures = self.unsuccessful
        if not failures:
            return self
        errors: list[Exception] = []
        for result in failures:
            if result.error is not None:
                errors.append(result.error)
        if not errors:  # only skipped items, e.g. stopped by a callback's choice
            errors.append(LegacyAuthError(f"{len(failures)} items were not done"))
        counts = ", ".join(f"{count} {name}" for name, count in self.counts.items() if count)
        message = f"{self.op}: {len(failures)} of {len(self.results)} items failed ({counts})"
        raise BulkError(message, errors, self)


class BulkError(ExceptionGroup[Exception], LegacyAuthError):
    """Raised by :meth:`BulkReport.raise_for_failures`; ``.report`` holds every outcome."""

    report: BulkReport

    def __new__(cls, message: str, errors: Iterable[Exception], report: BulkReport) -> BulkError:
        self = super().__new__(cls, message, list(errors))
        self.report = report
        return self

    def __init__(self, message: str, errors: Iterable[Exception], report: BulkReport) -> None:
        super().__init__(message, list(errors))

    def derive(self, excs: Any) -> BulkError:  # type: ignore[override]  # keeps the report
        """Keep the report on groups made by ``split()``/``subgroup()``."""
        return BulkError(self.message, excs, self.report)


#: What a bulk item handler returns: the result, and whether the batch must stop.
Handler = Callable[[Any], Awaitable[ItemResult]]
ResultCallback = Callable[[ItemResult], object]
ProgressCallback = Callable[[int, int | None], object]


def item_key(item: object) -> str | None:
    """The authorization ID an input item names, or None if it names none."""
    if isinstance(item, LegacyAuthorization):
        return item.id
    if isinstance(item, str) and item.strip():
        return item
    return None


def result_from_error(
    key: str, op: str, error: LegacyAuthError, log: AttemptLog, *, missing_ok: bool = False
) -> ItemResult:
    """Classify the error that ended an item."""
    status = error.status if isinstance(error, APIError) else None
    code = error.code if isinstance(error, APIError) else None
    message = error.message if isinstance(error, APIError | TransportError) else str(error)
    if isinstance(error, NotFoundError):
        outcome = Outcome.ALREADY_DONE if missing_ok else Outcome.NOT_FOUND
    elif isinstance(error, TransportError | APIError) and error.retryable and log.ambiguous:
        # Some attempt may have been applied and no later answer says otherwise.
        outcome = Outcome.UNKNOWN
    else:
        outcome = Outcome.FAILED
    return ItemResult(
        key=key,
        op=op,
        outcome=outcome,
        status=status,
        code=code,
        message=message,
        attempts=log.attempts,
        elapsed=log.elapsed,
        error=error,
    )


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

    async def next(self) -> tuple[int, Any] | None:
        """The next item and its input position, or None when the input is exhausted."""
        if self._sync is not None:
            try:
                item = next(self._sync)
            except StopIteration:
                return None
            return self._claim(item)
        assert self._async is not None  # noqa: S101 - one of the two is always set
        async with self._lock:
            try:
                item = await anext(self._async)
            except StopAsyncIteration:
                return None
            return self._claim(item)

    def _claim(self, item: Any) -> tuple[int, Any]:
        self.results.append(None)
        return len(self.results) - 1, item


async def run_bulk(
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
) -> BulkReport:
    """Run ``handle`` on every item with at most ``concurrency`` in flight.

    ``handle`` must turn every :class:`LegacyAuthError` into an :class:`ItemResult`;
    anything else it raises (a bug, a failing callback) cancels the batch and propagates.
    Cancelling the call cancels the workers; an item cut off mid-request is reported to
    ``on_result`` as ``unknown`` before the cancellation propagates.
    """
    check_concurrency(concurrency)
    started = time.monotonic()
    total = len(items) if isinstance(items, Sized) else None
    source = _Source(items)
    stopped = False
    done = 0

    async def record(index: int, result: ItemResult) -> None:
        nonlocal done, stopped
        source.results[index] = result
        done += 1
        if stops_batch(result, fail_fast=fail_fast):
            stopped = True
        await _call_back(on_result, result)
        await _call_back(on_progress, done, total)

    async def worker() -> None:
        while not stopped:
            claimed = await source.next()
            if claimed is None:
                return
            index, item = claimed
            try:
                result = await handle(item)
            except asyncio.CancelledError:
                cut = ItemResult(
                    key=describe_key(item),
                    op=op,
                    outcome=Outcome.UNKNOWN,
                    message="cancelled while the request was in flight",
                )
                source.results[index] = cut
                await _call_back(on_result, cut)
                raise
            await record(index, result)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
    except BaseExceptionGroup as group_error:
        # Surface the one real failure (a callback's or a bug's), not a wrapper around it.
        raise group_error.exceptions[0] from None
    # Items never claimed after the batch stopped are reported as skipped, in order.
    while stopped and (claimed := await source.next()) is not None:
        index, item = claimed
        skipped = ItemResult(
            key=describe_key(item),
            op=op,
            outcome=Outcome.SKIPPED,
            message="not started: the batch stopped after an earlier failure",
        )
        await record(index, skipped)
    return BulkReport(
        op=op,
        results=tuple(result for result in source.results if result is not None),
        elapsed=time.monotonic() - started,
        dry_run=dry_run,
        trace_span=trace_span,
    )


def check_concurrency(concurrency: object) -> None:
    """Refuse a concurrency that is not a positive integer."""
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
        msg = f"concurrency must be a positive integer, got {concurrency!r}"
        raise ValueError(msg)


def describe_key(item: object) -> str:
    """A key for the report even when the item is malformed."""
    key = item_key(item)
    if key is not None:
        return key
    if isinstance(item, tuple) and item:
        return describe_key(item[0])
    return repr(item) if isinstance(item, str | int) else f"<{type(item).__name__}>"


# -- the three bulk operations ------------------------------------------------------------


@attrs.frozen(slots=True, kw_only=True)
class BulkOptions:
    """The settings every bulk call shares."""

    concurrency: int
    fail_fast: bool = False
    dry_run: bool = False
    on_result: ResultCallback | None = None
    on_progress: ProgressCallback | None = None
    timeout: aiohttp.ClientTimeout | None = None
    retry: RetryPolicy | None = None


#: Turns an input item into (key, payload); raises ValueError for a malformed item.
_Split = Callable[[Any], tuple[str, Any]]
#: What one item's work ended with: (outcome, status, message).
_Done = tuple[Outcome, int, str | None]
#: Does one item's work.
_Act = Callable[[str, Any, TraceSpanLike | None, AttemptLog], Awaitable[_Done]]


def _split_id(item: object) -> tuple[str, None]:
    key = item_key(item)
    if key is None:
        msg = (
            "expected an authorization ID (a non-empty string) or a LegacyAuthorization, "
            f"got {type(item).__name__}"
        )
        raise ValueError(msg)
    return key, None


def _split_password(item: object) -> tuple[str, str]:
    if isinstance(item, tuple) and len(item) == 2:
        key = item_key(item[0])
        if key is not None and isinstance(item[1], str):
            return key, item[1]
    # The item may hold a password: the message describes its shape only.
    msg = f"expected an (authorization ID, password) pair of strings, got {type(item).__name__}"
    raise ValueError(msg)


def _password_key(item: object) -> str:
    if isinstance(item, tuple) and item and (key := item_key(item[0])) is not None:
        return key
    return f"<{type(item).__name__}>"


def _handler(
    op: str,
    split: _Split,
    act: _Act,
    parent: TraceSpanLike | None,
    *,
    describe: Callable[[object], str] = describe_key,
    missing_ok: bool = False,
) -> Handler:
    async def handle(item: object) -> ItemResult:
        try:
            key, payload = split(item)
        except ValueError as bad_item:
            return ItemResult(
                key=describe(item),
                op=op,
                outcome=Outcome.FAILED,
                message=str(bad_item),
                error=bad_item,
            )
        log = AttemptLog()
        try:
            outcome, status, message = await act(key, payload, child_span(parent), log)
        except LegacyAuthError as error:
            return result_from_error(key, op, error, log, missing_ok=missing_ok)
        return ItemResult(
            key=key,
            op=op,
            outcome=outcome,
            status=status,
            message=message,
            attempts=log.attempts,
            elapsed=log.elapsed,
        )

    return handle


async def _run(
    client: LegacyAuthClient,
    items: Iterable[Any] | AsyncIterable[Any],
    handle: Handler,
    *,
    op: str,
    parent: TraceSpanLike | None,
    options: BulkOptions,
) -> BulkReport:
    check_concurrency(options.concurrency)
    client._live_transport()  # fail once, up front, on a client not open
    return await run_bulk(
        items,
        handle,
        op=op,
        concurrency=options.concurrency,
        fail_fast=options.fail_fast,
        on_result=options.on_result,
        on_progress=options.on_progress,
        dry_run=options.dry_run,
        trace_span=parent,
    )


def _describe_change(body: AuthorizationUpdate) -> str:
    changes = []
    if body.status is not None:
        changes.append(f"status to {body.status.value}")
    if body.description is not None:
        changes.append(f"description to {body.description!r}")
    return " and ".join(changes)


async def update_many(
    client: LegacyAuthClient,
    ids: Iterable[Any] | AsyncIterable[Any],
    body: AuthorizationUpdate,
    parent: TraceSpanLike | None,
    options: BulkOptions,
) -> BulkReport:
    """PATCH every item with ``body``; in a dry run, GET each and say what would change."""
    change = _describe_change(body)

    async def patch(key: str, _: None, span: TraceSpanLike | None, log: AttemptLog) -> _Done:
        await client._update(  # the bulk layer is part of the client
            key, body, trace_span=span, timeout=options.timeout, retry=options.retry, log=log
        )
        return Outcome.OK, 200, None

    async def preview(key: str, _: None, span: TraceSpanLike | None, log: AttemptLog) -> _Done:
        current = await client._get(
            key, trace_span=span, timeout=options.timeout, retry=options.retry, log=log
        )
        same_status = body.status is None or current.status == body.status
        same_description = body.description is None or current.description == body.description
        if same_status and same_description:
            return Outcome.ALREADY_DONE, 200, "dry run: nothing to change"
        return Outcome.OK, 200, f"dry run: would set {change}"

    act = preview if options.dry_run else patch
    handle = _handler("update", _split_id, act, parent)
    return await _run(client, ids, handle, op="update", parent=parent, options=options)


async def delete_many(
    client: LegacyAuthClient,
    ids: Iterable[Any] | AsyncIterable[Any],
    parent: TraceSpanLike | None,
    options: BulkOptions,
    *,
    missing_ok: bool,
) -> BulkReport:
    """DELETE every item; in a dry run, GET each to say whether it would be deleted."""

    async def delete(key: str, _: None, span: TraceSpanLike | None, log: AttemptLog) -> _Done:
        deleted = await client._delete(
            key, trace_span=span, timeout=options.timeout, retry=options.retry, log=log
        )
        if deleted:
            return Outcome.OK, 204, None
        return Outcome.ALREADY_DONE, 404, "deleted by an earlier attempt whose answer was lost"

    async def preview(key: str, _: None, span: TraceSpanLike | None, log: AttemptLog) -> _Done:
        await client._get(
            key, trace_span=span, timeout=options.timeout, retry=options.retry, log=log
        )
        return Outcome.OK, 200, "dry run: would delete"

    act = preview if options.dry_run else delete
    handle = _handler("delete", _split_id, act, parent, missing_ok=missing_ok)
    return await _run(client, ids, handle, op="delete", parent=parent, options=options)


async def set_passwords(
    client: LegacyAuthClient,
    pairs: Iterable[Any] | AsyncIterable[Any],
    parent: TraceSpanLike | None,
    options: BulkOptions,
) -> BulkReport:
    """Set each pair's password (checked locally first); a dry run checks and GETs only."""

    async def set_one(
        key: str, password: str, span: TraceSpanLike | None, log: AttemptLog
    ) -> _Done:
        await client._set_password(
            key, password, trace_span=span, timeout=options.timeout, retry=options.retry, log=log
        )
        return Outcome.OK, 204, None

    async def preview(
        key: str, password: str, span: TraceSpanLike | None, log: AttemptLog
    ) -> _Done:
        client.check_password(password)
        await client._get(
            key, trace_span=span, timeout=options.timeout, retry=options.retry, log=log
        )
        return Outcome.OK, 200, "dry run: would set the password"

    act = preview if options.dry_run else set_one
    handle = _handler("set_password", _split_password, act, parent, describe=_password_key)
    return await _run(client, pairs, handle, op="set_password", parent=parent, options=options)
