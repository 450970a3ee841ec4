"""A bulk job shares the event loop: it never runs many items without letting others run.

Items that finish without waiting (refused before sending, answered by a transport that
answers at once, done by an earlier rotation run) would otherwise run one after another in
a single step of one worker, holding every other task of the application (a web server's
requests, a heartbeat, a progress display) until the whole job is done.
"""

from __future__ import annotations

import asyncio

from aioinflux_legacyauth import ItemResult, LegacyAuthClient, Outcome, RawResponse, Request
from aioinflux_legacyauth.testing import MockTransport

IDS = [f"{n:016x}" for n in range(1, 401)]
CONCURRENCY = 4


class Ticker:
    """A task that counts its turns on the event loop."""

    def __init__(self) -> None:
        self.turns = 0
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            self.turns += 1
            await asyncio.sleep(0)

    def stop(self) -> None:
        self.task.cancel()


def deleted_at_once(request: Request) -> RawResponse:
    return RawResponse(204, {}, b"")


async def run_beside_a_ticker(items: list[str], *, notify: bool) -> tuple[list[int], int]:
    """Run a bulk delete of ``items``; the ticker's count at each result, and the results."""
    ticker = Ticker()
    await asyncio.sleep(0)  # the ticker has started
    turns_at_result: list[int] = []

    def seen(result: ItemResult) -> None:
        turns_at_result.append(ticker.turns)

    try:
        async with LegacyAuthClient(
            "http://influxdb.invalid:8086", token="t", transport=MockTransport(deleted_at_once)
        ) as client:
            report = await client.bulk_delete(
                items, concurrency=CONCURRENCY, on_result=seen if notify else None
            )
    finally:
        ticker.stop()
    if not notify:
        turns_at_result = [ticker.turns]
    return turns_at_result, len(report.results)


async def test_items_answered_at_once_let_other_tasks_run_between_them() -> None:
    turns, count = await run_beside_a_ticker(IDS, notify=True)
    assert count == len(IDS)
    # Every worker gives the loop back after each item: the ticker gets a turn per round.
    assert turns[-1] - turns[0] >= len(IDS) // CONCURRENCY - 1


async def test_items_refused_before_sending_let_other_tasks_run_between_them() -> None:
    not_ids = [f"not an id {n}" for n in range(len(IDS))]
    turns, count = await run_beside_a_ticker(not_ids, notify=True)
    assert count == len(not_ids)
    assert turns[-1] - turns[0] >= len(not_ids) // CONCURRENCY - 1


async def test_without_callbacks_the_job_still_shares_the_loop() -> None:
    ticker_turns, count = await run_beside_a_ticker(IDS, notify=False)
    assert count == len(IDS)
    assert ticker_turns[0] >= len(IDS) // CONCURRENCY - 1


def unauthorized(request: Request) -> RawResponse:
    return RawResponse(401, {}, b'{"code":"unauthorized","message":"unauthorized access"}')


async def test_the_items_skipped_after_a_401_let_other_tasks_run_between_them() -> None:
    """A 401 stops the job after its first items; the rest, reported ``skipped`` one by
    one (a generator of a million IDs, say), must not hold the loop either."""
    ticker = Ticker()
    await asyncio.sleep(0)
    turns_at_result: list[int] = []
    try:
        async with LegacyAuthClient(
            "http://influxdb.invalid:8086", token="t", transport=MockTransport(unauthorized)
        ) as client:
            report = await client.bulk_delete(
                (f"{n:016x}" for n in range(1, 2001)),
                concurrency=CONCURRENCY,
                on_result=lambda result: turns_at_result.append(ticker.turns),
            )
    finally:
        ticker.stop()
    skipped = [r for r in report.results if r.outcome is Outcome.SKIPPED]
    assert len(report.results) == 2000
    assert len(skipped) >= 2000 - CONCURRENCY
    # Not one turn per skipped item (reporting them costs too little), but many.
    assert turns_at_result[-1] - turns_at_result[0] >= len(skipped) // 100
