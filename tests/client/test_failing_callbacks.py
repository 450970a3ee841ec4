"""A caller's ``on_result``/``on_progress`` that raises: the batch stops, but its
accounting does not. The items already sent finish, every item is in the report (on the
error, as ``bulk_report``), and the callback's own error reaches the caller afterwards."""

from __future__ import annotations

import asyncio

import pytest

from aioinflux_legacyauth import (
    ItemResult,
    LegacyAuthClient,
    Outcome,
    RawResponse,
    Request,
    RetryPolicy,
)
from aioinflux_legacyauth.testing import MockTransport


def ids(count: int) -> list[str]:
    return [f"{number:016x}" for number in range(1, count + 1)]


def slow_deletes() -> MockTransport:
    """Every DELETE succeeds, a few loop turns after it was sent."""

    async def answer(request: Request) -> RawResponse:
        for _ in range(5):
            await asyncio.sleep(0)
        return RawResponse(204, {}, b"")

    return MockTransport(answer)


def connect(transport: MockTransport) -> LegacyAuthClient:
    return LegacyAuthClient(
        "http://influx.test:8086", "t0ken", transport=transport, retry=RetryPolicy(instant=True)
    )


async def test_a_failing_on_result_leaves_no_sent_item_unaccounted() -> None:
    transport = slow_deletes()
    calls: list[str] = []

    def on_result(result: ItemResult) -> None:
        calls.append(result.key)
        message = "audit log disk full"
        raise OSError(message)

    async with connect(transport) as client:
        with pytest.raises(OSError, match="audit log disk full") as caught:
            await client.bulk_delete(ids(20), concurrency=4, on_result=on_result)

    report = caught.value.bulk_report  # type: ignore[attr-defined]
    assert [result.key for result in report.results] == ids(20)
    counts = report.counts
    # Every delete that was sent ran to its answer: none cut off as "unknown".
    assert counts[Outcome.UNKNOWN] == 0
    assert counts[Outcome.OK] == len(transport.requests)
    assert counts[Outcome.OK] + counts[Outcome.SKIPPED] == 20
    assert counts[Outcome.SKIPPED] > 0  # the batch did stop
    assert len(calls) == 1  # a broken callback is not called again
    assert any("on_result" in note for note in caught.value.__notes__)


async def test_a_failing_on_progress_is_reported_after_the_accounting() -> None:
    transport = slow_deletes()

    async def on_progress(done: int, total: int | None) -> None:
        await asyncio.sleep(0)
        if done == 2:
            message = "progress bar gone"
            raise RuntimeError(message)

    async with connect(transport) as client:
        with pytest.raises(RuntimeError, match="progress bar gone") as caught:
            await client.bulk_delete(ids(10), concurrency=3, on_progress=on_progress)

    report = caught.value.bulk_report  # type: ignore[attr-defined]
    assert len(report.results) == 10
    assert report.counts[Outcome.UNKNOWN] == 0
