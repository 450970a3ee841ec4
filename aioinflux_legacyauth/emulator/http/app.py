"""The aiohttp application: InfluxDB's request pipeline, in its order.

Every request is recorded, then (on the legacy routes) may meet a fault, then is routed
the way ``PlatformHandler`` does: ``/ping``, ``/health``, ``/query`` and ``/write`` to the
1.x handlers; ``/api/v2...`` and ``/private/...`` (but a GET of ``/api/v2`` itself, the
links document) through authentication first and only then to a route (so an unknown
path without a token is 401, not 404); anything else to the UI, which answers its HTML
page. One catch-all aiohttp route hands every request to
this dispatcher, because aiohttp's own router would answer 404/405 before authentication.
"""

from __future__ import annotations

import asyncio
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from ..chaos.faults import Fault, FaultKind, fault_response
from ..chaos.requestlog import RequestRecord, redact_headers, redact_query
from ..domain.errors import INTERNAL, PlatformError
from ..domain.passwords import ServerPanic
from ..wire.responses import empty_response, error_response, text_not_found
from .api_v2 import api_links, serve_api_v2
from .auth import authenticate_api
from .legacy import is_legacy_path, serve_legacy
from .state import STATE, EmulatorState
from .v1 import serve_health, serve_ping, serve_query, serve_write

__all__ = ["build_app", "strip_trailing_slash"]

_MAX_BODY: Final = 32 * 1024 * 1024

_INDEX_HTML: Final = (
    b'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>InfluxDB</title>\n'
    b'</head>\n<body>\n<div id="react-root" data-basepath=""></div>\n</body>\n</html>\n'
)


def strip_trailing_slash(path: str) -> str:
    """chi's ``middleware.StripSlashes``: drop one trailing slash (but keep ``/``)."""
    return path[:-1] if len(path) > 1 and path.endswith("/") else path


def _keeps_body(path: str) -> bool:
    # Password bodies never enter the log; line protocol is not worth keeping.
    api = path.startswith(("/api/v2", "/private/"))
    return api and not path.endswith(("/password", "/password/"))


class _ProxyResponse(web.Response):
    """A response a fault made up, as if from a proxy: it carries no InfluxDB headers."""


def _drop_connection(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.close()


async def _apply_fault(
    request: web.Request, handler: Handler, fault: Fault | None
) -> web.StreamResponse:
    if fault is None:
        return await handler(request)
    if fault.kind is FaultKind.DELAY:
        await asyncio.sleep(fault.delay)
        return await handler(request)
    if fault.kind is FaultKind.DROP_BEFORE:
        _drop_connection(request)
        # Nothing can be written to a closed transport; aiohttp discards this quietly.
        return empty_response(500)
    if fault.kind is FaultKind.DROP_AFTER:
        response = await handler(request)
        _drop_connection(request)
        return response
    return fault_response(fault, _ProxyResponse)


@web.middleware
async def _front(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Record the request, and on the legacy routes let the fault plan have its way."""
    state = request.app[STATE]
    path = request.path
    body = await request.read() if _keeps_body(path) and request.can_read_body else None
    fault: Fault | None = None
    status: int | None = None
    try:
        routed_path = strip_trailing_slash(path)
        if is_legacy_path(routed_path):
            fault = state.faults.draw(request.method, routed_path)
        try:
            response = await _apply_fault(request, handler, fault)
        except ConnectionResetError:
            # The client went away before its body arrived: nothing was applied and no
            # one is left to answer (InfluxDB logs such a request as status 499).
            status = 499
            return empty_response(status)
        dropped = fault is not None and fault.kind in (FaultKind.DROP_BEFORE, FaultKind.DROP_AFTER)
        status = None if dropped else response.status
        return response
    finally:
        state.requests.append(
            RequestRecord(
                method=request.method,
                path=path,
                query=redact_query(path, request.query.items()),
                headers=redact_headers(request.headers.items()),
                body=body,
                status=status,
                fault=None if fault is None else fault.kind,
            )
        )


async def _server_headers(request: web.Request, response: web.StreamResponse) -> None:
    # http/handler.go serverHeaderWriter: on every response, errors and the UI included.
    if isinstance(response, _ProxyResponse):
        return
    response.headers["X-Influxdb-Build"] = "OSS"
    response.headers["X-Influxdb-Version"] = request.app[STATE].version


async def _serve_api(request: web.Request, state: EmulatorState, path: str) -> web.StreamResponse:
    try:
        caller = authenticate_api(state, request)
    except PlatformError as exc:
        return error_response(exc, compact=True)
    try:
        if is_legacy_path(path):
            return await serve_legacy(request, state, caller, path)
        return await serve_api_v2(request, state, caller, path)
    except PlatformError as exc:
        return error_response(exc)
    except ServerPanic as exc:
        # panicMW: "a panic has occurred" wrapping "<r.URL.String()>: <recovered value>".
        message = f"a panic has occurred: {request.raw_path}: {exc}"
        return error_response(PlatformError(INTERNAL, message))


async def _dispatch(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    path = request.path
    if path == "/ping":
        return await serve_ping(request, state)
    if path == "/health":
        return await serve_health(request, state)
    if path == "/query":
        return await serve_query(request, state)
    if path == "/write":
        return await serve_write(request, state)
    if path == "/api/v2" and request.method == "GET":
        return api_links()  # the one API route without authentication
    if path.startswith(("/api/v2", "/private/")):
        return await _serve_api(request, state, strip_trailing_slash(path))
    if not state.ui:
        return text_not_found()
    return web.Response(
        status=200, body=_INDEX_HTML, headers={"Content-Type": "text/html; charset=utf-8"}
    )


def build_app(state: EmulatorState) -> web.Application:
    """The emulator's aiohttp application serving ``state``."""
    app = web.Application(middlewares=[_front], client_max_size=_MAX_BODY)
    app[STATE] = state
    app.on_response_prepare.append(_server_headers)
    app.router.add_route("*", "/{path:.*}", _dispatch)
    return app
