"""Zap-Trace-Span: the span type, its header, the contextvar and the per-request choice."""

from __future__ import annotations

import asyncio
import contextvars
import json
import re
import warnings
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioinflux_legacyauth import _tracing
from aioinflux_legacyauth._ids import is_hex_id
from aioinflux_legacyauth._tracing import (
    TRACE_HEADER,
    TraceSpan,
    child_spans,
    current_trace_span,
    trace_header_value,
    use_trace_span,
)

TRACE_ID = "0d9c3a1e5b2f4000"
SPAN_ID = "4e7a6b1c2d3f5a6b"
OTHER_ID = "8f1e2d3c4b5a6978"
HEX16 = re.compile(r"[0-9a-f]{16}")

hex_ids = st.integers(min_value=1, max_value=2**64 - 1).map(lambda n: f"{n:016x}")
baggages = st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=3)


def test_header_name() -> None:
    """The header is called Zap-Trace-Span."""
    assert TRACE_HEADER == "Zap-Trace-Span"


# --- TraceSpan ------------------------------------------------------------------------------


def test_new_ids_are_16_lower_hex_and_not_zero() -> None:
    """new() makes trace and span IDs the server's zap tracer accepts."""
    for _ in range(200):
        span = TraceSpan.new()
        for value in (span.trace_id, span.span_id):
            assert HEX16.fullmatch(value)
            assert value != "0" * 16


def test_new_spans_differ() -> None:
    """Each new() starts a different trace with a different span."""
    spans = [TraceSpan.new() for _ in range(50)]

    assert len({s.trace_id for s in spans}) == 50
    assert len({s.span_id for s in spans}) == 50


def test_new_never_returns_the_zero_id(monkeypatch: pytest.MonkeyPatch) -> None:
    """An all-zero random draw is thrown away and drawn again."""
    draws = iter([0, int(TRACE_ID, 16), 0, int(SPAN_ID, 16)])
    monkeypatch.setattr(_tracing._ids, "getrandbits", lambda bits: next(draws))

    span = TraceSpan.new()

    assert (span.trace_id, span.span_id) == (TRACE_ID, SPAN_ID)


def test_a_forked_child_draws_other_span_ids() -> None:
    """A child process does not repeat its parent's IDs (the generator is seeded again)."""
    import os  # noqa: PLC0415 - POSIX only

    if not hasattr(os, "fork"):
        pytest.skip("no fork() here")
    read, write = os.pipe()
    with warnings.catch_warnings():
        # 3.12+ warns about forking a process with threads; the child only writes and exits.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, TraceSpan.new().span_id.encode())
        os._exit(0)
    os.close(write)
    child_id = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child_id != TraceSpan.new().span_id
    assert is_hex_id(child_id, lower_only=True)


def test_new_with_baggage() -> None:
    """Baggage given to new() is carried, as a copy of the caller's mapping."""
    baggage = {"job": "rotate"}
    span = TraceSpan.new(baggage)
    baggage["job"] = "changed"

    assert dict(span.baggage) == {"job": "rotate"}


def test_child_keeps_trace_and_baggage() -> None:
    """child() stays in the same trace with the same baggage but a new span ID."""
    parent = TraceSpan(TRACE_ID, SPAN_ID, {"tenant": "acme"})

    child = parent.child()

    assert child.trace_id == TRACE_ID
    assert child.span_id != SPAN_ID
    assert HEX16.fullmatch(child.span_id)
    assert dict(child.baggage) == {"tenant": "acme"}


def test_to_header_is_compact_json_in_server_order() -> None:
    """The header value is compact JSON with trace_id, span_id, baggage in that order."""
    span = TraceSpan(TRACE_ID, SPAN_ID, {"key": "value"})

    assert span.to_header() == (
        f'{{"trace_id":"{TRACE_ID}","span_id":"{SPAN_ID}","baggage":{{"key":"value"}}}}'
    )


def test_to_header_without_baggage_has_empty_object() -> None:
    """A span without baggage still sends an empty baggage object."""
    header = TraceSpan(TRACE_ID, SPAN_ID).to_header()

    assert list(json.loads(header)) == ["trace_id", "span_id", "baggage"]
    assert json.loads(header)["baggage"] == {}
    assert " " not in header


