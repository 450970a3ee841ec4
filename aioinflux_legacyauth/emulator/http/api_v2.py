"""The part of ``/api/v2`` a client or a test needs to find and set up its tenancy.

``/me``, orgs, users and buckets (list, create, get), and v2 authorizations (list,
create, get, update, delete) so a test can mint a token with fewer rights. Shapes and
permission checks follow the real handlers; rarely used fields are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Final, Protocol, TypeVar

import attrs
from aiohttp import web

from ..._converter import format_timestamp
from ..._models import Action, AuthStatus, LegacyAuthorization, ResourceType
from ..domain.errors import INVALID, NOT_FOUND, PlatformError
from ..domain.ids import parse_id
from ..domain.permissions import check, check_read_bucket, permission
from ..domain.store import (
    AUTHORIZATION_NOT_FOUND,
    BucketRecord,
    OrgRecord,
    TokenRecord,
    UserRecord,
)
from ..wire.render import (
    V2_AUTHORIZATIONS_PREFIX,
    authorization_body,
    authorization_list_body,
    render_authorization,
)
from ..wire.responses import empty_response, error_response, json_response, text_not_found
from ..wire.schemas import (
    AUTHORIZATION_UPDATE,
    BUCKET_POST,
    ORG_POST,
    USER_POST,
    V2_AUTHORIZATION_POST,
    decode_create,
    decode_or_invalid,
)
from .body import read_body
from .dbrp import serve_dbrps
from .legacy import authorize_create
from .probes import api_links, serve_setup
from .routes import Routes, call
from .state import EmulatorState

__all__ = ["serve_api_v2"]

_SHARD_GROUP_SECONDS: Final = 7 * 86400
_T = TypeVar("_T")


class _Named(Protocol):
    id: str
    name: str


_N = TypeVar("_N", bound=_Named)


def _first(request: web.Request, key: str) -> str | None:
    return request.query.get(key) or None


def _narrow(request: web.Request, records: list[_N]) -> list[_N]:
    """Keep the records the ``id`` and ``name`` query parameters ask for, if given."""
    record_id = _first(request, "id")
    if record_id is not None:
        wanted_id = parse_id(record_id)
        records = [record for record in records if record.id == wanted_id]
    name = _first(request, "name")
    if name is not None:
        records = [record for record in records if record.name == name]
    return records


def _visible(
    caller: TokenRecord, items: Iterable[_T], check_read: Callable[[TokenRecord, _T], None]
) -> list[_T]:
    # The Authorize* find helpers: whatever the caller may not read is left out silently.
    kept = []
    for item in items:
        try:
            check_read(caller, item)
        except PlatformError:
            continue
        kept.append(item)
    return kept


# --- bodies ------------------------------------------------------------------------------


def _user_body(user: UserRecord) -> dict[str, object]:
    return {
        "links": {"self": f"/api/v2/users/{user.id}"},
        "id": user.id,
        "name": user.name,
        "status": user.status.value,
    }


def _org_body(org: OrgRecord) -> dict[str, object]:
    base = f"/api/v2/orgs/{org.id}"
    return {
        "links": {
            "buckets": f"/api/v2/buckets?org={org.name}",
            "dashboards": f"/api/v2/dashboards?org={org.name}",
            "labels": f"{base}/labels",
            "logs": f"{base}/logs",
            "members": f"{base}/members",
            "owners": f"{base}/owners",
            "secrets": f"{base}/secrets",
            "self": base,
            "tasks": f"/api/v2/tasks?org={org.name}",
        },
        "id": org.id,
        "name": org.name,
        "description": org.description,
        "createdAt": format_timestamp(org.created_at),
        "updatedAt": format_timestamp(org.updated_at),
    }


def _bucket_body(bucket: BucketRecord) -> dict[str, object]:
    base = f"/api/v2/buckets/{bucket.id}"
    body: dict[str, object] = {
        "id": bucket.id,
        "orgID": bucket.org_id,
        "type": "system" if bucket.system else "user",
        "name": bucket.name,
    }
    if bucket.description:
        body["description"] = bucket.description
    body.update(
        {
            "retentionRules": [
                {
                    "type": "expire",
                    "everySeconds": bucket.retention_seconds,
                    "shardGroupDurationSeconds": _SHARD_GROUP_SECONDS,
                }
            ],
            "createdAt": format_timestamp(bucket.created_at),
            "updatedAt": format_timestamp(bucket.updated_at),
            "links": {
                "labels": f"{base}/labels",
                "members": f"{base}/members",
                "org": f"/api/v2/orgs/{bucket.org_id}",
                "owners": f"{base}/owners",
                "self": base,
                "write": f"/api/v2/write?org={bucket.org_id}&bucket={bucket.id}",
            },
            "labels": [],
        }
    )
    return body


# --- me, orgs, users, buckets -------------------------------------------------------------


async def get_me(
    request: web.Request, state: EmulatorState, caller: TokenRecord, _: str
) -> web.StreamResponse:
    """The caller's own user; reading it needs ``read:users/<own ID>`` like any user."""
    check(caller, permission(Action.READ, ResourceType.USERS, id=caller.user_id))
    user = state.store.user(caller.user_id)
    if user is None:
        raise PlatformError(NOT_FOUND, "user not found")
    return json_response(200, _user_body(user))


