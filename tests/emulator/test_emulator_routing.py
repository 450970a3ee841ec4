"""Routing and authentication before routing (spec section 1, 6, 7, 8).

Checklist items: 1 (only the /private prefix is an API), 2 (authentication first, compact
401), 21 (Zap-Trace-Span ignored, no Trace-Id, no Retry-After), 22 (405 empty, text 404).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from aioinflux_legacyauth.emulator import operator_permissions

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tests.emulator.conftest import Wire

    StartEmulator = Callable[..., Awaitable[Wire]]

PREFIX = "/private/legacy/authorizations"

UNAUTHORIZED = ("unauthorized", "unauthorized access")


async def test_public_docs_path_answers_ui_html_without_auth(wire: Wire) -> None:
    """Checklist 1: /legacy/authorizations is the UI's HTML page, 200, no token needed."""
    reply = await wire.call("GET", "/legacy/authorizations", token=None)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.text.startswith("<!DOCTYPE html>")


async def test_post_to_public_docs_path_is_html_too(wire: Wire) -> None:
    """Checklist 1: a create sent to the docs' path gets HTML, never an authorization."""
    reply = await wire.call("POST", "/legacy/authorizations", json_body={"token": "x"})
    assert reply.status == 200
    assert "html" in reply.headers["Content-Type"]
    assert wire.emu.legacy_authorizations() == []


async def test_ui_disabled_answers_plain_text_404(start_emulator: StartEmulator) -> None:
    """Checklist 1: with the UI disabled, unknown top-level paths are Go's text 404."""
    wire = await start_emulator(ui=False, hash_cost=4)
    response = await wire.call("GET", "/legacy/authorizations", token=None)
    assert response.status == 404
    assert response.body == b"404 page not found\n"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", PREFIX),
        ("POST", PREFIX),
        ("GET", PREFIX + "/0123456789abcdef"),
        ("PUT", PREFIX + "/0123456789abcdef"),
        ("GET", PREFIX + "/0123456789abcdef/x"),
        ("POST", PREFIX + "/not-an-id/password"),
        ("GET", "/private/unknown"),
        ("GET", "/api/v2/unknown"),
    ],
)
async def test_missing_token_is_compact_401_before_routing(
    wire: Wire, method: str, path: str
) -> None:
    """Checklist 2: no token means 401 first, even for bad IDs, wrong methods, unknown paths."""
    reply = await wire.call(method, path, token=None)
    reply.expect_error(401, *UNAUTHORIZED, compact=True)


@pytest.mark.parametrize(
    "authorization",
    [
        "Token nope",
        "Basic b3BlcmF0b3ItdG9rZW4tZm9yLXRlc3RzOg==",
        "Bearer",
        "Tokenoperator-token-for-tests",
        "operator-token-for-tests",
    ],
)
async def test_bad_or_unknown_credentials_are_compact_401(wire: Wire, authorization: str) -> None:
    """Checklist 2: unknown tokens, Basic auth and malformed headers are all 401."""
    reply = await wire.call("GET", PREFIX, authorization=authorization)
    reply.expect_error(401, *UNAUTHORIZED, compact=True)


@pytest.mark.parametrize("scheme", ["Token", "token", "TOKEN", "Bearer", "bearer", "BeArEr"])
async def test_token_and_bearer_schemes_in_any_case(wire: Wire, scheme: str) -> None:
    """Checklist 2: the v2 token is accepted with Token or Bearer, case-insensitive."""
    reply = await wire.call("GET", PREFIX, authorization=f"{scheme} {wire.emu.token}")
    assert reply.status == 200


async def test_legacy_credentials_cannot_call_the_api(wire: Wire) -> None:
    """Section 7: a legacy username/password is no API token."""
    auth = await wire.emu.create_legacy_authorization("grafana", password="grafana-password")
    for secret in (auth.username, "grafana-password", "grafana:grafana-password"):
        reply = await wire.call("GET", PREFIX, token=secret)
        reply.expect_error(401, *UNAUTHORIZED, compact=True)


async def test_inactive_user_gets_compact_403(wire: Wire) -> None:
    """Section 6: a token whose user is inactive is refused with 403 'User is inactive'."""
    emu = wire.emu
    user_id = emu.create_user("suspended")
    token = emu.mint_token(operator_permissions(), user_id=user_id)
    emu.store.set_user_status(user_id, "inactive")
    reply = await wire.call("GET", PREFIX, token=token)
    reply.expect_error(403, "forbidden", "User is inactive", compact=True)


