"""What a client cannot make the emulator hold (issue 10, "Emulator hardening").

No body is read before authentication; what the request log keeps is bounded (bytes of
each body, number of records); a path cannot forge an access-log line; and connections
that never finish a request head, sit idle, or stop half-way through a body are closed.
Each bound is a ``Limits`` field, set small here so the tests finish quickly. The waits
below are deadlines for failing, never measurements.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp
import pytest

from aioinflux_legacyauth.emulator import Emulator, Limits

if TYPE_CHECKING:
    from tests.emulator.conftest import Wire

pytestmark = pytest.mark.emulator_only(
    reason="the emulator's own limits, request log and connection handling"
)

PREFIX = "/private/legacy/authorizations"
DEADLINE = 10.0  # seconds before a test gives up waiting for the server


async def _connect(emu: Emulator) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    address = urlsplit(emu.url)
    assert address.hostname is not None
    assert address.port is not None
    return await asyncio.open_connection(address.hostname, address.port)


async def _status_line(reader: asyncio.StreamReader) -> bytes:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), DEADLINE)
    return head.split(b"\r\n", 1)[0]


async def _closed_by_server(reader: asyncio.StreamReader) -> bool:
    """Whether the server closes the connection (reads until EOF, within the deadline)."""
    try:
        await asyncio.wait_for(reader.read(), DEADLINE)
    except TimeoutError:
        return False
    return reader.at_eof()


@pytest.fixture
async def small() -> AsyncIterator[Emulator]:
    """An emulator with every bound set small."""
    limits = Limits(
        read_header_timeout=0.3,
        idle_timeout=0.3,
        body_timeout=0.3,
        max_kept_body=16,
        max_logged_requests=3,
    )
    async with Emulator(limits=limits, hash_cost=4) as emu:
        yield emu


@pytest.mark.parametrize("path", ["/api/v2/orgs", PREFIX, "/write?db=my-bucket", "/query"])
async def test_unauthenticated_request_is_refused_before_its_body_is_sent(
    wire: Wire, path: str
) -> None:
    """No body is read before authentication: a 32 MB POST without credentials gets its
    401 while the client has sent the headers only, and the log keeps no body."""
    reader, writer = await _connect(wire.emu)
    try:
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: emulator\r\n"
            "Content-Type: application/json\r\nContent-Length: 33554432\r\n\r\n".encode()
        )
        await writer.drain()
        assert await _status_line(reader) == b"HTTP/1.1 401 Unauthorized"
    finally:
        writer.close()
    (record,) = wire.emu.requests.records("POST")
    assert (record.status, record.body, record.body_size) == (401, None, None)


async def test_the_log_keeps_only_the_start_of_a_body(small: Emulator) -> None:
    """``max_kept_body``: a long body is logged cut, with its full size."""
    body = '{"name": "' + "x" * 100 + '"}'
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            small.url + "/api/v2/orgs", data=body, headers={"Authorization": f"Token {small.token}"}
        ) as response,
    ):
        assert response.status == 201
    (record,) = small.requests.records("POST")
    assert record.body == body.encode()[:16]
    assert record.body_size == len(body)
    assert record.body_truncated


async def test_the_log_keeps_only_the_newest_requests(small: Emulator) -> None:
    """``max_logged_requests``: older records are dropped and counted."""
    async with aiohttp.ClientSession() as session:
        for index in range(5):
            async with session.get(f"{small.url}/ping?n={index}"):
                pass
    assert len(small.requests) == 3
    assert small.requests.dropped == 2
    assert [record.query for record in small.requests.records()] == [
        (("n", "2"),),
        (("n", "3"),),
        (("n", "4"),),
    ]
    small.requests.clear()
    assert (len(small.requests), small.requests.dropped) == (0, 0)


async def test_a_crlf_in_the_path_cannot_forge_an_access_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A decoded %0d%0a is written back escaped: one request, one log line."""
    logger = logging.getLogger("test.emulator.access")
    async with Emulator(access_log=logger, hash_cost=4) as emu:
        with caplog.at_level(logging.INFO, logger=logger.name):
            async with (
                aiohttp.ClientSession() as session,
                session.get(
                    emu.url + "/ping%0d%0aGET%20/admin%20200%200.1ms%0a", allow_redirects=False
                ) as response,
            ):
                assert response.status == 200  # the UI page: it is not the /ping route
    (line,) = [record.getMessage() for record in caplog.records if record.name == logger.name]
    assert "\r" not in line
    assert "\n" not in line
    assert line.startswith("GET /ping%0D%0AGET /admin 200 0.1ms%0A 200 ")


async def test_a_connection_that_sends_nothing_is_closed(small: Emulator) -> None:
    """``read_header_timeout``: a connection with no request at all is closed."""
    reader, writer = await _connect(small)
    try:
        assert await _closed_by_server(reader)
    finally:
        writer.close()


async def test_a_half_sent_request_head_is_closed(small: Emulator) -> None:
    """``read_header_timeout``: a request head that never ends is closed, unanswered."""
    reader, writer = await _connect(small)
    try:
        writer.write(b"GET /ping HTTP/1.1\r\nHost: emul")
        await writer.drain()
        assert await _closed_by_server(reader)
    finally:
        writer.close()
    assert len(small.requests) == 0


async def test_an_idle_keep_alive_connection_is_closed(small: Emulator) -> None:
    """``idle_timeout``: after a request, a connection waiting for the next one is closed."""
    reader, writer = await _connect(small)
    try:
        writer.write(b"GET /ping HTTP/1.1\r\nHost: emulator\r\n\r\n")
        await writer.drain()
        assert await _status_line(reader) == b"HTTP/1.1 204 No Content"
        assert await _closed_by_server(reader)
    finally:
        writer.close()


async def test_a_half_sent_body_is_closed(small: Emulator) -> None:
    """``body_timeout``: an authenticated request whose body stops arriving is closed,
    nothing is created, and the log records it with no status."""
    reader, writer = await _connect(small)
    try:
        writer.write(
            f"POST /api/v2/orgs HTTP/1.1\r\nHost: emulator\r\nAuthorization: Token {small.token}"
            '\r\nContent-Length: 100\r\n\r\n{"name": '.encode()
        )
        await writer.drain()
        assert await _closed_by_server(reader)
    finally:
        writer.close()
    (record,) = small.requests.records("POST")
    assert record.status is None
    assert [org.name for org in small.store.orgs()] == ["my-org"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Limits(read_header_timeout=0.0), "read_header_timeout must be positive"),
        (lambda: Limits(idle_timeout=-1.0), "idle_timeout must be positive"),
        (lambda: Limits(body_timeout=0.0), "body_timeout must be positive"),
        (lambda: Limits(max_kept_body=-1), "max_kept_body cannot be negative"),
        (lambda: Limits(max_logged_requests=0), "max_logged_requests must be at least 1"),
        (lambda: Limits(max_api_body=0), "max_api_body must be at least 1"),
    ],
)
def test_limits_are_checked(make: Callable[[], Limits], message: str) -> None:
    """Every bound is configurable, and a nonsensical one is refused by name."""
    with pytest.raises(ValueError, match=message):
        make()


def test_timeouts_can_be_turned_off() -> None:
    """``None`` means no bound, as influxd's 0 does."""
    limits = Limits(read_header_timeout=None, idle_timeout=None, body_timeout=None)
    assert (limits.read_header_timeout, limits.idle_timeout, limits.body_timeout) == (
        None,
        None,
        None,
    )
