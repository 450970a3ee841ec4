"""provision() cancelled (Ctrl-C) while a change is on its way: whatever the server made
is taken back, even what it made after the cancellation, whose ID the call learns only
from the answer it was waiting for. No credential is left with a password nobody got."""

from __future__ import annotations

import asyncio

import pytest

from aioinflux_legacyauth import LegacyAuthClient, RetryPolicy
from aioinflux_legacyauth.emulator import Emulator
from aioinflux_legacyauth.provisioning import CredentialSpec, Database, provision
from tests._held import HeldAnswers


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/private/legacy/authorizations"), ("POST", "/api/v2/dbrps")],
    ids=["credential", "mapping"],
)
async def test_a_provision_cancelled_while_creating_leaves_nothing(
    emu: Emulator, method: str, path: str
) -> None:
    transport = HeldAnswers(emu.url, method, path)
    spec = CredentialSpec(
        username="grafana", org="my-org", read=["metrics"], write=[Database("logs", "applogs")]
    )
    async with LegacyAuthClient(
        emu.url, emu.token, transport=transport, retry=RetryPolicy(instant=True)
    ) as client:
        task = asyncio.create_task(provision(client, spec))
        await transport.applied.wait()  # the server made it; its answer is on the way
        task.cancel()
        await asyncio.sleep(0)
        transport.release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
    await transport.inner.close()
    assert emu.legacy_authorizations() == []
    assert [m for m in emu.dbrp_mappings() if not m.virtual] == []
