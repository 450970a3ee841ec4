"""What every request handler of one emulated server shares."""

from __future__ import annotations

from typing import Final

import attrs
from aiohttp import web

from ..chaos.faults import FaultPlan
from ..chaos.requestlog import RequestLog
from ..domain.hashing import PasswordHasher
from ..domain.passwords import PasswordRules
from ..domain.store import Store

__all__ = ["DEFAULT_VERSION", "STATE", "EmulatorState"]

#: The ``X-Influxdb-Version`` the emulator claims by default.
DEFAULT_VERSION: Final = "v2.7.12"


@attrs.define
class EmulatorState:
    """The store, the password machinery, the fault plan and the request log."""

    store: Store
    hasher: PasswordHasher
    passwords: PasswordRules
    faults: FaultPlan
    requests: RequestLog
    version: str = DEFAULT_VERSION
    #: Serve the UI's HTML for unknown top-level paths (``influxd --ui-disabled`` turns it off).
    ui: bool = True


STATE: Final = web.AppKey("aioinflux_legacyauth.emulator.state", EmulatorState)
