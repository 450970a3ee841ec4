"""OpenTelemetry: the library's own spans, and the server's trace headers taken from them.

Enable it once, at start-up (the extra ``otel`` installs ``opentelemetry-api``)::

    from aioinflux_legacyauth.contrib import otel

    otel.instrument()               # or instrument(tracer_provider=..., jaeger=True)

From then on every client in the process:

- wraps each operation in a ``CLIENT`` span named after the HTTP method and the route
  template (``PATCH /private/legacy/authorizations/{id}``), with the HTTP client semantic
  conventions' attributes (``http.request.method``, ``url.template``, ``server.address``,
  ``server.port``, ``http.response.status_code``, ``error.type``,
  ``http.request.resend_count``) and the authorization's ID; never a password, a token,
  a header or a body;
- gives each bulk or rotation job a span with its counts, and each item a child span;
- sends, when the call names no ``trace_span`` of its own (nor ``use_trace_span``, nor a
  client default), ``Zap-Trace-Span`` for the operation's span: the trace ID's low 64
  bits and the span ID, 16 hex digits each (InfluxDB's ``--tracing-type=log``). With
  ``jaeger=True`` also ``uber-trace-id`` (``--tracing-type=jaeger``), whose trace ID
  keeps all 128 bits. An all-zero ID is never sent: such a span sends no header.

``uninstrument()`` turns it off again. Without ``instrument()`` nothing here is imported
and the client behaves exactly as without the extra.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, TypeVar
from urllib.parse import unquote

import attrs
from yarl import URL

try:
    from opentelemetry import trace
    from opentelemetry.trace import (
        Span,
        SpanContext,
        SpanKind,
        Status,
        StatusCode,
        TracerProvider,
    )
except ModuleNotFoundError as missing:  # pragma: no cover - the test extra installs it
    msg = "aioinflux_legacyauth.contrib.otel needs: pip install 'aioinflux-legacyauth[otel]'"
    raise ImportError(msg) from missing

from .. import __version__
from .._errors import APIError
from .._ids import is_hex_id
from .._retry import AttemptLog
from .._sansio import Call, RawResponse, Request
from .._tracing import (
    TRACE_HEADER,
    TraceSpan,
    current_instrumentation,
    set_instrumentation,
    tracing_turned_off,
)
from ..bulk.engine import Handler, Later
from ..bulk.report import BulkReport, ItemResult, Outcome

__all__ = [
    "AUTHORIZATION_ID",
    "UBER_TRACE_HEADER",
    "OpenTelemetryInstrumentation",
    "instrument",
    "route_template",
    "uber_trace_id",
    "uninstrument",
    "zap_trace_span",
]

_T = TypeVar("_T")
_R = TypeVar("_R")

INSTRUMENTATION_NAME: Final = "aioinflux_legacyauth"
#: The header Jaeger's tracer (``influxd --tracing-type=jaeger``) reads.
UBER_TRACE_HEADER: Final = "uber-trace-id"
#: The span attribute holding the legacy authorization's ID.
AUTHORIZATION_ID: Final = "influxdb.legacy_authorization.id"
_LOW_64: Final = (1 << 64) - 1
#: The job spans' names, by the bulk engine's ``op``.
_JOB_NAMES: Final = {
    "update": "bulk_update",
    "delete": "bulk_delete",
    "set_password": "bulk_set_password",
    "rotate": "rotate",
}
#: Outcomes that mark an item's span as an error.
_FAILED: Final = frozenset({Outcome.FAILED, Outcome.UNKNOWN, Outcome.NOT_FOUND})


# -- the headers ----------------------------------------------------------------------------


def zap_trace_span(context: SpanContext) -> TraceSpan | None:
    """``context`` as ``Zap-Trace-Span`` carries it; None when it has no usable IDs.

    The trace ID keeps its low 64 bits: the server's zap tracer reads 16 hex digits.
    """
    trace_id = context.trace_id & _LOW_64
    if not context.is_valid or trace_id == 0 or context.span_id == 0:
        return None
    return TraceSpan(f"{trace_id:016x}", f"{context.span_id:016x}")


def uber_trace_id(context: SpanContext) -> str | None:
    """``context`` as Jaeger's ``uber-trace-id``: ``trace:span:0:flags``; None if invalid.

    The trace ID keeps all 128 bits (32 hex digits), the span ID 64 (16); the parent field
    is deprecated and sent as ``0``; the flags are ``01`` when sampled, else ``00``.
    """
    if not context.is_valid:
        return None
    flags = 1 if context.trace_flags.sampled else 0
    return f"{context.trace_id:032x}:{context.span_id:016x}:0:{flags:02x}"


def _with_trace_headers(request: Request, context: SpanContext, *, jaeger: bool) -> Request:
    """``request`` with the headers of ``context`` added, unless it has its own already.

    A call's own span (``trace_span=``, ``use_trace_span``, the client's default) was put
    in the request when it was built; ``use_trace_span(None)`` turns the headers off.
    """
    if TRACE_HEADER in request.headers or tracing_turned_off():
        return request
    added = {}
    if (span := zap_trace_span(context)) is not None:
        added[TRACE_HEADER] = span.to_header()
    if (
        jaeger
        and (uber := uber_trace_id(context)) is not None
        and all(name.lower() != UBER_TRACE_HEADER for name in request.headers)
    ):
        added[UBER_TRACE_HEADER] = uber
    if not added:
        return request
    return attrs.evolve(request, headers={**request.headers, **added})


# -- the operation spans ------------------------------------------------------------------


def route_template(path: str, prefix: str) -> tuple[str, str | None]:
    """The route template of ``path`` and the authorization ID in it (None if none).

    Under the legacy prefix the segment after it is the ID; elsewhere every segment that
    looks like an InfluxDB ID (16 hex digits) becomes ``{id}``, so span names stay few.
    """
    if path.startswith(prefix + "/"):
        auth_id, _, rest = path[len(prefix) + 1 :].partition("/")
        return f"{prefix}/{{id}}" + (f"/{rest}" if rest else ""), unquote(auth_id)
    segments = ("{id}" if is_hex_id(part) else part for part in path.split("/"))
    return "/".join(segments), None


@functools.lru_cache(maxsize=64)
def _server_attributes(url: str) -> Mapping[str, str | int]:
    parsed = URL(url)
    attributes: dict[str, str | int] = {"url.scheme": parsed.scheme}
    if parsed.host is not None:
        attributes["server.address"] = parsed.host
    if parsed.port is not None:
        attributes["server.port"] = parsed.port
    return attributes


def _error_type(error: BaseException) -> str:
    """``error.type``: the status for an HTTP error, else the exception's class."""
    if isinstance(error, APIError):
        return str(error.status)
    kind = type(error)
    module = "aioinflux_legacyauth" if kind.__module__.startswith("aioinflux_legacyauth") else None
    return f"{module or kind.__module__}.{kind.__qualname__}"


