"""Undoing what a failed call made, so a failure part-way leaves nothing half-made."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from .._errors import LegacyAuthError

__all__ = ["Undo"]


class Undo:
    """The changes a call made so far, each with the step that takes it back.

    :meth:`run` takes them back newest first. It is shielded from cancellation, as the
    client's create does, so an interrupted call still cleans up; what could not be taken
    back is added to the error as a note, naming what is left.
    """

    def __init__(self) -> None:
        self._steps: list[tuple[str, Callable[[], Awaitable[object]]]] = []

    def add(self, what: str, undo: Callable[[], Awaitable[object]]) -> None:
        """Remember that ``what`` was made and ``undo()`` removes it."""
        self._steps.append((what, undo))

    def forget(self) -> None:
        """The call succeeded: nothing is to be taken back."""
        self._steps.clear()

    async def run(self, error: BaseException) -> None:
        """Take every change back, newest first, and note the outcome on ``error``."""
        steps, self._steps = self._steps, []
        if not steps:
            return
        pending = asyncio.ensure_future(_take_back(steps))
        try:
            notes = await asyncio.shield(pending)
        except asyncio.CancelledError:
            listed = ", ".join(what for what, _ in reversed(steps))
            error.add_note(f"rollback: removing {listed} continues in the background")
            return
        for note in notes:
            error.add_note(note)


async def _take_back(steps: list[tuple[str, Callable[[], Awaitable[object]]]]) -> list[str]:
    notes = []
    for what, undo in reversed(steps):
        try:
            await undo()
        except LegacyAuthError as failure:
            notes.append(f"rollback failed: {what} is left, it could not be removed: {failure}")
        else:
            notes.append(f"rolled back: {what} was removed again")
    return notes
