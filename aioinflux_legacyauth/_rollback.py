"""Taking back what a failed or cancelled call made, even when it is cancelled meanwhile.

The client's ``create(password=...)`` and provisioning's :class:`Undo` both do it: a
change cut off by a cancellation may still be made by the server, and only its answer
says what to remove (:func:`once_made`); the removal itself runs shielded, so a second
cancellation leaves it running in the background instead of half done (:func:`roll_back`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from ._background import finish_in_background

__all__ = ["once_made", "roll_back"]

_T = TypeVar("_T")
_R = TypeVar("_R")


async def once_made(
    making: Awaitable[_T], undo: Callable[[_T], Awaitable[_R]], *, otherwise: _R
) -> _R:
    """``undo(made)`` once ``making`` has answered; ``otherwise`` if it made nothing known.

    Cancelled itself while it waits (the loop closing under a rollback left to the
    background), it raises: the rollback did not finish, and must not pass for one that
    found nothing to remove.
    """
    try:
        made = await making
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():  # this rollback was stopped, not the change
            raise
        return otherwise  # the change was cut off on its own: no answer, no ID
    except BaseException:  # refused or no answer: no ID, nothing to remove
        return otherwise
    return await undo(made)


async def roll_back(
    rollback: Awaitable[Sequence[str]], error: BaseException, *, doing: str, label: str
) -> None:
    """Await ``rollback`` shielded from cancellation and add the notes it returns to ``error``.

    Cancelled again meanwhile, it goes on in the background (its notes logged, see
    :func:`finish_in_background`) and ``error`` says so: ``rollback: {doing} continues in
    the background``. ``label`` names it in the log, as ``the rollback of {label}``.
    """
    pending = asyncio.ensure_future(rollback)
    try:
        notes = await asyncio.shield(pending)
    except asyncio.CancelledError:
        error.add_note(f"rollback: {doing} continues in the background")
        finish_in_background(pending, f"the rollback of {label}")
        return
    for note in notes:
        error.add_note(note)
