"""What a bulk call returns: one :class:`ItemResult` per item, gathered in a :class:`BulkReport`.

Each item ends in exactly one :class:`Outcome`; a request that may have reached the server
without an answer is ``unknown``, never ``failed``.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Self

import attrs

from .._errors import APIError, LegacyAuthError, NotFoundError, ResponseDecodeError, TransportError
from .._retry import AttemptLog
from .._tracing import TraceSpanLike

__all__ = [
    "SUCCESSFUL",
    "BulkError",
    "BulkReport",
    "ItemResult",
    "Outcome",
    "format_counts",
    "ok_result",
    "result_from_error",
    "shared_head",
    "unexpected_result",
    "with_message",
]


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
    #: Sent, but no answer (or none that could be read) came back: it may or may not
    #: have been applied.
    UNKNOWN = "unknown"
    #: Never started (``fail_fast``, a 401/403 that stopped the batch).
    SKIPPED = "skipped"


#: Outcomes after which the item is in the requested state (their values match too).
SUCCESSFUL: Final = frozenset({Outcome.OK, Outcome.ALREADY_DONE})


#: (op, outcome, status, attempts) tuples shared by the results that have the same ones.
_SHARED_HEADS: dict[tuple[object, ...], tuple[Any, ...]] = {}
_SHARED_HEADS_LIMIT: Final = 4096
_HEAD_TYPES: Final = (str, Outcome, int, int)


def shared_head(op: str, outcome: Outcome, status: int | None, attempts: int) -> tuple[Any, ...]:
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
    (64 bytes a result instead of 112, key and ``elapsed`` aside). Measured with
    ``benchmarks/memory.py``: as a plain slotted attrs class, 100,000 items take 21.8 MB
    more than 10,000, over the 20 MB the project holds bulk jobs to; laid out so, 17.4 MB.
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
        _set_head(self, shared_head(op, outcome, status, attempts))
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


def ok_result(key: str, head: tuple[Any, ...], elapsed: float) -> ItemResult:
    """A result without code, message or error, from a head made by :func:`shared_head`."""
    result = _new_result(ItemResult)
    _set_key(result, key)
    _set_elapsed(result, elapsed)
    _set_head(result, head)
    _set_detail(result, None)
    return result


_new_result: Final = object.__new__


def with_message(result: ItemResult, message: str, *, outcome: Outcome | None = None) -> ItemResult:
    """``result`` with another message (and, if given, another outcome)."""
    return ItemResult(
        key=result.key,
        op=result.op,
        outcome=outcome or result.outcome,
        status=result.status,
        code=result.code,
        message=message,
        attempts=result.attempts,
        elapsed=result.elapsed,
        error=result.error,
    )


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
    elif isinstance(error, ResponseDecodeError) and error.method != "GET":
        # The server said yes to a change, in an answer that could not be read.
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


def unexpected_result(
    key: str, op: str, error: Exception, log: AttemptLog | None = None
) -> ItemResult:
    """The result of an item whose job raised something no rule foresaw (a bug, say).

    ``unknown`` when a request may have been applied: some attempt was made, or ``log``
    is None (the caller cannot tell); ``failed`` when nothing was sent. The message names
    the exception's type only (its text may repeat anything); ``error`` keeps it.
    """
    sent = log is None or log.attempts > 0
    if sent:
        outcome = Outcome.UNKNOWN
        consequence = "it may or may not have been applied"
    else:
        outcome = Outcome.FAILED
        consequence = "nothing was sent"
    return ItemResult(
        key=key,
        op=op,
        outcome=outcome,
        message=f"unexpected {type(error).__name__} while handling the item; {consequence}",
        attempts=log.attempts if log is not None else 0,
        elapsed=log.elapsed if log is not None else 0.0,
        error=error,
    )


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
        errors: list[Exception] = [r.error for r in failures if r.error is not None]
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

    def __reduce__(self) -> tuple[Any, ...]:
        return (BulkError, (self.message, list(self.exceptions), self.report), self.__dict__)
