"""The rotation Lambda handler, driven as Secrets Manager drives it: moto's server over HTTP
starts the rotation (the AWSPENDING version), the handler runs the four steps, each twice,
against the emulator as InfluxDB."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

from aioinflux_legacyauth.contrib.aws import STEPS, RotationStepError, lambda_handler
from aioinflux_legacyauth.emulator import ThreadedEmulator

if TYPE_CHECKING:
    from tests.contrib.conftest import OnMoto, Store

NAME = "influxdb/legacy/grafana"
OLD = "old-Password-1"


async def start_rotation(store: Store, name: str, token: str) -> None:
    """What Secrets Manager does before it calls the function: turn rotation on and stage
    an ``AWSPENDING`` version without a value, named by the token it passes to each step.

    moto's RotateSecret without a Lambda moves ``AWSCURRENT`` to that empty version at
    once; the labels are then put back where Secrets Manager leaves them.
    """
    (old,) = [v for v, labels in (await store.versions(name)).items() if "AWSCURRENT" in labels]
    client = store.client
    await client.rotate_secret(
        SecretId=name, ClientRequestToken=token, RotationRules={"AutomaticallyAfterDays": 30}
    )
    await client.update_secret_version_stage(
        SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=old, RemoveFromVersionId=token
    )
    await client.update_secret_version_stage(
        SecretId=name, VersionStage="AWSPREVIOUS", RemoveFromVersionId=token
    )
    await client.update_secret_version_stage(
        SecretId=name, VersionStage="AWSPENDING", MoveToVersionId=token
    )
    assert await store.versions(name) == {old: ["AWSCURRENT"], token: ["AWSPENDING"]}


@pytest.fixture
def rotation(
    moto: str,
    on_moto: OnMoto[Any],
    legacyauth_emulator: ThreadedEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[str, str]:
    """A secret for a seeded credential, its rotation started; (auth ID, the token)."""
    auth = legacyauth_emulator.create_legacy_authorization("grafana", password=OLD)
    token = str(uuid.uuid4())

    async def start(store: Store) -> None:
        await store.put("influxdb/operator", {"token": legacyauth_emulator.token, "org": "my-org"})
        # No id: the handler looks it up by username. The URL says which server.
        await store.put(
            NAME,
            {
                "engine": "timestream-influxdb",
                "username": "grafana",
                "password": OLD,
                "url": legacyauth_emulator.url,
            },
        )
        await start_rotation(store, NAME, token)

    on_moto(start)
    monkeypatch.setenv("SECRETS_MANAGER_ENDPOINT", moto)
    monkeypatch.setenv("INFLUX_TOKEN_SECRET_ID", "influxdb/operator")
    monkeypatch.delenv("INFLUX_TOKEN", raising=False)
    monkeypatch.delenv("INFLUX_HOST", raising=False)
    return auth.id, token


def step(name: str, token: str, secret: str = NAME) -> None:
    lambda_handler({"SecretId": secret, "ClientRequestToken": token, "Step": name}, None)


def test_the_four_steps_in_order_each_twice_rotate_the_credential(
    on_moto: OnMoto[Any], legacyauth_emulator: ThreadedEmulator, rotation: tuple[str, str]
) -> None:
    auth_id, token = rotation
    emulator = legacyauth_emulator

    async def read(store: Store) -> tuple[dict[str, list[str]], Any, Any]:
        versions = await store.versions(NAME)
        current = await store.value(NAME)
        pending = (
            await store.value(NAME, "AWSPENDING")
            if any(
                "AWSPENDING" in labels and version == token for version, labels in versions.items()
            )
            and len(versions) > 1
            else None
        )
        return versions, current, pending

    step("createSecret", token)
    versions, current, pending = on_moto(read)
    assert pending is not None
    assert current["password"] == OLD
    assert pending == {**current, "password": pending["password"], "id": auth_id}
    step("createSecret", token)  # a retry reuses the stored password
    assert on_moto(read)[2] == pending
    assert len(on_moto(read)[0]) == 2
    assert emulator.password_matches(auth_id, OLD)  # nothing set on the server yet

    step("setSecret", token)
    assert emulator.password_matches(auth_id, pending["password"])
    step("setSecret", token)  # logs in with it already: not set again
    assert emulator.requests.count("POST", f"*/{auth_id}/password") == 1

    step("testSecret", token)
    step("testSecret", token)
    assert on_moto(read)[1]["password"] == OLD  # not promoted before finishSecret

    step("finishSecret", token)
    step("finishSecret", token)
    versions, current, _ = on_moto(read)
    assert current == pending
    assert "AWSCURRENT" in versions[token]
    (previous,) = [v for v, labels in versions.items() if "AWSPREVIOUS" in labels]
    assert previous != token
    assert len(versions) == 2
    # Any step after the version is current returns at once.
    for name in STEPS:
        step(name, token)
    assert emulator.requests.count("POST", f"*/{auth_id}/password") == 1


def test_test_secret_fails_when_the_pending_password_was_never_set(
    on_moto: OnMoto[Any], legacyauth_emulator: ThreadedEmulator, rotation: tuple[str, str]
) -> None:
    _, token = rotation
    step("createSecret", token)
    with pytest.raises(RotationStepError, match="does not log in"):
        step("testSecret", token)
    with pytest.raises(RotationStepError, match=r"has no version .* to rotate"):
        step("setSecret", str(uuid.uuid4()))


def test_the_operator_token_may_come_from_the_environment(
    on_moto: OnMoto[Any],
    legacyauth_emulator: ThreadedEmulator,
    rotation: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    auth_id, token = rotation
    monkeypatch.delenv("INFLUX_TOKEN_SECRET_ID")
    with pytest.raises(RotationStepError, match="set INFLUX_TOKEN_SECRET_ID"):
        step("createSecret", token)
    monkeypatch.setenv("INFLUX_TOKEN", legacyauth_emulator.token)
    for name in STEPS:
        step(name, token)
    new = on_moto(lambda store: store.value(NAME))
    assert legacyauth_emulator.password_matches(auth_id, new["password"])


def test_a_secret_that_is_not_a_legacy_credential_is_refused(
    on_moto: OnMoto[Any], legacyauth_emulator: ThreadedEmulator, rotation: tuple[str, str]
) -> None:
    token = str(uuid.uuid4())

    async def start(store: Store) -> None:
        await store.put(
            "db/mysql", {"engine": "mysql", "username": "u", "password": "p", "port": 3306}
        )
        await start_rotation(store, "db/mysql", token)

    on_moto(start)
    with pytest.raises(Exception, match="keys this library does not write \\('port'\\)"):
        step("createSecret", token, "db/mysql")


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        ({"ClientRequestToken": "t", "Step": "createSecret"}, "no 'SecretId'"),
        (
            {"SecretId": "s", "ClientRequestToken": "t", "Step": "deleteSecret"},
            "unknown rotation step",
        ),
    ],
)
def test_a_malformed_event_is_refused(event: dict[str, str], problem: str) -> None:
    with pytest.raises(RotationStepError, match=problem):
        lambda_handler(event, None)
