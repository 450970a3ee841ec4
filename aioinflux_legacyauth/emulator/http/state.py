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
from ..domain.passwords import PasswordRules
from ..domain.profiles import ServerProfile, server_profile
from ..domain.store import Store
from .guard import ConnectionGuard
from .limits import DEFAULT_LIMITS, Limits

__all__ = ["STATE", "EmulatorState"]


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
    #: Requests answered, by (method, path, status), for ``/metrics``.
    request_counts: Counter[tuple[str, str, int]] = attrs.field(factory=Counter)


STATE: Final = web.AppKey("aioinflux_legacyauth.emulator.state", EmulatorState)
