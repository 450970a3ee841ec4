"""``aioinflux-legacyauth demo``: the README's main job."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
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


@contextlib.contextmanager
def _kept_running(count: int, home: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """``demo --keep-running`` in a subprocess, and the environment to run commands in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INFLUX_", "INFLUXDB_V2_"))}
    env["HOME"] = str(home)
    command = [sys.executable, "-m", "aioinflux_legacyauth", "demo", "--count", str(count)]
    with subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [*command, "--hash-cost", "4", "--keep-running"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    ) as demo:
        try:
            assert demo.stdout is not None
            yield demo, env
            demo.send_signal(signal.SIGINT)
            assert demo.wait(timeout=30) == 0
        finally:
            if demo.poll() is None:
                demo.kill()


def test_keep_running_serves_until_interrupted(tmp_path: Path) -> None:
    with _kept_running(4, tmp_path) as (demo, env):
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


def _readme_examples() -> list[list[str]]:
    """The command lines of the README's "try it on the demo's emulator" block."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    block = readme.split("after them:\n\n```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line.split("  #", 1)[0]) for line in block.splitlines() if line]


def test_keep_running_prints_names_and_the_readme_examples_work(tmp_path: Path) -> None:
    """--keep-running prints the URL, token, org and buckets; every command of the README's
    block then works against it, as printed (issue 13)."""
    with _kept_running(12, tmp_path) as (demo, env):
        assert demo.stdout is not None
        settings: dict[str, str] = {}
        shown: list[str] = []
        for line in demo.stdout:
            shown.append(line)
            if line.strip().startswith("export "):
                name, _, value = line.strip().removeprefix("export ").partition("=")
                settings[name] = value
            if line.strip().startswith("aioinflux-legacyauth rotate"):
                break
        assert settings.keys() == {"INFLUX_HOST", "INFLUX_TOKEN", "INFLUX_ORG"}
        assert settings["INFLUX_ORG"] == "my-org"
        assert any("(org my-org, buckets metrics, logs)" in line for line in shown)
        printed = {line.strip() for line in shown}
        for argv in _readme_examples():
            assert argv[0] == "aioinflux-legacyauth"
            if argv[1] in ("create", "list"):  # the demo suggests these two as well
                assert " ".join(argv) in printed
            done = subprocess.run(  # noqa: S603 - our own module, the README's arguments
                [sys.executable, "-m", "aioinflux_legacyauth", *argv[1:]],
                input="readme-example-password\n",
                capture_output=True,
                text=True,
                env={**env, **settings},
                cwd=tmp_path,
                check=False,
                timeout=60,
            )
            assert done.returncode == 0, (argv, done.stdout, done.stderr)
            assert settings["INFLUX_TOKEN"] not in done.stdout + done.stderr
        assert (tmp_path / "new.env").exists()


def test_the_demo_reports_faults_and_the_retries_that_absorbed_them(run_cli: RunCli) -> None:
    result = run_cli(
        "demo", "--count", "8", "--hash-cost", "4", "--fault-rate", "0.3", "--seed", "5",
        "--concurrency", "1",
    )  # fmt: skip
    assert result.status == 0, result.stdout + result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("faults injected")]
    injected = int(line.split()[2])
    retries = int(line.split("absorbed by ")[1].split()[0])
    assert injected > 0
    assert retries > 0
    assert line.endswith("retries: every step ended as expected")
    assert "Run it with --keep-running to try the other commands" in result.stdout
