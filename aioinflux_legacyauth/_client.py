"""LegacyAuthClient: the lifecycle, the one funnel (``_execute``), and the operations over it.

Every public method builds a :class:`~aioinflux_legacyauth._sansio.Call` with the client's
:class:`Calls` and awaits ``_execute(call)``; bulk jobs and rotation reach the same funnel
through :attr:`LegacyAuthClient.executor`.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import logging
import math
import os
from collections.abc import AsyncIterable, Awaitable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Final, Self, TypeVar

import aiohttp

from . import _sansio as sansio
from ._errors import (
    APIError,
    ArgumentError,
    ClientStateError,
    ConfigurationError,
    LegacyAuthError,
    NotFoundError,
    TransportError,
)
from ._executor import Calls, ExecuteFunction, Executor
from ._ids import is_hex_id
from ._models import AuthorizationCreate, AuthStatus, LegacyAuthorization, Permission
from ._password import DEFAULT_PASSWORD_POLICY, PasswordPolicy
from ._retry import (
    AMBIGUOUS_STATUSES,
    AttemptLog,
    RetryBudget,
    RetryPolicy,
    call_policy,
    call_with_retries,
)
from ._rollback import once_made, roll_back
from ._sansio import Call, check_text, update_body
from ._tracing import Instrumentation, TraceSpanLike, current_instrumentation
from ._transports import DEFAULT_DEADLINE, Timeout, Transport, base_url, check_deadline
from ._transports.aiohttp import (
    DEFAULT_MAX_BODY_SIZE,
    AiohttpTransport,
    TimeoutLike,
    as_timeout,
    check_body_limit,
)
from .bulk import operations
from .bulk.engine import ProgressCallback, ResultCallback
from .bulk.operations import BulkOptions
from .bulk.report import BulkReport

__all__ = ["DEFAULT_DEADLINE", "DEFAULT_TIMEOUT", "LegacyAuthClient"]

logger: Final = logging.getLogger("aioinflux_legacyauth")

#: Per attempt: the whole request, the connect and each socket read.
DEFAULT_TIMEOUT: Final = Timeout(total=30, connect=5, read=20)

_T = TypeVar("_T")
_Ids = Iterable[str | LegacyAuthorization] | AsyncIterable[str | LegacyAuthorization]
_Pairs = Mapping[str, str] | Iterable[tuple[str, str]] | AsyncIterable[tuple[str, str]]


class _State(enum.Enum):
    UNOPENED = "unopened"
    OPEN = "open"
    CLOSED = "closed"


class LegacyAuthClient:
    """Async client for ``/private/legacy/authorizations`` on InfluxDB OSS 2.x.

    Use it as ``async with LegacyAuthClient(url, token=...) as client:`` (or ``await
    client.open()`` and ``await client.close()``). The constructor does no I/O. Without
    ``session=`` or ``transport=``, the client opens an :class:`AiohttpTransport` of its
    own and closes it with itself. A session passed as ``session=`` is borrowed: the
    client never closes it. ``transport=`` replaces the HTTP layer entirely (any object
    with the :class:`Transport` ``send`` method, such as
    :class:`~aioinflux_legacyauth.testing.MockTransport`); it stays the caller's to close.

    ``max_body_size=`` bounds each response body the client's own transport reads, in
    bytes after decompression (default 64 MiB; None: no bound); a longer one is never
    buffered, and an operation that needs it raises :class:`ResponseDecodeError`.

    ``timeout=``, ``deadline=`` and ``retry=`` are the defaults of every call: the
    timeout of each attempt; the deadline of the whole call, in seconds, every attempt and
    every wait between them included (``None``: no deadline); and the retry policy, whose
    budget fields size the retry budget all the client's calls share.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        deadline: float | None = DEFAULT_DEADLINE,
        trace_span: TraceSpanLike | None = None,
        extra_headers: Mapping[str, str] | None = None,
        prefix: str = sansio.DEFAULT_PREFIX,
        verify_ssl: bool = True,
        password_policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
        org_id: str | None = None,
        org: str | None = None,
        transport: Transport | None = None,
        max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
    ) -> None:
        self._url = base_url(url)
        self._url_text = str(self._url)  # what instrumentation is told, with every call
        token = check_text("token", token, secret=True)
        self._timeout = as_timeout(timeout)
        self._deadline = check_deadline(deadline)
        self._retry = retry if retry is not None else RetryPolicy()
        self._budget = RetryBudget.for_policy(self._retry)
        self._calls = Calls(
            token=token,
            prefix=prefix,
            extra_headers=extra_headers,
            default_span=trace_span,
            password_policy=password_policy,
        )
        self.org_id = org_id
        self.org = org
        if transport is not None and session is not None:
            msg = "pass session= or transport=, not both"
            raise ValueError(msg)
        self._max_body_size = check_body_limit(max_body_size)
        if transport is not None and self._max_body_size != DEFAULT_MAX_BODY_SIZE:
            msg = (
                "max_body_size= is the limit of the transport the client makes; "
                "a transport passed as transport= reads bodies by its own rules"
            )
            raise ArgumentError(msg)
        self._session = session
        self._verify_ssl = verify_ssl
        self._custom_transport = transport
        self._transport: Transport | None = None
        #: The transport the client made for itself, closed with it.
        self._own_transport: AiohttpTransport | None = None
        self._state = _State.UNOPENED
        if not verify_ssl:
            logger.warning("TLS certificate verification is turned off for %s", self._url)

    @classmethod
    def from_env(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
        config: str | None = None,
        configs_path: str | os.PathLike[str] | None = None,
        **overrides: Any,
    ) -> LegacyAuthClient:
        """Build a client from ``INFLUX_HOST``/``INFLUX_TOKEN``/... (or ``INFLUXDB_V2_*``),
        then the influx CLI's config file (``~/.influxdbv2/configs``).

        ``config`` names the influx CLI config to use (default: ``INFLUX_ACTIVE_CONFIG``,
        else the active one); ``configs_path`` is the file (default:
        ``INFLUX_CONFIGS_PATH``). Keyword arguments override everything. Raises
        :class:`ConfigurationError` when no token is found or a setting cannot be used.
        """
        # Imported here: the environment and the config file (TOML) are read by this alone.
        from ._config import missing_token_message, read_settings  # noqa: PLC0415

        settings = read_settings(environ, config=config, configs_path=configs_path)
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
        if token is None:
            raise ConfigurationError(missing_token_message(settings))
        return cls(url, token, **options)

    # -- lifecycle -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's base URL."""
        return self._url_text

    @property
    def prefix(self) -> str:
        """The route prefix of the legacy authorization API."""
        return self._calls.prefix

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._state is _State.CLOSED

    @property
    def executor(self) -> Executor:
        """This client's funnel, for layers built on it (bulk jobs, rotation, your own).

        ``executor.calls`` builds a call; ``executor.execute(call)`` runs it exactly as the
        client's own methods do: same transport, timeout, retries and retry budget.
        """
        return _ClientExecutor(self)

    def __repr__(self) -> str:
        return f"<LegacyAuthClient url={str(self._url)!r} state={self._state.value}>"

    async def open(self) -> None:
        """Open the transport. A client opens once and cannot reopen."""
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
                self._url,
                session=self._session,
                verify_ssl=self._verify_ssl,
                max_body_size=self._max_body_size,
            )
            self._transport = self._own_transport
        self._state = _State.OPEN

    async def close(self) -> None:
        """Close the transport if the client made it. Safe to call more than once."""
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

    # -- the funnel --------------------------------------------------------------------

    def _live_transport(self) -> Transport:
        if self._transport is None:
            if self._state is _State.CLOSED:
                msg = "this LegacyAuthClient is closed"
            else:
                msg = "this LegacyAuthClient is not open: use 'async with' or 'await open()'"
            raise ClientStateError(msg)
        return self._transport

    def _timeout_for(self, timeout: TimeoutLike | None) -> Timeout:
        return self._timeout if timeout is None else as_timeout(timeout)

    def _policy_for(self, retry: RetryPolicy | None) -> RetryPolicy:
        return self._retry if retry is None else call_policy(retry, self._retry)

    def _execute(
        self,
        call: Call[_T],
        *,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
        log: AttemptLog | None = None,
    ) -> Awaitable[_T]:
        """Run ``call``: every request of this client, bulk and rotation included, is sent here.

        Each attempt gets ``timeout`` (else the client's); ``retry`` (else the client's
        policy) decides the attempts, the client's budget pays for them; ``deadline``
        (else the client's; ``math.inf``: none) bounds them all, waits included; ``log``
        collects what they did. A hook that must see every request (a tracing span, a
        deadline) belongs here. Not a coroutine function, and no closure per call: each
        coroutine between a bulk worker and the socket is crossed again every time the
        request waits. A client that is not open raises here, at once.
        """
        instrumentation = current_instrumentation()
        if instrumentation is not None:
            return self._traced(instrumentation, call, timeout, retry, deadline, log)
        return self._send(call, timeout, retry, deadline, log)

    def _traced(  # noqa: PLR0917 - _execute's arguments, in its order
        self,
        instrumentation: Instrumentation,
        call: Call[_T],
        timeout: TimeoutLike | None,
        retry: RetryPolicy | None,
        deadline: float | None,
        log: AttemptLog | None,
    ) -> Awaitable[_T]:
        """``_send``, inside what the installed instrumentation (a tracing span) wraps it in."""
        self._live_transport()  # a client that is not open still raises at once

        def run(traced: Call[_T], attempts: AttemptLog) -> Awaitable[_T]:
            return self._send(traced, timeout, retry, deadline, attempts)

        return instrumentation.execute(call, run, log=log, url=self._url_text, prefix=self.prefix)

    def _send(
        self,
        call: Call[_T],
        timeout: TimeoutLike | None,
        retry: RetryPolicy | None,
        deadline: float | None,
        log: AttemptLog | None,
    ) -> Awaitable[_T]:
        """The funnel's work: the attempts of ``call`` with retries, then its recovery."""
        transport = self._transport
        if transport is None:
            transport = self._live_transport()  # raises
        # _timeout_for and _policy_for, inline, and the deadline check: a bulk job passes its own,
        # checked once for the whole job, with each of its requests.
        attempt_timeout = self._timeout if timeout is None else as_timeout(timeout)
        policy = self._retry if retry is None or retry is self._retry else self._policy_for(retry)
        return call_with_retries(
            transport.send,
            call,
            attempt_timeout,
            policy=policy,
            budget=self._budget,
            log=log,
            # The retry engine keeps it: between attempts, and around any attempt whose own
            # timeout would not end it in time (so most calls need no timer at all).
            deadline=self._deadline if deadline is None else check_deadline(deadline),
            attempt_limit=attempt_timeout.total,
        )

    # -- the operations ------------------------------------------------------------------

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
        deadline: float | None = None,
    ) -> list[LegacyAuthorization]:
        """List legacy authorizations matching every filter given, sorted by ID.

        The result is what the filters mean, whatever the server's quirks:

        - ``auth_id`` and ``username`` that match nothing give ``[]`` (the server's 404
          there only means "no match");
        - ``org`` and ``user`` (names) narrow the result here, since the server only checks
          that they exist; an unknown name raises :class:`NotFoundError` (usually a typo);
        - filters the server ignores next to ``auth_id``/``username`` are applied here too.
        """
        filters = {
            "auth_id": auth_id,
            "username": username,
            "org_id": org_id,
            "user_id": user_id,
            "org": org,
            "user": user,
        }
        call = self._calls.list(filters, trace_span)
        return await self._execute(call, timeout=timeout, retry=retry, deadline=deadline)

    async def get(
        self,
        auth_id: str,
        *,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> LegacyAuthorization:
        """Fetch one authorization; :class:`NotFoundError` if it does not exist."""
        return await self._execute(
            self._calls.get(auth_id, trace_span), timeout=timeout, retry=retry, deadline=deadline
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
        deadline: float | None = None,
    ) -> LegacyAuthorization:
        """Create a legacy authorization and, if ``password`` is given, set its password.

        The password is checked locally first (:class:`PasswordPolicyError`, nothing sent).
        If setting it fails, the new authorization is deleted again and the password error
        is raised, so no credential is left half made. Without a password the credential
        exists but cannot log in until :meth:`set_password` is called.

        ``org_id`` defaults to the client's ``org_id``, then to the ID of its ``org`` name.
        A taken username raises :class:`ConflictError` (the server answers 422).
        """
        check_text("username", username)
        if password is not None:
            self._calls.check_password(password)
        perms = tuple(permissions)
        if not perms:
            msg = "a legacy authorization needs at least one permission"
            raise ArgumentError(msg)
        body = AuthorizationCreate(
            username=username,
            status=AuthStatus(status),
            org_id=org_id or await self._default_org_id(trace_span, timeout, deadline),
            user_id=user_id,
            description=description,
            permissions=perms,
        )
        call = self._calls.create(body, trace_span)
        if password is None:
            with _saying_if_made_unanswered(username):
                return await self._execute(call, timeout=timeout, retry=retry, deadline=deadline)
        creating = asyncio.ensure_future(
            self._execute(call, timeout=timeout, retry=retry, deadline=deadline)
        )
        try:
            with _saying_if_made_unanswered(username):
                created = await asyncio.shield(creating)
        except asyncio.CancelledError as exc:
            # The POST may already have made it: a credential whose password nobody got.
            undo = functools.partial(self._rollback, trace_span=trace_span)
            await roll_back(
                once_made(creating, undo, otherwise=()),
                exc,
                doing="deleting what the create made",
                label="a cancelled create",
            )
            # Not done if the rollback was left to the background, which says so instead.
            failure = creating.exception() if creating.done() and not creating.cancelled() else None
            if failure is not None:
                _note_what_may_exist(exc, failure, username)
            raise
        await self._set_initial_password(
            created, password, trace_span, timeout=timeout, retry=retry, deadline=deadline
        )
        return created

    async def _default_org_id(
        self,
        trace_span: TraceSpanLike | None,
        timeout: TimeoutLike | None,
        deadline: float | None,
    ) -> str:
        if self.org_id:
            return self.org_id
        if not self.org:
            msg = "create() needs org_id=, or a client made with org_id= or org="
            raise ValueError(msg)
        self.org_id = await self.find_org_id(
            self.org, trace_span=trace_span, timeout=timeout, deadline=deadline
        )
        return self.org_id

    async def _set_initial_password(
        self,
        created: LegacyAuthorization,
        password: str,
        trace_span: TraceSpanLike | None,
        *,
        timeout: TimeoutLike | None,
        retry: RetryPolicy | None,
        deadline: float | None,
    ) -> None:
        try:
            await self.set_password(
                created.id,
                password,
                trace_span=trace_span,
                timeout=timeout,
                retry=retry,
                deadline=deadline,
            )
        except BaseException as exc:
            # Shielded: a cancelled create must still not leave a credential without password.
            await roll_back(
                self._rollback(created, trace_span=trace_span),
                exc,
                doing=f"deleting {created.id}",
                label=created.id,
            )
            raise

    async def _rollback(
        self, created: LegacyAuthorization, *, trace_span: TraceSpanLike | None
    ) -> tuple[str]:
        """Delete a credential made without its password; the note that says how it went."""
        try:
            await self.delete(created.id, trace_span=trace_span)
        except LegacyAuthError as error:
            return (
                f"rollback failed: legacy authorization {created.id} ({created.username!r}) "
                f"exists without a password and could not be deleted: {error}",
            )
        return (f"rolled back: legacy authorization {created.id} was deleted again",)

    async def update(
        self,
        auth_id: str,
        *,
        status: AuthStatus | str | None = None,
        description: str | None = None,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> LegacyAuthorization:
        """Change the status and/or description; the server changes nothing else."""
        call = self._calls.update(auth_id, update_body(status, description), trace_span)
        return await self._execute(call, timeout=timeout, retry=retry, deadline=deadline)

    async def delete(
        self,
        auth_id: str,
        *,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> None:
        """Delete an authorization; :class:`NotFoundError` if it does not exist.

        If an earlier attempt may have deleted it without the answer arriving, the 404 of a
        retry means the delete is done, and no error is raised.
        """
        call = self._calls.delete(auth_id, trace_span)
        await self._execute(call, timeout=timeout, retry=retry, deadline=deadline)

    async def set_password(
        self,
        auth_id: str,
        password: str,
        *,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> None:
        """Set the v1 password. Checked locally first; retries resend the same password.

        Works on inactive authorizations too. The password never appears in a log line,
        a repr or an exception message.
        """
        call = self._calls.set_password(auth_id, password, trace_span)
        await self._execute(call, timeout=timeout, retry=retry, deadline=deadline)

    async def check_login(
        self,
        username: str,
        password: str,
        *,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> bool:
        """Whether ``username``/``password`` log in through the v1 ``/query`` endpoint.

        This is the check Grafana and Telegraf effectively make. False for the server's
        401 (wrong or missing password, inactive credential); other failures raise.
        """
        call = self._calls.login(username, password, trace_span)
        return await self._execute(call, timeout=timeout, retry=retry, deadline=deadline)

    def check_password(self, password: str) -> None:
        """Raise :class:`PasswordPolicyError` if this client would refuse ``password``."""
        self._calls.check_password(password)

    # -- org and bucket lookups (/api/v2) ----------------------------------------------

    async def find_org_id(
        self,
        name: str,
        *,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> str:
        """The ID of the organization called ``name`` (``GET /api/v2/orgs?org=``).

        Raises :class:`NotFoundError` if there is none, or if the token may not read it
        (the server leaves out what the caller cannot read).
        """
        return await self._execute(
            self._calls.find_org(name, trace_span),
            timeout=timeout,
            retry=retry,
            deadline=deadline,
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
        deadline: float | None = None,
    ) -> str:
        """The ID of the bucket called ``name`` in the org ``org_id`` (``GET /api/v2/buckets``).

        With ``accept_id=True``, ``name`` may also be a bucket ID, as ``influx v1 auth create
        --read-bucket`` expects: a value of 16 hex digits that is the ID of a bucket in that
        org is returned (in lower case, as the server writes IDs). Any other value, an
        ID-like name included, is looked up by name. Raises :class:`NotFoundError` if no
        bucket matches.
        """
        by_name = self._calls.find_bucket(name, org_id, trace_span)
        if accept_id and is_hex_id(name):
            candidate = name.lower()
            call = self._calls.bucket_org(candidate, trace_span)
            try:
                owner = await self._execute(call, timeout=timeout, retry=retry, deadline=deadline)
            except NotFoundError:
                owner = None
            if owner == org_id.lower():
                return candidate
        return await self._execute(by_name, timeout=timeout, retry=retry, deadline=deadline)

    # -- bulk operations ----------------------------------------------------------------

    def _bulk_options(  # noqa: PLR0917 - the options all three bulk methods pass, in one order
        self,
        concurrency: int,
        fail_fast: bool,
        dry_run: bool,
        on_result: ResultCallback | None,
        on_progress: ProgressCallback | None,
        trace_span: TraceSpanLike | None,
        timeout: TimeoutLike | None,
        retry: RetryPolicy | None,
        deadline: float | None,
    ) -> BulkOptions:
        # Converted and checked once, so a bad value fails the call rather than each item.
        return BulkOptions(
            concurrency=concurrency,
            fail_fast=fail_fast,
            dry_run=dry_run,
            on_result=on_result,
            on_progress=on_progress,
            trace_span=trace_span,
            timeout=self._timeout_for(timeout),
            retry=self._policy_for(retry),
            # Checked now; "no deadline" stays math.inf, since None means the client's.
            deadline=None if deadline is None else (check_deadline(deadline) or math.inf),
        )

    async def bulk_update(
        self,
        ids: _Ids,
        *,
        status: AuthStatus | str | None = None,
        description: str | None = None,
        concurrency: int = 16,
        fail_fast: bool = False,
        dry_run: bool = False,
        on_result: ResultCallback | None = None,
        on_progress: ProgressCallback | None = None,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> BulkReport:
        """Update many authorizations, at most ``concurrency`` at a time.

        Takes IDs or :class:`LegacyAuthorization` objects from any iterable or async
        iterable and returns one :class:`ItemResult` per item, in input order; it raises
        only for a bug or a failing callback (see :meth:`BulkReport.raise_for_failures`).
        ``on_result(result)`` sees each outcome as it happens (it may be async);
        ``on_progress(done, total)`` drives a progress bar (``total`` is None for iterators).
        ``fail_fast`` stops scheduling after the first item that fails for good; a 401 or
        403 always stops the batch, and the items never started are ``skipped``.
        ``dry_run`` only reads each authorization and reports what would change.
        Each item's request carries a child span of the call's trace; ``timeout``,
        ``deadline`` and ``retry`` apply to each item's call.
        """
        body = update_body(status, description)
        options = self._bulk_options(
            concurrency,
            fail_fast,
            dry_run,
            on_result,
            on_progress,
            trace_span,
            timeout,
            retry,
            deadline,
        )
        return await operations.update_many(self.executor, ids, body, options)

    async def bulk_delete(
        self,
        ids: _Ids,
        *,
        concurrency: int = 16,
        missing_ok: bool = False,
        fail_fast: bool = False,
        dry_run: bool = False,
        on_result: ResultCallback | None = None,
        on_progress: ProgressCallback | None = None,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> BulkReport:
        """Delete many authorizations; see :meth:`bulk_update` for the shared options.

        A delete whose answer was lost and whose retry finds nothing is ``already_done``;
        with ``missing_ok=True`` an authorization that does not exist counts as done too.
        """
        options = self._bulk_options(
            concurrency,
            fail_fast,
            dry_run,
            on_result,
            on_progress,
            trace_span,
            timeout,
            retry,
            deadline,
        )
        return await operations.delete_many(self.executor, ids, options, missing_ok=missing_ok)

    async def bulk_set_password(
        self,
        passwords: _Pairs,
        *,
        concurrency: int = 4,
        fail_fast: bool = False,
        dry_run: bool = False,
        on_result: ResultCallback | None = None,
        on_progress: ProgressCallback | None = None,
        trace_span: TraceSpanLike | None = None,
        timeout: TimeoutLike | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> BulkReport:
        """Set many passwords from ``{auth_id: password}`` or ``(auth_id, password)`` pairs.

        The default concurrency is low because each call costs the server one bcrypt hash.
        Each password is checked locally first; a refused one is ``failed`` and not sent.
        Retries resend the same password. See :meth:`bulk_update` for the shared options.
        """
        options = self._bulk_options(
            concurrency,
            fail_fast,
            dry_run,
            on_result,
            on_progress,
            trace_span,
            timeout,
            retry,
            deadline,
        )
        pairs = passwords.items() if isinstance(passwords, Mapping) else passwords
        return await operations.set_passwords(self.executor, pairs, options)


def _note_what_may_exist(error: BaseException, failure: BaseException, username: str) -> None:
    """If the create that ended with ``failure`` may still have been applied (its request may
    have reached the server, and no answer says what became of it), say on ``error`` what
    may exist. The username is all that is known of it (usernames are unique: a taken one
    is refused), so it is what the note names."""
    if isinstance(failure, TransportError):
        maybe_made = failure.maybe_sent
    else:
        maybe_made = isinstance(failure, APIError) and failure.status in AMBIGUOUS_STATUSES
    if maybe_made:
        error.add_note(
            "the create may have been applied without its answer arriving "
            f"({type(failure).__name__}): legacy authorization {username!r} may exist, "
            f"without a password; list(username={username!r}) shows whether it does: "
            "delete it or set its password"
        )


@contextlib.contextmanager
def _saying_if_made_unanswered(username: str) -> Iterator[None]:
    """A create that fails after its request may have been applied says what may exist."""
    try:
        yield
    except (TransportError, APIError) as error:
        _note_what_may_exist(error, error, username)
        raise


class _ClientExecutor:
    """A client as the :class:`Executor` protocol shows it to the layers built on it."""

    __slots__ = ("_client", "execute")

    def __init__(self, client: LegacyAuthClient) -> None:
        self._client = client
        #: ``execute(call, *, timeout=, retry=, deadline=, log=)``: the client's funnel
        #: itself, not a method that calls it (one call fewer for every request of a job).
        self.execute: ExecuteFunction = client._execute

    @property
    def calls(self) -> Calls:
        """The client's call builders."""
        return self._client._calls

    def check_open(self) -> None:
        """Raise :class:`ClientStateError` unless the client is open."""
        self._client._live_transport()
