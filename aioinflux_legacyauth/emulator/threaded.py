"""An :class:`~aioinflux_legacyauth.emulator.Emulator` serving from a thread of its own.

Its surface is the emulator's, forwarded rather than re-declared: each attribute below is
one line naming the :class:`Emulator` member it runs on the emulator's event loop, so a
new seeding method needs one line here and its signature, types and docstring follow.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future
from types import TracebackType
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

from .chaos.faults import FaultPlan
from .chaos.requestlog import RequestLog
from .server import Emulator

__all__ = ["ThreadedEmulator"]

_P = ParamSpec("_P")
_T = TypeVar("_T")
_R = TypeVar("_R")
_STARTUP_TIMEOUT = 30.0


class _Forward(Generic[_P, _R, _T]):
    """An :class:`Emulator` method seen through a :class:`ThreadedEmulator`."""

    def __init__(self, method: Callable[Concatenate[Emulator, _P], _R]) -> None:
        self._method = method
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, instance: None, owner: type[ThreadedEmulator]) -> Self: ...

    @overload
    def __get__(
        self, instance: ThreadedEmulator, owner: type[ThreadedEmulator]
    ) -> Callable[_P, _T]: ...

    def __get__(
        self, instance: ThreadedEmulator | None, owner: type[ThreadedEmulator]
    ) -> Self | Callable[_P, _T]:
        if instance is None:
            return self
        method = self._method

        def bound(*args: _P.args, **kwargs: _P.kwargs) -> _T:
            return self._invoke(instance, lambda emulator: method(emulator, *args, **kwargs))

        return functools.update_wrapper(bound, method)

    def _invoke(self, threaded: ThreadedEmulator, call: Callable[[Emulator], _R]) -> _T:
        raise NotImplementedError


class _OnLoop(_Forward[_P, _T, _T]):
    """A method called on the emulator's loop; the caller waits for its result."""

    def _invoke(self, threaded: ThreadedEmulator, call: Callable[[Emulator], _T]) -> _T:
        return threaded.call(call)


class _Awaited(_Forward[_P, Awaitable[_T], _T]):
    """An async method awaited on the emulator's loop; the caller waits for its result."""

    def _invoke(self, threaded: ThreadedEmulator, call: Callable[[Emulator], Awaitable[_T]]) -> _T:
        return threaded.run(call)


class _Read(Generic[_T]):
    """An :class:`Emulator` property; read on the loop when it looks at the store."""

    def __init__(self, read: Callable[[Emulator], _T], *, on_loop: bool = True) -> None:
        self._read = read
        self._on_loop = on_loop

    @overload
    def __get__(self, instance: None, owner: type[ThreadedEmulator]) -> Self: ...

    @overload
    def __get__(self, instance: ThreadedEmulator, owner: type[ThreadedEmulator]) -> _T: ...

    def __get__(
        self, instance: ThreadedEmulator | None, owner: type[ThreadedEmulator]
    ) -> Self | _T:
        if instance is None:
            return self
        if self._on_loop:
            return instance.call(self._read)
        # Fixed once the emulator started (or thread-safe itself): no need to hop threads.
        return self._read(instance.emulator)


class ThreadedEmulator:
    """An :class:`Emulator` serving from a thread with its own event loop.

    For synchronous tests and for tests whose event loop is not the emulator's (the pytest
    fixture uses it). A plain context manager; seeding methods block until done::

        with ThreadedEmulator(hash_cost=4) as emu:
            auth = emu.create_legacy_authorization("grafana", password="s3cret-pass")

    Accepts the same keyword arguments as :class:`Emulator`, and offers the same
    attributes and seeding methods, each run on the emulator's loop.
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

    # The Emulator's surface, forwarded. Names the store can change go through the loop.
    url: _Read[str] = _Read(lambda emulator: emulator.url, on_loop=False)
    token: _Read[str] = _Read(lambda emulator: emulator.token, on_loop=False)
    org_id: _Read[str] = _Read(lambda emulator: emulator.org_id, on_loop=False)
    user_id: _Read[str] = _Read(lambda emulator: emulator.user_id, on_loop=False)
    buckets: _Read[Mapping[str, str]] = _Read(lambda emulator: emulator.buckets, on_loop=False)
    version: _Read[str] = _Read(lambda emulator: emulator.version, on_loop=False)
    commit: _Read[str] = _Read(lambda emulator: emulator.commit, on_loop=False)
    faults: _Read[FaultPlan] = _Read(lambda emulator: emulator.faults, on_loop=False)
    requests: _Read[RequestLog] = _Read(lambda emulator: emulator.requests, on_loop=False)
    org: _Read[str] = _Read(lambda emulator: emulator.org)
    user: _Read[str] = _Read(lambda emulator: emulator.user)

    create_org = _OnLoop(Emulator.create_org)
    create_user = _OnLoop(Emulator.create_user)
    create_bucket = _OnLoop(Emulator.create_bucket)
    delete_bucket = _OnLoop(Emulator.delete_bucket)
    create_dbrp = _OnLoop(Emulator.create_dbrp)
    dbrp_mappings = _OnLoop(Emulator.dbrp_mappings)
    mint_token = _OnLoop(Emulator.mint_token)
    bucket_permissions = _OnLoop(Emulator.bucket_permissions)
    legacy_authorization = _OnLoop(Emulator.legacy_authorization)
    legacy_authorizations = _OnLoop(Emulator.legacy_authorizations)
    create_legacy_authorization = _Awaited(Emulator.create_legacy_authorization)
    set_password = _Awaited(Emulator.set_password)
    import_legacy_user = _Awaited(Emulator.import_legacy_user)
    password_matches = _Awaited(Emulator.password_matches)
