"""SIGKILL ``aioinflux-legacyauth rotate`` at random moments; the same command resumes it.

No instrumentation here: the real CLI process is killed from outside, a seeded random
time after it starts making progress. The emulator delays some set-password requests
and holds one of them for seconds, so the job cannot finish before the kill. Each job
is crashed twice, then finished by running the very same command again.
"""

from __future__ import annotations

import functools
import random
from typing import Any

import pytest

from aioinflux_legacyauth.emulator import Fault

SEEDS = (21, 22, 23)
ITEMS = 16
FORMATS = ("json", "env", "csv")
#: Longer than start-up, the wait for progress (1.5 s) and any kill delay together: the
#: held request keeps the job from finishing before the kill.
HOLD = 4.0

pytestmark = pytest.mark.emulator_only(reason="fault injection holds the job back")


def delay_some(lab: Any, job: Any, rng: random.Random) -> None:
    for auth_id in job.ids:
        if rng.random() < 0.6:
            delay = round(rng.uniform(0.02, 0.15), 3)
            lab.emulator.faults.add(
                Fault.delayed(delay), method="POST", path=f"*/{auth_id}/password"
            )


def hold(lab: Any, auth_id: str) -> None:
    """Hold the next set-password request for ``auth_id`` for HOLD seconds."""
    lab.emulator.faults.add(Fault.delayed(HOLD), method="POST", path=f"*/{auth_id}/password")


def unfinished(journal: Any, job: Any) -> list[str]:
    """Items whose next run sends a set-password request (not yet verified)."""
    advanced = journal.ids_of("verified") | journal.ids_of("done") if journal else set()
    return [auth_id for auth_id in job.ids if auth_id not in advanced]


def crash_cli(lab: Any, job: Any, delay: float) -> Any:
    run = lab.run_cli(job, kill_after=delay)
    job.check(run.returncode == -9, f"the CLI should have been killed after {delay:.3f} s")
    return lab.check_crash_invariant(job)


def test_kill_the_cli_at_random_then_rerun_the_same_command(lab: Any) -> None:
    jobs = {}
    for number, seed in enumerate(SEEDS):
        rng = random.Random(seed)  # noqa: S311 - repeatable test timing, not security
        job = lab.new_job(
            f"cli-seed{seed}", count=ITEMS, output_format=FORMATS[number], concurrency=4
        )
        hold(lab, rng.choice(job.ids))  # first: the first matching rule applies
        delay_some(lab, job, rng)
        jobs[job.name] = (job, rng)

    journals: dict[str, Any] = {}

    def first_crash(job: Any, rng: random.Random) -> None:
        journals[job.name] = crash_cli(lab, job, rng.uniform(0.0, 0.6))

    lab.run_all((name, functools.partial(first_crash, *job)) for name, job in jobs.items())

    # Crash the same command again, while it resumes: hold an item it still has to set.
    lab.emulator.faults.clear()
    second: list[tuple[str, Any]] = []
    for name, (job, rng) in jobs.items():
        left = unfinished(journals[name], job)
        if left:
            hold(lab, rng.choice(left))
            delay_some(lab, job, rng)
            second.append((name, functools.partial(crash_cli, lab, job, rng.uniform(0.0, 0.4))))
    lab.run_all(second)

    lab.emulator.faults.clear()

    def finish(job: Any) -> None:
        run = lab.run_cli(job)
        job.check(run.returncode == 0, "the same command, run again, must finish the job")
        job.check("holds no password any more" in run.stdout, "the CLI did not report it")
        lab.check_done(job)
        for other in job.runs:  # the CLI never prints a password
            for secret in job.secrets():
                job.check(secret not in other.stdout + other.stderr, "a password was printed")

    lab.run_all((name, functools.partial(finish, job)) for name, (job, _) in jobs.items())
