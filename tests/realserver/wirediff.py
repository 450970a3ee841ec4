"""Send the same request to two servers and compare what comes back, after normalising
what must differ: IDs and tokens (through a symbol table built as objects are created)
and timestamps.

A request is a template: its path, query, headers and body may hold :class:`Sym`
markers, which each side renders to its own ID or token. The same markers stand in for
those values in the normalised responses and in every message, so a report shows
``{auth1}`` or ``{token:operator}``, never a real token.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "COMPARED_HEADERS",
    "Basic",
    "Reply",
    "Req",
    "Side",
    "Sym",
    "describe_difference",
]

# The headers whose presence and value must agree (after normalising).
COMPARED_HEADERS = (
    "Content-Type",
    "X-Platform-Error-Code",
    "X-Influxdb-Build",
    "X-Influxdb-Version",
    "Allow",
    "Vary",
    "Retry-After",
    "Trace-Id",
    "WWW-Authenticate",
    "Location",
)
# Go's RFC 3339 with nanoseconds, trailing zeros trimmed; any other form stays visible.
_GO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d*[1-9])?(?:Z|[+-]\d\d:\d\d)")


@dataclass(frozen=True)
class Sym:
    """A value each side knows by its own name: ``auth1``, ``org:my-org``, ``token:reader``.

    ``upper`` renders an ID in upper case (the server accepts either).
    """

    name: str
    upper: bool = False

    def __repr__(self) -> str:
        return "{" + self.name + ("|upper" if self.upper else "") + "}"


Part = str | Sym


@dataclass(frozen=True)
class Basic:
    """HTTP Basic credentials, rendered per side then base64-encoded."""

    username: Part
    password: Part

    def __repr__(self) -> str:
        return f"Basic {repr_part(self.username)}:{repr_part(self.password)}"


@dataclass(frozen=True)
class Req:
    """One request, in symbols. ``auth`` is the Authorization header (or None)."""

    method: str
    path: tuple[Part, ...]
    query: tuple[tuple[str, Part], ...] = ()
    auth: tuple[Part, ...] | Basic | None = None
    body: object = None
    """``bytes`` as they are, or a JSON-able value that may hold symbols."""
    headers: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:
        path = "".join(map(repr_part, self.path))
        if self.query:
            path += "?" + "&".join(f"{key}={repr_part(value)}" for key, value in self.query)
        auth = ""
        if isinstance(self.auth, Basic):
            auth = f"  Authorization: {self.auth!r}"
        elif self.auth is not None:
            auth = "  Authorization: " + "".join(map(repr_part, self.auth))
        body = "" if self.body is None else f"  body: {self.body!r}"
        headers = "".join(f"  {key}: {value}" for key, value in self.headers)
        return f"{self.method} {path}{auth}{headers}{body}"


def repr_part(part: Part) -> str:
    """A path, query or header piece as a report shows it."""
    return repr(part) if isinstance(part, Sym) else part


@dataclass(frozen=True)
class Reply:
    """A normalised response: what the two sides must agree on."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: str

    def json(self) -> object:
        """The body decoded (symbols stay as text)."""
        return json.loads(self.body)


@dataclass
class Side:
    """One server: where it is, and the values behind each symbol."""

    label: str
    url: str
    values: dict[str, str] = field(default_factory=dict)

    def render(self, part: Part) -> str:
        """The text this side sends for a piece of a request."""
        if isinstance(part, str):
            return part
        value = self.values.get(part.name, part.name)
        return value.upper() if part.upper else value

    def _body(self, body: object) -> bytes | None:
        if body is None:
            return None
        if isinstance(body, bytes):
            return body
        return json.dumps(self._resolve(body)).encode()

    def _resolve(self, value: object) -> object:
        if isinstance(value, Sym):
            return self.render(value)
        if isinstance(value, Mapping):
            return {key: self._resolve(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._resolve(item) for item in value]
        return value

    def send(self, request: Req) -> tuple[int, dict[str, str], bytes]:
        """Send the request as this side renders it; status, headers, raw body."""
        path = "".join(self.render(part) for part in request.path)
        if request.query:
            pairs = [(key, self.render(value)) for key, value in request.query]
            path += "?" + urllib.parse.urlencode(pairs)
        headers = dict(request.headers)
        if isinstance(request.auth, Basic):
            pair = f"{self.render(request.auth.username)}:{self.render(request.auth.password)}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        elif request.auth is not None:
            headers["Authorization"] = "".join(self.render(part) for part in request.auth)
        parts = urllib.parse.urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
        try:
            connection.request(request.method, path, body=self._body(request.body), headers=headers)
            response = connection.getresponse()
            raw = response.read()
            received = {key.title(): value for key, value in response.getheaders()}
        finally:
            connection.close()
        return response.status, received, raw

    def normalise(self, status: int, headers: Mapping[str, str], raw: bytes) -> Reply:
        """Symbols for this side's IDs and tokens, ``<time>`` for timestamps."""
        text = raw.decode("utf-8", errors="replace")
        # Longest first, so no value is replaced inside a longer one.
        for name, value in sorted(self.values.items(), key=lambda item: -len(item[1])):
            text = text.replace(value, "{" + name + "}")
        text = _GO_TIME.sub("<time>", text)
        if headers.get("Content-Type", "").startswith("text/html"):
            # The UI page is whatever assets the server has (ours: a placeholder).
            text = "<the UI's HTML page>"
        kept = tuple((key, headers[key]) for key in COMPARED_HEADERS if key in headers)
        return Reply(status, kept, text)


def describe_difference(request: Req, first: tuple[str, Reply], second: tuple[str, Reply]) -> str:
    """A readable report of one disagreement: the request and both normalised replies."""
    lines = [f"the servers disagree on: {request!r}"]
    for label, reply in (first, second):
        lines.append(f"--- {label}: {reply.status}")
        lines.extend(f"    {key}: {value}" for key, value in reply.headers)
        lines.append("    " + reply.body.replace("\n", "\n    "))
    return "\n".join(lines)
