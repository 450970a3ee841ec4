"""``aioinflux-legacyauth demo``: the README's main job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.cli.conftest import RunCli


def test_the_demo_runs_every_step_and_reports(run_cli: RunCli) -> None:
    result = run_cli("demo", "--count", "12", "--hash-cost", "4", "--concurrency", "3")
    assert result.status == 0, result.stderr
    out = result.stdout
    assert "12 created, each with a password" in out
    assert "12 listed" in out
    assert "bulk deactivate ci-runner-*: 3 ok" in out
    assert "9 ok, verified; no password left in the journal" in out
    assert "9 of 9 sampled old passwords refused" in out
    assert "aioinflux-legacyauth demo" in out  # the report table
    assert "NO" not in out.split("aioinflux-legacyauth demo", 1)[1]
    assert "INFLUX_TOKEN" not in out  # only --keep-running prints the token


def test_the_demo_survives_faults(run_cli: RunCli) -> None:
    result = run_cli(
        "demo",
        *("--count", "8", "--hash-cost", "4", "--fault-rate", "0.2", "--seed", "3"),
        # One request at a time: the seeded faults then hit the same requests every run.
        *("--concurrency", "1"),
    )
    assert result.status == 0, result.stdout + result.stderr
    assert "6 ok, verified; no password left in the journal" in result.stdout


def test_bad_demo_arguments_are_usage_errors(run_cli: RunCli) -> None:
    for argv in (
        ("--count", "2"),
        ("--hash-cost", "3"),
        ("--fault-rate", "1.5"),
        ("--concurrency", "0"),
    ):
        result = run_cli("demo", *argv)
        assert result.status == 2, argv
        assert result.stderr


def test_keep_running_serves_until_interrupted() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INFLUX_", "INFLUXDB_V2_"))}
    command = [sys.executable, "-m", "aioinflux_legacyauth", "demo", "--count", "4"]
    with subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [*command, "--hash-cost", "4", "--keep-running"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    ) as demo:
        try:
            assert demo.stdout is not None
            settings: dict[str, str] = {}
            for line in demo.stdout:
                if line.strip().startswith("export "):
                    name, _, value = line.strip().removeprefix("export ").partition("=")
                    settings[name] = value
                if len(settings) == 2:
                    break
            assert set(settings) == {"INFLUX_HOST", "INFLUX_TOKEN"}
            listing = subprocess.run(
                [sys.executable, "-m", "aioinflux_legacyauth", "list", "--json"],
                capture_output=True,
                text=True,
                env={**env, **settings},
                check=False,
                timeout=60,
            )
            assert listing.returncode == 0, listing.stderr
            auths = json.loads(listing.stdout)
            assert len(auths) == 4
            assert {auth["status"] for auth in auths} == {"active", "inactive"}
            demo.send_signal(signal.SIGINT)
            assert demo.wait(timeout=30) == 0
        finally:
            if demo.poll() is None:
                demo.kill()
