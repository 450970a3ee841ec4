"""Close connections that never finish their first request head.

aiohttp closes an idle keep-alive connection after its ``keepalive_timeout``, and (from
aiohttp 3.10.11 or so) also one that never sends a request at all, but the library
supports older releases that wait forever for a first request. This guard starts a timer
for every new connection; the app's front middleware stops it when a request arrives;
otherwise it closes the connection. After the first request, aiohttp's keep-alive timer
(set to ``Limits.idle_timeout``) takes over, for idle and half-sent later requests alike.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

__all__ = ["ConnectionGuard"]


class ConnectionGuard:
    """A protocol factory for ``loop.create_server`` that wraps aiohttp's server."""

    def __init__(self, server: web.Server, header_timeout: float | None) -> None:
        self._server = server
        self._timeout = header_timeout
        self._pending: dict[object, asyncio.TimerHandle] = {}

    def __call__(self) -> asyncio.BaseProtocol:
        handler = self._server()
        if self._timeout is not None:
            loop = asyncio.get_running_loop()
            self._pending[handler] = loop.call_later(self._timeout, self._expire, handler)
        return handler

    @property
    def waiting(self) -> int:
        """Connections that have not yet sent a whole first request head."""
        return len(self._pending)

    def request_started(self, protocol: object) -> None:
        """A request head arrived on the connection of ``protocol``: stop its timer."""
        timer = self._pending.pop(protocol, None)
        if timer is not None:
            timer.cancel()

    def _expire(self, handler: web.RequestHandler) -> None:
        self._pending.pop(handler, None)
        transport = handler.transport
        if transport is not None and not transport.is_closing():
            transport.close()

    def close(self) -> None:
        """Stop every timer (the server is shutting down)."""
        for timer in self._pending.values():
            timer.cancel()
        self._pending.clear()
