"""SIGKILL the rotation at random moments, once or twice, then resume it.

The emulator delays a seeded random share of the set-password requests, spreading a
40-item job out; the driver kills itself a seeded random time after ``rotate()`` starts
(holding the final scrub until then, so the kill always lands inside the job). After
each crash the invariant must hold; after the resume every credential works.
"""

from __future__ import annotations

import functools
import random
from typing import Any

import pytest

from aioinflux_legacyauth.emulator import Fault

SEEDS = range(6)
ITEMS = 40
FORMATS = ("json", "env", "csv")


def spread_out(lab: Any, job: Any, rng: random.Random) -> None:
    """Delay the first set-password request of a random 60% of the job's items."""
    for auth_id in job.ids:
        if rng.random() < 0.6:
            delay = round(rng.uniform(0.01, 0.12), 3)
            lab.emulator.faults.add(
                Fault.delayed(delay), method="POST", path=f"*/{auth_id}/password"
            )


def random_kill(rng: random.Random) -> tuple[str, ...]:
    return ("--kill-after", f"{rng.uniform(0.0, 0.8):.3f}")


@pytest.mark.emulator_only(reason="fault injection spreads the job out")
def test_random_kill_then_resume(lab: Any) -> None:
    def scenario(job: Any, rng: random.Random) -> None:
        lab.crash(job, *random_kill(rng))
        lab.resume(job)
        lab.check_done(job)

    scenarios = []
    for seed in SEEDS:
        rng = random.Random(seed)  # noqa: S311 - repeatable test timing, not security
        job = lab.new_job(
            f"random-seed{seed}",
            count=ITEMS,
            output_format=FORMATS[seed % 3],
            concurrency=(4, 1, 8)[seed % 3],
        )
        spread_out(lab, job, rng)
        scenarios.append((job.name, functools.partial(scenario, job, rng)))
    lab.run_all(scenarios)


@pytest.mark.emulator_only(reason="fault injection spreads the job out")
def test_double_crash_then_resume(lab: Any) -> None:
    """Crash, resume and crash again, then resume to the end: the resumed run re-sends the
    passwords journaled by the first run (never new ones), and nothing is lost."""

    def scenario(job: Any, first: tuple[str, ...], second: tuple[str, ...]) -> None:
        lab.crash(job, *first)
        lab.crash(job, *second)
        lab.resume(job)
        lab.check_done(job)

    plans = {
        "double-set-then-output": (
            ("--kill", "mid-set", "--at", "middle"),
            ("--kill", "mid-output", "--at", "2"),
        ),
        "double-journal-then-scrub": (
            ("--kill", "after-journal", "--at", "last"),
            ("--kill", "mid-scrub"),
        ),
        "double-torn-then-login": (
            ("--kill", "torn-journal", "--at", "middle"),
            ("--kill", "after-set", "--at", "2"),
        ),
    }
    scenarios = []
    for number, (name, (first, second)) in enumerate(plans.items()):
        job = lab.new_job(name, output_format=FORMATS[number], concurrency=4)
        scenarios.append((name, functools.partial(scenario, job, first, second)))
    for seed in (11, 12, 13):
        rng = random.Random(seed)  # noqa: S311 - repeatable test timing, not security
        job = lab.new_job(f"double-random-seed{seed}", count=ITEMS, concurrency=4)
        spread_out(lab, job, rng)
        plan = (random_kill(rng), random_kill(rng))
        scenarios.append((job.name, functools.partial(scenario, job, *plan)))
    lab.run_all(scenarios)


def test_double_crash_standalone_driver(lab: Any) -> None:
    """The same, with every run a fresh ``python driver.py`` (no fork server)."""
    job = lab.new_job("standalone", output_format="env", concurrency=4)
    lab.crash(job, "--kill", "mid-set", "--at", "first", standalone=True)
    lab.crash(job, "--kill", "after-output", "--at", "last", standalone=True)
    lab.resume(job, standalone=True)
    lab.check_done(job)
