"""Bulk operations over a scripted transport: outcomes, order, stopping, tracing, callbacks.

The end-to-end bulk tests over real HTTP, with faults, run against the emulator.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from aioinflux_legacyauth import (
    ArgumentError,
    AuthStatus,
    BulkError,
    BulkReport,
    ItemResult,
    LegacyAuthClient,
    Outcome,
    RawResponse,
    Request,
    RetryPolicy,
    TraceSpan,
    TransportError,
    use_trace_span,
)
from aioinflux_legacyauth.testing import MockTransport

BASE = "http://influx.test:8086"
JSON = {"Content-Type": "application/json; charset=utf-8"}


def ids(count: int, start: int = 1) -> list[str]:
    """Valid-looking 16-hex authorization IDs."""
    return [f"{number:016x}" for number in range(start, start + count)]


def auth_id_of(request: Request) -> str:
    """The authorization ID in a request's path."""
    return request.path.split("/")[4]


def error(status: int, code: str, message: str) -> RawResponse:
    """An InfluxDB error response."""
    body = json.dumps({"code": code, "message": message}).encode()
    return RawResponse(status, {**JSON, "X-Platform-Error-Code": code}, body)


@pytest.fixture
def ok_body(auth_doc: Callable[..., dict[str, Any]]) -> Callable[..., RawResponse]:
    """A 200 authorization body for any ID."""

    def build(auth_id: str, **fields: Any) -> RawResponse:
        return RawResponse(200, JSON, json.dumps(auth_doc(id=auth_id, **fields)).encode())

    return build


async def open_client(transport: MockTransport, **options: Any) -> LegacyAuthClient:
    """An open client on a fake transport whose retries never sleep."""
    client = LegacyAuthClient(
        BASE, token="t0ken", transport=transport, retry=RetryPolicy(instant=True), **options
    )
    await client.open()
    return client


async def test_update_outcomes_in_input_order(ok_body: Callable[..., RawResponse]) -> None:
    """Each item gets its own outcome, reported in input order although finishing out of it."""
    missing, refused = "00000000000000a1", "00000000000000a2"

    async def handler(request: Request) -> RawResponse:
        await asyncio.sleep(random.random() / 200)  # noqa: S311 - jitter, not crypto
        auth_id = auth_id_of(request)
        if auth_id == missing:
            return error(404, "not found", "authorization not found")
        if auth_id == refused:
            return error(400, "invalid", "unknown authorization status")
        return ok_body(auth_id, status="inactive")

    items = [*ids(30), missing, *ids(30, 100), refused]
    transport = MockTransport(handler)
    client = await open_client(transport)
    report = await client.bulk_update(items, status=AuthStatus.INACTIVE, concurrency=8)
    await client.close()
    assert [result.key for result in report.results] == items
    assert report.counts[Outcome.OK] == 60
    assert report.by_outcome(Outcome.NOT_FOUND)[0].key == missing
    failed = report.by_outcome("failed")[0]
    assert (failed.key, failed.status, failed.code) == (refused, 400, "invalid")
    assert failed.message == "unknown authorization status"
    assert not report.all_ok
    assert transport.max_in_flight <= 8
    assert all(json.loads(r.body or b"") == {"status": "inactive"} for r in transport.requests)


async def test_unknown_when_sent_but_never_answered() -> None:
    """A request that timed out after sending on every attempt is unknown, not failed."""

    def handler(request: Request) -> RawResponse:
        raise TransportError("timed out", method="PATCH", path=request.path, maybe_sent=True)

    client = await open_client(MockTransport(handler))
    report = await client.bulk_update(ids(2), status="inactive")
    await client.close()
    assert [result.outcome for result in report.results] == [Outcome.UNKNOWN] * 2
    assert report.results[0].attempts == 4


