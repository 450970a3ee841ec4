"""Create, and the shape of every authorization body (spec sections 2, 3).

Checklist items: 3 (201), 4 (tab-indented JSON, key order), 5 (error envelope), 6 (duplicate
username 422 conflict), 7 (unknown org/user), 8 (validation order and messages), 9 (defaults),
14 (names, links, no password).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from aioinflux_legacyauth.emulator import operator_permissions, permission

if TYPE_CHECKING:
    from tests.emulator.conftest import Wire

PREFIX = "/private/legacy/authorizations"
AUTH_KEYS = [
    "id",
    "token",
    "status",
    "description",
    "orgID",
    "org",
    "userID",
    "user",
    "permissions",
    "links",
    "createdAt",
    "updatedAt",
]
UNKNOWN_ID = "0123456789abcdef"
INVALID = "invalid"


@pytest.mark.setup_names
async def test_create_answers_201_with_the_full_authorization(wire: Wire) -> None:
    """Checklist 3, 9, 14: 201; status active, description empty, names and links filled."""
    emu = wire.emu
    reply = await wire.create("grafana")
    assert reply.status == 201
    body = reply.json()
    assert list(body) == AUTH_KEYS
    assert re.fullmatch(r"[0-9a-f]{16}", body["id"])
    assert body["token"] == "grafana"
    assert (body["status"], body["description"]) == ("active", "")
    assert (body["orgID"], body["org"]) == (emu.org_id, "my-org")
    assert (body["userID"], body["user"]) == (emu.user_id, "admin")
    assert body["links"] == {
        "self": f"{PREFIX}/{body['id']}",
        "user": f"/api/v2/users/{emu.user_id}",
    }
    assert body["createdAt"] == body["updatedAt"]
    assert "password" not in reply.text


async def test_body_is_tab_indented_go_json_without_trailing_newline(wire: Wire) -> None:
    """Checklist 4: MarshalIndent with a tab, UTF-8 content type, no newline at the end."""
    reply = await wire.create("grafana", description="<dashboards> & more")
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8"
    assert reply.text.startswith('{\n\t"id": "')
    assert '\n\t\t{\n\t\t\t"action": "write",\n\t\t\t"resource": {\n' in reply.text
    assert not reply.text.endswith("\n")
    # Go escapes HTML characters inside strings.
    assert '"description": "\\u003cdashboards\\u003e \\u0026 more"' in reply.text
    assert reply.json()["description"] == "<dashboards> & more"


@pytest.mark.setup_names
async def test_resource_keys_in_server_order_with_names(wire: Wire) -> None:
    """Checklist 4, 14: resource keys type, id, orgID, name, org; names looked up."""
    reply = await wire.create("grafana")
    resource = reply.json()["permissions"][0]["resource"]
    assert list(resource) == ["type", "id", "orgID", "name", "org"]
    assert resource == {
        "type": "buckets",
        "id": wire.emu.buckets["my-bucket"],
        "orgID": wire.emu.org_id,
        "name": "my-bucket",
        "org": "my-org",
    }


@pytest.mark.setup_names
async def test_unset_resource_keys_are_omitted(wire: Wire) -> None:
    """Checklist 4: a type-wide permission has only its type; an org-wide one no name."""
    emu = wire.emu
    perms = [
        {"action": "read", "resource": {"type": "buckets"}},
        {"action": "read", "resource": {"type": "dashboards", "orgID": emu.org_id}},
        {"action": "read", "resource": {"type": "users", "id": emu.user_id}},
    ]
    body = (await wire.create("grafana", permissions=perms)).json()
    assert [p["resource"] for p in body["permissions"]] == [
        {"type": "buckets"},
        {"type": "dashboards", "orgID": emu.org_id, "org": "my-org"},
        {"type": "users", "id": emu.user_id, "name": "admin"},
    ]


async def test_timestamps_are_rfc3339_with_trimmed_fraction(wire: Wire) -> None:
    """Section 3: Go RFC 3339, fraction without trailing zeros, Z for UTC."""
    body = (await wire.create("grafana")).json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z", body["createdAt"])


async def test_duplicate_username_is_422_conflict(wire: Wire) -> None:
    """Checklist 6: the same username twice: 422 with code conflict."""
    assert (await wire.create("grafana")).status == 201
    reply = await wire.create("grafana")
    reply.expect_error(422, "conflict", "token already exists")


async def test_username_uniqueness_is_exact_and_case_sensitive(wire: Wire) -> None:
    """Section 2: no format rule on usernames; 'Grafana' and 'grafana' are different."""
    for username in ("grafana", "Grafana", "first:second", " spaced "):
        reply = await wire.create(username)
        assert (reply.status, reply.json()["token"]) == (201, username)


async def test_conflict_only_counts_legacy_usernames(wire: Wire) -> None:
    """Section 2: a legacy username equal to a v2 token's value is no conflict."""
    reply = await wire.create(wire.emu.token)
    assert reply.status == 201


