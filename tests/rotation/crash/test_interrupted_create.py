"""A crash while the journal is being created leaves it empty or with half a header.

Nothing can have been sent then (no pending record can precede the header), so running
the job again starts it in that file; a file that is not a journal is never changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aioinflux_legacyauth import LegacyAuthClient
from aioinflux_legacyauth.rotation import FileSink, JournalError, Target, rotate
from aioinflux_legacyauth.rotation.journal import Journal

TARGETS = [Target("0000000000000001", "grafana"), Target("0000000000000002", "telegraf")]


def journal_file(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "job.jsonl"
    path.write_bytes(content)
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("content", [b"", b'{"type":"jo', b'{"type":"job","version":1,"jo'])
async def test_an_interrupted_create_starts_the_job_again(tmp_path: Path, content: bytes) -> None:
    path = journal_file(tmp_path, content)
    journal = Journal.load(path, restart=TARGETS)
    assert journal.created
    assert journal.targets == tuple(TARGETS)
    await journal.append({"type": "pending", "id": TARGETS[0].id, "password": "Journaled-pw-1"})
    await journal.append({"type": "set", "id": TARGETS[0].id})
    await journal.close()
    again = Journal.load(path)
    assert not again.created
    assert again.job == journal.job
    assert again.state(TARGETS[0].id).stage.name == "SET"
    await again.close()


@pytest.mark.parametrize("content", [b"", b'{"type":"job","version":1,"jo'])
async def test_without_targets_it_stays_an_error(tmp_path: Path, content: bytes) -> None:
    path = journal_file(tmp_path, content)
    with pytest.raises(JournalError, match="not a rotation journal"):
        Journal.load(path)
    assert path.read_bytes() == content


@pytest.mark.parametrize("content", [b"no newline at the end", b'{"id": 1}'])
async def test_a_file_that_is_not_a_journal_is_left_alone(tmp_path: Path, content: bytes) -> None:
    path = journal_file(tmp_path, content)
    with pytest.raises(JournalError, match="not a rotation journal"):
        Journal.load(path, restart=TARGETS)
    assert path.read_bytes() == content


async def test_rotate_reports_a_restarted_job_as_new(
    legacyauth_emulator: Any, tmp_path: Path
) -> None:
    auth = legacyauth_emulator.create_legacy_authorization("grafana", password="old-password-1")
    path = journal_file(tmp_path, b'{"type":"job","vers')
    sink = FileSink(tmp_path / "out.json")
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        report = await rotate(client, [auth], journal=path, sink=sink)
        assert report.complete
        assert not report.resumed
        (credential,) = sink.credentials
        assert await client.check_login("grafana", credential.password)