async def test_failed_when_never_sent() -> None:
    """A connection that never opened is failed: nothing can have changed."""

    def handler(request: Request) -> RawResponse:
        raise TransportError("refused", method="DELETE", path=request.path, maybe_sent=False)

    client = await open_client(MockTransport(handler))
    report = await client.bulk_delete(ids(1))
    await client.close()
    assert report.results[0].outcome is Outcome.FAILED


async def test_delete_lost_answer_is_already_done() -> None:
    """A DELETE applied but unanswered, whose retry gets 404, ends already_done."""
    applied: set[str] = set()

    def handler(request: Request) -> RawResponse:
        auth_id = auth_id_of(request)
        if auth_id in applied:
            return error(404, "not found", "authorization not found")
        applied.add(auth_id)
        raise TransportError("reset", method="DELETE", path=request.path, maybe_sent=True)

    client = await open_client(MockTransport(handler))
    report = await client.bulk_delete(ids(3))
    await client.close()
    assert report.all_ok
    assert {result.outcome for result in report.results} == {Outcome.ALREADY_DONE}
    assert report.results[0].attempts == 2


async def test_missing_ok() -> None:
    """missing_ok makes a delete of a missing authorization count as done."""
    client = await open_client(
        MockTransport(lambda request: error(404, "not found", "authorization not found"))
    )
    strict = await client.bulk_delete(ids(2))
    lenient = await client.bulk_delete(ids(2), missing_ok=True)
    await client.close()
    assert strict.counts[Outcome.NOT_FOUND] == 2
    assert lenient.all_ok


async def test_unauthorized_stops_the_batch() -> None:
    """A 401 stops scheduling in any mode; items never started are skipped, not failed."""
    transport = MockTransport(
        lambda request: error(401, "unauthorized", "write:users/0d9c39f0a1b2c000 is unauthorized")
    )
    client = await open_client(transport)
    report = await client.bulk_delete(ids(50), concurrency=2)
    await client.close()
    sent = len(transport.requests)
    assert 1 <= sent <= 2  # at most the items already in flight
    assert report.counts[Outcome.FAILED] == sent
    assert report.counts[Outcome.SKIPPED] == 50 - sent
    assert [result.key for result in report.results] == ids(50)


async def test_fail_fast(ok_body: Callable[..., RawResponse]) -> None:
    """fail_fast stops after the first item that failed for good."""

    def handler(request: Request) -> RawResponse:
        if auth_id_of(request) == ids(1, 3)[0]:
            return error(400, "invalid", "unknown authorization status")
        return ok_body(auth_id_of(request))

    client = await open_client(MockTransport(handler))
    report = await client.bulk_update(ids(10), description="x", concurrency=1, fail_fast=True)
    await client.close()
    assert [result.outcome for result in report.results] == [
        Outcome.OK,
        Outcome.OK,
        Outcome.FAILED,
        *[Outcome.SKIPPED] * 7,
    ]


async def test_dry_run_sends_only_reads(ok_body: Callable[..., RawResponse]) -> None:
    """dry_run reads each authorization and changes nothing."""

    def handler(request: Request) -> RawResponse:
        auth_id = auth_id_of(request)
        if auth_id == ids(1, 2)[0]:
            return ok_body(auth_id, status="inactive")
        if auth_id == ids(1, 3)[0]:
            return error(404, "not found", "authorization not found")
        return ok_body(auth_id)

    transport = MockTransport(handler)
    client = await open_client(transport)
    report = await client.bulk_update(ids(3), status="inactive", dry_run=True)
    await client.close()
    assert {request.method for request in transport.requests} == {"GET"}
    assert report.dry_run
    assert [result.outcome for result in report.results] == [
        Outcome.OK,
        Outcome.ALREADY_DONE,
        Outcome.NOT_FOUND,
    ]
    assert report.results[0].message == "dry run: would set status to inactive"


