"""A transport that holds one answer back: the server has acted, the caller has not heard.

What the cancellation tests need to cut a call off at its worst moment: after the server
made something, before its answer (and so the ID of what it made) arrives.
"""

from __future__ import annotations

import asyncio

from aioinflux_legacyauth import AiohttpTransport, RawResponse, Request, Timeout
from aioinflux_legacyauth._transports import base_url


class HeldAnswers:
    """The real transport; the answer to the first request to ``method path`` is held back
    until :attr:`release` is set (the server has done its part when :attr:`applied` is)."""

    def __init__(self, url: str, method: str, path: str) -> None:
        self.inner = AiohttpTransport(base_url(url))
        self.method, self.path = method, path
        self.applied, self.release = asyncio.Event(), asyncio.Event()

    async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
        response = await self.inner.send(request, timeout=timeout)
        if (request.method, request.path) == (self.method, self.path) and not self.applied.is_set():
            self.applied.set()
            await self.release.wait()
        return response
