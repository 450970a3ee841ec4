"""LegacyAuthClient: the lifecycle, and the six operations as parse(await send(build(...)))."""

from __future__ import annotations

import asyncio
import enum
import functools
import logging
import re
from collections.abc import AsyncIterable, Callable, Coroutine, Iterable, Mapping
from types import TracebackType
from typing import Any, Final, Self, TypeVar

import aiohttp

from . import _bulk
from . import _sansio as sansio
from ._config import read_env
from ._errors import ClientStateError, LegacyAuthError, NotFoundError
from ._models import (
    AuthorizationCreate,
    AuthorizationUpdate,
    AuthStatus,
    LegacyAuthorization,
    Permission,
)
from ._password import DEFAULT_PASSWORD_POLICY, PasswordPolicy
from ._retry import AttemptLog, RetryBudget, RetryPolicy, RetrySafety, call_with_retries
from ._tracing import TraceSpanLike, fan_out_parent, trace_header_value
from ._transports import Timeout, Transport, base_url
from ._transports.aiohttp import AiohttpTransport, TimeoutLike, as_timeout

__all__ = ["DEFAULT_TIMEOUT", "LegacyAuthClient"]

logger: Final = logging.getLogger("aioinflux_legacyauth")

#: Per attempt: the whole request, the connect and each socket read.
DEFAULT_TIMEOUT: Final = Timeout(total=30, connect=5, read=20)

_T = TypeVar("_T")
_NOT_FOUND_MESSAGE: Final = "authorization not found"
#: What InfluxDB IDs look like when it writes them.
_ID_PATTERN: Final = re.compile(r"[0-9a-fA-F]{16}")
_RESERVED_HEADERS: Final = frozenset({"authorization", "zap-trace-span"})


class _State(enum.Enum):
    UNOPENED = "unopened"
    OPEN = "open"
    CLOSED = "closed"


def _check_text(name: str, value: object, *, secret: bool = False) -> str:
    if not isinstance(value, str) or not value:
        shown = f"a {type(value).__name__}" if secret else repr(value)
        msg = f"{name} must be a non-empty string, got {shown}"
        raise ValueError(msg)
    return value


