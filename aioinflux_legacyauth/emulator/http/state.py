"""What every request handler of one emulated server shares."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from typing import Final

import attrs
from aiohttp import web

from ..chaos.faults import FaultPlan
from ..chaos.requestlog import RequestLog
from ..domain.hashing import PasswordHasher
from ..domain.ids import check_id
from ..domain.passwords import PasswordRules
from ..domain.profiles import ServerProfile, server_profile
from ..domain.store import Store
from .guard import ConnectionGuard
from .limits import DEFAULT_LIMITS, Limits

__all__ = ["STATE", "EmulatorState", "metrics_path"]


@attrs.define
class EmulatorState:
    """The store, the password machinery, the fault plan, the request log and the
    server's options (release profile, UI, metrics, limits)."""

    store: Store
    hasher: PasswordHasher
    passwords: PasswordRules
    faults: FaultPlan
    requests: RequestLog
    #: The release being played: version header, password rule, CSV escaping, ...
    profile: ServerProfile = attrs.field(factory=server_profile)
    #: ``influxd --use-hashed-tokens``: v2 tokens are stored hashed and listed as ``""``.
    hashed_tokens: bool = False
    #: ``/metrics`` answers (``influxd --metrics-disabled`` turns it into a 403).
    metrics: bool = True
    #: Serve the UI's HTML for unknown top-level paths (``influxd --ui-disabled`` turns it off).
    ui: bool = True
    #: Timeouts and sizes that bound what a client can make the emulator hold.
    limits: Limits = DEFAULT_LIMITS
    #: Closes connections that never send a request head; set once the server listens.
    guard: ConnectionGuard | None = None
    #: What ``/health`` reports as the build's commit.
    commit: str = "emulator"
    #: When the server started, in the local zone (``/ready``, the UI's Last-Modified).
    started: datetime = attrs.field(factory=lambda: datetime.now().astimezone())
    started_monotonic_ns: int = attrs.field(factory=time.monotonic_ns)
    #: Requests answered with a 2XX or 5XX, by (method, path, status, user agent), for
    #: ``/metrics``; at most ``_MAX_SERIES`` distinct ones (then new ones are not counted).
    request_counts: Counter[tuple[str, str, int, str]] = attrs.field(factory=Counter)

    def count_request(self, method: str, path: str, status: int, user_agent: str) -> None:
        """Count a request as ``kithttp.Metrics`` does: 2XX and 5XX only, IDs as ``:id``."""
        if status // 100 not in (2, 5):
            return
        key = (method, metrics_path(path), status, user_agent)
        if key in self.request_counts or len(self.request_counts) < _MAX_SERIES:
            self.request_counts[key] += 1


_MAX_SERIES: Final = 1000
_API_PREFIXES: Final = ("/v1", "/api/v2", "/private/", "/write", "/query", "/ping")


def metrics_path(path: str) -> str:
    """``normalizePath``: IDs become ``:id``; a path the UI answers is ``/:fallback_path``."""
    roots = ("/metrics", "/ready", "/health")
    if not path.startswith(_API_PREFIXES) and not path.startswith(roots):
        return "/:fallback_path"
    parts = [":id" if check_id(part) is None else part for part in path.split("/") if part]
    return "/" + "/".join(parts)


STATE: Final = web.AppKey("aioinflux_legacyauth.emulator.state", EmulatorState)
