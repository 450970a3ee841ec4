"""The emulator's in-memory database: tenancy, v2 tokens, legacy authorizations, hashes.

Every method is synchronous and never awaits, so on the event loop each one runs to the
end before another request is looked at: a uniqueness check and the insert it guards
happen in one step, and hundreds of concurrent creates can neither lose an update nor
register one username twice. The only slow part of a write, hashing a password, is done
by the caller before :meth:`Store.set_password_hash` is called. The store is not
thread-safe: use it from the event loop that serves the emulator (the threaded fixture
hands its calls over to that loop).

Errors are :class:`PlatformError` with the real service's codes and messages, so the
HTTP layer can pass them on unchanged.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

import attrs

from ..._models import AuthStatus, Permission, ResourceType
from .dbrp_table import DBRPTable
from .errors import CONFLICT, INVALID, NOT_FOUND, PlatformError
from .ids import IDGenerator

__all__ = [
    "AUTHORIZATION_NOT_FOUND",
    "BucketRecord",
    "LegacyRecord",
    "OrgRecord",
    "Store",
    "TokenRecord",
    "UserRecord",
    "check_permission_orgs",
]

AUTHORIZATION_NOT_FOUND = "authorization not found"
ORG_NOT_FOUND = "organization not found"
USER_NOT_FOUND = "user not found"
BUCKET_NOT_FOUND = "bucket not found"
UNABLE_TO_CREATE_TOKEN = "unable to create token"  # noqa: S105 - a message


def _utc_now() -> datetime:
    return datetime.now(UTC)


@attrs.define(kw_only=True)
class OrgRecord:
    """An organization."""

    id: str
    name: str
    description: str = ""
    created_at: datetime
    updated_at: datetime


@attrs.define(kw_only=True)
class UserRecord:
    """A user; an inactive user's tokens and legacy credentials stop working."""

    id: str
    name: str
    status: AuthStatus = AuthStatus.ACTIVE


@attrs.define(kw_only=True)
class BucketRecord:
    """A bucket; ``system`` buckets are the ``_monitoring`` and ``_tasks`` of each org."""

    id: str
    org_id: str
    name: str
    description: str = ""
    system: bool = False
    retention_seconds: int = 0
    created_at: datetime
    updated_at: datetime


@attrs.define(kw_only=True)
class TokenRecord:
    """A v2 authorization: the API token a caller sends as ``Authorization: Token ...``."""

    id: str
    token: str = attrs.field(repr=False)
    status: AuthStatus = AuthStatus.ACTIVE
    description: str = ""
    org_id: str
    user_id: str
    permissions: tuple[Permission, ...]
    created_at: datetime
    updated_at: datetime


@attrs.define(kw_only=True)
class LegacyRecord:
    """A legacy (v1) authorization; ``username`` is the wire's ``token``."""

    id: str
    username: str
    status: AuthStatus = AuthStatus.ACTIVE
    description: str = ""
    org_id: str
    user_id: str
    permissions: tuple[Permission, ...]
    created_at: datetime
    updated_at: datetime


def check_permission_orgs(permissions: Iterable[Permission], org_id: str) -> None:
    """``Authorization.Valid``: a permission scoped to an org must name the authorization's."""
    for granted in permissions:
        resource_org = granted.resource.org_id
        if resource_org is not None and resource_org != org_id:
            raise PlatformError(INVALID, f"permission {granted} is not for org id {org_id}")


def _new_token_value() -> str:
    # What influxd hands out: 64 random bytes in URL-safe base64.
    return base64.urlsafe_b64encode(secrets.token_bytes(64)).decode("ascii")


