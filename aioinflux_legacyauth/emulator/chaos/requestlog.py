"""What reached the emulator: a request log tests can assert on, with secrets removed.

Credentials never enter the log: the ``Authorization`` header keeps only its scheme, the
``p`` query parameter (a v1 password) and, on ``/api/v2`` paths, ``token`` are replaced,
and bodies of set-password requests are not kept at all. The log is bounded: it keeps the
newest ``max_records`` requests and the first bytes of each body, and counts the rest.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from collections.abc import Iterable

import attrs
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from .faults import FaultKind
from .matching import request_matches

__all__ = [
    "REDACTED",
    "RedactingAccessLogger",
    "RequestLog",
    "RequestRecord",
    "printable_path",
    "redact_headers",
    "redact_query",
]

REDACTED = "<redacted>"
_SECRET_QUERY_KEYS = frozenset({"p"})
_SECRET_V2_QUERY_KEYS = frozenset({"token"})


@attrs.frozen
class RequestRecord:
    """One request as the emulator received it."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    #: The body as read (its first ``max_kept_body`` bytes), or ``None`` when it was not
    #: kept: set-password requests, ``/write`` and ``/query``, and bodies no handler read
    #: (an unauthenticated request's body is never read).
    body: bytes | None = attrs.field(repr=False)
    #: The status sent, or ``None`` when the connection was closed instead (a dropping
    #: fault, or a body that did not arrive in time).
    status: int | None
    #: The injected fault, if any.
    fault: FaultKind | None = None
    #: The whole body's size in bytes when it was kept (``body`` may hold less).
    body_size: int | None = None

    @property
    def body_truncated(self) -> bool:
        """Whether the log kept only the start of the body."""
        return (
            self.body is not None
            and self.body_size is not None
            and (len(self.body) < self.body_size)
        )

    def header(self, name: str) -> str | None:
        """The first value of a request header (case-insensitive), if sent."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def trace_span(self) -> str | None:
        """The ``Zap-Trace-Span`` header as sent (the server accepts and ignores it)."""
        return self.header("Zap-Trace-Span")


class RequestLog:
    """The newest ``max_records`` requests the emulator received, in arrival order.

    Older records are dropped as new ones arrive (:attr:`dropped` counts them). Thread-safe.
    """

    def __init__(self, max_records: int = 10_000) -> None:
        if max_records < 1:
            msg = f"max_records must be at least 1, got {max_records}"
            raise ValueError(msg)
        self.max_records = max_records
        self._records: deque[RequestRecord] = deque(maxlen=max_records)
        self._dropped = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RequestLog({len(self)} requests, {self.dropped} dropped)"

    @property
    def dropped(self) -> int:
        """How many of the oldest records were let go to stay within ``max_records``."""
        with self._lock:
            return self._dropped

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def append(self, record: RequestRecord) -> None:
        """Add a record."""
        with self._lock:
            if len(self._records) == self.max_records:
                self._dropped += 1
            self._records.append(record)

    def clear(self) -> None:
        """Forget everything recorded so far (and the count of dropped records)."""
        with self._lock:
            self._records.clear()
            self._dropped = 0

    def records(
        self, method: str | None = None, path: str | None = None
    ) -> tuple[RequestRecord, ...]:
        """The requests matching ``method`` and the shell-style ``path`` pattern."""
        with self._lock:
            snapshot = tuple(self._records)
        return tuple(
            record
            for record in snapshot
            if request_matches(record.method, record.path, want_method=method, want_path=path)
        )

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests matched ``method`` and ``path``."""
        return len(self.records(method, path))


def redact_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Headers with credentials replaced; the ``Authorization`` scheme stays visible."""
    kept = []
    for key, value in headers:
        shown = value
        if key.lower() in ("authorization", "cookie"):
            scheme = value.split(" ", 1)[0] if " " in value else ""
            shown = f"{scheme} {REDACTED}".strip()
        kept.append((key, shown))
    return tuple(kept)


def redact_query(path: str, query: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Query parameters with passwords (and v2 token filters) replaced."""
    secret = _SECRET_QUERY_KEYS
    if path.startswith("/api/v2"):
        secret = secret | _SECRET_V2_QUERY_KEYS
    return tuple((key, REDACTED if key in secret else value) for key, value in query)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable_path(path: str) -> str:
    """``path`` with control characters percent-encoded again, so a decoded ``%0d%0a``
    cannot end a log line and start a forged one."""
    return _CONTROL.sub(lambda match: f"%{ord(match.group()):02X}", path)


class RedactingAccessLogger(AbstractAccessLogger):
    """One access log line per request, without the query string (it may carry ``p=``)
    and with control characters in the path escaped."""

    def __init__(self, logger: logging.Logger, log_format: str = "") -> None:
        super().__init__(logger, log_format)

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Log method, path, status and duration."""
        self.logger.info(
            "%s %s %s %.1fms",
            request.method,
            printable_path(request.path),
            response.status,
            time * 1000,
        )
