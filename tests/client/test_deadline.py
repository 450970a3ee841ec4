"""A call's deadline bounds all its attempts and every wait between them.

``timeout=`` bounds each attempt; ``deadline=`` (the client's default, or per call) the
whole call: a server that never answers, or asks to wait a minute between attempts, costs
at most the deadline. Each test also bounds itself with ``wait_for``, so a deadline that
is not kept fails instead of hanging; no test measures time.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest

from aioinflux_legacyauth import (
    DEFAULT_DEADLINE,
    LegacyAuthClient,
    Outcome,
    RawResponse,
    Request,
    RequestTimeoutError,
    RetryPolicy,
    Timeout,
    TooManyRequestsError,
    UnavailableError,
)
from aioinflux_legacyauth.testing import MockTransport, error_response

BASE = "http://influx.test:8086"
AUTH_ID = "0d9c3a1e5b2f4000"
#: Far longer than any deadline below, far shorter than the waits a kept deadline avoids.
GUARD = 30.0
_T = TypeVar("_T")


async def bounded(call: Awaitable[_T]) -> _T:
    return await asyncio.wait_for(call, GUARD)


async def never_answers(request: Request) -> RawResponse:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


def client(transport: MockTransport, **options: Any) -> LegacyAuthClient:
    return LegacyAuthClient(BASE, "t0ken", transport=transport, **options)


async def test_a_server_that_never_answers_costs_the_deadline() -> None:
    transport = MockTransport(never_answers)
    # No per-attempt limit at all: only the deadline can end the call.
    async with client(transport, timeout=Timeout(), deadline=0.2) as c:
        with pytest.raises(RequestTimeoutError, match="deadline passed") as caught:
            await bounded(c.list())
    assert caught.value.maybe_sent  # cut off in flight: it may have been applied
    assert caught.value.method == "GET"
    assert len(transport.requests) == 1
    assert caught.value.__notes__ == [
        "retry: stopped after 1 attempt(s): the call's deadline passed"
    ]


async def test_retry_after_waits_that_would_pass_the_deadline_are_not_made() -> None:
    answer = error_response(429, "too many requests", "slow down")
    throttled = RawResponse(answer.status, {**answer.headers, "Retry-After": "60"}, answer.body)
    transport = MockTransport(lambda request: throttled)
    async with client(transport, deadline=5) as c:
        with pytest.raises(TooManyRequestsError) as caught:
            await bounded(c.get(AUTH_ID))
    assert len(transport.requests) == 1
    notes = "\n".join(caught.value.__notes__)
    assert "deadline" in notes
    assert "would wait 60 s" in notes


async def test_instant_retries_count_their_waits_against_the_deadline() -> None:
    answer = error_response(503, "unavailable", "busy")
    busy = RawResponse(answer.status, {**answer.headers, "Retry-After": "1"}, answer.body)
    transport = MockTransport(lambda request: busy)
    policy = RetryPolicy(max_attempts=50, instant=True)
    async with client(transport, retry=policy) as c:
        with pytest.raises(UnavailableError) as caught:
            await bounded(c.get(AUTH_ID, deadline=3.5))
    assert 3 <= len(transport.requests) <= 4  # waits of 1 s each: three fit in 3.5 s
    assert "deadline" in "\n".join(caught.value.__notes__)


async def test_a_call_deadline_replaces_the_clients() -> None:
    transport = MockTransport(never_answers)
    async with client(transport, timeout=Timeout(), deadline=None) as c:
        with pytest.raises(RequestTimeoutError, match="deadline passed"):
            await bounded(c.get(AUTH_ID, deadline=0.1))


async def test_bulk_items_each_get_the_deadline_and_the_report_stays_whole() -> None:
    transport = MockTransport(never_answers)
    keys = [f"{number:016x}" for number in range(1, 7)]
    async with client(transport, timeout=Timeout()) as c:
        report = await bounded(c.bulk_delete(keys, concurrency=3, deadline=0.1))
    assert [r.key for r in report.results] == keys
    assert {r.outcome for r in report.results} == {Outcome.UNKNOWN}
    assert all(isinstance(r.error, RequestTimeoutError) for r in report.results)


async def test_an_attempt_that_ends_in_time_anyway_runs_without_a_timer() -> None:
    """With the default per-attempt timeout under the deadline, calls are as before."""
    transport = MockTransport(lambda request: RawResponse(204, {}, b""))
    async with client(transport) as c:
        await c.delete(AUTH_ID)
    assert DEFAULT_DEADLINE == 120.0


@pytest.mark.parametrize("bad", [0, -1, math.nan, True, "10"])
def test_a_deadline_must_be_a_positive_number(bad: object) -> None:
    with pytest.raises(ValueError, match="deadline must be None or a number of seconds > 0"):
        LegacyAuthClient(BASE, "t0ken", deadline=bad)  # type: ignore[arg-type]


async def test_a_bad_call_deadline_fails_the_call() -> None:
    async with client(MockTransport(lambda request: RawResponse(204, {}, b""))) as c:
        with pytest.raises(ValueError, match="deadline"):
            await c.delete(AUTH_ID, deadline=-5)
        with pytest.raises(ValueError, match="deadline"):
            await c.bulk_delete([AUTH_ID], deadline=0)
        await c.delete(AUTH_ID, deadline=math.inf)  # no deadline for this call
