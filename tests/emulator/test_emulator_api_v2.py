"""The /api/v2 subset a client or a test uses to find and set up its tenancy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from aioinflux_legacyauth.emulator import permission

if TYPE_CHECKING:
    from tests.emulator.conftest import Wire

PREFIX = "/private/legacy/authorizations"


@pytest.mark.setup_names
async def test_me_is_the_tokens_user(wire: Wire) -> None:
    """GET /api/v2/me names the operator token's user."""
    reply = await wire.call("GET", "/api/v2/me")
    assert reply.json() == {
        "links": {"self": f"/api/v2/users/{wire.emu.user_id}"},
        "id": wire.emu.user_id,
        "name": "admin",
        "status": "active",
    }


@pytest.mark.fresh_server(reason="asserts the whole server's list of orgs")
async def test_me_needs_read_on_the_tokens_own_user(wire: Wire) -> None:
    """GET /api/v2/me checks read:users/<own ID> like any user read (influxd 2.7.12)."""
    emu = wire.emu
    buckets_only = emu.mint_token([permission("read", "buckets")])
    reply = await wire.call("GET", "/api/v2/me", token=buckets_only)
    reply.expect_error(401, "unauthorized", f"read:users/{emu.user_id} is unauthorized")
    own_user = emu.mint_token([permission("read", "users", id=emu.user_id)])
    assert (await wire.call("GET", "/api/v2/me", token=own_user)).status == 200
    inactive = emu.mint_token([permission("read", "users")], active=False)
    reply = await wire.call("GET", "/api/v2/me", token=inactive)
    reply.expect_error(401, "unauthorized", "token is inactive")


async def test_orgs_list_filter_and_create(wire: Wire) -> None:
    """Orgs: list, filter by name (404 when unknown), create, conflict on a taken name."""
    emu = wire.emu
    orgs = (await wire.call("GET", "/api/v2/orgs")).json()
    assert orgs["links"] == {"self": "/api/v2/orgs"}
    assert [(o["id"], o["name"]) for o in orgs["orgs"]] == [(emu.org_id, "my-org")]
    assert list(orgs["orgs"][0]) == ["links", "id", "name", "description", "createdAt", "updatedAt"]
    created = await wire.call("POST", "/api/v2/orgs", json_body={"name": "second"})
    assert created.status == 201
    named = await wire.call("GET", "/api/v2/orgs", params={"org": "second"})
    assert [o["id"] for o in named.json()["orgs"]] == [created.json()["id"]]
    missing = await wire.call("GET", "/api/v2/orgs", params={"org": "nowhere"})
    missing.expect_error(404, "not found", 'organization name "nowhere" not found')
    again = await wire.call("POST", "/api/v2/orgs", json_body={"name": "second"})
    again.expect_error(422, "conflict", "organization with name second already exists")


async def test_users_list_and_create(wire: Wire) -> None:
    """Users: create one, find it by name."""
    created = await wire.call("POST", "/api/v2/users", json_body={"name": "bob"})
    assert created.status == 201
    found = await wire.call("GET", "/api/v2/users", params={"name": "bob"})
    assert found.json()["users"] == [created.json()]
    one = await wire.call("GET", f"/api/v2/users/{created.json()['id']}")
    assert one.json()["name"] == "bob"


@pytest.mark.setup_names
async def test_buckets_by_org_include_system_buckets(wire: Wire) -> None:
    """Buckets: ?org= lists the user buckets and the org's system buckets."""
    reply = await wire.call("GET", "/api/v2/buckets", params={"org": "my-org"})
    kinds = {b["name"]: b["type"] for b in reply.json()["buckets"]}
    assert kinds == {
        "my-bucket": "user",
        "other-bucket": "user",
        "_monitoring": "system",
        "_tasks": "system",
    }
    named = await wire.call("GET", "/api/v2/buckets", params={"name": "my-bucket"})
    assert [b["id"] for b in named.json()["buckets"]] == [wire.emu.buckets["my-bucket"]]


async def test_created_bucket_can_be_granted(wire: Wire) -> None:
    """POST /api/v2/buckets makes a bucket a legacy authorization can then name."""
    emu = wire.emu
    body = {"orgID": emu.org_id, "name": "metrics", "retentionRules": [{"everySeconds": 3600}]}
    created = await wire.call("POST", "/api/v2/buckets", json_body=body)
    assert created.status == 201
    bucket = created.json()
    assert bucket["retentionRules"][0]["everySeconds"] == 3600
    perm = {
        "action": "read",
        "resource": {"type": "buckets", "id": bucket["id"], "orgID": emu.org_id},
    }
    auth = await wire.create("grafana", permissions=[perm])
    assert auth.json()["permissions"][0]["resource"]["name"] == "metrics"