async def test_set_password_pairs() -> None:
    """Passwords are checked locally; a refused one is failed and never sent."""
    transport = MockTransport(lambda request: RawResponse(204, {}, b""))
    client = await open_client(transport)
    good, bad = ids(2)
    report = await client.bulk_set_password({good: "long-enough-password", bad: "short"})
    await client.close()
    assert [result.outcome for result in report.results] == [Outcome.OK, Outcome.FAILED]
    assert "between 8 and 72" in (report.results[1].message or "")
    assert [auth_id_of(request) for request in transport.requests] == [good]
    assert "long-enough-password" not in repr(report)
    assert "short" not in repr(report)


async def test_malformed_items_are_reported() -> None:
    """Bad input items are failed with a message naming the problem; the rest run."""
    transport = MockTransport(lambda request: RawResponse(204, {}, b""))
    client = await open_client(transport)
    report = await client.bulk_delete([ids(1)[0], "", 42, None])  # type: ignore[list-item]
    pairs = await client.bulk_set_password([("0000000000000001", None), "a-secret-string"])  # type: ignore[list-item]
    await client.close()
    assert [result.outcome for result in report.results] == [Outcome.OK] + [Outcome.FAILED] * 3
    assert "expected an authorization ID" in (report.results[3].message or "")
    assert [result.key for result in pairs.results] == ["0000000000000001", "<str>"]
    assert "a-secret-string" not in repr(pairs)


async def test_trace_spans_fan_out() -> None:
    """Every item carries a child of the call's span: same trace_id, its own span_id."""
    transport = MockTransport(lambda request: RawResponse(204, {}, b""))
    client = await open_client(transport)
    parent = TraceSpan.new({"job": "rotate"})
    with use_trace_span(parent):
        report = await client.bulk_delete(ids(5))
    unscoped = await client.bulk_delete(ids(3))
    await client.close()
    spans = [TraceSpan.from_header(r.headers["Zap-Trace-Span"]) for r in transport.requests]
    assert {span.trace_id for span in spans[:5]} == {parent.trace_id}
    assert len({span.span_id for span in spans[:5]}) == 5
    assert parent.span_id not in {span.span_id for span in spans}
    assert dict(spans[0].baggage) == {"job": "rotate"}
    assert report.trace_span == parent
    # With no span anywhere, the call starts its own trace for its items.
    assert isinstance(unscoped.trace_span, TraceSpan)
    assert {span.trace_id for span in spans[5:]} == {unscoped.trace_span.trace_id}


async def test_callbacks_and_async_input() -> None:
    """on_result sees every item; on_progress counts up; async iterables work."""
    transport = MockTransport(lambda request: RawResponse(204, {}, b""))
    client = await open_client(transport)
    seen: list[ItemResult] = []
    progress: list[tuple[int, int | None]] = []

    async def source() -> AsyncIterator[str]:
        for auth_id in ids(20):
            await asyncio.sleep(0)
            yield auth_id

    async def on_result(result: ItemResult) -> None:
        seen.append(result)

    report = await client.bulk_delete(
        source(), on_result=on_result, on_progress=lambda d, t: progress.append((d, t))
    )
    listed = await client.bulk_delete(ids(3), on_progress=lambda d, t: progress.append((d, t)))
    await client.close()
    assert sorted(result.key for result in seen) == ids(20)
    assert [result.key for result in report.results] == ids(20)
    assert progress[:20] == [(done, None) for done in range(1, 21)]
    assert progress[20:] == [(1, 3), (2, 3), (3, 3)]
    assert listed.all_ok


async def test_failing_callback_propagates() -> None:
    """A callback's own error stops the batch and reaches the caller unwrapped."""
    client = await open_client(MockTransport(lambda request: RawResponse(204, {}, b"")))

    def on_result(result: ItemResult) -> None:
        message = "journal disk full"
        raise OSError(message)

    with pytest.raises(OSError, match="journal disk full"):
        await client.bulk_delete(ids(10), on_result=on_result)
    await client.close()


