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

from ._errors import PlatformError
from ._faults import Fault, FaultKind, FaultPlan, FaultRule, InjectedFault
from ._hashing import BCRYPT_DEFAULT_COST, FAST_HASH_COST, PasswordHasher
from ._ids import IDGenerator
from ._passwords import PasswordRule, PasswordRules
from ._permissions import all_access_permissions, operator_permissions, permission
from ._requestlog import RequestLog, RequestRecord
from ._server import Emulator, ThreadedEmulator
from ._state import DEFAULT_VERSION
from ._store import Store

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
    "operator_permissions",
    "permission",
]
