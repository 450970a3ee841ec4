"""Transport edge cases: timeouts, resets, odd bodies. No aiohttp exception escapes."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aioresponses import aioresponses

from aioinflux_legacyauth import (
    DEFAULT_TIMEOUT,
    AiohttpTransport,
    APIError,
    ClientStateError,
    LegacyAuthClient,
    MethodNotAllowedError,
    Request,
    RequestTimeoutError,
    ResponseDecodeError,
    Timeout,
    TransportError,
    UnavailableError,
)
from aioinflux_legacyauth._retry import RetryPolicy
from aioinflux_legacyauth._transports.aiohttp import client_timeout, from_client_timeout

BASE = "http://influx.test:8086"
AUTH_ID = "0d9c3a1e5b2f4000"
URL = f"{BASE}/private/legacy/authorizations/{AUTH_ID}"
PROXY_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n"
    + "<!-- padding -->\r\n" * 30
    + "</body>\r\n</html>\r\n"
)


@pytest.fixture
async def client() -> AsyncIterator[LegacyAuthClient]:
    """An open client that does not retry, so each case shows one response's mapping."""
    async with LegacyAuthClient(BASE, token="t0ken", retry=RetryPolicy.disabled()) as opened:
        yield opened


async def test_timeout_is_request_timeout_error(
    client: LegacyAuthClient, mocked: aioresponses
) -> None:
    """A timeout surfaces as RequestTimeoutError that may have reached the server."""
    mocked.get(URL, timeout=True)
    with pytest.raises(RequestTimeoutError) as caught:
        await client.get(AUTH_ID)
    assert caught.value.maybe_sent
    assert isinstance(caught.value.__cause__, TimeoutError)
    assert caught.value.retryable


async def test_connection_reset_is_transport_error(
    client: LegacyAuthClient, mocked: aioresponses
) -> None:
    """A connection dropped mid-request is a TransportError with the aiohttp error as cause."""
    mocked.get(URL, exception=aiohttp.ServerDisconnectedError())
    with pytest.raises(TransportError, match="ServerDisconnectedError") as caught:
        await client.get(AUTH_ID)
    assert caught.value.maybe_sent
    assert isinstance(caught.value.__cause__, aiohttp.ServerDisconnectedError)


async def test_connection_refused_was_not_sent() -> None:
    """Nothing listening: a TransportError that certainly did not reach a server."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with LegacyAuthClient(
        f"http://127.0.0.1:{port}", token="t0ken", retry=RetryPolicy.disabled()
    ) as client:
        with pytest.raises(TransportError, match="could not connect") as caught:
            await client.get(AUTH_ID)
    assert not caught.value.maybe_sent
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)


async def test_proxy_html_502(client: LegacyAuthClient, mocked: aioresponses) -> None:
    """A proxy's HTML 502 is an UnavailableError with the status and a cut body."""
    mocked.get(URL, status=502, body=PROXY_502, content_type="text/html")
    with pytest.raises(UnavailableError) as caught:
        await client.get(AUTH_ID)
    error = caught.value
    assert error.status == 502
    assert error.code is None
    assert "502 Bad Gateway" in error.message
    assert len(error.message) <= 203
    assert error.retryable


async def test_empty_405(client: LegacyAuthClient, mocked: aioresponses) -> None:
    """chi's empty 405 still gives an APIError subclass with the status."""
    mocked.get(URL, status=405, body=b"", content_type="")
    with pytest.raises(MethodNotAllowedError) as caught:
        await client.get(AUTH_ID)
    assert caught.value.status == 405
    assert "405" in str(caught.value)


async def test_truncated_json(client: LegacyAuthClient, mocked: aioresponses) -> None:
    """A 200 whose JSON is cut off is a ResponseDecodeError, not a json exception."""
    mocked.get(URL, status=200, body=b'{\n\t"id": "0d9c3a1e5b2f4000",\n\t"tok')
    with pytest.raises(ResponseDecodeError, match="expected a JSON body") as caught:
        await client.get(AUTH_ID)
    assert caught.value.status == 200


async def test_json_of_wrong_shape(client: LegacyAuthClient, mocked: aioresponses) -> None:
    """Valid JSON that is not an authorization is a ResponseDecodeError naming the problem."""
    mocked.get(URL, status=200, payload={"id": AUTH_ID})
    with pytest.raises(ResponseDecodeError, match="not a valid LegacyAuthorization"):
        await client.get(AUTH_ID)


async def test_ui_html_on_wrong_prefix(mocked: aioresponses) -> None:
    """The docs' /legacy/authorizations path returns the UI's HTML with 200: say so."""
    mocked.get(
        f"{BASE}/legacy/authorizations/{AUTH_ID}",
        status=200,
        body="<!doctype html><html><body>InfluxDB</body></html>",
        content_type="text/html",
    )
    async with LegacyAuthClient(BASE, token="t0ken", prefix="/legacy/authorizations") as client:
        with pytest.raises(ResponseDecodeError, match="web UI"):
            await client.get(AUTH_ID)