async def test_cancellation_reports_in_flight_as_unknown() -> None:
    """Cancelling a bulk call stops it promptly; items cut off are reported unknown."""
    started = asyncio.Event()

    async def handler(request: Request) -> RawResponse:
        started.set()
        await asyncio.sleep(3600)
        return RawResponse(204, {}, b"")

    transport = MockTransport(handler)
    client = await open_client(transport)
    seen: list[ItemResult] = []
    task = asyncio.create_task(client.bulk_delete(ids(100), concurrency=4, on_result=seen.append))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await client.close()
    assert len(transport.requests) == 4
    assert len(seen) == 4
    assert {result.outcome for result in seen} == {Outcome.UNKNOWN}


async def test_raise_for_failures() -> None:
    """raise_for_failures raises a BulkError (an ExceptionGroup) carrying the report."""
    client = await open_client(
        MockTransport(lambda request: error(404, "not found", "authorization not found"))
    )
    report = await client.bulk_delete(ids(3))
    ok = await client.bulk_delete(ids(3), missing_ok=True)
    await client.close()
    assert ok.raise_for_failures() is ok
    with pytest.raises(BulkError) as caught:
        report.raise_for_failures()
    group = caught.value
    assert isinstance(group, ExceptionGroup)
    assert isinstance(group.report, BulkReport)
    assert len(group.exceptions) == 3
    assert "3 of 3 items failed (3 not_found)" in str(group)
    _, rest = group.split(lambda exc: False)
    assert isinstance(rest, BulkError)
    assert rest.report is report


@pytest.mark.parametrize("concurrency", [0, -1, 1.5, True])
async def test_bad_concurrency(concurrency: Any) -> None:
    """A concurrency that is not a positive integer is refused with its value named."""
    client = await open_client(MockTransport(lambda request: RawResponse(204, {}, b"")))
    with pytest.raises(ValueError, match="concurrency must be a positive integer"):
        await client.bulk_delete(ids(1), concurrency=concurrency)
    await client.close()


async def test_bulk_on_unopened_client_fails_up_front() -> None:
    """A bulk call on a client that is not open raises instead of failing every item."""
    client = LegacyAuthClient(
        BASE, token="t0ken", transport=MockTransport(lambda r: RawResponse(204, {}, b""))
    )
    with pytest.raises(Exception, match="not open"):
        await client.bulk_delete(ids(3))


async def test_items_never_started_do_not_show_a_password() -> None:
    """A batch stopped by a 401 reports the pairs it never started as skipped; a malformed
    one, which may be a bare password, is named by its type only."""
    transport = MockTransport(lambda request: error(401, "unauthorized", "unauthorized access"))
    client = await open_client(transport)
    items: list[Any] = [(ids(1)[0], "long-enough-password"), "a-secret-string", ("x", 5)]
    report = await client.bulk_set_password(items, concurrency=1)
    await client.close()
    assert [result.outcome for result in report.results] == [Outcome.FAILED] + [Outcome.SKIPPED] * 2
    assert [result.key for result in report.results] == [ids(1)[0], "<str>", "<tuple>"]
    assert "a-secret-string" not in repr(report)
    assert "long-enough-password" not in repr(report)


async def test_a_swapped_pair_never_sends_or_shows_its_password() -> None:
    """``(password, auth_id)`` instead of ``(auth_id, password)``: the password would have
    gone into the URL path (and from there into errors and logs). It is refused before
    anything is sent and named by its type only."""
    transport = MockTransport(lambda request: RawResponse(204, {}, b""))
    client = await open_client(transport)
    password = "swapped-secret-password-1"
    report = await client.bulk_set_password([(password, ids(1)[0])], concurrency=1)
    with pytest.raises(ArgumentError, match="swapped") as raised:
        await client.set_password(password, ids(1)[0])
    await client.close()
    assert transport.requests == []
    [result] = report.results
    assert (result.outcome, result.key) == (Outcome.FAILED, "<tuple>")
    assert "swapped" in (result.message or "")
    for shown in (repr(report), str(report.results), str(raised.value), repr(raised.value)):
        assert password not in shown
