"""Get, update and delete one authorization (spec sections 2, 5).

Checklist items: 3 (get 200, patch 200, delete 204), 10 (404 authorization not found),
11 (bad path IDs), 12 (PATCH semantics and its 500 on malformed JSON).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.emulator.conftest import Wire

PREFIX = "/private/legacy/authorizations"
MISSING = "0123456789abcdef"


async def _created(wire: Wire, username: str = "grafana") -> dict[str, object]:
    reply = await wire.create(username)
    assert reply.status == 201
    body: dict[str, object] = reply.json()
    return body


async def test_get_returns_what_create_returned(wire: Wire) -> None:
    """Checklist 3: GET by ID is 200 with the same body."""
    created = await _created(wire)
    reply = await wire.call("GET", f"{PREFIX}/{created['id']}")
    assert (reply.status, reply.json()) == (200, created)


async def test_upper_case_path_id_is_the_same_authorization(wire: Wire) -> None:
    """Section 5: an upper-case hex ID in the path finds the same item."""
    created = await _created(wire)
    reply = await wire.call("GET", f"{PREFIX}/{str(created['id']).upper()}")
    assert (reply.status, reply.json()["id"]) == (200, created["id"])


async def test_patch_changes_status_and_bumps_updated_at(wire: Wire) -> None:
    """Checklist 3, 12: 200 with the full object; updatedAt moves, createdAt does not."""
    created = await _created(wire)
    reply = await wire.call("PATCH", f"{PREFIX}/{created['id']}", json_body={"status": "inactive"})
    assert reply.status == 200
    updated = reply.json()
    assert updated["status"] == "inactive"
    assert updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] > created["updatedAt"]


async def test_patch_ignores_every_other_field(wire: Wire) -> None:
    """Checklist 12: token, permissions, orgID... in a PATCH are silently ignored."""
    created = await _created(wire)
    body = {
        "token": "renamed",
        "permissions": [],
        "orgID": MISSING,
        "userID": MISSING,
        "id": MISSING,
        "description": "kept",
    }
    updated = (await wire.call("PATCH", f"{PREFIX}/{created['id']}", json_body=body)).json()
    assert updated["description"] == "kept"
    for key in ("id", "token", "status", "orgID", "userID", "permissions", "createdAt"):
        assert updated[key] == created[key]


async def test_empty_patch_still_bumps_updated_at(wire: Wire) -> None:
    """Checklist 12: even {} sets updatedAt to now."""
    created = await _created(wire)
    first = (await wire.call("PATCH", f"{PREFIX}/{created['id']}", json_body={})).json()
    second = (await wire.call("PATCH", f"{PREFIX}/{created['id']}", json_body={})).json()
    assert created["updatedAt"] < first["updatedAt"] < second["updatedAt"]
    assert first["status"] == "active"


async def test_patch_null_fields_change_nothing(wire: Wire) -> None:
    """Section 2: the update fields are pointers, so null means 'unchanged'."""
    created = await _created(wire)
    await wire.call("PATCH", f"{PREFIX}/{created['id']}", json_body={"description": "x"})
    body = {"status": None, "description": None}
    updated = (await wire.call("PATCH", f"{PREFIX}/{created['id']}", json_body=body)).json()
    assert (updated["status"], updated["description"]) == ("active", "x")


async def test_patch_empty_status_is_stored_as_active(wire: Wire) -> None:
    """Section 2: status '' becomes active."""
    created = await _created(wire)
    await wire.call("PATCH", f"{PREFIX}/{created['id']}", json_body={"status": "inactive"})
    updated = await wire.call("PATCH", f"{PREFIX}/{created['id']}", json_body={"status": ""})
    assert updated.json()["status"] == "active"


async def test_patch_unknown_status_is_400_and_changes_nothing(wire: Wire) -> None:
    """Section 2: 400 'unknown authorization status'; the stored item is untouched."""
    created = await _created(wire)
    body = {"status": "disabled", "description": "not applied"}
    reply = await wire.call("PATCH", f"{PREFIX}/{created['id']}", json_body=body)
    reply.expect_error(400, "invalid", "unknown authorization status")
    current = (await wire.call("GET", f"{PREFIX}/{created['id']}")).json()
    assert current == created


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "EOF"),
        (b"{", "unexpected EOF"),
        (b"{]", "invalid character ']' looking for beginning of object key string"),
        (
            b'{"status": 1}',
            "json: cannot unmarshal number into Go struct field AuthorizationUpdate.status"
            " of type influxdb.Status",
        ),
        (
            b'{"description": []}',
            "json: cannot unmarshal array into Go struct field AuthorizationUpdate.description"
            " of type string",
        ),
    ],
)
async def test_malformed_patch_is_500_with_the_decoder_text(
    wire: Wire, body: bytes, message: str
) -> None:
    """Checklist 12: the decoder error has no code, so it is an internal error (500)."""
    created = await _created(wire)
    reply = await wire.call("PATCH", f"{PREFIX}/{created['id']}", data=body)
    reply.expect_error(500, "internal error", message)


async def test_malformed_patch_on_a_missing_id_is_still_500(wire: Wire) -> None:
    """Section 2: the body is decoded before the authorization is looked up."""
    reply = await wire.call("PATCH", f"{PREFIX}/{MISSING}", data=b"")
    reply.expect_error(500, "internal error", "EOF")


async def test_delete_is_204_and_the_item_is_gone(wire: Wire) -> None:
    """Checklist 3, 10: 204 without body or Content-Type; then 404 on get and delete."""
    created = await _created(wire)
    reply = await wire.call("DELETE", f"{PREFIX}/{created['id']}")
    assert (reply.status, reply.body) == (204, b"")
    assert "Content-Type" not in reply.headers
    for method in ("GET", "DELETE"):
        again = await wire.call(method, f"{PREFIX}/{created['id']}")
        again.expect_error(404, "not found", "authorization not found")


async def test_deleted_username_can_be_reused(wire: Wire) -> None:
    """Section 2: uniqueness covers only existing legacy authorizations."""
    created = await _created(wire)
    await wire.call("DELETE", f"{PREFIX}/{created['id']}")
    again = await wire.create("grafana")
    assert again.status == 201
    assert again.json()["id"] != created["id"]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", b"{}"),
        ("DELETE", "", None),
        ("POST", "/password", b'{"password": "long-enough"}'),
    ],
)
async def test_missing_authorization_is_404(
    wire: Wire, method: str, suffix: str, body: bytes | None
) -> None:
    """Checklist 10: get, patch, delete and set-password on an unknown ID: 404."""
    reply = await wire.call(method, f"{PREFIX}/{MISSING}{suffix}", data=body)
    reply.expect_error(404, "not found", "authorization not found")


BAD_IDS = [
    ("abc", "id must have a length of 16 bytes"),
    ("0123456789abcdef0", "id must have a length of 16 bytes"),
    ("zzzzzzzzzzzzzzzz", "invalid ID"),
    ("0x23456789abcdef", "invalid ID"),
    ("0000000000000000", "invalid ID"),
]


@pytest.mark.parametrize(("raw_id", "message"), BAD_IDS)
@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PATCH", b"{}"), ("DELETE", None)])
async def test_bad_path_id_is_400(
    wire: Wire, raw_id: str, message: str, method: str, body: bytes | None
) -> None:
    """Checklist 11: a path ID that is not 16 hex characters (or is zero) is 400 invalid."""
    reply = await wire.call(method, f"{PREFIX}/{raw_id}", data=body)
    reply.expect_error(400, "invalid", message)


@pytest.mark.parametrize(("raw_id", "message"), BAD_IDS)
async def test_bad_path_id_on_password_route_is_500(wire: Wire, raw_id: str, message: str) -> None:
    """Checklist 11: the password route answers 500 for the same bad IDs."""
    reply = await wire.call(
        "POST", f"{PREFIX}/{raw_id}/password", json_body={"password": "long-enough"}
    )
    reply.expect_error(500, "internal error", "invalid authorization ID provided in route")
