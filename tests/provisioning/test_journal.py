"""The rescope journal on its own: what it refuses to open, and what a crash leaves."""

from __future__ import annotations

import json
import os
from pathlib import Path

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
