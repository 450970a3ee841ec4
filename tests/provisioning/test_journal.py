"""The rescope journal on its own: what it refuses to open, and what a crash leaves."""

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


def item(auth_id: str = "3000000000000001") -> JournalItem:
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


async def test_a_job_survives_reopening_and_is_scrubbed(tmp_path: Path) -> None:
    path = tmp_path / "j"
    journal = RescopeJournal.open(path, [item()])
    assert journal.created
    assert PASSWORD not in repr(journal)
    assert PASSWORD not in repr(journal.items[0])
    await journal.append({"type": "created", "id": item().id, "new_id": "3000000000000009"})
    await journal.close()
    again = RescopeJournal.open(path, None)
    assert not again.created
    assert again.items == (item(),)
    assert again.progress(item().id).new_id == "3000000000000009"
    with pytest.raises(ValueError, match="not an item of this job"):
        await again.append({"type": "done", "id": "3000000000000007"})
    await again.append({"type": "done", "id": item().id, "new_id": "3000000000000009"})
    assert again.finished
    again.scrub()
    await again.close()
    text = path.read_text()
    assert PASSWORD not in text
    assert json.loads(text.splitlines()[-1]) == {"type": "complete"}
    reopened = RescopeJournal.open(path, None)
    assert reopened.complete
    await reopened.close()


async def test_a_torn_last_line_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "j"
    journal = RescopeJournal.open(path, [item()])
    await journal.close()
    with path.open("ab") as file:
        file.write(b'{"type":"done","id":"30')
    again = RescopeJournal.open(path, None)
    assert again.progress(item().id).stage == "planned"
    await again.close()
    assert path.read_bytes().endswith(b"}\n")


async def test_what_it_refuses(tmp_path: Path) -> None:
    with pytest.raises(RescopeJournalError, match="does not exist, and no credentials"):
        RescopeJournal.open(tmp_path / "missing", None)
    assert not (tmp_path / "missing").exists()
    held = RescopeJournal.open(tmp_path / "held", [item()])
    with pytest.raises(RescopeJournalError, match="in use by another rescope"):
        RescopeJournal.open(tmp_path / "held", None)
    await held.close()
    readable = tmp_path / "readable"
    await RescopeJournal.open(readable, [item()]).close()
    os.chmod(readable, 0o644)
    with pytest.raises(RescopeJournalError, match="readable by others"):
        RescopeJournal.open(readable, None)
    other = tmp_path / "other"
    other.write_text('{"type":"job","version":1}\n')
    other.chmod(0o600)
    with pytest.raises(RescopeJournalError, match="is not a rescope journal"):
        RescopeJournal.open(other, None)
    corrupt = tmp_path / "corrupt"
    corrupt.write_text('{"type":"rescope-job","version":1,"job":"x","items":[{}]}\n')
    corrupt.chmod(0o600)
    with pytest.raises(RescopeJournalError, match="is corrupt: KeyError"):
        RescopeJournal.open(corrupt, None)
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"not json at all")
    garbage.chmod(0o600)
    with pytest.raises(RescopeJournalError, match="not a rescope journal"):
        RescopeJournal.open(garbage, None)


async def test_a_torn_first_line_starts_the_job_over(tmp_path: Path) -> None:
    path = tmp_path / "j"
    path.write_bytes(b'{"type":"rescope-job","vers')
    path.chmod(0o600)
    assert not RescopeJournal.holds_job(path)
    journal = RescopeJournal.open(path, [item()])
    assert journal.created
    assert RescopeJournal.holds_job(path)
    await journal.close()


# -- what someone else puts at the path, and hand-edited records (issue 12) ----------------
#
# The rescope journal holds passwords too: a symbolic link, another user's file, a hard
# link or a FIFO at its path is refused; so is a record nested too deeply, out of order or
# after the end, and an unfinished item without its password. The file is left as it was,
# and released.

ITEM_ID = "3000000000000001"


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
        ({"type": "created", "id": ITEM_ID}, {"type": "created", "id": ITEM_ID}),
        PASSWORD,
    ),
    "a record after done": (
        ({"type": "done", "id": ITEM_ID}, {"type": "created", "id": ITEM_ID}),
        PASSWORD,
    ),
    "complete while unfinished": (({"type": "complete"},), PASSWORD),
    "a record after complete": (
        ({"type": "failed", "id": ITEM_ID}, {"type": "complete"}, {"type": "done", "id": ITEM_ID}),
        None,
    ),
    "an unfinished item without its password": (({"type": "created", "id": ITEM_ID},), None),
    "a message that is not text": (({"type": "failed", "id": ITEM_ID, "message": [1]},), PASSWORD),
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
    await journal.append({"type": "done", "id": ITEM_ID, "new_id": ITEM_ID})
    moved = tmp_path / "moved"
    path.rename(moved)
    decoy = empty_private(tmp_path / "decoy")
    path.symlink_to(decoy)
    with pytest.raises(RescopeJournalError, match="replaced or moved"):
        journal.scrub()
    await journal.close()
    assert PASSWORD not in moved.read_text()
    assert decoy.read_bytes() == b""
