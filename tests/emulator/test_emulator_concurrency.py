"""Hundreds of requests at once: no lost update, no duplicate username, loop never blocked."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.emulator.conftest import Wire

    StartEmulator = Callable[..., Awaitable[Wire]]

PREFIX = "/private/legacy/authorizations"


async def test_same_username_at_once_creates_exactly_one(wire: Wire) -> None:
    """300 concurrent creates of one username: one 201, 299 conflicts, one stored."""
    replies = await asyncio.gather(*(wire.create("grafana") for _ in range(300)))
    assert Counter(reply.status for reply in replies) == {201: 1, 422: 299}
    assert [auth.username for auth in wire.emu.legacy_authorizations()] == ["grafana"]


async def test_distinct_usernames_at_once_all_land(wire: Wire) -> None:
    """200 concurrent creates of different usernames: all stored, IDs unique and sorted."""
    replies = await asyncio.gather(*(wire.create(f"user-{n}") for n in range(200)))
    assert {reply.status for reply in replies} == {201}
    ids = [reply.json()["id"] for reply in replies]
    listing = (await wire.call("GET", PREFIX)).json()["authorizations"]
    assert [item["id"] for item in listing] == sorted(set(ids))
    assert len(listing) == 200


async def test_concurrent_updates_lose_nothing(wire: Wire) -> None:
    """100 authorizations deactivated at once, with a description each: every one applied."""
    emu = wire.emu
    auths = [await emu.create_legacy_authorization(f"user-{n}") for n in range(100)]
    replies = await asyncio.gather(
        *(
            wire.call(
                "PATCH",
                f"{PREFIX}/{auth.id}",
                json_body={"status": "inactive", "description": auth.username},
            )
            for auth in auths
        )
    )
    assert {reply.status for reply in replies} == {200}
    for auth in emu.legacy_authorizations():
        assert (auth.status, auth.description) == ("inactive", auth.username)


async def test_concurrent_password_changes_all_take(wire: Wire) -> None:
    """50 set-password calls at once (hashing in threads): each password works."""
    emu = wire.emu
    auths = [await emu.create_legacy_authorization(f"user-{n}") for n in range(50)]
    replies = await asyncio.gather(
        *(
            wire.call(
                "POST", f"{PREFIX}/{auth.id}/password", json_body={"password": f"pass-{auth.id}"}
            )
            for auth in auths
        )
    )
    assert {reply.status for reply in replies} == {204}
    for auth in auths:
        assert await emu.password_matches(auth.id, f"pass-{auth.id}")


async def test_hashing_does_not_block_other_requests(start_emulator: StartEmulator) -> None:
    """While a costly hash runs in a thread, a list request is answered first."""
    wire = await start_emulator(hash_cost=12)
    auth = await wire.emu.create_legacy_authorization("grafana")
    setting = asyncio.ensure_future(
        wire.call("POST", f"{PREFIX}/{auth.id}/password", json_body={"password": "slow-hash-pw"})
    )
    await asyncio.sleep(0)  # let the set-password request go out first
    listing = asyncio.ensure_future(wire.call("GET", PREFIX))
    done, _ = await asyncio.wait({setting, listing}, return_when=asyncio.FIRST_COMPLETED)
    assert done == {listing}
    assert (await setting).status == 204
