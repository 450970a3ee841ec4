"""A hand-edited journal is a JournalError, never half believed (also under ``python -O``).

Every record is checked when the journal is loaded: its shape and types, that it names a
target of the job, and that it follows the item's last record in protocol order. A
journal that fails to load, or a job that fails for any reason, releases the file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from aioinflux_legacyauth import (
    AuthStatus,
    LegacyAuthClient,
    LegacyAuthorization,
    RawResponse,
    Request,
    Timeout,
)
from aioinflux_legacyauth.emulator import ThreadedEmulator
from aioinflux_legacyauth.rotation import JournalError, Target, rotate
from aioinflux_legacyauth.rotation.journal import Journal

FIRST, SECOND = "0000000000000001", "0000000000000002"
HEADER: dict[str, Any] = {
    "type": "job",
    "version": 1,
    "job": "0123456789abcdef0123456789abcdef",
    "created": "2025-01-01T00:00:00+00:00",
    "targets": [{"id": FIRST, "username": "alice"}, {"id": SECOND, "username": "bob"}],
}
PASSWORD = "Journaled-pw-1"


def write_journal(path: Path, *records: object, header: object = None) -> Path:
    lines = [json.dumps(header if header is not None else HEADER)]
    lines += [record if isinstance(record, str) else json.dumps(record) for record in records]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def pending(auth_id: str = FIRST, password: object = PASSWORD) -> dict[str, object]:
    return {"type": "pending", "id": auth_id, "password": password}


def step(kind: str, auth_id: str = FIRST, **fields: object) -> dict[str, object]:
    return {"type": kind, "id": auth_id, **fields}


NESTED = '{"type": "set", "id": "0000000000000001", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"

BROKEN: dict[str, tuple[object, ...]] = {
    "nested too deeply": (pending(), NESTED),
    "done before set and verified": (pending(), step("done")),
    "done for a planned item": (step("done"),),
    "verified before set": (pending(), step("verified", login=True)),
    "set before pending": (step("set"),),
    "two pending records": (pending(), pending(password="Another-pw-2")),
    "failed for a planned item": (step("failed", reason="refused"),),
    "a password that is not a string": (pending(password=12345678),),
    "an empty password": (pending(password=""),),
    "an ID that is not a string": ({"type": "set", "id": 1},),
    "a stranger": (pending(auth_id="ffffffffffffffff"),),
    "an unknown type": ({"type": "rewind", "id": FIRST},),
    "a record that is a list": (["pending", FIRST],),
    "a login that is not a boolean": (pending(), step("set"), step("verified", login="yes")),
    "a failure without a reason": (pending(), step("failed", message="x")),
    "a failure message that is not text": (pending(), step("failed", reason="r", message=[1])),
    "complete while items are open": (pending(), {"type": "complete"}),
    "records after complete": (
        pending(),
        step("failed", reason="refused"),
        pending(SECOND),
        step("failed", SECOND, reason="refused"),
        {"type": "complete"},
        step("set"),
    ),
    "a verified item whose password is gone": (
        {"type": "pending", "id": FIRST},
        step("set"),
        step("verified", login=True),
    ),
}


@pytest.mark.parametrize("records", BROKEN.values(), ids=list(BROKEN))
def test_a_journal_that_breaks_a_rule_does_not_load(
    tmp_path: Path, records: tuple[object, ...]
) -> None:
    path = write_journal(tmp_path / "job.jsonl", *records)
    before = path.read_bytes()
    with pytest.raises(JournalError, match="is corrupt") as caught:
        Journal.load(path)
    assert PASSWORD not in str(caught.value)
    assert path.read_bytes() == before
    Journal.load(write_journal(tmp_path / "job.jsonl")).release()  # not left "in use"


HEADERS: dict[str, object] = {
    "targets that are not a list": {**HEADER, "targets": {"id": FIRST}},
    "a target without a username": {**HEADER, "targets": [{"id": FIRST}]},
    "a target ID that is a number": {**HEADER, "targets": [{"id": 1, "username": "a"}]},
    "an empty target ID": {**HEADER, "targets": [{"id": " ", "username": "a"}]},
    "a target listed twice": {**HEADER, "targets": [HEADER["targets"][0]] * 2},
    "a job ID that is not text": {**HEADER, "job": 7},
}


@pytest.mark.parametrize("header", HEADERS.values(), ids=list(HEADERS))
def test_a_header_that_breaks_a_rule_does_not_load(tmp_path: Path, header: object) -> None:
    path = write_journal(tmp_path / "job.jsonl", header=header)
    with pytest.raises(JournalError, match="is corrupt"):
        Journal.load(path)
    with pytest.raises(JournalError, match="is corrupt"):
        Journal.peek_targets(path)


async def test_the_whole_protocol_still_loads(tmp_path: Path) -> None:
    path = write_journal(
        tmp_path / "job.jsonl",
        pending(),
        step("set"),
        step("set"),  # a resumed item is set again
        step("verified", login=None),
        step("done"),
        pending(SECOND),
        step("failed", SECOND, reason="not_found", message="gone"),
    )
    journal = Journal.load(path)
    assert journal.finished
    journal.scrub()
    await journal.close()
    again = Journal.load(path)  # scrubbed: no passwords, and complete
    again.release()
    assert again.complete


async def test_an_append_that_breaks_a_rule_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl"
    journal = Journal.create(path, [Target(FIRST, "alice")])
    before = path.read_bytes()
    with pytest.raises(ValueError, match="after its planned stage"):
        await journal.append(step("done"))
    await journal.close()
    assert path.read_bytes() == before


def test_under_python_dash_o_a_broken_journal_is_still_refused(tmp_path: Path) -> None:
    """``assert`` is gone under -O: the checks must not be asserts."""
    path = write_journal(
        tmp_path / "job.jsonl",
        {"type": "pending", "id": FIRST},  # its password removed by hand
        step("set"),
        step("verified", login=True),
    )
    code = f"""
        import asyncio
        from aioinflux_legacyauth import LegacyAuthClient, RawResponse
        from aioinflux_legacyauth.rotation import JournalError, rotate
        from aioinflux_legacyauth.testing import MockTransport

        class Sink:
            calls = []
            async def publish(self, credentials):
                self.calls.append([c.id for c in credentials])

        async def main():
            sink = Sink()
            transport = MockTransport(lambda request: RawResponse(204, {{}}, b""))
            async with LegacyAuthClient("http://influx.test", "t0ken", transport=transport) as c:
                try:
                    report = await rotate(c, None, journal={str(path)!r}, sink=sink)
                except JournalError as error:
                    print("refused:", error)
                else:
                    print("outcomes:", [r.outcome.value for r in report.results])
            print("published:", sink.calls, "requests:", len(transport.requests))

        asyncio.run(main())
        """
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-O", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "refused:" in done.stdout
    assert "has no password" in done.stdout
    assert "published: [] requests: 0" in done.stdout


def test_python_dash_o_really_drops_asserts() -> None:
    """The test above means something only if -O does remove asserts here."""
    done = subprocess.run(
        [sys.executable, "-O", "-c", "assert False; print('asserts are off')"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.strip() == "asserts are off"


async def test_a_target_that_is_not_text_is_refused_before_any_file(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    """A username with a lone surrogate cannot be journaled: refused up front, and the
    journal path stays free for the next try."""
    good = legacyauth_emulator.create_legacy_authorization("svc-ok", password="old-Password-1")
    bad = Target(good.id, "svc-\ud800")
    journal = tmp_path / "job.jsonl"
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        with pytest.raises(ValueError, match="lone surrogate"):
            await rotate(client, [bad], journal=journal, sink=_Sink())
        assert not journal.exists()
        report = await rotate(client, [good], journal=journal, sink=_Sink())
    assert report.complete


async def test_a_journal_that_cannot_be_created_leaves_no_lock(tmp_path: Path) -> None:
    path = tmp_path / "job.jsonl"
    with pytest.raises(JournalError, match="lone surrogate"):
        Journal.create(path, [Target(FIRST, "alice\udcff")])
    assert not path.exists()
    Journal.create(path, [Target(FIRST, "alice")]).release()


async def test_an_authorization_from_a_hostile_server_is_refused_up_front(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)
    auth = LegacyAuthorization(
        id=FIRST,
        username="\ud800",
        status=AuthStatus.ACTIVE,
        org_id="4e7a6b1c2d3f5a6b",
        user_id="0d9c39f0a1b2c000",
        permissions=(),
        created_at=now,
        updated_at=now,
    )
    async with LegacyAuthClient("http://influx.test", "t0ken", transport=_NoServer()) as c:
        with pytest.raises(ValueError, match="lone surrogate"):
            await rotate(c, [auth], journal=tmp_path / "job.jsonl", sink=_Sink())


class _Sink:
    async def publish(self, credentials: object) -> None:
        return None


class _NoServer:
    async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
        raise AssertionError("nothing may be sent")
