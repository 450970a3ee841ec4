"""kill -9 in the middle of a rotation into Secrets Manager, then resume: every credential
ends up current in its secret and on the server, and no secret gets an extra version."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from aioinflux_legacyauth.contrib.aws import ENGINE
from aioinflux_legacyauth.emulator import ThreadedEmulator

if TYPE_CHECKING:
    from tests.contrib.conftest import OnMoto, Store

DRIVER = Path(__file__).with_name("aws_crash_driver.py")
COUNT = 30
#: Secrets that existed before the job (written by an earlier one): they get one version.
EXISTING = range(0, COUNT, 3)


def run(
    moto: str, emulator: ThreadedEmulator, folder: Path, kill_after: int = 0
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "INFLUX_HOST": emulator.url,
        "INFLUX_TOKEN": emulator.token,
        "SECRETS_MANAGER_ENDPOINT": moto,
    }
    return subprocess.run(  # noqa: S603 - this interpreter and our driver
        [
            sys.executable,
            str(DRIVER),
            "--targets",
            str(folder / "targets.json"),
            "--journal",
            str(folder / "job.journal"),
            "--kill-after",
            str(kill_after),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("kill_after", [1, COUNT // 2, COUNT - 1])
def test_a_job_killed_mid_publish_resumes_without_extra_versions(
    moto: str,
    on_moto: OnMoto[Any],
    legacyauth_emulator: ThreadedEmulator,
    tmp_path: Path,
    kill_after: int,
) -> None:
    emulator = legacyauth_emulator
    auths = [
        emulator.create_legacy_authorization(f"app-{n}", password=f"old-Password-{n}")
        for n in range(COUNT)
    ]
    (tmp_path / "targets.json").write_text(
        json.dumps([{"id": a.id, "username": a.username} for a in auths])
    )

    async def seed(store: Store) -> None:
        for n in EXISTING:
            document = {"engine": ENGINE, "username": f"app-{n}", "password": f"old-Password-{n}"}
            await store.put(f"influxdb/legacy/app-{n}", document)

    on_moto(seed)

    crashed = run(moto, emulator, tmp_path, kill_after=kill_after)
    assert crashed.returncode == -9, crashed.stderr
    resumed = run(moto, emulator, tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["complete"] is True
    assert sum(summary["counts"].values()) == COUNT
    assert set(summary["counts"]) <= {"ok", "already_done"}

    async def check(store: Store) -> list[tuple[int, list[list[str]], str]]:
        found = []
        for n in range(COUNT):
            name = f"influxdb/legacy/app-{n}"
            labels = sorted((await store.versions(name)).values())
            found.append((n, labels, (await store.value(name))["password"]))
        return found

    for n, labels, password in on_moto(check):
        expected = [["AWSCURRENT"], ["AWSPREVIOUS"]] if n in EXISTING else [["AWSCURRENT"]]
        assert labels == expected, f"app-{n}"
        assert emulator.password_matches(auths[n].id, password), f"app-{n}"
        assert not emulator.password_matches(auths[n].id, f"old-Password-{n}")
        for output in (crashed.stdout, crashed.stderr, resumed.stdout, resumed.stderr):
            assert password not in output
