"""One test's own corner of a shared InfluxDB 2.x (``AIOINFLUX_TEST_SERVER=URL,TOKEN``).

A user's server cannot be started fresh for every test, so each test gets its own org,
user, buckets and an operator token of that user (read and write on every type, as setup
gives), and everything the test created is deleted afterwards: whatever exists at the end
and did not exist at the start.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence

from aioinflux_legacyauth.emulator import operator_permissions

from .api import Api, ApiError
from .handle import LEGACY_PREFIX, RealServer, RealStore, permission_bodies

__all__ = ["CleanupError", "Tenancy", "foreign_legacy_authorizations"]

_PAGE = 100
# Deleted in this order: credentials first, then what they belong to (an org takes its
# buckets, system buckets included, with it).
_KINDS = ("legacy", "authorizations", "orgs", "buckets", "users")


class CleanupError(Exception):
    """Something a test created could not be deleted from the shared server."""


def _pages(api: Api, path: str, key: str) -> Iterator[dict[str, object]]:
    offset = 0
    while True:
        params = {"limit": str(_PAGE), "offset": str(offset)}
        items = api.call("GET", path, params=params)[key]
        yield from items
        if len(items) < _PAGE:
            return
        offset += _PAGE


def _snapshot(api: Api) -> dict[str, set[str]]:
    return {
        "legacy": {str(item["id"]) for item in api.call("GET", LEGACY_PREFIX)["authorizations"]},
        "authorizations": {
            str(item["id"]) for item in api.call("GET", "/api/v2/authorizations")["authorizations"]
        },
        "buckets": {str(item["id"]) for item in _pages(api, "/api/v2/buckets", "buckets")},
        "orgs": {str(item["id"]) for item in _pages(api, "/api/v2/orgs", "orgs")},
        "users": {str(item["id"]) for item in _pages(api, "/api/v2/users", "users")},
    }


def foreign_legacy_authorizations(api: Api) -> int:
    """How many legacy authorizations the server holds (the suite expects none of its own)."""
    return len(api.call("GET", LEGACY_PREFIX)["authorizations"])


def _name_is_free(api: Api, path: str, params: dict[str, str]) -> bool:
    try:
        found = api.call("GET", path, params=params)
    except ApiError as exc:
        if exc.status == 404:
            return True
        raise
    return not any(found.get(key) for key in ("orgs", "users"))


class Tenancy:
    """Creates a test's org, user, buckets and operator token; :meth:`close` removes them."""

    def __init__(
        self,
        url: str,
        admin_token: str,
        *,
        org: str = "my-org",
        user: str = "admin",
        buckets: Sequence[str] = ("my-bucket",),
    ) -> None:
        self._admin = Api(url, admin_token)
        self._before = _snapshot(self._admin)
        self._store: RealStore | None = None
        suffix = secrets.token_hex(4)
        org_free = _name_is_free(self._admin, "/api/v2/orgs", {"org": org})
        user_free = _name_is_free(self._admin, "/api/v2/users", {"name": user})
        self.names_honoured = org_free and user_free
        """Whether the org and user got the names asked for (the server may have them)."""
        org_name = org if org_free else f"{org}-{suffix}"
        user_name = user if user_free else f"{user}-{suffix}"
        try:
            org_id = self._create("/api/v2/orgs", {"name": org_name})
            user_id = self._create("/api/v2/users", {"name": user_name, "status": "active"})
            ids = {
                name: self._create(
                    "/api/v2/buckets", {"orgID": org_id, "name": name, "retentionRules": []}
                )
                for name in buckets or ["my-bucket"]
            }
            body = {
                "orgID": org_id,
                "userID": user_id,
                "description": f"{user_name}'s Token",
                "permissions": permission_bodies(operator_permissions()),
            }
            token = str(
                self._admin.call("POST", "/api/v2/authorizations", body, expect=201)["token"]
            )
        except BaseException:
            self.close()
            raise
        self.handle = RealServer(
            url=url,
            token=token,
            org=org_name,
            org_id=org_id,
            user=user_name,
            user_id=user_id,
            buckets=ids,
            label="shared server",
        )
        self._store = self.handle.store

    def _create(self, path: str, body: dict[str, object]) -> str:
        return str(self._admin.call("POST", path, body, expect=201)["id"])

    def close(self) -> None:
        """Delete everything that appeared on the server since this tenancy began."""
        after = _snapshot(self._admin)
        paths = {
            "legacy": LEGACY_PREFIX,
            "authorizations": "/api/v2/authorizations",
            "buckets": "/api/v2/buckets",
            "orgs": "/api/v2/orgs",
            "users": "/api/v2/users",
        }
        if self._store is not None:
            after["legacy"] |= set(self._store.orphaned)
        failures = []
        for kind in _KINDS:
            for item_id in sorted(after[kind] - self._before[kind]):
                status, body = self._admin.raw("DELETE", f"{paths[kind]}/{item_id}")
                if status not in (204, 404):  # 404: gone with its org already
                    failures.append(f"DELETE {paths[kind]}/{item_id}: {status} {body[:200]!r}")
        if failures:  # after trying everything, so one failure leaves no other leftovers
            msg = "cleaning up the shared server failed:\n" + "\n".join(failures)
            raise CleanupError(msg)
