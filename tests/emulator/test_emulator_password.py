"""Set-password and how passwords are kept (spec sections 2, 10).

Checklist items: 3 (204 without body), 13 (8 to 72 bytes; legacy and strong modes),
19 (works on inactive authorizations, salted hashes, no password on a new authorization).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.emulator.conftest import Wire

    StartEmulator = Callable[..., Awaitable[Wire]]

PREFIX = "/private/legacy/authorizations"
LENGTH = "passwords must be between 8 and 72 characters long"
STRENGTH = (
    "passwords must contain at least three of the following character types: "
    "uppercase, lowercase, numbers, and special characters: !@#$%^&*()_+"
)


async def _set(wire: Wire, auth_id: str, body: Any) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body)
    return await wire.call("POST", f"{PREFIX}/{auth_id}/password", data=data)


async def _query(wire: Wire, username: str, password: str) -> int:
    params = {"u": username, "p": password, "q": "SHOW DATABASES"}
    return (await wire.call("GET", "/query", params=params, token=None)).status


@pytest.mark.parametrize("password", ["8bytes!!", "x" * 72, "\u00e9" * 4, "\u00e9" * 36])
async def test_password_of_8_to_72_bytes_is_204(wire: Wire, password: str) -> None:
    """Checklist 3, 13: 204 with no body, and the password then works on /query."""
    auth = await wire.emu.create_legacy_authorization("grafana")
    reply = await _set(wire, auth.id, {"password": password})
    assert (reply.status, reply.body) == (204, b"")
    assert "Content-Type" not in reply.headers
    assert await _query(wire, "grafana", password) == 200


@pytest.mark.parametrize(
    "body",
    [
        {"password": "7bytes!"},
        {"password": "x" * 73},
        {"password": "\u00e9" * 37},
        {},
        {"password": ""},
    ],
)
async def test_password_outside_8_to_72_bytes_is_400(wire: Wire, body: dict[str, str]) -> None:
    """Checklist 13: length is counted in bytes; a missing password is too short."""
    auth = await wire.emu.create_legacy_authorization("grafana")
    reply = await _set(wire, auth.id, body)
    reply.expect_error(400, "invalid", LENGTH)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "EOF"),
        (b"{", "unexpected EOF"),
        (
            b'{"password": 12345678}',
            "json: cannot unmarshal number into Go struct field passwordSetRequest.password"
            " of type string",
        ),
    ],
)
async def test_undecodable_password_body_is_400_with_raw_decoder_text(
    wire: Wire, body: bytes, message: str
) -> None:
    """Section 2: the body is decoded first; its error is 400 invalid, text unwrapped."""
    auth = await wire.emu.create_legacy_authorization("grafana")
    (await _set(wire, auth.id, body)).expect_error(400, "invalid", message)
    # ...even before a bad ID is noticed.
    (await _set(wire, "bad-id", body)).expect_error(400, "invalid", message)


async def test_new_authorization_has_no_password(wire: Wire) -> None:
    """Checklist 19: until a password is set, v1 logins fail with 401 Unauthorized."""
    await wire.create("grafana")
    params = {"u": "grafana", "p": "anything-at-all", "q": "SHOW DATABASES"}
    reply = await wire.call("GET", "/query", params=params, token=None)
    reply.expect_error(401, "unauthorized", "Unauthorized", compact=True)


async def test_password_can_be_set_on_an_inactive_authorization(wire: Wire) -> None:
    """Checklist 19: 204 on an inactive one; it works once the authorization is active."""
    auth = await wire.emu.create_legacy_authorization("grafana", active=False)
    assert (await _set(wire, auth.id, {"password": "rotated-password"})).status == 204
    assert await _query(wire, "grafana", "rotated-password") == 401
    await wire.call("PATCH", f"{PREFIX}/{auth.id}", json_body={"status": "active"})
    assert await _query(wire, "grafana", "rotated-password") == 200


@pytest.mark.emulator_only(reason="reads the stored hashes")
async def test_passwords_are_stored_as_salted_hashes(wire: Wire) -> None:
    """Checklist 19: the same password twice gives two different hashes, neither clear."""
    emu = wire.emu
    first = await emu.create_legacy_authorization("a", password="same-password")
    second = await emu.create_legacy_authorization("b", password="same-password")
    hashes = [emu.store.password_hash(first.id), emu.store.password_hash(second.id)]
    assert None not in hashes
    assert hashes[0] != hashes[1]
    assert not any("same-password" in str(value) for value in hashes)


async def test_rotation_replaces_the_old_password(wire: Wire) -> None:
    """Section 10: after a new password is set, the old one no longer logs in."""
    auth = await wire.emu.create_legacy_authorization("grafana", password="first-password")
    assert (await _set(wire, auth.id, {"password": "second-password"})).status == 204
    assert await _query(wire, "grafana", "first-password") == 401
    assert await _query(wire, "grafana", "second-password") == 200


@pytest.mark.emulator_only(reason="reads the request log")
async def test_password_never_appears_in_responses_or_the_request_log(wire: Wire) -> None:
    """Checklist 14: no response field and no log record holds the password."""
    auth = await wire.emu.create_legacy_authorization("grafana")
    await _set(wire, auth.id, {"password": "very-secret-pw"})
    reply = await wire.call("GET", f"{PREFIX}/{auth.id}")
    listing = await wire.call("GET", PREFIX)
    assert "very-secret-pw" not in reply.text + listing.text
    await _query(wire, "grafana", "very-secret-pw")
    for record in wire.emu.requests.records():
        assert "very-secret-pw" not in repr(record)
        assert b"very-secret-pw" not in (record.body or b"")
        assert "very-secret-pw" not in dict(record.query).get("p", "")


@pytest.mark.parametrize(
    ("password", "status", "message"),
    [
        ("Abcdefg1", 204, None),
        ("abcdef1!", 204, None),
        ("alllowercase", 400, STRENGTH),
        ("12345678", 400, STRENGTH),
        ("Ab1!", 400, LENGTH),
        ("abc", 400, f"{LENGTH}\n{STRENGTH}"),
    ],
)
async def test_strong_password_mode(
    start_emulator: StartEmulator, password: str, status: int, message: str | None
) -> None:
    """Checklist 13: --strong-passwords wants 3 character types; both failures joined."""
    strict = await start_emulator(strong_passwords=True)
    auth = await strict.emu.create_legacy_authorization("grafana")
    reply = await _set(strict, auth.id, {"password": password})
    if message is None:
        assert reply.status == status
    else:
        reply.expect_error(status, "invalid", message)


@pytest.mark.parametrize("body", [{"password": ""}, {}])
async def test_strong_password_mode_empty_password_is_a_recovered_panic(
    start_emulator: StartEmulator, body: dict[str, str]
) -> None:
    """Section 2: an empty password panics in the strength check; the API router's panic
    middleware answers 500 with the URL and Go's runtime error (seen on v2.7.12)."""
    strict = await start_emulator(strong_passwords=True)
    auth = await strict.emu.create_legacy_authorization("grafana")
    reply = await _set(strict, auth.id, body)
    where = f"{PREFIX}/{auth.id}/password"
    panic = f"a panic has occurred: {where}: runtime error: slice bounds out of range [-1:]"
    reply.expect_error(500, "internal error", panic)


@pytest.mark.emulator_only(reason="models servers before v2.7.6")
async def test_pre_2_7_6_rule_has_only_a_minimum(start_emulator: StartEmulator) -> None:
    """Checklist 13: before 2.7.6, at least 8 bytes, with the older message."""
    strict = await start_emulator(password_rule="legacy")
    auth = await strict.emu.create_legacy_authorization("grafana")
    short = await _set(strict, auth.id, {"password": "7bytes!"})
    short.expect_error(400, "invalid", "passwords must be at least 8 characters long")
    long = await _set(strict, auth.id, {"password": "x" * 200})
    assert long.status == 204
    assert await _query(strict, "grafana", "x" * 200) == 200


@pytest.mark.emulator_only(reason="compares a stored hash with a password logins refuse")
async def test_login_refuses_a_password_the_current_rule_rejects(wire: Wire) -> None:
    """Section 10: since 2.7.6 a matching but too-short password is 401 at login."""
    auth = await wire.emu.create_legacy_authorization("grafana")
    await wire.emu.set_password(auth.id, "short", check_rules=False)
    assert await wire.emu.password_matches(auth.id, "short")
    assert await _query(wire, "grafana", "short") == 401
