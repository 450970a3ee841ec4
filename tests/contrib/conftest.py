"""A real Secrets Manager API over HTTP: moto's server, in its own process, on a free port.

No AWS account and no network: the server listens on 127.0.0.1 and every client here is
pointed at it. Each test starts from an empty server (moto's reset endpoint).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
from aiobotocore.session import get_session

if TYPE_CHECKING:
    from types_aiobotocore_secretsmanager import SecretsManagerClient

REGION = "us-east-1"
#: moto accepts any credentials; these keep botocore from looking for real ones.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serving(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):  # noqa: S310 - loopback
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a moto server process, for the whole session."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    with Path(log).open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 - this interpreter, moto's own module
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**env, **AWS_ENV},
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _serving(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"moto's server did not start: {log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def moto(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """moto's URL, emptied for this test; the AWS variables point botocore nowhere else."""
    request = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback
        pass
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    return moto_url


@pytest.fixture
async def secrets(moto: str) -> AsyncIterator[SecretsManagerClient]:
    """An aiobotocore Secrets Manager client talking to moto."""
    async with get_session().create_client(
        "secretsmanager", region_name=REGION, endpoint_url=moto
    ) as client:
        yield client


class Store:
    """What the tests read back from Secrets Manager, independently of the sink."""

    def __init__(self, client: SecretsManagerClient) -> None:
        self.client = client

    async def versions(self, name: str) -> dict[str, list[str]]:
        """Every version of ``name`` (deprecated ones too) and its staging labels."""
        answer = await self.client.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)
        return {v["VersionId"]: sorted(v.get("VersionStages", [])) for v in answer["Versions"]}

    async def value(self, name: str, stage: str = "AWSCURRENT") -> Any:
        """The JSON value at ``stage``."""
        answer = await self.client.get_secret_value(SecretId=name, VersionStage=stage)
        return json.loads(answer["SecretString"])

    async def put(self, name: str, document: object) -> None:
        """Create ``name`` holding ``document`` as JSON (text as it is)."""
        text = document if isinstance(document, str) else json.dumps(document)
        await self.client.create_secret(Name=name, SecretString=text)


@pytest.fixture
def store(secrets: SecretsManagerClient) -> Store:
    """Reads and seeds secrets on moto."""
    return Store(secrets)


_T = TypeVar("_T")
#: ``on_moto(work)``: run ``work(store)`` on a loop and client of its own (for sync tests).
OnMoto = Callable[[Callable[[Store], Awaitable[_T]]], _T]


@pytest.fixture
def on_moto(moto: str) -> OnMoto[Any]:
    """Run async work against moto from a sync test (the Lambda handler runs its own loop)."""

    def run(work: Callable[[Store], Awaitable[_T]]) -> _T:
        async def main() -> _T:
            async with get_session().create_client(
                "secretsmanager", region_name=REGION, endpoint_url=moto
            ) as client:
                return await work(Store(client))

        return asyncio.run(main())

    return run
