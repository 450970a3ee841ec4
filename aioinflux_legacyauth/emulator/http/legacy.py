"""The six routes under ``/private/legacy/authorizations`` (``v1/authorization/http_server.go``).

Each handler follows the real one step by step, because the order of the checks decides
which error a client sees: decode, validate, authorize, then act.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

from ..._models import Action, LegacyAuthorization, ResourceType
from ..domain.errors import INTERNAL, INVALID, NOT_FOUND, PlatformError
from ..domain.ids import parse_id
from ..domain.permissions import check, permission, verify_grantable
from ..domain.store import AUTHORIZATION_NOT_FOUND, LegacyRecord, TokenRecord
from ..wire.gojson import GoJSONError, go_decode
from ..wire.render import (
    LEGACY_PREFIX,
    authorization_body,
    authorization_list_body,
    render_authorization,
)
from ..wire.responses import empty_response, json_response, text_not_found
from ..wire.schemas import (
    AUTHORIZATION_UPDATE,
    LEGACY_AUTHORIZATION_POST,
    PASSWORD_SET,
    CreateRequest,
    decode_create,
)
from .body import read_body
from .routes import Routes, call
from .state import EmulatorState

__all__ = ["INSTANCE_MESSAGE", "authorize_create", "is_legacy_path", "serve_legacy"]

INSTANCE_MESSAGE: Final = (
    "authorizations cannot be created with the instance type, it is only used during setup"
)


def is_legacy_path(path: str) -> bool:
    """Whether ``path`` (trailing slash already stripped) is under the legacy prefix."""
    return path == LEGACY_PREFIX or path.startswith(LEGACY_PREFIX + "/")


def _first(request: web.Request, key: str) -> str | None:
    # url.Values.Get: the first value; an empty value counts as absent.
    return request.query.get(key) or None


def _readable(caller: TokenRecord, record: LegacyRecord) -> None:
    check(
        caller,
        permission(Action.READ, ResourceType.AUTHORIZATIONS, id=record.id, org_id=record.org_id),
    )
    check(caller, permission(Action.READ, ResourceType.USERS, id=record.user_id))


def _writable(caller: TokenRecord, record: LegacyRecord) -> None:
    check(
        caller,
        permission(Action.WRITE, ResourceType.AUTHORIZATIONS, id=record.id, org_id=record.org_id),
    )
    check(caller, permission(Action.WRITE, ResourceType.USERS, id=record.user_id))


def _may_read(caller: TokenRecord, record: LegacyRecord) -> bool:
    try:
        _readable(caller, record)
    except PlatformError:
        return False
    return True


def _render(state: EmulatorState, record: LegacyRecord) -> LegacyAuthorization:
    return render_authorization(state.store, record, LEGACY_PREFIX)


async def list_authorizations(
    request: web.Request, state: EmulatorState, caller: TokenRecord, _: str
) -> web.StreamResponse:
    """GET: filters ``id`` > ``token`` > ``orgID``+``userID``; ``user``/``org`` only checked."""
    store = state.store
    user_id = _first(request, "userID")
    if user_id is not None:
        user_id = parse_id(user_id)
    user_name = _first(request, "user")
    org_id = _first(request, "orgID")
    if org_id is not None:
        org_id = parse_id(org_id)
    org_name = _first(request, "org")
    auth_id = _first(request, "id")
    if auth_id is not None:
        auth_id = parse_id(auth_id)
    username = _first(request, "token")

    if auth_id is not None:
        records = [store.require_legacy(auth_id)]
    elif username is not None:
        found = store.legacy_by_username(username)
        if found is None:
            raise PlatformError(NOT_FOUND, AUTHORIZATION_NOT_FOUND)
        records = [found]
    else:
        records = store.legacy_list(org_id=org_id, user_id=user_id)
    # AuthorizeFindAuthorizations: what the caller may not read is dropped silently.
    records = [record for record in records if _may_read(caller, record)]

    # The handler resolves the names only after the query ran, and never uses them.
    if user_name is not None and store.user_by_name(user_name) is None:
        raise PlatformError(NOT_FOUND, "user not found")
    if org_name is not None and store.org_by_name(org_name) is None:
        raise PlatformError(NOT_FOUND, f'organization name "{org_name}" not found')

    rendered = []
    for record in records:
        try:
            rendered.append(_render(state, record))
        except PlatformError:
            continue  # its org or user is gone: skipped, as the server does
    return json_response(200, authorization_list_body(rendered, LEGACY_PREFIX))


def authorize_create(state: EmulatorState, caller: TokenRecord, wanted: CreateRequest) -> str:
    """The checks both create routes make before creating; returns the new owner's user ID.

    The caller must still exist, may write authorizations in the org and the owner user,
    and must hold every permission it grants; ``instance`` permissions are refused.
    """
    if state.store.user(caller.user_id) is None:
        raise PlatformError(INVALID, "unable to create token")
    user_id = wanted.user_id or caller.user_id
    check(caller, permission(Action.WRITE, ResourceType.AUTHORIZATIONS, org_id=wanted.org_id))
    check(caller, permission(Action.WRITE, ResourceType.USERS, id=user_id))
    verify_grantable(caller, wanted.permissions)
    if any(p.resource.type == ResourceType.INSTANCE for p in wanted.permissions):
        raise PlatformError(INTERNAL, INSTANCE_MESSAGE)
    return user_id


async def create_authorization(
    request: web.Request, state: EmulatorState, caller: TokenRecord, _: str
) -> web.StreamResponse:
    """POST: decode, validate, authorize the caller, then create (username must be free)."""
    wanted = decode_create(await read_body(request), LEGACY_AUTHORIZATION_POST, legacy=True)
    user_id = authorize_create(state, caller, wanted)
    record = state.store.create_legacy(
        org_id=wanted.org_id,
        user_id=user_id,
        username=wanted.username,
        permissions=wanted.permissions,
        status=wanted.status,
        description=wanted.description,
    )
    return json_response(201, authorization_body(_render(state, record)))


async def get_authorization(
    request: web.Request, state: EmulatorState, caller: TokenRecord, raw_id: str
) -> web.StreamResponse:
    """GET one: 404 if missing, 401 unless the caller may read it and its user."""
    record = state.store.require_legacy(parse_id(raw_id))
    _readable(caller, record)
    return json_response(200, authorization_body(_render(state, record)))


async def update_authorization(
    request: web.Request, state: EmulatorState, caller: TokenRecord, raw_id: str
) -> web.StreamResponse:
    """PATCH: only ``status`` and ``description``; a body Go cannot decode is a 500."""
    auth_id = parse_id(raw_id)
    try:
        update = go_decode(await read_body(request), AUTHORIZATION_UPDATE)
    except GoJSONError as exc:
        # The decoder's error carries no code, so api.Err sends it as an internal error.
        raise PlatformError(INTERNAL, str(exc)) from None
    record = state.store.require_legacy(auth_id)
    _readable(caller, record)
    _writable(caller, record)
    status = update.get("status")
    description = update.get("description")
    record = state.store.update_legacy(
        auth_id,
        status=status if isinstance(status, str) else None,
        description=description if isinstance(description, str) else None,
    )
    return json_response(200, authorization_body(_render(state, record)))


async def delete_authorization(
    request: web.Request, state: EmulatorState, caller: TokenRecord, raw_id: str
) -> web.StreamResponse:
    """DELETE: 404 if missing, 401 without write rights on it and its user, else 204."""
    auth_id = parse_id(raw_id)
    record = state.store.require_legacy(auth_id)
    _writable(caller, record)
    state.store.delete_legacy(auth_id)
    return empty_response(204)


async def set_password(
    request: web.Request, state: EmulatorState, caller: TokenRecord, raw_id: str
) -> web.StreamResponse:
    """POST .../password: body first, then the ID (a bad one is a 500), then only write:users."""
    try:
        decoded = go_decode(await read_body(request), PASSWORD_SET)
    except GoJSONError as exc:
        raise PlatformError(INVALID, str(exc)) from None
    try:
        auth_id = parse_id(raw_id)
    except PlatformError:
        raise PlatformError(INTERNAL, "invalid authorization ID provided in route") from None
    record = state.store.require_legacy(auth_id)
    check(caller, permission(Action.WRITE, ResourceType.USERS, id=record.user_id))
    password = decoded.get("password")
    password = password if isinstance(password, str) else ""
    state.passwords.check(password)
    password_hash = await state.hasher.hash(password)
    state.store.set_password_hash(auth_id, password_hash)
    return empty_response(204)


_ROOT: Final[Routes] = {"GET": list_authorizations, "POST": create_authorization}
_ONE: Final[Routes] = {
    "GET": get_authorization,
    "PATCH": update_authorization,
    "DELETE": delete_authorization,
}
_PASSWORD: Final[Routes] = {"POST": set_password}


async def serve_legacy(
    request: web.Request, state: EmulatorState, caller: TokenRecord, path: str
) -> web.StreamResponse:
    """Route like the handler's chi router: a known path with another method is an empty
    405, an unknown path below the prefix is Go's plain-text 404."""
    rest = path[len(LEGACY_PREFIX) :]
    raw_id = ""
    if rest in ("", "/"):
        routes = _ROOT
    else:
        segments = rest[1:].split("/")
        raw_id = segments[0]
        if len(segments) == 1:
            routes = _ONE
        elif len(segments) == 2 and segments[1] == "password":
            routes = _PASSWORD
        else:
            return text_not_found()
    return await call(routes, request, state, caller, raw_id)
