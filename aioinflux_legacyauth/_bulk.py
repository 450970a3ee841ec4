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
    Mapping,
    Sized,
)
from typing import TYPE_CHECKING, Any, Final, Protocol, Self, TypeVar

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
    from ._client import LegacyAuthClient
    from ._retry import RetryPolicy
    from ._transports.aiohttp import TimeoutLike

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


#: (op, outcome, status, attempts) tuples shared by the results that have the same ones.
_SHARED_HEADS: dict[tuple[object, ...], tuple[Any, ...]] = {}
_SHARED_HEADS_LIMIT: Final = 4096
_HEAD_TYPES: Final = (str, Outcome, int, int)


def _shared_head(op: str, outcome: Outcome, status: int | None, attempts: int) -> tuple[Any, ...]:
    """The one tuple for these four values, so 100,000 results hold a handful of them.

    Only exact types are shared: ``"ok"`` and ``Outcome.OK`` are equal, yet each result
    must give back the object it was made with.
    """
    head = (op, outcome, status, attempts)
    if (
        type(op) is str
        and type(outcome) is Outcome
        and (status is None or type(status) is int)
        and type(attempts) is int
    ):
        shared = _SHARED_HEADS.get(head)
        if shared is not None:
            return shared
        if len(_SHARED_HEADS) < _SHARED_HEADS_LIMIT:
            _SHARED_HEADS[head] = head
    return head


@attrs.frozen(
    slots=False,  # the class declares its own, smaller, slots below
    init=False,
    kw_only=True,
    these={
        "key": attrs.field(),
        "op": attrs.field(),
        "outcome": attrs.field(),
        "status": attrs.field(default=None),
        "code": attrs.field(default=None),
        "message": attrs.field(default=None),
        "attempts": attrs.field(default=0),
        "elapsed": attrs.field(default=0.0),
        #: The exception behind a non-ok outcome, for callers that want to inspect it.
        "error": attrs.field(default=None, repr=False, eq=False),
    },
)
class ItemResult:
    """The outcome of one item. ``message`` is the server's or ours, never a secret.

    A frozen attrs class with the attributes ``key``, ``op``, ``outcome``, ``status``,
    ``code``, ``message``, ``attempts``, ``elapsed`` and ``error`` (plus ``ok``). A report
    keeps one per item, so it is laid out small: the four values most results share live in
    one shared tuple, the three only failures have in another, and the attributes read them
    (64 bytes a result instead of 112, key and ``elapsed`` aside).
    """

    __slots__ = ("_detail", "_head", "elapsed", "key")

    key: str
    elapsed: float
    _head: tuple[Any, ...]  # (op, outcome, status, attempts), shared
    _detail: tuple[Any, ...] | None  # (code, message, error), None when all are None

    def __init__(
        self,
        *,
        key: str,
        op: str,
        outcome: Outcome,
        status: int | None = None,
        code: str | None = None,
        message: str | None = None,
        attempts: int = 0,
        elapsed: float = 0.0,
        error: Exception | None = None,
    ) -> None:
        _set_key(self, key)
        _set_elapsed(self, elapsed)
        _set_head(self, _shared_head(op, outcome, status, attempts))
        detail = None
        if code is not None or message is not None or error is not None:
            detail = (code, message, error)
        _set_detail(self, detail)

    @property
    def op(self) -> str:
        """The operation: ``update``, ``delete`` or ``set_password``."""
        op: str = self._head[0]
        return op

    @property
    def outcome(self) -> Outcome:
        """What happened to the item."""
        outcome: Outcome = self._head[1]
        return outcome

    @property
    def status(self) -> int | None:
        """The HTTP status of the last answer, if there was one."""
        status: int | None = self._head[2]
        return status

    @property
    def attempts(self) -> int:
        """Requests sent for the item, retries included."""
        attempts: int = self._head[3]
        return attempts

    @property
    def code(self) -> str | None:
        """The InfluxDB error code, if the server sent one."""
        return None if self._detail is None else self._detail[0]

    @property
    def message(self) -> str | None:
        """The server's message, or ours."""
        return None if self._detail is None else self._detail[1]

    @property
    def error(self) -> Exception | None:
        """The exception behind a non-ok outcome, for callers that want to inspect it."""
        return None if self._detail is None else self._detail[2]

    @property
    def ok(self) -> bool:
        """Whether the item ended in the requested state."""
        return self._head[1] in SUCCESSFUL

    def __reduce__(self) -> tuple[Any, ...]:
        # Default pickling would restore the slots through the frozen __setattr__.
        detail = self._detail or (None, None, None)
        return (_rebuild_item_result, (self.key, *self._head, *detail, self.elapsed))


