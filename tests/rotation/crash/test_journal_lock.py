"""Two rotations on one journal: the second is refused ("in use") and touches nothing."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

EXIT_JOURNAL_ERROR = 3  # driver.py's exit status for a JournalError


def snapshot(lab: Any, job: Any) -> dict[str, Any]:
    """Everything a second driver could change: files, server requests, passwords."""
    files = {
        path.name: (path.stat().st_mode, path.read_bytes())
        for path in sorted(job.directory.iterdir())
    }
    return {
        "files": files,
        "requests": len(lab.emulator.requests),
        "password_posts": lab.emulator.requests.count(method="POST"),
    }


@pytest.mark.emulator_only(reason="reads the request log")
def test_second_driver_on_a_locked_journal_fails_cleanly(lab: Any, wait_for_file: Any) -> None:
    job = lab.new_job("locked", concurrency=1)
    marker = job.directory.parent / "locked.paused"  # outside the job's directory
    first = subprocess.Popen(  # noqa: S603 - our own driver
        job.driver_args("--pause", "after-set", "--at", "middle", "--pause-marker", str(marker)),
        env=lab.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_file(marker, first)
        before = snapshot(lab, job)
        job.check(job.output.exists(), "the paused driver published nothing yet")
        second = lab.run(job, standalone=True)
        after = snapshot(lab, job)
    finally:
        first.kill()  # the paused driver: SIGKILL, as a crash would
        _, first_stderr = first.communicate()
    job.check(first.returncode == -9, "the paused driver: " + first_stderr)
    job.check(second.returncode == EXIT_JOURNAL_ERROR, "the second driver must fail")
    job.check("in use" in second.stderr, "the error must say the journal is in use")
    job.check(str(job.journal) in second.stderr, "the error must name the journal")
    job.check(after == before, "the refused driver changed files or sent requests")

    # The lock dies with its holder: the crashed job resumes and finishes.
    lab.check_crash_invariant(job)
    lab.resume(job)
    lab.check_done(job)
