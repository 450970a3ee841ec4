"""Whatever someone else puts at the journal or output path never receives a password.

A symbolic link, a file of another user, a hard link or a FIFO at the path is refused
before any password is made; the output file is never read or written through a link;
a journal moved away while the job runs is scrubbed where it went.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from aioinflux_legacyauth import ItemResult, LegacyAuthClient, LegacyAuthorization
from aioinflux_legacyauth.emulator import ThreadedEmulator
from aioinflux_legacyauth.rotation import (
    Credential,
    FileSink,
    JournalError,
    OutputFormat,
    render_credentials,
    rotate,
)
from aioinflux_legacyauth.rotation.journal import Journal, Target

OLD = "old-Password-1"
ALICE = Credential("0000000000000001", "alice", "s3cret-Alice-1")
BOB = Credential("0000000000000002", "bob", "s3cret-Bob-22")
CAROL = Credential("0000000000000003", "carol", "s3cret-Carol-3")
#: How long a subprocess may take before it counts as blocked (it takes well under 2 s).
BLOCKED_AFTER = 60


class MemorySink:
    """Keeps what it is given."""

    def __init__(self) -> None:
        self.published: dict[str, Credential] = {}

    async def publish(self, credentials: Sequence[Credential]) -> None:
        self.published.update((credential.id, credential) for credential in credentials)


def seed(emulator: ThreadedEmulator, count: int) -> list[LegacyAuthorization]:
    return [
        emulator.create_legacy_authorization(f"svc-{index:03}", password=OLD)
        for index in range(count)
    ]


def private_empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    path.chmod(0o600)
    return path


def owned_by_someone_else(path: Path) -> None:
    try:
        os.chown(path, 65534, 65534)
    except PermissionError:
        pytest.skip("giving a file to another user needs root")


async def refused_rotation(
    emulator: ThreadedEmulator, journal: Path, count: int = 3
) -> tuple[JournalError, list[LegacyAuthorization]]:
    auths = seed(emulator, count)
    # The emulator's request log shows nothing was sent; a real server keeps none, and
    # there the unchanged passwords say it.
    logged = isinstance(emulator, ThreadedEmulator)
    if logged:
        emulator.requests.clear()
    async with LegacyAuthClient(emulator.url, emulator.token) as client:
        with pytest.raises(JournalError) as caught:
            await rotate(client, auths, journal=journal, sink=MemorySink())
    if logged:
        assert emulator.requests.count(method="POST") == 0  # no password was sent
    assert all(emulator.password_matches(auth.id, OLD) for auth in auths)
    return caught.value, auths


# -- the journal ------------------------------------------------------------------------


async def test_a_journal_path_that_is_a_symlink_is_never_followed(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    target = private_empty_file(tmp_path / "attacker-owned-looking.jsonl")
    journal = tmp_path / "job.jsonl"
    journal.symlink_to(target)
    error, _ = await refused_rotation(legacyauth_emulator, journal)
    assert "symbolic link" in str(error)
    assert target.read_bytes() == b""
    assert journal.is_symlink()


async def test_a_dangling_symlink_at_the_journal_path_is_refused(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    target = tmp_path / "not-yet.jsonl"
    journal = tmp_path / "job.jsonl"
    journal.symlink_to(target)
    error, _ = await refused_rotation(legacyauth_emulator, journal)
    assert "symbolic link" in str(error)
    assert not target.exists()


async def test_a_journal_with_another_hard_link_is_refused(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    journal = private_empty_file(tmp_path / "job.jsonl")
    kept = tmp_path / "attackers-link"
    os.link(journal, kept)
    error, _ = await refused_rotation(legacyauth_emulator, journal)
    assert "2 hard links" in str(error)
    assert kept.read_bytes() == b""


async def test_a_journal_owned_by_another_user_is_refused(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    journal = private_empty_file(tmp_path / "job.jsonl")
    owned_by_someone_else(journal)
    error, _ = await refused_rotation(legacyauth_emulator, journal)
    assert "belongs to another user" in str(error)
    assert journal.read_bytes() == b""


async def test_peek_targets_refuses_what_load_refuses(tmp_path: Path) -> None:
    real = tmp_path / "real.jsonl"
    journal = Journal.create(real, [Target("0000000000000001", "alice")])
    await journal.close()
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    with pytest.raises(JournalError, match="symbolic link"):
        Journal.peek_targets(link)
    with pytest.raises(JournalError, match="symbolic link"):
        Journal.load(link)


def run_snippet(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter; a run that blocks counts as a failure."""
    try:
        return subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=BLOCKED_AFTER,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the process was still blocked after {BLOCKED_AFTER} s")


