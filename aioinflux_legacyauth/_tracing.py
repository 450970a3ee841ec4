"""``Zap-Trace-Span``: the span type, the contextvar that carries one, and the header.

InfluxDB's zap tracer reads the header as JSON ``{"trace_id","span_id","baggage"}`` with
16-hex-character IDs. A server without ``--tracing-type=log`` ignores it, and no server
ever rejects a request over it or echoes anything back.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import json
import os
import random
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Protocol, Self, TypeVar

import attrs

from ._headers import check_header_value
from ._ids import is_hex_id
from ._models import trusted_constructor

if TYPE_CHECKING:
    from ._retry import AttemptLog
    from ._sansio import Call
    from .bulk.engine import Later
    from .bulk.report import BulkReport, ItemResult

__all__ = [
    "TRACE_HEADER",
    "BulkTrace",
    "Instrumentation",
    "TraceSpan",
    "TraceSpanLike",
    "child_span",
    "current_instrumentation",
    "current_trace_span",
    "fan_out_parent",
    "resolve_trace_span",
    "set_instrumentation",
    "trace_header_value",
    "tracing_turned_off",
    "use_trace_span",
]

_T = TypeVar("_T")

TRACE_HEADER: Final = "Zap-Trace-Span"

_ZERO_ID: Final = "0" * 16


# Span IDs identify, they guard nothing: a pseudo-random generator of our own (as
# OpenTelemetry's SDK uses) instead of a system call per ID, which a bulk job pays per item.
# Seeded from the system, and again in a forked child, which would otherwise repeat the
# parent's IDs; a random.seed() of the application's does not touch it.
_ids: Final = random.Random()  # noqa: S311 - not for secrets
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_ids.seed)


def _new_id() -> str:
    while True:
        candidate = _ids.getrandbits(64)
        if candidate:  # the server treats an all-zero ID as invalid
            return candidate.to_bytes(8, "big").hex()  # 16 lower-case digits, at 0.4x f"{:016x}"


def _check_id(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not is_hex_id(value, lower_only=True) or value == _ZERO_ID:
        msg = (
            f"{attribute.name} must be 16 lower-case hex characters and not all zeros, "
            f"got {value!r}"
        )
        raise ValueError(msg)


def _frozen_baggage(value: Mapping[str, str] | None) -> Mapping[str, str]:
    pairs: Iterable[tuple[object, object]] = dict(value or {}).items()
    for key, item in pairs:
        if not isinstance(key, str) or not isinstance(item, str):
            msg = "TraceSpan baggage must map strings to strings"
            raise TypeError(msg)
    # Read-only: spans are shared between tasks, and the header must not change under them.
    return MappingProxyType(dict(value or {}))


@attrs.frozen(slots=True)
class TraceSpan:
    """A span context in the form InfluxDB's zap tracer reads from ``Zap-Trace-Span``."""

    trace_id: str = attrs.field(validator=_check_id)
    span_id: str = attrs.field(validator=_check_id)
    baggage: Mapping[str, str] = attrs.field(
        factory=dict, converter=_frozen_baggage, eq=False, hash=False
    )

    @classmethod
    def new(cls, baggage: Mapping[str, str] | None = None) -> Self:
        """Start a new trace with random IDs."""
        return cls(_new_id(), _new_id(), _frozen_baggage(baggage))

    def child(self) -> Self:
        """A new span in the same trace, carrying the same baggage."""
        if type(self) is TraceSpan:
            # Every bulk item makes one: skip the checks. The trace ID and the read-only
            # baggage were checked when this span was made, and _new_id() is valid by making.
            return _trusted_span(self.trace_id, _new_id(), self.baggage)  # type: ignore[return-value]
        return type(self)(self.trace_id, _new_id(), self.baggage)

    def __reduce__(self) -> tuple[Any, ...]:
        # The read-only baggage view cannot be pickled; the span is rebuilt from a copy.
        return (type(self), (self.trace_id, self.span_id, dict(self.baggage)))

    def to_header(self) -> str:
        """The header value: compact JSON in the server's key order."""
        # What json.dumps writes for the whole object: the IDs are checked hex, so only the
        # baggage can need escaping.
        head, tail = _header_parts(self)
        return f"{head}{self.span_id}{tail}"

    @classmethod
    def from_header(cls, value: str) -> Self:
        """Parse a header value produced by :meth:`to_header` (or by the influx tooling)."""
        try:
            document = json.loads(value)
        except ValueError as exc:
            msg = "a Zap-Trace-Span value must be a JSON object"
            raise ValueError(msg) from exc
        if not isinstance(document, dict):
            msg = "a Zap-Trace-Span value must be a JSON object"
            raise ValueError(msg)
        trace_id, span_id = document.get("trace_id"), document.get("span_id")
        if not isinstance(trace_id, str) or not isinstance(span_id, str):
            msg = "a Zap-Trace-Span value needs string trace_id and span_id fields"
            raise ValueError(msg)
        baggage = document.get("baggage")
        try:
            return cls(trace_id, span_id, baggage if isinstance(baggage, dict) else None)
        except TypeError as exc:
            msg = f"a Zap-Trace-Span value has unusable baggage: {exc}"
            raise ValueError(msg) from exc