class Store:
    """In-memory state of one emulated server."""

    def __init__(
        self, ids: IDGenerator | None = None, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self.ids = ids or IDGenerator()
        self._clock = clock
        self._orgs: dict[str, OrgRecord] = {}
        self._users: dict[str, UserRecord] = {}
        self._buckets: dict[str, BucketRecord] = {}
        self._tokens: dict[str, TokenRecord] = {}
        self._token_index: dict[str, str] = {}
        self._legacy: dict[str, LegacyRecord] = {}
        self._legacy_index: dict[str, str] = {}
        self._password_hashes: dict[str, str] = {}
        self.dbrps = DBRPTable()
        """The stored DBRP mappings (``dbrp.DBRPService`` reads and writes them)."""

    def __repr__(self) -> str:
        return (
            f"Store(orgs={len(self._orgs)}, users={len(self._users)}, "
            f"tokens={len(self._tokens)}, legacy_authorizations={len(self._legacy)})"
        )

    def now(self) -> datetime:
        """The store's clock (UTC)."""
        return self._clock()

    # --- organizations -------------------------------------------------------------------

    def create_org(self, name: str, description: str = "") -> OrgRecord:
        """Create an org with its ``_monitoring`` and ``_tasks`` system buckets."""
        if not name:
            raise PlatformError(INVALID, "org name is empty")
        if self.org_by_name(name) is not None:
            raise PlatformError(CONFLICT, f"organization with name {name} already exists")
        now = self.now()
        org = OrgRecord(
            id=self.ids.next_id(),
            name=name,
            description=description,
            created_at=now,
            updated_at=now,
        )
        self._orgs[org.id] = org
        self.create_bucket(org.id, "_monitoring", system=True, retention_seconds=7 * 86400)
        self.create_bucket(org.id, "_tasks", system=True, retention_seconds=3 * 86400)
        return org

    def org(self, org_id: str) -> OrgRecord | None:
        """The org with this ID, if any."""
        return self._orgs.get(org_id)

    def org_by_name(self, name: str) -> OrgRecord | None:
        """The org with this exact name, if any."""
        return next((org for org in self._orgs.values() if org.name == name), None)

    def orgs(self) -> list[OrgRecord]:
        """All orgs, sorted by ID."""
        return sorted(self._orgs.values(), key=lambda org: org.id)

    def delete_org(self, org_id: str) -> None:
        """Delete an org (its buckets go with it; authorizations stay, as on the server)."""
        if self._orgs.pop(org_id, None) is None:
            raise PlatformError(NOT_FOUND, ORG_NOT_FOUND)
        for bucket in [b for b in self._buckets.values() if b.org_id == org_id]:
            del self._buckets[bucket.id]

    # --- users ---------------------------------------------------------------------------

    def create_user(self, name: str, status: AuthStatus | str = AuthStatus.ACTIVE) -> UserRecord:
        """Create a user; names are unique."""
        if not name:
            raise PlatformError(INVALID, "user name is empty")
        if self.user_by_name(name) is not None:
            raise PlatformError(CONFLICT, f"user with name {name} already exists")
        user = UserRecord(id=self.ids.next_id(), name=name, status=AuthStatus(status))
        self._users[user.id] = user
        return user

    def user(self, user_id: str) -> UserRecord | None:
        """The user with this ID, if any."""
        return self._users.get(user_id)

    def user_by_name(self, name: str) -> UserRecord | None:
        """The user with this exact name, if any."""
        return next((user for user in self._users.values() if user.name == name), None)

    def users(self) -> list[UserRecord]:
        """All users, sorted by ID."""
        return sorted(self._users.values(), key=lambda user: user.id)

    def set_user_status(self, user_id: str, status: AuthStatus | str) -> None:
        """Activate or deactivate a user."""
        user = self._require_user(user_id)
        user.status = AuthStatus(status)

    def delete_user(self, user_id: str) -> None:
        """Delete a user (their authorizations stay behind, as on the server)."""
        if self._users.pop(user_id, None) is None:
            raise PlatformError(NOT_FOUND, USER_NOT_FOUND)

    def _require_user(self, user_id: str) -> UserRecord:
        user = self._users.get(user_id)
        if user is None:
            raise PlatformError(NOT_FOUND, USER_NOT_FOUND)
        return user

    # --- buckets -------------------------------------------------------------------------

    def create_bucket(
        self,
        org_id: str,
        name: str,
        *,
        description: str = "",
        retention_seconds: int = 0,
        system: bool = False,
    ) -> BucketRecord:
        """Create a bucket; names are unique within an org."""
        if org_id not in self._orgs:
            raise PlatformError(NOT_FOUND, ORG_NOT_FOUND)
        if not name:
            raise PlatformError(INVALID, "bucket name is empty")
        if any(b.org_id == org_id and b.name == name for b in self._buckets.values()):
            raise PlatformError(CONFLICT, f"bucket with name {name} already exists")
        now = self.now()
        bucket = BucketRecord(
            id=self.ids.next_id(),
            org_id=org_id,
            name=name,
            description=description,
            system=system,
            retention_seconds=retention_seconds,
            created_at=now,
            updated_at=now,
        )
        self._buckets[bucket.id] = bucket
        return bucket

    def bucket(self, bucket_id: str) -> BucketRecord | None:
        """The bucket with this ID, if any."""
        return self._buckets.get(bucket_id)

    def buckets(self) -> list[BucketRecord]:
        """All buckets, sorted by ID."""
        return sorted(self._buckets.values(), key=lambda bucket: bucket.id)

    def delete_bucket(self, bucket_id: str) -> None:
        """Delete a bucket and its stored DBRP mappings; permissions naming it lose their
        ``name`` and ``org``."""
        if self._buckets.pop(bucket_id, None) is None:
            raise PlatformError(NOT_FOUND, BUCKET_NOT_FOUND)
        self.dbrps.drop_bucket(bucket_id)

    # --- v2 tokens -----------------------------------------------------------------------

    def create_token(
        self,
        *,
        org_id: str,
        user_id: str,
        permissions: Iterable[Permission],
        description: str = "",
        status: AuthStatus | str = AuthStatus.ACTIVE,
        token: str | None = None,
    ) -> TokenRecord:
        """Create a v2 API token; ``token`` chooses its secret value (random by default)."""
        permissions = tuple(permissions)
        check_permission_orgs(permissions, org_id)
        if org_id not in self._orgs or user_id not in self._users:
            raise PlatformError(INVALID, UNABLE_TO_CREATE_TOKEN)
        value = token if token is not None else _new_token_value()
        if not value:
            raise PlatformError(INVALID, "token required")
        if value in self._token_index:
            raise PlatformError(CONFLICT, "token already exists")
        now = self.now()
        record = TokenRecord(
            id=self.ids.next_id(),
            token=value,
            status=AuthStatus(status),
            description=description,
            org_id=org_id,
            user_id=user_id,
            permissions=permissions,
            created_at=now,
            updated_at=now,
        )
        self._tokens[record.id] = record
        self._token_index[value] = record.id
        return record

    def token(self, token_id: str) -> TokenRecord | None:
        """The v2 token with this ID, if any."""
        return self._tokens.get(token_id)

    def token_by_value(self, value: str) -> TokenRecord | None:
        """The v2 token whose secret is ``value``, if any."""
        token_id = self._token_index.get(value)
        return None if token_id is None else self._tokens.get(token_id)

    def tokens(self) -> list[TokenRecord]:
        """All v2 tokens, sorted by ID."""
        return sorted(self._tokens.values(), key=lambda record: record.id)

    def update_token(
        self,
        token_id: str,
        *,
        status: AuthStatus | str | None = None,
        description: str | None = None,
    ) -> TokenRecord:
        """Change a v2 token's status or description."""
        record = self._tokens.get(token_id)
        if record is None:
            raise PlatformError(NOT_FOUND, AUTHORIZATION_NOT_FOUND)
        if status is not None:
            record.status = AuthStatus(status)
        if description is not None:
            record.description = description
        record.updated_at = self._later_than(record.updated_at)
        return record

    def delete_token(self, token_id: str) -> None:
        """Delete a v2 token."""
        record = self._tokens.pop(token_id, None)
        if record is None:
            raise PlatformError(NOT_FOUND, AUTHORIZATION_NOT_FOUND)
        del self._token_index[record.token]

    # --- legacy authorizations -----------------------------------------------------------

    def create_legacy(
        self,
        *,
        org_id: str,
        user_id: str,
        username: str,
        permissions: Sequence[Permission],
        status: AuthStatus | str = AuthStatus.ACTIVE,
        description: str = "",
    ) -> LegacyRecord:
        """Store a new legacy authorization, checking what the v1 service and store check.

        In the server's order: every permission's org is the authorization's org, the user
        and the org exist, the username is free, and every bucket a permission names exists.
        """
        check_permission_orgs(permissions, org_id)
        if not username:
            raise PlatformError(INVALID, UNABLE_TO_CREATE_TOKEN)
        if user_id not in self._users or org_id not in self._orgs:
            raise PlatformError(INVALID, UNABLE_TO_CREATE_TOKEN)
        if username in self._legacy_index:
            raise PlatformError(CONFLICT, "token already exists")
        for granted in permissions:
            resource = granted.resource
            is_bucket = resource.type == ResourceType.BUCKETS and resource.id is not None
            if is_bucket and resource.id not in self._buckets:
                raise PlatformError(NOT_FOUND, "bucket not found when creating auth")
        now = self.now()
        record = LegacyRecord(
            id=self.ids.next_id(),
            username=username,
            status=AuthStatus(status or AuthStatus.ACTIVE),
            description=description,
            org_id=org_id,
            user_id=user_id,
            permissions=tuple(permissions),
            created_at=now,
            updated_at=now,
        )
        self._legacy[record.id] = record
        self._legacy_index[username] = record.id
        return record

    def legacy(self, auth_id: str) -> LegacyRecord | None:
        """The legacy authorization with this ID, if any."""
        return self._legacy.get(auth_id)

    def require_legacy(self, auth_id: str) -> LegacyRecord:
        """The legacy authorization with this ID, or the server's 404."""
        record = self._legacy.get(auth_id)
        if record is None:
            raise PlatformError(NOT_FOUND, AUTHORIZATION_NOT_FOUND)
        return record

    def legacy_by_username(self, username: str) -> LegacyRecord | None:
        """The legacy authorization with this exact (case-sensitive) username, if any."""
        auth_id = self._legacy_index.get(username)
        return None if auth_id is None else self._legacy.get(auth_id)

    def legacy_list(
        self, *, org_id: str | None = None, user_id: str | None = None
    ) -> list[LegacyRecord]:
        """Legacy authorizations matching both filters, in ID order (the KV scan order)."""
        return [
            record
            for auth_id, record in sorted(self._legacy.items())
            if (org_id is None or record.org_id == org_id)
            and (user_id is None or record.user_id == user_id)
        ]

    def update_legacy(
        self, auth_id: str, *, status: str | None = None, description: str | None = None
    ) -> LegacyRecord:
        """Apply a PATCH: only status and description change, and ``updatedAt`` always moves."""
        record = self.require_legacy(auth_id)
        new_status = record.status
        if status is not None:
            if status == "":
                new_status = AuthStatus.ACTIVE
            elif status in (AuthStatus.ACTIVE, AuthStatus.INACTIVE):
                new_status = AuthStatus(status)
            else:
                raise PlatformError(INVALID, "unknown authorization status")
        record.status = new_status
        if description is not None:
            record.description = description
        record.updated_at = self._later_than(record.updated_at)
        return record

    def delete_legacy(self, auth_id: str) -> None:
        """Delete a legacy authorization; like the server, its password hash stays behind."""
        record = self.require_legacy(auth_id)
        del self._legacy[auth_id]
        del self._legacy_index[record.username]

    def set_password_hash(self, auth_id: str, password_hash: str) -> None:
        """Store the hash of a legacy authorization's password (any status)."""
        self.require_legacy(auth_id)
        self._password_hashes[auth_id] = password_hash

    def password_hash(self, auth_id: str) -> str | None:
        """The stored hash, or ``None`` if no password was ever set."""
        return self._password_hashes.get(auth_id)

    def _later_than(self, previous: datetime) -> datetime:
        # Python clocks tick in microseconds; make sure an update is always visible.
        return max(self.now(), previous + timedelta(microseconds=1))