async def test_every_response_carries_the_server_headers(wire: Wire) -> None:
    """Section 1: X-Influxdb-Build and X-Influxdb-Version on success, errors, 404, 405, UI."""
    replies = [
        await wire.call("GET", PREFIX),
        await wire.call("GET", PREFIX, token=None),
        await wire.call("DELETE", PREFIX),
        await wire.call("GET", PREFIX + "/0123456789abcdef/x"),
        await wire.call("GET", "/"),
        await wire.call("GET", "/ping", token=None),
    ]
    for reply in replies:
        assert reply.headers["X-Influxdb-Build"] == "OSS"
        assert reply.headers["X-Influxdb-Version"] == wire.emu.version


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("PUT", ""),
        ("DELETE", ""),
        ("PATCH", ""),
        ("PUT", "/0123456789abcdef"),
        ("POST", "/0123456789abcdef"),
        ("GET", "/0123456789abcdef/password"),
        ("PUT", "/0123456789abcdef/password"),
        ("HEAD", ""),
    ],
)
async def test_wrong_method_inside_prefix_is_empty_405(
    wire: Wire, method: str, suffix: str
) -> None:
    """Checklist 22: chi's 405 has no body, no Content-Type and no error code."""
    reply = await wire.call(method, PREFIX + suffix)
    assert reply.status == 405
    assert reply.body == b""
    assert "Content-Type" not in reply.headers
    assert "X-Platform-Error-Code" not in reply.headers


@pytest.mark.parametrize(
    "suffix", ["/0123456789abcdef/x", "/0123456789abcdef/password/x", "/a/b/c"]
)
async def test_unknown_sub_path_is_text_404(wire: Wire, suffix: str) -> None:
    """Checklist 22: an unknown path inside the prefix is Go's plain-text 404."""
    reply = await wire.call("GET", PREFIX + suffix)
    assert reply.status == 404
    assert reply.body == b"404 page not found\n"
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "X-Platform-Error-Code" not in reply.headers


@pytest.mark.parametrize(
    "path", ["/private/legacy", "/private/legacy/authorizationsX", "/api/v2/nothing", "/v1/x"]
)
async def test_unknown_api_path_is_tab_json_404(wire: Wire, path: str) -> None:
    """Section 1 and checklist 54: unknown /private, /api/v2 or /v1 paths: 404 'path not
    found', tab-indented as the API router's errors are (influxd 2.7.12)."""
    reply = await wire.call("GET", path)
    reply.expect_error(404, "not found", "path not found")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/orgs/x/y",
        "/api/v2/users/0123456789abcdef/x",
        "/api/v2/buckets/0123456789abcdef/x",
        "/api/v2/authorizations/x/y",
        "/api/v2/me/x",
        "/api/v2/setup/x",
    ],
)
async def test_unknown_sub_path_of_an_api_resource_is_text_404(wire: Wire, path: str) -> None:
    """Below a known /api/v2 resource the resource's own chi router answers an unknown path
    with Go's text 404, after authentication (influxd 2.7.12, found by the real-server run)."""
    refused = await wire.call("GET", path, token=None)
    refused.expect_error(401, "unauthorized", "unauthorized access", compact=True)
    reply = await wire.call("GET", path)
    assert (reply.status, reply.body) == (404, b"404 page not found\n")
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "X-Platform-Error-Code" not in reply.headers


async def test_trailing_slash_is_stripped(wire: Wire) -> None:
    """Section 1: /private/legacy/authorizations/ is the list, /{id}/ is the item."""
    created = (await wire.create("grafana")).json()
    listing = await wire.call("GET", PREFIX + "/")
    assert [item["id"] for item in listing.json()["authorizations"]] == [created["id"]]
    item = await wire.call("GET", f"{PREFIX}/{created['id']}/")
    assert item.json()["id"] == created["id"]


@pytest.mark.emulator_only(reason="reads the request log")
async def test_zap_trace_span_is_accepted_and_ignored(wire: Wire) -> None:
    """Checklist 21: any Zap-Trace-Span (valid or junk) is accepted; nothing echoed back."""
    spans = [
        '{"trace_id":"0123456789abcdef","span_id":"0123456789abcdef","baggage":{"k":"v"}}',
        "not json at all",
    ]
    for span in spans:
        reply = await wire.call("GET", PREFIX, headers={"Zap-Trace-Span": span})
        assert reply.status == 200
        assert "Trace-Id" not in reply.headers
        assert "Retry-After" not in reply.headers
    assert [r.trace_span for r in wire.emu.requests.records("GET", PREFIX)] == spans


async def test_no_rate_limiting_under_a_burst(wire: Wire) -> None:
    """Checklist 21: a burst of requests is never answered 429 and has no Retry-After."""
    replies = [await wire.call("GET", PREFIX) for _ in range(50)]
    assert {reply.status for reply in replies} == {200}
    assert not any("Retry-After" in reply.headers for reply in replies)