def _record_error(span: Span, error: BaseException) -> None:
    span.set_attribute("error.type", _error_type(error))
    if isinstance(error, APIError) and error.code:
        span.set_attribute("influxdb.error.code", error.code)
    if isinstance(error, Exception):  # not cancellation: that is no fault of the call
        span.record_exception(error)
    # The library's messages never hold a secret (a password, a token, a body).
    span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))


@attrs.define
class _LastStatus:
    """The status of the last response an attempt parsed."""

    status: int | None = None

    def parsing(
        self, parse: Callable[[Request, RawResponse], _T]
    ) -> Callable[[Request, RawResponse], _T]:
        def parse_and_note(request: Request, response: RawResponse) -> _T:
            self.status = response.status
            return parse(request, response)

        return parse_and_note


# -- the jobs -------------------------------------------------------------------------------


async def _in_span(span: Span, run: Callable[[], Awaitable[_R]]) -> _R:
    """``run()`` with ``span`` current; the span ends with the item's result (or error),
    unless what comes back is :class:`Later`: then with the result that comes later."""
    with trace.use_span(span, end_on_exit=False):
        try:
            result = await run()
        except BaseException as error:
            _record_error(span, error)
            span.end()
            raise
    if isinstance(result, Later):
        return result
    if span.is_recording():
        assert isinstance(result, ItemResult)  # noqa: S101 - a handler's result
        span.set_attributes(
            {
                AUTHORIZATION_ID: result.key,
                "influxdb.bulk.outcome": result.outcome.value,
                "influxdb.bulk.attempts": result.attempts,
            }
        )
        if result.outcome in _FAILED:
            span.set_status(Status(StatusCode.ERROR, result.message))
    span.end()
    return result


class _BulkJob:
    """One bulk or rotation job's span, and its items' spans as its children."""

    def __init__(self, tracer: trace.Tracer, span: Span, name: str) -> None:
        self._tracer = tracer
        self._span = span
        self._item_name = f"{name} item"
        self._parent = trace.set_span_in_context(span)

    def item_handler(self, handle: Handler) -> Handler:
        """``handle``, each item inside its own span, a child of the job's.

        An item whose result comes :class:`Later` keeps its span open until it does.
        """
        if not self._span.get_span_context().is_valid:
            # The job's span has no IDs, so the tracer makes none (the API alone): its
            # items' spans would be empty too.
            return handle
        tracer, name, parent = self._tracer, self._item_name, self._parent

        async def traced(item: Any) -> ItemResult | Later:
            span = tracer.start_span(
                name, context=parent, record_exception=False, set_status_on_exception=False
            )
            if not span.get_span_context().is_valid:
                # No tracer behind the API (or one that makes no IDs): nothing to record,
                # nothing to carry to the server, so nothing to do around the item.
                span.end()
                return await handle(item)
            result = await _in_span(span, functools.partial(handle, item))
            if isinstance(result, Later):
                return Later(functools.partial(_in_span, span, result.finish))
            return result

        return traced

    def trace_span(self) -> TraceSpan | None:
        """The job's span as ``Zap-Trace-Span`` sees it."""
        return zap_trace_span(self._span.get_span_context())

    def finish(self, report: BulkReport | None, error: BaseException | None) -> None:
        """End the job's span with the report's counts, or with the error."""
        span = self._span
        if report is not None:
            span.set_attribute("influxdb.bulk.items", len(report.results))
            for outcome, count in report.counts.items():
                span.set_attribute(f"influxdb.bulk.{outcome.value}", count)
        if error is not None:
            _record_error(span, error)
        span.end()


