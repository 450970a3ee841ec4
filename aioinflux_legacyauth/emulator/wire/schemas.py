"""The request structs the server decodes, and the checks it runs on a create request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs

from ..._models import Action, AuthStatus, Permission, Resource, ResourceType
from ..domain.errors import INVALID, PlatformError
from .gojson import (
    GoBool,
    GoID,
    GoInt,
    GoJSONError,
    GoSlice,
    GoString,
    GoStruct,
    go_decode,
)

__all__ = [
    "AUTHORIZATION_UPDATE",
    "BUCKET_POST",
    "DBRP_CREATE",
    "DBRP_UPDATE",
    "LEGACY_AUTHORIZATION_POST",
    "ORG_POST",
    "PASSWORD_SET",
    "USER_POST",
    "V2_AUTHORIZATION_POST",
    "CreateRequest",
    "decode_or_invalid",
    "validate_create",
]

_RESOURCE: Final = GoStruct(
    "Resource",
    "influxdb.Resource",
    (
        ("type", GoString("influxdb.ResourceType")),
        ("id", GoID(pointer=True)),
        ("orgID", GoID(pointer=True)),
    ),
)
_PERMISSION: Final = GoStruct(
    "Permission",
    "influxdb.Permission",
    (("action", GoString("influxdb.Action")), ("resource", _RESOURCE)),
)
_PERMISSIONS: Final = GoSlice(_PERMISSION, "[]influxdb.Permission")

#: ``v1/authorization/http_server.go``, ``postAuthorizationRequest``.
LEGACY_AUTHORIZATION_POST: Final = GoStruct(
    "postAuthorizationRequest",
    "authorization.postAuthorizationRequest",
    (
        ("token", GoString("string")),
        ("status", GoString("influxdb.Status")),
        ("orgID", GoID()),
        ("userID", GoID(pointer=True)),
        ("description", GoString("string")),
        ("permissions", _PERMISSIONS),
    ),
)
#: ``authorization/http_server.go``, ``postAuthorizationRequest`` (no token: the server makes one).
V2_AUTHORIZATION_POST: Final = GoStruct(
    "postAuthorizationRequest",
    "authorization.postAuthorizationRequest",
    (
        ("status", GoString("influxdb.Status")),
        ("orgID", GoID()),
        ("userID", GoID(pointer=True)),
        ("description", GoString("string")),
        ("permissions", _PERMISSIONS),
    ),
)
#: ``influxdb.AuthorizationUpdate``: both fields are pointers, so ``null`` means "unchanged".
AUTHORIZATION_UPDATE: Final = GoStruct(
    "AuthorizationUpdate",
    "influxdb.AuthorizationUpdate",
    (
        ("status", GoString("influxdb.Status", pointer=True)),
        ("description", GoString("string", pointer=True)),
    ),
)
#: ``v1/authorization/http_server.go``, ``passwordSetRequest``.
PASSWORD_SET: Final = GoStruct(
    "passwordSetRequest", "authorization.passwordSetRequest", (("password", GoString("string")),)
)
ORG_POST: Final = GoStruct(
    "Organization",
    "influxdb.Organization",
    (("name", GoString("string")), ("description", GoString("string"))),
)
USER_POST: Final = GoStruct(
    "User", "influxdb.User", (("name", GoString("string")), ("status", GoString("influxdb.Status")))
)
_RETENTION_RULE: Final = GoStruct(
    "retentionRule",
    "tenant.retentionRule",
    (("type", GoString("string")), ("everySeconds", GoInt())),
)
BUCKET_POST: Final = GoStruct(
    "postBucketRequest",
    "tenant.postBucketRequest",
    (
        ("orgID", GoID()),
        ("name", GoString("string")),
        ("description", GoString("string")),
        ("retentionRules", GoSlice(_RETENTION_RULE, "[]tenant.retentionRule")),
    ),
)

#: ``dbrp/http_server_dbrp.go``, ``createDBRPRequest``: the IDs are plain strings there, so
#: a bad one is reported by the handler, naming which ID it is.
DBRP_CREATE: Final = GoStruct(
    "createDBRPRequest",
    "dbrp.createDBRPRequest",
    (
        ("database", GoString("string")),
        ("retention_policy", GoString("string")),
        ("default", GoBool()),
        ("org", GoString("string")),
        ("orgID", GoString("string")),
        ("bucketID", GoString("string")),
    ),
)
#: ``handlePatchDBRP``'s anonymous body struct (so Go names its fields ``.default``).
DBRP_UPDATE: Final = GoStruct(
    "",
    'struct { Default *bool "json:\\"default\\""; RetentionPolicy *string '
    '"json:\\"retention_policy\\"" }',
    (("default", GoBool(pointer=True)), ("retention_policy", GoString("string", pointer=True))),
)

_RESOURCE_TYPES: Final = frozenset(resource_type.value for resource_type in ResourceType)
_ACTIONS: Final = frozenset(action.value for action in Action)


def decode_or_invalid(body: bytes, schema: GoStruct) -> dict[str, object]:
    """Decode like ``kithttp.API.DecodeJSON``: a failure is ``400 failed to unmarshal json``."""
    try:
        return go_decode(body, schema)
    except GoJSONError as exc:
        raise PlatformError(INVALID, f"failed to unmarshal json: {exc}") from None


@attrs.frozen
class CreateRequest:
    """A decoded and validated create request (legacy or v2)."""

    username: str
    status: AuthStatus
    org_id: str
    user_id: str | None
    description: str
    permissions: tuple[Permission, ...]


def _text(decoded: Mapping[str, object], key: str) -> str:
    value = decoded.get(key)
    return value if isinstance(value, str) else ""


def _permission(decoded: object) -> Permission:
    fields = decoded if isinstance(decoded, dict) else {}
    resource = fields.get("resource")
    resource_fields = resource if isinstance(resource, dict) else {}
    resource_type = _text(resource_fields, "type")
    # Permission.Valid checks the resource type first, then the action.
    if resource_type not in _RESOURCE_TYPES:
        raise PlatformError(
            INVALID, "invalid resource type for permission: unknown resource type for permission"
        )
    action = _text(fields, "action")
    if action not in _ACTIONS:
        raise PlatformError(
            INVALID, "invalid action type for permission: unknown action for permission"
        )
    resource_id = resource_fields.get("id")
    org_id = resource_fields.get("orgID")
    return Permission(
        action=Action(action),
        resource=Resource(
            type=ResourceType(resource_type),
            id=resource_id if isinstance(resource_id, str) else None,
            org_id=org_id if isinstance(org_id, str) else None,
        ),
    )


def decode_create(body: bytes, schema: GoStruct, *, legacy: bool) -> CreateRequest:
    """Decode then validate a create body; a decoder failure is ``invalid json structure``."""
    try:
        decoded = go_decode(body, schema)
    except GoJSONError as exc:
        raise PlatformError(INVALID, f"invalid json structure: {exc}") from None
    return validate_create(decoded, legacy=legacy)


def validate_create(decoded: Mapping[str, object], *, legacy: bool) -> CreateRequest:
    """``SetDefaults`` then ``Validate`` of the server's create request, first failure wins."""
    status = _text(decoded, "status") or AuthStatus.ACTIVE.value
    raw_permissions = decoded.get("permissions")
    if not isinstance(raw_permissions, list) or not raw_permissions:
        raise PlatformError(INVALID, "authorization must include permissions")
    permissions = tuple(_permission(item) for item in raw_permissions)
    org_id = _text(decoded, "orgID")
    if not org_id:
        raise PlatformError(INVALID, "org id required: invalid ID")
    if status not in (AuthStatus.ACTIVE, AuthStatus.INACTIVE):
        raise PlatformError(INVALID, "invalid status: must be active or inactive")
    username = _text(decoded, "token")
    if legacy and not username:
        raise PlatformError(INVALID, "token required for v1 user authorization type")
    user_id = decoded.get("userID")
    return CreateRequest(
        username=username,
        status=AuthStatus(status),
        org_id=org_id,
        user_id=user_id if isinstance(user_id, str) else None,
        description=_text(decoded, "description"),
        permissions=permissions,
    )
