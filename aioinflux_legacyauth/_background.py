"""Work a cancelled caller stopped waiting for: kept alive until done, its outcome logged.

A rollback runs on after a second Ctrl-C (its caller's note says so); asyncio keeps only a
weak reference to a task, and nobody would read what the rollback found. Here it is held
until it ends, and each of its notes is logged (``rollback failed: ...`` as a warning).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Iterable
from typing import Any, Final

__all__ = ["finish_in_background"]

logger: Final = logging.getLogger("aioinflux_legacyauth")

_RUNNING: Final[set[asyncio.Future[Any]]] = set()


def finish_in_background(work: asyncio.Future[Any], what: str) -> None:
    """Hold ``work`` (it returns a note, notes or None) until it ends, then log them."""
    _RUNNING.add(work)
    work.add_done_callback(functools.partial(_log_outcome, what))


def _log_outcome(what: str, done: asyncio.Future[Any]) -> None:
    _RUNNING.discard(done)
    if done.cancelled():
        logger.warning("%s was cancelled before it finished", what)
        return
    error = done.exception()
    if error is not None:
        logger.warning("%s failed: %s", what, type(error).__name__)
        return
    result = done.result()
    notes: Iterable[str] = [result] if isinstance(result, str) else (result or ())
    for note in notes:
        level = logging.WARNING if note.startswith("rollback failed") else logging.INFO
        logger.log(level, "%s", note)
