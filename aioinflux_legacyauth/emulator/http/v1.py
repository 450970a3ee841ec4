"""The 1.x-compatible endpoints legacy credentials are for: ``/query`` and ``/write``.

Both run after v1 authentication (``auth.authenticate_v1``) and resolve the InfluxQL
database and retention policy through the DBRP mappings the credential may see. The
emulator stores no time-series data: ``/write`` validates the line protocol and drops the
points, ``/query`` answers every statement that would read data with a valid empty result.
Every error is the compact ``{"code","message"}`` of ``HandleHTTPError``.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl

from aiohttp import web
from multidict import MultiDict

from ..domain.dbrp import DBRPFilter, DBRPService
from ..domain.errors import (
    FORBIDDEN,
    INTERNAL,
    INVALID,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    PlatformError,
)
from ..domain.permissions import allowed, permission
from ..influxql.executor import QueryContext, Result, execute, gather
from ..influxql.parser import InfluxQLError, parse_query
from ..influxql.responses import CONTENT_TYPES, CSVFormatter, encode_json, encode_msgpack
from ..wire.gojson import GoJSONError, GoNumber, go_decode_value
from ..wire.gzipbody import GzipError, gunzip, gzip_header_length
from ..wire.lineprotocol import invalid_lines
from ..wire.mediatype import MediaTypeError, parse_media_type
from ..wire.responses import empty_response, error_response
from .auth import V1Caller
from .body import within
from .state import EmulatorState

__all__ = ["decode_params", "serve_query", "serve_write"]

_GENERIC_INTERNAL: Final = "An internal error has occurred - check server logs"
_WRITE_ALLOW: Final = "OPTIONS, POST"
_FORM_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})


def _error(code: str, message: str) -> web.Response:
    return error_response(PlatformError(code, message), compact=True)


# --- /write ----------------------------------------------------------------------------


async def serve_write(
    request: web.Request, state: EmulatorState, caller: V1Caller
) -> web.StreamResponse:
    """``/write``, checks in the handler's order: method, ``db``, the gzip header, the
    DBRP mapping, write permission, then the body (every line valid, or none written)."""
    if request.method == "OPTIONS":
        return web.Response(status=200, headers={"Allow": _WRITE_ALLOW})
    if request.method != "POST":
        response = _error(METHOD_NOT_ALLOWED, f"allow: {_WRITE_ALLOW}")
        response.headers["Allow"] = _WRITE_ALLOW
        return response
    grants = caller.with_write_grants()
    database = request.query.get("db", "")
    if not database:
        return _error(INVALID, "missing db")
    precision = request.query.get("precision") or "ns"
    policy = request.query.get("rp", "")
    gzipped = request.headers.get("Content-Encoding", "") in ("gzip", "x-gzip")
    head = b""
    if gzipped:
        head = await within(request, lambda: request.content.read(4096))
        try:
            gzip_header_length(head)
        except GzipError:
            return _error(INTERNAL, _GENERIC_INTERNAL)
    flt = DBRPFilter(
        org_id=caller.org_id,
        database=database,
        retention_policy=policy or None,
        default=None if policy else True,
    )
    found = DBRPService(state.store).find_many(grants, flt)
    if not found:
        return _error(NOT_FOUND, "no dbrp mapping found")
    bucket = state.store.bucket(found[0].bucket_id)
    if bucket is None:
        return _error(NOT_FOUND, "bucket not found")
    wanted = permission("write", "buckets", id=bucket.id, org_id=bucket.org_id)
    if grants.status.value != "active" or not allowed(grants.permissions, wanted):
        return _error(FORBIDDEN, "insufficient permissions for write")
    body = head + await within(request, request.content.read)
    if gzipped:
        try:
            body = gunzip(body)
        except GzipError as exc:
            return _error(INVALID if exc.invalid else INTERNAL, f"unable to read data: {exc}")
    failures = invalid_lines(body, precision)
    if failures:
        return _error(INVALID, "\n".join(failures))
    return empty_response(204)


# --- /query ----------------------------------------------------------------------------


async def _form(request: web.Request) -> tuple[MultiDict[str], bool, bool]:
    """``r.FormValue``'s form: body values first (POST, PUT, PATCH with a form content
    type), then the URL's. Also whether the body was multipart, and had a file ``q``."""
    values: MultiDict[str] = MultiDict()
    multipart = has_q_file = False
    if request.method in _FORM_METHODS:
        try:
            media_type, _ = parse_media_type(
                request.headers.get("Content-Type") or "application/octet-stream"
            )
        except MediaTypeError:
            media_type = ""
        if media_type == "application/x-www-form-urlencoded":
            body = await within(request, request.read)
            values.extend(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        elif media_type == "multipart/form-data":
            multipart = True
            form = await within(request, request.post)
            for key, value in form.items():
                if isinstance(value, str):
                    values.add(key, value)
                elif key == "q":
                    has_q_file = True
    values.extend(request.query.items())
    return values, multipart, has_q_file


def decode_params(text: str) -> dict[str, object]:
    """The ``params`` form value (``json.Decoder`` with ``UseNumber``), numbers converted
    by their dot: ``Float64`` with one, ``Int64`` without."""
    try:
        decoded = go_decode_value(text.encode(), "map[string]interface {}")
    except GoJSONError as exc:
        raise PlatformError(INVALID, f"error parsing query parameters: {exc}") from None
    return {key: _bound_value(value) for key, value in decoded.items()}


def _bound_value(value: object) -> object:
    """A top-level number is converted (a bad one is a 400); one inside a bind object
    (``{"integer": 3}``) is converted by ``BindValue`` later, so it may not fail here."""
    if isinstance(value, GoNumber):
        return _number(value)
    if isinstance(value, dict):
        return {
            key: _number(item) if isinstance(item, GoNumber) and _convertible(item) else item
            for key, item in value.items()
        }
    return value


def _convertible(number: GoNumber) -> bool:
    try:
        _number(number)
    except PlatformError:
        return False
    return True


def _number(number: GoNumber) -> float | int:
    text = number.text
    if "." in text:
        value = float(text)
        if value not in (float("inf"), float("-inf")):
            return value
        reason = f'strconv.ParseFloat: parsing "{text}": value out of range'
    else:
        try:
            integer = int(text)
        except ValueError:
            reason = f'strconv.ParseInt: parsing "{text}": invalid syntax'
        else:
            if -(2**63) <= integer < 2**63:
                return integer
            reason = f'strconv.ParseInt: parsing "{text}": value out of range'
    raise PlatformError(INVALID, f"error parsing json value: {reason}")


async def serve_query(
    request: web.Request, state: EmulatorState, caller: V1Caller
) -> web.StreamResponse:
    """``/query``, any method: the org, the query text, parameters, format, then parse
    (a syntax error is a 400 and nothing runs) and execute (errors inside the body)."""
    if state.store.org(caller.org_id) is None:
        return _error(NOT_FOUND, "organization not found")
    form, multipart, has_q_file = await _form(request)
    text = form.get("q", "").strip()
    if not text:
        if multipart:
            if has_q_file:
                # The server opens a path named by the upload on its own disk; that fails.
                return _error(INTERNAL, _GENERIC_INTERNAL)
        else:
            try:
                media_type, _ = parse_media_type(request.headers.get("Content-Type", ""))
            except MediaTypeError as exc:
                return _error(INVALID, str(exc))
            if media_type == "application/vnd.influxql":
                text = (await within(request, request.read)).decode("utf-8", "replace")
    try:
        raw_params = form.get("params", "")
        params = decode_params(raw_params) if raw_params else {}
    except PlatformError as exc:
        return error_response(exc, compact=True)
    chunked = form.get("chunked", "") == "true"
    content_type = CONTENT_TYPES.get(request.headers.get("Accept", ""), "application/json")
    profile = state.profile
    try:
        statements = parse_query(text, params, delete_policy=profile.deletes_by_retention_policy)
    except InfluxQLError as exc:
        return _error(INVALID, f"failed to parse query: {exc}")
    context = QueryContext(
        store=state.store,
        caller=caller,
        org_id=caller.org_id,
        database=form.get("db", ""),
        retention_policy=form.get("rp", ""),
        profile=profile,
    )
    results = execute(statements, context)
    body = _encode(results, content_type, chunked=chunked)
    return web.Response(status=200, body=body, headers={"Content-Type": content_type})


def _encode(results: list[Result], content_type: str, *, chunked: bool) -> bytes:
    responses = [[result] for result in results] if chunked else [gather(results)]
    if content_type in ("application/csv", "text/csv"):
        formatter = CSVFormatter()
        return b"".join(formatter.write(response) for response in responses)
    if content_type == "application/x-msgpack":
        return b"".join(encode_msgpack(response) for response in responses)
    return b"".join(encode_json(response) for response in responses)
