"""The 1.x endpoints legacy credentials are for: /query, /write, /ping (spec section 7).

Checklist item 20: inactive authorization, wrong password or no password is
401 {"code":"unauthorized","message":"Unauthorized"}.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import pytest

from aioinflux_legacyauth.emulator import permission

if TYPE_CHECKING:
    from conftest import Reply, Wire

    from aioinflux_legacyauth import Permission

PREFIX = "/private/legacy/authorizations"
PASSWORD = "grafana-password"
Q = {"q": "SHOW DATABASES"}


async def _seeded(wire: Wire) -> str:
    auth = await wire.emu.create_legacy_authorization("grafana", password=PASSWORD)
    return auth.id


async def _query(wire: Wire, user: str, password: str) -> Reply:
    return await wire.call("GET", "/query", params={"u": user, "p": password, **Q}, token=None)


def wire_permission(action: str, bucket_id: str, org_id: str) -> Permission:
    """A permission on one bucket."""
    return permission(action, "buckets", id=bucket_id, org_id=org_id)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_ping_needs_no_credentials(wire: Wire) -> None:
    """Section 7, spec 14.1: /ping answers 204 with the version headers, GET or HEAD,
    whatever the parameters (``verbose`` too: 2.x never answers 1.x's JSON)."""
    for method in ("GET", "HEAD"):
        reply = await wire.call(method, "/ping", token=None)
        assert (reply.status, reply.body) == (204, b"")
        assert reply.headers["X-Influxdb-Version"] == wire.emu.version
        assert reply.headers["Vary"] == "Accept-Encoding"
    verbose = await wire.call("GET", "/ping", params={"verbose": "true"}, token="nope")
    assert (verbose.status, verbose.body) == (204, b"")


async def test_ping_other_methods_are_httprouter_defaults(wire: Wire) -> None:
    """Spec 14.1: OPTIONS is 200 with Allow; other methods a text 405 with Allow."""
    options = await wire.call("OPTIONS", "/ping", token=None)
    assert (options.status, options.body, options.headers["Allow"]) == (
        200,
        b"",
        "GET, HEAD, OPTIONS",
    )
    refused = await wire.call("POST", "/ping", token=None)
    assert (refused.status, refused.text) == (405, "Method Not Allowed\n")
    assert refused.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert refused.headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.real_differs(
    reason="InfluxQL results are the data plane (issue 10): a real server lists databases"
)
async def test_query_with_the_right_password_returns_an_empty_result(wire: Wire) -> None:
    """Section 7: u/p that match give 200 and one empty result per statement."""
    await _seeded(wire)
    reply = await _query(wire, "grafana", PASSWORD)
    assert (reply.status, reply.text) == (200, '{"results":[{"statement_id":0}]}\n')
    params = {"u": "grafana", "p": PASSWORD, "q": "SHOW DATABASES; SHOW MEASUREMENTS"}
    two = await wire.call("GET", "/query", params=params, token=None)
    assert two.json() == {"results": [{"statement_id": 0}, {"statement_id": 1}]}


async def test_basic_auth_and_post_form_work(wire: Wire) -> None:
    """Section 7: Basic auth is a credential source; POST /query may carry q in a form."""
    await _seeded(wire)
    reply = await wire.call(
        "POST",
        "/query",
        data="q=SHOW+DATABASES",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        authorization=_basic("grafana", PASSWORD),
    )
    assert reply.status == 200


@pytest.mark.parametrize("password", ["wrong-password", PASSWORD.upper(), PASSWORD + " "])
async def test_wrong_password_is_401_unauthorized(wire: Wire, password: str) -> None:
    """Checklist 20: a wrong password: 401 'Unauthorized', compact."""
    await _seeded(wire)
    reply = await _query(wire, "grafana", password)
    reply.expect_error(401, "unauthorized", "Unauthorized", compact=True)


async def test_no_password_set_is_401_unauthorized(wire: Wire) -> None:
    """Checklist 20: an authorization without a password cannot log in."""
    await wire.emu.create_legacy_authorization("grafana")
    reply = await _query(wire, "grafana", PASSWORD)
    reply.expect_error(401, "unauthorized", "Unauthorized", compact=True)


async def test_inactive_authorization_is_401_unauthorized(wire: Wire) -> None:
    """Checklist 20: deactivating a credential stops its logins, reactivating restores them."""
    auth_id = await _seeded(wire)
    await wire.call("PATCH", f"{PREFIX}/{auth_id}", json_body={"status": "inactive"})
    reply = await _query(wire, "grafana", PASSWORD)
    reply.expect_error(401, "unauthorized", "Unauthorized", compact=True)
    basic = await wire.call("GET", "/query", params=Q, authorization=_basic("grafana", PASSWORD))
    basic.expect_error(401, "unauthorized", "Unauthorized", compact=True)
    await wire.call("PATCH", f"{PREFIX}/{auth_id}", json_body={"status": "active"})
    assert (await _query(wire, "grafana", PASSWORD)).status == 200


async def test_inactive_owner_is_401_unauthorized(wire: Wire) -> None:
    """Section 7: a credential of an inactive user cannot log in."""
    await _seeded(wire)
    wire.emu.store.set_user_status(wire.emu.user_id, "inactive")
    reply = await _query(wire, "grafana", PASSWORD)
    reply.expect_error(401, "unauthorized", "Unauthorized", compact=True)


@pytest.mark.parametrize(
    "params",
    [{}, {"u": "grafana"}, {"p": PASSWORD}, {"u": "", "p": PASSWORD}],
)
async def test_missing_credentials_are_401_unauthorized_access(
    wire: Wire, params: dict[str, str]
) -> None:
    """Section 7: without usable credentials the message is 'unauthorized access'."""
    await _seeded(wire)
    reply = await wire.call("GET", "/query", params={**params, **Q}, token=None)
    reply.expect_error(401, "unauthorized", "unauthorized access", compact=True)


async def test_unknown_username_falls_back_to_the_password_as_v2_token(wire: Wire) -> None:
    """Section 7: no legacy authorization by that name: the password is tried as a v2 token."""
    await _seeded(wire)
    assert (await _query(wire, "anybody", wire.emu.token)).status == 200
    reply = await _query(wire, "anybody", "not-a-token")
    reply.expect_error(401, "unauthorized", "Unauthorized", compact=True)
    # A known username never falls back.
    reply = await _query(wire, "grafana", wire.emu.token)
    reply.expect_error(401, "unauthorized", "Unauthorized", compact=True)


async def test_token_scheme_only_checks_v2_tokens(wire: Wire) -> None:
    """Section 7: 'Token <x>' or 'Token <user>:<x>' treats x as a v2 token only."""
    await _seeded(wire)
    emu = wire.emu
    for header in (f"Token {emu.token}", f"Token grafana:{emu.token}"):
        assert (await wire.call("GET", "/query", params=Q, authorization=header)).status == 200
    reply = await wire.call("GET", "/query", params=Q, authorization=f"Token grafana:{PASSWORD}")
    reply.expect_error(401, "unauthorized", "Unauthorized", compact=True)
    inactive = emu.mint_token([permission("read", "buckets")], active=False)
    reply = await wire.call("GET", "/query", params=Q, authorization=f"Token {inactive}")
    reply.expect_error(401, "unauthorized", "Unauthorized", compact=True)


async def test_write_accepts_points_with_good_credentials(wire: Wire) -> None:
    """Section 7: /write is 204 with the right password and 401 otherwise."""
    await _seeded(wire)
    params = {"db": "my-bucket", "u": "grafana", "p": PASSWORD}
    ok = await wire.call("POST", "/write", params=params, data="cpu value=1", token=None)
    assert (ok.status, ok.body) == (204, b"")
    params["p"] = "wrong-password"
    bad = await wire.call("POST", "/write", params=params, data="cpu value=1", token=None)
    bad.expect_error(401, "unauthorized", "Unauthorized", compact=True)


async def test_write_authenticates_before_checking_the_method(wire: Wire) -> None:
    """Spec 13.1: authentication first (401), then only POST: a compact 405 with Allow."""
    await _seeded(wire)
    anonymous = await wire.call("GET", "/write", token=None)
    anonymous.expect_error(401, "unauthorized", "unauthorized access", compact=True)
    refused = await wire.call("GET", "/write", authorization=_basic("grafana", PASSWORD))
    refused.expect_error(405, "method not allowed", "allow: OPTIONS, POST", compact=True)
    assert refused.headers["Allow"] == "OPTIONS, POST"
    options = await wire.call("OPTIONS", "/write", authorization=_basic("grafana", PASSWORD))
    assert (options.status, options.body, options.headers["Allow"]) == (200, b"", "OPTIONS, POST")


@pytest.mark.parametrize(
    ("params", "status", "code", "message"),
    [
        ({}, 400, "invalid", "missing db"),
        ({"db": "nope"}, 404, "not found", "no dbrp mapping found"),
        ({"db": "my-bucket", "rp": "weekly"}, 404, "not found", "no dbrp mapping found"),
        ({"db": "elsewhere"}, 404, "not found", "no dbrp mapping found"),
        ({"db": "other-bucket"}, 403, "forbidden", "insufficient permissions for write"),
        ({"db": "my-bucket", "rp": "autogen"}, 204, None, None),
        ({"db": "my-bucket", "org": "other-org"}, 204, None, None),
    ],
)
async def test_write_finds_the_bucket_then_checks_write(
    wire: Wire, params: dict[str, str], status: int, code: str | None, message: str | None
) -> None:
    """Spec 13.1, 11.2: the db (and rp) name a bucket of the credential's org through its
    virtual DBRP mapping; unknown or invisible is 404, read-only 403; ``org`` is ignored."""
    emu = wire.emu
    emu.create_bucket("elsewhere", org_id=emu.create_org("other-org"))
    granted = [
        wire_permission("write", emu.buckets["my-bucket"], emu.org_id),
        wire_permission("read", emu.buckets["other-bucket"], emu.org_id),
    ]
    await emu.create_legacy_authorization("grafana", granted, password=PASSWORD)
    reply = await wire.call(
        "POST", "/write", params=params, authorization=_basic("grafana", PASSWORD)
    )
    assert reply.headers["Vary"] == "Accept-Encoding"
    if code is None:
        assert (reply.status, reply.body) == (status, b"")
    else:
        assert message is not None
        reply.expect_error(status, code, message, compact=True)


async def test_query_without_q_is_400(wire: Wire) -> None:
    """Spec 12.1: without ``q`` the body is read as a query, and without a Content-Type
    Go's mime parser refuses it: 400 ``mime: no media type``, compact."""
    await _seeded(wire)
    params = {"u": "grafana", "p": PASSWORD}
    reply = await wire.call("GET", "/query", params=params, token=None)
    reply.expect_error(400, "invalid", "mime: no media type", compact=True)
    assert reply.headers["Vary"] == "Accept-Encoding"


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/plain", "SHOW DATABASES", {}),
        ("application/json", '{"q": "SHOW DATABASES"}', {}),
        ("application/vnd.influxql", "SHOW DATABASES", "results"),
        ("application/x-www-form-urlencoded", "q=SHOW+DATABASES", "results"),
    ],
)
async def test_query_text_comes_from_q_or_an_influxql_body(
    wire: Wire, content_type: str, body: str, expected: object
) -> None:
    """Spec 12.1: q from the URL or a form body; else an application/vnd.influxql body is
    the query, and any other body is no query at all: 200 ``{}``."""
    await _seeded(wire)
    reply = await wire.call(
        "POST",
        "/query",
        data=body,
        headers={"Content-Type": content_type},
        authorization=_basic("grafana", PASSWORD),
    )
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    if expected == {}:
        assert reply.text == "{}\n"
    else:
        assert reply.json()["results"][0]["statement_id"] == 0


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_query_ignores_the_method(wire: Wire, method: str) -> None:
    """Spec 12.1: /query never checks the method."""
    await _seeded(wire)
    reply = await wire.call(
        method, "/query", params={**Q}, authorization=_basic("grafana", PASSWORD)
    )
    assert reply.status == 200
