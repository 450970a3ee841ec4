"""Permission matching and checks, as ``authz.go`` and ``authorizer/authorize.go`` do them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from ..._models import Action, AuthStatus, Permission, Resource, ResourceType
from .errors import FORBIDDEN, UNAUTHORIZED, PlatformError

__all__ = [
    "Authorizer",
    "all_access_permissions",
    "allowed",
    "bucket_permissions",
    "check",
    "check_read_bucket",
    "matches",
    "operator_permissions",
    "permission",
    "verify_grantable",
]


class Bucket(Protocol):
    """What a bucket read check needs of a bucket."""

    @property
    def id(self) -> str: ...

    @property
    def org_id(self) -> str: ...

    @property
    def system(self) -> bool: ...


class Authorizer(Protocol):
    """What a permission check needs of the caller's v2 token."""

    @property
    def status(self) -> AuthStatus: ...

    @property
    def permissions(self) -> tuple[Permission, ...]: ...


def permission(
    action: Action | str,
    resource_type: ResourceType | str,
    *,
    id: str | None = None,
    org_id: str | None = None,
) -> Permission:
    """A permission on one resource type, optionally narrowed to an org and/or an ID."""
    return Permission(
        action=Action(action), resource=Resource(type=resource_type, id=id, org_id=org_id)
    )


def matches(held: Permission, wanted: Permission) -> bool:
    """Whether a held permission covers a wanted one (``Permission.matchesV1``).

    Actions must be equal. A held ``instance`` permission covers every type. A held
    permission with neither ID nor org covers its whole type; one scoped to an org covers
    that org's resources; one scoped to an ID covers that ID.
    """
    if held.action != wanted.action:
        return False
    held_resource, wanted_resource = held.resource, wanted.resource
    if held_resource.type == ResourceType.INSTANCE:
        return True
    if held_resource.type != wanted_resource.type:
        return False
    if held_resource.org_id is None and held_resource.id is None:
        return True
    if held_resource.id is None:
        return held_resource.org_id == wanted_resource.org_id
    return held_resource.id == wanted_resource.id


def allowed(held: Iterable[Permission], wanted: Permission) -> bool:
    """Whether any of ``held`` covers ``wanted``."""
    return any(matches(permission, wanted) for permission in held)


def check(caller: Authorizer, wanted: Permission) -> None:
    """Raise the server's 401 unless the caller may do ``wanted``.

    An inactive token holds no permissions at all (``Authorization.PermissionSet``).
    """
    if caller.status != AuthStatus.ACTIVE:
        raise PlatformError(UNAUTHORIZED, "token is inactive")
    if not allowed(caller.permissions, wanted):
        raise PlatformError(UNAUTHORIZED, f"{wanted} is unauthorized")


def check_read_bucket(caller: Authorizer, bucket: Bucket) -> None:
    """``AuthorizeReadBucket``: reading a system bucket takes reading its org."""
    if bucket.system:
        check(caller, permission(Action.READ, ResourceType.ORGS, id=bucket.org_id))
    else:
        check(
            caller,
            permission(Action.READ, ResourceType.BUCKETS, id=bucket.id, org_id=bucket.org_id),
        )


def verify_grantable(caller: Authorizer, requested: Sequence[Permission]) -> None:
    """Raise the server's 403 if the caller tries to grant a permission it does not hold."""
    for wanted in requested:
        try:
            check(caller, wanted)
        except PlatformError as exc:
            raise PlatformError(
                FORBIDDEN, f"permission {wanted} is not allowed: {exc.message}"
            ) from None


def bucket_permissions(
    org_id: str, bucket_ids: Iterable[str], *, read: bool = True, write: bool = True
) -> list[Permission]:
    """Read and/or write on each bucket, as ``influx v1 auth create`` grants."""
    actions = [action for action, on in ((Action.READ, read), (Action.WRITE, write)) if on]
    return [
        permission(action, ResourceType.BUCKETS, id=bucket_id, org_id=org_id)
        for bucket_id in bucket_ids
        for action in actions
    ]


def operator_permissions() -> tuple[Permission, ...]:
    """What ``influx setup`` gives the operator token: read and write on every type.

    Every type except ``instance``, each global (no org, no ID).
    """
    return tuple(
        permission(action, resource_type)
        for resource_type in ResourceType
        if resource_type != ResourceType.INSTANCE
        for action in (Action.READ, Action.WRITE)
    )


def all_access_permissions(org_id: str, user_id: str) -> tuple[Permission, ...]:
    """What ``influx auth create --all-access`` gives: the whole org, plus the user itself.

    Every type scoped to the org, ``orgs`` by the org's ID, and ``users/<user_id>``; so
    it may manage legacy authorizations of its own user but not of others.
    """
    granted: list[Permission] = []
    for resource_type in ResourceType:
        if resource_type == ResourceType.INSTANCE:
            continue
        for action in (Action.READ, Action.WRITE):
            if resource_type == ResourceType.ORGS:
                granted.append(permission(action, resource_type, id=org_id))
            else:
                granted.append(permission(action, resource_type, org_id=org_id))
    granted.extend(
        permission(action, ResourceType.USERS, id=user_id) for action in (Action.READ, Action.WRITE)
    )
    return tuple(granted)
