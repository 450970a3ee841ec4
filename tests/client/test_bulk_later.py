"""Bulk items whose result comes later (``Later``): the worker goes on, the report is whole.

A rotation leaves each item's publishing for the publisher's next batch; the engine must
still give one result per item, in input order, to ``on_result`` exactly once, and treat a
failure or a cancellation of the later part as it does the rest of an item.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from aioinflux_legacyauth import ItemResult, Outcome
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