def _org_filter(state: EmulatorState, request: web.Request) -> list[OrgRecord] | None:
    """The org named by ``orgID`` or ``org``, ``None`` if neither is given; 404 if unknown."""
    org_id = _first(request, "orgID")
    if org_id is not None:
        org = state.store.org(parse_id(org_id))
        if org is None:
            raise PlatformError(NOT_FOUND, "organization not found")
        return [org]
    name = _first(request, "org")
    if name is not None:
        org = state.store.org_by_name(name)
        if org is None:
            raise PlatformError(NOT_FOUND, f'organization name "{name}" not found')
        return [org]
    return None


def _check_read_org(caller: TokenRecord, org: OrgRecord) -> None:
    check(caller, permission(Action.READ, ResourceType.ORGS, id=org.id))


async def list_orgs(
    request: web.Request, state: EmulatorState, caller: TokenRecord, _: str
) -> web.StreamResponse:
    """Orgs the caller may read, optionally filtered by ``org`` or ``orgID``."""
    orgs = _org_filter(state, request)
    candidates = state.store.orgs() if orgs is None else orgs
    visible = _visible(caller, candidates, _check_read_org)
    return json_response(
        200, {"links": {"self": "/api/v2/orgs"}, "orgs": [_org_body(org) for org in visible]}
    )


async def create_org(
    request: web.Request, state: EmulatorState, caller: TokenRecord, _: str
) -> web.StreamResponse:
    """Create an org; needs global ``write:orgs``."""
    decoded = decode_or_invalid(await read_body(request), ORG_POST)
    check(caller, permission(Action.WRITE, ResourceType.ORGS))
    name, description = decoded.get("name"), decoded.get("description")
    org = state.store.create_org(
        name if isinstance(name, str) else "",
        description if isinstance(description, str) else "",
    )
    return json_response(201, _org_body(org))


async def get_org(
    request: web.Request, state: EmulatorState, caller: TokenRecord, raw_id: str
) -> web.StreamResponse:
    """One org."""
    org = state.store.org(parse_id(raw_id))
    if org is None:
        raise PlatformError(NOT_FOUND, "organization not found")
    _check_read_org(caller, org)
    return json_response(200, _org_body(org))


def _check_read_user(caller: TokenRecord, user: UserRecord) -> None:
    check(caller, permission(Action.READ, ResourceType.USERS, id=user.id))


async def list_users(
    request: web.Request, state: EmulatorState, caller: TokenRecord, _: str
) -> web.StreamResponse:
    """Users the caller may read, optionally filtered by ``name`` or ``id``."""
    users = _narrow(request, state.store.users())
    visible = _visible(caller, users, _check_read_user)
    return json_response(
        200, {"links": {"self": "/api/v2/users"}, "users": [_user_body(user) for user in visible]}
    )


async def create_user(
    request: web.Request, state: EmulatorState, caller: TokenRecord, _: str
) -> web.StreamResponse:
    """Create a user; needs global ``write:users``."""
    decoded = decode_or_invalid(await read_body(request), USER_POST)
    check(caller, permission(Action.WRITE, ResourceType.USERS))
    name, status = decoded.get("name"), decoded.get("status") or AuthStatus.ACTIVE.value
    if status not in (AuthStatus.ACTIVE, AuthStatus.INACTIVE):
        raise PlatformError(INVALID, "invalid status: must be active or inactive")
    user = state.store.create_user(name if isinstance(name, str) else "", AuthStatus(str(status)))
    return json_response(201, _user_body(user))


async def get_user(
    request: web.Request, state: EmulatorState, caller: TokenRecord, raw_id: str
) -> web.StreamResponse:
    """One user."""
    user = state.store.user(parse_id(raw_id))
    if user is None:
        raise PlatformError(NOT_FOUND, "user not found")
    _check_read_user(caller, user)
    return json_response(200, _user_body(user))


