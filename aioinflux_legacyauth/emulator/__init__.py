"""An InfluxDB OSS 2.x emulator for the v1-compatible legacy authorization API.

A real HTTP server (aiohttp.web) that answers ``/private/legacy/authorizations`` the way
InfluxDB does on the wire, quirks included, plus the ``/api/v2`` routes a client needs
(tenancy, v2 tokens, DBRP mappings, setup, the links document), the probes (``/ping``,
``/health``, ``/ready``, ``/metrics``) and the v1 ``/query`` and ``/write`` endpoints that
legacy credentials unlock. It stores no time-series data: writes are validated and
dropped, queries that would read data answer valid empty results. A fault plan makes
requests fail the way proxies and networks do. Run it with
``python -m aioinflux_legacyauth.emulator``, in-process with :class:`Emulator`, in a
thread with :class:`ThreadedEmulator`, or through the ``legacyauth_emulator`` pytest
fixture. It shares the package's models and converter and never imports the client.
"""

from __future__ import annotations

from .chaos.faults import Fault, FaultKind, FaultPlan, FaultRule, InjectedFault
from .chaos.requestlog import RequestLog, RequestRecord
from .domain.dbrp_table import DBRPMapping
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
from .domain.profiles import DEFAULT_VERSION, ServerProfile, server_profile
from .domain.store import Store
from .http.limits import Limits
from .server import Emulator
from .threaded import ThreadedEmulator

__all__ = [
    "BCRYPT_DEFAULT_COST",
    "DEFAULT_VERSION",
    "FAST_HASH_COST",
    "DBRPMapping",
    "Emulator",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "FaultRule",
    "IDGenerator",
    "InjectedFault",
    "Limits",
    "PasswordHasher",
    "PasswordRule",
    "PasswordRules",
    "PlatformError",
    "RequestLog",
    "RequestRecord",
    "ServerProfile",
    "Store",
    "ThreadedEmulator",
    "all_access_permissions",
    "bucket_permissions",
    "operator_permissions",
    "permission",
    "server_profile",
]
