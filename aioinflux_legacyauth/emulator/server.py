"""Run the emulator: in the current event loop (:class:`Emulator`) or in a thread of its own
(:class:`ThreadedEmulator`, what the pytest fixture uses, so any test can reach it)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import Future
from types import MappingProxyType, TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from .._models import AuthStatus, LegacyAuthorization, Permission
from .chaos.faults import FaultPlan
from .chaos.requestlog import RedactingAccessLogger, RequestLog
from .domain.hashing import BCRYPT_DEFAULT_COST, PasswordHasher
from .domain.passwords import PasswordRule, PasswordRules
from .domain.permissions import bucket_permissions, operator_permissions
from .domain.store import Store
from .http.app import build_app
from .http.state import DEFAULT_VERSION, EmulatorState
from .wire.render import render_authorization

__all__ = ["Emulator", "ThreadedEmulator"]

_T = TypeVar("_T")
_STARTUP_TIMEOUT = 30.0


class Emulator:
    """An InfluxDB OSS 2.x stand-in that serves the legacy authorization API over HTTP.

    It starts like ``influx setup`` left a server: one org, one active user, the given
    buckets, and an operator token with read and write on everything. Use it as an async
    context manager in the event loop of the code under test::

        async with Emulator(token="my-token") as emu:
            ...  # talk to emu.url with emu.token

    ``hash_cost`` sets the password-hash work (10 models bcrypt's ~70 ms, 4 is fast);
    ``password_rule`` (``"current"`` for 2.7.6+, ``"legacy"`` before) and
    ``strong_passwords`` choose the server's password rules; ``fault_plan`` makes
    legacy-route requests fail on purpose; ``access_log`` gets one line per request.
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
        password_rule: PasswordRule | str = PasswordRule.CURRENT,
        strong_passwords: bool = False,
        fault_plan: FaultPlan | None = None,
        version: str = DEFAULT_VERSION,
        ui: bool = True,
        access_log: logging.Logger | None = None,
    ) -> None:
        self._host = host
        self._port = port
        self._access_log = access_log
        self.store = Store()
        """The in-memory database; use it from the emulator's event loop only."""
        self._state = EmulatorState(
            store=self.store,
            hasher=PasswordHasher(hash_cost, hash_concurrency),
            passwords=PasswordRules(PasswordRule(password_rule), strong_passwords),
            faults=fault_plan or FaultPlan(),
            requests=RequestLog(),
            version=version,
            ui=ui,
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
        options: dict[str, Any] = {"handle_signals": False, "shutdown_timeout": 2.0}
        if self._access_log is None:
            options["access_log"] = None
        else:
            options["access_log"] = self._access_log
            options["access_log_class"] = RedactingAccessLogger
        runner = web.AppRunner(build_app(self._state), **options)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        port = runner.addresses[0][1]
        host = f"[{self._host}]" if ":" in self._host else self._host
        self._url = f"http://{host}:{port}"
        return self

    async def close(self) -> None:
        """Stop serving; safe to call twice."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

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
        """The release it claims to be (``X-Influxdb-Version``, ``/health``)."""
        return self._state.version

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


class ThreadedEmulator:
    """An :class:`Emulator` serving from a thread with its own event loop.

    For synchronous tests and for tests whose event loop is not the emulator's (the pytest
    fixture uses it). A plain context manager; seeding methods block until done::

        with ThreadedEmulator(hash_cost=4) as emu:
            auth = emu.create_legacy_authorization("grafana", password="s3cret-pass")

    Accepts the same keyword arguments as :class:`Emulator`.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._emulator: Emulator | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"Threaded{self._emulator!r}" if self._emulator else "ThreadedEmulator(not started)"

    def start(self) -> Self:
        """Start the thread and wait until the emulator is serving."""
        if self._thread is not None:
            msg = "this emulator is already running"
            raise RuntimeError(msg)
        started: Future[None] = Future()
        self._thread = threading.Thread(
            target=self._serve, args=(started,), name="legacyauth-emulator", daemon=True
        )
        self._thread.start()
        try:
            started.result(timeout=_STARTUP_TIMEOUT)
        except BaseException:
            self._thread.join(timeout=_STARTUP_TIMEOUT)
            self._thread = None
            raise
        return self

    def close(self) -> None:
        """Stop serving and join the thread; safe to call twice."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _serve(self, started: Future[None]) -> None:
        async def main() -> None:
            try:
                self._loop = asyncio.get_running_loop()
                self._stop = asyncio.Event()
                self._emulator = Emulator(**self._options)
                await self._emulator.start()
            except BaseException as exc:
                started.set_exception(exc)
                return
            started.set_result(None)
            try:
                await self._stop.wait()
            finally:
                await self._emulator.close()

        asyncio.run(main())

    @property
    def emulator(self) -> Emulator:
        """The running emulator; touch its store only through :meth:`call` or :meth:`run`."""
        if self._emulator is None or self._thread is None:
            msg = "the emulator is not running; use `with ThreadedEmulator(...)`"
            raise RuntimeError(msg)
        return self._emulator

    def run(self, make: Callable[[Emulator], Awaitable[_T]]) -> _T:
        """Run ``make(emulator)`` on the emulator's loop and wait for its result."""
        emulator, loop = self.emulator, self._loop
        if loop is None:  # pragma: no cover - the loop is set before the emulator exists
            msg = "the emulator's event loop is not running"
            raise RuntimeError(msg)

        async def invoke() -> _T:
            return await make(emulator)

        return asyncio.run_coroutine_threadsafe(invoke(), loop).result()

    def call(self, function: Callable[[Emulator], _T]) -> _T:
        """Run ``function(emulator)`` on the emulator's loop and return its result."""

        async def invoke(emulator: Emulator) -> _T:
            return function(emulator)

        return self.run(invoke)

    # The same surface as Emulator, made thread-safe by running on the emulator's loop.

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``."""
        return self.emulator.url

    @property
    def token(self) -> str:
        """The operator token."""
        return self.emulator.token

    @property
    def org(self) -> str:
        """The name of the initial org."""
        return self.call(lambda emulator: emulator.org)

    @property
    def org_id(self) -> str:
        """The ID of the initial org."""
        return self.emulator.org_id

    @property
    def user(self) -> str:
        """The name of the initial user."""
        return self.call(lambda emulator: emulator.user)

    @property
    def user_id(self) -> str:
        """The ID of the initial user."""
        return self.emulator.user_id

    @property
    def buckets(self) -> Mapping[str, str]:
        """The initial buckets: name to ID."""
        return self.emulator.buckets

    @property
    def version(self) -> str:
        """The release it claims to be."""
        return self.emulator.version

    @property
    def faults(self) -> FaultPlan:
        """The fault plan (thread-safe)."""
        return self.emulator.faults

    @property
    def requests(self) -> RequestLog:
        """The request log (thread-safe)."""
        return self.emulator.requests

    def create_org(self, name: str, description: str = "") -> str:
        """See :meth:`Emulator.create_org`."""
        return self.call(lambda emulator: emulator.create_org(name, description))

    def create_user(self, name: str, *, active: bool = True) -> str:
        """See :meth:`Emulator.create_user`."""
        return self.call(lambda emulator: emulator.create_user(name, active=active))

    def create_bucket(self, name: str, *, org_id: str | None = None) -> str:
        """See :meth:`Emulator.create_bucket`."""
        return self.call(lambda emulator: emulator.create_bucket(name, org_id=org_id))

    def mint_token(
        self,
        permissions: Iterable[Permission],
        *,
        org_id: str | None = None,
        user_id: str | None = None,
        description: str = "",
        active: bool = True,
    ) -> str:
        """See :meth:`Emulator.mint_token`."""
        granted = tuple(permissions)
        return self.call(
            lambda emulator: emulator.mint_token(
                granted, org_id=org_id, user_id=user_id, description=description, active=active
            )
        )

    def bucket_permissions(self, *, read: bool = True, write: bool = True) -> list[Permission]:
        """See :meth:`Emulator.bucket_permissions`."""
        return self.call(lambda emulator: emulator.bucket_permissions(read=read, write=write))

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
        """See :meth:`Emulator.create_legacy_authorization`."""
        granted = None if permissions is None else tuple(permissions)
        return self.run(
            lambda emulator: emulator.create_legacy_authorization(
                username,
                granted,
                password=password,
                org_id=org_id,
                user_id=user_id,
                active=active,
                description=description,
            )
        )

    def set_password(self, auth_id: str, password: str, *, check_rules: bool = True) -> None:
        """See :meth:`Emulator.set_password`."""
        self.run(lambda emulator: emulator.set_password(auth_id, password, check_rules=check_rules))

    def legacy_authorization(self, auth_id: str) -> LegacyAuthorization | None:
        """See :meth:`Emulator.legacy_authorization`."""
        return self.call(lambda emulator: emulator.legacy_authorization(auth_id))

    def legacy_authorizations(self) -> list[LegacyAuthorization]:
        """See :meth:`Emulator.legacy_authorizations`."""
        return self.call(lambda emulator: emulator.legacy_authorizations())

    def password_matches(self, auth_id: str, password: str) -> bool:
        """See :meth:`Emulator.password_matches`."""
        return self.run(lambda emulator: emulator.password_matches(auth_id, password))
