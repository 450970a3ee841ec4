"""What a restricted v2 token may do (spec section 7).

Checklist items: 17 (unreadable items dropped from the list, inactive token gets 200 []),
18 (401 '<perm> is unauthorized', 403 'permission <p> is not allowed: ...', set-password
needs only write:users/<userID>).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from aioinflux_legacyauth.emulator import all_access_permissions, permission

if TYPE_CHECKING:
    from aioinflux_legacyauth import LegacyAuthorization
    from tests.emulator.conftest import Wire

PREFIX = "/private/legacy/authorizations"


def _unauthorized(perm: str) -> tuple[int, str, str]:
    return 401, "unauthorized", f"{perm} is unauthorized"


async def _two_users(wire: Wire) -> tuple[str, LegacyAuthorization, LegacyAuthorization]:
    """bob's id, an authorization of admin's and one of bob's."""
    emu = wire.emu
    bob = emu.create_user("bob")
    mine = await emu.create_legacy_authorization("grafana")
    theirs = await emu.create_legacy_authorization("telegraf", user_id=bob)
    return bob, mine, theirs


async def test_list_drops_what_the_token_cannot_read(wire: Wire) -> None:
    """Checklist 17: reading needs the authorization and its user; others vanish silently."""
    emu = wire.emu
    _, mine, _theirs = await _two_users(wire)
    token = emu.mint_token(
        [
            permission("read", "authorizations", org_id=emu.org_id),
            permission("read", "users", id=emu.user_id),
        ]
    )
    reply = await wire.call("GET", PREFIX, token=token)
    assert [item["id"] for item in reply.json()["authorizations"]] == [mine.id]


async def test_list_without_user_rights_is_200_empty(wire: Wire) -> None:
    """Checklist 17: with no read on the users, every item is dropped, still 200."""
    emu = wire.emu
    await _two_users(wire)
    token = emu.mint_token([permission("read", "authorizations")])
    reply = await wire.call("GET", PREFIX, token=token)
    assert (reply.status, reply.json()["authorizations"]) == (200, [])


async def test_inactive_caller_token_lists_nothing_and_is_refused_elsewhere(wire: Wire) -> None:
    """Checklist 17: an inactive token passes authentication, lists [] and gets 401 else."""
    emu = wire.emu
    _, mine, _theirs = await _two_users(wire)
    token = emu.mint_token(all_access_permissions(emu.org_id, emu.user_id), active=False)
    listing = await wire.call("GET", PREFIX, token=token)
    assert (listing.status, listing.json()["authorizations"]) == (200, [])
    for reply in (
        await wire.call("GET", f"{PREFIX}/{mine.id}", token=token),
        await wire.create("new-one", token=token),
        await wire.call("DELETE", f"{PREFIX}/{mine.id}", token=token),
    ):
        reply.expect_error(401, "unauthorized", "token is inactive")


async def test_get_needs_read_on_the_authorization_then_its_user(wire: Wire) -> None:
    """Checklist 18: the first missing right is named in the 401."""
    emu = wire.emu
    _, mine, _theirs = await _two_users(wire)
    nothing = emu.mint_token([permission("read", "buckets")])
    reply = await wire.call("GET", f"{PREFIX}/{mine.id}", token=nothing)
    reply.expect_error(*_unauthorized(f"read:orgs/{emu.org_id}/authorizations/{mine.id}"))
    no_user = emu.mint_token([permission("read", "authorizations", org_id=emu.org_id)])
    reply = await wire.call("GET", f"{PREFIX}/{mine.id}", token=no_user)
    reply.expect_error(*_unauthorized(f"read:users/{emu.user_id}"))


async def test_id_scoped_permission_covers_only_that_authorization(wire: Wire) -> None:
    """Section 7: a permission with an ID matches that ID only."""
    emu = wire.emu
    _bob, mine, theirs = await _two_users(wire)
    token = emu.mint_token(
        [
            permission("read", "authorizations", id=theirs.id, org_id=emu.org_id),
            permission("read", "users"),
        ]
    )
    assert (await wire.call("GET", f"{PREFIX}/{theirs.id}", token=token)).status == 200
    assert (await wire.call("GET", f"{PREFIX}/{mine.id}", token=token)).status == 401


async def test_org_scoped_permission_does_not_reach_another_org(wire: Wire) -> None:
    """Section 7: read:orgs/<A>/authorizations says nothing about org B's items."""
    emu = wire.emu
    other = emu.create_org("other-org")
    granted = [permission("read", "buckets", org_id=other)]  # a real server wants one
    elsewhere = await emu.create_legacy_authorization("kapacitor", granted, org_id=other)
    token = emu.mint_token(
        [permission("read", "authorizations", org_id=emu.org_id), permission("read", "users")]
    )
    reply = await wire.call("GET", f"{PREFIX}/{elsewhere.id}", token=token)
    reply.expect_error(*_unauthorized(f"read:orgs/{other}/authorizations/{elsewhere.id}"))


