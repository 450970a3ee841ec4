"""The three bulk operations: each item's call, and what its answer means.

An operation is a :class:`CallJob`: it checks the input item, builds the item's
:class:`~aioinflux_legacyauth._sansio.Call` with the executor's :class:`Calls` (a child
trace span per item), runs it through the executor and turns the answer into an
:class:`ItemResult`. A dry run is the same job with a read instead of the change.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable
from typing import Any, Final

import attrs

from .._errors import LegacyAuthError
from .._executor import Calls, Executor
from .._ids import is_hex_id, match_id, not_an_id, not_an_id_string
from .._models import AuthorizationUpdate, LegacyAuthorization
from .._retry import AttemptLog, RetryPolicy
from .._sansio import Call, RawResponse, Request
from .._tracing import TraceSpanLike, child_spans
from .._transports import Timeout
from .callbacks import CallbackGuard
from .engine import (
    ProgressCallback,
    ResultCallback,
    check_concurrency,
    describe_key,
    item_key,
    run_bulk,
)
from .report import (
    BulkReport,
    ItemResult,
    Outcome,
    ok_result,
    result_from_error,
    shared_head,
    unexpected_result,
)

__all__ = ["BulkOptions", "CallJob", "delete_many", "set_passwords", "update_many"]

Items = Iterable[Any] | AsyncIterable[Any]
#: What one item's call ended with: (outcome, status, message).
Done = tuple[Outcome, int, str | None]
#: Turns an input item into (key, payload); raises ValueError for a malformed item.
Split = Callable[[Any], tuple[str, Any]]
#: Builds one item's call from its key, payload and trace span.
MakeCall = Callable[[Calls, str, Any, TraceSpanLike | None], Call[Any]]


@attrs.frozen(slots=True)
class BulkOptions:
    """The settings every bulk call shares, checked and converted by the client."""

    concurrency: int
    fail_fast: bool = False
    dry_run: bool = False
    on_result: ResultCallback | None = None
    on_progress: ProgressCallback | None = None
    #: The call's span (or header string); each item sends a child of it.
    trace_span: TraceSpanLike | None = None
    timeout: Timeout | None = None
    retry: RetryPolicy | None = None
    #: Seconds the whole of each item's call may take, retries included (None: the client's).
    deadline: float | None = None


class CallJob:
    """One bulk operation as a :data:`~aioinflux_legacyauth.bulk.engine.Handler`.

    ``split`` checks an item; ``change`` is the call that makes the change, as ``(build,
    interpret)``: ``build`` makes an item's call, ``interpret`` reads what it returned.
    A dry run builds ``preview`` instead, a read whose call returns what it reports. An
    error a call raises is classified by :func:`result_from_error`.
    """

    __slots__ = (
        "_calls",
        "_deadline",
        "_describe",
        "_execute",
        "_executor",
        "_first_try",
        "_interpret",
        "_make_call",
        "_missing_ok",
        "_new_span",
        "_op",
        "_options",
        "_parent",
        "_retry",
        "_split",
        "_timeout",
    )

    def __init__(
        self,
        executor: Executor,
        options: BulkOptions,
        *,
        op: str,
        split: Split,
        change: tuple[MakeCall, Callable[[Any], Done]],
        preview: MakeCall,
        describe: Callable[[object], str] = describe_key,
        missing_ok: bool = False,
    ) -> None:
        self._executor = executor
        self._calls = executor.calls
        self._op = op
        self._split = split
        build, interpret = (preview, _as_done) if options.dry_run else change
        self._make_call: MakeCall = build
        self._interpret: Callable[[Any], Done] = interpret
        self._options = options
        # Read once, not per item: what every item's call is run with.
        self._execute = executor.execute
        self._timeout = options.timeout
        self._retry = options.retry
        self._deadline = options.deadline
        self._parent = self._calls.fan_out_parent(options.trace_span)
        self._new_span = child_spans(self._parent)
        #: The last answer that took one attempt, and its results' shared head.
        self._first_try: tuple[Done | None, tuple[Any, ...]] = (None, ())
        self._describe = describe
        self._missing_ok = missing_ok

    async def run(self, items: Items) -> BulkReport:
        """Run the job on every item through the worker pool."""
        options = self._options
        check_concurrency(options.concurrency)
        self._executor.check_open()  # once, up front, rather than failing every item
        guard = CallbackGuard(
            options.on_result, options.on_progress, op=self._op, describe=self._describe
        )
        report = await run_bulk(
            items,
            guard.handler(self),
            op=self._op,
            concurrency=options.concurrency,
            fail_fast=options.fail_fast,
            on_result=guard.on_result,
            on_progress=guard.on_progress,
            dry_run=options.dry_run,
            trace_span=self._parent,
            describe=self._describe,
        )
        guard.check(report)
        return report

    async def __call__(self, item: object) -> ItemResult:
        """The result of one item: checked, sent (with retries), read."""
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
            # A password the policy refuses raises here, before anything is sent.
            call = self._make_call(self._calls, key, payload, self._new_span())
            value = await self._execute(
                call, timeout=self._timeout, retry=self._retry, deadline=self._deadline, log=log
            )
            done = self._interpret(value)
        except LegacyAuthError as error:
            return result_from_error(key, self._op, error, log, missing_ok=self._missing_ok)
        except Exception as error:  # a bug: unknown once an attempt may have been applied
            return unexpected_result(key, self._op, error, log)
        outcome, status, message = done
        if message is None:  # the common case, built without keyword parsing
            if done is self._first_try[0] and log.attempts == 1:  # the most common: reused
                return ok_result(key, self._first_try[1], log.elapsed)
            head = shared_head(self._op, outcome, status, log.attempts)
            if log.attempts == 1:
                self._first_try = (done, head)
            return ok_result(key, head, log.elapsed)
        return ItemResult(
            key=key,
            op=self._op,
            outcome=outcome,
            status=status,
            message=message,
            attempts=log.attempts,
            elapsed=log.elapsed,
        )


# -- items ------------------------------------------------------------------------------


def _split_id(item: object) -> tuple[str, None]:
    if type(item) is str and match_id(item) is not None:  # the common case, first
        return item, None
    key = item_key(item)
    if key is None:
        msg = (
            "expected an authorization ID (a non-empty string) or a LegacyAuthorization, "
            f"got {type(item).__name__}"
        )
        raise ValueError(msg)
    if not_an_id_string(key):
        raise ValueError(not_an_id("the item", key))
    return key, None


def _describe_id(item: object) -> str:
    # A string that is not an ID may be a token or a password: named by its type only.
    key = item_key(item)
    if key is not None and not_an_id_string(key):
        return f"<{type(item).__name__}>"
    return describe_key(item)


def _split_password(item: object) -> tuple[str, str]:
    if isinstance(item, tuple) and len(item) == 2:
        key = item_key(item[0])
        if key is not None and isinstance(item[1], str):
            if is_hex_id(key):
                return key, item[1]
            # The first half may be the password (a swapped pair): say so, never show it.
            msg = (
                "expected an (authorization ID, password) pair: the first is not an "
                "authorization ID (16 hex digits); were the two swapped?"
            )
            raise ValueError(msg)
    # The item may hold a password: the message describes its shape only.
    msg = f"expected an (authorization ID, password) pair of strings, got {type(item).__name__}"
    raise ValueError(msg)


def _describe_pair(item: object) -> str:
    # Only an ID in the first place is shown: anything else may be a password.
    if isinstance(item, tuple) and item and (key := item_key(item[0])) and is_hex_id(key):
        return key
    return f"<{type(item).__name__}>"


# -- what the answers mean --------------------------------------------------------------

_PATCHED: Final[Done] = (Outcome.OK, 200, None)
_PASSWORD_SET: Final[Done] = (Outcome.OK, 204, None)
_DELETED: Final[Done] = (Outcome.OK, 204, None)
_DELETED_BEFORE: Final[Done] = (
    Outcome.ALREADY_DONE,
    404,
    "deleted by an earlier attempt whose answer was lost",
)
_WOULD_DELETE: Final[Done] = (Outcome.OK, 200, "dry run: would delete")
_WOULD_SET_PASSWORD: Final[Done] = (Outcome.OK, 200, "dry run: would set the password")
_NOTHING_TO_CHANGE: Final[Done] = (Outcome.ALREADY_DONE, 200, "dry run: nothing to change")


def _as_done(done: Done) -> Done:
    return done


def _patched(_: None) -> Done:
    return _PATCHED


def _password_set(_: None) -> Done:
    return _PASSWORD_SET


def _reading(
    call: Call[LegacyAuthorization], read: Callable[[LegacyAuthorization], Done]
) -> Call[Done]:
    """``call`` (a GET) with its authorization turned into what a dry run reports."""

    def parse(request: Request, response: RawResponse) -> Done:
        return read(call.parse(request, response))

    return Call(call.request, parse, call.safety)


def _describe_change(body: AuthorizationUpdate) -> str:
    changes = []
    if body.status is not None:
        changes.append(f"status to {body.status.value}")
    if body.description is not None:
        changes.append(f"description to {body.description!r}")
    return " and ".join(changes)


# -- the operations ---------------------------------------------------------------------


async def update_many(
    executor: Executor, ids: Items, body: AuthorizationUpdate, options: BulkOptions
) -> BulkReport:
    """PATCH every item with ``body``; in a dry run, GET each and say what would change."""
    # One message for all items, not one per item.
    would_change: Done = (Outcome.OK, 200, f"dry run: would set {_describe_change(body)}")

    def compare(current: LegacyAuthorization) -> Done:
        same_status = body.status is None or current.status == body.status
        same_description = body.description is None or current.description == body.description
        return _NOTHING_TO_CHANGE if same_status and same_description else would_change

    def patch(calls: Calls, key: str, _: None, span: TraceSpanLike | None) -> Call[Any]:
        # The report says whether each change was made; the authorization the server sends
        # back is not structured for it (a tenth of the client's CPU per item).
        return calls.update_accepted(key, body, span)

    def read(calls: Calls, key: str, _: None, span: TraceSpanLike | None) -> Call[Any]:
        return _reading(calls.get(key, span), compare)

    job = CallJob(
        executor,
        options,
        op="update",
        split=_split_id,
        change=(patch, _patched),
        preview=read,
        describe=_describe_id,
    )
    return await job.run(ids)


async def delete_many(
    executor: Executor, ids: Items, options: BulkOptions, *, missing_ok: bool
) -> BulkReport:
    """DELETE every item; in a dry run, GET each to say whether it would be deleted."""

    def delete(calls: Calls, key: str, _: None, span: TraceSpanLike | None) -> Call[Any]:
        return calls.delete(key, span)

    def read(calls: Calls, key: str, _: None, span: TraceSpanLike | None) -> Call[Any]:
        return _reading(calls.get(key, span), lambda _: _WOULD_DELETE)

    def deleted(by_this_call: bool) -> Done:
        return _DELETED if by_this_call else _DELETED_BEFORE

    job = CallJob(
        executor,
        options,
        op="delete",
        split=_split_id,
        change=(delete, deleted),
        preview=read,
        describe=_describe_id,
        missing_ok=missing_ok,
    )
    return await job.run(ids)


async def set_passwords(executor: Executor, pairs: Items, options: BulkOptions) -> BulkReport:
    """Set each pair's password (checked locally first); a dry run checks and GETs only."""

    def set_one(calls: Calls, key: str, password: str, span: TraceSpanLike | None) -> Call[Any]:
        return calls.set_password(key, password, span)

    def read(calls: Calls, key: str, password: str, span: TraceSpanLike | None) -> Call[Any]:
        calls.check_password(password)
        return _reading(calls.get(key, span), lambda _: _WOULD_SET_PASSWORD)

    job = CallJob(
        executor,
        options,
        op="set_password",
        split=_split_password,
        change=(set_one, _password_set),
        preview=read,
        describe=_describe_pair,
    )
    return await job.run(pairs)
