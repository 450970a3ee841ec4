"""``RealServer``: the emulator's test surface, implemented over a real server's HTTP API.

A test gets either an :class:`~aioinflux_legacyauth.emulator.Emulator` or a
:class:`RealServer` and does not know which: the same properties (``url``, ``token``,
``org_id``, ``buckets`` ...), the same seeding helpers, and a ``store`` with the few
direct-store operations the tests use that the API can do too. A test written for the
``ThreadedEmulator`` (synchronous seeding) gets a :class:`BlockingRealServer` instead.
A password the rules refuse (``import_legacy_user``, ``set_password(check_rules=False)``)
is stored as ``influxd upgrade`` would, through a KV backup and restore
(:mod:`.hashimport`), on a server of the test's own. What only an emulator can do (fault
injection, the request log, the hash-cost knob, reading stored hashes) raises
:class:`EmulatorOnly`, so a test missing its ``emulator_only`` marker fails with a clear
reason instead of passing vacuously.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, NoReturn

from aioinflux_legacyauth import AuthStatus, LegacyAuthorization, Permission
from aioinflux_legacyauth._converter import converter, parse_timestamp
from aioinflux_legacyauth.emulator import DBRPMapping, bucket_permissions
from aioinflux_legacyauth.emulator.domain.store import BucketRecord

from .api import Api, ApiError
from .hashimport import HashImporter

__all__ = [
    "LEGACY_PREFIX",
    "BlockingRealServer",
    "EmulatorOnly",
    "RealServer",
    "RealStore",
    "permission_bodies",
]

LEGACY_PREFIX = "/private/legacy/authorizations"


class EmulatorOnly(Exception):  # noqa: N818 - reads as "this is emulator-only"
    """What a test asked for exists only in the emulator."""


def _status(active: bool) -> str:
    return AuthStatus.ACTIVE.value if active else AuthStatus.INACTIVE.value


def permission_bodies(permissions: Iterable[Permission]) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = converter.unstructure(list(permissions), list[Permission])
    return bodies


def _mapping(body: dict[str, Any]) -> DBRPMapping:
    return DBRPMapping(
        id=str(body["id"]),
        database=str(body["database"]),
        retention_policy=str(body["retention_policy"]),
        default=bool(body["default"]),
        virtual=bool(body["virtual"]),
        org_id=str(body["orgID"]),
        bucket_id=str(body["bucketID"]),
    )


def _bucket(body: dict[str, Any]) -> BucketRecord:
    rules = body.get("retentionRules") or [{}]
    return BucketRecord(
        id=str(body["id"]),
        org_id=str(body["orgID"]),
        name=str(body["name"]),
        description=str(body.get("description", "")),
        system=body.get("type") == "system",
        retention_seconds=int(rules[0].get("everySeconds", 0)),
        created_at=parse_timestamp(body["createdAt"]),
        updated_at=parse_timestamp(body["updatedAt"]),
    )


class RealStore:
    """The direct-store operations of the emulator's tests, done through the API."""

    def __init__(self, api: Api) -> None:
        self._api = api
        self.orphaned: list[str] = []
        """Legacy authorizations whose user or org was deleted: lists no longer show them,
        but DELETE by ID still works, so a shared server's cleanup needs their IDs."""

    def __repr__(self) -> str:
        return f"RealStore({self._api!r})"

    def _remember(self, key: str, value: str) -> None:
        listing = self._api.call("GET", LEGACY_PREFIX, params={key: value})["authorizations"]
        self.orphaned += [str(item["id"]) for item in listing]

    def delete_user(self, user_id: str) -> None:
        """Delete a user (its legacy authorizations stay, as on the emulator)."""
        self._remember("userID", user_id)
        self._api.call("DELETE", f"/api/v2/users/{user_id}", expect=204)

    def delete_org(self, org_id: str) -> None:
        """Delete an org and its buckets (its legacy authorizations stay)."""
        self._remember("orgID", org_id)
        self._api.call("DELETE", f"/api/v2/orgs/{org_id}", expect=204)

    def delete_bucket(self, bucket_id: str) -> None:
        """Delete a bucket."""
        self._api.call("DELETE", f"/api/v2/buckets/{bucket_id}", expect=204)

    def buckets(self) -> list[BucketRecord]:
        """Every bucket the operator token sees (system buckets included), by ID."""
        found: list[BucketRecord] = []
        offset = 0
        while True:
            params = {"limit": "100", "offset": str(offset)}
            page = self._api.call("GET", "/api/v2/buckets", params=params)["buckets"]
            found += [_bucket(item) for item in page]
            if len(page) < 100:
                return sorted(found, key=lambda bucket: bucket.id)
            offset += 100

    def set_user_status(self, user_id: str, status: str) -> None:
        """Make a user active or inactive."""
        self._api.call("PATCH", f"/api/v2/users/{user_id}", {"status": str(status)})

    def password_hash(self, auth_id: str) -> NoReturn:
        """The real server never shows a stored hash."""
        msg = "password_hash: a real server never shows stored password hashes"
        raise EmulatorOnly(msg)


