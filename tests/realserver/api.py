"""A small synchronous JSON client for seeding and inspecting a server over HTTP.

Synchronous on purpose: the server is another process, so a test's event loop may block
on it for a moment, and the handle's seeding methods can stay plain calls like the
emulator's.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

__all__ = ["Api", "ApiError"]

_TIMEOUT = 60.0


class ApiError(Exception):
    """The server refused a seeding call: method, path, status and its error body."""

    def __init__(self, method: str, path: str, status: int, body: bytes) -> None:
        super().__init__(f"{method} {path} answered {status}: {body[:300]!r}")
        self.status = status
        self.body = body


class Api:
    """JSON calls to ``url`` with a v2 token (never shown in reprs or errors)."""

    def __init__(self, url: str, token: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self._host = parts.hostname or ""
        self._port = parts.port
        self._token = token

    def __repr__(self) -> str:
        return f"Api({self._host}:{self._port})"

    def raw(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        params: Mapping[str, str] | None = None,
        token: str | None = None,
        anonymous: bool = False,
        content: bytes | None = None,
    ) -> tuple[int, bytes]:
        """Send one request (with no credentials if ``anonymous``); the status and raw body.

        ``body`` is sent as JSON, ``content`` as it is (``application/octet-stream``).
        """
        if params:
            path = f"{path}?{urllib.parse.urlencode(params)}"
        headers = {} if anonymous else {"Authorization": f"Token {token or self._token}"}
        payload: str | bytes | None = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        elif content is not None:
            payload = content
            headers["Content-Type"] = "application/octet-stream"
        connection = http.client.HTTPConnection(self._host, self._port, timeout=_TIMEOUT)
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def call(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        expect: int = 200,
        params: Mapping[str, str] | None = None,
        token: str | None = None,
    ) -> Any:
        """Send one request, insist on ``expect``, return the decoded body (``None`` if empty)."""
        status, raw = self.raw(method, path, body, params=params, token=token)
        if status != expect:
            raise ApiError(method, path, status, raw)
        return json.loads(raw) if raw.strip() else None
