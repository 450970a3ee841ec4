"""Passwords at login, token hashing and the release profile: spec section 15, checklist
part 2, items 55 and 56 (57 is in test_checklist_query.py).
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import aiohttp
import pytest

from aioinflux_legacyauth.emulator import Emulator, server_profile

if TYPE_CHECKING:
    from tests.emulator.conftest import Reply, Wire

PREFIX = "/private/legacy/authorizations"
StartEmulator = Callable[..., Awaitable["Wire"]]


async def _login(wire: Wire, username: str, password: str) -> Reply:
    params = {"u": username, "p": password, "q": "SHOW DATABASES"}
    return await wire.call("GET", "/query", params=params, token=None)


@pytest.mark.fresh_server(reason="seeds a password past the rules through a KV restore")
@pytest.mark.parametrize("password", ["short", "x" * 73])
async def test_an_imported_password_that_breaks_the_length_rule_cannot_log_in(
    wire: Wire, password: str
) -> None:
    """Checklist 55: on 2.7.6+, a matching password under 8 or over 72 bytes is refused
    with 401 'Unauthorized', byte for byte what a wrong password gets; the Token scheme
    (which never checks v1 passwords) is unaffected; a new password fixes it."""
    imported = await wire.emu.import_legacy_user("old-telegraf", password)
    refused = await _login(wire, "old-telegraf", password)
    wrong = await _login(wire, "old-telegraf", "not-the-password")
    assert (refused.status, refused.body) == (wrong.status, wrong.body)
    refused.expect_error(401, "unauthorized", "Unauthorized", compact=True)
    basic = "Basic " + base64.b64encode(f"old-telegraf:{password}".encode()).decode()
    by_basic = await wire.call("GET", "/query", params={"q": "SHOW DATABASES"}, authorization=basic)
    by_basic.expect_error(401, "unauthorized", "Unauthorized", compact=True)
    token = await wire.call(
        "GET", "/query", params={"q": "SHOW DATABASES"}, authorization=f"Token {wire.emu.token}"
    )
    assert token.status == 200
    reset = await wire.call(
        "POST", f"{PREFIX}/{imported.id}/password", json_body={"password": "a-new-password"}
    )
    assert reset.status == 204
    assert (await _login(wire, "old-telegraf", "a-new-password")).status == 200


async def test_before_2_7_6_the_same_password_logs_in(start_emulator: StartEmulator) -> None:
    """Checklist 55: v2.7.5 checks nothing at login (and only a minimum length when set)."""
    wire = await start_emulator(version="v2.7.5")
    await wire.emu.import_legacy_user("old-telegraf", "x" * 80)
    assert (await _login(wire, "old-telegraf", "x" * 80)).status == 200
    auth = await wire.emu.create_legacy_authorization("new")
    short = await wire.call("POST", f"{PREFIX}/{auth.id}/password", json_body={"password": "short"})
    short.expect_error(400, "invalid", "passwords must be at least 8 characters long")
    assert (await wire.call("GET", "/ping", token=None)).headers["X-Influxdb-Version"] == "v2.7.5"


@pytest.mark.fresh_server(reason="seeds a password past the rules through a KV restore")
async def test_strong_passwords_are_checked_at_login_too(start_emulator: StartEmulator) -> None:
    """Section 15.1: with --strong-passwords a stored password of fewer than three character
    classes is refused at login; an empty Basic password for a v1 username, on /query and
    /write, drops the connection unanswered (influxd panics where nothing recovers); for a
    username no credential has, it is a plain 401."""
    wire = await start_emulator(strong_passwords=True)
    await wire.emu.import_legacy_user("weak", "alllowercase")
    (await _login(wire, "weak", "alllowercase")).expect_error(
        401, "unauthorized", "Unauthorized", compact=True
    )
    empty = "Basic " + base64.b64encode(b"weak:").decode()
    for method, path in (("GET", "/query"), ("POST", "/write")):
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await wire.call(method, path, params={"q": "SHOW DATABASES"}, authorization=empty)
    stranger = "Basic " + base64.b64encode(b"nobody:").decode()
    reply = await wire.call("GET", "/query", params={"q": "SHOW DATABASES"}, authorization=stranger)
    reply.expect_error(401, "unauthorized", "Unauthorized", compact=True)
    assert (await _login(wire, "weak", "alllowercase")).status == 401  # it still serves


async def test_hashed_tokens_list_as_empty_strings(start_emulator: StartEmulator) -> None:
    """Checklist 56: with hashing on (the 2.9 default) v2 reads show "token": "" (the key
    stays); the create answer still shows the token once; legacy routes keep returning
    the username in "token"."""
    wire = await start_emulator(version="v2.9.1")
    created = await wire.call(
        "POST",
        "/api/v2/authorizations",
        json_body={
            "orgID": wire.emu.org_id,
            "permissions": [
                {"action": "read", "resource": {"type": "buckets"}},
                # /api/v2/me below reads the token's own user
                {"action": "read", "resource": {"type": "users", "id": wire.emu.user_id}},
            ],
        },
    )
    assert created.status == 201
    assert len(created.json()["token"]) > 20
    listed = await wire.call("GET", "/api/v2/authorizations")
    tokens = [item["token"] for item in listed.json()["authorizations"]]
    assert tokens == ["", ""]
    one = await wire.call("GET", f"/api/v2/authorizations/{created.json()['id']}")
    assert one.json()["token"] == ""
    # The hashed token still authenticates, as v2 token and as a v1 password.
    assert (await wire.call("GET", "/api/v2/me", token=created.json()["token"])).status == 200
    await wire.emu.create_legacy_authorization("grafana", password="grafana-password")
    legacy = await wire.call("GET", PREFIX)
    assert [item["token"] for item in legacy.json()["authorizations"]] == ["grafana"]
    plain = await start_emulator(version="v2.7.12")
    listed = await plain.call("GET", "/api/v2/authorizations")
    assert listed.json()["authorizations"][0]["token"] == plain.emu.token


def test_the_release_profile() -> None:
    """Where releases differ: the password rule (2.7.6), hashed tokens (2.8 option, 2.9
    default), and DELETE semantics (2.9); an unparseable version behaves as 2.7.12."""
    old, current, new, dev = (server_profile(v) for v in ("v2.7.5", "2.7.12", "v2.9.1", "dev"))
    assert (old.password_rule, current.password_rule, new.password_rule) == (
        "legacy",
        "current",
        "current",
    )
    assert (old.supports_hashed_tokens, current.supports_hashed_tokens) == (False, False)
    assert server_profile("v2.8.0").supports_hashed_tokens
    assert (current.hashed_tokens_by_default, new.hashed_tokens_by_default) == (False, True)
    assert (current.deletes_by_retention_policy, new.deletes_by_retention_policy) == (False, True)
    assert (dev.version, dev.release) == ("dev", (2, 7, 12))
    with pytest.raises(ValueError, match=r"--use-hashed-tokens exists only from InfluxDB 2\.8\.0"):
        Emulator(version="v2.7.12", hashed_tokens=True)


async def test_delete_semantics_by_release(start_emulator: StartEmulator) -> None:
    """Section 12.3: 2.7 DELETE uses the default mapping; 2.9 the named or default rp."""
    old = await start_emulator(version="v2.7.12", buckets=["telegraf"])
    new = await start_emulator(version="v2.9.1", buckets=["telegraf"])
    q = {"q": "DELETE FROM nope.cpu", "db": "telegraf"}
    refused = await old.call("GET", "/query", params=q)
    assert refused.json()["message"] == (
        "failed to parse query: retention policy not supported at line 1, char 1"
    )
    missing = await new.call("GET", "/query", params=q)
    assert missing.json() == {
        "results": [
            {
                "statement_id": 0,
                "error": "no dbrp mappings found: db=telegraf, rp=nope, please check to make "
                "sure db and rp exist",
            }
        ]
    }
    for wire in (old, new):
        done = await wire.call("GET", "/query", params={"q": "DELETE FROM cpu", "db": "telegraf"})
        assert done.text == "{}\n"