@pytest.mark.parametrize("field", ["orgID", "userID"])
async def test_unknown_org_or_user_is_unable_to_create_token(wire: Wire, field: str) -> None:
    """Checklist 7: a well-formed but unknown orgID or userID: 400 'unable to create token'."""
    fields: dict[str, Any] = {field: UNKNOWN_ID}
    if field == "orgID":
        fields["permissions"] = [{"action": "read", "resource": {"type": "buckets"}}]
    reply = await wire.create("grafana", **fields)
    reply.expect_error(400, INVALID, "unable to create token")


async def test_body_user_id_is_used(wire: Wire) -> None:
    """Section 2: userID in the body chooses the owning user."""
    other = wire.emu.create_user("telegraf-owner")
    body = (await wire.create("grafana", userID=other)).json()
    assert (body["userID"], body["user"]) == (other, "telegraf-owner")


@pytest.mark.setup_names
async def test_id_org_and_user_fields_are_ignored(wire: Wire) -> None:
    """Section 2: the client cannot choose the ID; names in the body mean nothing."""
    body = (await wire.create("grafana", id=UNKNOWN_ID, org="x", user="y")).json()
    assert body["id"] != UNKNOWN_ID
    assert (body["org"], body["user"]) == ("my-org", "admin")


async def test_explicit_inactive_status_and_description_are_kept(wire: Wire) -> None:
    """Checklist 9: only an empty status defaults; inactive and a description stay."""
    body = (await wire.create("grafana", status="inactive", description="night job")).json()
    assert (body["status"], body["description"]) == ("inactive", "night job")
    empty = (await wire.create("telegraf", status="")).json()
    assert empty["status"] == "active"


def _valid(**overrides: Any) -> dict[str, Any]:
    return {
        "token": "grafana",
        "orgID": "ORG",
        "permissions": [{"action": "read", "resource": {"type": "buckets"}}],
        **overrides,
    }


J = "invalid json structure: "
REQUEST = "Go struct field postAuthorizationRequest"


def _cannot(kind: str, where: str, go_type: str) -> str:
    return f"{J}json: cannot unmarshal {kind} into {where} of type {go_type}"