class _RealSurface:
    """What both handles share: the properties and the synchronous seeding methods.

    The API calls are synchronous (see :mod:`.api`); :class:`RealServer` offers the
    emulator's four awaited methods as coroutines, :class:`BlockingRealServer` as plain
    calls, like a ``ThreadedEmulator``.
    """

    def __init__(
        self,
        *,
        url: str,
        token: str,
        org: str,
        org_id: str,
        user: str,
        user_id: str,
        buckets: Mapping[str, str],
        label: str = "real",
        store: RealStore | None = None,
        importer: HashImporter | None = None,
    ) -> None:
        self._url = url
        self._token = token
        self._org = org
        self._org_id = org_id
        self._user = user
        self._user_id = user_id
        self._buckets = dict(buckets)
        self._label = label
        self.api = Api(url, token)
        """Seeding calls with the operator token."""
        self.store = RealStore(self.api) if store is None else store
        self._importer = importer

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}({self._label} at {self._url}, org={self._org!r}, user={self._user!r})"

    def _same_server(self) -> dict[str, Any]:
        """Keyword arguments for another handle of this server (sharing its store)."""
        return {
            "url": self._url,
            "token": self._token,
            "org": self._org,
            "org_id": self._org_id,
            "user": self._user,
            "user_id": self._user_id,
            "buckets": self._buckets,
            "label": self._label,
            "store": self.store,
            "importer": self._importer,
        }

    # --- what a test needs to know --------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL."""
        return self._url

    @property
    def token(self) -> str:
        """The operator token: read and write on every resource type."""
        return self._token

    @property
    def org(self) -> str:
        """The name of the initial org."""
        return self._org

    @property
    def org_id(self) -> str:
        """The ID of the initial org."""
        return self._org_id

    @property
    def user(self) -> str:
        """The name of the initial user (the operator token's owner)."""
        return self._user

    @property
    def user_id(self) -> str:
        """The ID of the initial user."""
        return self._user_id

    @property
    def buckets(self) -> Mapping[str, str]:
        """The initial buckets: name to ID."""
        return MappingProxyType(self._buckets)

    @property
    def version(self) -> str:
        """The release it runs, as ``/health`` reports it."""
        return str(self.api.call("GET", "/health")["version"])

    @property
    def commit(self) -> str:
        """The build's commit, as ``/health`` reports it."""
        return str(self.api.call("GET", "/health")["commit"])

    @property
    def faults(self) -> NoReturn:
        """A real server has no fault plan."""
        msg = "faults: a real server has no fault injection"
        raise EmulatorOnly(msg)

    @property
    def requests(self) -> NoReturn:
        """A real server keeps no request log a test can read."""
        msg = "requests: a real server keeps no request log a test can read"
        raise EmulatorOnly(msg)

    @property
    def hasher(self) -> NoReturn:
        """A real server's bcrypt cost is fixed."""
        msg = "hasher: a real server's password hashing is bcrypt at a fixed cost"
        raise EmulatorOnly(msg)

    # --- seeding --------------------------------------------------------------------------

    def create_org(self, name: str, description: str = "") -> str:
        """Create an org; returns its ID."""
        body = {"name": name, "description": description}
        return str(self.api.call("POST", "/api/v2/orgs", body, expect=201)["id"])

    def create_user(self, name: str, *, active: bool = True) -> str:
        """Create a user; returns its ID."""
        body = {"name": name, "status": _status(active)}
        return str(self.api.call("POST", "/api/v2/users", body, expect=201)["id"])

    def create_bucket(self, name: str, *, org_id: str | None = None) -> str:
        """Create a bucket in ``org_id`` (default: the initial org); returns its ID."""
        body = {"orgID": org_id or self._org_id, "name": name, "retentionRules": []}
        return str(self.api.call("POST", "/api/v2/buckets", body, expect=201)["id"])

    def delete_bucket(self, bucket_id: str) -> None:
        """Delete a bucket (its stored DBRP mappings go with it)."""
        self.store.delete_bucket(bucket_id)

    def create_dbrp(
        self,
        database: str,
        bucket_id: str,
        *,
        retention_policy: str = "autogen",
        default: bool = False,
        org_id: str | None = None,
    ) -> DBRPMapping:
        """Create a physical DBRP mapping through ``POST /api/v2/dbrps``."""
        body = {
            "database": database,
            "retention_policy": retention_policy,
            "default": default,
            "orgID": org_id or self._org_id,
            "bucketID": bucket_id,
        }
        return _mapping(self.api.call("POST", "/api/v2/dbrps", body, expect=201))

    def dbrp_mappings(self, *, org_id: str | None = None) -> list[DBRPMapping]:
        """Every mapping of an org (default: the initial one), as ``GET /api/v2/dbrps``."""
        params = {"orgID": org_id or self._org_id}
        listing = self.api.call("GET", "/api/v2/dbrps", params=params)["content"]
        return [_mapping(item) for item in listing]

    def mint_token(
        self,
        permissions: Iterable[Permission],
        *,
        org_id: str | None = None,
        user_id: str | None = None,
        description: str = "",
        active: bool = True,
    ) -> str:
        """Create a v2 API token holding exactly ``permissions``; returns the token."""
        body = {
            "orgID": org_id or self._org_id,
            "userID": user_id or self._user_id,
            "description": description,
            "status": _status(active),
            "permissions": permission_bodies(permissions),
        }
        return str(self.api.call("POST", "/api/v2/authorizations", body, expect=201)["token"])

    def bucket_permissions(self, *, read: bool = True, write: bool = True) -> list[Permission]:
        """Read and/or write on every initial bucket, as ``influx v1 auth create`` grants."""
        return bucket_permissions(self._org_id, self._buckets.values(), read=read, write=write)

    def legacy_authorization(self, auth_id: str) -> LegacyAuthorization | None:
        """The current state of a legacy authorization, or ``None`` if it does not exist."""
        try:
            found = self.api.call("GET", f"{LEGACY_PREFIX}/{auth_id}")
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        return converter.structure(found, LegacyAuthorization)

    def legacy_authorizations(self) -> list[LegacyAuthorization]:
        """Every legacy authorization the operator token sees, in ID order."""
        listing = self.api.call("GET", LEGACY_PREFIX)["authorizations"]
        return [converter.structure(item, LegacyAuthorization) for item in listing]

    # --- the four the emulator awaits, done here and now -----------------------------------

    def _create_legacy(
        self,
        username: str,
        permissions: Iterable[Permission] | None,
        *,
        password: str | None,
        org_id: str | None,
        user_id: str | None,
        active: bool,
        description: str,
    ) -> LegacyAuthorization:
        granted = self.bucket_permissions() if permissions is None else list(permissions)
        body = {
            "token": username,
            "orgID": org_id or self._org_id,
            "userID": user_id or self._user_id,
            "description": description,
            "status": _status(active),
            "permissions": permission_bodies(granted),
        }
        created = self.api.call("POST", LEGACY_PREFIX, body, expect=201)
        if password is not None:
            self._set_password(created["id"], password, check_rules=True)
        return converter.structure(created, LegacyAuthorization)

    def _set_password(self, auth_id: str, password: str, *, check_rules: bool) -> None:
        if check_rules:
            path = f"{LEGACY_PREFIX}/{auth_id}/password"
            self.api.call("POST", path, {"password": password}, expect=204)
            return
        if self._importer is None:
            msg = (
                "set_password(check_rules=False): only a server of the test's own "
                "(--server real) can have a hash stored past its rules"
            )
            raise EmulatorOnly(msg)
        if self.legacy_authorization(auth_id) is None:
            raise ApiError("GET", f"{LEGACY_PREFIX}/{auth_id}", 404, b"authorization not found")
        self._importer.store(self.api, auth_id, password)

    def _import_legacy_user(
        self,
        username: str,
        password: str,
        permissions: Iterable[Permission] | None,
        *,
        org_id: str | None,
        user_id: str | None,
    ) -> LegacyAuthorization:
        """A legacy authorization, then its password stored as ``influxd upgrade`` does."""
        created = self._create_legacy(
            username,
            permissions,
            password=None,
            org_id=org_id,
            user_id=user_id,
            active=True,
            description="",
        )
        self._set_password(created.id, password, check_rules=False)
        return created

    def _password_matches(self, auth_id: str, password: str) -> bool:
        """A v1 login on ``/query`` is the only password check the API offers, and an
        inactive authorization refuses every password: such a one is made active for the
        moment of the login and inactive again (its ``updatedAt`` moves on)."""
        found = self.legacy_authorization(auth_id)
        if found is None:
            return False
        path = f"{LEGACY_PREFIX}/{auth_id}"
        if not found.active:
            self.api.call("PATCH", path, {"status": AuthStatus.ACTIVE.value})
        try:
            params = {"u": found.username, "p": password, "q": "SHOW DATABASES"}
            status, _ = self.api.raw("GET", "/query", params=params, anonymous=True)
        finally:
            if not found.active:
                self.api.call("PATCH", path, {"status": AuthStatus.INACTIVE.value})
        return status == 200


