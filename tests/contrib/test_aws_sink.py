"""SecretsManagerSink against a real Secrets Manager API (moto's server over HTTP) and the
emulator as InfluxDB: rotations published per credential and as one map, resumed without
extra versions, and secrets that are not ours refused before any password changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from aioinflux_legacyauth import LegacyAuthClient, LegacyAuthorization, Outcome
from aioinflux_legacyauth.contrib.aws import (
    ENGINE,
    ForeignSecretError,
    SecretsManagerSink,
)
from aioinflux_legacyauth.emulator import ThreadedEmulator
from aioinflux_legacyauth.rotation import Credential, PublishError, Target, rotate

if TYPE_CHECKING:
    from types_aiobotocore_secretsmanager import SecretsManagerClient

    from tests.contrib.conftest import Store


def seed(emulator: ThreadedEmulator, count: int, prefix: str = "svc") -> list[str]:
    return [
        emulator.create_legacy_authorization(f"{prefix}-{n}", password=f"old-password-{n}").id
        for n in range(count)
    ]


async def targets(client: LegacyAuthClient, ids: list[str]) -> list[LegacyAuthorization]:
    return [await client.get(auth_id) for auth_id in ids]


async def test_rotate_many_credentials_into_a_secret_each(
    legacyauth_emulator: ThreadedEmulator,
    secrets: SecretsManagerClient,
    store: Store,
    tmp_path: Path,
) -> None:
    emulator = legacyauth_emulator
    ids = seed(emulator, 24)
    # Two existed before, written by an earlier rotation; one was made empty by infra code.
    await store.put(
        "influxdb/legacy/svc-0",
        {"engine": ENGINE, "username": "svc-0", "password": "old-password-0", "id": ids[0]},
    )
    await store.put("influxdb/legacy/svc-1", {"username": "svc-1", "password": "old-password-1"})
    await secrets.create_secret(Name="influxdb/legacy/svc-2")
    sink = SecretsManagerSink(secrets, url=emulator.url)
    async with LegacyAuthClient(emulator.url, emulator.token) as client:
        report = await rotate(
            client, await targets(client, ids), journal=tmp_path / "job", sink=sink, concurrency=6
        )
        assert report.all_ok
        assert report.complete
        for n, auth_id in enumerate(ids):
            name = f"influxdb/legacy/svc-{n}"
            value = await store.value(name)
            assert value == {
                "engine": ENGINE,
                "username": f"svc-{n}",
                "password": value["password"],
                "id": auth_id,
                "url": emulator.url,
            }
            assert await client.check_login(f"svc-{n}", value["password"])
            assert not await client.check_login(f"svc-{n}", f"old-password-{n}")
            labels = sorted(map(tuple, (await store.versions(name)).values()))
            if n < 2:
                assert labels == [("AWSCURRENT",), ("AWSPREVIOUS",)]
                assert (await store.value(name, "AWSPREVIOUS"))["password"] == f"old-password-{n}"
            else:
                assert labels == [("AWSCURRENT",)]

        # Running the finished job again publishes nothing and changes nothing.
        before = {n: await store.versions(f"influxdb/legacy/svc-{n}") for n in range(24)}
        again = await rotate(client, None, journal=tmp_path / "job", sink=sink)
        assert again.counts[Outcome.ALREADY_DONE] == len(again.results) == 24
        assert {n: await store.versions(f"influxdb/legacy/svc-{n}") for n in range(24)} == before


async def test_a_publish_repeated_by_a_resumed_job_writes_no_second_version(
    secrets: SecretsManagerClient, store: Store
) -> None:
    sink = SecretsManagerSink(secrets, url="http://influx.test:8086", template="legacy/{id}")
    credential = Credential("0d9c3a1e5b2f4000", "grafana", "first-Password-1", job="job-1")
    await sink.publish([credential])
    await sink.publish([credential])
    (version,) = await store.versions("legacy/0d9c3a1e5b2f4000")
    # Even when the sink cannot see that the value is already current (a lost answer, a
    # newer version on top), the same job's credential is the same version: the token.
    await store.client.put_secret_value(
        SecretId="legacy/0d9c3a1e5b2f4000",
        SecretString=json.dumps({"username": "grafana", "password": "by-Someone-else-1"}),
    )
    await sink.publish([credential])
    assert len(await store.versions("legacy/0d9c3a1e5b2f4000")) == 2
    # A later job's password is a new version, with AWSCURRENT moved to it.
    later = Credential("0d9c3a1e5b2f4000", "grafana", "second-Password-2", job="job-2")
    await sink.publish([later])
    labels = await store.versions("legacy/0d9c3a1e5b2f4000")
    assert len(labels) == 3
    assert (await store.value("legacy/0d9c3a1e5b2f4000"))["password"] == "second-Password-2"
    assert version in labels


@pytest.mark.parametrize(
    ("existing", "reason"),
    [
        ({"username": "svc-0", "password": "p", "host": "db"}, "keys this library does not write"),
        ({"username": "someone-else", "password": "p"}, "holds the credential of 'someone-else'"),
        ("not json at all", "does not hold JSON"),
        ("[" * 100_000 + "]" * 100_000, "does not hold JSON"),
        (["svc-0"], "is not a JSON object"),
        ({"username": "svc-0", "password": "p", "id": "ffffffffffffffff"}, "another authorization"),
        ({"username": "svc-0", "password": "p", "url": "http://other:8086"}, "another server"),
        ({"username": "svc-0", "password": "p", "engine": "mysql"}, "for engine 'mysql'"),
    ],
    ids=[
        "other-keys",
        "other-username",
        "not-json",
        "nested-too-deeply",
        "not-object",
        "other-id",
        "other-url",
        "engine",
    ],
)
async def test_a_secret_that_is_not_ours_is_refused_before_any_password_changes(  # noqa: PLR0917 - fixtures and parameters
    legacyauth_emulator: ThreadedEmulator,
    secrets: SecretsManagerClient,
    store: Store,
    tmp_path: Path,
    existing: Any,
    reason: str,
) -> None:
    emulator = legacyauth_emulator
    ids = seed(emulator, 3)
    await store.put("influxdb/legacy/svc-0", existing)
    before = await store.versions("influxdb/legacy/svc-0")
    sink = SecretsManagerSink(secrets, url=emulator.url)
    async with LegacyAuthClient(emulator.url, emulator.token) as client:
        with pytest.raises(PublishError) as raised:
            await rotate(client, await targets(client, ids), journal=tmp_path / "job", sink=sink)
    assert reason in str(raised.value)
    assert "influxdb/legacy/svc-0" in str(raised.value)
    assert isinstance(raised.value.__cause__, ForeignSecretError)
    assert "old-password" not in str(raised.value)
    assert emulator.requests.count("POST", "*/password") == 0
    for n, auth_id in enumerate(ids):
        assert emulator.password_matches(auth_id, f"old-password-{n}")
    assert await store.versions("influxdb/legacy/svc-0") == before
    assert not (tmp_path / "job").exists()  # refused before the job was even journaled


async def test_publishing_over_a_foreign_secret_raises_and_leaves_it(
    secrets: SecretsManagerClient, store: Store
) -> None:
    await store.put("legacy/grafana", {"username": "grafana", "password": "theirs", "x": "1"})
    sink = SecretsManagerSink(secrets, url="http://influx.test", template="legacy/{username}")
    with pytest.raises(ForeignSecretError, match=r"1 of 2 secrets failed: legacy/grafana"):
        await sink.publish(
            [
                Credential("0d9c3a1e5b2f4000", "grafana", "new-Password-1", job="j"),
                Credential("0d9c3a1e5b2f4001", "telegraf", "new-Password-2", job="j"),
            ]
        )
    assert (await store.value("legacy/grafana"))["password"] == "theirs"
    assert (await store.value("legacy/telegraf"))["password"] == "new-Password-2"


async def test_rotate_into_one_map_secret_and_resume_without_extra_versions(
    legacyauth_emulator: ThreadedEmulator,
    secrets: SecretsManagerClient,
    store: Store,
    tmp_path: Path,
) -> None:
    emulator = legacyauth_emulator
    ids = seed(emulator, 10)
    kept = {"engine": ENGINE, "username": "untouched", "password": "kept-Password-1"}
    await store.put("influxdb/legacy", {"untouched": kept})
    sink = SecretsManagerSink(secrets, url=emulator.url, map_name="influxdb/legacy")
    async with LegacyAuthClient(emulator.url, emulator.token) as client:
        report = await rotate(client, await targets(client, ids), journal=tmp_path / "j", sink=sink)
        assert report.all_ok
        value = await store.value("influxdb/legacy")
        assert sorted(value) == sorted(["untouched", *(f"svc-{n}" for n in range(10))])
        assert value["untouched"] == kept
        for n, auth_id in enumerate(ids):
            entry = value[f"svc-{n}"]
            assert (entry["id"], entry["url"]) == (auth_id, emulator.url)
            assert await client.check_login(f"svc-{n}", entry["password"])
    written = await store.versions("influxdb/legacy")
    # Publishing all of them again (as a resumed job does) finds them current: no write.
    credentials = [
        Credential(auth_id, f"svc-{n}", value[f"svc-{n}"]["password"], job=report.job)
        for n, auth_id in enumerate(ids)
    ]
    await sink.publish(credentials)
    assert await store.versions("influxdb/legacy") == written


async def test_a_map_entry_that_is_not_ours_is_refused(
    secrets: SecretsManagerClient, store: Store
) -> None:
    await store.put("legacy", {"grafana": {"username": "grafana", "password": "p", "id": "1"}})
    sink = SecretsManagerSink(secrets, url="http://influx.test", map_name="legacy")
    with pytest.raises(
        ForeignSecretError, match=r"'legacy' \(entry 'grafana'\) holds legacy authorization 1,"
    ):
        await sink.check_targets([Target("0d9c3a1e5b2f4000", "grafana")])
    await store.put("other", {"grafana": "not an entry"})
    other = SecretsManagerSink(secrets, url="http://influx.test", map_name="other")
    with pytest.raises(ForeignSecretError, match="is not a JSON object"):
        await other.publish([Credential("0d9c3a1e5b2f4000", "grafana", "new-Password-1")])


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"template": "influxdb/legacy"}, "must name each credential's secret"),
        ({"template": "x/{password}"}, "must name each credential's secret"),
        ({"template": "x/{username"}, "is not a format string"),
        ({"template": "x/{id}", "map_name": "y"}, "not both"),
        ({"map_name": ""}, "non-empty"),
        ({"concurrency": 0}, "positive integer"),
    ],
)
def test_bad_settings_are_refused(options: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        SecretsManagerSink(object(), url="http://x.test", **options)  # type: ignore[arg-type]


def test_the_repr_names_where_it_writes() -> None:
    sink = SecretsManagerSink(object(), url="http://x.test")  # type: ignore[arg-type]
    assert (
        repr(sink)
        == "<SecretsManagerSink template='influxdb/legacy/{username}' url='http://x.test'>"
    )
