"""A Secrets Manager rotation Lambda for one legacy credential.

Deploy with the handler ``aioinflux_legacyauth.contrib.aws.lambda_handler`` (install
``aioinflux-legacyauth[aws]`` into the function) and turn rotation on for a secret whose
value is a legacy credential (see :mod:`.secret`; ``id`` and ``url`` may be left out: the
ID is looked up by username, the URL comes from ``INFLUX_HOST``). Secrets Manager then
calls it with ``SecretId``, ``ClientRequestToken`` and ``Step``:

``createSecret``
    generates the new password and stores it as the ``AWSPENDING`` version named by the
    token. It is the journal of this rotation: every later step, and every retry, uses
    that stored password, never a new one.
``setSecret``
    sets it on InfluxDB with the operator token (skipped if it already logs in).
``testSecret``
    logs in with it through the v1 ``/query`` endpoint (an inactive authorization cannot
    log in; it passes with a warning).
``finishSecret``
    moves ``AWSCURRENT`` to the new version (the old one becomes ``AWSPREVIOUS``).

Each step is safe to repeat, and once the version is ``AWSCURRENT`` every step returns
at once. The function's environment says where the rest comes from:

``INFLUX_TOKEN_SECRET_ID``
    a secret holding the operator token (its value the token, or a JSON object with a
    ``token`` key, as AWS's InfluxDB admin secrets have). Preferred: Lambda shows its
    environment to whoever may read the function's configuration.
``INFLUX_TOKEN``
    the operator token itself, when there is no token secret.
``INFLUX_HOST``
    the server, for a secret without ``url``; ``INFLUX_SKIP_VERIFY`` and the library's
    other ``INFLUX_*`` settings apply as for :meth:`LegacyAuthClient.from_env`.
``SECRETS_MANAGER_ENDPOINT``
    the Secrets Manager endpoint, if not the region's default (a VPC endpoint).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import aiobotocore.session
import attrs
from botocore.exceptions import ClientError

from ... import LegacyAuthClient
from ...rotation import generate_password
from .secret import LegacySecret, SecretsManagerError, check_shape, load_document

if TYPE_CHECKING:
    from types_aiobotocore_secretsmanager import SecretsManagerClient

__all__ = ["STEPS", "LambdaSettings", "RotationStepError", "lambda_handler", "rotate_secret"]

logger: Final = logging.getLogger("aioinflux_legacyauth.contrib.aws")

#: The rotation steps Secrets Manager calls the function with, in the order it calls them.
STEPS: Final = ("createSecret", "setSecret", "testSecret", "finishSecret")
CURRENT: Final = "AWSCURRENT"
PENDING: Final = "AWSPENDING"


class RotationStepError(SecretsManagerError):
    """A rotation step cannot be done; Secrets Manager retries it, then gives up."""


@attrs.frozen
class LambdaSettings:
    """Where the function finds Secrets Manager, the server and the operator token."""

    environ: Mapping[str, str] = attrs.field(repr=False)
    endpoint_url: str | None = None
    token_secret_id: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LambdaSettings:
        """Read the settings from the function's environment (see the module's docstring)."""
        env = dict(os.environ if environ is None else environ)
        return cls(
            environ=env,
            endpoint_url=env.get("SECRETS_MANAGER_ENDPOINT") or None,
            token_secret_id=env.get("INFLUX_TOKEN_SECRET_ID") or None,
        )


def lambda_handler(event: Mapping[str, Any], context: object) -> None:
    """The Lambda entry point: run one rotation step (``event["Step"]``)."""
    asyncio.run(rotate_secret(event))


def _event(event: Mapping[str, Any]) -> tuple[str, str, str]:
    found = []
    for key in ("SecretId", "ClientRequestToken", "Step"):
        value = event.get(key)
        if not isinstance(value, str) or not value:
            msg = f"the rotation event has no {key!r}"
            raise RotationStepError(msg)
        found.append(value)
    secret_id, token, step = found
    if step not in STEPS:
        msg = f"unknown rotation step {step!r}; expected one of {', '.join(STEPS)}"
        raise RotationStepError(msg)
    return secret_id, token, step


async def rotate_secret(
    event: Mapping[str, Any], *, settings: LambdaSettings | None = None
) -> None:
    """Run the step ``event`` names on the secret it names (what the handler does)."""
    secret_id, token, step = _event(event)
    settings = settings or LambdaSettings.from_env()
    session = aiobotocore.session.get_session()
    async with session.create_client(
        "secretsmanager", endpoint_url=settings.endpoint_url
    ) as secrets:
        rotation = _Rotation(secrets, settings, secret_id, token)
        if await rotation.finished():
            logger.info("%s: version %s is already %s", step, token, CURRENT)
            return
        await getattr(rotation, _METHODS[step])()
        logger.info("%s done for version %s of %s", step, token, secret_id)


_METHODS: Final = {
    "createSecret": "create",
    "setSecret": "set",
    "testSecret": "test",
    "finishSecret": "finish",
}


@attrs.define
class _Rotation:
    """The four steps for one secret and one version (the token)."""

    secrets: SecretsManagerClient
    settings: LambdaSettings
    secret_id: str
    token: str

    async def _stages(self) -> dict[str, list[str]]:
        metadata = await self.secrets.describe_secret(SecretId=self.secret_id)
        if not metadata.get("RotationEnabled"):
            msg = f"secret {self.secret_id!r} is not enabled for rotation"
            raise RotationStepError(msg)
        return {
            version: list(stages)
            for version, stages in metadata.get("VersionIdsToStages", {}).items()
        }

    async def finished(self) -> bool:
        """Whether the version is already current; refuse a version not being rotated."""
        stages = (await self._stages()).get(self.token)
        if stages is None:
            msg = f"secret {self.secret_id!r} has no version {self.token} to rotate"
            raise RotationStepError(msg)
        if CURRENT in stages:
            return True
        if PENDING not in stages:
            msg = f"version {self.token} of secret {self.secret_id!r} is not {PENDING}"
            raise RotationStepError(msg)
        return False

    async def _read(self, stage: str, version: str | None = None) -> LegacySecret | None:
        """The value at ``stage`` (and ``version``), or None if it has none yet."""
        options: dict[str, str] = {"VersionStage": stage}
        if version is not None:
            options["VersionId"] = version
        try:
            answer = await self.secrets.get_secret_value(SecretId=self.secret_id, **options)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
        text: str | None = answer.get("SecretString")
        if text is None:
            msg = f"secret {self.secret_id!r} holds binary data, not a legacy credential"
            raise RotationStepError(msg)
        document = load_document(text, name=self.secret_id)
        check_shape(document, name=self.secret_id)
        return LegacySecret.from_document(document, name=self.secret_id)

    async def _current(self) -> LegacySecret:
        current = await self._read(CURRENT)
        if current is None:
            msg = f"secret {self.secret_id!r} has no {CURRENT} value to rotate"
            raise RotationStepError(msg)
        return current

    async def _pending(self) -> LegacySecret:
        pending = await self._read(PENDING, self.token)
        if pending is None:
            msg = f"version {self.token} of {self.secret_id!r} has no value: run createSecret"
            raise RotationStepError(msg)
        current = await self._current()
        if (pending.username, pending.url) != (current.username, current.url):
            msg = (
                f"the {PENDING} and {CURRENT} values of {self.secret_id!r} are for "
                "different credentials"
            )
            raise RotationStepError(msg)
        return pending

    async def _operator_token(self) -> str:
        if self.settings.token_secret_id is None:
            token = self.settings.environ.get("INFLUX_TOKEN")
            if not token:
                msg = (
                    "set INFLUX_TOKEN_SECRET_ID (a secret with the operator token) or INFLUX_TOKEN"
                )
                raise RotationStepError(msg)
            return token
        answer = await self.secrets.get_secret_value(SecretId=self.settings.token_secret_id)
        text = answer.get("SecretString") or ""
        try:
            document = json.loads(text)
        except RecursionError:  # nested too deeply to hold a token
            document = None
        except ValueError:
            document = text
        token = document.get("token") if isinstance(document, dict) else document
        if not isinstance(token, str) or not token:
            msg = f"secret {self.settings.token_secret_id!r} holds no operator token"
            raise RotationStepError(msg)
        return token

    async def _client(self, secret: LegacySecret) -> LegacyAuthClient:
        environ = {**self.settings.environ, "INFLUX_TOKEN": await self._operator_token()}
        if secret.url is not None:
            environ["INFLUX_HOST"] = secret.url
        elif "INFLUX_HOST" not in environ:
            msg = f"secret {self.secret_id!r} has no 'url': set INFLUX_HOST"
            raise RotationStepError(msg)
        return LegacyAuthClient.from_env(environ=environ)

    async def _auth_id(self, client: LegacyAuthClient, secret: LegacySecret) -> str:
        if secret.auth_id is not None:
            return secret.auth_id
        found = await client.list(username=secret.username)
        if len(found) != 1:
            msg = f"no legacy authorization with username {secret.username!r} on the server"
            raise RotationStepError(msg)
        return found[0].id

    # -- the steps ------------------------------------------------------------------------

    async def create(self) -> None:
        """Store a new password as the ``AWSPENDING`` version (unless it already is)."""
        current = await self._current()
        if await self._read(PENDING, self.token) is not None:
            return  # a retry: the password generated the first time stands
        async with await self._client(current) as client:
            auth_id = await self._auth_id(client, current)
            password = generate_password()
            client.check_password(password)
        pending = attrs.evolve(current, password=password, auth_id=auth_id)
        await self.secrets.put_secret_value(
            SecretId=self.secret_id,
            ClientRequestToken=self.token,
            SecretString=pending.to_json(),
            VersionStages=[PENDING],
        )

    async def set(self) -> None:
        """Set the pending password on the server (unless it already logs in)."""
        pending = await self._pending()
        async with await self._client(pending) as client:
            if await client.check_login(pending.username, pending.password):
                return
            auth_id = await self._auth_id(client, pending)
            await client.set_password(auth_id, pending.password)

    async def test(self) -> None:
        """Log in with the pending password; an inactive authorization passes unverified."""
        pending = await self._pending()
        async with await self._client(pending) as client:
            if await client.check_login(pending.username, pending.password):
                return
            current = await client.get(await self._auth_id(client, pending))
        if current.active:
            msg = f"the {PENDING} password of {self.secret_id!r} does not log in"
            raise RotationStepError(msg)
        logger.warning(
            "testSecret: legacy authorization %s is inactive and cannot log in; not verified",
            current.id,
        )

    async def finish(self) -> None:
        """Move ``AWSCURRENT`` to the new version."""
        stages = await self._stages()
        current = next((version for version, labels in stages.items() if CURRENT in labels), None)
        if current == self.token:
            return
        options = {"RemoveFromVersionId": current} if current is not None else {}
        await self.secrets.update_secret_version_stage(
            SecretId=self.secret_id, VersionStage=CURRENT, MoveToVersionId=self.token, **options
        )
