"""Fixtures for the provisioning tests: a server (the in-process emulator, or the real one
with ``--server``) and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

from aioinflux_legacyauth import (
    AiohttpTransport,
    LegacyAuthClient,
    RawResponse,
    Request,
    RetryPolicy,
    Timeout,
)
from aioinflux_legacyauth._transports import base_url
from aioinflux_legacyauth.emulator import FAST_HASH_COST, Emulator

if TYPE_CHECKING:
    from aioinflux_legacyauth.emulator import ThreadedEmulator
    from tests._servers import StartServer
    from tests.realserver.handle import BlockingRealServer


@pytest.fixture
async def emu(start_server: StartServer) -> Emulator:
    """A server with the buckets ``metrics``, ``logs`` and ``telegraf/autogen``."""
    server: Emulator = await start_server(
        hash_cost=FAST_HASH_COST, buckets=("metrics", "logs", "telegraf/autogen")
    )
    return server


@pytest.fixture
def legacyauth_emulator(
    threaded_server: ThreadedEmulator | BlockingRealServer,
) -> ThreadedEmulator | BlockingRealServer:
    """The plugin's fixture, following ``--server`` (the same surface either way)."""
    return threaded_server


@pytest.fixture
async def client(emu: Emulator) -> AsyncIterator[LegacyAuthClient]:
    """A client with the operator token whose retries never sleep."""
    async with LegacyAuthClient(emu.url, emu.token, retry=RetryPolicy(instant=True)) as opened:
        yield opened


class WriteRefusing:
    """The real transport, but every /write answers 404, as for a database it cannot see."""

    def __init__(self, url: str) -> None:
        self.inner = AiohttpTransport(base_url(url))
        self.writes = 0

    async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
        if request.path == "/write":
            self.writes += 1
            body = b'{"code":"not found","message":"no dbrp mapping found"}'
            return RawResponse(404, {"Content-Type": "application/json"}, body)
        return await self.inner.send(request, timeout=timeout)


@pytest.fixture
async def write_refusing(emu: Emulator) -> AsyncIterator[WriteRefusing]:
    """A transport to ``emu`` whose every /write is refused with 404 (closed afterwards)."""
    transport = WriteRefusing(emu.url)
    yield transport
    await transport.inner.close()
