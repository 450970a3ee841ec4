"""Ctrl-C, for real: SIGINT to a bulk command mid-run, and \\x03 typed at a prompt in a pty.

The commands run as subprocesses against the emulator; every wait below is for something
to happen (requests arriving, a prompt shown), never a timing assertion.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pytest

from aioinflux_legacyauth.emulator import Fault

if TYPE_CHECKING:
    from aioinflux_legacyauth.emulator import ThreadedEmulator
    from tests.cli.conftest import PtyCli

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and ptys")

COMMAND = [sys.executable, "-m", "aioinflux_legacyauth"]
#: How long any wait may take before the test gives up (a hung command fails the test).
PATIENCE = 60.0
COUNT = 240


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.01)


def seed_slow_patches(emulator: ThreadedEmulator) -> list[str]:
    """COUNT active authorizations, and PATCHes that take a while: a run lasts seconds."""
    ids = [emulator.create_legacy_authorization(f"user-{n:03}").id for n in range(COUNT)]
    emulator.faults.add(Fault.delayed(0.05), method="PATCH", times=None)
    return ids


def interrupt_mid_run(
    emulator: ThreadedEmulator, argv: Sequence[str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Start the command, send SIGINT once some PATCHes went out, return what it did."""
    with subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [*COMMAND, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    ) as process:
        try:
            wait_for(lambda: emulator.requests.count("PATCH") >= 12, "the first PATCHes")
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=PATIENCE)
        finally:
            if process.poll() is None:
                process.kill()
    return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)


def check_against_the_server(emulator: ThreadedEmulator, outcomes: dict[str, str]) -> None:
    """ok: deactivated; skipped: untouched; unknown: either (it was in flight)."""
    status = {auth.id: str(auth.status) for auth in emulator.legacy_authorizations()}
    for auth_id, outcome in outcomes.items():
        if outcome == "ok":
            assert status[auth_id] == "inactive", auth_id
        elif outcome == "skipped":
            assert status[auth_id] == "active", auth_id
        else:
            assert outcome == "unknown", (auth_id, outcome)


def test_sigint_mid_bulk_writes_the_partial_json_report(
    emulator: ThreadedEmulator, cli_env: dict[str, str]
) -> None:
    """``deactivate --all --json > report.json``, Ctrl-C mid-run: the report is written,
    accounts for every item exactly once, and matches what the server holds."""
    ids = seed_slow_patches(emulator)
    done = interrupt_mid_run(
        emulator,
        ["deactivate", "--all", "--json", "--concurrency", "4"],
        cli_env,
    )
    assert done.returncode == 130, done.stderr
    report = json.loads(done.stdout)
    assert report["interrupted"] is True
    items = report["items"]
    assert sorted(item["id"] for item in items) == sorted(ids)  # each once, none missing
    counts = report["counts"]
    assert sum(counts.values()) == COUNT
    assert counts["ok"] >= 12 - 4  # what had been answered before the signal
    assert counts["skipped"] > 0  # the rest never started
    assert counts["unknown"] >= 1  # four were in flight
    assert counts["failed"] == counts["not_found"] == counts["already_done"] == 0
    for item in items:
        if item["outcome"] == "skipped":
            assert item["message"] == "not started: interrupted"
        if item["outcome"] == "unknown":
            assert item["message"] == "cancelled while the request was in flight"
    check_against_the_server(emulator, {item["id"]: item["outcome"] for item in items})
    assert "interrupted: the report above accounts for every item" in done.stderr
    assert "were in flight and may or may not have been applied (unknown)" in done.stderr
    assert emulator.token not in done.stdout + done.stderr


def test_sigint_mid_bulk_prints_the_summary(
    emulator: ThreadedEmulator, cli_env: dict[str, str]
) -> None:
    """In text mode: the counts of what finished, the unknown items by name, the others
    that never started on one line; then ``run the same command again``, exit 130."""
    seed_slow_patches(emulator)
    done = interrupt_mid_run(
        emulator,
        ["deactivate", "--all", "--yes", "--concurrency", "4"],
        cli_env,
    )
    assert done.returncode == 130, done.stderr
    summary, *listed = done.stdout.splitlines()
    assert summary.startswith("deactivate (interrupted): ")
    counts = {
        outcome: int(count)
        for count, outcome in (part.split() for part in summary.split(": ", 1)[1].split(", "))
    }
    assert sum(counts.values()) == COUNT
    unknown = [line for line in listed if "  unknown: " in line]
    assert len(unknown) == counts.get("unknown", 0) >= 1
    assert listed[-1] == (
        f"  {counts['skipped']} not started (skipped): interrupted before they were sent"
    )
    inactive = sum(auth.status == "inactive" for auth in emulator.legacy_authorizations())
    assert counts["ok"] <= inactive <= counts["ok"] + counts.get("unknown", 0)
    assert "run the same command again to finish" in done.stderr
    # The same command again finishes the job and says which were already done.
    again = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [*COMMAND, "deactivate", "--all", "--json"],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=PATIENCE,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    final = json.loads(again.stdout)["counts"]
    assert final["already_done"] == inactive
    assert final["ok"] == COUNT - inactive


# -- prompts, in a pseudo-terminal ------------------------------------------------------------


def test_one_ctrl_c_cancels_the_password_prompt(
    emulator: ThreadedEmulator, pty_cli: PtyCli
) -> None:
    """Ctrl-C once at ``Please type the password:``: exit 130 at once, nothing changed."""
    auth = emulator.create_legacy_authorization("prompted", password="old-password-1")
    status, shown = pty_cli(
        ["set-password", "--username", "prompted"],
        [(b"Please type the password: ", b"\x03")],
    )
    assert status == 130, shown
    assert "error: cancelled: nothing was changed" in shown
    assert "Traceback" not in shown
    assert emulator.password_matches(auth.id, "old-password-1")
    assert emulator.requests.count("POST", "*/password") == 0


def test_one_ctrl_c_cancels_the_second_password_prompt(
    emulator: ThreadedEmulator, pty_cli: PtyCli
) -> None:
    """At ``Please type it again:`` too; create then creates nothing."""
    status, shown = pty_cli(
        ["create", "--org", "my-org", "--username", "never", "--read-bucket", "my-bucket"],
        [(b"Please type the password: ", b"first-password-1\r"), (b"again: ", b"\x03")],
    )
    assert status == 130, shown
    assert "error: cancelled: nothing was changed" in shown
    assert "first-password-1" not in shown  # never echoed
    assert emulator.legacy_authorizations() == []


def test_one_ctrl_c_cancels_the_confirmation(emulator: ThreadedEmulator, pty_cli: PtyCli) -> None:
    """Ctrl-C once at delete-many's ``[y/N]``: exit 130, nothing deleted."""
    for name in ("keep-1", "keep-2"):
        emulator.create_legacy_authorization(name)
    status, shown = pty_cli(["delete-many", "--all"], [(b"[y/N] ", b"\x03")])
    assert status == 130, shown
    assert "Delete 2 legacy authorizations (keep-1, keep-2)? [y/N]" in shown
    assert "error: cancelled: nothing was changed" in shown
    assert len(emulator.legacy_authorizations()) == 2
    assert emulator.requests.count("DELETE") == 0
