"""Test helpers for code that uses this library: a mock transport, and the emulator on demand.

:class:`MockTransport` answers each request with a function of your own, as httpx's
``MockTransport`` does, so a test sees exactly what the client sends and scripts what
the server answers, without sockets::

    from aioinflux_legacyauth import LegacyAuthClient, Request
    from aioinflux_legacyauth.testing import MockTransport, json_response

    def handler(request: Request) -> RawResponse:
        assert request.path == "/private/legacy/authorizations"
        return json_response(200, {"authorizations": []})

    transport = MockTransport(handler)
    async with LegacyAuthClient(url, token="t", transport=transport) as client:
        assert await client.list() == []

For a server that behaves like InfluxDB, ``testing.Emulator`` (and ``ThreadedEmulator``,
``Fault``, ``FaultKind``, ``FaultPlan``) are the emulator's; it is imported only when one
of them is first used, so importing this module costs nothing more.
"""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from ._sansio import RawResponse, Request
from ._transports import Timeout

if TYPE_CHECKING:
    from .emulator import Emulator, Fault, FaultKind, FaultPlan, ThreadedEmulator

__all__ = [
    "Emulator",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "Handler",
    "MockTransport",
    "ThreadedEmulator",
    "error_response",
    "json_response",
]

#: What a :class:`MockTransport` asks for each request: a response, or an awaitable of one.
#: It may also raise :class:`~aioinflux_legacyauth.TransportError` to play a network failure.
Handler = Callable[[Request], RawResponse | Awaitable[RawResponse]]

_JSON: Final = "application/json; charset=utf-8"
#: Names this module lends from ``aioinflux_legacyauth.emulator``, imported on first use.
_FROM_EMULATOR: Final = frozenset(
    {"Emulator", "Fault", "FaultKind", "FaultPlan", "ThreadedEmulator"}
)


class MockTransport:
    """A :class:`~aioinflux_legacyauth.Transport` that hands every request to ``handler``.

    Every request is kept in :attr:`requests`, in the order sent; :attr:`max_in_flight`
    is the most requests that were waiting for ``handler`` at once. The timeout is not
    applied: ``handler`` decides what happens, a delay included.
    """

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        #: The requests sent so far, in order.
        self.requests: list[Request] = []
        #: How many requests are waiting for the handler now, and at most so far.
        self.in_flight = 0
        self.max_in_flight = 0

    def __repr__(self) -> str:
        return f"<MockTransport requests={len(self.requests)}>"

    async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
        """Record ``request`` and return what ``handler`` makes of it."""
        self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            answer = self.handler(request)
            if inspect.isawaitable(answer):
                answer = await answer
            return answer
        finally:
            self.in_flight -= 1


def json_response(
    status: int, document: object, *, headers: Mapping[str, str] | None = None
) -> RawResponse:
    """A response with ``document`` as its JSON body, tab-indented as InfluxDB writes it."""
    body = json.dumps(document, indent="\t").encode()
    return RawResponse(status, {"Content-Type": _JSON, **(headers or {})}, body)


def error_response(status: int, code: str, message: str) -> RawResponse:
    """An InfluxDB error: ``{"code", "message"}`` and the ``X-Platform-Error-Code`` header."""
    document = {"code": code, "message": message}
    return json_response(status, document, headers={"X-Platform-Error-Code": code})


def __getattr__(name: str) -> Any:
    if name in _FROM_EMULATOR:
        return getattr(importlib.import_module(".emulator", __package__), name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(__all__)