DECODER_CASES = [
    (b"", J + "EOF"),
    (b"  \n", J + "EOF"),
    (b"{", J + "unexpected EOF"),
    (b'{"token": "gra', J + "unexpected EOF"),
    (b"nope", J + "invalid character 'o' in literal null (expecting 'u')"),
    (b"{token: 1}", J + "invalid character 't' looking for beginning of object key string"),
    (b'{"token" 1}', J + "invalid character '1' after object key"),
    (b'{"a": 1 "b": 2}', J + "invalid character '\"' after object key:value pair"),
    (b"[1 2]", J + "invalid character '2' after array element"),
    (b'{"a": 01}', J + "invalid character '1' after object key:value pair"),
    (b'{"a": -}', J + "invalid character '}' in numeric literal"),
    (b'{"a": 1.}', J + "invalid character '}' after decimal point in numeric literal"),
    (b'{"a": 1e}', J + "invalid character '}' in exponent of numeric literal"),
    (b'{"a": "\\q"}', J + "invalid character 'q' in string escape code"),
    (b'{"a": "\\u12x4"}', J + "invalid character 'x' in \\u hexadecimal character escape"),
    (b'{"a": "\n"}', J + "invalid character '\\n' in string literal"),
    (b"\xef\xbb\xbf{}", J + "invalid character '\u00ef' looking for beginning of value"),
    (b"[]", _cannot("array", "Go value", "authorization.postAuthorizationRequest")),
    (b'"x"', _cannot("string", "Go value", "authorization.postAuthorizationRequest")),
    (b'{"token": 1}', _cannot("number", f"{REQUEST}.token", "string")),
    (b'{"status": true}', _cannot("bool", f"{REQUEST}.status", "influxdb.Status")),
    (
        b'{"permissions": {}}',
        _cannot("object", f"{REQUEST}.permissions", "[]influxdb.Permission"),
    ),
    (b'{"permissions": ["x"]}', _cannot("string", f"{REQUEST}.permissions", "influxdb.Permission")),
    (
        b'{"permissions": [{"action": 1}]}',
        _cannot("number", "Go struct field Permission.permissions.action", "influxdb.Action"),
    ),
    (
        b'{"permissions": [{"resource": {"type": []}}]}',
        _cannot(
            "array", "Go struct field Resource.permissions.resource.type", "influxdb.ResourceType"
        ),
    ),
    (b'{"orgID": 5}', _cannot("number", f"{REQUEST}.orgID", "platform.ID")),
    (b'{"userID": 5}', _cannot("number", f"{REQUEST}.userID", "*platform.ID")),
    (b'{"orgID": "abc"}', J + "id must have a length of 16 bytes"),
    (b'{"orgID": "zzzzzzzzzzzzzzzz"}', J + "invalid ID"),
    (b'{"orgID": "0000000000000000"}', J + "invalid ID"),
    (b'{"orgID": "+123456789abcdef"}', J + "invalid ID"),
    (b'{"permissions": [{"resource": {"id": "12"}}]}', J + "id must have a length of 16 bytes"),
    # An ID error stops decoding at once and beats a type error seen earlier.
    (b'{"token": 1, "orgID": "abc"}', J + "id must have a length of 16 bytes"),
    # Otherwise the first type error wins, reported after the whole value was decoded.
    (b'{"token": 1, "status": 2}', _cannot("number", f"{REQUEST}.token", "string")),
]


@pytest.mark.parametrize(("body", "message"), DECODER_CASES)
async def test_undecodable_body_reports_the_go_decoder_error(
    wire: Wire, body: bytes, message: str
) -> None:
    """Checklist 8 step 1: 400 invalid, 'invalid json structure: <Go decoder error>'."""
    reply = await wire.call("POST", PREFIX, data=body)
    reply.expect_error(400, INVALID, message)


VALIDATION_CASES = [
    ({}, "authorization must include permissions"),
    ({"permissions": []}, "authorization must include permissions"),
    ({"permissions": None}, "authorization must include permissions"),
    (
        {"permissions": [{"action": "read", "resource": {"type": "bucket"}}]},
        "invalid resource type for permission: unknown resource type for permission",
    ),
    (
        {"permissions": [{"action": "delete", "resource": {"type": "buckets"}}]},
        "invalid action type for permission: unknown action for permission",
    ),
    (
        {"permissions": [{"action": "delete", "resource": {"type": "bucket"}}]},
        "invalid resource type for permission: unknown resource type for permission",
    ),
    (
        {"permissions": [{"action": "read", "resource": {"type": "buckets"}}, None]},
        "invalid resource type for permission: unknown resource type for permission",
    ),
    (_valid(orgID=None), "org id required: invalid ID"),
    (_valid(orgID=None, status="bogus", token=""), "org id required: invalid ID"),
    (_valid(status="ACTIVE"), "invalid status: must be active or inactive"),
    (_valid(status="bogus", token=""), "invalid status: must be active or inactive"),
    (_valid(token=""), "token required for v1 user authorization type"),
    (_valid(token=None), "token required for v1 user authorization type"),
]


@pytest.mark.parametrize(("fields", "message"), VALIDATION_CASES)
async def test_validation_runs_in_the_server_order(
    wire: Wire, fields: dict[str, Any], message: str
) -> None:
    """Checklist 8 steps 2-7: the first failing check decides the 400 message."""
    # JSON null leaves a Go field at its zero value, so None here means "not sent".
    body = {**fields, "orgID": wire.emu.org_id} if fields.get("orgID") == "ORG" else fields
    reply = await wire.call("POST", PREFIX, data=json.dumps(body))
    reply.expect_error(400, INVALID, message)


