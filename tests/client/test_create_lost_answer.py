"""A create whose answer never arrives: the server may have made the credential, and no
ID says so. The error says what may exist (by username, which is unique), and how to find
it, so a caller does not believe nothing was made."""

from __future__ import annotations

import asyncio

import pytest

from aioinflux_legacyauth import (
    AiohttpTransport,
    LegacyAuthClient,
    RawResponse,
    Request,
    RetryPolicy,
    Timeout,
    TransportError,
)
from aioinflux_legacyauth._transports import base_url
from aioinflux_legacyauth.emulator import FAST_HASH_COST, Emulator

PASSWORD = "a-given-Password-1"
CREATE = ("POST", "/private/legacy/authorizations")


class LostAnswer:
    """The real transport, except that the create's answer is lost after the server made
    it (``sent=True``), or the create fails before anything is written (``sent=False``).
    With ``hold``, the lost answer waits until :attr:`release` is set."""

    def __init__(self, url: str, *, sent: bool = True, hold: bool = False) -> None:
        self.inner = AiohttpTransport(base_url(url))
        self.sent, self.hold = sent, hold
        self.applied, self.release = asyncio.Event(), asyncio.Event()

    async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
        if (request.method, request.path) != CREATE:
            return await self.inner.send(request, timeout=timeout)
        if self.sent:
            await self.inner.send(request, timeout=timeout)
            self.applied.set()
            if self.hold:
                await self.release.wait()
        raise TransportError(
            "connection reset", method=request.method, path=request.path, maybe_sent=self.sent
        )


async def create(client: LegacyAuthClient, emu: Emulator, password: str | None) -> object:
    return await client.create(
        username="grafana",
        org_id=emu.org_id,
        permissions=emu.bucket_permissions(),
        password=password,
    )


def notes(error: BaseException) -> list[str]:
    return list(getattr(error, "__notes__", []))


def what_may_exist(error: BaseException) -> list[str]:
    """The notes that say what the server may have made."""
    return [note for note in notes(error) if "may exist" in note]


@pytest.mark.parametrize("password", [PASSWORD, None], ids=["with-password", "without"])
async def test_a_create_whose_answer_was_lost_says_what_may_exist(password: str | None) -> None:
    async with Emulator(hash_cost=FAST_HASH_COST) as emu:
        transport = LostAnswer(emu.url)
        async with LegacyAuthClient(
            emu.url, emu.token, transport=transport, retry=RetryPolicy(instant=True)
        ) as client:
            with pytest.raises(TransportError) as lost:
                await create(client, emu, password)
        await transport.inner.close()
        # What the note says is true: the server made it, and the caller never heard.
        (made,) = emu.legacy_authorizations()
        assert made.username == "grafana"
    (note,) = what_may_exist(lost.value)
    assert "legacy authorization 'grafana' may exist, without a password" in note
    assert "list(username='grafana')" in note
    assert all(PASSWORD not in text for text in [*notes(lost.value), str(lost.value)])


async def test_a_create_that_cannot_have_been_sent_says_nothing_of_the_kind() -> None:
    async with Emulator(hash_cost=FAST_HASH_COST) as emu:
        transport = LostAnswer(emu.url, sent=False)
        async with LegacyAuthClient(
            emu.url, emu.token, transport=transport, retry=RetryPolicy.disabled()
        ) as client:
            with pytest.raises(TransportError) as refused:
                await create(client, emu, PASSWORD)
        await transport.inner.close()
        assert emu.legacy_authorizations() == []
    assert what_may_exist(refused.value) == []


async def test_a_cancelled_create_whose_answer_is_then_lost_says_what_may_exist() -> None:
    async with Emulator(hash_cost=FAST_HASH_COST) as emu:
        transport = LostAnswer(emu.url, hold=True)
        async with LegacyAuthClient(
            emu.url, emu.token, transport=transport, retry=RetryPolicy(instant=True)
        ) as client:
            task = asyncio.create_task(create(client, emu, PASSWORD))
            await transport.applied.wait()  # made on the server; its answer will be lost
            task.cancel()
            await asyncio.sleep(0)
            transport.release.set()
            with pytest.raises(asyncio.CancelledError) as cancelled:
                await task
        await transport.inner.close()
        assert [made.username for made in emu.legacy_authorizations()] == ["grafana"]
    (note,) = what_may_exist(cancelled.value)
    assert "legacy authorization 'grafana' may exist, without a password" in note
    assert all(PASSWORD not in text for text in notes(cancelled.value))
