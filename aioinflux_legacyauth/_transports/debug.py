"""A transport that prints every exchange of the one it wraps, with its secrets redacted.

The command line's ``--http-debug`` is this around the aiohttp transport. Unlike
``influx --http-debug``, which dumps requests verbatim, the API token, Basic credentials,
passwords in bodies and ``u``/``p`` query values never reach the output.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import urlencode

from yarl import URL

from .._errors import TransportError
from .._sansio import RawResponse, Request
from . import Timeout, Transport

__all__ = ["HttpDebugTransport", "redact_body", "redact_headers", "redact_params"]

REDACTED: Final = "[redacted]"
_SCHEMED_HEADERS: Final = frozenset({"authorization", "proxy-authorization"})
_SECRET_HEADERS: Final = frozenset({"cookie", "set-cookie"})
_SECRET_PARAMS: Final = frozenset({"p", "u", "password"})
_SECRET_KEYS: Final = frozenset({"password"})
# /api/v2 token objects carry the v2 API token itself; on the legacy routes "token" is
# only the v1 username, which debugging needs to see.
_TOKEN_PATHS: Final = ("/api/v2/authorizations",)
#: Bodies that are not JSON (a proxy's HTML page) are cut to this many characters.
_TEXT_LIMIT: Final = 2000


def redact_headers(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    """Headers to show: credentials keep their scheme only (``Token [redacted]``)."""
    shown = []
    for name, value in headers.items():
        lowered = name.lower()
        if lowered in _SCHEMED_HEADERS:
            scheme, _, rest = value.partition(" ")
            shown.append((name, f"{scheme} {REDACTED}" if rest else REDACTED))
        elif lowered in _SECRET_HEADERS:
            shown.append((name, REDACTED))
        else:
            shown.append((name, value))
    return shown


def redact_params(params: tuple[tuple[str, str], ...]) -> str:
    """The query string to show, with v1 credentials (``u``, ``p``) redacted."""
    return urlencode(
        [(key, REDACTED if key.lower() in _SECRET_PARAMS else value) for key, value in params],
        safe="[]",
    )


def _redact_document(document: Any, keys: frozenset[str]) -> Any:
    if isinstance(document, dict):
        return {
            key: REDACTED if key.lower() in keys else _redact_document(value, keys)
            for key, value in document.items()
        }
    if isinstance(document, list):
        return [_redact_document(item, keys) for item in document]
    return document


def redact_body(body: bytes | None, path: str, *, sent: bool) -> str | None:
    """A body to show: JSON with its secret fields redacted, or a cut of other text.

    A request body that is not JSON is never shown (it could be anything the caller sent).
    """
    if not body:
        return None
    keys = _SECRET_KEYS
    if path.startswith(_TOKEN_PATHS):
        keys = keys | {"token"}
    try:
        document = json.loads(body)
    except ValueError:
        if sent:
            return f"[{len(body)} bytes, not shown]"
        text = body.decode("utf-8", "replace")
        if len(text) > _TEXT_LIMIT:
            text = f"{text[:_TEXT_LIMIT]}... [{len(text) - _TEXT_LIMIT} more characters]"
        return text
    return json.dumps(_redact_document(document, keys), indent=2, ensure_ascii=False)


class HttpDebugTransport:
    """Wraps a :class:`Transport` and writes each request and response to ``write``.

    ``url`` is the server's, to show full URLs. The wrapped transport is this one's: its
    ``close()``, if it has one, is called by :meth:`close`.
    """

    def __init__(self, inner: Transport, url: URL, write: Callable[[str], object]) -> None:
        self._inner = inner
        self._base = str(url).rstrip("/")
        self._write = write

    async def close(self) -> None:
        """Close the wrapped transport."""
        close = getattr(self._inner, "close", None)
        if close is not None:
            await close()

    async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
        """Print the request, send it, print the response (or the failure), return it."""
        self._write(self._describe_request(request))
        try:
            response = await self._inner.send(request, timeout=timeout)
        except TransportError as exc:
            self._write(f"< {exc}\n\n")
            raise
        self._write(self._describe_response(request, response))
        return response

    def _describe_request(self, request: Request) -> str:
        target = self._base + request.path
        if request.params:
            target += "?" + redact_params(request.params)
        lines = [f"> {request.method} {target}"]
        lines += [f"> {name}: {value}" for name, value in redact_headers(request.headers)]
        body = redact_body(request.body, request.path, sent=True)
        return _block(lines, body, ">")

    def _describe_response(self, request: Request, response: RawResponse) -> str:
        reason = f" {response.reason}" if response.reason else ""
        lines = [f"< {response.status}{reason}"]
        lines += [f"< {name}: {value}" for name, value in redact_headers(response.headers)]
        body = redact_body(response.body, request.path, sent=False)
        return _block(lines, body, "<")


def _block(lines: list[str], body: str | None, marker: str) -> str:
    if body is not None:
        lines.append(marker)
        lines += [f"{marker} {row}" for row in body.splitlines()]
    return "\n".join(lines) + "\n\n"
