"""The 1.x-compatible endpoints that legacy credentials are for: ``/query``, ``/write``, ``/ping``.

They exist so a client (or a rotation job) can prove a username and password work. There
is no data: a successful query returns one empty result per statement and a successful
write is accepted and discarded.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from ..domain.errors import PlatformError
from ..wire.responses import empty_response, error_response, go_json, json_response
from .auth import authenticate_v1
from .state import EmulatorState

__all__ = ["serve_health", "serve_ping", "serve_query", "serve_write"]


_PING_METHODS: Final = "GET, HEAD, OPTIONS"
# The 1.x endpoints sit behind a gzip wrapper, which adds this to every response it passes.
_VARY: Final = {"Vary": "Accept-Encoding"}


async def serve_ping(request: web.Request, state: EmulatorState) -> web.StreamResponse:
    """``/ping``: 204 and the version headers for GET and HEAD, whatever the parameters and
    credentials; other methods get httprouter's defaults."""
    if request.method in ("GET", "HEAD"):
        return web.Response(status=204, headers=_VARY)
    allow = {**_VARY, "Allow": _PING_METHODS}
    if request.method == "OPTIONS":
        return web.Response(status=200, headers=allow)
    return web.Response(
        status=405,
        body=b"Method Not Allowed\n",
        headers={
            **allow,
            "Content-Type": "text/plain; charset=utf-8",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def serve_health(request: web.Request, state: EmulatorState) -> web.StreamResponse:
    """``/health``, which ``influx ping`` and readiness probes use."""
    return json_response(
        200,
        {
            "name": "influxdb",
            "message": "ready for queries and writes",
            "status": "pass",
            "checks": [],
            "version": state.version,
            "commit": "emulator",
        },
    )


async def _credentials_error(state: EmulatorState, request: web.Request) -> web.Response | None:
    try:
        await authenticate_v1(state, request)
    except PlatformError as exc:
        return error_response(exc, compact=True)
    return None


async def serve_query(request: web.Request, state: EmulatorState) -> web.StreamResponse:
    """``/query``: check the credentials, then answer each statement with an empty result."""
    if request.method not in ("GET", "POST"):
        return empty_response(405)
    denied = await _credentials_error(state, request)
    if denied is not None:
        return denied
    query: object = request.query.get("q")
    if query is None and request.method == "POST":
        query = (await request.post()).get("q")
    if not query or not isinstance(query, str):
        body = go_json({"error": 'missing required parameter "q"'}, indent=False) + b"\n"
        return web.Response(status=400, body=body, headers={"Content-Type": "application/json"})
    statements = [text for text in query.split(";") if text.strip()]
    results = [{"statement_id": index} for index in range(len(statements))]
    body = go_json({"results": results}, indent=False) + b"\n"
    return web.Response(status=200, body=body, headers={"Content-Type": "application/json"})


async def serve_write(request: web.Request, state: EmulatorState) -> web.StreamResponse:
    """``/write``: check the credentials, accept and discard the points."""
    if request.method != "POST":
        return empty_response(405)
    denied = await _credentials_error(state, request)
    if denied is not None:
        return denied
    await request.read()
    return empty_response(204)
