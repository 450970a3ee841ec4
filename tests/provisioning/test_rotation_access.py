"""rotate(verify_access=True): a stronger check than a login, through provisioning.verify."""

from __future__ import annotations

from pathlib import Path

from aioinflux_legacyauth import (
    AiohttpTransport,
    LegacyAuthClient,
    Outcome,
    Permission,
    RawResponse,
    Request,
    Timeout,
)
from aioinflux_legacyauth._transports import base_url
from aioinflux_legacyauth.emulator import Emulator
from aioinflux_legacyauth.rotation import FileSink, rotate


class WriteRefusing:
    """The real transport, but every /write answers 404, as for a database it cannot see."""

    def __init__(self, url: str) -> None:
        self.inner = AiohttpTransport(base_url(url))
        self.writes = 0

    async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
        if request.path == "/write":
            self.writes += 1
            body = b'{"code":"not found","message":"no dbrp mapping found"}'
            return RawResponse(404, {"Content-Type": "application/json"}, body)
        return await self.inner.send(request, timeout=timeout)


async def test_rotation_checks_every_database_the_permissions_cover(
    emu: Emulator, tmp_path: Path
) -> None:
    """A login alone passes; the access check fails while /write misbehaves, keeps the new
    password in the journal, and the next run (with /write working) finishes the job."""
    grants = [
        Permission.read_bucket(emu.buckets["metrics"], emu.org_id),
        Permission.write_bucket(emu.buckets["logs"], emu.org_id),
    ]
    auth = await emu.create_legacy_authorization("telegraf", grants, password="old-Password-1")
    journal, output = tmp_path / "rotation.journal", tmp_path / "new.json"
    transport = WriteRefusing(emu.url)
    try:
        async with LegacyAuthClient(emu.url, emu.token, transport=transport) as client:
            report = await rotate(
                client, [auth], journal=journal, sink=FileSink(output), verify_access=True
            )
    finally:
        await transport.inner.close()
    (result,) = report.results
    assert result.outcome is Outcome.FAILED
    assert "logs in, but a 1.x tool would fail" in (result.message or "")
    assert "write logs" in (result.message or "")
    assert transport.writes >= 2
    assert not report.complete
    async with LegacyAuthClient(emu.url, emu.token) as client:
        again = await rotate(
            client, None, journal=journal, sink=FileSink(output), verify_access=True
        )
    assert [r.outcome for r in again.results] == [Outcome.OK]
    assert again.complete


async def test_without_the_option_only_the_login_is_checked(emu: Emulator, tmp_path: Path) -> None:
    auth = await emu.create_legacy_authorization("telegraf", password="old-Password-1")
    transport = WriteRefusing(emu.url)
    try:
        async with LegacyAuthClient(emu.url, emu.token, transport=transport) as client:
            report = await rotate(
                client, [auth], journal=tmp_path / "j", sink=FileSink(tmp_path / "o.json")
            )
    finally:
        await transport.inner.close()
    assert report.all_ok
    assert transport.writes == 0
