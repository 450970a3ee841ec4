"""What clients probe first: spec section 14, checklist part 2, items 48-54.

Each test names its checklist item. Expected bytes were checked against influxd 2.7.12
(its ``version`` reads ``dev`` there, as a source build's does; the emulator's is v2.7.12).
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import aiohttp
import pytest

if TYPE_CHECKING:
    from tests.emulator.conftest import Wire

LINKS = (
    '{"authorizations":"/api/v2/authorizations","backup":"/api/v2/backup","buckets":'
    '"/api/v2/buckets","checks":"/api/v2/checks","dashboards":"/api/v2/dashboards","delete":'
    '"/api/v2/delete","external":{"statusFeed":"https://www.influxdata.com/feed/json"},"flags":'
    '"/api/v2/flags","labels":"/api/v2/labels","me":"/api/v2/me","notificationEndpoints":'
    '"/api/v2/notificationEndpoints","notificationRules":"/api/v2/notificationRules","orgs":'
    '"/api/v2/orgs","plugins":"/api/v2/telegraf/plugins","query":{"analyze":'
    '"/api/v2/query/analyze","ast":"/api/v2/query/ast","self":"/api/v2/query","suggestions":'
    '"/api/v2/query/suggestions"},"restore":"/api/v2/restore","scrapers":"/api/v2/scrapers",'
    '"setup":"/api/v2/setup","signin":"/api/v2/signin","signout":"/api/v2/signout","sources":'
    '"/api/v2/sources","swagger":"/api/v2/swagger.json","system":{"debug":"/debug/pprof",'
    '"health":"/health","metrics":"/metrics"},"tasks":"/api/v2/tasks","telegrafs":'
    '"/api/v2/telegrafs","users":"/api/v2/users","variables":"/api/v2/variables","write":'
    '"/api/v2/write"}\n'
)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(
    ("params", "authorization"),
    [({}, None), ({"verbose": "true", "wait_for_leader": "30s"}, None), ({}, "Token wrong")],
)
async def test_ping_is_204_without_auth_or_body(
    wire: Wire, method: str, params: dict[str, str], authorization: str | None
) -> None:
    """Checklist 48: GET/HEAD /ping: 204, no body, no Content-Type, whatever the
    parameters or credentials."""
    reply = await wire.call(method, "/ping", params=params, token=None, authorization=authorization)
    assert (reply.status, reply.body) == (204, b"")
    assert "Content-Type" not in reply.headers
    assert reply.headers["Vary"] == "Accept-Encoding"


async def test_ping_other_methods(wire: Wire) -> None:
    """Checklist 48: OPTIONS is 200 with Allow; any other method httprouter's text 405."""
    options = await wire.call("OPTIONS", "/ping", token=None)
    assert (options.status, options.body) == (200, b"")
    assert options.headers["Allow"] == "GET, HEAD, OPTIONS"
    post = await wire.call("POST", "/ping", token=None)
    assert (post.status, post.text) == (405, "Method Not Allowed\n")
    assert post.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert post.headers["Allow"] == "GET, HEAD, OPTIONS"


async def test_server_headers_and_vary(wire: Wire) -> None:
    """Checklist 49: X-Influxdb-Build and X-Influxdb-Version everywhere; the v1 paths add
    Vary: Accept-Encoding past authentication (its 401s have none)."""
    replies = {
        "query": await wire.call("GET", "/query", params={"q": "SHOW DATABASES"}),
        "write": await wire.call("POST", "/write", params={"db": "my-bucket"}, data=""),
        "ping": await wire.call("GET", "/ping", token=None),
        "unauthenticated": await wire.call("GET", "/query", token=None),
        "health": await wire.call("GET", "/health", token=None),
        "ui": await wire.call("GET", "/", token=None),
        "metrics": await wire.call("GET", "/metrics", token=None),
    }
    for name, reply in replies.items():
        assert reply.headers["X-Influxdb-Build"] == "OSS", name
        assert reply.headers["X-Influxdb-Version"] == wire.emu.version, name
    for name in ("query", "write", "ping"):
        assert replies[name].headers["Vary"] == "Accept-Encoding", name
    for name in ("unauthenticated", "health", "ui", "metrics"):
        assert "Vary" not in replies[name].headers, name


async def test_v1_bodies_of_1400_bytes_or_more_are_gzipped_when_asked(wire: Wire) -> None:
    """Checklist 49: gzip from 1400 bytes, only with Accept-Encoding: gzip (q above 0)."""
    for index in range(60):
        wire.emu.create_bucket(f"bucket-with-a-longish-name-{index:02d}")
    url = wire.emu.url + "/query?q=SHOW+DATABASES"
    headers = {"Authorization": f"Token {wire.emu.token}"}
    async with aiohttp.ClientSession(auto_decompress=False) as raw:
        async with raw.get(url, headers={**headers, "Accept-Encoding": "gzip"}) as response:
            packed = await response.read()
            assert response.headers["Content-Encoding"] == "gzip"
        async with raw.get(url, headers={**headers, "Accept-Encoding": "gzip;q=0"}) as response:
            plain = await response.read()
            assert "Content-Encoding" not in response.headers
        small_url = wire.emu.url + '/query?q=SHOW+RETENTION+POLICIES+ON+"my-bucket"'
        async with raw.get(small_url, headers={**headers, "Accept-Encoding": "gzip"}) as response:
            assert "Content-Encoding" not in response.headers
    assert len(plain) >= 1400
    assert gzip.decompress(packed) == plain


