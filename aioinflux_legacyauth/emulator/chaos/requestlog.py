"""What reached the emulator: a request log tests can assert on, with secrets removed.

Credentials never enter the log: the ``Authorization`` header keeps only its scheme, the
``p`` query parameter (a v1 password) and, on ``/api/v2`` paths, ``token`` are replaced,
and bodies of set-password requests are not kept at all.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import attrs
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from .faults import FaultKind
from .matching import request_matches

__all__ = ["REDACTED", "RedactingAccessLogger", "RequestLog", "RequestRecord", "redact_query"]

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
    #: The raw body, or ``None`` for set-password requests and bodies not kept.
    body: bytes | None = attrs.field(repr=False)
    #: The status sent, or ``None`` when a fault dropped the connection instead.
    status: int | None
    #: The injected fault, if any.
    fault: FaultKind | None = None

    def header(self, name: str) -> str | None:
        """The first value of a request header (case-insensitive), if sent."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def trace_span(self) -> str | None:
        """The ``Zap-Trace-Span`` header as sent (the server accepts and ignores it)."""
        return self.header("Zap-Trace-Span")


class RequestLog:
    """Every request the emulator received, in arrival order. Thread-safe."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RequestLog({len(self)} requests)"

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def append(self, record: RequestRecord) -> None:
        """Add a record."""
        with self._lock:
            self._records.append(record)

    def clear(self) -> None:
        """Forget everything recorded so far."""
        with self._lock:
            self._records.clear()

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


class RedactingAccessLogger(AbstractAccessLogger):
    """An access log line per request, without the query string (it may carry ``p=``)."""

    def __init__(self, logger: logging.Logger, log_format: str = "") -> None:
        super().__init__(logger, log_format)

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Log method, path, status and duration."""
        self.logger.info(
            "%s %s %s %.1fms", request.method, request.path, response.status, time * 1000
        )
