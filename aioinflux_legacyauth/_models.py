"""Typed models of the legacy authorization API: frozen, slotted attrs classes and enums.

Field names say what a value means in Python; the wire names live in ``_converter``.
Field order follows the order in which the server writes its keys, so serializing a
model (the emulator does) reproduces the real server's JSON.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Self, TypeVar

import attrs

_T = TypeVar("_T")

__all__ = [
    "Action",
    "AuthStatus",
    "AuthorizationCreate",
    "AuthorizationLinks",
    "AuthorizationList",
    "AuthorizationUpdate",
    "Bucket",
    "DBRPMapping",
    "DBRPMappingCreate",
    "LegacyAuthorization",
    "ListLinks",
    "Organization",
    "Permission",
    "Resource",
    "ResourceType",
    "RetentionPolicy",
    "User",
    "UsernameLookup",
    "WriteAccess",
]


class _OpenStrEnum(enum.StrEnum):
    """A string enum that keeps values it does not know instead of failing.

    A newer server may send a status, action or resource type this version has never
    seen; parsing must not break over it. Unknown values become pseudo-members that
    compare equal to their string and round-trip unchanged.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str) or not value:
            return None
        member = str.__new__(cls, value)
        member._value_ = value
        # Named after the exact value, so "Active" can never pass for ACTIVE in a repr.
        member._name_ = value
        return member

    @property
    def is_known(self) -> bool:
        """Whether this value is one this version of the library defines."""
        return self._value_ in type(self)._value2member_map_


class AuthStatus(_OpenStrEnum):
    """Whether a legacy authorization may log in."""

    ACTIVE = "active"
    INACTIVE = "inactive"


class Action(_OpenStrEnum):
    """What a permission allows on its resource."""

    READ = "read"
    WRITE = "write"


class ResourceType(_OpenStrEnum):
    """The resource types InfluxDB 2.x knows (``authz.go``, ``AllResourceTypes``)."""

    AUTHORIZATIONS = "authorizations"
    BUCKETS = "buckets"
    DASHBOARDS = "dashboards"
    ORGS = "orgs"
    SOURCES = "sources"
    TASKS = "tasks"
    TELEGRAFS = "telegrafs"
    USERS = "users"
    VARIABLES = "variables"
    SCRAPERS = "scrapers"
    SECRETS = "secrets"
    LABELS = "labels"
    VIEWS = "views"
    DOCUMENTS = "documents"
    NOTIFICATION_RULES = "notificationRules"
    NOTIFICATION_ENDPOINTS = "notificationEndpoints"
    CHECKS = "checks"
    DBRP = "dbrp"
    NOTEBOOKS = "notebooks"
    ANNOTATIONS = "annotations"
    REMOTES = "remotes"
    REPLICATIONS = "replications"
    INSTANCE = "instance"


@attrs.frozen(slots=True, kw_only=True)
class Resource:
    """The target of a permission: a type, optionally narrowed to one org or one ID.

    ``name`` and ``org`` are filled in by the server in responses (the resource's and its
    org's names); they are ignored when creating.
    """

    type: ResourceType = attrs.field(converter=ResourceType)
    id: str | None = None
    org_id: str | None = None
    name: str | None = None
    org: str | None = None


@attrs.frozen(slots=True, kw_only=True)
class Permission:
    """An action allowed on a resource, e.g. ``write`` on one bucket."""

    action: Action = attrs.field(converter=Action)
    resource: Resource

    @classmethod
    def read_bucket(cls, bucket_id: str, org_id: str) -> Self:
        """Read access to one bucket, as ``influx v1 auth create --read-bucket`` grants."""
        return cls._bucket(Action.READ, bucket_id, org_id)

    @classmethod
    def write_bucket(cls, bucket_id: str, org_id: str) -> Self:
        """Write access to one bucket, as ``influx v1 auth create --write-bucket`` grants."""
        return cls._bucket(Action.WRITE, bucket_id, org_id)

    @classmethod
    def _bucket(cls, action: Action, bucket_id: str, org_id: str) -> Self:
        if not bucket_id or not org_id:
            msg = "a bucket permission needs both a bucket ID and an org ID"
            raise ValueError(msg)
        resource = Resource(type=ResourceType.BUCKETS, id=bucket_id, org_id=org_id)
        return cls(action=action, resource=resource)

    def __str__(self) -> str:
        """The server's own notation, e.g. ``write:orgs/<org>/buckets/<id>``."""
        resource = self.resource
        path = str(resource.type.value)
        if resource.org_id:
            path = f"orgs/{resource.org_id}/{path}"
        if resource.id:
            path = f"{path}/{resource.id}"
        return f"{self.action.value}:{path}"


def _permission_tuple(permissions: Iterable[Permission]) -> tuple[Permission, ...]:
    return tuple(permissions)


@attrs.frozen(slots=True, kw_only=True)
class AuthorizationLinks:
    """Links the server attaches to one authorization (wire key ``self`` is ``self_``)."""

    self_: str
    user: str | None = None


@attrs.frozen(slots=True, kw_only=True)
class LegacyAuthorization:
    """One v1-compatible credential: a username (wire ``token``) with permissions.

    The password is never part of it: the server stores only a hash and never returns it.
    ``org`` and ``user`` are the names the server looked up for ``org_id`` and ``user_id``.
    """

    id: str
    username: str
    status: AuthStatus = attrs.field(converter=AuthStatus)
    description: str = ""
    org_id: str
    org: str | None = None
    user_id: str
    user: str | None = None
    permissions: tuple[Permission, ...] = attrs.field(converter=_permission_tuple)
    links: AuthorizationLinks | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def active(self) -> bool:
        """Whether this credential may currently log in through ``/query`` and ``/write``."""
        return self.status == AuthStatus.ACTIVE