class RealServer(_RealSurface):
    """A running real server (or a tenancy on one), with the ``Emulator``'s test surface."""

    def blocking(self) -> BlockingRealServer:
        """The same server with the ``ThreadedEmulator``'s surface (and the same store)."""
        return BlockingRealServer(**self._same_server())

    async def create_legacy_authorization(
        self,
        username: str,
        permissions: Iterable[Permission] | None = None,
        *,
        password: str | None = None,
        org_id: str | None = None,
        user_id: str | None = None,
        active: bool = True,
        description: str = "",
    ) -> LegacyAuthorization:
        """Create a legacy authorization through the API with the operator token."""
        return self._create_legacy(
            username,
            permissions,
            password=password,
            org_id=org_id,
            user_id=user_id,
            active=active,
            description=description,
        )

    async def set_password(self, auth_id: str, password: str, *, check_rules: bool = True) -> None:
        """Set a legacy authorization's password through the API."""
        self._set_password(auth_id, password, check_rules=check_rules)

    async def import_legacy_user(
        self,
        username: str,
        password: str,
        permissions: Iterable[Permission] | None = None,
        *,
        org_id: str | None = None,
        user_id: str | None = None,
    ) -> LegacyAuthorization:
        """Seed a 1.x user as ``influxd upgrade`` imports it (no rule checked)."""
        return self._import_legacy_user(
            username, password, permissions, org_id=org_id, user_id=user_id
        )

    async def password_matches(self, auth_id: str, password: str) -> bool:
        """Whether ``password`` logs in as the authorization's username on ``/query``."""
        return self._password_matches(auth_id, password)