_trusted_span: Final = trusted_constructor(TraceSpan)


def _header_parts(span: TraceSpan) -> tuple[str, str]:
    """A span's header value before and after its span ID."""
    # What json.dumps writes for the whole object: the IDs are checked hex, so only the
    # baggage can need escaping.
    baggage = json.dumps(dict(span.baggage), separators=(",", ":")) if span.baggage else "{}"
    return f'{{"trace_id":"{span.trace_id}","span_id":"', f'","baggage":{baggage}}}'


class _ChildHeader(str):
    """The ``Zap-Trace-Span`` value of a new child of a checked span, made by
    :func:`child_spans`: sent as it is, with no span object made for it."""

    __slots__ = ()


#: What callers may pass as ``trace_span=``: a span, or a header value sent verbatim.
TraceSpanLike = TraceSpan | str


class _Off(enum.Enum):
    """Stored by ``use_trace_span(None)``: tracing is off, even over a client default."""

    OFF = "off"


_current: ContextVar[TraceSpanLike | _Off | None] = ContextVar(
    "aioinflux_legacyauth_trace_span", default=None
)


def _checked(span: object) -> TraceSpanLike | None:
    """Refuse what cannot be sent as a header: wrong types and strings with line breaks."""
    if span is None or isinstance(span, TraceSpan):
        return span
    if not isinstance(span, str):
        msg = f"trace span must be a TraceSpan or a string, got {type(span).__name__}"
        raise TypeError(msg)
    if "\r" in span or "\n" in span:
        msg = "a trace span string must not contain line breaks"
        raise ValueError(msg)
    return check_header_value(TRACE_HEADER, span, what="a trace span string")


def current_trace_span() -> TraceSpanLike | None:
    """The span set by the innermost :func:`use_trace_span`, if any."""
    span = _current.get()
    return None if span is _Off.OFF else span


@contextlib.contextmanager
def use_trace_span(span: TraceSpanLike | None) -> Iterator[TraceSpanLike | None]:
    """Send ``span`` with every request made inside the block, in this task and tasks it starts.

    Tasks copy the context when they are created, so tasks spawned inside the block carry
    the span too. ``None`` turns tracing off inside the block.
    """
    checked = _checked(span)
    token = _current.set(_Off.OFF if checked is None else checked)
    try:
        yield span
    finally:
        _current.reset(token)


def _resolve(
    explicit: TraceSpanLike | None, default: TraceSpanLike | None
) -> TraceSpanLike | _Off | None:
    span = _checked(explicit)
    if span is not None:
        return span
    scoped = _current.get()
    return default if scoped is None else scoped


def resolve_trace_span(
    explicit: TraceSpanLike | None, default: TraceSpanLike | None
) -> TraceSpanLike | None:
    """The span for a call: the call's own, else the context's, else the client default.

    ``use_trace_span(None)`` turns tracing off inside its block, default included.
    """
    span = _resolve(explicit, default)
    return None if span is _Off.OFF else span


