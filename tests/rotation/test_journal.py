"""The rotation journal: durable appends, torn lines, locking, scrubbing."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from aioinflux_legacyauth.rotation.journal import ItemState, Journal, JournalError, Stage, Target

TARGETS = [Target("0000000000000001", "alice"), Target("0000000000000002", "bob")]
SECRET = "journaled-secret-1"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_create_writes_a_private_header(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl"
    journal = Journal.create(path, [*TARGETS, TARGETS[0]])
    await journal.close()
    assert mode(path) == 0o600
    (header,) = lines(path)
    assert header["type"] == "job"
    assert header["job"] == journal.job
    assert header["targets"] == [
        {"id": "0000000000000001", "username": "alice"},
        {"id": "0000000000000002", "username": "bob"},
    ]


async def test_create_refuses_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl"
    path.write_text("precious\n")
    with pytest.raises(JournalError, match="already exists"):
        Journal.create(path, TARGETS)
    assert path.read_text() == "precious\n"


async def test_create_names_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="cannot create journal"):
        Journal.create(tmp_path / "missing" / "job.jsonl", TARGETS)


async def test_appends_survive_a_reload(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl"
    journal = Journal.create(path, TARGETS)
    await journal.append({"type": "pending", "id": TARGETS[0].id, "password": SECRET})
    await journal.append({"type": "set", "id": TARGETS[0].id})
    await journal.append({"type": "pending", "id": TARGETS[1].id, "password": SECRET})
    await journal.append({"type": "failed", "id": TARGETS[1].id, "reason": "not_found"})
    await journal.close()

    again = Journal.load(path)
    first, second = again.state(TARGETS[0].id), again.state(TARGETS[1].id)
    await again.close()
    assert again.job == journal.job
    assert (first.stage, first.password) == (Stage.SET, SECRET)
    assert (second.stage, second.reason) == (Stage.FAILED, "not_found")
    assert not again.finished


async def test_a_torn_last_line_is_dropped_and_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl"
    journal = Journal.create(path, TARGETS)
    await journal.append({"type": "pending", "id": TARGETS[0].id, "password": SECRET})
    await journal.close()
    with path.open("ab") as file:
        file.write(b'{"type":"set","id":"00000')  # the crash cut this append short

    again = Journal.load(path)
    assert again.state(TARGETS[0].id).stage is Stage.PENDING
    await again.append({"type": "set", "id": TARGETS[0].id})
    await again.close()
    assert [record["type"] for record in lines(path)] == ["job", "pending", "set"]


async def test_a_corrupt_middle_line_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl"
    journal = Journal.create(path, TARGETS)
    await journal.close()
    with path.open("ab") as file:
        file.write(b"not json\n" + b'{"type":"set","id":"0000000000000001"}\n')
    with pytest.raises(JournalError, match="corrupt"):
        Journal.load(path)


@pytest.mark.parametrize(
    "content",
    [b"", b'{"type": "pending"}\n', b'{"type":"job","version":99,"job":"x","targets":[]}\n'],
)
async def test_other_files_are_not_journals(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "job.jsonl"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(JournalError, match="not a rotation journal"):
        Journal.load(path)


async def test_a_record_for_an_unknown_target_is_corruption(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl"
    journal = Journal.create(path, TARGETS)
    await journal.close()
    with path.open("ab") as file:
        file.write(b'{"type":"set","id":"ffffffffffffffff"}\n')
    with pytest.raises(JournalError, match="corrupt"):
        Journal.load(path)


async def test_a_journal_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl"
    journal = Journal.create(path, TARGETS)
    await journal.close()
    path.chmod(0o644)
    with pytest.raises(JournalError, match="chmod 600"):
        Journal.load(path)


async def test_a_journal_in_use_cannot_be_opened_twice(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl"
    journal = Journal.create(path, TARGETS)
    with pytest.raises(JournalError, match="in use"):
        Journal.load(path)
    await journal.close()
    Journal.load(path).release()  # free again once closed


async def test_appending_for_a_stranger_is_refused(tmp_path: Path) -> None:
    journal = Journal.create(tmp_path / "job.jsonl", TARGETS)
    with pytest.raises(ValueError, match="not a target"):
        await journal.append({"type": "set", "id": "ffffffffffffffff"})
    await journal.close()


async def test_concurrent_appends_share_writes_and_all_land(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl"
    many = [Target(f"{index:016x}", f"user{index}") for index in range(1, 201)]
    journal = Journal.create(path, many)
    syncs = 0
    real_fsync = os.fsync

    def counting_fsync(fd: Any) -> None:
        nonlocal syncs
        syncs += 1
        real_fsync(fd)

    original = os.fsync
    os.fsync = counting_fsync
    try:
        await asyncio.gather(
            *(journal.append({"type": "pending", "id": t.id, "password": "p" * 12}) for t in many)
        )
    finally:
        os.fsync = original
    await journal.close()
    assert len(lines(path)) == 201
    assert syncs < 200  # group commit: fewer fsyncs than appends
    assert all(journal.state(t.id).stage is Stage.PENDING for t in many)


async def test_a_failed_write_stops_every_later_append(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal.create(tmp_path / "job.jsonl", TARGETS)

    def disk_full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", disk_full)
    with pytest.raises(JournalError, match="No space left"):
        await journal.append({"type": "pending", "id": TARGETS[0].id, "password": SECRET})
    monkeypatch.undo()
    with pytest.raises(JournalError, match="could not be written"):
        await journal.append({"type": "set", "id": TARGETS[1].id})
    assert journal.state(TARGETS[0].id).stage is Stage.PLANNED
    await journal.close()


async def test_scrub_removes_every_password_atomically(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl"
    journal = Journal.create(path, TARGETS)
    created = lines(path)[0]["created"]
    for target in TARGETS:
        await journal.append({"type": "pending", "id": target.id, "password": SECRET})
        await journal.append({"type": "set", "id": target.id})
        await journal.append({"type": "verified", "id": target.id, "login": None})
        await journal.append({"type": "done", "id": target.id})
    assert journal.finished
    journal.scrub()
    await journal.close()

    text = path.read_text()
    assert SECRET not in text
    assert "password" not in text
    records = lines(path)
    assert records[0]["created"] == created
    assert records[-1] == {"type": "complete"}
    assert mode(path) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["job.jsonl"]
    again = Journal.load(path)
    again.release()
    assert again.complete
    assert again.state(TARGETS[0].id) == ItemState(Stage.DONE)


def test_item_state_repr_hides_the_password() -> None:
    assert SECRET not in repr(ItemState(Stage.PENDING, password=SECRET))


async def test_peek_targets_reads_the_job_without_taking_it(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl"
    journal = Journal.create(path, TARGETS)
    assert Journal.peek_targets(path) == tuple(TARGETS)  # while the job holds its lock
    await journal.close()
    torn = tmp_path / "torn.jsonl"
    torn.write_bytes(b'{"type":"job","vers')
    assert Journal.peek_targets(torn) is None
    other = tmp_path / "other.jsonl"
    other.write_text('{"type": "pending"}\n')
    with pytest.raises(JournalError, match="not a rotation journal"):
        Journal.peek_targets(other)