async def list_buckets(
    request: web.Request, state: EmulatorState, caller: TokenRecord, _: str
) -> web.StreamResponse:
    """Buckets the caller may read, filtered by ``org``/``orgID``, ``name`` and ``id``."""
    orgs = _org_filter(state, request)
    buckets = state.store.buckets()
    if orgs is not None:
        buckets = [bucket for bucket in buckets if bucket.org_id == orgs[0].id]
    visible = _visible(caller, _narrow(request, buckets), check_read_bucket)
    return json_response(
        200,
        {
            "links": {"self": "/api/v2/buckets?descending=false&limit=20&offset=0"},
            "buckets": [_bucket_body(bucket) for bucket in visible],
        },
    )


async def create_bucket(
    request: web.Request, state: EmulatorState, caller: TokenRecord, _: str
) -> web.StreamResponse:
    """Create a bucket; needs ``write:orgs/<orgID>/buckets``."""
    decoded = decode_or_invalid(await read_body(request), BUCKET_POST)
    org_id = decoded.get("orgID")
    if not isinstance(org_id, str):
        raise PlatformError(INVALID, "organization id must be provided")
    check(caller, permission(Action.WRITE, ResourceType.BUCKETS, org_id=org_id))
    retention = 0
    rules = decoded.get("retentionRules")
    if isinstance(rules, list) and rules and isinstance(rules[0], dict):
        every = rules[0].get("everySeconds")
        retention = every if isinstance(every, int) else 0
    name, description = decoded.get("name"), decoded.get("description")
    bucket = state.store.create_bucket(
        org_id,
        name if isinstance(name, str) else "",
        description=description if isinstance(description, str) else "",
        retention_seconds=retention,
    )
    return json_response(201, _bucket_body(bucket))


async def get_bucket(
    request: web.Request, state: EmulatorState, caller: TokenRecord, raw_id: str
) -> web.StreamResponse:
    """One bucket."""
    bucket = state.store.bucket(parse_id(raw_id))
    if bucket is None:
        raise PlatformError(NOT_FOUND, "bucket not found")
    check_read_bucket(caller, bucket)
    return json_response(200, _bucket_body(bucket))


# --- v2 authorizations --------------------------------------------------------------------


def _check_token(caller: TokenRecord, record: TokenRecord, action: Action) -> None:
    check(
        caller,
        permission(action, ResourceType.AUTHORIZATIONS, id=record.id, org_id=record.org_id),
    )
    check(caller, permission(action, ResourceType.USERS, id=record.user_id))


def _stored_view(state: EmulatorState, record: TokenRecord) -> LegacyAuthorization:
    """A v2 authorization as reads show it: with ``--use-hashed-tokens`` the server keeps
    only a hash, so ``token`` is ``""`` (the key stays); only the create answer shows it."""
    rendered = render_authorization(state.store, record, V2_AUTHORIZATIONS_PREFIX)
    return attrs.evolve(rendered, username="") if state.hashed_tokens else rendered


def _require_token(state: EmulatorState, raw_id: str) -> TokenRecord:
    record = state.store.token(parse_id(raw_id))
    if record is None:
        raise PlatformError(NOT_FOUND, AUTHORIZATION_NOT_FOUND)
    return record


async def list_tokens(
    request: web.Request, state: EmulatorState, caller: TokenRecord, _: str
) -> web.StreamResponse:
    """v2 authorizations the caller may read, filtered by user, org (names resolved) or token."""
    store = state.store
    user_id = _first(request, "userID")
    user_id = parse_id(user_id) if user_id is not None else None
    user_name = _first(request, "user")
    if user_name is not None:
        user = store.user_by_name(user_name)
        if user is None:
            raise PlatformError(NOT_FOUND, "user not found")
        user_id = user.id
    orgs = _org_filter(state, request)
    org_id = orgs[0].id if orgs else None
    token_value = _first(request, "token")
    records = [
        record
        for record in store.tokens()
        if (user_id is None or record.user_id == user_id)
        and (org_id is None or record.org_id == org_id)
        and (token_value is None or record.token == token_value)
    ]
    visible = []
    for record in records:
        try:
            _check_token(caller, record, Action.READ)
            visible.append(_stored_view(state, record))
        except PlatformError:
            continue
    return json_response(200, authorization_list_body(visible, V2_AUTHORIZATIONS_PREFIX))