def test_to_header_escapes_line_breaks_in_baggage() -> None:
    """Baggage values with line breaks are JSON-escaped, so the header stays on one line."""
    header = TraceSpan(TRACE_ID, SPAN_ID, {"note": "a\r\nb"}).to_header()

    assert "\r" not in header
    assert "\n" not in header


@given(trace_id=hex_ids, span_id=hex_ids, baggage=baggages)
def test_header_round_trip(trace_id: str, span_id: str, baggage: dict[str, str]) -> None:
    """from_header(to_header()) gives back the same IDs and baggage."""
    span = TraceSpan(trace_id, span_id, baggage)

    back = TraceSpan.from_header(span.to_header())

    assert back == span
    assert dict(back.baggage) == baggage


def test_from_header_reads_influx_tooling_output() -> None:
    """A header written by other tools, with spaces, parses too."""
    value = f'{{"trace_id": "{TRACE_ID}", "span_id": "{SPAN_ID}", "baggage": {{"a": "b"}}}}'

    span = TraceSpan.from_header(value)

    assert (span.trace_id, span.span_id, dict(span.baggage)) == (TRACE_ID, SPAN_ID, {"a": "b"})


@pytest.mark.parametrize("baggage", ["null", '"x"', "[]"])
def test_from_header_ignores_unusable_baggage(baggage: str) -> None:
    """A missing or non-object baggage is read as no baggage."""
    span = TraceSpan.from_header(
        f'{{"trace_id":"{TRACE_ID}","span_id":"{SPAN_ID}","baggage":{baggage}}}'
    )

    assert dict(span.baggage) == {}


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("", "JSON object"),
        ("not json", "JSON object"),
        (f'["{TRACE_ID}","{SPAN_ID}"]', "JSON object"),
        (f'{{"trace_id":"{TRACE_ID}"}}', "string trace_id and span_id"),
        (f'{{"trace_id":1,"span_id":"{SPAN_ID}"}}', "string trace_id and span_id"),
        ('{"trace_id":"1","span_id":"1","baggage":{"key":"value"}}', "trace_id"),
        (f'{{"trace_id":"{TRACE_ID}","span_id":"{SPAN_ID.upper()}"}}', "span_id"),
    ],
)
def test_from_header_refuses_malformed_values(value: str, match: str) -> None:
    """A header that is not a JSON object with two valid IDs raises ValueError."""
    with pytest.raises(ValueError, match=match):
        TraceSpan.from_header(value)


def test_from_header_non_string_baggage_is_value_error() -> None:
    """A header whose baggage holds a number is malformed input: ValueError like the rest."""
    value = f'{{"trace_id":"{TRACE_ID}","span_id":"{SPAN_ID}","baggage":{{"retries":3}}}}'

    with pytest.raises(ValueError, match="baggage"):
        TraceSpan.from_header(value)


@pytest.mark.parametrize(
    "bad",
    [
        "0" * 16,
        "1" * 15,
        "1" * 17,
        TRACE_ID.upper(),
        "0d9c3a1e5b2f400g",
        " 0d9c3a1e5b2f400",
        1,
        None,
    ],
)
@pytest.mark.parametrize("field", ["trace_id", "span_id"])
def test_invalid_ids_name_the_field(field: str, bad: object) -> None:
    """A trace or span ID that is not 16 lower-case hex (or is all zeros) names the field."""
    ids: dict[str, Any] = {"trace_id": TRACE_ID, "span_id": SPAN_ID, field: bad}

    with pytest.raises(ValueError, match=f"^{field} must be 16 lower-case hex"):
        TraceSpan(**ids)


def test_baggage_must_map_strings_to_strings() -> None:
    """Baggage with non-string values is refused with TypeError."""
    with pytest.raises(TypeError, match="strings to strings"):
        TraceSpan(TRACE_ID, SPAN_ID, {"retries": 3})  # type: ignore[dict-item]


