"""Undoing what a failed call made, so a failure part-way leaves nothing half-made."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from .._errors import LegacyAuthError
from .._rollback import once_made, roll_back

__all__ = ["Undo"]

_T = TypeVar("_T")
#: What a step returns when there was nothing to take back (its change was never made).
_NOTHING: Final = object()


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

    async def make(
        self,
        change: Awaitable[_T],
        *,
        pending: str,
        what: Callable[[_T], str],
        undo: Callable[[_T], Awaitable[object]],
    ) -> _T:
        """Await ``change`` and remember how to take back what it made.

        A cancellation while it is on its way does not cut it off: the server may make
        the change anyway, and only its answer says what to remove. So the request runs
        on, and :meth:`run` waits for that answer (``pending`` names the change until
        then) and takes back whatever it made; ``what(made)`` names it once it is known.
        """
        making = asyncio.ensure_future(change)
        index = len(self._steps)
        self._steps.append((pending, lambda: once_made(making, undo, otherwise=_NOTHING)))
        made = await asyncio.shield(making)
        self._steps[index] = (what(made), lambda: undo(made))
        return made

    def forget(self) -> None:
        """The call succeeded: nothing is to be taken back."""
        self._steps.clear()

    async def run(self, error: BaseException) -> None:
        """Take every change back, newest first, and note the outcome on ``error``."""
        steps, self._steps = self._steps, []
        if not steps:
            return
        listed = ", ".join(what for what, _ in reversed(steps))
        await roll_back(_take_back(steps), error, doing=f"removing {listed}", label=listed)


async def _take_back(steps: list[tuple[str, Callable[[], Awaitable[object]]]]) -> list[str]:
    notes = []
    for what, undo in reversed(steps):
        try:
            undone = await undo()
        except LegacyAuthError as failure:
            notes.append(f"rollback failed: {what} is left, it could not be removed: {failure}")
        else:
            if undone is not _NOTHING:
                notes.append(f"rolled back: {what} was removed again")
    return notes