# The slot descriptors write through frozenness, as an attrs __init__ does.
_slots: Final = vars(ItemResult)
_set_key: Final[Callable[[ItemResult, str], None]] = _slots["key"].__set__
_set_elapsed: Final[Callable[[ItemResult, float], None]] = _slots["elapsed"].__set__
_set_head: Final[Callable[[ItemResult, tuple[Any, ...]], None]] = _slots["_head"].__set__
_set_detail: Final[Callable[[ItemResult, tuple[Any, ...] | None], None]] = _slots["_detail"].__set__


#: The order in which ItemResult.__reduce__ lists the attributes.
_PICKLED: Final = ("key", "op", "outcome", "status", "attempts", "code", "message", "error")


def _rebuild_item_result(*values: Any) -> ItemResult:
    """Unpickle an :class:`ItemResult` made by its ``__reduce__``."""
    *named, elapsed = values
    return ItemResult(**dict(zip(_PICKLED, named, strict=True)), elapsed=elapsed)


def _ok_result(key: str, head: tuple[Any, ...], elapsed: float) -> ItemResult:
    """A result without code, message or error, from a head made by :func:`_shared_head`."""
    result = _new_result(ItemResult)
    _set_key(result, key)
    _set_elapsed(result, elapsed)
    _set_head(result, head)
    _set_detail(result, None)
    return result


_new_result: Final = object.__new__


def format_counts(counts: Mapping[Any, int]) -> str:
    """``"3 ok, 1 not_found"``: the outcomes that occurred, with how often."""
    return ", ".join(f"{count} {outcome}" for outcome, count in counts.items() if count)


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
        counts = format_counts(self.counts)
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
            return self._claim(item)

    def collect(self, done: int) -> tuple[ItemResult, ...]:
        """The results in input order, emptying the list (``done``: how many were filled)."""
        if done == len(self.results):  # every slot filled: one exact copy, no filtering
            results: tuple[ItemResult, ...] = tuple(self.results)  # type: ignore[arg-type]
        else:
            results = tuple(result for result in self.results if result is not None)
        self.results.clear()  # at 100,000 items the list alone is 800 kB
        return results

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
    stopped, done = False, 0

    notify = on_result is not None or on_progress is not None
    is_sync = source.is_sync
    steps: _ItemSteps = handle if isinstance(handle, _Steps) else _WholeHandler(handle)

    def settle(index: int, result: ItemResult) -> None:
        nonlocal done, stopped
        source.results[index] = result
        done += 1
        # A result without code, message and error can only stop a fail_fast batch.
        if (fail_fast or result._detail is not None) and stops_batch(result, fail_fast=fail_fast):
            stopped = True

    async def record(index: int, result: ItemResult) -> None:
        settle(index, result)
        await _call_back(on_result, result)
        await _call_back(on_progress, done, total)

    async def worker() -> None:
        while not stopped:
            # A plain iterable is read without a coroutine per item, and without callbacks
            # no coroutine records the result either.
            claimed = source.take() if is_sync else await source.next()
            if claimed is None:
                return
            index, item = claimed
            try:
                # The steps inline, so the worker awaits the client call itself.
                started = steps.start(item)
                if isinstance(started, ItemResult):
                    result = started
                else:
                    key, log, pending = started
                    try:
                        result = steps.finished(key, log, await pending)
                    except LegacyAuthError as error:
                        result = steps.failed(key, log, error)
            except asyncio.CancelledError:
                source.results[index] = cut = _unfinished(item, op, Outcome.UNKNOWN)
                await _call_back(on_result, cut)
                raise
            if notify:
                await record(index, result)
            else:
                settle(index, result)

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
        await record(index, _unfinished(item, op, Outcome.SKIPPED))
    return BulkReport(
        op=op,
        results=source.collect(done),
        elapsed=time.monotonic() - started,
        dry_run=dry_run,
        trace_span=trace_span,
    )


