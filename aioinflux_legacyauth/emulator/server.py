"""Run the emulator in the current event loop (:class:`Emulator`), and seed it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from types import MappingProxyType, TracebackType
from typing import Any, Self

from aiohttp import web

from .._models import AuthStatus, LegacyAuthorization, Permission
from .chaos.faults import FaultPlan
from .chaos.requestlog import RedactingAccessLogger, RequestLog
from .domain.dbrp import DBRPFilter, DBRPService
from .domain.dbrp_table import DBRPMapping
from .domain.hashing import BCRYPT_DEFAULT_COST, PasswordHasher
from .domain.passwords import PasswordRule, PasswordRules
from .domain.permissions import bucket_permissions, operator_permissions
from .domain.profiles import DEFAULT_VERSION, server_profile
from .domain.store import Store
from .http.app import build_app
from .http.guard import ConnectionGuard
from .http.limits import DEFAULT_LIMITS, Limits
from .http.state import EmulatorState
from .wire.render import render_authorization

__all__ = ["Emulator"]


class Emulator:
    """An InfluxDB OSS 2.x stand-in that serves the legacy authorization API over HTTP.

    It starts like ``influx setup`` left a server: one org, one active user, the given
    buckets, and an operator token with read and write on everything. Use it as an async
    context manager in the event loop of the code under test::

        async with Emulator(token="my-token") as emu:
            ...  # talk to emu.url with emu.token

    ``version`` picks the release to play (``"v2.7.5"``, ``"v2.7.12"``, ``"v2.9.1"``): its
    ``X-Influxdb-Version``, its password rule, whether v2 tokens are hashed, its CSV tag
    escaping (see :class:`ServerProfile`). ``password_rule`` (``"current"`` for 2.7.6+,
    ``"legacy"`` before), ``strong_passwords`` and ``hashed_tokens`` override the
    release's defaults. ``hash_cost`` sets the password-hash work (10 models bcrypt's
    ~70 ms, 4 is fast); ``fault_plan`` makes legacy-route requests fail on purpose;
    ``limits`` bounds timeouts and kept bytes; ``access_log`` gets one line per request.

    The emulator stores no time-series data: ``/write`` validates line protocol and drops
    the points, and every ``/query`` that would read data answers a valid empty result.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        org: str = "my-org",
        user: str = "admin",
        buckets: Iterable[str] = ("my-bucket",),
        host: str = "127.0.0.1",
        port: int = 0,
        hash_cost: int = BCRYPT_DEFAULT_COST,
        hash_concurrency: int | None = None,
        password_rule: PasswordRule | str | None = None,
        strong_passwords: bool = False,
        fault_plan: FaultPlan | None = None,
        version: str = DEFAULT_VERSION,
        hashed_tokens: bool | None = None,
        ui: bool = True,
        metrics: bool = True,
        limits: Limits | None = None,
        access_log: logging.Logger | None = None,
    ) -> None:
        self._host = host
        self._port = port
        self._access_log = access_log
        self.store = Store()
        """The in-memory database; use it from the emulator's event loop only."""
        profile = server_profile(version)
        if hashed_tokens and not profile.supports_hashed_tokens:
            msg = f"--use-hashed-tokens exists only from InfluxDB 2.8.0, not in {version}"
            raise ValueError(msg)
        limits = limits or DEFAULT_LIMITS
        rule = profile.password_rule if password_rule is None else PasswordRule(password_rule)
        if hashed_tokens is None:
            hashed_tokens = profile.hashed_tokens_by_default
        self._state = EmulatorState(
            store=self.store,
            hasher=PasswordHasher(hash_cost, hash_concurrency),
            passwords=PasswordRules(rule, strong_passwords),
            faults=fault_plan or FaultPlan(),
            requests=RequestLog(limits.max_logged_requests),
            profile=profile,
            hashed_tokens=hashed_tokens,
            ui=ui,
            metrics=metrics,
            limits=limits,
        )
        org_record = self.store.create_org(org)
        user_record = self.store.create_user(user)
        self._org_id = org_record.id
        self._user_id = user_record.id
        self._buckets = {name: self.store.create_bucket(org_record.id, name).id for name in buckets}
        self._operator = self.store.create_token(
            org_id=org_record.id,
            user_id=user_record.id,
            permissions=operator_permissions(),
            description=f"{user}'s Token",
            token=token,
        )
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        self._url: str | None = None

    def __repr__(self) -> str:
        where = self._url or "not started"
        return f"Emulator({where}, org={self.org!r}, user={self.user!r})"

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> Self:
        """Start serving on the configured host and port (0: a free port)."""
        if self._runner is not None:
            msg = "this emulator is already running"
            raise RuntimeError(msg)
        limits = self._state.limits
        # auto_decompress off: the server reads gzip bodies itself, as influxd does on /write
        # (and nowhere else: an /api/v2 body is JSON or an error).
        options: dict[str, Any] = {
            "handle_signals": False,
            "shutdown_timeout": 2.0,
            "auto_decompress": False,
        }
        if limits.idle_timeout is not None:
            options["keepalive_timeout"] = limits.idle_timeout
        if self._access_log is None:
            options["access_log"] = None
        else:
            options["access_log"] = self._access_log
            options["access_log_class"] = RedactingAccessLogger
        runner = web.AppRunner(build_app(self._state), **options)
        await runner.setup()
        # Listen through the guard rather than a TCPSite, so a connection that never sends
        # a request head is closed on every aiohttp release (see http/guard.py).
        try:
            if runner.server is None:  # pragma: no cover - setup() always makes one
                msg = "the aiohttp runner has no server after setup"
                raise RuntimeError(msg)
            guard = ConnectionGuard(runner.server, limits.read_header_timeout)
            listener = await asyncio.get_running_loop().create_server(guard, self._host, self._port)
        except BaseException:
            await runner.cleanup()
            raise
        self._state.guard = guard
        self._runner, self._listener = runner, listener
        port = listener.sockets[0].getsockname()[1]
        host = f"[{self._host}]" if ":" in self._host else self._host
        self._url = f"http://{host}:{port}"
        return self

    async def close(self) -> None:
        """Stop serving; safe to call twice."""
        runner, self._runner = self._runner, None
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._state.guard is not None:
            self._state.guard.close()
        if runner is not None:
            # Closes the idle connections, then waits for the busy ones (aiohttp 3.9+).
            await runner.cleanup()
        if listener is not None:
            await listener.wait_closed()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # --- what a test needs to know --------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``."""
        if self._url is None:
            msg = "the emulator is not running; use `async with Emulator(...)`"
            raise RuntimeError(msg)
        return self._url

    @property
    def token(self) -> str:
        """The operator token: read and write on every resource, as ``influx setup`` makes."""
        return self._operator.token

    @property
    def org(self) -> str:
        """The name of the initial org."""
        org = self.store.org(self._org_id)
        return org.name if org is not None else ""

    @property
    def org_id(self) -> str:
        """The ID of the initial org."""
        return self._org_id

    @property
    def user(self) -> str:
        """The name of the initial user (the operator token's owner)."""
        user = self.store.user(self._user_id)
        return user.name if user is not None else ""

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
        """The release it plays (``X-Influxdb-Version``, ``/health``)."""
        return self._state.profile.version

    @property
    def commit(self) -> str:
        """The build's commit, as ``/health`` reports it."""
        return self._state.commit

    @property
    def faults(self) -> FaultPlan:
        """The fault plan: program faults with :meth:`FaultPlan.add`."""
        return self._state.faults

    @property
    def requests(self) -> RequestLog:
        """Every request received, secrets redacted."""
        return self._state.requests

    @property
    def hasher(self) -> PasswordHasher:
        """The password hasher (its ``cost`` is the configured hash cost)."""
        return self._state.hasher

    # --- seeding --------------------------------------------------------------------------

    def create_org(self, name: str, description: str = "") -> str:
        """Create an org (with its system buckets); returns its ID."""
        return self.store.create_org(name, description).id

    def create_user(self, name: str, *, active: bool = True) -> str:
        """Create a user; returns its ID."""
        status = AuthStatus.ACTIVE if active else AuthStatus.INACTIVE
        return self.store.create_user(name, status).id

    def create_bucket(self, name: str, *, org_id: str | None = None) -> str:
        """Create a bucket in ``org_id`` (default: the initial org); returns its ID."""
        return self.store.create_bucket(org_id or self._org_id, name).id

    def delete_bucket(self, bucket_id: str) -> None:
        """Delete a bucket, and its stored DBRP mappings with it."""
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
        """Create a physical DBRP mapping, as ``POST /api/v2/dbrps`` with the operator token
        would (the first of a database becomes its default)."""
        mapping = DBRPMapping(
            id="",
            database=database,
            retention_policy=retention_policy,
            default=default,
            virtual=False,
            org_id=org_id or self._org_id,
            bucket_id=bucket_id,
        )
        return DBRPService(self.store).create(self._operator, mapping)

    def dbrp_mappings(self, *, org_id: str | None = None) -> list[DBRPMapping]:
        """Every mapping of an org (default: the initial one), physical then virtual, as the
        operator token lists them."""
        flt = DBRPFilter(org_id=org_id or self._org_id)
        return DBRPService(self.store).find_many(self._operator, flt)

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
        record = self.store.create_token(
            org_id=org_id or self._org_id,
            user_id=user_id or self._user_id,
            permissions=permissions,
            description=description,
            status=AuthStatus.ACTIVE if active else AuthStatus.INACTIVE,
        )
        return record.token

    def bucket_permissions(self, *, read: bool = True, write: bool = True) -> list[Permission]:
        """Read and/or write on every initial bucket, as ``influx v1 auth create`` grants."""
        return bucket_permissions(self._org_id, self._buckets.values(), read=read, write=write)

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
        """Seed a legacy authorization, as the API would create it but without a caller.

        ``permissions`` defaults to read and write on the initial buckets; ``password``,
        if given, is set (and must satisfy the server's rules).
        """
        record = self.store.create_legacy(
            org_id=org_id or self._org_id,
            user_id=user_id or self._user_id,
            username=username,
            permissions=tuple(self.bucket_permissions() if permissions is None else permissions),
            status=AuthStatus.ACTIVE if active else AuthStatus.INACTIVE,
            description=description,
        )
        if password is not None:
            await self.set_password(record.id, password)
        return render_authorization(self.store, record)

    async def set_password(self, auth_id: str, password: str, *, check_rules: bool = True) -> None:
        """Set a legacy authorization's password; ``check_rules=False`` skips the rules,
        to seed a password an older server accepted."""
        self.store.require_legacy(auth_id)
        if check_rules:
            self._state.passwords.check(password)
        password_hash = await self._state.hasher.hash(password)
        self.store.set_password_hash(auth_id, password_hash)

    async def import_legacy_user(
        self,
        username: str,
        password: str,
        permissions: Iterable[Permission] | None = None,
        *,
        org_id: str | None = None,
        user_id: str | None = None,
    ) -> LegacyAuthorization:
        """Seed a 1.x user as ``influxd upgrade`` imports it: a legacy authorization whose
        password hash is stored without any rule checked (``SetPasswordHash``).

        A 1.x password under 8 or over 72 bytes is stored all the same; from 2.7.6 its
        logins are then refused (401 ``Unauthorized`` on ``/query`` and ``/write``) until
        a new password is set, which is the upgrade scenario to test.
        """
        authorization = await self.create_legacy_authorization(
            username, permissions, org_id=org_id, user_id=user_id
        )
        await self.set_password(authorization.id, password, check_rules=False)
        return authorization

    def legacy_authorization(self, auth_id: str) -> LegacyAuthorization | None:
        """The current state of a legacy authorization, or ``None`` if it does not exist."""
        record = self.store.legacy(auth_id)
        return None if record is None else render_authorization(self.store, record)

    def legacy_authorizations(self) -> list[LegacyAuthorization]:
        """Every legacy authorization, in ID order."""
        return [render_authorization(self.store, record) for record in self.store.legacy_list()]

    async def password_matches(self, auth_id: str, password: str) -> bool:
        """Whether ``password`` is the one stored for the authorization."""
        password_hash = self.store.password_hash(auth_id)
        if password_hash is None:
            return False
        return await self._state.hasher.verify(password, password_hash)