def test_a_fifo_at_the_journal_path_is_refused_without_blocking(tmp_path: Path) -> None:
    journal = tmp_path / "job.jsonl"
    os.mkfifo(journal, 0o600)
    done = run_snippet(
        f"""
        import asyncio
        from aioinflux_legacyauth import LegacyAuthClient, RawResponse
        from aioinflux_legacyauth.rotation import JournalError, Target, rotate
        from aioinflux_legacyauth.rotation.journal import Journal
        from aioinflux_legacyauth.testing import MockTransport

        class Sink:
            async def publish(self, credentials):
                pass

        async def main():
            try:
                Journal.peek_targets({str(journal)!r})
            except JournalError as error:
                print("peek:", error)
            transport = MockTransport(lambda request: RawResponse(204, {{}}, b""))
            async with LegacyAuthClient("http://influx.test", "t0ken", transport=transport) as c:
                task = rotate(c, [Target("0000000000000001", "alice")],
                              journal={str(journal)!r}, sink=Sink())
                try:
                    await asyncio.wait_for(task, 30)
                except JournalError as error:
                    print("rotate:", error)
            print("requests:", len(transport.requests))

        asyncio.run(main())
        """
    )
    assert done.returncode == 0, done.stderr
    assert "peek:" in done.stdout
    assert "rotate:" in done.stdout
    assert "is a FIFO, not a regular file" in done.stdout
    assert "requests: 0" in done.stdout


async def test_a_journal_moved_away_mid_job_is_scrubbed_where_it_went(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    auths = seed(legacyauth_emulator, 4)
    journal = tmp_path / "job.jsonl"
    moved = tmp_path / "moved-away.jsonl"
    decoy = private_empty_file(tmp_path / "decoy.jsonl")
    swapped = False

    def swap(result: ItemResult) -> None:
        nonlocal swapped
        if not swapped:  # while the job runs: its journal goes, a link takes its place
            swapped = True
            journal.rename(moved)
            journal.symlink_to(decoy)

    sink = MemorySink()
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        with pytest.raises(JournalError, match="replaced or moved"):
            await rotate(client, auths, journal=journal, sink=sink, on_result=swap)
    assert len(sink.published) == 4  # every credential reached the sink first
    text = moved.read_text()
    assert not any(credential.password in text for credential in sink.published.values())
    assert "password" not in text
    assert json.loads(text.splitlines()[-1]) == {"type": "complete"}
    assert decoy.read_bytes() == b""
    assert journal.is_symlink()


# -- the output file ----------------------------------------------------------------------


async def test_two_sinks_on_one_file_keep_each_others_credentials(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    first, second = FileSink(path), FileSink(path)
    await first.publish([ALICE])
    await second.publish([BOB])
    await first.publish([CAROL])  # first read the file before second wrote to it
    assert {row["id"] for row in json.loads(path.read_text())} == {ALICE.id, BOB.id, CAROL.id}
    assert first.credentials == (ALICE, BOB, CAROL)
    assert sorted(os.listdir(tmp_path)) == ["out.json"]  # no lock or temp file left


async def test_the_output_is_never_read_or_written_through_a_symlink(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(render_credentials([BOB], OutputFormat.JSON))
    link = tmp_path / "out.json"
    link.symlink_to(elsewhere)
    before = elsewhere.read_text()
    with pytest.raises(ValueError, match="symbolic link") as caught:
        await FileSink(link).publish([ALICE])
    assert BOB.password not in str(caught.value)
    assert link.is_symlink()
    assert elsewhere.read_text() == before


async def test_an_output_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    path.write_text("[]\n")
    owned_by_someone_else(path)
    with pytest.raises(ValueError, match="belongs to another user"):
        await FileSink(path).publish([ALICE])
    assert path.read_text() == "[]\n"


async def test_a_rotation_into_a_symlinked_output_changes_no_password(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    auths = seed(legacyauth_emulator, 2)
    output = tmp_path / "out.json"
    output.symlink_to(tmp_path / "anywhere.json")
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        with pytest.raises(Exception, match="symbolic link"):
            await rotate(client, auths, journal=tmp_path / "job", sink=FileSink(output))
    assert all(legacyauth_emulator.password_matches(auth.id, OLD) for auth in auths)
    assert not (tmp_path / "job").exists()


def test_a_fifo_at_the_output_path_is_refused_without_blocking(tmp_path: Path) -> None:
    output = tmp_path / "out.json"
    os.mkfifo(output, 0o600)
    done = run_snippet(
        f"""
        import asyncio
        from aioinflux_legacyauth.rotation import Credential, FileSink

        async def main():
            sink = FileSink({str(output)!r})
            try:
                await asyncio.wait_for(sink.publish([]), 30)
            except ValueError as error:
                print("refused:", error)

        asyncio.run(main())
        """
    )
    assert done.returncode == 0, done.stderr
    assert "refused:" in done.stdout
    assert "is a FIFO, not a regular file" in done.stdout


async def test_a_lock_file_of_another_user_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    lock = tmp_path / ".out.json.lock"
    lock.write_bytes(b"")
    owned_by_someone_else(lock)
    with pytest.raises(ValueError, match="belongs to another user"):
        await asyncio.wait_for(FileSink(path).publish([ALICE]), 30)
    assert not path.exists()


async def test_another_users_file_that_looks_like_a_leftover_is_left_alone(
    tmp_path: Path,
) -> None:
    planted = tmp_path / ".out.json.planted.tmp"
    planted.write_text("not ours")
    owned_by_someone_else(planted)
    ours = tmp_path / ".out.json.crashed.tmp"
    ours.write_text(render_credentials([BOB], OutputFormat.JSON))
    await FileSink(tmp_path / "out.json").publish([ALICE])
    assert planted.exists()  # not removed, and the publish did not fail over it
    assert not ours.exists()  # a crash's leftover of ours is