async def test_health_is_the_spaced_line(wire: Wire) -> None:
    """Checklist 50: the exact line with spaces after the commas, plus \\n; any method and
    sub-path; no auth."""
    build = f'"version": "{wire.emu.version}", "commit": "{wire.emu.commit}"'
    expected = (
        '{"name":"influxdb", "message":"ready for queries and writes", "status":"pass", '
        '"checks":[], ' + build + "}\n"
    )
    for method, path in (("GET", "/health"), ("POST", "/health"), ("GET", "/health/deep")):
        reply = await wire.call(method, path, token=None)
        assert (reply.status, reply.text) == (200, expected)
        assert reply.headers["Content-Type"] == "application/json; charset=utf-8"


async def test_ready_is_four_space_indented(wire: Wire) -> None:
    """Checklist 50: status, started (RFC 3339, server zone) and up (a Go duration)."""
    reply = await wire.call("GET", "/ready", token=None)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8"
    lines = reply.text.split("\n")
    assert lines[:2] == ["{", '    "status": "ready",']
    assert lines[2].startswith('    "started": "')
    assert lines[3].startswith('    "up": "')
    assert lines[4:] == ["}", ""]
    body = json.loads(reply.text)
    assert list(body) == ["status", "started", "up"]
    assert body["up"].endswith("s")


async def test_metrics_and_metrics_disabled(
    wire: Wire, start_emulator: Callable[..., Awaitable[Wire]]
) -> None:
    """Checklist 51: Prometheus text without auth; with metrics disabled: 403."""
    ping = 'method="GET",path="/ping",response_code="204",status="2XX",user_agent="Python"} 1'
    await wire.call("GET", "/ping", token=None)
    # influxd counts a request after its answer is written, so a /metrics sent the moment
    # the ping's answer arrives can come first: ask again, a few times, before failing.
    for _ in range(50):
        reply = await wire.call("GET", "/metrics", token=None)
        if ping in reply.text:
            break
        await asyncio.sleep(0.02)
    assert reply.headers["Content-Type"] == (
        "text/plain; version=0.0.4; charset=utf-8; escaping=values"
    )
    assert "# TYPE http_api_requests_total counter" in reply.text
    assert ping in reply.text
    disabled = await start_emulator(metrics=False)
    refused = await disabled.call("GET", "/metrics", token=None)
    refused.expect_error(403, "forbidden", "metrics disabled", compact=True)


async def test_api_v2_links_without_auth(wire: Wire) -> None:
    """Checklist 52: GET /api/v2 is the exact links document, no token needed; the
    trailing-slash form and other methods need one, and then answer it too."""
    reply = await wire.call("GET", "/api/v2", token=None)
    assert (reply.status, reply.text) == (200, LINKS)
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8"
    with_token = await wire.call("GET", "/api/v2/")
    assert with_token.text == LINKS
    for method in ("POST", "DELETE"):  # with a token any method will do (influxd 2.7.12)
        assert (await wire.call(method, "/api/v2")).text == LINKS
    for method, path in (("GET", "/api/v2/"), ("POST", "/api/v2")):
        refused = await wire.call(method, path, token=None)
        refused.expect_error(401, "unauthorized", "unauthorized access", compact=True)


async def test_setup_after_setup(wire: Wire) -> None:
    """Checklist 53: GET /api/v2/setup: {"allowed": false}; POST: the body is decoded
    first (an empty one is 500 EOF), then 422 conflict; no token needed."""
    get = await wire.call("GET", "/api/v2/setup", token=None)
    assert (get.status, get.text) == (200, '{\n\t"allowed": false\n}')
    post = await wire.call("POST", "/api/v2/setup", json_body={"username": "x"}, token=None)
    post.expect_error(422, "conflict", "onboarding has already been completed")
    empty = await wire.call("POST", "/api/v2/setup", data=b"", token=None)
    empty.expect_error(500, "internal error", "EOF")


@pytest.mark.parametrize(
    "path", ["/", "/foo", "/query/", "/ping/", "/legacy/authorizations", "/signin"]
)
async def test_unknown_top_level_paths_get_the_ui(wire: Wire, path: str) -> None:
    """Checklist 54: 200 HTML with static.go's caching headers, any method, no auth."""
    for method in ("GET", "POST"):
        reply = await wire.call(method, path, token=None)
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
        assert reply.headers["Cache-Control"] == "public, max-age=3600"
        assert reply.headers["ETag"].startswith(f'"{len(reply.body)}')
        assert reply.headers["Last-Modified"].endswith(" GMT")


@pytest.mark.parametrize(
    "path", ["/api/v2/nothing", "/api/v2/nothing/x", "/v1/anything", "/private/x"]
)
async def test_unknown_api_paths_authenticate_first(wire: Wire, path: str) -> None:
    """Checklist 54: 401 without a token, then 404 path not found (tab JSON)."""
    refused = await wire.call("GET", path, token=None)
    refused.expect_error(401, "unauthorized", "unauthorized access", compact=True)
    reply = await wire.call("GET", path)
    reply.expect_error(404, "not found", "path not found")


async def test_options_and_cors_on_the_api(wire: Wire) -> None:
    """Section 14: OPTIONS without Origin is an empty 405 (before auth); a preflight with
    Origin is 204 with the CORS headers; other responses echo the Origin."""
    bare = await wire.call("OPTIONS", "/api/v2/buckets", token=None)
    assert (bare.status, bare.body) == (405, b"")
    origin = {"Origin": "http://example.test"}
    preflight = await wire.call("OPTIONS", "/api/v2/buckets", token=None, headers=origin)
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://example.test"
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]
    listed = await wire.call("GET", "/api/v2/buckets", headers=origin)
    assert listed.headers["Access-Control-Allow-Origin"] == "http://example.test"
    query = await wire.call("GET", "/query", params={"q": "SHOW DATABASES"}, headers=origin)
    assert "Access-Control-Allow-Origin" not in query.headers
