"""The 1.x-compatible endpoints that legacy credentials are for: ``/query``, ``/write``, ``/ping``.

They exist so a client (or a rotation job) can prove a username and password work. There
is no data: a successful query returns one empty result per statement and a successful
write is accepted and discarded.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from ..domain.errors import INVALID, PlatformError
from ..wire.responses import empty_response, error_response, go_json, json_response
from .auth import authenticate_v1
from .state import EmulatorState

__all__ = ["serve_health", "serve_ping", "serve_query", "serve_write"]


_PING_METHODS: Final = "GET, HEAD, OPTIONS"
_FORM_TYPES: Final = ("application/x-www-form-urlencoded", "multipart/form-data")
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
        return error_response(exc, compact=True)  # the auth layer: before the gzip wrapper
    return None


def _past_authentication(response: web.Response) -> web.Response:
    response.headers.update(_VARY)
    return response


async def _query_text(request: web.Request) -> str | web.Response:
    """``influxqld_handler.go``: ``q`` from ``FormValue`` (a form body wins over the URL),
    trimmed; without it the Content-Type decides what the body is."""
    form = await request.post() if request.content_type in _FORM_TYPES else {}
    text = form.get("q", request.query.get("q", ""))
    query = text.strip() if isinstance(text, str) else ""
    if query:
        return query
    content_type = request.headers.get("Content-Type", "")
    if not content_type.strip():
        return error_response(PlatformError(INVALID, "mime: no media type"), compact=True)
    if request.content_type == "application/vnd.influxql":
        return (await request.text()).strip()
    return ""  # any other body carries no query


async def serve_query(request: web.Request, state: EmulatorState) -> web.StreamResponse:
    """``/query``, whatever the method: check the credentials, find the query text, then
    answer each statement with an empty result (there is no data)."""
    denied = await _credentials_error(state, request)
    if denied is not None:
        return denied
    query = await _query_text(request)
    if isinstance(query, web.Response):
        return _past_authentication(query)
    if not query:
        return _past_authentication(_json_line(b"{}"))
    statements = [text for text in query.split(";") if text.strip()]
    results = [{"statement_id": index} for index in range(len(statements))]
    return _past_authentication(_json_line(go_json({"results": results}, indent=False)))


def _json_line(body: bytes) -> web.Response:
    # The InfluxQL response writer: compact JSON, a newline, no charset in the type.
    return web.Response(status=200, body=body + b"\n", headers={"Content-Type": "application/json"})


async def serve_write(request: web.Request, state: EmulatorState) -> web.StreamResponse:
    """``/write``: check the credentials, accept and discard the points."""
    if request.method != "POST":
        return empty_response(405)
    denied = await _credentials_error(state, request)
    if denied is not None:
        return denied
    await request.read()
    return empty_response(204)