def test_span_is_frozen() -> None:
    """A span's IDs cannot be reassigned."""
    span = TraceSpan(TRACE_ID, SPAN_ID)

    with pytest.raises(AttributeError):
        span.span_id = OTHER_ID  # type: ignore[misc]  # what is tested


def test_span_baggage_cannot_be_mutated() -> None:
    """The baggage of a frozen span cannot be changed behind its back."""
    span = TraceSpan(TRACE_ID, SPAN_ID, {"tenant": "acme"})

    with pytest.raises(TypeError):
        span.baggage["tenant"] = "evil"  # type: ignore[index]  # what is tested


def test_spans_compare_by_ids() -> None:
    """Spans with equal IDs are equal and hash alike, whatever their baggage."""
    a = TraceSpan(TRACE_ID, SPAN_ID, {"x": "1"})
    b = TraceSpan(TRACE_ID, SPAN_ID)

    assert a == b
    assert hash(a) == hash(b)
    assert a != TraceSpan(TRACE_ID, OTHER_ID)


# --- use_trace_span and the contextvar ------------------------------------------------------


def test_no_span_by_default() -> None:
    """Outside any block there is no current span."""
    assert current_trace_span() is None


def test_use_trace_span_sets_and_restores() -> None:
    """Inside the block the span is current; afterwards the previous value is back."""
    span = TraceSpan(TRACE_ID, SPAN_ID)

    with use_trace_span(span) as entered:
        assert entered is span
        assert current_trace_span() is span

    assert current_trace_span() is None


def test_use_trace_span_restores_after_an_exception() -> None:
    """An exception inside the block still restores the previous span."""
    with pytest.raises(KeyError), use_trace_span(TraceSpan(TRACE_ID, SPAN_ID)):
        raise KeyError("boom")

    assert current_trace_span() is None


def test_use_trace_span_nests() -> None:
    """An inner block overrides the outer one and hands it back when it ends."""
    outer = TraceSpan(TRACE_ID, SPAN_ID)
    inner = outer.child()

    with use_trace_span(outer):
        with use_trace_span(inner):
            assert current_trace_span() is inner
        assert current_trace_span() is outer
        with use_trace_span(None):
            assert current_trace_span() is None
        assert current_trace_span() is outer


def test_use_trace_span_accepts_strings() -> None:
    """A string is stored as is, to be sent verbatim."""
    with use_trace_span("my-span"):
        assert current_trace_span() == "my-span"


@pytest.mark.parametrize("bad", ["a\nb", "a\rb", "a\r\nX-Injected: 1"])
def test_use_trace_span_refuses_line_breaks(bad: str) -> None:
    """A string with CR or LF is refused before it can reach a header, leaving no span set."""
    with pytest.raises(ValueError, match="line breaks"), use_trace_span(bad):
        pass

    assert current_trace_span() is None


@pytest.mark.parametrize("bad", [42, b"span", {"trace_id": TRACE_ID}])
def test_use_trace_span_refuses_other_types(bad: object) -> None:
    """Anything but a TraceSpan, a string or None is a TypeError."""
    with pytest.raises(TypeError, match="TraceSpan or a string"), use_trace_span(bad):  # type: ignore[arg-type]
        pass


async def test_tasks_created_inside_inherit_the_span() -> None:
    """Tasks started inside the block send its span, even after the block has ended."""
    span = TraceSpan(TRACE_ID, SPAN_ID)
    release = asyncio.Event()

    async def read_later() -> object:
        await release.wait()
        return current_trace_span()

    with use_trace_span(span):
        inside = asyncio.create_task(read_later())
    release.set()

    assert await inside is span
    assert current_trace_span() is None


async def test_tasks_created_outside_do_not_see_the_span() -> None:
    """A task started before the block does not pick up the span set later."""
    started = asyncio.Event()
    release = asyncio.Event()

    async def read_later() -> object:
        started.set()
        await release.wait()
        return current_trace_span()

    outside = asyncio.create_task(read_later())
    await started.wait()
    with use_trace_span(TraceSpan(TRACE_ID, SPAN_ID)):
        release.set()
        assert await outside is None