async def test_every_valid_resource_type_is_accepted(wire: Wire) -> None:
    """Section 2: every resource type but instance can be granted by the operator."""
    types = sorted({p.resource.type.value for p in operator_permissions()})
    perms = [{"action": "read", "resource": {"type": t}} for t in types]
    reply = await wire.create("everything", permissions=perms)
    assert reply.status == 201
    assert len(reply.json()["permissions"]) == 22


async def test_instance_permission_without_holding_it_is_403(wire: Wire) -> None:
    """Checklist 8 steps 10-11: the operator lacks instance, so 403 comes first."""
    perms = [{"action": "read", "resource": {"type": "instance"}}]
    reply = await wire.create("grafana", permissions=perms)
    reply.expect_error(
        403, "forbidden", "permission read:instance is not allowed: read:instance is unauthorized"
    )


@pytest.mark.emulator_only(reason="no API can mint a token holding instance")
async def test_instance_permission_when_held_is_500(wire: Wire) -> None:
    """Checklist 8 step 11: a caller holding instance gets the 500 setup-only message."""
    emu = wire.emu
    token = emu.mint_token([*operator_permissions(), permission("read", "instance")])
    perms = [{"action": "read", "resource": {"type": "instance"}}]
    reply = await wire.create("grafana", permissions=perms, token=token)
    reply.expect_error(
        500,
        "internal error",
        "authorizations cannot be created with the instance type, it is only used during setup",
    )


async def test_permission_for_another_org_is_400(wire: Wire) -> None:
    """Checklist 8 step 12: a permission's orgID must be the authorization's orgID."""
    other = wire.emu.create_org("other-org")
    bucket = wire.emu.buckets["my-bucket"]
    perms = [{"action": "read", "resource": {"type": "buckets", "id": bucket, "orgID": other}}]
    reply = await wire.create("grafana", permissions=perms, userID=UNKNOWN_ID)
    reply.expect_error(
        400,
        INVALID,
        f"permission read:orgs/{other}/buckets/{bucket} is not for org id {wire.emu.org_id}",
    )


async def test_unknown_bucket_is_404_after_the_duplicate_check(wire: Wire) -> None:
    """Checklist 8 steps 14-15: duplicate first (422), then a missing bucket (404)."""
    assert (await wire.create("grafana")).status == 201
    resource = {"type": "buckets", "id": UNKNOWN_ID, "orgID": wire.emu.org_id}
    perms = [{"action": "read", "resource": resource}]
    duplicate = await wire.create("grafana", permissions=perms)
    duplicate.expect_error(422, "conflict", "token already exists")
    missing = await wire.create("telegraf", permissions=perms)
    missing.expect_error(404, "not found", "bucket not found when creating auth")


async def test_only_bucket_ids_are_checked_for_existence(wire: Wire) -> None:
    """Section 2: an unknown dashboard ID is stored as given, without a name."""
    perms = [{"action": "read", "resource": {"type": "dashboards", "id": UNKNOWN_ID}}]
    reply = await wire.create("grafana", permissions=perms)
    assert reply.status == 201
    assert reply.json()["permissions"][0]["resource"] == {"type": "dashboards", "id": UNKNOWN_ID}


async def test_go_decoder_quirks_are_reproduced(wire: Wire) -> None:
    """Section 2: keys match case-insensitively, trailing bytes are ignored, null is no-op."""
    emu = wire.emu
    body = {
        "TOKEN": "grafana",
        "OrgId": emu.org_id,
        "permissions": [{"ACTION": "write", "Resource": {"Type": "buckets"}}],
        "description": None,
    }
    reply = await wire.call("POST", PREFIX, data=json.dumps(body) + " trailing garbage")
    assert reply.status == 201
    created = reply.json()
    assert (created["token"], created["description"]) == ("grafana", "")
    assert created["permissions"] == [{"action": "write", "resource": {"type": "buckets"}}]


async def test_upper_case_ids_in_the_body_are_accepted(wire: Wire) -> None:
    """Section 5: hex IDs parse case-insensitively and come back lower case."""
    reply = await wire.create("grafana", orgID=wire.emu.org_id.upper())
    assert (reply.status, reply.json()["orgID"]) == (201, wire.emu.org_id)
