"""From nothing to a credential a 1.x tool uses: provision() over real HTTP, then the 1.x
``influxdb`` client (``InfluxDBClient``) logs in with it, sees its databases, and reads and
writes exactly as the permissions say. Then rescope() swaps the buckets, and the same
username and password keep working, with the new access."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

with warnings.catch_warnings():
    # influxdb 5.3.2 calls datetime.utcfromtimestamp() at import time (deprecated in 3.12).
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="influxdb")
    from influxdb import InfluxDBClient
    from influxdb.exceptions import InfluxDBClientError

from aioinflux_legacyauth import LegacyAuthClient
from aioinflux_legacyauth.emulator import ThreadedEmulator
from aioinflux_legacyauth.provisioning import (
    CredentialSpec,
    Database,
    ProvisionResult,
    RescopeItem,
    RescopeReport,
    provision,
    rescope,
)

POINTS = [{"measurement": "cpu", "tags": {"host": "a"}, "fields": {"value": 0.5}}]


@pytest.fixture
def emulator(legacyauth_emulator: ThreadedEmulator) -> ThreadedEmulator:
    """The threaded emulator (the 1.x client is synchronous), with two more buckets."""
    legacyauth_emulator.create_bucket("metrics")
    legacyauth_emulator.create_bucket("logs")
    return legacyauth_emulator


@pytest.fixture
def v1_client(emulator: ThreadedEmulator) -> Iterator[InfluxDBClient]:
    """The 1.x client as Grafana-era tools use it; logged in as ``consumer`` later."""
    address = urlsplit(emulator.url)
    client = InfluxDBClient(host=address.hostname or "127.0.0.1", port=address.port or 8086)
    yield client
    client.close()


async def _provision(emulator: ThreadedEmulator) -> ProvisionResult:
    spec = CredentialSpec(
        username="consumer",
        org=emulator.org,
        read=[Database("metrics", "grafana")],
        write=[Database("logs", "applogs")],
    )
    async with LegacyAuthClient(emulator.url, emulator.token) as client:
        return await provision(client, spec)


async def _rescope(
    emulator: ThreadedEmulator, auth_id: str, password: str, journal: Path
) -> RescopeReport:
    item = RescopeItem(target=auth_id, read=["logs"], write=["metrics"], password=password)
    async with LegacyAuthClient(emulator.url, emulator.token) as client:
        return await rescope(client, [item], journal=journal)


def _refused(operation: object) -> int:
    with pytest.raises(InfluxDBClientError) as refused:
        operation()  # type: ignore[operator]
    return int(refused.value.code)


def test_a_provisioned_credential_works_in_a_1x_client(
    emulator: ThreadedEmulator, v1_client: InfluxDBClient, tmp_path: Path
) -> None:
    result = asyncio.run(_provision(emulator))
    assert result.password is not None
    v1_client.switch_user("consumer", result.password)

    # The read bucket is there under the consumer's name (and its own); the write-only one
    # is not: SHOW DATABASES lists what the credential may read.
    assert v1_client.get_list_database() == [{"name": "grafana"}, {"name": "metrics"}]
    assert list(v1_client.query("SELECT * FROM cpu", database="grafana").get_points()) == []
    assert v1_client.write_points(POINTS, database="applogs") is True
    assert _refused(lambda: v1_client.write_points(POINTS, database="grafana")) == 403
    assert _refused(lambda: v1_client.write_points(POINTS, database="metrics_typo")) == 404
    with pytest.raises(InfluxDBClientError, match="database not found: applogs"):
        v1_client.query("SELECT * FROM cpu", database="applogs")

    # New buckets, same username and password: now it reads logs and writes metrics.
    report = asyncio.run(
        _rescope(emulator, result.authorization.id, result.password, tmp_path / "j")
    )
    assert report.all_ok
    assert {entry["name"] for entry in v1_client.get_list_database()} == {"logs", "applogs"}
    assert v1_client.write_points(POINTS, database="metrics") is True
    assert _refused(lambda: v1_client.write_points(POINTS, database="logs")) == 403
    v1_client.switch_user("consumer", "not-the-Password-1")
    assert _refused(v1_client.get_list_database) == 401
