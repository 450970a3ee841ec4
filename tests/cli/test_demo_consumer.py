"""The demo's consumer step: provision, verify as a 1.x tool, rescope, verify again."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.cli.conftest import RunCli


def test_the_demo_provisions_verifies_and_rescopes_a_consumer(run_cli: RunCli) -> None:
    result = run_cli("demo", "--count", "4", "--hash-cost", "4")
    assert result.status == 0, result.stderr
    out = result.stdout
    assert re.search(
        r"provision a consumer \(read metrics, write logs\): created [0-9a-f]{16}; database "
        r"'metrics' served by the bucket's own mapping, 'applogs' by a new one",
        out,
    )
    # What each check proved, before and after the rescope.
    assert "proved: write applogs: writable: an empty /write was accepted" in out
    assert "proved: write metrics: read-only: the mapping is visible" in out
    assert "verify it as a 1.x tool would: 6 checks: all 6 checks passed" in out
    assert "same username and password, reads logs, writes metrics" in out
    assert "proved: read logs: readable" in out
    assert "verify the new buckets: 6 checks: all 6 checks passed" in out
    assert "FAILED" not in out
    # The generated password is never shown.
    assert not [line for line in out.splitlines() if line.startswith("password")]
    assert "the consumer 'dashboards-and-agent' and its mapping are removed again" in out


def test_faults_do_not_reach_the_consumer_step(run_cli: RunCli) -> None:
    """The step's creates run with the faults paused, as seeding does."""
    result = run_cli(
        *("demo", "--count", "8", "--hash-cost", "4", "--fault-rate", "0.2", "--seed", "3"),
        *("--concurrency", "1"),
    )
    assert result.status == 0, result.stdout + result.stderr
    assert "verify the new buckets: 6 checks: all 6 checks passed" in result.stdout
