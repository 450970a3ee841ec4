"""The one rollback the client's create and provisioning's Undo share: a cut-off change is
let finish and what it made removed; cancelled again, the removal goes on in the background
and the error says so."""

from __future__ import annotations

import asyncio
import logging

import pytest

from aioinflux_legacyauth._rollback import once_made, roll_back
from aioinflux_legacyauth.provisioning.undo import Undo


async def test_once_made_removes_what_the_change_made_and_nothing_when_it_failed() -> None:
    removed: list[str] = []

    async def remove(made: str) -> list[str]:
        removed.append(made)
        return [f"removed {made}"]

    nothing: list[str] = []
    made: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    made.set_result("b1")
    assert await once_made(made, remove, otherwise=nothing) == ["removed b1"]
    refused: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    refused.set_exception(RuntimeError("refused"))
    assert await once_made(refused, remove, otherwise=nothing) == []
    assert removed == ["b1"]


async def test_an_undo_cancelled_again_finishes_in_the_background_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="aioinflux_legacyauth")
    release = asyncio.Event()
    removed: list[str] = []

    async def remove() -> None:
        await release.wait()
        removed.append("b1")

    undo = Undo()
    undo.add("bucket b1", remove)
    error = RuntimeError("provision failed")
    running = asyncio.ensure_future(undo.run(error))
    await asyncio.sleep(0)
    running.cancel()  # a second Ctrl-C while the bucket is being removed
    await running  # the rollback's caller stops waiting, it is not cut off
    assert error.__notes__ == ["rollback: removing bucket b1 continues in the background"]
    release.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert removed == ["b1"]
    assert "rolled back: bucket b1 was removed again" in caplog.messages


async def test_a_rollback_cancelled_before_it_ends_logs_that_it_did_not_finish(
    caplog: pytest.LogCaptureFixture,
) -> None:
    never: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
    error = RuntimeError("create failed")
    rolling = asyncio.ensure_future(roll_back(never, error, doing="deleting x", label="x"))
    await asyncio.sleep(0)
    rolling.cancel()
    await rolling
    never.cancel()  # the loop closes under it, say
    for _ in range(5):
        await asyncio.sleep(0)
    assert error.__notes__ == ["rollback: deleting x continues in the background"]
    assert "the rollback of x was cancelled before it finished" in caplog.messages


async def test_a_rollback_stopped_while_it_waits_for_the_change_logs_that_it_did_not_finish(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Cancelled twice, the rollback goes on in the background, still waiting for the
    change's answer; when the loop closes under it (asyncio.run cancels what is left), the
    log must say it did not finish, not stay silent as if nothing had been made."""
    answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    removed: list[str] = []

    async def remove(made: str) -> list[str]:
        removed.append(made)
        return [f"removed {made}"]

    error = asyncio.CancelledError()
    rolling = asyncio.ensure_future(
        roll_back(once_made(answer, remove, otherwise=[]), error, doing="deleting x", label="x")
    )
    await asyncio.sleep(0)
    rolling.cancel()  # the second Ctrl-C
    await rolling
    assert error.__notes__ == ["rollback: deleting x continues in the background"]
    for task in asyncio.all_tasks():  # what asyncio.run does when its coroutine returns
        if task is not asyncio.current_task():
            task.cancel()
    for _ in range(5):
        await asyncio.sleep(0)
    assert removed == []
    assert "the rollback of x was cancelled before it finished" in caplog.messages


async def test_once_made_takes_a_change_cancelled_on_its_own_for_nothing_made() -> None:
    """The change itself cut off (not the rollback waiting for it): no answer, no ID."""
    answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def remove(made: str) -> list[str]:
        return [f"removed {made}"]

    waiting = asyncio.ensure_future(once_made(answer, remove, otherwise=["nothing"]))
    await asyncio.sleep(0)
    answer.cancel()
    assert await waiting == ["nothing"]
