"""The aiohttp application: InfluxDB's request pipeline, in its order.

Every request is recorded, then (on the legacy routes) may meet a fault, then is routed
the way ``NewRootHandler`` and ``PlatformHandler`` do: ``/write``, ``/query`` and ``/ping``
to the 1.x handlers (v1 authentication, then the gzip wrapper); ``/metrics``, ``/ready``
and ``/health`` (and their sub-paths) to the probes; ``/v1``, ``/api/v2`` and
``/private/`` through the API's authentication first and only then to a route (so an
unknown path without a token is 401, not 404); anything else to the UI's HTML page. One
catch-all aiohttp route hands every request to this dispatcher, because aiohttp's own
router would answer 404/405 before authentication.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from ..chaos.faults import Fault, FaultKind, fault_response
from ..chaos.requestlog import RequestRecord, redact_headers, redact_query
from ..domain.errors import INTERNAL, PlatformError
from ..domain.passwords import ServerPanic
from ..wire.responses import empty_response, error_response
from .api_v2 import serve_api_v2
from .auth import authenticate_api, authenticate_v1
from .body import BodyTimeoutError, KeptBody, keeping_bodies
from .compression import compress
from .legacy import is_legacy_path, serve_legacy
from .probes import (
    api_links,
    serve_health,
    serve_metrics,
    serve_ping,
    serve_ready,
    serve_setup,
    serve_ui,
)
from .state import STATE, EmulatorState
from .v1 import serve_query, serve_write

__all__ = ["build_app", "strip_trailing_slash"]


def strip_trailing_slash(path: str) -> str:
    """chi's ``middleware.StripSlashes``: drop one trailing slash (but keep ``/``)."""
    return path[:-1] if len(path) > 1 and path.endswith("/") else path


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
    """Record the request, and on the legacy routes let the fault plan have its way.

    It reads no body: handlers do, once the request is authenticated (see ``body``).
    """
    state = request.app[STATE]
    if state.guard is not None:
        state.guard.request_started(request.protocol)
    fault: Fault | None = None
    status: int | None = None
    with keeping_bodies() as slot:
        try:
            routed_path = strip_trailing_slash(request.path)
            if is_legacy_path(routed_path):
                fault = state.faults.draw(request.method, routed_path)
            try:
                response = await _apply_fault(request, handler, fault)
            except ConnectionResetError:
                # The client went away before its body arrived: nothing was applied and no
                # one is left to answer (InfluxDB logs such a request as status 499).
                status = 499
                return empty_response(status)
            except BodyTimeoutError:
                # The connection is already closed: nothing reaches the client.
                return empty_response(408)
            dropped = fault is not None and fault.kind in (
                FaultKind.DROP_BEFORE,
                FaultKind.DROP_AFTER,
            )
            # A handler that closed the connection (a modelled panic) answered nothing.
            dropped = dropped or request.transport is None or request.transport.is_closing()
            status = None if dropped else response.status
            return response
        finally:
            state.requests.append(_record(request, status, fault, slot.kept))
            if status is not None:
                state.count_request(request.method, request.path, status, _user_agent(request))


def _user_agent(request: web.Request) -> str:
    # kithttp.UserAgent names the client program: the first product of the header.
    return request.headers.get("User-Agent", "").split("/", 1)[0].split(" ", 1)[0]


def _record(
    request: web.Request, status: int | None, fault: Fault | None, body: KeptBody | None
) -> RequestRecord:
    path = request.path
    return RequestRecord(
        method=request.method,
        path=path,
        query=redact_query(path, request.query.items()),
        headers=redact_headers(request.headers.items()),
        body=None if body is None else body.data,
        status=status,
        fault=None if fault is None else fault.kind,
        body_size=None if body is None else body.size,
    )


async def _server_headers(request: web.Request, response: web.StreamResponse) -> None:
    # http/handler.go serverHeaderWriter: on every response, errors and the UI included.
    if isinstance(response, _ProxyResponse):
        return
    response.headers["X-Influxdb-Build"] = "OSS"
    response.headers["X-Influxdb-Version"] = request.app[STATE].profile.version


