"""The seam between the client and what is built on it: :class:`Calls` and :class:`Executor`.

Bulk jobs and rotation (and your own operations) never reach into the client: they build
a :class:`~aioinflux_legacyauth._sansio.Call` with the client's :class:`Calls` and run it
through its :class:`Executor`, the same funnel every public method uses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Final, Protocol, TypeVar

from . import _sansio as sansio
from . import _sansio_api_v2 as api_v2
from . import _sansio_v1 as v1
from ._headers import SecretText, check_header_name, check_header_value
from ._models import (
    AuthorizationCreate,
    AuthorizationUpdate,
    Bucket,
    DBRPMapping,
    DBRPMappingCreate,
    LegacyAuthorization,
    Organization,
    RetentionPolicy,
    User,
    UsernameLookup,
    WriteAccess,
)
from ._password import PasswordPolicy
from ._retry import AttemptLog, RetryPolicy
from ._sansio import Call
from ._tracing import TRACE_HEADER, TraceSpanLike, fan_out_parent, trace_header_value
from ._transports import Timeout

__all__ = ["Calls", "ExecuteFunction", "Executor"]

_T = TypeVar("_T")
# Named here: inside Calls, ``list`` is the method of that name.
_Buckets = list[Bucket]
_Users = list[User]
_Mappings = list[DBRPMapping]
_Databases = list[str]
_Policies = list[RetentionPolicy]
_RESERVED_HEADERS: Final = frozenset({"authorization", "zap-trace-span"})


class Calls:
    """The calls one client makes: the builders bound to its prefix, headers, default
    trace span and password policy. Building a call checks its input and sends nothing.

    ``trace_span`` is the call's own span (or header string); without one, the span of
    :func:`~aioinflux_legacyauth.use_trace_span`, then the client's default, is sent.
    """

    __slots__ = ("_base_headers", "_default_span", "_password_policy", "_prefix")

    def __init__(
        self,
        *,
        token: str,
        prefix: str = sansio.DEFAULT_PREFIX,
        extra_headers: Mapping[str, str] | None = None,
        default_span: TraceSpanLike | None = None,
        password_policy: PasswordPolicy,
    ) -> None:
        trace_header_value(default_span, None)  # refuse an unusable default now, not per call
        self._prefix = sansio.normalize_prefix(prefix)
        self._default_span = default_span
        self._password_policy = password_policy
        headers = {"Accept": "application/json"}
        for name, value in (extra_headers or {}).items():
            check_header_name(name)
            if name.lower() in _RESERVED_HEADERS:
                msg = f"extra_headers must not set {name!r}; use token= or trace_span="
                raise ValueError(msg)
            headers[name] = check_header_value(name, value, what=f"extra header {name!r}")
        # Refused here, not by aiohttp at the first request, and never repeated.
        check_header_value("Authorization", token, what="the token")
        headers["Authorization"] = SecretText(f"Token {token}")
        self._base_headers = headers

    def __repr__(self) -> str:
        return f"<Calls prefix={self._prefix!r}>"

    @property
    def prefix(self) -> str:
        """The route prefix of the legacy authorization API."""
        return self._prefix

    def headers(self, trace_span: TraceSpanLike | None = None) -> Mapping[str, str]:
        """The headers of one request: the token, extra headers and the trace span."""
        value = trace_header_value(trace_span, self._default_span)
        if value is None:
            return self._base_headers
        return {**self._base_headers, TRACE_HEADER: value}

    def fan_out_parent(self, trace_span: TraceSpanLike | None) -> TraceSpanLike | None:
        """The span a bulk job's items are children of (see ``fan_out_parent``)."""
        return fan_out_parent(trace_span, self._default_span)

    def check_password(self, password: str) -> None:
        """Raise :class:`PasswordPolicyError` if the client's policy refuses ``password``."""
        self._password_policy.check(password)

    def list(
        self, filters: Mapping[str, str | None], trace_span: TraceSpanLike | None = None
    ) -> Call[list[LegacyAuthorization]]:
        """List by the ``list()`` keyword filters (None: not given)."""
        return sansio.build_list(self._prefix, filters, self.headers(trace_span))

    def get(
        self, auth_id: str, trace_span: TraceSpanLike | None = None
    ) -> Call[LegacyAuthorization]:
        """Fetch one authorization."""
        return sansio.build_get(self._prefix, auth_id, self.headers(trace_span))

    def create(
        self, body: AuthorizationCreate, trace_span: TraceSpanLike | None = None
    ) -> Call[LegacyAuthorization]:
        """Create one authorization (without its password)."""
        return sansio.build_create(self._prefix, body, self.headers(trace_span))

    def update(
        self, auth_id: str, body: AuthorizationUpdate, trace_span: TraceSpanLike | None = None
    ) -> Call[LegacyAuthorization]:
        """Change an authorization's status and/or description."""
        return sansio.build_update(self._prefix, auth_id, body, self.headers(trace_span))

    def update_accepted(
        self, auth_id: str, body: AuthorizationUpdate, trace_span: TraceSpanLike | None = None
    ) -> Call[None]:
        """:meth:`update`, its answer checked to be the server's document, not structured."""
        return sansio.build_accepted_update(self._prefix, auth_id, body, self.headers(trace_span))

    def delete(self, auth_id: str, trace_span: TraceSpanLike | None = None) -> Call[bool]:
        """Delete one authorization (False: an earlier, unanswered attempt had)."""
        return sansio.build_delete(self._prefix, auth_id, self.headers(trace_span))

    def set_password(
        self, auth_id: str, password: str, trace_span: TraceSpanLike | None = None
    ) -> Call[None]:
        """Set a password, checked against the policy first (nothing is built otherwise)."""
        self._password_policy.check(password)
        return sansio.build_set_password(self._prefix, auth_id, password, self.headers(trace_span))

    def login(
        self, username: str, password: str, trace_span: TraceSpanLike | None = None
    ) -> Call[bool]:
        """Try v1 credentials on ``/query`` (the API token is not sent)."""
        return sansio.build_v1_login(username, password, self.headers(trace_span))

    def find_org(self, name: str, trace_span: TraceSpanLike | None = None) -> Call[str]:
        """The ID of the org called ``name``."""
        return sansio.build_find_org(name, self.headers(trace_span))

    def find_bucket(
        self, name: str, org_id: str, trace_span: TraceSpanLike | None = None
    ) -> Call[str]:
        """The ID of the bucket called ``name`` in the org ``org_id``."""
        return sansio.build_find_bucket(name, org_id, self.headers(trace_span))

    def bucket_org(self, bucket_id: str, trace_span: TraceSpanLike | None = None) -> Call[str]:
        """The org ID of the bucket ``bucket_id``."""
        return sansio.build_get_bucket(bucket_id, self.headers(trace_span))

    # -- provisioning: usernames, /api/v2 and the v1 data plane ----------------------------

    def lookup_username(
        self, username: str, trace_span: TraceSpanLike | None = None
    ) -> Call[UsernameLookup]:
        """Whether ``username`` is taken, and by which credential if the token can see it."""
        return sansio.build_lookup_username(self._prefix, username, self.headers(trace_span))

    def bucket(self, bucket_id: str, trace_span: TraceSpanLike | None = None) -> Call[Bucket]:
        """One bucket by ID."""
        return api_v2.build_bucket(bucket_id, self.headers(trace_span))

    def list_buckets(
        self,
        org_id: str,
        *,
        offset: int = 0,
        limit: int = api_v2.PAGE_SIZE,
        trace_span: TraceSpanLike | None = None,
    ) -> Call[_Buckets]:
        """One page of an org's buckets."""
        headers = self.headers(trace_span)
        return api_v2.build_list_buckets(org_id, headers, offset=offset, limit=limit)

    def org(self, org_id: str, trace_span: TraceSpanLike | None = None) -> Call[Organization]:
        """One org by ID."""
        return api_v2.build_org(org_id, self.headers(trace_span))

    def user(self, user_id: str, trace_span: TraceSpanLike | None = None) -> Call[User]:
        """One user by ID."""
        return api_v2.build_user(user_id, self.headers(trace_span))

    def list_users(
        self,
        *,
        offset: int = 0,
        limit: int = api_v2.PAGE_SIZE,
        trace_span: TraceSpanLike | None = None,
    ) -> Call[_Users]:
        """One page of the users the token may read."""
        return api_v2.build_list_users(self.headers(trace_span), offset=offset, limit=limit)

    def list_dbrps(
        self,
        org_id: str,
        *,
        database: str | None = None,
        bucket_id: str | None = None,
        trace_span: TraceSpanLike | None = None,
    ) -> Call[_Mappings]:
        """The org's DBRP mappings the token may read (explicit and virtual)."""
        headers = self.headers(trace_span)
        return api_v2.build_list_dbrps(org_id, headers, database=database, bucket_id=bucket_id)

    def create_dbrp(
        self, body: DBRPMappingCreate, trace_span: TraceSpanLike | None = None
    ) -> Call[DBRPMapping]:
        """Create an explicit DBRP mapping."""
        return api_v2.build_create_dbrp(body, self.headers(trace_span))

    def delete_dbrp(
        self, mapping_id: str, org_id: str, trace_span: TraceSpanLike | None = None
    ) -> Call[bool]:
        """Delete an explicit DBRP mapping."""
        return api_v2.build_delete_dbrp(mapping_id, org_id, self.headers(trace_span))

    def ping(self, trace_span: TraceSpanLike | None = None) -> Call[str | None]:
        """The server's version, from ``/ping``."""
        return v1.build_ping(self.headers(trace_span))

    def show_databases(
        self, username: str, password: str, trace_span: TraceSpanLike | None = None
    ) -> Call[_Databases | None]:
        """``SHOW DATABASES`` with v1 credentials (None: the login was refused)."""
        return v1.build_show_databases(username, password, self.headers(trace_span))

    def show_retention_policies(
        self,
        username: str,
        password: str,
        database: str,
        trace_span: TraceSpanLike | None = None,
    ) -> Call[_Policies | None]:
        """``SHOW RETENTION POLICIES`` on ``database`` with v1 credentials."""
        headers = self.headers(trace_span)
        return v1.build_show_retention_policies(username, password, database, headers)

    def write_probe(
        self,
        username: str,
        password: str,
        database: str,
        retention_policy: str | None = None,
        trace_span: TraceSpanLike | None = None,
    ) -> Call[WriteAccess]:
        """An empty ``/write`` with v1 credentials: may they write there? Writes nothing."""
        headers = self.headers(trace_span)
        return v1.build_write_probe(username, password, database, retention_policy, headers)


class ExecuteFunction(Protocol):
    """``execute(call, *, timeout=, retry=, deadline=, log=)``: an executor's funnel."""

    def __call__(
        self,
        call: Call[_T],
        /,
        *,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
        log: AttemptLog | None = None,
    ) -> Awaitable[_T]:
        """Run ``call`` with the client's transport, timeout, retries and retry budget.

        ``retry`` replaces the client's attempts and backoff for this call; the budget
        stays the client's. ``deadline`` (seconds; ``math.inf``: none) replaces the
        client's bound on the whole call. ``log`` collects what the attempts did.
        """
        ...


class Executor(Protocol):
    """What layers built on a client need from it: its calls, and the funnel that runs them.

    ``LegacyAuthClient.executor`` is one. Bulk jobs and rotation take an executor, never
    the client's private attributes.
    """

    @property
    def calls(self) -> Calls:
        """The builders bound to the client's settings."""
        ...

    def check_open(self) -> None:
        """Raise :class:`ClientStateError` unless the client is open."""
        ...

    @property
    def execute(self) -> ExecuteFunction:
        """The funnel: ``execute(call)`` runs ``call`` as the client's own methods do (see
        :class:`ExecuteFunction`)."""
        ...
