"""Reading request bodies: only once a handler wants them, within the body timeout.

Nothing reads a body before the request is authenticated (an unauthenticated request
costs the emulator its headers only), a body that stops arriving closes the connection
after ``Limits.body_timeout``, and what the request log keeps of a body is cut to
``Limits.max_kept_body`` bytes.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import attrs
from aiohttp import web
from multidict import MultiDictProxy

from .state import STATE

__all__ = [
    "BodyTimeoutError",
    "KeptBody",
    "keep",
    "keeping_bodies",
    "read_body",
    "read_form",
    "within",
]

_T = TypeVar("_T")


class BodyTimeoutError(Exception):
    """The body did not arrive in time; the connection has been closed."""


@attrs.frozen
class KeptBody:
    """The start of a body, as the request log keeps it, and its full size."""

    data: bytes
    size: int

    @property
    def truncated(self) -> bool:
        """Whether the log kept less than the whole body."""
        return len(self.data) < self.size


class _Slot:
    """Where a handler leaves what the request log should keep of its request's body."""

    def __init__(self) -> None:
        self.kept: KeptBody | None = None


# A context variable rather than request storage: the front middleware awaits the handler
# in its own task, so the handler fills the slot the middleware then reads.
_SLOT: contextvars.ContextVar[_Slot | None] = contextvars.ContextVar("kept_body", default=None)


@contextmanager
def keeping_bodies() -> Iterator[_Slot]:
    """Give the handlers run inside a slot for the body they read; yields it."""
    slot = _Slot()
    token = _SLOT.set(slot)
    try:
        yield slot
    finally:
        _SLOT.reset(token)


def _keeps_body(path: str) -> bool:
    # Password bodies never enter the log; line protocol is not worth keeping.
    api = path.startswith(("/api/v2", "/private/"))
    return api and not path.endswith(("/password", "/password/"))


async def within(request: web.Request, read: Callable[[], Awaitable[_T]]) -> _T:
    """Await ``read()`` within the body timeout; on expiry close the connection."""
    limits = request.app[STATE].limits
    try:
        async with asyncio.timeout(limits.body_timeout):
            return await read()
    except TimeoutError:
        transport = request.transport
        if transport is not None:
            transport.close()
        msg = f"request body not received within {limits.body_timeout}s"
        raise BodyTimeoutError(msg) from None


def keep(request: web.Request, body: bytes) -> None:
    """Remember the start of ``body`` for the request log, if this path's bodies are kept."""
    slot = _SLOT.get()
    if slot is not None and _keeps_body(request.path):
        limit = request.app[STATE].limits.max_kept_body
        slot.kept = KeptBody(body[:limit], len(body))


async def read_body(request: web.Request) -> bytes:
    """The whole body (aiohttp's size limit applies), read within the body timeout."""
    body = await within(request, request.read)
    keep(request, body)
    return body


async def read_form(
    request: web.Request,
) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The URL-encoded or multipart form of the body, read within the body timeout."""
    return await within(request, request.post)
