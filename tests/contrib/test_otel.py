"""OpenTelemetry: the library's spans (in the SDK's in-memory exporter) and the headers the
server receives (in the emulator's request log), against the emulator over real HTTP."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import SpanContext, SpanKind, StatusCode, TraceFlags

from aioinflux_legacyauth import (
    BulkReport,
    ItemResult,
    LegacyAuthClient,
    NotFoundError,
    Outcome,
    TraceSpan,
    use_trace_span,
)
from aioinflux_legacyauth.bulk import run_bulk
from aioinflux_legacyauth.bulk.engine import Later
from aioinflux_legacyauth.contrib import otel
from aioinflux_legacyauth.emulator import ThreadedEmulator
from aioinflux_legacyauth.rotation import FileSink, rotate

PREFIX = "/private/legacy/authorizations"
LOW_64 = (1 << 64) - 1


@pytest.fixture
def provider() -> TracerProvider:
    return TracerProvider()


@pytest.fixture
def exporter(provider: TracerProvider) -> Iterator[InMemorySpanExporter]:
    """Spans of the library, exported in memory, with the instrumentation installed."""
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    otel.instrument(tracer_provider=provider)
    try:
        yield memory
    finally:
        otel.uninstrument()
        provider.shutdown()


def seed(emulator: ThreadedEmulator, count: int) -> list[str]:
    return [
        emulator.create_legacy_authorization(f"user-{n}", password=f"old-password-{n}").id
        for n in range(count)
    ]


def named(spans: Sequence[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


def parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def low_hex(trace_id: int) -> str:
    return f"{trace_id & LOW_64:016x}"


async def test_a_call_sends_the_zap_trace_span_of_its_own_span(
    legacyauth_emulator: ThreadedEmulator, exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    (auth_id,) = seed(legacyauth_emulator, 1)
    tracer = provider.get_tracer("the service")
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        with tracer.start_as_current_span("handle request") as handler:
            await client.get(auth_id)

    (call_span,) = named(exporter.get_finished_spans(), f"GET {PREFIX}/{{id}}")
    context = handler.get_span_context()
    assert call_span.kind is SpanKind.CLIENT
    assert call_span.context.trace_id == context.trace_id
    assert parent_id(call_span) == context.span_id
    assert call_span.attributes is not None
    assert dict(call_span.attributes) == {
        "http.request.method": "GET",
        "url.template": f"{PREFIX}/{{id}}",
        "url.scheme": "http",
        "server.address": "127.0.0.1",
        "server.port": int(legacyauth_emulator.url.rsplit(":", 1)[1]),
        otel.AUTHORIZATION_ID: auth_id,
        "http.response.status_code": 200,
    }
    (record,) = legacyauth_emulator.requests.records("GET", f"{PREFIX}/{auth_id}")
    assert record.trace_span is not None
    sent = TraceSpan.from_header(record.trace_span)
    assert sent.trace_id == low_hex(context.trace_id)
    assert sent.span_id == f"{call_span.context.span_id:016x}"
    assert record.header(otel.UBER_TRACE_HEADER) is None  # only with jaeger=True


async def test_jaeger_mode_also_sends_uber_trace_id(
    legacyauth_emulator: ThreadedEmulator, exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    (auth_id,) = seed(legacyauth_emulator, 1)
    otel.instrument(tracer_provider=provider, jaeger=True)
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        await client.update(auth_id, description="traced")

    (call_span,) = named(exporter.get_finished_spans(), f"PATCH {PREFIX}/{{id}}")
    assert call_span.parent is None  # no span was active: the call starts the trace
    (record,) = legacyauth_emulator.requests.records("PATCH")
    trace_id, span_id = call_span.context.trace_id, call_span.context.span_id
    assert record.header("uber-trace-id") == f"{trace_id:032x}:{span_id:016x}:0:01"
    assert record.trace_span is not None
    assert TraceSpan.from_header(record.trace_span).trace_id == low_hex(trace_id)


async def test_the_bulk_fan_out_shows_as_a_tree_and_each_request_carries_its_span(
    legacyauth_emulator: ThreadedEmulator, exporter: InMemorySpanExporter, provider: TracerProvider
) -> None:
    ids = seed(legacyauth_emulator, 6)
    tracer = provider.get_tracer("the service")
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        with tracer.start_as_current_span("nightly clean-up") as outer:
            report = await client.bulk_update(
                [*ids, "ffffffffffffffff"], status="inactive", concurrency=3
            )

    spans = exporter.get_finished_spans()
    (job,) = named(spans, "bulk_update")
    items = named(spans, "bulk_update item")
    patches = named(spans, f"PATCH {PREFIX}/{{id}}")
    assert parent_id(job) == outer.get_span_context().span_id
    assert job.attributes is not None
    assert job.attributes["influxdb.bulk.items"] == 7
    assert job.attributes["influxdb.bulk.ok"] == 6
    assert job.attributes["influxdb.bulk.not_found"] == 1
    assert job.attributes["influxdb.bulk.concurrency"] == 3
    assert len(items) == len(patches) == 7
    assert {parent_id(item) for item in items} == {job.context.span_id}
    item_ids = {item.context.span_id for item in items}
    assert {parent_id(patch) for patch in patches} == item_ids  # one request under each item
    failed = [item for item in items if item.status.status_code is StatusCode.ERROR]
    assert [item.attributes and item.attributes[otel.AUTHORIZATION_ID] for item in failed] == [
        "ffffffffffffffff"
    ]
    # The server saw, with each PATCH, the span of that very request.
    by_span = {f"{patch.context.span_id:016x}": patch for patch in patches}
    records = legacyauth_emulator.requests.records("PATCH")
    assert len(records) == 7
    for record in records:
        assert record.trace_span is not None
        sent = TraceSpan.from_header(record.trace_span)
        assert sent.trace_id == low_hex(outer.get_span_context().trace_id)
        patch = by_span[sent.span_id]
        assert patch.attributes is not None
        assert record.path == f"{PREFIX}/{patch.attributes[otel.AUTHORIZATION_ID]!s}"
    assert report.trace_span == TraceSpan(
        low_hex(job.context.trace_id), f"{job.context.span_id:016x}"
    )


async def test_a_rotation_traces_its_items_and_no_attribute_holds_a_secret(
    legacyauth_emulator: ThreadedEmulator,
    exporter: InMemorySpanExporter,
    tmp_path: Path,
) -> None:
    ids = seed(legacyauth_emulator, 4)
    sink = FileSink(tmp_path / "credentials.json")
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        targets = [await client.get(auth_id) for auth_id in ids]
        report = await rotate(client, targets, journal=tmp_path / "job.journal", sink=sink)
    assert report.all_ok

    spans = exporter.get_finished_spans()
    (job,) = named(spans, "rotate")
    items = named(spans, "rotate item")
    assert job.attributes is not None
    assert job.attributes["influxdb.bulk.ok"] == 4
    assert {parent_id(item) for item in items} == {job.context.span_id}
    item_ids = {item.context.span_id for item in items}
    set_spans = named(spans, f"POST {PREFIX}/{{id}}/password")
    logins = named(spans, "GET /query")
    assert len(set_spans) == len(logins) == 4
    assert {parent_id(span) for span in [*set_spans, *logins]} == item_ids

    secrets = [c.password for c in sink.credentials]
    secrets += [f"old-password-{n}" for n in range(4)] + [legacyauth_emulator.token]
    seen = json.dumps([exported(span) for span in spans])
    assert len(secrets) == 9
    assert not [secret for secret in secrets if secret in seen]
    assert "Basic " not in seen
    assert "Token " not in seen


async def test_an_item_whose_later_part_is_cancelled_before_it_began_ends_its_span(
    exporter: InMemorySpanExporter,
) -> None:
    """Ctrl-C just as an item's later part (a rotation's publish) was handed over: its task
    is cancelled before its first step, and the item's span still ends, as cancelled."""
    job: asyncio.Future[BulkReport] | None = None
    never = asyncio.Event()

    async def handle(key: str) -> Later:
        async def publish() -> ItemResult:
            await never.wait()
            return ItemResult(key=key, op="rotate", outcome=Outcome.OK)

        assert job is not None
        job.cancel()
        return Later(publish)

    job = asyncio.ensure_future(
        run_bulk(
            ["0123456789abcdef"], handle, op="rotate", concurrency=1, fail_fast=False,
            on_result=None, on_progress=None,
        )
    )  # fmt: skip
    with pytest.raises(asyncio.CancelledError):
        await job
    spans = exporter.get_finished_spans()
    (item,) = named(spans, "rotate item")
    (rotation,) = named(spans, "rotate")
    assert parent_id(item) == rotation.context.span_id
    assert item.attributes is not None
    assert item.attributes["error.type"] == "asyncio.exceptions.CancelledError"


