"""Who is calling: v2 tokens for the API, v1 credentials for ``/query`` and ``/write``."""

from __future__ import annotations

import base64
import binascii
import enum

import attrs
from aiohttp import web

from ..._models import Action, AuthStatus, Permission, ResourceType
from ..domain.errors import FORBIDDEN, UNAUTHORIZED, PlatformError
from ..domain.passwords import ServerPanic
from ..domain.store import LegacyRecord, TokenRecord
from .state import EmulatorState

__all__ = [
    "V1Caller",
    "V1Credentials",
    "authenticate_api",
    "authenticate_v1",
    "parse_v1_credentials",
    "token_from_header",
]

_UNAUTHORIZED_ACCESS = "unauthorized access"
_TOKEN_SCHEMES = ("token ", "bearer ")


def token_from_header(header: str | None) -> str | None:
    """``http.GetToken``: the rest after ``Token `` or ``Bearer `` (scheme in any case)."""
    if not header:
        return None
    lowered = header.lower()
    for scheme in _TOKEN_SCHEMES:
        if lowered.startswith(scheme):
            return header[len(scheme) :]
    return None


def authenticate_api(state: EmulatorState, request: web.Request) -> TokenRecord:
    """The authentication middleware of ``/api/v2`` and ``/private``, run before routing.

    A missing, malformed or unknown token (Basic auth included) is 401; a token whose user
    is inactive or gone is 403. An inactive token passes here: it simply holds no rights.
    The caller renders these errors compact, as the middleware does.
    """
    value = token_from_header(request.headers.get("Authorization"))
    caller = None if value is None else state.store.token_by_value(value)
    if caller is None:
        raise PlatformError(UNAUTHORIZED, _UNAUTHORIZED_ACCESS)
    user = state.store.user(caller.user_id)
    if user is None or user.status != AuthStatus.ACTIVE:
        raise PlatformError(FORBIDDEN, "User is inactive")
    return caller


@attrs.frozen
class V1Caller:
    """Who a v1 request runs as: the legacy authorization (or v2 token) it logged in with."""

    org_id: str
    user_id: str
    status: AuthStatus
    permissions: tuple[Permission, ...]

    def with_write_grants(self) -> V1Caller:
        """``/write``'s extra grants: ``read`` on every bucket resource it may ``write``."""
        extra = tuple(
            Permission(action=Action.READ, resource=granted.resource)
            for granted in self.permissions
            if granted.action == Action.WRITE and granted.resource.type == ResourceType.BUCKETS
        )
        return attrs.evolve(self, permissions=extra + self.permissions)


class V1Scheme(enum.Enum):
    """Where v1 credentials came from."""

    URL = "url"
    BASIC = "basic"
    TOKEN = "token"  # noqa: S105 - the name of a scheme, not a secret


@attrs.frozen
class V1Credentials:
    """A username and a password (or, for the Token scheme, a v2 token)."""

    scheme: V1Scheme
    username: str
    secret: str = attrs.field(repr=False)


def parse_v1_credentials(request: web.Request) -> V1Credentials | None:
    """``Influx1xAuthenticationHandler.parseCredentials``, in its order of precedence."""
    username = request.query.get("u", "")
    password = request.query.get("p", "")
    if username and password:
        return V1Credentials(V1Scheme.URL, username, password)
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    parts = header.split(" ")
    if len(parts) == 2 and parts[0] == "Token":
        # "Token <user>:<token>" or "Token <token>": either way only a v2 token counts.
        user, separator, token = parts[1].partition(":")
        if not separator:
            user, token = "", parts[1]
        return V1Credentials(V1Scheme.TOKEN, user, token)
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
        if ":" in decoded:
            user, password = decoded.split(":", 1)
            return V1Credentials(V1Scheme.BASIC, user, password)
    return None


async def authenticate_v1(state: EmulatorState, request: web.Request) -> V1Caller:
    """``v1/authorization.Authorizer.Authorize`` for ``/query`` and ``/write``.

    No usable credentials: 401 ``unauthorized access``. Anything else that fails (wrong or
    unset password, inactive authorization or user, unknown token) is 401 ``Unauthorized``;
    a username with no legacy authorization falls back to trying the password as a v2 token.
    An empty password for a legacy username under ``--strong-passwords`` raises
    :class:`ServerPanic`, whatever the authorization's state: influxd panics there.
    """
    credentials = parse_v1_credentials(request)
    found: LegacyRecord | TokenRecord
    if credentials is None:
        raise PlatformError(UNAUTHORIZED, _UNAUTHORIZED_ACCESS)
    denied = PlatformError(UNAUTHORIZED, "Unauthorized")
    store = state.store
    legacy = None
    if credentials.scheme is not V1Scheme.TOKEN:
        legacy = store.legacy_by_username(credentials.username)
    if legacy is not None:
        if state.passwords.panics_at_login(credentials.secret):
            msg = "IsPasswordStrong of an empty password"  # never seen: nothing is answered
            raise ServerPanic(msg)
        stored_hash = store.password_hash(legacy.id)
        if stored_hash is None or not await state.hasher.verify(credentials.secret, stored_hash):
            raise denied
        if not state.passwords.allows_login(credentials.secret):
            raise denied
        found = legacy
    else:
        token = store.token_by_value(credentials.secret)
        if token is None:
            raise denied
        found = token
    user = store.user(found.user_id)
    if found.status != AuthStatus.ACTIVE or user is None or user.status != AuthStatus.ACTIVE:
        raise denied
    return V1Caller(
        org_id=found.org_id,
        user_id=found.user_id,
        status=found.status,
        permissions=found.permissions,
    )