async def test_create_needs_write_on_org_authorizations(wire: Wire) -> None:
    """Checklist 18: create first needs write:orgs/<orgID>/authorizations."""
    emu = wire.emu
    token = emu.mint_token([permission("read", "authorizations", org_id=emu.org_id)])
    reply = await wire.create("grafana", token=token)
    reply.expect_error(*_unauthorized(f"write:orgs/{emu.org_id}/authorizations"))


async def test_create_needs_write_on_the_user_even_the_callers_own(wire: Wire) -> None:
    """Checklist 18: write:users/<userID> is checked even when userID is left out."""
    emu = wire.emu
    token = emu.mint_token(
        [permission("write", "authorizations", org_id=emu.org_id), permission("write", "buckets")]
    )
    reply = await wire.create("grafana", token=token)
    reply.expect_error(*_unauthorized(f"write:users/{emu.user_id}"))


async def test_granting_an_unheld_permission_is_403(wire: Wire) -> None:
    """Checklist 18: the caller must hold every permission it grants."""
    emu = wire.emu
    token = emu.mint_token(
        [
            permission("write", "authorizations", org_id=emu.org_id),
            permission("write", "users", id=emu.user_id),
            permission("read", "buckets", org_id=emu.org_id),
        ]
    )
    bucket = emu.buckets["my-bucket"]
    perm = f"write:orgs/{emu.org_id}/buckets/{bucket}"
    reply = await wire.create("grafana", token=token)
    reply.expect_error(
        403, "forbidden", f"permission {perm} is not allowed: {perm} is unauthorized"
    )
    read_only = [wire.permission("read")]
    assert (await wire.create("grafana", permissions=read_only, token=token)).status == 201


async def test_all_access_token_manages_only_its_own_users_credentials(wire: Wire) -> None:
    """Section 7: an --all-access token holds users/<own ID>, not other users."""
    emu = wire.emu
    bob = emu.create_user("bob")
    token = emu.mint_token(all_access_permissions(emu.org_id, emu.user_id))
    assert (await wire.create("grafana", token=token)).status == 201
    reply = await wire.create("telegraf", userID=bob, token=token)
    reply.expect_error(*_unauthorized(f"write:users/{bob}"))


async def test_patch_needs_read_and_write(wire: Wire) -> None:
    """Checklist 18: PATCH checks the read rights, then write on the item and its user."""
    emu = wire.emu
    _, mine, _theirs = await _two_users(wire)
    reader = emu.mint_token([permission("read", "authorizations"), permission("read", "users")])
    reply = await wire.call("PATCH", f"{PREFIX}/{mine.id}", json_body={}, token=reader)
    reply.expect_error(*_unauthorized(f"write:orgs/{emu.org_id}/authorizations/{mine.id}"))
    writer = emu.mint_token([permission("write", "authorizations"), permission("write", "users")])
    reply = await wire.call("PATCH", f"{PREFIX}/{mine.id}", json_body={}, token=writer)
    reply.expect_error(*_unauthorized(f"read:orgs/{emu.org_id}/authorizations/{mine.id}"))


async def test_delete_needs_only_write(wire: Wire) -> None:
    """Section 7: DELETE checks write on the item and its user, no read."""
    emu = wire.emu
    _, mine, _theirs = await _two_users(wire)
    writer = emu.mint_token(
        [permission("write", "authorizations", org_id=emu.org_id), permission("write", "users")]
    )
    assert (await wire.call("DELETE", f"{PREFIX}/{mine.id}", token=writer)).status == 204
    assert emu.legacy_authorization(mine.id) is None


async def test_set_password_needs_only_write_on_the_user(wire: Wire) -> None:
    """Checklist 18: no right on authorizations is needed; write:users/<userID> is."""
    emu = wire.emu
    bob, mine, theirs = await _two_users(wire)
    user_writer = emu.mint_token([permission("write", "users", id=bob)])
    body = {"password": "long-enough-pw"}
    ok = await wire.call(
        "POST", f"{PREFIX}/{theirs.id}/password", json_body=body, token=user_writer
    )
    assert ok.status == 204
    refused = await wire.call(
        "POST", f"{PREFIX}/{mine.id}/password", json_body=body, token=user_writer
    )
    refused.expect_error(*_unauthorized(f"write:users/{emu.user_id}"))
    auth_writer = emu.mint_token([permission("write", "authorizations")])
    refused = await wire.call(
        "POST", f"{PREFIX}/{theirs.id}/password", json_body=body, token=auth_writer
    )
    refused.expect_error(*_unauthorized(f"write:users/{bob}"))


@pytest.mark.emulator_only(reason="no API can mint a token holding instance")
async def test_instance_permission_covers_every_type(wire: Wire) -> None:
    """Section 7: a held instance permission matches any resource type."""
    emu = wire.emu
    _, mine, _theirs = await _two_users(wire)
    token = emu.mint_token([permission("read", "instance")])
    assert (await wire.call("GET", f"{PREFIX}/{mine.id}", token=token)).status == 200
    reply = await wire.call("DELETE", f"{PREFIX}/{mine.id}", token=token)
    reply.expect_error(*_unauthorized(f"write:orgs/{emu.org_id}/authorizations/{mine.id}"))