async def test_minted_token_is_restricted_on_the_legacy_routes(wire: Wire) -> None:
    """POST /api/v2/authorizations mints a token that then gets the spec's 401s."""
    emu = wire.emu
    body = {
        "orgID": emu.org_id,
        "description": "read-only",
        "permissions": [
            {"action": "read", "resource": {"type": "authorizations", "orgID": emu.org_id}}
        ],
    }
    minted = await wire.call("POST", "/api/v2/authorizations", json_body=body)
    assert minted.status == 201
    token = minted.json()["token"]
    assert minted.json()["links"]["self"] == f"/api/v2/authorizations/{minted.json()['id']}"
    reply = await wire.create("grafana", token=token)
    reply.expect_error(
        401, "unauthorized", f"write:orgs/{emu.org_id}/authorizations is unauthorized"
    )


async def test_minting_more_than_you_hold_is_403(wire: Wire) -> None:
    """POST /api/v2/authorizations: a token cannot grant what it lacks."""
    emu = wire.emu
    limited = emu.mint_token(
        [
            permission("write", "authorizations", org_id=emu.org_id),
            permission("write", "users", id=emu.user_id),
        ]
    )
    body = {"orgID": emu.org_id, "permissions": [{"action": "write", "resource": {"type": "orgs"}}]}
    reply = await wire.call("POST", "/api/v2/authorizations", json_body=body, token=limited)
    reply.expect_error(
        403, "forbidden", "permission write:orgs is not allowed: write:orgs is unauthorized"
    )


async def test_deactivating_a_token_empties_its_legacy_list(wire: Wire) -> None:
    """PATCH /api/v2/authorizations/{id} inactive: the token lists [] on the legacy route."""
    emu = wire.emu
    await emu.create_legacy_authorization("grafana")
    body = {
        "orgID": emu.org_id,
        "permissions": [
            {"action": "read", "resource": {"type": "authorizations"}},
            {"action": "read", "resource": {"type": "users"}},
        ],
    }
    minted = (await wire.call("POST", "/api/v2/authorizations", json_body=body)).json()
    before = await wire.call("GET", PREFIX, token=minted["token"])
    assert len(before.json()["authorizations"]) == 1
    patched = await wire.call(
        "PATCH", f"/api/v2/authorizations/{minted['id']}", json_body={"status": "inactive"}
    )
    assert patched.json()["status"] == "inactive"
    after = await wire.call("GET", PREFIX, token=minted["token"])
    assert (after.status, after.json()["authorizations"]) == (200, [])


async def test_deleted_token_is_unknown(wire: Wire) -> None:
    """DELETE /api/v2/authorizations/{id}: the token stops authenticating."""
    emu = wire.emu
    token = emu.mint_token([permission("read", "authorizations")], description="to delete")
    listing = (await wire.call("GET", "/api/v2/authorizations")).json()["authorizations"]
    # Found by description: from v2.9 the list shows hashed tokens as "token": "".
    minted = next(item for item in listing if item["description"] == "to delete")
    assert (await wire.call("DELETE", f"/api/v2/authorizations/{minted['id']}")).status == 204
    reply = await wire.call("GET", PREFIX, token=token)
    reply.expect_error(401, "unauthorized", "unauthorized access", compact=True)


async def test_restricted_token_sees_only_what_it_may_read(wire: Wire) -> None:
    """Lists on /api/v2 drop what the caller may not read; creating needs write rights."""
    emu = wire.emu
    token = emu.mint_token([permission("read", "buckets", org_id=emu.org_id)])
    orgs = await wire.call("GET", "/api/v2/orgs", token=token)
    assert orgs.json()["orgs"] == []
    buckets = await wire.call("GET", "/api/v2/buckets", token=token)
    assert {b["name"] for b in buckets.json()["buckets"]} == {"my-bucket", "other-bucket"}
    reply = await wire.call("POST", "/api/v2/orgs", json_body={"name": "x"}, token=token)
    reply.expect_error(401, "unauthorized", "write:orgs is unauthorized")


async def test_wrong_method_on_api_v2_is_empty_405(wire: Wire) -> None:
    """A known /api/v2 path with another method: chi's 405, no body, no error code (the
    real server, checked against influxd 2.7.12)."""
    for method, path in (
        ("DELETE", "/api/v2/orgs"),
        ("PUT", "/api/v2/me"),
        ("PUT", "/api/v2/dbrps"),
        ("POST", "/api/v2/users/0123456789abcdef"),
        ("PUT", "/api/v2/authorizations"),
    ):
        reply = await wire.call(method, path)
        assert (reply.status, reply.body) == (405, b"")
        for header in ("Allow", "Content-Type", "X-Platform-Error-Code"):
            assert header not in reply.headers
