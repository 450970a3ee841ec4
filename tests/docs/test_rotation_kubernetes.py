"""The CronJob of the Kubernetes guide: its manifest says what the guide says, and its
container's command rotates credentials, as Kubernetes would run it.

The command is run through the command line's ``main()`` with the arguments Kubernetes
would pass: ``$(VAR)`` expanded from the container's environment (the Job's name, the org
of the manifest), ``/state`` (the volume) a temporary directory, and the server the docs
emulator.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from aioinflux_legacyauth.cli import main as cli_main
from aioinflux_legacyauth.rotation import parse_credentials
from tests.docs.snippets import blocks

if TYPE_CHECKING:
    from tests.docs.conftest import DocsServer

PAGE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "rotation-kubernetes.md"
_VARIABLE = re.compile(r"\$\((\w+)\)")


def manifest() -> dict[str, Any]:
    (block,) = [block for block in blocks(PAGE) if block.language == "yaml"]
    (document,) = yaml.safe_load_all(block.code)
    assert isinstance(document, dict)
    return document


def container(document: dict[str, Any]) -> dict[str, Any]:
    pod = document["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (only,) = pod["containers"]
    assert isinstance(only, dict)
    return only


def test_the_cronjob_runs_one_job_at_a_time_and_retries_it() -> None:
    document = manifest()
    assert document["kind"] == "CronJob"
    assert document["spec"]["concurrencyPolicy"] == "Forbid"
    job = document["spec"]["jobTemplate"]["spec"]
    assert job["backoffLimit"] > 0
    assert job["template"]["spec"]["restartPolicy"] == "OnFailure"
    mounts = {mount["mountPath"] for mount in container(document)["volumeMounts"]}
    assert mounts == {"/state"}


def kubernetes_argv(document: dict[str, Any], job_name: str, state: Path) -> list[str]:
    """The container's command line as Kubernetes would start it for ``job_name``."""
    spec = container(document)
    values = {item["name"]: item.get("value") for item in spec["env"]}
    values["JOB_NAME"] = job_name  # from the downward API: the Job's name

    def expand(argument: str) -> str:
        expanded = _VARIABLE.sub(lambda match: str(values[match[1]]), argument)
        return expanded.replace("/state/", f"{state}/")

    assert spec["command"] == ["aioinflux-legacyauth"]
    return [expand(argument) for argument in spec["args"]]


def test_the_container_rotates_and_a_retried_pod_resumes_its_job(
    docs_server: DocsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = docs_server.emulator
    for name in ("grafana", "telegraf", "reporting"):
        emulator.create_legacy_authorization(name, password="the old password")
    emulator.create_legacy_authorization("retired", password="the old password", active=False)
    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    argv = kubernetes_argv(manifest(), "influxdb-legacy-rotation-29000000", state)

    assert cli_main(argv) == 0
    written = parse_credentials((state / "credentials.env").read_text(), "env")
    assert sorted(credential.username for credential in written) == [
        "grafana",
        "reporting",
        "telegraf",
    ]
    for credential in written:
        assert emulator.password_matches(credential.id, credential.password)

    # The pod of the same Job started again (its node was drained): nothing is rotated twice.
    assert cli_main(argv) == 0
    again = parse_credentials((state / "credentials.env").read_text(), "env")
    assert again == written