class LegacyAuthClient:
    """Async client for ``/private/legacy/authorizations`` on InfluxDB OSS 2.x.

    Use it as ``async with LegacyAuthClient(url, token=...) as client:`` (or ``await
    client.open()`` and ``await client.close()``). The constructor does no I/O. A session
    passed as ``session=`` is borrowed: the client never closes it. ``transport=`` replaces
    the HTTP layer entirely (any object with the :class:`Transport` ``send`` method), for
    tests that should not open sockets.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        trace_span: TraceSpanLike | None = None,
        extra_headers: Mapping[str, str] | None = None,
        prefix: str = sansio.DEFAULT_PREFIX,
        verify_ssl: bool = True,
        password_policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
        org_id: str | None = None,
        org: str | None = None,
        transport: Transport | None = None,
    ) -> None:
        self._url = base_url(url)
        self._token = _check_text("token", token, secret=True)
        self._session = session
        self._timeout = as_timeout(timeout)
        self._retry = retry if retry is not None else RetryPolicy()
        self._budget = RetryBudget(
            self._retry.budget_capacity,
            retry_cost=self._retry.retry_cost,
            timeout_retry_cost=self._retry.timeout_retry_cost,
        )
        trace_header_value(trace_span, None)  # refuse an unusable default now, not per call
        self._trace_span = trace_span
        self._prefix = sansio.normalize_prefix(prefix)
        self._verify_ssl = verify_ssl
        self._password_policy = password_policy
        self.org_id = org_id
        self.org = org
        self._base_headers = self._make_base_headers(extra_headers)
        if transport is not None and session is not None:
            msg = "pass session= or transport=, not both"
            raise ValueError(msg)
        self._custom_transport = transport
        self._transport: Transport | None = None
        #: The transport the client made for itself, closed with it.
        self._own_transport: AiohttpTransport | None = None
        self._state = _State.UNOPENED
        if not verify_ssl:
            logger.warning("TLS certificate verification is turned off for %s", self._url)

    def _make_base_headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        for name, value in (extra or {}).items():
            if name.lower() in _RESERVED_HEADERS:
                msg = f"extra_headers must not set {name!r}; use token= or trace_span="
                raise ValueError(msg)
            headers[name] = value
        headers["Authorization"] = f"Token {self._token}"
        return headers

    @classmethod
    def from_env(
        cls, *, environ: Mapping[str, str] | None = None, **overrides: Any
    ) -> LegacyAuthClient:
        """Build a client from ``INFLUX_HOST``/``INFLUX_TOKEN``/... (or ``INFLUXDB_V2_*``).

        Keyword arguments override what the environment says.
        """
        settings = read_env(environ)
        options: dict[str, Any] = {
            "verify_ssl": settings.verify_ssl,
            "org_id": settings.org_id,
            "org": settings.org,
        }
        if settings.timeout is not None:
            options["timeout"] = settings.timeout
        options.update(overrides)
        url = options.pop("url", settings.url)
        token = options.pop("token", settings.token)
        return cls(url, token, **options)

    # -- lifecycle -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's base URL."""
        return str(self._url)

    @property
    def prefix(self) -> str:
        """The route prefix of the legacy authorization API."""
        return self._prefix

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._state is _State.CLOSED

    def __repr__(self) -> str:
        return f"<LegacyAuthClient url={str(self._url)!r} state={self._state.value}>"

    async def open(self) -> None:
        """Create the session (unless one was lent). A client opens once and cannot reopen."""
        if self._state is _State.OPEN:
            msg = "this LegacyAuthClient is already open"
            raise ClientStateError(msg)
        if self._state is _State.CLOSED:
            msg = "this LegacyAuthClient was closed and cannot be reopened; create a new one"
            raise ClientStateError(msg)
        if self._custom_transport is not None:
            self._transport = self._custom_transport
        else:
            if self._session is not None and self._session.closed:
                msg = "the aiohttp session lent to this LegacyAuthClient is already closed"
                raise ClientStateError(msg)
            self._own_transport = AiohttpTransport(
                self._url, session=self._session, verify_ssl=self._verify_ssl
            )
            self._transport = self._own_transport
        self._state = _State.OPEN

    async def close(self) -> None:
        """Close the session if the client created it. Safe to call more than once."""
        if self._state is _State.CLOSED:
            return
        self._state = _State.CLOSED
        self._transport = None
        own, self._own_transport = self._own_transport, None
        if own is not None:
            await own.close()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __enter__(self) -> None:
        msg = "LegacyAuthClient is async-only: use 'async with LegacyAuthClient(...)'"
        raise TypeError(msg)

    def __exit__(self, *args: object) -> None:  # pragma: no cover - __enter__ always raises
        return None

    # -- plumbing --------------------------------------------------------------------

    def _headers(self, trace_span: TraceSpanLike | None) -> dict[str, str]:
        value = trace_header_value(trace_span, self._trace_span)
        if value is None:
            return self._base_headers
        return {**self._base_headers, "Zap-Trace-Span": value}

    def _live_transport(self) -> Transport:
        if self._transport is None:
            if self._state is _State.CLOSED:
                msg = "this LegacyAuthClient is closed"
            else:
                msg = "this LegacyAuthClient is not open: use 'async with' or 'await open()'"
            raise ClientStateError(msg)
        return self._transport

    def _call(
        self,
        request: sansio.Request,
        parse: Callable[[sansio.Request, sansio.RawResponse], _T],
        *,
        safety: RetrySafety,
        timeout: TimeoutLike | None,
        retry: RetryPolicy | None = None,
        log: AttemptLog | None = None,
    ) -> Coroutine[Any, Any, _T]:
        # Not a coroutine itself, and no closure per call: each coroutine between a bulk
        # worker and the socket is crossed again every time the request waits.
        transport = self._live_transport()
        attempt_timeout = self._timeout if timeout is None else as_timeout(timeout)
        return call_with_retries(
            functools.partial(transport.send, request, timeout=attempt_timeout),
            parse=functools.partial(parse, request),
            policy=self._retry if retry is None else retry,
            budget=self._budget,
            safety=safety,
            log=log,
        )

    # -- the six operations ------------------------------------------------------------

    async def list(
        self,
        *,
        org_id: str | None = None,
        user_id: str | None = None,
        username: str | None = None,
        auth_id: str | None = None,
        org: str | None = None,
        user: str | None = None,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
    ) -> list[LegacyAuthorization]:
        """List legacy authorizations matching every filter given, sorted by ID.

        The result is what the filters mean, whatever the server's quirks:

        - ``auth_id`` and ``username`` that match nothing give ``[]`` (the server's 404
          there only means "no match");
        - ``org`` and ``user`` (names) narrow the result here, since the server only checks
          that they exist; an unknown name raises :class:`NotFoundError` (usually a typo);
        - filters the server ignores next to ``auth_id``/``username`` are applied here too.
        """
        given = {
            "auth_id": auth_id,
            "username": username,
            "org_id": org_id,
            "user_id": user_id,
            "org": org,
            "user": user,
        }
        # An empty string is refused, not read as "no filter": the server would ignore it.
        filters = {
            name: _check_text(name, value) for name, value in given.items() if value is not None
        }
        request = sansio.build_list(self._prefix, filters, self._headers(trace_span))
        try:
            result = await self._call(
                request,
                sansio.parse_authorization_list,
                safety=RetrySafety.IDEMPOTENT,
                timeout=timeout,
                retry=retry,
            )
        except NotFoundError as exc:
            lookup = "auth_id" in filters or "username" in filters
            if lookup and exc.message == _NOT_FOUND_MESSAGE:
                return []
            raise
        if not filters:
            return list(result.authorizations)
        return [auth for auth in result.authorizations if _matches(auth, filters)]

    async def get(
        self,
        auth_id: str,
        *,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
    ) -> LegacyAuthorization:
        """Fetch one authorization; :class:`NotFoundError` if it does not exist."""
        return await self._get(auth_id, trace_span=trace_span, timeout=timeout, retry=retry)

    def _get(
        self,
        auth_id: str,
        *,
        trace_span: TraceSpanLike | None,
        timeout: TimeoutLike | None,
        retry: RetryPolicy | None,
        log: AttemptLog | None = None,
    ) -> Coroutine[Any, Any, LegacyAuthorization]:
        request = sansio.build_get(self._prefix, auth_id, self._headers(trace_span))
        return self._call(
            request,
            sansio.parse_authorization,
            safety=RetrySafety.IDEMPOTENT,
            timeout=timeout,
            retry=retry,
            log=log,
        )

    async def create(
        self,
        *,
        username: str,
        permissions: Iterable[Permission],
        org_id: str | None = None,
        password: str | None = None,
        description: str | None = None,
        user_id: str | None = None,
        status: AuthStatus | str = AuthStatus.ACTIVE,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
    ) -> LegacyAuthorization:
        """Create a legacy authorization and, if ``password`` is given, set its password.

        The password is checked locally first (:class:`PasswordPolicyError`, nothing sent).
        If setting it fails, the new authorization is deleted again and the password error
        is raised, so no credential is left half made. Without a password the credential
        exists but cannot log in until :meth:`set_password` is called.

        ``org_id`` defaults to the client's ``org_id``, then to the ID of its ``org`` name.
        A taken username raises :class:`ConflictError` (the server answers 422).
        """
        _check_text("username", username)
        if password is not None:
            self._password_policy.check(password)
        perms = tuple(permissions)
        if not perms:
            msg = "a legacy authorization needs at least one permission"
            raise ValueError(msg)
        headers = self._headers(trace_span)
        body = AuthorizationCreate(
            username=username,
            status=AuthStatus(status),
            org_id=org_id or await self._default_org_id(trace_span, timeout),
            user_id=user_id,
            description=description,
            permissions=perms,
        )
        created = await self._call(
            sansio.build_create(self._prefix, body, headers),
            sansio.parse_authorization,
            safety=RetrySafety.UNSENT_ONLY,
            timeout=timeout,
            retry=retry,
        )
        if password is not None:
            await self._set_initial_password(created, password, trace_span, timeout, retry)
        return created

    async def _default_org_id(
        self, trace_span: TraceSpanLike | None, timeout: TimeoutLike | None
    ) -> str:
        if self.org_id:
            return self.org_id
        if not self.org:
            msg = "create() needs org_id=, or a client made with org_id= or org="
            raise ValueError(msg)
        self.org_id = await self.find_org_id(self.org, trace_span=trace_span, timeout=timeout)
        return self.org_id

    async def _set_initial_password(
        self,
        created: LegacyAuthorization,
        password: str,
        trace_span: TraceSpanLike | None,
        timeout: TimeoutLike | None,
        retry: RetryPolicy | None,
    ) -> None:
        try:
            await self.set_password(
                created.id, password, trace_span=trace_span, timeout=timeout, retry=retry
            )
        except BaseException as exc:
            # Shielded: a cancelled create must still not leave a credential without password.
            rollback = asyncio.ensure_future(self._rollback(created, trace_span))
            try:
                await asyncio.shield(rollback)
            except asyncio.CancelledError:
                exc.add_note(f"rollback: deleting {created.id} continues in the background")
            else:
                if note := rollback.result():
                    exc.add_note(note)
            raise

    async def _rollback(
        self, created: LegacyAuthorization, trace_span: TraceSpanLike | None
    ) -> str | None:
        try:
            await self.delete(created.id, trace_span=trace_span)
        except LegacyAuthError as error:
            return (
                f"rollback failed: legacy authorization {created.id} ({created.username!r}) "
                f"exists without a password and could not be deleted: {error}"
            )
        return f"rolled back: legacy authorization {created.id} was deleted again"

    async def update(
        self,
        auth_id: str,
        *,
        status: AuthStatus | str | None = None,
        description: str | None = None,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
    ) -> LegacyAuthorization:
        """Change the status and/or description; the server changes nothing else."""
        body = update_body(status, description)
        return await self._update(
            auth_id, body, trace_span=trace_span, timeout=timeout, retry=retry
        )

    def _update(
        self,
        auth_id: str,
        body: AuthorizationUpdate,
        *,
        trace_span: TraceSpanLike | None,
        timeout: TimeoutLike | None,
        retry: RetryPolicy | None,
        log: AttemptLog | None = None,
    ) -> Coroutine[Any, Any, LegacyAuthorization]:
        request = sansio.build_update(self._prefix, auth_id, body, self._headers(trace_span))
        return self._call(
            request,
            sansio.parse_authorization,
            safety=RetrySafety.IDEMPOTENT,
            timeout=timeout,
            retry=retry,
            log=log,
        )

    async def delete(
        self,
        auth_id: str,
        *,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        """Delete an authorization; :class:`NotFoundError` if it does not exist.

        If an earlier attempt may have deleted it without the answer arriving, the 404 of a
        retry means the delete is done, and no error is raised.
        """
        await self._delete(auth_id, trace_span=trace_span, timeout=timeout, retry=retry)

    async def _delete(
        self,
        auth_id: str,
        *,
        trace_span: TraceSpanLike | None,
        timeout: TimeoutLike | None,
        retry: RetryPolicy | None,
        log: AttemptLog | None = None,
    ) -> bool:
        """Delete; True if this call deleted it, False if an unanswered attempt already had."""
        log = AttemptLog() if log is None else log
        request = sansio.build_delete(self._prefix, auth_id, self._headers(trace_span))
        try:
            await self._call(
                request,
                sansio.parse_no_content,
                safety=RetrySafety.IDEMPOTENT,
                timeout=timeout,
                retry=retry,
                log=log,
            )
        except NotFoundError:
            if log.ambiguous and log.attempts > 1:
                return False
            raise
        return True

    async def set_password(
        self,
        auth_id: str,
        password: str,
        *,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        """Set the v1 password. Checked locally first; retries resend the same password.

        Works on inactive authorizations too. The password never appears in a log line,
        a repr or an exception message.
        """
        await self._set_password(
            auth_id, password, trace_span=trace_span, timeout=timeout, retry=retry
        )

    def _set_password(
        self,
        auth_id: str,
        password: str,
        *,
        trace_span: TraceSpanLike | None,
        timeout: TimeoutLike | None,
        retry: RetryPolicy | None,
        log: AttemptLog | None = None,
    ) -> Coroutine[Any, Any, None]:
        self._password_policy.check(password)
        request = sansio.build_set_password(
            self._prefix, auth_id, password, self._headers(trace_span)
        )
        # The same password on every attempt, so resending it is idempotent.
        return self._call(
            request,
            sansio.parse_no_content,
            safety=RetrySafety.IDEMPOTENT,
            timeout=timeout,
            retry=retry,
            log=log,
        )

    async def check_login(
        self,
        username: str,
        password: str,
        *,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
    ) -> bool:
        """Whether ``username``/``password`` log in through the v1 ``/query`` endpoint.

        This is the check Grafana and Telegraf effectively make. False for the server's
        401 (wrong or missing password, inactive credential); other failures raise.
        """
        _check_text("username", username)
        _check_text("password", password, secret=True)
        request = sansio.build_v1_login(username, password, self._headers(trace_span))
        return await self._call(
            request,
            sansio.parse_v1_login,
            safety=RetrySafety.IDEMPOTENT,
            timeout=timeout,
            retry=retry,
        )

    # -- org and bucket lookups (/api/v2) ----------------------------------------------

    async def find_org_id(
        self,
        name: str,
        *,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
    ) -> str:
        """The ID of the organization called ``name`` (``GET /api/v2/orgs?org=``).

        Raises :class:`NotFoundError` if there is none, or if the token may not read it
        (the server leaves out what the caller cannot read).
        """
        _check_text("name", name)
        request = sansio.build_find_org(name, self._headers(trace_span))
        return await self._find_named(
            request, sansio.parse_org_id, f"organization {name!r} not found", timeout, retry
        )

    async def find_bucket_id(
        self,
        name: str,
        *,
        org_id: str,
        accept_id: bool = False,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
    ) -> str:
        """The ID of the bucket called ``name`` in the org ``org_id`` (``GET /api/v2/buckets``).

        With ``accept_id=True``, ``name`` may also be a bucket ID, as ``influx v1 auth create
        --read-bucket`` expects: a value of 16 hex digits that is the ID of a bucket in that
        org is returned (in lower case, as the server writes IDs). Any other value, an
        ID-like name included, is looked up by name. Raises :class:`NotFoundError` if no
        bucket matches.
        """
        _check_text("name", name)
        _check_text("org_id", org_id)
        headers = self._headers(trace_span)
        if accept_id and _ID_PATTERN.fullmatch(name):
            candidate = name.lower()
            try:
                owner = await self._call(
                    sansio.build_get_bucket(candidate, headers),
                    sansio.parse_bucket_org_id,
                    safety=RetrySafety.IDEMPOTENT,
                    timeout=timeout,
                    retry=retry,
                )
            except NotFoundError:
                owner = None
            if owner == org_id.lower():
                return candidate
        request = sansio.build_find_bucket(name, org_id, headers)
        message = f"bucket {name!r} not found in org {org_id}"
        return await self._find_named(request, sansio.parse_bucket_id, message, timeout, retry)

    async def _find_named(
        self,
        request: sansio.Request,
        parse: Callable[[sansio.Request, sansio.RawResponse], str | None],
        not_found: str,
        timeout: TimeoutLike | None,
        retry: RetryPolicy | None,
    ) -> str:
        """The ID a name lookup finds; :class:`NotFoundError` saying ``not_found`` if none."""
        try:
            found = await self._call(
                request, parse, safety=RetrySafety.IDEMPOTENT, timeout=timeout, retry=retry
            )
        except NotFoundError:
            # The server's 404 for an unknown name (or org) and an empty list mean the same.
            found = None
        if found is None:
            raise _lookup_not_found(not_found, request)
        return found

    # -- bulk operations ----------------------------------------------------------------

    async def bulk_update(
        self,
        ids: Iterable[str | LegacyAuthorization] | AsyncIterable[str | LegacyAuthorization],
        *,
        status: AuthStatus | str | None = None,
        description: str | None = None,
        concurrency: int = 16,
        fail_fast: bool = False,
        dry_run: bool = False,
        on_result: _bulk.ResultCallback | None = None,
        on_progress: _bulk.ProgressCallback | None = None,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
    ) -> _bulk.BulkReport:
        """Update many authorizations, at most ``concurrency`` at a time.

        Takes IDs or :class:`LegacyAuthorization` objects from any iterable or async
        iterable and returns one :class:`ItemResult` per item, in input order; it raises
        only for a bug or a failing callback (see :meth:`BulkReport.raise_for_failures`).
        ``on_result(result)`` sees each outcome as it happens (it may be async);
        ``on_progress(done, total)`` drives a progress bar (``total`` is None for iterators).
        ``fail_fast`` stops scheduling after the first item that fails for good; a 401 or
        403 always stops the batch, and the items never started are ``skipped``.
        ``dry_run`` only reads each authorization and reports what would change.
        Each item's request carries a child span of the call's trace.
        """
        body = update_body(status, description)
        options = _bulk.BulkOptions(
            concurrency=concurrency,
            fail_fast=fail_fast,
            dry_run=dry_run,
            on_result=on_result,
            on_progress=on_progress,
            timeout=timeout,
            retry=retry,
        )
        parent = fan_out_parent(trace_span, self._trace_span)
        return await _bulk.update_many(self, ids, body, parent, options)

    async def bulk_delete(
        self,
        ids: Iterable[str | LegacyAuthorization] | AsyncIterable[str | LegacyAuthorization],
        *,
        concurrency: int = 16,
        missing_ok: bool = False,
        fail_fast: bool = False,
        dry_run: bool = False,
        on_result: _bulk.ResultCallback | None = None,
        on_progress: _bulk.ProgressCallback | None = None,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
    ) -> _bulk.BulkReport:
        """Delete many authorizations; see :meth:`bulk_update` for the shared options.

        A delete whose answer was lost and whose retry finds nothing is ``already_done``;
        with ``missing_ok=True`` an authorization that does not exist counts as done too.
        """
        options = _bulk.BulkOptions(
            concurrency=concurrency,
            fail_fast=fail_fast,
            dry_run=dry_run,
            on_result=on_result,
            on_progress=on_progress,
            timeout=timeout,
            retry=retry,
        )
        parent = fan_out_parent(trace_span, self._trace_span)
        return await _bulk.delete_many(self, ids, parent, options, missing_ok=missing_ok)

    async def bulk_set_password(
        self,
        passwords: Mapping[str, str] | Iterable[tuple[str, str]] | AsyncIterable[tuple[str, str]],
        *,
        concurrency: int = 4,
        fail_fast: bool = False,
        dry_run: bool = False,
        on_result: _bulk.ResultCallback | None = None,
        on_progress: _bulk.ProgressCallback | None = None,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
    ) -> _bulk.BulkReport:
        """Set many passwords from ``{auth_id: password}`` or ``(auth_id, password)`` pairs.

        The default concurrency is low because each call costs the server one bcrypt hash.
        Each password is checked locally first; a refused one is ``failed`` and not sent.
        Retries resend the same password. See :meth:`bulk_update` for the shared options.
        """
        options = _bulk.BulkOptions(
            concurrency=concurrency,
            fail_fast=fail_fast,
            dry_run=dry_run,
            on_result=on_result,
            on_progress=on_progress,
            timeout=timeout,
            retry=retry,
        )
        pairs: _ItemSource = passwords.items() if isinstance(passwords, Mapping) else passwords
        parent = fan_out_parent(trace_span, self._trace_span)
        return await _bulk.set_passwords(self, pairs, parent, options)

    def check_password(self, password: str) -> None:
        """Raise :class:`PasswordPolicyError` if this client would refuse ``password``."""
        self._password_policy.check(password)


_ItemSource = Iterable[Any] | AsyncIterable[Any]


def _lookup_not_found(message: str, request: sansio.Request) -> NotFoundError:
    return NotFoundError(
        status=404, code="not found", message=message, method=request.method, path=request.path
    )


def update_body(status: AuthStatus | str | None, description: str | None) -> AuthorizationUpdate:
    """The PATCH body; refuses an update that changes nothing."""
    if status is None and description is None:
        msg = "an update needs status= or description="
        raise ValueError(msg)
    return AuthorizationUpdate(status=status, description=description)


def _matches(auth: LegacyAuthorization, filters: Mapping[str, str]) -> bool:
    for name, value in filters.items():
        if name == "auth_id":
            # The server parses IDs as hex, so upper-case finds the same authorization.
            matched = auth.id == value.lower()
        elif name == "org_id":
            matched = auth.org_id == value.lower()
        elif name == "user_id":
            matched = auth.user_id == value.lower()
        else:
            matched = getattr(auth, name) == value
        if not matched:
            return False
    return True
