"""The 1.x ``influxdb`` client (``InfluxDBClient``) with v1 credentials, against the emulator
(or, with ``--server``, a real server).

What Grafana- and Telegraf-era tools do with a legacy credential: ping, list databases
and retention policies, write points (read-write, read-only, a mistyped database), and
try to create a database. The client asks for MessagePack and falls back to JSON, so this
also decodes the emulator's MessagePack bodies with a real decoder.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

with warnings.catch_warnings():
    # influxdb 5.3.2, the last 1.x client, calls datetime.utcfromtimestamp() at import time,
    # deprecated since Python 3.12; the suite turns warnings into errors.
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="influxdb")
    from influxdb import InfluxDBClient
    from influxdb.exceptions import InfluxDBClientError

from aioinflux_legacyauth.emulator import permission

if TYPE_CHECKING:
    from aioinflux_legacyauth.emulator import ThreadedEmulator

PASSWORD = "a-v1-password"
POINTS = [{"measurement": "cpu", "tags": {"host": "a"}, "fields": {"value": 0.5}}]
Connect = Callable[..., InfluxDBClient]


@pytest.fixture
def connect(legacyauth_emulator: ThreadedEmulator) -> Iterator[Connect]:
    """Clients for legacy usernames seeded with ``PASSWORD``; all closed after the test."""
    address = urlsplit(legacyauth_emulator.url)
    clients: list[InfluxDBClient] = []

    def make(username: str, *, database: str | None = None) -> InfluxDBClient:
        client = InfluxDBClient(
            host=address.hostname or "127.0.0.1",
            port=address.port or 8086,
            username=username,
            password=PASSWORD,
            database=database,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _seed(emu: ThreadedEmulator, username: str, *, read: bool, write: bool) -> None:
    grants = emu.bucket_permissions(read=read, write=write)
    emu.create_legacy_authorization(username, grants, password=PASSWORD)


def test_ping_needs_204_and_the_version_header(
    connect: Connect, legacyauth_emulator: ThreadedEmulator
) -> None:
    """ping() returns the X-Influxdb-Version (it raises without one): the server's own."""
    assert connect("nobody").ping() == legacyauth_emulator.version


def test_databases_and_retention_policies(
    connect: Connect, legacyauth_emulator: ThreadedEmulator
) -> None:
    """get_list_database() lists what the credential may read; get_list_retention_policies()
    gives the constant-duration rows."""
    emu = legacyauth_emulator
    only_mine = [permission("read", "buckets", id=emu.buckets["my-bucket"], org_id=emu.org_id)]
    emu.create_legacy_authorization("grafana", only_mine, password=PASSWORD)
    client = connect("grafana")
    assert client.get_list_database() == [{"name": "my-bucket"}]
    assert client.get_list_retention_policies("my-bucket") == [
        {
            "name": "autogen",
            "duration": "0s",
            "shardGroupDuration": "168h0m0s",
            "replicaN": 1,
            "default": True,
        }
    ]


@pytest.mark.emulator_only(reason="reads the request log")
def test_the_client_asks_for_messagepack_and_decodes_it(
    connect: Connect, legacyauth_emulator: ThreadedEmulator
) -> None:
    """The client asks for MessagePack, and decoded the emulator's answer."""
    emu = legacyauth_emulator
    _seed(emu, "grafana", read=True, write=False)
    assert connect("grafana").get_list_database() == [{"name": "my-bucket"}]
    assert emu.requests.records("GET", "/query")[-1].header("Accept") == "application/x-msgpack"


def test_write_points_by_permission(
    connect: Connect, legacyauth_emulator: ThreadedEmulator
) -> None:
    """write_points(): read-write succeeds, read-only is 403, a mistyped database 404."""
    emu = legacyauth_emulator
    _seed(emu, "telegraf", read=True, write=True)
    _seed(emu, "dashboards", read=True, write=False)
    assert connect("telegraf", database="my-bucket").write_points(POINTS) is True
    with pytest.raises(InfluxDBClientError) as forbidden:
        connect("dashboards", database="my-bucket").write_points(POINTS)
    assert forbidden.value.code == 403
    assert "insufficient permissions for write" in forbidden.value.content
    with pytest.raises(InfluxDBClientError) as missing:
        connect("telegraf", database="my-buckett").write_points(POINTS)
    assert missing.value.code == 404
    assert "no dbrp mapping found" in missing.value.content


def test_create_database_is_not_implemented(
    connect: Connect, legacyauth_emulator: ThreadedEmulator
) -> None:
    """create_database(): the statement's error comes back inside a 200."""
    _seed(legacyauth_emulator, "admin-tool", read=True, write=True)
    with pytest.raises(InfluxDBClientError, match="not implemented: CREATE DATABASE"):
        connect("admin-tool").create_database("new_db")


def test_a_wrong_password_is_401(connect: Connect, legacyauth_emulator: ThreadedEmulator) -> None:
    """The client's Basic auth with a wrong password: 401 Unauthorized."""
    legacyauth_emulator.create_legacy_authorization("grafana", password="another-password")
    with pytest.raises(InfluxDBClientError) as refused:
        connect("grafana").get_list_database()
    assert refused.value.code == 401
