"""The Lambda part of the AWS guide, run as Secrets Manager runs it: the function's
environment from the page, the secret in the page's shape, moto's Secrets Manager server
over HTTP, the docs emulator as InfluxDB, and the four steps in order.

What only AWS has is replaced, and nothing else: the page's ``INFLUX_HOST`` and
``SECRETS_MANAGER_ENDPOINT`` name AWS hosts, so they point at the emulator and moto here.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiobotocore.session
import pytest
import yaml

from aioinflux_legacyauth.contrib.aws import STEPS, lambda_handler
from tests.contrib.conftest import OnMoto, on_moto
from tests.contrib.test_aws_lambda import start_rotation
from tests.docs.snippets import blocks

if TYPE_CHECKING:
    from tests.contrib.conftest import Store
    from tests.docs.conftest import DocsServer

__all__ = ["on_moto"]

PAGE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "rotation-aws.md"
SECRET = "influxdb/legacy/grafana"
OLD = "the password before rotation"


def page_blocks(language: str) -> list[str]:
    return [block.code for block in blocks(PAGE) if block.language == language]


def function_environment() -> dict[str, str]:
    (environment,) = [yaml.safe_load(code) for code in page_blocks("yaml")]
    variables = environment["Environment"]["Variables"]
    assert isinstance(variables, dict)
    return {str(name): str(value) for name, value in variables.items()}


def secret_shape() -> dict[str, Any]:
    value, _policy = (json.loads(code) for code in page_blocks("json"))
    assert isinstance(value, dict)
    return value


def granted_actions() -> set[str]:
    """Every action the page's policy allows."""
    _value, policy = (json.loads(code) for code in page_blocks("json"))
    found: set[str] = set()
    for statement in policy["Statement"]:
        actions = statement["Action"]
        found.update([actions] if isinstance(actions, str) else actions)
    return found


def recording_sessions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every Secrets Manager operation the handler's sessions call."""
    called: list[str] = []
    make = aiobotocore.session.get_session

    def get_session() -> aiobotocore.session.AioSession:
        session = make()

        def record(model: Any, **kwargs: Any) -> None:
            called.append(f"secretsmanager:{model.name}")

        session.register("before-call", record)
        return session

    monkeypatch.setattr(aiobotocore.session, "get_session", get_session)
    return called


def test_the_lambda_rotates_a_secret_of_the_page_s_shape(
    docs_server: DocsServer,
    docs_moto: str,
    on_moto: OnMoto[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator = docs_server.emulator
    auth = emulator.create_legacy_authorization("grafana", password=OLD)
    environment = function_environment()
    assert set(environment) == {"INFLUX_TOKEN_SECRET_ID", "INFLUX_HOST", "SECRETS_MANAGER_ENDPOINT"}
    environment |= {"INFLUX_HOST": emulator.url, "SECRETS_MANAGER_ENDPOINT": docs_moto}
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("INFLUX_TOKEN")  # the token comes from its secret, as the page says
    # The page's shape, without "id" and "url": the handler looks the ID up by username
    # and takes the server from INFLUX_HOST.
    secret = {key: secret_shape()[key] for key in ("engine", "username")} | {"password": OLD}
    token = str(uuid.uuid4())

    async def start(store: Store) -> None:
        await store.put(environment["INFLUX_TOKEN_SECRET_ID"], {"token": emulator.token})
        await store.put(SECRET, secret)
        await start_rotation(store, SECRET, token)

    on_moto(start)
    called = recording_sessions(monkeypatch)
    for step in STEPS:
        lambda_handler({"SecretId": SECRET, "ClientRequestToken": token, "Step": step}, None)

    async def current(store: Store) -> Any:
        return await store.value(SECRET)

    rotated = on_moto(current)
    assert rotated["username"] == "grafana"
    assert rotated["password"] != OLD
    assert emulator.password_matches(auth.id, rotated["password"])
    # The policy the page gives the function allows every call it made.
    assert {"secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"} <= set(
        called
    )
    assert set(called) <= granted_actions(), set(called) - granted_actions()
