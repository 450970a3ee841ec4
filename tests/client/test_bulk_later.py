"""Bulk items whose result comes later (``Later``): the worker goes on, the report is whole.

A rotation leaves each item's publishing for the publisher's next batch; the engine must
still give one result per item, in input order, to ``on_result`` exactly once, and treat a
failure or a cancellation of the later part as it does the rest of an item.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from aioinflux_legacyauth import BulkReport, ItemResult, Outcome
from aioinflux_legacyauth.bulk import run_bulk
from aioinflux_legacyauth.bulk.engine import Later

KEYS = [f"{n:016x}" for n in range(1, 13)]


class FatalError(Exception):
    """The job's own failure: it stops the job."""


class Gate:
    """Holds every item's later part until opened, recording what started meanwhile."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.started: list[str] = []

    async def handle(self, key: str) -> ItemResult | Later:
        self.started.append(key)
        if key == KEYS[2]:
            return ItemResult(key=key, op="test", outcome=Outcome.FAILED, message="at once")

        async def finish() -> ItemResult:
            await self.open.wait()
            if key == KEYS[4]:
                raise RuntimeError("a bug in the later part")
            return ItemResult(key=key, op="test", outcome=Outcome.OK)

        return Later(finish)


async def test_workers_go_on_while_later_parts_wait() -> None:
    gate = Gate()
    seen: list[ItemResult] = []
    job = asyncio.ensure_future(
        run_bulk(
            KEYS, gate.handle, op="test", concurrency=2, fail_fast=False,
            on_result=seen.append, on_progress=None,
        )
    )  # fmt: skip
    for _ in range(50):
        await asyncio.sleep(0)
    assert gate.started == KEYS  # two workers started every item: none waits for its later part
    assert [r.key for r in seen] == [KEYS[2]]
    gate.open.set()
    report = await job
    assert [r.key for r in report.results] == KEYS
    assert Counter(r.key for r in seen) == Counter(KEYS)
    outcomes = [r.outcome for r in report.results]
    assert outcomes[2] is Outcome.FAILED
    assert outcomes[4] is Outcome.UNKNOWN  # what a bug in an item becomes
    assert outcomes.count(Outcome.OK) == len(KEYS) - 2


async def test_a_fatal_error_in_a_later_part_stops_the_job() -> None:
    async def handle(key: str) -> Later:
        async def finish() -> ItemResult:
            raise FatalError(key)

        return Later(finish)

    with pytest.raises(FatalError):
        await run_bulk(
            KEYS, handle, op="test", concurrency=3, fail_fast=False,
            on_result=None, on_progress=None, fatal=(FatalError,),
        )  # fmt: skip


async def test_a_later_part_cut_off_by_cancellation_is_unknown() -> None:
    gate = Gate()
    seen: list[ItemResult] = []
    job = asyncio.ensure_future(
        run_bulk(
            KEYS[:2], gate.handle, op="test", concurrency=2, fail_fast=False,
            on_result=seen.append, on_progress=None,
        )
    )  # fmt: skip
    for _ in range(20):
        await asyncio.sleep(0)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert sorted(r.key for r in seen) == KEYS[:2]
    assert {r.outcome for r in seen} == {Outcome.UNKNOWN}


class Publishing:
    """A rotation's shape: each item sets a password at once, then its later part waits for
    the next publish batch; what a later part sees of a cancellation is recorded."""

    def __init__(self) -> None:
        self.batch = asyncio.Event()
        self.cut: list[str] = []

    def later(self, key: str) -> Later:
        async def publish() -> ItemResult:
            try:
                await self.batch.wait()
            except asyncio.CancelledError:
                self.cut.append(key)  # its own clean-up (an item span, say) runs here
                raise
            return ItemResult(key=key, op="test", outcome=Outcome.OK)

        return Later(publish)


async def test_a_later_part_cancelled_before_its_first_step_is_reported_unknown() -> None:
    """The worst moment: the batch is cancelled (Ctrl-C) just as an item's later part was
    handed over, so its task is cancelled before its coroutine ever ran."""
    publishing = Publishing()
    seen: list[ItemResult] = []
    job: asyncio.Future[BulkReport] | None = None

    async def handle(key: str) -> Later:
        assert job is not None
        job.cancel()  # reaches the pool before the later part's task has taken a step
        return publishing.later(key)

    job = asyncio.ensure_future(
        run_bulk(
            KEYS[:1], handle, op="test", concurrency=1, fail_fast=False,
            on_result=seen.append, on_progress=None,
        )
    )  # fmt: skip
    with pytest.raises(asyncio.CancelledError):
        await job
    assert [(r.key, r.outcome) for r in seen] == [(KEYS[0], Outcome.UNKNOWN)]
    assert publishing.cut == [KEYS[0]]  # the later part saw the cancellation


async def test_a_later_part_cut_off_by_a_siblings_failure_before_its_first_step_is_reported() -> (
    None
):
    """The other worst moment: a sibling fails just before an item's later part is handed
    over, and the pool cancels that part's task before its first step."""
    publishing = Publishing()
    seen: list[ItemResult] = []
    # The fatal item wakes first, so the pool's abort is queued before the later part's task.
    fatal_wakes, later_wakes = asyncio.Event(), asyncio.Event()

    async def handle(key: str) -> Later:
        if key == KEYS[1]:
            await fatal_wakes.wait()
            raise FatalError(key)
        await later_wakes.wait()
        return publishing.later(key)

    job = asyncio.ensure_future(
        run_bulk(
            KEYS[:2], handle, op="test", concurrency=2, fail_fast=False,
            on_result=seen.append, on_progress=None, fatal=(FatalError,),
        )
    )  # fmt: skip
    for _ in range(5):
        await asyncio.sleep(0)
    fatal_wakes.set()
    later_wakes.set()
    with pytest.raises(FatalError):
        await job
    assert [(r.key, r.outcome) for r in seen] == [(KEYS[0], Outcome.UNKNOWN)]
    assert publishing.cut == [KEYS[0]]


async def test_a_later_part_cut_short_is_reported_even_when_cancelled_again_and_again() -> None:
    """An impatient operator: the batch is cancelled as an item's later part is handed
    over, and again on every turn of the loop until it ends. The parts that never took a
    step are run cut off all the same: every item started gets its one result."""
    publishing = Publishing()
    seen: list[ItemResult] = []
    job: asyncio.Future[BulkReport] | None = None
    impatient: list[asyncio.Task[None]] = []

    async def cancel_on_every_turn() -> None:
        assert job is not None
        while not job.done():
            job.cancel()
            await asyncio.sleep(0)

    async def handle(key: str) -> Later:
        if key == KEYS[3]:
            impatient.append(asyncio.create_task(cancel_on_every_turn()))
            assert job is not None
            job.cancel()
        return publishing.later(key)

    job = asyncio.ensure_future(
        run_bulk(
            KEYS, handle, op="test", concurrency=2, fail_fast=False,
            on_result=seen.append, on_progress=None,
        )
    )  # fmt: skip
    with pytest.raises(asyncio.CancelledError):
        await job
    await impatient[0]
    started = KEYS[:5]  # KEYS[3] was being handed over; the other worker had claimed KEYS[4]
    assert Counter(r.key for r in seen) == Counter(started)
    assert {r.outcome for r in seen} == {Outcome.UNKNOWN}
    assert sorted(publishing.cut) == started  # each later part saw its cancellation
