"""Listing and its filters (spec section 4).

Checklist items: 3 (200), 15 (id read, authID ignored, 404 on id/token miss, orgID+userID
AND, user/org only checked), 16 (sorted by ID, no paging, fixed links.self), 17 (items of
vanished orgs or users are skipped).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from aioinflux_legacyauth.emulator import permission

if TYPE_CHECKING:
    from aioinflux_legacyauth import LegacyAuthorization
    from tests.emulator.conftest import Reply, Wire

PREFIX = "/private/legacy/authorizations"
MISSING = "0123456789abcdef"
NOT_FOUND = ("not found", "authorization not found")


def _ids(reply: Reply) -> list[str]:
    assert reply.status == 200
    return [item["id"] for item in reply.json()["authorizations"]]


async def _seed(wire: Wire) -> dict[str, LegacyAuthorization]:
    """grafana (admin, my-org), telegraf (bob, my-org), kapacitor (admin, other-org)."""
    emu = wire.emu
    bob = emu.create_user("bob")
    other_org = emu.create_org("other-org")
    grafana = await emu.create_legacy_authorization("grafana")
    telegraf = await emu.create_legacy_authorization("telegraf", user_id=bob)
    elsewhere = [permission("read", "buckets", org_id=other_org)]  # a real server wants one
    kapacitor = await emu.create_legacy_authorization("kapacitor", elsewhere, org_id=other_org)
    return {"grafana": grafana, "telegraf": telegraf, "kapacitor": kapacitor}


async def test_list_of_nothing_is_an_empty_array(wire: Wire) -> None:
    """Checklist 16: an empty result is [] (never null) with links first."""
    reply = await wire.call("GET", PREFIX)
    assert reply.status == 200
    assert reply.text == (
        '{\n\t"links": {\n\t\t"self": "/private/legacy/authorizations"\n\t},'
        '\n\t"authorizations": []\n}'
    )


async def test_list_is_sorted_by_id_without_paging(wire: Wire) -> None:
    """Checklist 16: all items, ascending ID; limit/offset/after are not read."""
    seeded = await _seed(wire)
    everything = sorted(auth.id for auth in seeded.values())
    assert _ids(await wire.call("GET", PREFIX)) == everything
    paged = await wire.call("GET", PREFIX, params={"limit": "1", "offset": "1", "after": MISSING})
    assert _ids(paged) == everything
    assert paged.json()["links"] == {"self": PREFIX}


async def test_auth_id_parameter_is_ignored_and_id_is_read(wire: Wire) -> None:
    """Checklist 15: authID (as the docs say) filters nothing; id does."""
    seeded = await _seed(wire)
    grafana = seeded["grafana"].id
    assert len(_ids(await wire.call("GET", PREFIX, params={"authID": grafana}))) == 3
    assert _ids(await wire.call("GET", PREFIX, params={"id": grafana})) == [grafana]
    assert _ids(await wire.call("GET", PREFIX, params={"id": grafana.upper()})) == [grafana]


async def test_id_that_does_not_exist_is_404_not_empty(wire: Wire) -> None:
    """Checklist 15: ?id=<unknown> answers 404, not []."""
    await _seed(wire)
    reply = await wire.call("GET", PREFIX, params={"id": MISSING})
    reply.expect_error(404, *NOT_FOUND)


async def test_token_filter_is_exact_and_404_on_a_miss(wire: Wire) -> None:
    """Checklist 15: ?token= finds one username exactly; a miss is 404 (the CLI relies on it)."""
    seeded = await _seed(wire)
    assert _ids(await wire.call("GET", PREFIX, params={"token": "grafana"})) == [
        seeded["grafana"].id
    ]
    for miss in ("Grafana", "grafan", "nobody"):
        reply = await wire.call("GET", PREFIX, params={"token": miss})
        reply.expect_error(404, *NOT_FOUND)


async def test_id_beats_token_beats_org_and_user_ids(wire: Wire) -> None:
    """Section 4: id wins and ignores all other filters; token ignores orgID/userID."""
    seeded = await _seed(wire)
    grafana, telegraf = seeded["grafana"].id, seeded["telegraf"].id
    params = {"id": grafana, "token": "telegraf", "orgID": MISSING, "userID": MISSING}
    assert _ids(await wire.call("GET", PREFIX, params=params)) == [grafana]
    params = {"token": "telegraf", "orgID": MISSING, "userID": MISSING}
    assert _ids(await wire.call("GET", PREFIX, params=params)) == [telegraf]


async def test_org_id_and_user_id_must_both_match(wire: Wire) -> None:
    """Checklist 15: orgID and userID combine with AND; an unknown ID gives 200 []."""
    seeded = await _seed(wire)
    emu = wire.emu
    by_user = await wire.call("GET", PREFIX, params={"userID": emu.user_id})
    assert _ids(by_user) == sorted([seeded["grafana"].id, seeded["kapacitor"].id])
    by_org = await wire.call("GET", PREFIX, params={"orgID": emu.org_id})
    assert _ids(by_org) == sorted([seeded["grafana"].id, seeded["telegraf"].id])
    both = await wire.call("GET", PREFIX, params={"orgID": emu.org_id, "userID": emu.user_id})
    assert _ids(both) == [seeded["grafana"].id]
    assert _ids(await wire.call("GET", PREFIX, params={"orgID": MISSING})) == []


@pytest.mark.setup_names
async def test_user_and_org_names_are_checked_but_never_filter(wire: Wire) -> None:
    """Checklist 15: known names return everything; unknown names are 404."""
    await _seed(wire)
    for params in ({"user": "bob"}, {"org": "other-org"}, {"user": "admin", "org": "my-org"}):
        assert len(_ids(await wire.call("GET", PREFIX, params=params))) == 3
    reply = await wire.call("GET", PREFIX, params={"user": "nobody"})
    reply.expect_error(404, "not found", "user not found")
    reply = await wire.call("GET", PREFIX, params={"org": "nowhere"})
    reply.expect_error(404, "not found", 'organization name "nowhere" not found')


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"userID": "zzzzzzzzzzzzzzzz", "orgID": "abc"}, 400, "invalid ID"),
        ({"orgID": "abc", "id": "zzzzzzzzzzzzzzzz"}, 400, "id must have a length of 16 bytes"),
        ({"id": "abc", "user": "nobody"}, 400, "id must have a length of 16 bytes"),
        ({"id": MISSING, "user": "nobody", "org": "nowhere"}, 404, "authorization not found"),
        ({"token": "nobody", "user": "nobody"}, 404, "authorization not found"),
        ({"user": "nobody", "org": "nowhere"}, 404, "user not found"),
    ],
)
async def test_filter_errors_come_in_the_server_order(
    wire: Wire, params: dict[str, str], status: int, message: str
) -> None:
    """Section 4: bad IDs (userID, orgID, id) first, then id/token misses, then user, org."""
    await _seed(wire)
    reply = await wire.call("GET", PREFIX, params=params)
    reply.expect_error(status, "invalid" if status == 400 else "not found", message)


async def test_empty_values_are_absent_and_the_first_value_counts(wire: Wire) -> None:
    """Section 4: ?id=&token= filters nothing; of repeated keys the first is used."""
    seeded = await _seed(wire)
    assert len(_ids(await wire.call("GET", PREFIX, params={"id": "", "token": ""}))) == 3
    repeated = [("token", "grafana"), ("token", "telegraf")]
    assert _ids(await wire.call("GET", PREFIX, params=repeated)) == [seeded["grafana"].id]


@pytest.mark.setup_names
async def test_links_self_never_has_the_query_string(wire: Wire) -> None:
    """Checklist 16: links.self is always the bare prefix."""
    await _seed(wire)
    reply = await wire.call("GET", PREFIX, params={"orgID": wire.emu.org_id, "user": "admin"})
    assert reply.json()["links"] == {"self": PREFIX}


async def test_items_of_a_deleted_user_or_org_are_skipped(wire: Wire) -> None:
    """Section 4: list skips them silently; GET by ID says which one is gone."""
    seeded = await _seed(wire)
    emu = wire.emu
    bob = seeded["telegraf"].user_id
    other_org = seeded["kapacitor"].org_id
    emu.store.delete_user(bob)
    emu.store.delete_org(other_org)
    assert _ids(await wire.call("GET", PREFIX)) == [seeded["grafana"].id]
    gone_user = await wire.call("GET", f"{PREFIX}/{seeded['telegraf'].id}")
    gone_user.expect_error(404, "not found", "user not found")
    gone_org = await wire.call("GET", f"{PREFIX}/{seeded['kapacitor'].id}")
    gone_org.expect_error(404, "not found", "organization not found")


async def test_deleted_bucket_loses_name_and_org_in_permissions(wire: Wire) -> None:
    """Section 3: when the resource ID no longer resolves, both name and org are omitted."""
    emu = wire.emu
    auth = await emu.create_legacy_authorization("grafana")
    emu.store.delete_bucket(emu.buckets["other-bucket"])
    body = (await wire.call("GET", f"{PREFIX}/{auth.id}")).json()
    resources = {p["resource"]["id"]: p["resource"] for p in body["permissions"]}
    assert resources[emu.buckets["other-bucket"]] == {
        "type": "buckets",
        "id": emu.buckets["other-bucket"],
        "orgID": emu.org_id,
    }
    assert resources[emu.buckets["my-bucket"]]["name"] == "my-bucket"
