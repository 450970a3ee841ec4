"""rotate() with a caller's callback that raises: the items under way still finish, so
no account is left with a password only the journal holds, and every item is reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aioinflux_legacyauth import ItemResult, LegacyAuthClient, Outcome
from aioinflux_legacyauth.emulator import ThreadedEmulator
from aioinflux_legacyauth.rotation import FileSink, rotate

OLD = "old-Password-1"


async def test_a_failing_on_result_publishes_every_password_it_set(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    auths = [
        legacyauth_emulator.create_legacy_authorization(f"svc-{index:03}", password=OLD)
        for index in range(12)
    ]
    journal, output = tmp_path / "job.jsonl", tmp_path / "out.json"

    def on_result(result: ItemResult) -> None:
        message = "dashboard unreachable"
        raise ConnectionError(message)

    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        with pytest.raises(ConnectionError, match="dashboard unreachable") as caught:
            await rotate(
                client,
                auths,
                journal=journal,
                sink=FileSink(output),
                concurrency=4,
                on_result=on_result,
            )
        published = {row["id"]: row["password"] for row in json.loads(output.read_text())}
        # Whoever reads the output can log in to every account: each has its old
        # password or the one the output holds, none one that only the journal knows.
        for auth in auths:
            if auth.id in published:
                assert await client.check_login(auth.username, published[auth.id])
            else:
                assert await client.check_login(auth.username, OLD)
        report = caught.value.bulk_report  # type: ignore[attr-defined]
        assert [result.key for result in report.results] == [auth.id for auth in auths]
        assert report.counts[Outcome.OK] == len(published)
        assert report.counts[Outcome.SKIPPED] == 12 - len(published)
        assert not report.complete

        resumed = await rotate(client, None, journal=journal, sink=FileSink(output))
    assert resumed.complete
    assert resumed.counts[Outcome.ALREADY_DONE] == len(published)
    assert resumed.counts[Outcome.OK] == 12 - len(published)
