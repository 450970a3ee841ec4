"""An InfluxDB OSS 2.x emulator for the v1-compatible legacy authorization API.

A real HTTP server (aiohttp.web) that answers ``/private/legacy/authorizations`` the way
InfluxDB does on the wire, quirks included, plus the ``/api/v2`` tenancy routes a client
needs and the v1 ``/query``, ``/write`` and ``/ping`` endpoints that legacy credentials
unlock. A fault plan makes requests fail the way proxies and networks do. Run it with
``python -m aioinflux_legacyauth.emulator``, in-process with :class:`Emulator`, in a
thread with :class:`ThreadedEmulator`, or through the ``legacyauth_emulator`` pytest
fixture. It shares the package's models and converter and never imports the client.
"""

from __future__ import annotations

from .chaos.faults import Fault, FaultKind, FaultPlan, FaultRule, InjectedFault
from .chaos.requestlog import RequestLog, RequestRecord
from .domain.errors import PlatformError
from .domain.hashing import BCRYPT_DEFAULT_COST, FAST_HASH_COST, PasswordHasher
from .domain.ids import IDGenerator
from .domain.passwords import PasswordRule, PasswordRules
from .domain.permissions import (
    all_access_permissions,
    bucket_permissions,
    operator_permissions,
    permission,
)
from .domain.store import Store
from .http.state import DEFAULT_VERSION
from .server import Emulator, ThreadedEmulator

__all__ = [
    "BCRYPT_DEFAULT_COST",
    "DEFAULT_VERSION",
    "FAST_HASH_COST",
    "Emulator",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "FaultRule",
    "IDGenerator",
    "InjectedFault",
    "PasswordHasher",
    "PasswordRule",
    "PasswordRules",
    "PlatformError",
    "RequestLog",
    "RequestRecord",
    "Store",
    "ThreadedEmulator",
    "all_access_permissions",
    "bucket_permissions",
    "operator_permissions",
    "permission",
]
