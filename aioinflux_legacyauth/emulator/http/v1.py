"""The 1.x-compatible endpoints that legacy credentials are for: ``/query``, ``/write``, ``/ping``.

They exist so a client (or a rotation job) can prove a username and password work. There
is no data: a successful query returns one empty result per statement, and a write that
reaches a bucket the credential may write (through its virtual DBRP mapping) is accepted
and discarded.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from ..._models import Action, ResourceType
from ..domain.dbrp import find_mapping, with_read_on_writable
from ..domain.errors import FORBIDDEN, INVALID, METHOD_NOT_ALLOWED, NOT_FOUND, PlatformError
from ..domain.permissions import allowed, permission
from ..domain.store import LegacyRecord, TokenRecord
from ..wire.responses import empty_response, error_response, go_json, json_response
from .auth import authenticate_v1
from .state import EmulatorState

__all__ = ["serve_health", "serve_ping", "serve_query", "serve_write"]


_PING_METHODS: Final = "GET, HEAD, OPTIONS"
_WRITE_METHODS: Final = "OPTIONS, POST"
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


async def _log_in(
    state: EmulatorState, request: web.Request
) -> LegacyRecord | TokenRecord | web.Response:
    try:
        return await authenticate_v1(state, request)
    except PlatformError as exc:
        return error_response(exc, compact=True)  # the auth layer: before the gzip wrapper


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
    credential = await _log_in(state, request)
    if isinstance(credential, web.Response):
        return credential
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


def _write_refusal(
    request: web.Request, state: EmulatorState, credential: LegacyRecord | TokenRecord
) -> PlatformError | None:
    """``write_handler.go``, in its order: method, db, the mapping, write permission."""
    if request.method != "POST":
        return PlatformError(METHOD_NOT_ALLOWED, f"allow: {_WRITE_METHODS}")
    database = request.query.get("db", "")
    if not database:
        return PlatformError(INVALID, "missing db")
    held = credential.permissions
    found = find_mapping(
        state.store,
        credential.org_id,
        with_read_on_writable(held),
        database,
        request.query.get("rp", ""),
    )
    if found is None:
        return PlatformError(NOT_FOUND, "no dbrp mapping found")
    bucket = found.bucket
    wanted = permission(Action.WRITE, ResourceType.BUCKETS, id=bucket.id, org_id=bucket.org_id)
    if not allowed(held, wanted):
        return PlatformError(FORBIDDEN, "insufficient permissions for write")
    return None


async def serve_write(request: web.Request, state: EmulatorState) -> web.StreamResponse:
    """``/write``: log in, find the bucket the ``db`` names, check write, then accept and
    discard the points (line protocol is not parsed: there is no data)."""
    credential = await _log_in(state, request)
    if isinstance(credential, web.Response):
        return credential
    if request.method == "OPTIONS":
        return _past_authentication(web.Response(status=200, headers={"Allow": _WRITE_METHODS}))
    refusal = _write_refusal(request, state, credential)
    if refusal is not None:
        response = error_response(refusal, compact=True)
        if refusal.code == METHOD_NOT_ALLOWED:
            response.headers["Allow"] = _WRITE_METHODS
        return _past_authentication(response)
    await request.read()
    return _past_authentication(empty_response(204))
