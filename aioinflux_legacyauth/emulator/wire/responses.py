"""Response bodies and headers exactly as the Go server writes them."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Final

from aiohttp import web

from ..domain.errors import PlatformError

__all__ = [
    "JSON_CONTENT_TYPE",
    "PLATFORM_ERROR_HEADER",
    "empty_response",
    "error_response",
    "go_json",
    "json_response",
    "text_not_found",
]

JSON_CONTENT_TYPE: Final = "application/json; charset=utf-8"
PLATFORM_ERROR_HEADER: Final = "X-Platform-Error-Code"

# encoding/json escapes these even inside strings (HTML safety, JavaScript line breaks).
_GO_ESCAPES: Final[Mapping[str, str]] = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_GO_ESCAPE_PATTERN: Final = re.compile("[<>&\u2028\u2029]")


def go_json(value: object, *, indent: bool) -> bytes:
    """``json.MarshalIndent(v, "", "\\t")`` or ``json.Marshal(v)``: no trailing newline."""
    if indent:
        text = json.dumps(value, indent="\t", ensure_ascii=False)
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    # These characters can only occur inside JSON strings, so a textual pass is safe.
    text = _GO_ESCAPE_PATTERN.sub(lambda match: _GO_ESCAPES[match.group()], text)
    return text.encode("utf-8")


def json_response(status: int, body: object) -> web.Response:
    """A success body as ``kithttp.API.Respond`` writes it: tab-indented JSON."""
    return web.Response(
        status=status, body=go_json(body, indent=True), headers={"Content-Type": JSON_CONTENT_TYPE}
    )


def error_response(error: PlatformError, *, compact: bool = False) -> web.Response:
    """``{"code","message"}`` plus ``X-Platform-Error-Code``.

    Handler errors go through ``api.Err`` and are tab-indented; errors written by the
    authentication middleware and the router go through ``WriteErrorResponse`` and are compact.
    """
    body = go_json({"code": error.code, "message": error.message}, indent=not compact)
    headers = {"Content-Type": JSON_CONTENT_TYPE, PLATFORM_ERROR_HEADER: error.code}
    return web.Response(status=error.status, body=body, headers=headers)


def empty_response(status: int) -> web.Response:
    """A status with no body and no Content-Type (204, chi's 405, a recovered panic)."""
    return web.Response(status=status)


def text_not_found() -> web.Response:
    """Go's ``http.NotFound``: what chi answers for an unknown path inside a mounted router."""
    return web.Response(
        status=404,
        body=b"404 page not found\n",
        headers={"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"},
    )