async def test_concurrent_tasks_keep_their_own_spans() -> None:
    """Tasks that set different spans each see only their own."""

    async def traced(span: TraceSpan) -> object:
        with use_trace_span(span):
            await asyncio.sleep(0)
            return trace_header_value(None, None)

    spans = [TraceSpan.new() for _ in range(5)]

    headers = await asyncio.gather(*(traced(s) for s in spans))

    assert headers == [s.to_header() for s in spans]


def test_span_set_in_a_copied_context_does_not_leak() -> None:
    """A span set inside a copied context (as a callback would) stays there."""
    context = contextvars.copy_context()

    def inside() -> object:
        with use_trace_span("callback-span"):
            return current_trace_span()

    assert context.run(inside) == "callback-span"
    assert current_trace_span() is None


# --- trace_header_value ---------------------------------------------------------------------


def test_header_value_none_without_any_span() -> None:
    """With no explicit span, no context span and no default, no header is sent."""
    assert trace_header_value(None, None) is None


def test_header_value_precedence() -> None:
    """The call's span wins over the context's, which wins over the client default."""
    explicit = TraceSpan(TRACE_ID, SPAN_ID)
    context = TraceSpan(TRACE_ID, OTHER_ID)
    default = TraceSpan(OTHER_ID, SPAN_ID)

    assert trace_header_value(None, default) == default.to_header()
    with use_trace_span(context):
        assert trace_header_value(None, default) == context.to_header()
        assert trace_header_value(explicit, default) == explicit.to_header()
    assert trace_header_value(explicit, None) == explicit.to_header()


def test_header_value_sends_strings_verbatim() -> None:
    """A string span is sent exactly as given, even one the zap tracer would not parse."""
    openapi_example = '{"trace_id":"1","span_id":"1","baggage":{"key":"value"}}'

    assert trace_header_value(openapi_example, None) == openapi_example
    assert trace_header_value(None, "default-span") == "default-span"
    with use_trace_span("context-span"):
        assert trace_header_value(None, None) == "context-span"


@pytest.mark.parametrize("bad", ["a\nb", "a\rb", "x\r\nSet-Cookie: y"])
def test_header_value_refuses_line_breaks(bad: str) -> None:
    """An explicit string with CR or LF raises ValueError instead of splitting the header."""
    with pytest.raises(ValueError, match="line breaks"):
        trace_header_value(bad, None)


@pytest.mark.parametrize("bad", [1, 1.5, b"span", ["span"], {"trace_id": TRACE_ID}])
def test_header_value_refuses_other_types(bad: object) -> None:
    """An explicit span that is neither a TraceSpan nor a string raises TypeError."""
    with pytest.raises(TypeError, match="got"):
        trace_header_value(bad, None)  # type: ignore[arg-type]  # what is tested


def test_use_trace_span_none_turns_off_the_default() -> None:
    """Inside use_trace_span(None) no header is sent, even if the client has a default span."""
    default = TraceSpan(TRACE_ID, SPAN_ID)

    with use_trace_span(None):
        assert trace_header_value(None, default) is None


@pytest.mark.parametrize(
    "baggage", [{}, {"job": "rotate"}, {"quote": 'a"b\\c', "ünï": "cödé"}], ids=repr
)
def test_child_spans_send_what_child_span_sends(baggage: dict[str, str]) -> None:
    """A bulk item's child header is a child_span()'s header: the parent's trace and
    baggage, a new valid span ID each time; it is sent as it is."""
    parent = TraceSpan(TRACE_ID, SPAN_ID, baggage)
    new_child = child_spans(parent)

    values = [trace_header_value(new_child(), None) for _ in range(50)]

    children = [TraceSpan.from_header(value) for value in values]  # type: ignore[arg-type]
    assert all(child.trace_id == TRACE_ID for child in children)
    assert all(dict(child.baggage) == baggage for child in children)
    assert len({child.span_id for child in children} | {SPAN_ID}) == 51
    assert values == [child.to_header() for child in children]


def test_child_spans_of_a_header_string_or_of_nothing() -> None:
    """A verbatim header string is sent by every item as it is; no parent, no header."""
    assert child_spans("custom-trace")() == "custom-trace"
    assert child_spans(None)() is None