class BlockingRealServer(_RealSurface):
    """A real server with the ``ThreadedEmulator``'s surface: every method a plain call."""

    def create_legacy_authorization(
        self,
        username: str,
        permissions: Iterable[Permission] | None = None,
        *,
        password: str | None = None,
        org_id: str | None = None,
        user_id: str | None = None,
        active: bool = True,
        description: str = "",
    ) -> LegacyAuthorization:
        """Create a legacy authorization through the API with the operator token."""
        return self._create_legacy(
            username,
            permissions,
            password=password,
            org_id=org_id,
            user_id=user_id,
            active=active,
            description=description,
        )

    def set_password(self, auth_id: str, password: str, *, check_rules: bool = True) -> None:
        """Set a legacy authorization's password through the API."""
        self._set_password(auth_id, password, check_rules=check_rules)

    def import_legacy_user(
        self,
        username: str,
        password: str,
        permissions: Iterable[Permission] | None = None,
        *,
        org_id: str | None = None,
        user_id: str | None = None,
    ) -> LegacyAuthorization:
        """Seed a 1.x user as ``influxd upgrade`` imports it (no rule checked)."""
        return self._import_legacy_user(
            username, password, permissions, org_id=org_id, user_id=user_id
        )

    def password_matches(self, auth_id: str, password: str) -> bool:
        """Whether ``password`` logs in as the authorization's username on ``/query``."""
        return self._password_matches(auth_id, password)