def exported(span: ReadableSpan) -> object:
    """Everything an exporter would ship of ``span``, as JSON-able text."""
    return {
        "name": span.name,
        "attributes": {key: str(value) for key, value in (span.attributes or {}).items()},
        "status": span.status.description,
        "events": [
            {key: str(value) for key, value in (event.attributes or {}).items()}
            for event in span.events
        ],
    }


async def test_a_failed_call_is_an_error_span_with_the_status_as_error_type(
    legacyauth_emulator: ThreadedEmulator, exporter: InMemorySpanExporter
) -> None:
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        with pytest.raises(NotFoundError):
            await client.get("0123456789abcdef")
    (span,) = exporter.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["error.type"] == "404"
    assert span.attributes["influxdb.error.code"] == "not found"
    assert span.attributes["http.response.status_code"] == 404
    assert [event.name for event in span.events] == ["exception"]


async def test_a_calls_own_span_wins_and_use_trace_span_none_sends_nothing(
    legacyauth_emulator: ThreadedEmulator, exporter: InMemorySpanExporter
) -> None:
    (auth_id,) = seed(legacyauth_emulator, 1)
    mine = TraceSpan.new()
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        await client.get(auth_id, trace_span=mine)
        with use_trace_span(None):
            await client.get(auth_id)
    first, second = legacyauth_emulator.requests.records("GET")
    assert first.trace_span == mine.to_header()
    assert second.trace_span is None
    assert len(exporter.get_finished_spans()) == 2  # traced all the same


