"""Response bodies are read up to a limit (after decompression), never past it.

Against a real HTTP server that sends more than asked: a long body, a gzip bomb, an
endless stream. An operation that needs the body raises ``ResponseDecodeError`` naming
the limit; one that ignores it (``delete``) is unaffected; the rest is never read. The
memory this saves is measured by ``python -m benchmarks.body_limit``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from aioinflux_legacyauth import (
    DEFAULT_MAX_BODY_SIZE,
    AiohttpTransport,
    InternalServerError,
    LegacyAuthClient,
    ResponseDecodeError,
    RetryPolicy,
)
from aioinflux_legacyauth.testing import MockTransport

AUTH_ID = "0d9c3a1e5b2f4000"
LIMIT = 64 * 1024
JSON = "application/json; charset=utf-8"
Respond = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HostileServer:
    """An HTTP server whose every answer is ``respond(request)``; counts what it sent."""

    def __init__(self) -> None:
        self.respond: Respond | None = None
        self.url = ""
        self.sent = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        assert self.respond is not None
        return await self.respond(request)

    async def stream(self, request: web.Request, total: int) -> web.StreamResponse:
        """200 with ``total`` bytes of one long JSON string, written as the client reads."""
        response = web.StreamResponse(headers={"Content-Type": JSON})
        await response.prepare(request)
        chunk = b"x" * 65536
        try:
            await response.write(b'{"authorizations": [], "pad": "')
            while self.sent < total:
                await response.write(chunk)
                self.sent += len(chunk)
            await response.write(b'"}')
        except (ConnectionError, RuntimeError):  # the client stopped reading and hung up
            pass
        return response


@pytest.fixture
async def server() -> AsyncIterator[HostileServer]:
    hostile = HostileServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hostile.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    hostile.url = f"http://127.0.0.1:{port}"
    try:
        yield hostile
    finally:
        await runner.cleanup()


def json_body(size: int) -> bytes:
    """A valid list body of about ``size`` bytes."""
    return json.dumps({"authorizations": [], "pad": "x" * size}).encode()


def fixed(status: int, body: bytes, **headers: str) -> Respond:
    async def respond(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=body, headers={"Content-Type": JSON, **headers})

    return respond


def client(server: HostileServer, **options: Any) -> LegacyAuthClient:
    options.setdefault("max_body_size", LIMIT)
    return LegacyAuthClient(server.url, "t0ken", retry=RetryPolicy.disabled(), **options)


async def test_a_body_past_the_limit_is_a_decode_error_naming_it(server: HostileServer) -> None:
    server.respond = fixed(200, json_body(LIMIT + 1))
    async with client(server) as c:
        with pytest.raises(ResponseDecodeError, match="larger than the 65,536-byte limit"):
            await c.list()


async def test_a_body_within_the_limit_is_read(server: HostileServer) -> None:
    server.respond = fixed(200, json_body(LIMIT - 100))
    async with client(server) as c:
        assert await c.list() == []


async def test_an_endless_body_is_never_read_to_its_end(server: HostileServer) -> None:
    total = 200 * 1024 * 1024

    async def respond(request: web.Request) -> web.StreamResponse:
        return await server.stream(request, total)

    server.respond = respond
    async with client(server) as c:
        with pytest.raises(ResponseDecodeError, match="max_body_size"):
            await c.list()
    assert server.sent < total // 4  # the client hung up long before the end


async def test_a_gzip_bomb_is_cut_after_decompression(server: HostileServer) -> None:
    bomb = gzip.compress(json_body(64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 200 * 1024  # tiny on the wire
    server.respond = fixed(200, bomb, **{"Content-Encoding": "gzip"})
    async with client(server) as c:
        with pytest.raises(ResponseDecodeError, match="65,536-byte limit"):
            await c.get(AUTH_ID)


async def test_a_compressed_body_within_the_limit_is_read(server: HostileServer) -> None:
    server.respond = fixed(200, gzip.compress(json_body(1000)), **{"Content-Encoding": "gzip"})
    async with client(server) as c:
        assert await c.list() == []


async def test_delete_ignores_a_long_body(server: HostileServer) -> None:
    server.respond = fixed(200, b"x" * (LIMIT * 20))
    async with client(server) as c:
        await c.delete(AUTH_ID)


async def test_an_error_with_a_long_body_keeps_its_status_class(server: HostileServer) -> None:
    server.respond = fixed(500, b"<html>" + b"x" * (LIMIT * 20))
    async with client(server) as c:
        with pytest.raises(InternalServerError) as caught:
            await c.delete(AUTH_ID)
    assert len(caught.value.message) < 300


async def test_none_reads_any_size(server: HostileServer) -> None:
    server.respond = fixed(200, json_body(LIMIT * 4))
    async with client(server, max_body_size=None) as c:
        assert await c.list() == []


async def test_the_default_limit_applies_to_a_lent_session(server: HostileServer) -> None:
    import aiohttp  # noqa: PLC0415 - only this test lends a session

    server.respond = fixed(200, json_body(LIMIT + 1))
    async with aiohttp.ClientSession() as session:
        transport = AiohttpTransport(server.url, session=session, max_body_size=LIMIT)
        async with LegacyAuthClient(server.url, "t0ken", transport=transport) as c:
            with pytest.raises(ResponseDecodeError, match="65,536-byte limit"):
                await c.list()


def test_the_limit_is_checked() -> None:
    for bad in (0, -1, 1.5, True, "64M"):
        with pytest.raises(ValueError, match="max_body_size"):
            LegacyAuthClient("http://influx.test", "t0ken", max_body_size=bad)  # type: ignore[arg-type]
    assert DEFAULT_MAX_BODY_SIZE == 64 * 1024 * 1024


def test_the_limit_is_the_client_transports_own() -> None:
    transport = MockTransport(lambda request: None)  # type: ignore[arg-type, return-value]
    with pytest.raises(ValueError, match="transport passed as transport="):
        LegacyAuthClient("http://influx.test", "t0ken", transport=transport, max_body_size=10)
