"""Undo on its own: a change cut off before its answer still lets the older ones be taken
back, and what it leaves is said."""

from __future__ import annotations

import asyncio

from aioinflux_legacyauth.provisioning.undo import Undo


async def test_a_cancelled_change_does_not_stop_the_older_ones_being_taken_back() -> None:
    undone: list[str] = []
    undo = Undo()

    async def remove(name: str) -> None:
        undone.append(name)

    undo.add("bucket b1", lambda: remove("b1"))
    never_answered: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    making = asyncio.ensure_future(
        undo.make(never_answered, pending="a mapping", what=str, undo=remove)
    )
    await asyncio.sleep(0)
    never_answered.cancel()  # the change itself is cut off: no answer, nothing known made
    error = RuntimeError("provision failed")
    try:
        await making
    except asyncio.CancelledError:
        await undo.run(error)
    assert undone == ["b1"]
    assert error.__notes__ == ["rolled back: bucket b1 was removed again"]
