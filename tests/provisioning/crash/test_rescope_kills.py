"""SIGKILL the rescope at every step of its protocol, then run it again.

Each job rescopes two credentials (reading ``metrics``) to read ``logs`` and write
``metrics`` under a database name of their own, which needs a new DBRP mapping each. The
driver (``driver.py``, a process of its own) is killed by SIGKILL at a step for the first
or the second credential, at concurrency 1, so the killed one is known. Right after the
crash: the journal is 0600 and holds every credential's password; the credentials before
the killed one are rescoped, those after it untouched, and the killed one is exactly
where the step says: the old credential with its password, no credential, the new one
without its password yet, or the new one with the same password. The same job run again
finishes: every credential has its new buckets and logs in with its old password, and the
journal is scrubbed.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Final

import attrs
import pytest

from aioinflux_legacyauth import LegacyAuthClient, LegacyAuthorization, Permission
from aioinflux_legacyauth.emulator import ThreadedEmulator

DRIVER: Final = Path(__file__).with_name("driver.py")
RUN_TIMEOUT: Final = 120.0
COUNT: Final = 2

#: What the killed credential is right after each kill point: "old" (with its password),
#: "none", "new-unset" (new permissions, no password yet) or "new" (with its password).
#: Whether its mapping exists is the second value.
STATE_AT: Final = {
    "before-mapping": ("old", False),
    "mid-mapping": ("old", True),
    "before-delete": ("old", True),
    "mid-delete": ("none", True),
    "before-create": ("none", True),
    "mid-create": ("new-unset", True),
    "before-password": ("new-unset", True),
    "mid-password": ("new", True),
    "mid-verify": ("new", True),
    "before-done": ("new", True),
}


@attrs.define
class Job:
    """One rescope job over freshly seeded credentials."""

    emulator: ThreadedEmulator
    directory: Path
    auths: list[LegacyAuthorization]
    passwords: dict[str, str] = attrs.field(repr=False)

    @property
    def journal(self) -> Path:
        return self.directory / "rescope.journal"

    def database(self, index: int) -> str:
        return f"{self.directory.name}_w{index}"

    def run(self, *kill: str) -> subprocess.CompletedProcess[str]:
        items = self.directory / "items.json"
        return subprocess.run(  # noqa: S603 - our own driver, with our own arguments
            [
                sys.executable,
                str(DRIVER),
                "--items",
                str(items),
                "--passwords",
                str(self.directory / "passwords.json"),
                "--journal",
                str(self.journal),
                *kill,
            ],
            env={
                **os.environ,
                "INFLUX_HOST": self.emulator.url,
                "INFLUX_TOKEN": self.emulator.token,
            },
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )

    def redacted(self, text: str) -> str:
        for password in self.passwords.values():
            text = text.replace(password, "<redacted>")
        return text

    def check(
        self, condition: object, note: str, run: subprocess.CompletedProcess[str] | None = None
    ) -> None:
        """Assert, explained without any password (pytest would show compared values)."""
        if condition:
            return
        lines = [note]
        if self.journal.exists():
            lines += ["journal:", *self.journal.read_text().splitlines()]
        if run is not None:
            lines += [f"rc={run.returncode}", run.stdout, run.stderr]
        raise AssertionError(self.redacted("\n".join(lines)))

    # -- what the server holds ------------------------------------------------------------

    def holder(self, index: int) -> LegacyAuthorization | None:
        """The credential that has the index-th username now, if any."""
        username = self.auths[index].username
        found = [a for a in self.emulator.legacy_authorizations() if a.username == username]
        return found[0] if found else None

    def new_permissions(self) -> list[str]:
        emu = self.emulator
        return sorted(
            [
                str(Permission.read_bucket(emu.buckets["logs"], emu.org_id)),
                str(Permission.write_bucket(emu.buckets["metrics"], emu.org_id)),
            ]
        )

    def state(self, index: int) -> str:
        holder = self.holder(index)
        old = self.auths[index]
        if holder is None:
            return "none"
        if holder.id == old.id:
            self.check(
                sorted(map(str, holder.permissions)) == sorted(map(str, old.permissions)),
                "old changed",
            )
            return (
                "old"
                if self.emulator.password_matches(holder.id, self.passwords[old.id])
                else "old-unset"
            )
        self.check(
            sorted(map(str, holder.permissions)) == self.new_permissions(), "a third credential"
        )
        return (
            "new"
            if self.emulator.password_matches(holder.id, self.passwords[old.id])
            else "new-unset"
        )

    def has_mapping(self, index: int) -> bool:
        return self.database(index) in {m.database for m in self.emulator.dbrp_mappings()}


def seed(emulator: ThreadedEmulator, directory: Path) -> Job:
    directory.mkdir()
    grant = [Permission.read_bucket(emulator.buckets["metrics"], emulator.org_id)]
    auths, passwords = [], {}
    for number in range(COUNT):
        password = f"p-{secrets.token_hex(12)}"
        auth = emulator.create_legacy_authorization(
            f"{directory.name}-u{number}", grant, password=password
        )
        auths.append(auth)
        passwords[auth.id] = password
    job = Job(emulator, directory, auths, passwords)
    items = [
        {"id": auth.id, "read": ["logs"], "write": [f"metrics={job.database(index)}"]}
        for index, auth in enumerate(auths)
    ]
    (directory / "items.json").write_text(json.dumps(items))
    secret = directory / "passwords.json"
    secret.touch(mode=0o600)
    secret.write_text(json.dumps(passwords))
    return job


def check_journal_holds_everything(job: Job) -> None:
    """The first line, fsync'd before any change, holds each item's password and plan."""
    job.check(stat.S_IMODE(job.journal.stat().st_mode) == 0o600, "journal mode")
    header = json.loads(job.journal.read_text().splitlines()[0])
    held = {item["id"]: item["password"] for item in header["items"]}
    job.check(held == job.passwords, "the journal does not hold every password")
    for item in header["items"]:
        job.check(item["old"]["permissions"] and item["new"]["bindings"], "a plan without records")


def resume_and_check(job: Job) -> None:
    """Run the job again: it finishes, every credential works with its old password."""
    run = job.run()
    job.check(run.returncode == 0, "the resumed run did not finish", run)
    summary = json.loads(run.stdout.splitlines()[-1])
    job.check(summary["complete"] is True, "not complete", run)
    for index, old in enumerate(job.auths):
        job.check(job.state(index) == "new", f"item {index} is {job.state(index)}, not new", run)
        job.check(job.emulator.legacy_authorization(old.id) is None, f"item {index}: old left", run)
        job.check(job.has_mapping(index), f"item {index}: no mapping", run)
    logins = asyncio.run(_logins(job))
    job.check(all(logins), f"/query refuses a rescoped credential: {logins}")
    text = job.journal.read_text()
    job.check(all(p not in text for p in job.passwords.values()), "a password survived the scrub")
    job.check(json.loads(text.splitlines()[-1]) == {"type": "complete"}, "not marked complete")
    job.check(not job.journal.with_name(job.journal.name + ".scrub").exists(), "scrub file left")


async def _logins(job: Job) -> list[bool]:
    async with LegacyAuthClient(job.emulator.url, job.emulator.token) as client:
        return [await client.check_login(a.username, job.passwords[a.id]) for a in job.auths]


@pytest.mark.parametrize("kind", list(STATE_AT))
@pytest.mark.parametrize("position", [1, 2])
def test_kill_at_each_step_then_resume(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path, kind: str, position: int
) -> None:
    job = seed(legacyauth_emulator, tmp_path / f"{kind.replace('-', '_')}_{position}")
    run = job.run("--kill", kind, "--at", str(position))
    job.check(run.returncode == -signal.SIGKILL, f"expected SIGKILL at {kind} #{position}", run)
    check_journal_holds_everything(job)
    killed = position - 1
    want_state, want_mapping = STATE_AT[kind]
    for index in range(COUNT):
        if index < killed:
            expected, mapped = "new", True
        elif index > killed:
            expected, mapped = "old", False
        else:
            expected, mapped = want_state, want_mapping
        job.check(
            job.state(index) == expected,
            f"{kind}: item {index} is {job.state(index)}, not {expected}",
            run,
        )
        job.check(job.has_mapping(index) == mapped, f"{kind}: item {index} mapping", run)
    resume_and_check(job)


def test_kill_while_writing_the_journals_first_line(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    """Torn before any change: nothing changed, and running again starts the job over."""
    job = seed(legacyauth_emulator, tmp_path / "torn")
    run = job.run("--kill", "torn-header")
    job.check(run.returncode == -signal.SIGKILL, "expected SIGKILL", run)
    job.check(not job.journal.read_bytes().endswith(b"\n"), "the first line is whole")
    job.check([job.state(i) for i in range(COUNT)] == ["old"] * COUNT, "something changed")
    resume_and_check(job)


def test_kill_while_scrubbing(legacyauth_emulator: ThreadedEmulator, tmp_path: Path) -> None:
    """Every item is done; the passwords are still in the journal until the next run."""
    job = seed(legacyauth_emulator, tmp_path / "scrub")
    run = job.run("--kill", "mid-scrub")
    job.check(run.returncode == -signal.SIGKILL, "expected SIGKILL", run)
    check_journal_holds_everything(job)
    job.check([job.state(i) for i in range(COUNT)] == ["new"] * COUNT, "not every item is done")
    resume_and_check(job)


def test_an_uninterrupted_run(legacyauth_emulator: ThreadedEmulator, tmp_path: Path) -> None:
    """The driver itself works: one run finishes the job."""
    job = seed(legacyauth_emulator, tmp_path / "whole")
    resume_and_check(job)