def trace_header_value(explicit: TraceSpanLike | None, default: TraceSpanLike | None) -> str | None:
    """The header value for one request (see :func:`resolve_trace_span`)."""
    if type(explicit) is _ChildHeader:  # a bulk item's: made from a checked span
        return explicit
    if type(explicit) is TraceSpan:  # a call's own span always wins: skip the resolution
        return explicit.to_header()
    span = resolve_trace_span(explicit, default)
    if isinstance(span, TraceSpan):
        return span.to_header()
    return span


def fan_out_parent(
    explicit: TraceSpanLike | None, default: TraceSpanLike | None
) -> TraceSpanLike | None:
    """The parent span of a bulk call, whose items each get a child of it.

    A header string in the server's JSON form is parsed so its items can be children; any
    other string is sent verbatim with every item. With no span anywhere, the call starts
    a new trace, so the server's trace log still ties the job's requests together; inside
    ``use_trace_span(None)`` it sends none.
    """
    span = _resolve(explicit, default)
    if span is _Off.OFF:
        return None
    if span is None:
        # An instrumentation gives every item's request the header of its own span.
        return TraceSpan.new() if _instrumentation is None else None
    if isinstance(span, str):
        try:
            return TraceSpan.from_header(span)
        except (TypeError, ValueError):
            return span
    return span


def child_span(parent: TraceSpanLike | None) -> TraceSpanLike | None:
    """A child of ``parent`` for one request of a fan-out; a verbatim string stays as it is."""
    return parent.child() if isinstance(parent, TraceSpan) else parent


def child_spans(parent: TraceSpanLike | None) -> Callable[[], TraceSpanLike | None]:
    """What makes each request of a fan-out its child of ``parent`` (see :func:`child_span`).

    For a :class:`TraceSpan`, each is the child's header value itself, so an item of a bulk
    job makes no span object and formats no JSON; it sends what ``child_span`` would.
    """
    if type(parent) is not TraceSpan:
        return functools.partial(child_span, parent)
    head, tail = _header_parts(parent)

    def child() -> TraceSpanLike:
        return _ChildHeader(f"{head}{_new_id()}{tail}")

    return child


def tracing_turned_off() -> bool:
    """Whether the innermost :func:`use_trace_span` turned the header off."""
    return _current.get() is _Off.OFF


# -- instrumentation hooks ------------------------------------------------------------------
#
# A tracing integration (``aioinflux_legacyauth.contrib.otel``) installs one object with
# :func:`set_instrumentation`. The core only holds it and calls it: it imports nothing of
# the integration, and with none installed each hook costs one global lookup.


class BulkTrace(Protocol):
    """What an instrumentation makes of one bulk or rotation job (see ``run_bulk``)."""

    def item_handler(
        self, handle: Callable[[Any], Awaitable[ItemResult | Later]]
    ) -> Callable[[Any], Awaitable[ItemResult | Later]]:
        """``handle``, running each item inside a child of the job's span."""
        ...

    def trace_span(self) -> TraceSpan | None:
        """The job's span as ``Zap-Trace-Span`` sees it, for the report."""
        ...

    def finish(self, report: BulkReport | None, error: BaseException | None) -> None:
        """End the job's span: with the report's counts, or with the error it raised."""
        ...


class Instrumentation(Protocol):
    """The hooks a tracing integration provides; installed with :func:`set_instrumentation`."""

    def execute(
        self,
        call: Call[_T],
        run: Callable[[Call[_T], AttemptLog], Awaitable[_T]],
        *,
        log: AttemptLog | None,
        url: str,
        prefix: str,
    ) -> Awaitable[_T]:
        """Run ``call`` (or a copy with more headers) with ``run``, inside its span.

        Called by the client's funnel for every request; ``url`` is the client's server
        and ``prefix`` its route prefix, so the span can name the route template.
        """
        ...

    def bulk_job(self, op: str, *, concurrency: int, dry_run: bool) -> BulkTrace:
        """Start the span of one bulk or rotation job."""
        ...


_instrumentation: Instrumentation | None = None


def set_instrumentation(instrumentation: Instrumentation | None) -> Instrumentation | None:
    """Install ``instrumentation`` for every client (None: remove it); returns the old one."""
    global _instrumentation  # one process-wide switch, read on every request
    previous, _instrumentation = _instrumentation, instrumentation
    return previous


def current_instrumentation() -> Instrumentation | None:
    """The installed instrumentation, if any."""
    return _instrumentation
