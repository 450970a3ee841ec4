"""Async client for the InfluxDB OSS 2.x v1-compatible ("legacy") authorization API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._client import DEFAULT_DEADLINE, DEFAULT_TIMEOUT, LegacyAuthClient
from ._errors import (
    APIError,
    ArgumentError,
    ClientStateError,
    ConfigurationError,
    ConflictError,
    ForbiddenError,
    InternalServerError,
    InvalidError,
    LegacyAuthError,
    MethodNotAllowedError,
    NotFoundError,
    PasswordPolicyError,
    RequestTimeoutError,
    RequestTooLargeError,
    ResponseDecodeError,
    ServerNotImplementedError,
    TooManyRequestsError,
    TransportError,
    UnauthorizedError,
    UnavailableError,
    UnprocessableEntityError,
)
from ._models import (
    Action,
    AuthorizationLinks,
    AuthorizationList,
    AuthStatus,
    Bucket,
    DBRPMapping,
    DBRPMappingCreate,
    LegacyAuthorization,
    ListLinks,
    Organization,
    Permission,
    Resource,
    ResourceType,
    RetentionPolicy,
    User,
    UsernameLookup,
    WriteAccess,
)
from ._password import DEFAULT_PASSWORD_POLICY, LEGACY_PASSWORD_POLICY, PasswordPolicy
from ._retry import RetryPolicy
from ._sansio import RawResponse, Request
from ._tracing import TraceSpan, current_trace_span, use_trace_span
from ._transports import Timeout, Transport
from ._transports.aiohttp import DEFAULT_MAX_BODY_SIZE, AiohttpTransport
from .bulk import BulkError, BulkReport, ItemResult, Outcome

if TYPE_CHECKING:
    __version__: str


def __getattr__(name: str) -> Any:
    # __version__ is read from the installed metadata when first asked for (PEP 562):
    # importlib.metadata and its search of every installed distribution cost an import.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

        try:
            found = version("aioinflux-legacyauth")
        except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
            found = "0+unknown"
        globals()["__version__"] = found
        return found
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_PASSWORD_POLICY",
    "DEFAULT_TIMEOUT",
    "LEGACY_PASSWORD_POLICY",
    "APIError",
    "Action",
    "AiohttpTransport",
    "ArgumentError",
    "AuthStatus",
    "AuthorizationLinks",
    "AuthorizationList",
    "Bucket",
    "BulkError",
    "BulkReport",
    "ClientStateError",
    "ConfigurationError",
    "ConflictError",
    "DBRPMapping",
    "DBRPMappingCreate",
    "ForbiddenError",
    "InternalServerError",
    "InvalidError",
    "ItemResult",
    "LegacyAuthClient",
    "LegacyAuthError",
    "LegacyAuthorization",
    "ListLinks",
    "MethodNotAllowedError",
    "NotFoundError",
    "Organization",
    "Outcome",
    "PasswordPolicy",
    "PasswordPolicyError",
    "Permission",
    "RawResponse",
    "Request",
    "RequestTimeoutError",
    "RequestTooLargeError",
    "Resource",
    "ResourceType",
    "ResponseDecodeError",
    "RetentionPolicy",
    "RetryPolicy",
    "ServerNotImplementedError",
    "Timeout",
    "TooManyRequestsError",
    "TraceSpan",
    "Transport",
    "TransportError",
    "UnauthorizedError",
    "UnavailableError",
    "UnprocessableEntityError",
    "User",
    "UsernameLookup",
    "WriteAccess",
    "__version__",
    "current_trace_span",
    "use_trace_span",
]