class _LowBitsZero(IdGenerator):
    """Trace IDs whose low 64 bits are zero: Zap-Trace-Span cannot carry them."""

    def generate_span_id(self) -> int:
        return random.getrandbits(64) | 1

    def generate_trace_id(self) -> int:
        return 0xABCD << 64


async def test_an_all_zero_trace_id_is_never_sent(
    legacyauth_emulator: ThreadedEmulator, exporter: InMemorySpanExporter
) -> None:
    memory = InMemorySpanExporter()
    zeros = TracerProvider(id_generator=_LowBitsZero())
    zeros.add_span_processor(SimpleSpanProcessor(memory))
    otel.instrument(tracer_provider=zeros, jaeger=True)
    (auth_id,) = seed(legacyauth_emulator, 1)
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        await client.get(auth_id)
    (record,) = legacyauth_emulator.requests.records("GET")
    assert record.trace_span is None
    (span,) = memory.get_finished_spans()
    # Jaeger's header keeps all 128 bits, so it can still be sent.
    assert record.header("uber-trace-id") == f"{0xABCD << 64:032x}:{span.context.span_id:016x}:0:01"
    zeros.shutdown()


def test_the_header_helpers() -> None:
    valid = SpanContext(0x1234 << 64 | 0xBEEF, 0xF00D, is_remote=False, trace_flags=TraceFlags(1))
    assert otel.zap_trace_span(valid) == TraceSpan("000000000000beef", "000000000000f00d")
    assert otel.uber_trace_id(valid) == f"{0x1234 << 64 | 0xBEEF:032x}:000000000000f00d:0:01"
    unsampled = SpanContext(0xBEEF, 0xF00D, is_remote=False, trace_flags=TraceFlags(0))
    assert otel.uber_trace_id(unsampled) == f"{0xBEEF:032x}:000000000000f00d:0:00"
    assert otel.zap_trace_span(SpanContext(0, 0, is_remote=False)) is None
    assert otel.uber_trace_id(SpanContext(0, 0, is_remote=False)) is None


@pytest.mark.parametrize(
    ("path", "template", "auth_id"),
    [
        (PREFIX, PREFIX, None),
        (f"{PREFIX}/0d9c3a1e5b2f4000", f"{PREFIX}/{{id}}", "0d9c3a1e5b2f4000"),
        (f"{PREFIX}/0d9c3a1e5b2f4000/password", f"{PREFIX}/{{id}}/password", "0d9c3a1e5b2f4000"),
        (f"{PREFIX}/a%2Fb", f"{PREFIX}/{{id}}", "a/b"),
        ("/api/v2/buckets/8f1e2d3c4b5a6978", "/api/v2/buckets/{id}", None),
        ("/query", "/query", None),
    ],
)
def test_span_names_use_the_route_template(path: str, template: str, auth_id: str | None) -> None:
    assert otel.route_template(path, PREFIX) == (template, auth_id)


async def test_uninstrumented_the_client_is_as_before(
    legacyauth_emulator: ThreadedEmulator, exporter: InMemorySpanExporter
) -> None:
    ids = seed(legacyauth_emulator, 3)
    otel.uninstrument()
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        await client.get(ids[0])
        report = await client.bulk_delete(ids)
    assert exporter.get_finished_spans() == ()
    (get,) = legacyauth_emulator.requests.records("GET")
    assert get.trace_span is None
    # The bulk job still starts a trace of its own, each item a child span of it.
    assert isinstance(report.trace_span, TraceSpan)
    sent = [r.trace_span for r in legacyauth_emulator.requests.records("DELETE")]
    assert all(span is not None for span in sent)
    parsed = [TraceSpan.from_header(span) for span in sent if span is not None]
    assert {span.trace_id for span in parsed} == {report.trace_span.trace_id}
    assert len({span.span_id for span in parsed}) == 3