_UNFINISHED: Final = {
    Outcome.UNKNOWN: "cancelled while the request was in flight",
    Outcome.SKIPPED: "not started: the batch stopped after an earlier failure",
}


def _unfinished(item: object, op: str, outcome: Outcome) -> ItemResult:
    """The result of an item cut off by cancellation, or never started."""
    return ItemResult(key=describe_key(item), op=op, outcome=outcome, message=_UNFINISHED[outcome])


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
    timeout: TimeoutLike | None = None
    retry: RetryPolicy | None = None


#: Turns an input item into (key, payload); raises ValueError for a malformed item.
_Split = Callable[[Any], tuple[str, Any]]
#: What one item's work ended with: (outcome, status, message).
_Done = tuple[Outcome, int, str | None]
#: Does one item's work: returns the awaitable of the client call itself (no coroutine
#: of its own: every coroutine between a worker and the socket is crossed each time the
#: request waits), whose result ``interpret`` turns into a :data:`_Done`.
_Act = Callable[[str, Any, TraceSpanLike | None, AttemptLog], Awaitable[Any]]
_Interpret = Callable[[Any], _Done]


def _as_done(done: _Done) -> _Done:
    return done


def _always(done: _Done) -> _Interpret:
    return lambda _: done


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


class _Steps:
    """One bulk operation's work on an item, in the three steps a worker runs inline.

    ``start`` checks the item and makes the client call (without awaiting it); the worker
    awaits that call itself, then ``finished`` or ``failed`` makes the result. Keeping the
    steps apart spares a coroutine per item between the worker and the request: every
    coroutine in that chain is crossed again each time the request waits.
    """

    __slots__ = ("_act", "_describe", "_interpret", "_missing_ok", "_op", "_parent", "_split")

    def __init__(
        self,
        op: str,
        split: _Split,
        act: _Act,
        parent: TraceSpanLike | None,
        *,
        interpret: _Interpret = _as_done,
        describe: Callable[[object], str] = describe_key,
        missing_ok: bool = False,
    ) -> None:
        self._op = op
        self._split = split
        self._act = act
        self._parent = parent
        self._interpret = interpret
        self._describe = describe
        self._missing_ok = missing_ok

    def start(self, item: object) -> ItemResult | tuple[str, AttemptLog, Awaitable[Any]]:
        """The result of an item that ends here, or (key, log, the call to await)."""
        try:
            key, payload = self._split(item)
        except ValueError as bad_item:
            return ItemResult(
                key=self._describe(item),
                op=self._op,
                outcome=Outcome.FAILED,
                message=str(bad_item),
                error=bad_item,
            )
        log = AttemptLog()
        try:
            return key, log, self._act(key, payload, child_span(self._parent), log)
        except LegacyAuthError as error:  # refused before sending, e.g. a weak password
            return self.failed(key, log, error)

    def finished(self, key: str, log: AttemptLog, value: object) -> ItemResult:
        """The result of a call that returned ``value``."""
        outcome, status, message = self._interpret(value)
        if message is None:  # the common case, built without keyword parsing
            return _ok_result(
                key, _shared_head(self._op, outcome, status, log.attempts), log.elapsed
            )
        return ItemResult(
            key=key,
            op=self._op,
            outcome=outcome,
            status=status,
            message=message,
            attempts=log.attempts,
            elapsed=log.elapsed,
        )

    def failed(self, key: str, log: AttemptLog, error: LegacyAuthError) -> ItemResult:
        """The result of a call that raised ``error``."""
        return result_from_error(key, self._op, error, log, missing_ok=self._missing_ok)

    async def __call__(self, item: object) -> ItemResult:
        """The three steps as one :data:`Handler`."""
        started = self.start(item)
        if isinstance(started, ItemResult):
            return started
        key, log, pending = started
        try:
            value = await pending
        except LegacyAuthError as error:
            return self.failed(key, log, error)
        return self.finished(key, log, value)


_handler = _Steps


class _ItemSteps(Protocol):
    """What a worker runs per item: see :class:`_Steps`."""

    def start(self, item: object) -> ItemResult | tuple[str, Any, Awaitable[Any]]: ...

    def finished(self, key: str, log: Any, value: Any) -> ItemResult: ...

    def failed(self, key: str, log: Any, error: LegacyAuthError) -> ItemResult: ...