@attrs.frozen(slots=True, kw_only=True)
class ListLinks:
    """Links of a list response; the server sends only ``self``."""

    self_: str


def _authorization_tuple(
    authorizations: Iterable[LegacyAuthorization],
) -> tuple[LegacyAuthorization, ...]:
    return tuple(authorizations)


@attrs.frozen(slots=True, kw_only=True)
class AuthorizationList:
    """The body of a list response."""

    links: ListLinks | None = None
    authorizations: tuple[LegacyAuthorization, ...] = attrs.field(converter=_authorization_tuple)


@attrs.frozen(slots=True, kw_only=True)
class AuthorizationCreate:
    """The body of a create request. The server chooses the ID; the password is set apart."""

    username: str
    status: AuthStatus = attrs.field(default=AuthStatus.ACTIVE, converter=AuthStatus)
    org_id: str
    user_id: str | None = None
    description: str | None = None
    permissions: tuple[Permission, ...] = attrs.field(converter=_permission_tuple)


@attrs.frozen(slots=True, kw_only=True)
class AuthorizationUpdate:
    """The body of a PATCH: only the fields given are changed; the server ignores all others."""

    status: AuthStatus | None = attrs.field(
        default=None, converter=attrs.converters.optional(AuthStatus)
    )
    description: str | None = None


# -- where a credential's data lives: /api/v2 (buckets, orgs, users, DBRP mappings) --------


@attrs.frozen(slots=True, kw_only=True)
class Bucket:
    """A bucket, as ``/api/v2/buckets`` describes it (only what provisioning needs)."""

    id: str
    org_id: str
    #: ``"user"``, or ``"system"`` for an org's ``_monitoring`` and ``_tasks``.
    type: str = "user"
    name: str

    @property
    def system(self) -> bool:
        """Whether this is one of the org's system buckets."""
        return self.type == "system"


@attrs.frozen(slots=True, kw_only=True)
class Organization:
    """An organization (``/api/v2/orgs``)."""

    id: str
    name: str


@attrs.frozen(slots=True, kw_only=True)
class User:
    """A v2 user (``/api/v2/users``): the owner of a legacy authorization.

    An inactive user's legacy credentials are refused at login, whatever their own status.
    """

    id: str
    name: str
    status: AuthStatus = attrs.field(default=AuthStatus.ACTIVE, converter=AuthStatus)

    @property
    def active(self) -> bool:
        """Whether the user, and so its credentials, may log in."""
        return self.status == AuthStatus.ACTIVE


@attrs.frozen(slots=True, kw_only=True)
class DBRPMapping:
    """Which bucket an InfluxQL database and retention policy name, in one org.

    Every bucket has a ``virtual`` mapping computed from its name (``db`` or ``db/rp``)
    and never stored; explicit ones are made through ``/api/v2/dbrps``. ``default`` is the
    mapping a 1.x tool that names no retention policy reaches.
    """

    id: str
    database: str
    retention_policy: str
    default: bool
    virtual: bool = False
    org_id: str
    bucket_id: str


@attrs.frozen(slots=True, kw_only=True)
class DBRPMappingCreate:
    """The body of ``POST /api/v2/dbrps``."""

    database: str
    retention_policy: str
    default: bool = False
    org_id: str
    bucket_id: str


@attrs.frozen(slots=True, kw_only=True)
class UsernameLookup:
    """What ``list(username=...)`` cannot tell: whether a username is free or hidden.

    ``authorization`` is the credential when the token can see it. ``exists`` is True also
    when the server answers an empty list instead of its 404: a credential with that
    username exists, but the token may not read it, or its org or owning user is gone.
    """

    authorization: LegacyAuthorization | None
    exists: bool


@attrs.frozen(slots=True, kw_only=True)
class RetentionPolicy:
    """One row of ``SHOW RETENTION POLICIES``: a mapping the credential may read."""

    name: str
    default: bool


class WriteAccess(enum.StrEnum):
    """What an empty ``/write`` body says about a credential and a database."""

    #: 204: the body passed every check and nothing was written.
    WRITABLE = "writable"
    #: 403: the mapping is visible, the credential may not write its bucket.
    READ_ONLY = "read_only"
    #: 404: no mapping for the name, or one the credential may not see (indistinguishable).
    NOT_VISIBLE = "not_visible"
    #: 401: the login was refused.
    REFUSED = "refused"


def trusted_constructor(cls: type[_T]) -> Callable[..., _T]:
    """A constructor of the frozen slotted attrs class ``cls`` that skips ``__init__``.

    It takes every field positionally, in field order, and stores the values as given: no
    defaults, no converters, no validators. It is for hot paths whose values are already
    in their final, checked form: the converter's structure hooks (``__init__`` would
    convert the enums a second time), the per-item request builders, child trace spans.
    Generated the way attrs generates ``__init__``; it costs about half as much.
    """
    names = [field.name for field in attrs.fields(cls)]  # type: ignore[arg-type]  # attrs only
    # The slot descriptors write through frozenness, as attrs' own __init__ does.
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def trusted_{cls.__name__}({', '.join(names)}):", "    self = _new(_cls)"]
    for name in names:
        namespace[f"_set_{name}"] = getattr(cls, name).__set__
        lines.append(f"    _set_{name}(self, {name})")
    lines.append("    return self")
    source = "\n".join(lines)
    # Field names are Python identifiers from the class itself: nothing external runs here.
    exec(compile(source, f"<trusted constructor of {cls.__qualname__}>", "exec"), namespace)  # noqa: S102
    build: Callable[..., _T] = namespace[f"trusted_{cls.__name__}"]
    return build