# -- the instrumentation ------------------------------------------------------------------


class OpenTelemetryInstrumentation:
    """The hooks :func:`instrument` installs: spans from ``tracer``, headers from them."""

    def __init__(self, tracer: trace.Tracer, *, jaeger: bool = False) -> None:
        self._tracer = tracer
        self._jaeger = jaeger

    def __repr__(self) -> str:
        return f"<OpenTelemetryInstrumentation jaeger={self._jaeger}>"

    def execute(
        self,
        call: Call[_T],
        run: Callable[[Call[_T], AttemptLog], Awaitable[_T]],
        *,
        log: AttemptLog | None,
        url: str,
        prefix: str,
    ) -> Awaitable[_T]:
        """Run ``call`` inside its operation span, with that span's trace headers."""
        return self._execute(call, run, log if log is not None else AttemptLog(), url, prefix)

    async def _execute(
        self,
        call: Call[_T],
        run: Callable[[Call[_T], AttemptLog], Awaitable[_T]],
        log: AttemptLog,
        url: str,
        prefix: str,
    ) -> _T:
        request = call.request
        template, auth_id = route_template(request.path, prefix)
        attributes: dict[str, str | int] = {
            "http.request.method": request.method,
            "url.template": template,
            **_server_attributes(url),
        }
        if auth_id is not None:
            attributes[AUTHORIZATION_ID] = auth_id
        # Started with its attributes, which a sampler may read.
        span = self._tracer.start_span(
            f"{request.method} {template}",
            kind=SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        )
        context = span.get_span_context()
        if not context.is_valid:
            # No tracer behind the API: no header to send, nothing to record.
            span.end()
            return await run(call, log)
        if not span.is_recording():
            # Sampled out: the trace still reaches the server (and spans made below), but
            # there is nothing to record on this one.
            with trace.use_span(span, end_on_exit=True):
                sent = _with_trace_headers(request, context, jaeger=self._jaeger)
                return await run(Call(sent, call.parse, call.safety, call.recover), log)
        earlier_attempts = log.attempts  # a log may be shared by several calls
        last = _LastStatus()
        with trace.use_span(
            span, end_on_exit=True, record_exception=False, set_status_on_exception=False
        ):
            sent = _with_trace_headers(request, context, jaeger=self._jaeger)
            traced = Call(sent, last.parsing(call.parse), call.safety, call.recover)
            try:
                return await run(traced, log)
            except BaseException as error:
                _record_error(span, error)
                raise
            finally:
                if last.status is not None:
                    span.set_attribute("http.response.status_code", last.status)
                if (resends := log.attempts - earlier_attempts - 1) > 0:
                    span.set_attribute("http.request.resend_count", resends)

    def bulk_job(self, op: str, *, concurrency: int, dry_run: bool) -> _BulkJob:
        """Start one job's span (a child of the current span)."""
        name = _JOB_NAMES.get(op, f"bulk {op}")
        span = self._tracer.start_span(
            name,
            attributes={
                "influxdb.bulk.operation": op,
                "influxdb.bulk.concurrency": concurrency,
                "influxdb.bulk.dry_run": dry_run,
            },
            record_exception=False,
            set_status_on_exception=False,
        )
        return _BulkJob(self._tracer, span, name)


def instrument(
    *, tracer_provider: TracerProvider | None = None, jaeger: bool = False
) -> OpenTelemetryInstrumentation:
    """Trace every client of this process with OpenTelemetry (see the module's docstring).

    ``tracer_provider`` defaults to the global one; ``jaeger=True`` adds ``uber-trace-id``.
    Calling it again replaces the earlier settings.
    """
    tracer = trace.get_tracer(INSTRUMENTATION_NAME, __version__, tracer_provider=tracer_provider)
    instrumentation = OpenTelemetryInstrumentation(tracer, jaeger=jaeger)
    set_instrumentation(instrumentation)
    return instrumentation


def uninstrument() -> None:
    """Stop tracing (only what :func:`instrument` installed is removed)."""
    if isinstance(current_instrumentation(), OpenTelemetryInstrumentation):
        set_instrumentation(None)