class _WholeHandler:
    """Any other :data:`Handler`, run through the same three steps in one."""

    __slots__ = ("_handle",)

    def __init__(self, handle: Handler) -> None:
        self._handle = handle

    def start(self, item: object) -> tuple[str, None, Awaitable[ItemResult]]:
        return "", None, self._handle(item)

    def finished(self, key: str, log: None, value: ItemResult) -> ItemResult:
        return value

    def failed(self, key: str, log: None, error: LegacyAuthError) -> ItemResult:
        raise error  # a Handler turns these into results itself: this one is a bug


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


_PATCHED: Final[_Done] = (Outcome.OK, 200, None)
_PASSWORD_SET: Final[_Done] = (Outcome.OK, 204, None)
_DELETED: Final[_Done] = (Outcome.OK, 204, None)
_DELETED_BEFORE: Final[_Done] = (
    Outcome.ALREADY_DONE,
    404,
    "deleted by an earlier attempt whose answer was lost",
)


def _deleted(deleted: bool) -> _Done:
    return _DELETED if deleted else _DELETED_BEFORE


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
    # One message string for all items, not one per item.
    would_change = f"dry run: would set {_describe_change(body)}"

    def patch(
        key: str, _: None, span: TraceSpanLike | None, log: AttemptLog
    ) -> Awaitable[LegacyAuthorization]:
        return client._update(  # the bulk layer is part of the client
            key, body, trace_span=span, timeout=options.timeout, retry=options.retry, log=log
        )

    async def preview(key: str, _: None, span: TraceSpanLike | None, log: AttemptLog) -> _Done:
        current = await client._get(
            key, trace_span=span, timeout=options.timeout, retry=options.retry, log=log
        )
        same_status = body.status is None or current.status == body.status
        same_description = body.description is None or current.description == body.description
        if same_status and same_description:
            return Outcome.ALREADY_DONE, 200, "dry run: nothing to change"
        return Outcome.OK, 200, would_change

    if options.dry_run:
        handle = _handler("update", _split_id, preview, parent)
    else:
        handle = _handler("update", _split_id, patch, parent, interpret=_always(_PATCHED))
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

    def delete(key: str, _: None, span: TraceSpanLike | None, log: AttemptLog) -> Awaitable[bool]:
        return client._delete(
            key, trace_span=span, timeout=options.timeout, retry=options.retry, log=log
        )

    async def preview(key: str, _: None, span: TraceSpanLike | None, log: AttemptLog) -> _Done:
        await client._get(
            key, trace_span=span, timeout=options.timeout, retry=options.retry, log=log
        )
        return Outcome.OK, 200, "dry run: would delete"

    if options.dry_run:
        handle = _handler("delete", _split_id, preview, parent, missing_ok=missing_ok)
    else:
        handle = _handler(
            "delete", _split_id, delete, parent, interpret=_deleted, missing_ok=missing_ok
        )
    return await _run(client, ids, handle, op="delete", parent=parent, options=options)


async def set_passwords(
    client: LegacyAuthClient,
    pairs: Iterable[Any] | AsyncIterable[Any],
    parent: TraceSpanLike | None,
    options: BulkOptions,
) -> BulkReport:
    """Set each pair's password (checked locally first); a dry run checks and GETs only."""

    def set_one(
        key: str, password: str, span: TraceSpanLike | None, log: AttemptLog
    ) -> Awaitable[None]:
        return client._set_password(
            key, password, trace_span=span, timeout=options.timeout, retry=options.retry, log=log
        )

    async def preview(
        key: str, password: str, span: TraceSpanLike | None, log: AttemptLog
    ) -> _Done:
        client.check_password(password)
        await client._get(
            key, trace_span=span, timeout=options.timeout, retry=options.retry, log=log
        )
        return Outcome.OK, 200, "dry run: would set the password"

    if options.dry_run:
        handle = _handler("set_password", _split_password, preview, parent, describe=_password_key)
    else:
        handle = _handler(
            "set_password",
            _split_password,
            set_one,
            parent,
            interpret=_always(_PASSWORD_SET),
            describe=_password_key,
        )
    return await _run(client, pairs, handle, op="set_password", parent=parent, options=options)