async def test_custom_prefix(mocked: aioresponses, auth_body: Callable[..., bytes]) -> None:
    """A proxy prefix (and a base path in the URL) is honoured."""
    mocked.get(f"http://proxy.test/influx/custom/auths/{AUTH_ID}", body=auth_body())
    async with LegacyAuthClient(
        "http://proxy.test/influx/", token="t0ken", prefix="/custom/auths/"
    ) as c:
        assert (await c.get(AUTH_ID)).id == AUTH_ID


async def test_unknown_status_is_api_error(client: LegacyAuthClient, mocked: aioresponses) -> None:
    """A status with no class of its own still gives an APIError with its status."""
    mocked.get(URL, status=418, body=b"teapot", content_type="text/plain")
    with pytest.raises(APIError) as caught:
        await client.get(AUTH_ID)
    assert type(caught.value) is APIError
    assert caught.value.status == 418


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(5)
    return web.json_response({})


@pytest.fixture
async def slow_server() -> AsyncIterator[TestServer]:
    """A real HTTP server that answers after 5 seconds."""
    app = web.Application()
    app.router.add_get("/private/legacy/authorizations/{id}", _slow)
    server = TestServer(app)
    await server.start_server()
    yield server
    await server.close()


async def test_per_call_timeout_is_enforced(slow_server: TestServer) -> None:
    """timeout= on a call is really applied (the official async client ignores its own)."""
    url = str(slow_server.make_url("/"))
    async with LegacyAuthClient(url, token="t0ken", retry=RetryPolicy.disabled()) as client:
        with pytest.raises(RequestTimeoutError):
            await client.get(AUTH_ID, timeout=aiohttp.ClientTimeout(total=0.05))


async def test_client_timeout_is_enforced(slow_server: TestServer) -> None:
    """The client's default timeout applies to every call."""
    url = str(slow_server.make_url("/"))
    async with LegacyAuthClient(
        url, token="t0ken", timeout=aiohttp.ClientTimeout(total=0.05), retry=RetryPolicy.disabled()
    ) as client:
        with pytest.raises(RequestTimeoutError):
            await client.get(AUTH_ID)


async def test_timeout_must_be_client_timeout(client: LegacyAuthClient) -> None:
    """A bare number as timeout is refused with a clear message."""
    with pytest.raises(TypeError, match=r"aiohttp\.ClientTimeout"):
        await client.get(AUTH_ID, timeout=5)  # type: ignore[arg-type]


# -- the transport owns its session --------------------------------------------------------


async def test_own_session_is_closed_and_a_lent_one_is_not(mocked: aioresponses) -> None:
    """The transport closes the session it made (an unclosed one would fail this test with
    a warning), leaves a lent one open, and refuses to send once closed."""
    mocked.get(URL, status=200, payload={"id": AUTH_ID}, repeat=True)
    request = Request("GET", f"/private/legacy/authorizations/{AUTH_ID}")
    own = AiohttpTransport(BASE)
    assert (await own.send(request, timeout=Timeout(total=5))).status == 200
    await own.close()
    with pytest.raises(ClientStateError, match="closed"):
        await own.send(request, timeout=Timeout(total=5))
    async with aiohttp.ClientSession() as session:
        lent = AiohttpTransport(BASE, session=session)
        assert (await lent.send(request, timeout=Timeout(total=5))).status == 200
        await lent.close()
        assert not session.closed


async def test_library_timeout_is_enforced(slow_server: TestServer) -> None:
    """The library's own Timeout works like an aiohttp.ClientTimeout."""
    url = str(slow_server.make_url("/"))
    async with LegacyAuthClient(url, token="t0ken", retry=RetryPolicy.disabled()) as client:
        with pytest.raises(RequestTimeoutError):
            await client.get(AUTH_ID, timeout=Timeout(total=0.05))


def test_client_timeouts_convert_both_ways() -> None:
    """Each aiohttp timeout lands in the field of the same meaning, and back."""
    given = aiohttp.ClientTimeout(total=30, connect=7, sock_connect=5, sock_read=20)
    converted = from_client_timeout(given)
    assert converted == Timeout(total=30, connect=5, read=20, pool=7)
    assert client_timeout(converted) == given
    assert (
        from_client_timeout(aiohttp.ClientTimeout(total=30, sock_connect=5, sock_read=20))
        == DEFAULT_TIMEOUT
    )


@pytest.mark.parametrize("value", [-1, float("nan"), "5", True])
def test_timeout_values_are_checked(value: object) -> None:
    """A timeout must be a number of seconds or None."""
    with pytest.raises(ValueError, match=r"Timeout\.read must be None or a number of seconds"):
        Timeout(read=value)  # type: ignore[arg-type]
