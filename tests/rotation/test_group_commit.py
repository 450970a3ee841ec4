"""GroupCommit: the batching the journal and the publisher share, without a disk."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from aioinflux_legacyauth.rotation.group_commit import GroupCommit


class Recorder:
    """A commit that keeps each batch, can be held open, and can fail on purpose."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_with: Exception | None = None

    async def commit(self, items: Sequence[int]) -> None:
        self.batches.append(list(items))
        await self.gate.wait()
        if self.fail_with is not None:
            raise self.fail_with


async def test_items_handed_in_during_a_commit_go_out_together() -> None:
    """One commit for the first item; everything submitted meanwhile shares the next."""
    recorder = Recorder()
    recorder.gate.clear()
    group = GroupCommit(recorder.commit)
    first = asyncio.create_task(group.submit(1))
    await asyncio.sleep(0)
    rest = [asyncio.create_task(group.submit(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    recorder.gate.set()
    await asyncio.gather(first, *rest)
    assert recorder.batches == [[1], [2, 3, 4]]


async def test_a_failed_commit_fails_every_waiter_and_the_next_starts_afresh() -> None:
    """The batch that failed and those queued behind it get the error; later items get a
    new batch."""
    recorder = Recorder()
    recorder.gate.clear()
    recorder.fail_with = OSError("disk full")
    group = GroupCommit(recorder.commit, failure=lambda exc: ValueError(f"wrapped: {exc}"))
    first = asyncio.create_task(group.submit(1))
    await asyncio.sleep(0)
    queued = asyncio.create_task(group.submit(2))
    await asyncio.sleep(0)
    recorder.gate.set()
    for task in (first, queued):
        with pytest.raises(ValueError, match="wrapped: disk full"):
            await task
    recorder.fail_with = None
    await group.submit(3)
    assert recorder.batches == [[1], [3]]


@pytest.mark.parametrize("under_way", [True, False])
async def test_wait_and_cancel(under_way: bool) -> None:
    """wait() returns once all is committed; cancel() stops a commit under way, or one
    not begun yet, and the items left are cancelled for their waiters (none hangs)."""
    recorder = Recorder()
    group = GroupCommit(recorder.commit)
    await group.wait()  # nothing handed in yet
    await group.submit(1)
    await group.wait()
    recorder.gate.clear()
    pending = asyncio.create_task(group.submit(2))
    for _ in range(3 if under_way else 1):
        await asyncio.sleep(0)
    await group.cancel()
    with pytest.raises(asyncio.CancelledError):
        await pending
    assert recorder.batches == ([[1], [2]] if under_way else [[1]])


# -- spacing (issue 15): commits that take time are made less often ---------------------


async def test_a_spaced_commit_waits_and_gathers_what_comes_meanwhile() -> None:
    """After a commit that took d, the next waits spacing * d: items handed in during the
    wait go out in one batch, and ``hurry()`` ends the wait."""
    recorder = Recorder()
    group = GroupCommit(recorder.commit, spacing=1_000.0)
    recorder.gate.clear()
    first = asyncio.create_task(group.submit(1))
    await asyncio.sleep(0.02)  # the first commit takes a little while...
    recorder.gate.set()
    await first
    # ... so the next one waits a thousand times as long: long enough to gather these.
    rest = [asyncio.create_task(group.submit(n)) for n in range(2, 8)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert recorder.batches == [[1]]
    group.hurry()
    await asyncio.gather(*rest)
    assert recorder.batches == [[1], [2, 3, 4, 5, 6, 7]]


async def test_wait_does_not_wait_for_the_spacing() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.commit, spacing=1_000.0)
    recorder.gate.clear()
    first = asyncio.create_task(group.submit(1))
    await asyncio.sleep(0.02)
    recorder.gate.set()
    await first
    later = asyncio.create_task(group.submit(2))
    await asyncio.sleep(0)
    await group.wait()  # hurries: the spaced commit goes out now
    await later
    assert recorder.batches == [[1], [2]]


async def test_without_spacing_commits_follow_each_other() -> None:
    recorder = Recorder()
    group = GroupCommit(recorder.commit)
    for number in range(3):
        await group.submit(number)
    assert recorder.batches == [[0], [1], [2]]
