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
    from tests.emulator.conftest import Reply, Wire

PREFIX = "/private/legacy/authorizations"
PASSWORD = "grafana-password"
Q = {"q": "SHOW DATABASES"}


async def _seeded(wire: Wire) -> str:
    auth = await wire.emu.create_legacy_authorization("grafana", password=PASSWORD)
    return auth.id


async def _query(wire: Wire, user: str, password: str) -> Reply:
    return await wire.call("GET", "/query", params={"u": user, "p": password, **Q}, token=None)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_ping_needs_no_credentials(wire: Wire) -> None:
    """Section 7: /ping answers 204 with the version headers, GET or HEAD; 2.x ignores
    ``verbose`` (1.x answered it with JSON), spec section 14.1."""
    for method in ("GET", "HEAD"):
        reply = await wire.call(method, "/ping", token=None)
        assert (reply.status, reply.body) == (204, b"")
        assert reply.headers["X-Influxdb-Version"] == wire.emu.version
    verbose = await wire.call("GET", "/ping", params={"verbose": "true"}, token=None)
    assert (verbose.status, verbose.body) == (204, b"")


async def test_query_with_the_right_password_answers_each_statement(wire: Wire) -> None:
    """Section 7: u/p that match give 200 and one result per statement (section 12.3:
    SHOW DATABASES lists what the credential may read; SHOW MEASUREMENTS needs a db)."""
    await _seeded(wire)
    reply = await _query(wire, "grafana", PASSWORD)
    databases = (
        '[{"name":"databases","columns":["name"],"values":[["my-bucket"],["other-bucket"]]}]'
    )
    expected = '{"results":[{"statement_id":0,"series":' + databases + "}]}\n"
    assert (reply.status, reply.text) == (200, expected)
    params = {
        "u": "grafana",
        "p": PASSWORD,
        "q": 'SHOW DATABASES; SHOW MEASUREMENTS ON "my-bucket"',
    }
    two = await wire.call("GET", "/query", params=params, token=None)
    assert [result["statement_id"] for result in two.json()["results"]] == [0, 1]
    assert two.json()["results"][1] == {"statement_id": 1}


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
    # Authentication comes first (section 13.1): without credentials even a GET is a 401.
    assert (await wire.call("GET", "/write", token=None)).status == 401
    assert (await wire.call("GET", "/write")).status == 405


async def test_query_without_q_is_400(wire: Wire) -> None:
    """A successful login still needs a query: without q and without a Content-Type the
    handler fails to parse the media type (section 12.1, step 3)."""
    await _seeded(wire)
    params = {"u": "grafana", "p": PASSWORD}
    reply = await wire.call("GET", "/query", params=params, token=None)
    reply.expect_error(400, "invalid", "mime: no media type", compact=True)
