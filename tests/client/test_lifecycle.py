"""The client's lifecycle: unopened, open, closed; borrowed sessions stay open."""

from __future__ import annotations

import aiohttp
import pytest

from aioinflux_legacyauth import ClientStateError, LegacyAuthClient

BASE = "http://influx.test:8086"
AUTH_ID = "0d9c3a1e5b2f4000"


def test_constructor_does_no_io_and_needs_no_loop() -> None:
    """A client can be built outside any event loop."""
    client = LegacyAuthClient(BASE, token="t0ken")
    assert not client.closed
    assert client.url == BASE
    assert client.prefix == "/private/legacy/authorizations"


async def test_use_before_open() -> None:
    """Calling before open says how to open."""
    client = LegacyAuthClient(BASE, token="t0ken")
    with pytest.raises(ClientStateError, match="async with"):
        await client.get(AUTH_ID)


async def test_use_after_close_and_reopen() -> None:
    """After close, calls and reopening raise ClientStateError; close is idempotent."""
    client = LegacyAuthClient(BASE, token="t0ken")
    async with client:
        pass
    assert client.closed
    with pytest.raises(ClientStateError, match="closed"):
        await client.get(AUTH_ID)
    with pytest.raises(ClientStateError, match="cannot be reopened"):
        await client.open()
    await client.close()
    assert client.closed


async def test_double_open() -> None:
    """Opening an open client is an error, and the client stays usable."""
    async with LegacyAuthClient(BASE, token="t0ken") as client:
        with pytest.raises(ClientStateError, match="already open"):
            await client.open()
        assert not client.closed


async def test_close_without_open() -> None:
    """Closing a never-opened client is fine and final."""
    client = LegacyAuthClient(BASE, token="t0ken")
    await client.close()
    with pytest.raises(ClientStateError):
        await client.open()


async def test_plain_with_points_to_async_with() -> None:
    """A sync with raises TypeError that names async with."""
    client = LegacyAuthClient(BASE, token="t0ken")
    with pytest.raises(TypeError, match="async with"), client:
        pass


async def test_borrowed_session_is_not_closed() -> None:
    """A session lent with session= is never closed by the client."""
    async with aiohttp.ClientSession() as session:
        async with LegacyAuthClient(BASE, token="t0ken", session=session) as client:
            closed_while_open = client.closed
        assert not closed_while_open
        assert client.closed
        assert not session.closed


async def test_borrowed_closed_session_refused() -> None:
    """A lent session that is already closed is refused at open."""
    session = aiohttp.ClientSession()
    await session.close()
    with pytest.raises(ClientStateError, match="already closed"):
        await LegacyAuthClient(BASE, token="t0ken", session=session).open()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("localhost:8086", "http:// or https://"),
        ("ftp://host", "http:// or https://"),
        ("http://user:secret@host:8086", "must not contain credentials"),
        ("http://host:8086/?x=1", "query"),
    ],
)
def test_bad_urls(url: str, problem: str) -> None:
    """Bad URLs are refused at construction with a message naming the problem."""
    with pytest.raises(ValueError, match=problem) as caught:
        LegacyAuthClient(url, token="t0ken")
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize("prefix", ["", "/", "private/legacy"])
def test_bad_prefix(prefix: str) -> None:
    """A prefix must be an absolute path."""
    with pytest.raises(ValueError, match="prefix must be an absolute path"):
        LegacyAuthClient(BASE, token="t0ken", prefix=prefix)


def test_empty_token() -> None:
    """An empty token is refused at construction."""
    with pytest.raises(ValueError, match="token must be a non-empty string"):
        LegacyAuthClient(BASE, token="")


def test_verify_ssl_off_warns(caplog: pytest.LogCaptureFixture) -> None:
    """Turning TLS verification off is logged loudly."""
    LegacyAuthClient("https://influx.test", token="t0ken", verify_ssl=False)
    assert "verification is turned off" in caplog.text