_ROOT_MOUNTS: Final = ("/metrics", "/ready", "/health")
_NO_AUTH: Final = frozenset(
    {("GET", "/api/v2"), ("GET", "/api/v2/setup"), ("POST", "/api/v2/setup")}
)


def _mounted(path: str, prefix: str) -> bool:
    # chi's Mount: the prefix itself and everything below it.
    return path == prefix or path.startswith(prefix + "/")


def _cors(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    origin = request.headers.get("Origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


async def _serve_api(request: web.Request, state: EmulatorState) -> web.StreamResponse:
    """``/api/v2``, ``/v1`` and ``/private/``: CORS and ``OPTIONS``, the routes that need
    no token, authentication, then the routers (a trailing slash stripped)."""
    if request.method == "OPTIONS":
        if not request.headers.get("Origin"):
            return empty_response(405)  # kithttp.SkipOptions
        return _cors(request, web.Response(status=204, headers=_PREFLIGHT))
    if (request.method, request.path) in _NO_AUTH:
        if request.path == "/api/v2":
            return _cors(request, api_links())
        return _cors(request, await _routed(request, state, serve_setup))
    try:
        caller = authenticate_api(state, request)
    except PlatformError as exc:
        return _cors(request, error_response(exc, compact=True))
    path = strip_trailing_slash(request.path)

    async def route(request: web.Request, state: EmulatorState) -> web.StreamResponse:
        if is_legacy_path(path):
            return await serve_legacy(request, state, caller, path)
        return await serve_api_v2(request, state, caller, path)

    return _cors(request, await _routed(request, state, route))


async def _routed(
    request: web.Request,
    state: EmulatorState,
    handler: Callable[[web.Request, EmulatorState], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    try:
        return await handler(request, state)
    except PlatformError as exc:
        return error_response(exc)
    except ServerPanic as exc:
        # panicMW: "a panic has occurred" wrapping "<r.URL.String()>: <recovered value>".
        message = f"a panic has occurred: {request.raw_path}: {exc}"
        return error_response(PlatformError(INTERNAL, message))


_PREFLIGHT: Final = {
    "Access-Control-Allow-Methods": "POST, GET, OPTIONS, PUT, DELETE, PATCH",
    "Access-Control-Allow-Headers": (
        "Accept, Content-Type, Content-Length, Accept-Encoding, Authorization, User-Agent"
    ),
}


async def _serve_v1(request: web.Request, state: EmulatorState) -> web.StreamResponse:
    """``/write``, ``/query``, ``/ping``: v1 authentication (not for ``/ping``), then the
    gzip wrapper; the 401s of the authentication come before the wrapper."""
    if request.path == "/ping":
        return compress(request, serve_ping(request))
    try:
        caller = await authenticate_v1(state, request)
    except PlatformError as exc:
        return error_response(exc, compact=True)
    except ServerPanic:
        # No recoverer on the v1 path: Go's server closes the connection unanswered.
        _drop_connection(request)
        return empty_response(500)
    serve = serve_query if request.path == "/query" else serve_write
    try:
        response = await serve(request, state, caller)
    except PlatformError as exc:
        response = error_response(exc, compact=True)
    return compress(request, response) if isinstance(response, web.Response) else response


async def _dispatch(request: web.Request) -> web.StreamResponse:
    """``PlatformHandler.ServeHTTP`` after the root routes of ``NewRootHandler``."""
    state = request.app[STATE]
    path = request.path
    if path in ("/write", "/query", "/ping"):
        return await _serve_v1(request, state)
    if _mounted(path, "/metrics"):
        return serve_metrics(state)
    if _mounted(path, "/ready"):
        return serve_ready(state)
    if _mounted(path, "/health"):
        return serve_health(state)
    if path.startswith(("/v1", "/api/v2", "/private/")):
        return await _serve_api(request, state)
    return serve_ui(state)


def build_app(state: EmulatorState) -> web.Application:
    """The emulator's aiohttp application serving ``state``."""
    app = web.Application(middlewares=[_front], client_max_size=state.limits.max_api_body)
    app[STATE] = state
    app.on_response_prepare.append(_server_headers)
    # [\s\S]: a decoded %0a in the path must reach the dispatcher too, not aiohttp's 404.
    app.router.add_route("*", r"/{path:[\s\S]*}", _dispatch)
    return app
