"""rotate(verify_access=True): a stronger check than a login, through provisioning.verify."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aioinflux_legacyauth import LegacyAuthClient, Outcome, Permission
from aioinflux_legacyauth.emulator import Emulator
from aioinflux_legacyauth.rotation import FileSink, rotate

if TYPE_CHECKING:
    from tests.provisioning.conftest import WriteRefusing


async def test_rotation_checks_every_database_the_permissions_cover(
    emu: Emulator, tmp_path: Path, write_refusing: WriteRefusing
) -> None:
    """A login alone passes; the access check fails while /write misbehaves, keeps the new
    password in the journal, and the next run (with /write working) finishes the job."""
    grants = [
        Permission.read_bucket(emu.buckets["metrics"], emu.org_id),
        Permission.write_bucket(emu.buckets["logs"], emu.org_id),
    ]
    auth = await emu.create_legacy_authorization("telegraf", grants, password="old-Password-1")
    journal, output = tmp_path / "rotation.journal", tmp_path / "new.json"
    transport = write_refusing
    async with LegacyAuthClient(emu.url, emu.token, transport=transport) as client:
        report = await rotate(
            client, [auth], journal=journal, sink=FileSink(output), verify_access=True
        )
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


async def test_without_the_option_only_the_login_is_checked(
    emu: Emulator, tmp_path: Path, write_refusing: WriteRefusing
) -> None:
    auth = await emu.create_legacy_authorization("telegraf", password="old-Password-1")
    transport = write_refusing
    async with LegacyAuthClient(emu.url, emu.token, transport=transport) as client:
        report = await rotate(
            client, [auth], journal=tmp_path / "j", sink=FileSink(tmp_path / "o.json")
        )
    assert report.all_ok
    assert transport.writes == 0
