"""The four contenders, each doing the same work against the canned server.

- :class:`Library`: this package's ``bulk_update`` / ``bulk_delete`` / ``list()``, defaults
  untouched (typed models, retries, a fan-out trace span per item, the default timeouts).
- :class:`RawAiohttp`, the floor: one ``aiohttp.ClientSession``, ``asyncio.gather`` over
  the items with an ``asyncio.Semaphore``, ``json=`` bodies, ``raise_for_status()`` and
  ``.json()`` dicts: the least code that does the job correctly.
- :class:`TunedRawAiohttp`: the floor without what a library need not pay for: no
  per-request timers (and so no timeouts at all), the PATCH body encoded once, URLs built
  from a parsed base instead of parsed from strings, headers built once.
- :class:`Official`: ``influxdb-client``'s ``LegacyAuthorizationsService`` ``*_async``
  methods on ``InfluxDBClientAsync``, under the same semaphore, with its connection pool
  raised to the concurrency so that it is not throttled by its default of 5 per core.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import importlib.util
import json
import resource
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, Final, Protocol

import aiohttp
import attrs
from yarl import URL

from aioinflux_legacyauth import LegacyAuthClient

from .canned import PREFIX
from .server import TOKEN

_PATCH_BODY: Final = {"status": "inactive"}
_PATCH_BYTES: Final = json.dumps(_PATCH_BODY, separators=(",", ":")).encode()


@attrs.frozen
class Sample:
    """One timed run: wall seconds and client CPU seconds (user + system)."""

    wall: float
    cpu: float


async def timed(run: Callable[[], Awaitable[object]]) -> Sample:
    """Time ``run()`` after a full collection, so earlier garbage is not billed to it.

    The time ends with a collection of the young generations, so that what the run left
    for the collector is billed to it (a client that pauses the collector only defers it).
    """
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    await run()
    gc.collect(1)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(wall, cpu)


class Contender(Protocol):
    """What each client under test does."""

    name: ClassVar[str]

    async def open(self, url: str) -> None:
        """Create the client or session."""
        ...

    async def close(self) -> None:
        """Close it."""
        ...

    async def patch(self, ids: Sequence[str], concurrency: int) -> None:
        """Deactivate every ID, at most ``concurrency`` at a time; raise unless all worked."""
        ...

    async def delete(self, ids: Sequence[str], concurrency: int) -> None:
        """Delete every ID, at most ``concurrency`` at a time; raise unless all worked."""
        ...

    async def list_all(self, username: str | None = None, *, hold: bool = False) -> int:
        """List (all, or those of one username) into the client's own form; return the count.

        With ``hold``, the result is kept until the next such call (or :meth:`release`):
        the previous one is still alive while the next is made, as in a service that
        refreshes a cache.
        """
        ...

    def release(self) -> None:
        """Drop the result a ``hold=True`` listing kept."""
        ...


class _Holder:
    """Keeps the last held listing alive, as a refreshed cache would."""

    held: object = None

    def keep(self, result: object, hold: bool) -> None:
        if hold:
            self.held = result

    def release(self) -> None:
        self.held = None


class Library(_Holder):
    """This package, as a user would call it."""

    name: ClassVar[str] = "aioinflux-legacyauth"

    def __init__(self) -> None:
        self._client: LegacyAuthClient | None = None

    @property
    def client(self) -> LegacyAuthClient:
        assert self._client is not None  # noqa: S101 - open() comes first
        return self._client

    async def open(self, url: str) -> None:
        self._client = LegacyAuthClient(url, token=TOKEN)
        await self._client.open()

    async def close(self) -> None:
        await self.client.close()

    async def patch(self, ids: Sequence[str], concurrency: int) -> None:
        report = await self.client.bulk_update(ids, status="inactive", concurrency=concurrency)
        report.raise_for_failures()

    async def delete(self, ids: Sequence[str], concurrency: int) -> None:
        report = await self.client.bulk_delete(ids, concurrency=concurrency)
        report.raise_for_failures()

    async def list_all(self, username: str | None = None, *, hold: bool = False) -> int:
        if username is None:
            listing = await self.client.list()
        else:
            listing = await self.client.list(username=username)
        self.keep(listing, hold)
        return len(listing)


class RawAiohttp(_Holder):
    """The floor: plain aiohttp and a semaphore."""

    name: ClassVar[str] = "raw aiohttp"

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._base = ""
        self._headers = {"Authorization": f"Token {TOKEN}", "Accept": "application/json"}

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None  # noqa: S101 - open() comes first
        return self._session

    async def open(self, url: str) -> None:
        self._session = aiohttp.ClientSession()
        self._base = url + PREFIX

    async def close(self) -> None:
        await self.session.close()

    async def patch(self, ids: Sequence[str], concurrency: int) -> None:
        semaphore = asyncio.Semaphore(concurrency)
        session, base, headers = self.session, self._base, self._headers

        async def one(auth_id: str) -> None:
            async with (
                semaphore,
                session.patch(f"{base}/{auth_id}", json=_PATCH_BODY, headers=headers) as resp,
            ):
                resp.raise_for_status()
                await resp.json()

        await asyncio.gather(*(one(auth_id) for auth_id in ids))

    async def delete(self, ids: Sequence[str], concurrency: int) -> None:
        semaphore = asyncio.Semaphore(concurrency)
        session, base, headers = self.session, self._base, self._headers

        async def one(auth_id: str) -> None:
            async with semaphore, session.delete(f"{base}/{auth_id}", headers=headers) as resp:
                resp.raise_for_status()
                await resp.read()

        await asyncio.gather(*(one(auth_id) for auth_id in ids))

    async def list_all(self, username: str | None = None, *, hold: bool = False) -> int:
        params = {} if username is None else {"token": username}
        async with self.session.get(self._base, params=params, headers=self._headers) as resp:
            resp.raise_for_status()
            document = await resp.json()
        self.keep(document, hold)
        return len(document["authorizations"])


class TunedRawAiohttp(_Holder):
    """The floor, tuned: what plain aiohttp costs without what a library need not pay.

    No per-request timers (aiohttp schedules and cancels one for the total timeout and one
    for each socket read), so no timeout at all; the PATCH body encoded once; each URL
    made from a parsed base rather than parsed from a string; headers built once. Still
    one session, the same semaphore, ``raise_for_status()`` and decoded dicts.
    """

    name: ClassVar[str] = "tuned raw aiohttp"

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._base = URL()
        self._path = ""
        headers = {"Authorization": f"Token {TOKEN}", "Accept": "application/json"}
        self._headers = headers
        self._patch_headers = {**headers, "Content-Type": "application/json"}

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None  # noqa: S101 - open() comes first
        return self._session

    async def open(self, url: str) -> None:
        no_timers = aiohttp.ClientTimeout(total=None, connect=None, sock_read=None)
        self._session = aiohttp.ClientSession(timeout=no_timers)
        self._base = URL(url + PREFIX)
        self._path = self._base.raw_path

    async def close(self) -> None:
        await self.session.close()

    def _url(self, auth_id: str) -> URL:
        return self._base.with_path(f"{self._path}/{auth_id}", encoded=True)

    async def patch(self, ids: Sequence[str], concurrency: int) -> None:
        semaphore = asyncio.Semaphore(concurrency)
        session, url, headers = self.session, self._url, self._patch_headers

        async def one(auth_id: str) -> None:
            async with (
                semaphore,
                session.patch(url(auth_id), data=_PATCH_BYTES, headers=headers) as resp,
            ):
                resp.raise_for_status()
                json.loads(await resp.read())

        await asyncio.gather(*(one(auth_id) for auth_id in ids))

    async def delete(self, ids: Sequence[str], concurrency: int) -> None:
        semaphore = asyncio.Semaphore(concurrency)
        session, url, headers = self.session, self._url, self._headers

        async def one(auth_id: str) -> None:
            async with semaphore, session.delete(url(auth_id), headers=headers) as resp:
                resp.raise_for_status()
                await resp.read()

        await asyncio.gather(*(one(auth_id) for auth_id in ids))

    async def list_all(self, username: str | None = None, *, hold: bool = False) -> int:
        params = {} if username is None else {"token": username}
        async with self.session.get(self._base, params=params, headers=self._headers) as resp:
            resp.raise_for_status()
            document = json.loads(await resp.read())
        self.keep(document, hold)
        return len(document["authorizations"])


class Official(_Holder):
    """``influxdb-client`` 1.50's generated async service."""

    name: ClassVar[str] = "influxdb-client"

    def __init__(self, concurrency: int) -> None:
        self._concurrency = concurrency
        self._client: Any = None
        self._service: Any = None
        self._update: Any = None

    @staticmethod
    def available() -> bool:
        """Whether the ``bench`` extra (``influxdb-client``) is installed."""
        return importlib.util.find_spec("influxdb_client") is not None

    async def open(self, url: str) -> None:
        # Imported here: an optional dependency, and untyped.
        client: Any = importlib.import_module("influxdb_client.client.influxdb_client_async")
        domain: Any = importlib.import_module("influxdb_client.domain.authorization_update_request")
        service: Any = importlib.import_module(
            "influxdb_client.service.legacy_authorizations_service"
        )
        self._client = client.InfluxDBClientAsync(
            url, token=TOKEN, timeout=30_000, connection_pool_maxsize=self._concurrency
        )
        self._service = service.LegacyAuthorizationsService(self._client.api_client)
        self._update = domain.AuthorizationUpdateRequest(status="inactive")

    async def close(self) -> None:
        await self._client.close()

    async def patch(self, ids: Sequence[str], concurrency: int) -> None:
        semaphore = asyncio.Semaphore(concurrency)
        service, update = self._service, self._update

        async def one(auth_id: str) -> None:
            async with semaphore:
                await service.patch_legacy_authorizations_id_async(auth_id, update)

        await asyncio.gather(*(one(auth_id) for auth_id in ids))

    async def delete(self, ids: Sequence[str], concurrency: int) -> None:
        semaphore = asyncio.Semaphore(concurrency)
        service = self._service

        async def one(auth_id: str) -> None:
            async with semaphore:
                await service.delete_legacy_authorizations_id_async(auth_id)

        await asyncio.gather(*(one(auth_id) for auth_id in ids))

    async def list_all(self, username: str | None = None, *, hold: bool = False) -> int:
        if username is None:
            listing = await self._service.get_legacy_authorizations_async()
        else:
            listing = await self._service.get_legacy_authorizations_async(token=username)
        self.keep(listing, hold)
        return len(listing.authorizations)