async def create_token(
    request: web.Request, state: EmulatorState, caller: TokenRecord, _: str
) -> web.StreamResponse:
    """Mint a v2 token: the caller must hold every permission it grants."""
    wanted = decode_create(await read_body(request), V2_AUTHORIZATION_POST, legacy=False)
    user_id = authorize_create(state, caller, wanted)
    record = state.store.create_token(
        org_id=wanted.org_id,
        user_id=user_id,
        permissions=wanted.permissions,
        description=wanted.description,
        status=wanted.status,
    )
    rendered = render_authorization(state.store, record, V2_AUTHORIZATIONS_PREFIX)
    return json_response(201, authorization_body(rendered))


async def get_token(
    request: web.Request, state: EmulatorState, caller: TokenRecord, raw_id: str
) -> web.StreamResponse:
    """One v2 authorization."""
    record = _require_token(state, raw_id)
    _check_token(caller, record, Action.READ)
    rendered = _stored_view(state, record)
    return json_response(200, authorization_body(rendered))


async def update_token(
    request: web.Request, state: EmulatorState, caller: TokenRecord, raw_id: str
) -> web.StreamResponse:
    """Activate, deactivate or describe a v2 authorization."""
    record = _require_token(state, raw_id)
    update = decode_or_invalid(await read_body(request), AUTHORIZATION_UPDATE)
    _check_token(caller, record, Action.READ)
    _check_token(caller, record, Action.WRITE)
    status, description = update.get("status"), update.get("description")
    if isinstance(status, str) and status not in (AuthStatus.ACTIVE, AuthStatus.INACTIVE):
        raise PlatformError(INVALID, "invalid status: must be active or inactive")
    record = state.store.update_token(
        record.id,
        status=status if isinstance(status, str) else None,
        description=description if isinstance(description, str) else None,
    )
    rendered = _stored_view(state, record)
    return json_response(200, authorization_body(rendered))


async def delete_token(
    request: web.Request, state: EmulatorState, caller: TokenRecord, raw_id: str
) -> web.StreamResponse:
    """Delete a v2 authorization."""
    record = _require_token(state, raw_id)
    _check_token(caller, record, Action.WRITE)
    state.store.delete_token(record.id)
    return empty_response(204)


_COLLECTIONS: Final[Mapping[str, tuple[Routes, Routes]]] = {
    "orgs": ({"GET": list_orgs, "POST": create_org}, {"GET": get_org}),
    "users": ({"GET": list_users, "POST": create_user}, {"GET": get_user}),
    "buckets": ({"GET": list_buckets, "POST": create_bucket}, {"GET": get_bucket}),
    "authorizations": (
        {"GET": list_tokens, "POST": create_token},
        {"GET": get_token, "PATCH": update_token, "DELETE": delete_token},
    ),
}
# Resources with a chi router of their own under /api/v2 (unknown sub-paths: text 404).
_MOUNTED: Final = frozenset({"me", "setup", "orgs", "users", "buckets", "authorizations"})
_ME: Final[Routes] = {"GET": get_me}


async def serve_api_v2(
    request: web.Request, state: EmulatorState, caller: TokenRecord, path: str
) -> web.StreamResponse:
    """Route an authenticated ``/api/v2``, ``/v1`` or other ``/private`` request.

    Unknown paths get the API router's ``path not found`` (tab-indented, as ``api.Err``
    writes it), but below a resource the API router mounts (``/api/v2/orgs/x/y``) that
    resource's own router answers Go's text 404; a known path with another method gets
    chi's empty 405.
    """
    if path == "/api/v2":
        return api_links()  # once authenticated, any method (influxd 2.7.12 and 2.9.1)
    segments = path.split("/")[3:] if path.startswith("/api/v2/") else []
    if segments == ["setup"]:
        return await serve_setup(request, state)
    if segments and segments[0] == "dbrps":
        return await serve_dbrps(request, state, caller, segments)
    routes: Routes | None = None
    raw_id = ""
    if segments == ["me"]:
        routes = _ME
    elif segments and segments[0] in _COLLECTIONS and len(segments) <= 2:
        collection, item = _COLLECTIONS[segments[0]]
        routes = collection if len(segments) == 1 else item
        raw_id = segments[1] if len(segments) == 2 else ""
    if routes is None:
        if segments and segments[0] in _MOUNTED:
            return text_not_found()
        return error_response(PlatformError(NOT_FOUND, "path not found"))
    return await call(routes, request, state, caller, raw_id)
