"""The route tables of the API's routers: a method to a handler, and chi's empty 405."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeAlias

from aiohttp import web

from ..domain.store import TokenRecord
from ..wire.responses import empty_response
from .state import EmulatorState

__all__ = ["Handler", "Routes", "call"]

#: A handler of an authenticated API route; the last argument is the path's ID, if any.
Handler: TypeAlias = Callable[
    [web.Request, EmulatorState, TokenRecord, str], Awaitable[web.StreamResponse]
]
Routes: TypeAlias = Mapping[str, Handler]


async def call(
    routes: Routes, request: web.Request, state: EmulatorState, caller: TokenRecord, raw_id: str
) -> web.StreamResponse:
    """Run the handler for the request's method; another method is chi's empty 405."""
    handler = routes.get(request.method)
    if handler is None:
        return empty_response(405)
    return await handler(request, state, caller, raw_id)
