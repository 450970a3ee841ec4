"""``create(password=...)`` cancelled while the POST is on its way: the server makes the
credential, the call never learns its ID, and the rollback (which only starts once the
password fails) would never run, leaving a credential nobody has a password for. The
create's request is let finish and what it made is deleted again.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from aioinflux_legacyauth import LegacyAuthClient, RetryPolicy
from aioinflux_legacyauth.emulator import FAST_HASH_COST, Emulator
from tests._held import HeldAnswers


def held_create(url: str) -> HeldAnswers:
    """The real transport, the create's answer held until ``release`` is set."""
    return HeldAnswers(url, "POST", "/private/legacy/authorizations")


async def create_with_password(client: LegacyAuthClient, emu: Emulator) -> object:
    """The create both tests cancel: a credential with a password of the caller's."""
    return await client.create(
        username="grafana",
        org_id=emu.org_id,
        permissions=emu.bucket_permissions(),
        password="a-given-Password-1",
    )


async def test_a_create_with_password_cancelled_in_flight_leaves_no_credential() -> None:
    async with Emulator(hash_cost=FAST_HASH_COST) as emu:
        transport = held_create(emu.url)
        async with LegacyAuthClient(
            emu.url, emu.token, transport=transport, retry=RetryPolicy(instant=True)
        ) as client:
            task = asyncio.create_task(create_with_password(client, emu))
            await transport.applied.wait()  # made on the server; the answer is on its way
            task.cancel()
            await asyncio.sleep(0)
            transport.release.set()
            with pytest.raises(asyncio.CancelledError) as cancelled:
                await task
            # The rollback is done once the task is: nothing waits in the background.
            assert emu.legacy_authorizations() == []
        await transport.inner.close()
        # The caller was told nothing was made (CancelledError): nothing may be left.
        assert emu.legacy_authorizations() == []
        (note,) = cancelled.value.__notes__
        assert note.startswith("rolled back: legacy authorization ")
        assert "a-given-Password-1" not in note


async def test_cancelled_twice_the_rollback_finishes_in_the_background_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="aioinflux_legacyauth")
    async with Emulator(hash_cost=FAST_HASH_COST) as emu:
        transport = held_create(emu.url)
        async with LegacyAuthClient(
            emu.url, emu.token, transport=transport, retry=RetryPolicy(instant=True)
        ) as client:
            task = asyncio.create_task(create_with_password(client, emu))
            await transport.applied.wait()
            task.cancel()
            await asyncio.sleep(0.01)  # now waiting for the create's answer, to undo it
            task.cancel()  # an impatient second Ctrl-C
            with pytest.raises(asyncio.CancelledError) as cancelled:
                await task
            assert cancelled.value.__notes__ == [
                "rollback: deleting what the create made continues in the background"
            ]
            transport.release.set()
            for _ in range(200):
                if not emu.legacy_authorizations():
                    break
                await asyncio.sleep(0.01)
            assert emu.legacy_authorizations() == []
            await asyncio.sleep(0)  # the rollback's done-callback runs
        await transport.inner.close()
    messages = [record.getMessage() for record in caplog.records]
    assert any(message.startswith("rolled back: legacy authorization ") for message in messages)
    assert not any("a-given-Password-1" in message for message in messages)
