"""The rescope journal, which holds passwords too, refuses what the rotation journal does.

A symbolic link, another user's file, a hard link or a FIFO at its path; a record that is
nested too deeply, out of order or after the end; an unfinished item without its
password. Each is a RescopeJournalError, the file is left as it was, and it is released.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from aioinflux_legacyauth import AuthStatus, Permission
from aioinflux_legacyauth._models import Bucket
from aioinflux_legacyauth.provisioning.journal import (
    JournalItem,
    RescopeJournal,
    RescopeJournalError,
)
from aioinflux_legacyauth.provisioning.spec import Binding

ORG = "4e7a6b1c2d3f5a6b"
LOGS = Bucket(id="1000000000000002", org_id=ORG, name="logs")
PASSWORD = "journal-Password-1"
FIRST = "3000000000000001"


def item(auth_id: str = FIRST) -> JournalItem:
    return JournalItem(
        id=auth_id,
        username=f"user-{auth_id[-1]}",
        org_id=ORG,
        user_id="5000000000000001",
        status=AuthStatus.ACTIVE,
        old_description="",
        old_permissions=(Permission.read_bucket("1000000000000001", ORG),),
        new_description="",
        new_permissions=(Permission.read_bucket(LOGS.id, ORG),),
        bindings=(
            Binding(database="logs", retention_policy=None, bucket=LOGS, read=True, write=False),
        ),
        password=PASSWORD,
    )


def empty_private(path: Path) -> Path:
    path.write_bytes(b"")
    path.chmod(0o600)
    return path


def test_a_symlink_at_the_path_is_never_followed(tmp_path: Path) -> None:
    target = empty_private(tmp_path / "target")
    link = tmp_path / "j"
    link.symlink_to(target)
    with pytest.raises(RescopeJournalError, match="symbolic link"):
        RescopeJournal.holds_job(link)
    with pytest.raises(RescopeJournalError, match="symbolic link"):
        RescopeJournal.open(link, [item()])
    assert target.read_bytes() == b""


def test_a_hard_link_or_another_users_file_is_refused(tmp_path: Path) -> None:
    path = empty_private(tmp_path / "j")
    os.link(path, tmp_path / "kept")
    with pytest.raises(RescopeJournalError, match="2 hard links"):
        RescopeJournal.open(path, [item()])
    assert (tmp_path / "kept").read_bytes() == b""
    other = empty_private(tmp_path / "other")
    try:
        os.chown(other, 65534, 65534)
    except PermissionError:
        pytest.skip("giving a file to another user needs root")
    with pytest.raises(RescopeJournalError, match="belongs to another user"):
        RescopeJournal.open(other, [item()])
    assert other.read_bytes() == b""


def test_a_fifo_at_the_path_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "j"
    os.mkfifo(path, 0o600)
    code = f"""
        from aioinflux_legacyauth.provisioning.journal import RescopeJournal, RescopeJournalError
        for attempt in (lambda: RescopeJournal.holds_job({str(path)!r}),
                        lambda: RescopeJournal.open({str(path)!r}, None)):
            try:
                attempt()
            except RescopeJournalError as error:
                print("refused:", error)
        """
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("opening a FIFO as a journal blocked")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("is a FIFO, not a regular file") == 2


def journal_with(tmp_path: Path, *records: object, password: object = PASSWORD) -> Path:
    header: dict[str, Any] = {
        "type": "rescope-job",
        "version": 1,
        "job": "0" * 32,
        "created": "2025-01-01T00:00:00+00:00",
        "items": [{**item().to_record(), "password": password}],
    }
    lines = [json.dumps(header)]
    lines += [r if isinstance(r, str) else json.dumps(r) for r in records]
    path = tmp_path / "j"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


NESTED = '{"type": "done", "id": "3000000000000001", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
BROKEN: dict[str, tuple[tuple[object, ...], object]] = {
    "nested too deeply": ((NESTED,), PASSWORD),
    "created twice": (
        ({"type": "created", "id": FIRST}, {"type": "created", "id": FIRST}),
        PASSWORD,
    ),
    "a record after done": (
        ({"type": "done", "id": FIRST}, {"type": "created", "id": FIRST}),
        PASSWORD,
    ),
    "complete while unfinished": (({"type": "complete"},), PASSWORD),
    "a record after complete": (
        ({"type": "failed", "id": FIRST}, {"type": "complete"}, {"type": "done", "id": FIRST}),
        None,
    ),
    "an unfinished item without its password": (({"type": "created", "id": FIRST},), None),
    "a message that is not text": (({"type": "failed", "id": FIRST, "message": [1]},), PASSWORD),
}


@pytest.mark.parametrize(("records", "password"), BROKEN.values(), ids=list(BROKEN))
async def test_a_journal_that_breaks_a_rule_does_not_load(
    tmp_path: Path, records: tuple[object, ...], password: object
) -> None:
    path = journal_with(tmp_path, *records, password=password)
    before = path.read_bytes()
    with pytest.raises(RescopeJournalError, match="is corrupt") as caught:
        RescopeJournal.open(path, None)
    assert PASSWORD not in str(caught.value)
    assert path.read_bytes() == before
    journal_with(tmp_path)  # the same path again, valid: it was not left locked
    await RescopeJournal.open(path, None).close()


async def test_a_journal_moved_away_is_scrubbed_where_it_went(tmp_path: Path) -> None:
    path = tmp_path / "j"
    journal = RescopeJournal.open(path, [item()])
    await journal.append({"type": "done", "id": FIRST, "new_id": FIRST})
    moved = tmp_path / "moved"
    path.rename(moved)
    decoy = empty_private(tmp_path / "decoy")
    path.symlink_to(decoy)
    with pytest.raises(RescopeJournalError, match="replaced or moved"):
        journal.scrub()
    await journal.close()
    assert PASSWORD not in moved.read_text()
    assert decoy.read_bytes() == b""
