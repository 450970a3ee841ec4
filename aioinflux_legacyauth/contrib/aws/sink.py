"""``SecretsManagerSink``: rotated credentials published to AWS Secrets Manager.

A rotation publishes a credential only after the server has its new password and a
login with it worked (``rotate()``: journal, set, verify, publish, done). The sink then
writes the new value with the ``AWSCURRENT`` label in one request, so a consumer reading
``AWSCURRENT`` never sees a password the server does not have; the old value becomes
``AWSPREVIOUS``. (Between the set and the publish the old ``AWSCURRENT`` no longer logs
in, as in AWS's own single-user rotation: a consumer that gets a 401 should read the
secret again.)

Every request that writes a version carries a ``ClientRequestToken`` derived from the
rotation job's ID (from its journal), the credential and the secret: a resumed job that
publishes a credential again sends the same token, and Secrets Manager creates no second
version. A value that is already current is not written at all.
"""

from __future__ import annotations

import asyncio
import functools
import json
import string
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar

from botocore.exceptions import ClientError

from ...rotation import Credential, Target
from .secret import (
    ENGINE,
    ForeignSecretError,
    LegacySecret,
    SecretsManagerError,
    check_ours,
    check_shape,
    load_document,
)

if TYPE_CHECKING:
    from types_aiobotocore_secretsmanager import SecretsManagerClient

__all__ = ["DEFAULT_TEMPLATE", "SecretsManagerSink"]

_T = TypeVar("_T")

#: One secret per credential, named after its username.
DEFAULT_TEMPLATE: Final = "influxdb/legacy/{username}"
_FIELDS: Final = frozenset({"username", "id"})
_TOKENS: Final = uuid.uuid5(uuid.NAMESPACE_URL, "aioinflux-legacyauth:secrets-manager-sink")
_SHOWN: Final = 5


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _check_template(template: str) -> None:
    try:
        fields = {field for _, field, _, _ in string.Formatter().parse(template) if field}
    except ValueError as exc:
        msg = f"template {template!r} is not a format string: {exc}"
        raise ValueError(msg) from None
    if not fields or fields - _FIELDS:
        msg = (
            f"template {template!r} must name each credential's secret with {{username}} "
            "and/or {id} (and nothing else); for one secret holding them all, use map_name="
        )
        raise ValueError(msg)


async def _bounded(
    limit: int, jobs: Iterable[Callable[[], Awaitable[_T]]]
) -> list[_T | BaseException]:
    """Run ``jobs`` at most ``limit`` at a time; each one's result or exception, in order."""
    gate = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[_T]]) -> _T:
        async with gate:
            return await job()

    return await asyncio.gather(*(one(job) for job in jobs), return_exceptions=True)


def _raise_collected(action: str, outcomes: Sequence[tuple[str, object]]) -> None:
    """One error for every secret that failed (names and reasons, never values)."""
    failed = [(name, error) for name, error in outcomes if isinstance(error, BaseException)]
    for _, error in failed:
        if not isinstance(error, Exception):
            raise error  # cancellation, KeyboardInterrupt: not a failure of the secret
    if not failed:
        return
    shown = "; ".join(f"{name}: {error}" for name, error in failed[:_SHOWN])
    more = f"; and {len(failed) - _SHOWN} more" if len(failed) > _SHOWN else ""
    kind = (
        ForeignSecretError
        if all(isinstance(error, ForeignSecretError) for _, error in failed)
        else SecretsManagerError
    )
    msg = f"{action} {len(failed)} of {len(outcomes)} secrets failed: {shown}{more}"
    raise kind(msg) from failed[0][1]


class SecretsManagerSink:
    """Publishes rotated credentials to AWS Secrets Manager (the extra ``aws``).

    ``client`` is an aiobotocore Secrets Manager client; it stays the caller's to close.
    ``url`` is the InfluxDB server written into each value (consumers connect with it).
    Give ``template`` (default ``influxdb/legacy/{username}``; ``{id}`` works too) for
    one secret per credential, or ``map_name`` for one secret holding a JSON object of
    values keyed by username. ``engine`` and ``db_identifier`` fill AWS's schema fields;
    ``kms_key_id`` encrypts the secrets this sink creates. At most ``concurrency``
    requests are in flight.

    :meth:`check_targets` (called by ``rotate()`` before any password changes) refuses a
    job whose targets' secrets exist and are not ours: see
    :func:`~aioinflux_legacyauth.contrib.aws.secret.check_ours`.
    """

    def __init__(
        self,
        client: SecretsManagerClient,
        *,
        url: str,
        template: str | None = None,
        map_name: str | None = None,
        engine: str = ENGINE,
        db_identifier: str | None = None,
        kms_key_id: str | None = None,
        concurrency: int = 8,
    ) -> None:
        if template is not None and map_name is not None:
            msg = "pass template= (a secret per credential) or map_name= (one secret), not both"
            raise ValueError(msg)
        if map_name is None:
            template = DEFAULT_TEMPLATE if template is None else template
            _check_template(template)
        elif not map_name:
            msg = "map_name must be a non-empty secret name"
            raise ValueError(msg)
        given: object = concurrency  # callers without a type checker may pass anything
        if not isinstance(given, int) or concurrency < 1:
            msg = f"concurrency must be a positive integer, got {concurrency!r}"
            raise ValueError(msg)
        self._client = client
        self._url = url
        self._template = template
        self._map_name = map_name
        self._engine = engine
        self._db_identifier = db_identifier
        self._kms_key_id = kms_key_id
        self._concurrency = concurrency
        #: One map update at a time: each reads, merges and writes the whole map.
        self._map_lock = asyncio.Lock()

    def __repr__(self) -> str:
        where = f"map={self._map_name!r}" if self._map_name else f"template={self._template!r}"
        return f"<SecretsManagerSink {where} url={self._url!r}>"

    def secret_name(self, target: Target | Credential) -> str:
        """The secret that holds ``target``'s credential."""
        if self._map_name is not None:
            return self._map_name
        assert self._template is not None  # noqa: S101 - set whenever map_name is not
        return self._template.format(username=target.username, id=target.id)

    def _value(self, credential: Credential) -> LegacySecret:
        return LegacySecret(
            username=credential.username,
            password=credential.password,
            auth_id=credential.id,
            url=self._url,
            engine=self._engine,
            db_identifier=self._db_identifier,
        )

    def _check(
        self, document: object, name: str, target: Target | Credential, *, entry: bool = False
    ) -> None:
        check_ours(
            document,
            name=name,
            entry=target.username if entry else None,
            username=target.username,
            auth_id=target.id,
            url=self._url,
            engine=self._engine,
        )

    # -- reading ----------------------------------------------------------------------

    async def _current(self, name: str) -> tuple[str, Any] | None:
        """The ``AWSCURRENT`` version's ID and JSON, or None if there is no value."""
        try:
            answer = await self._client.get_secret_value(SecretId=name)
        except ClientError as error:
            if _code(error) == "ResourceNotFoundException":
                return None  # no such secret, or one without a value yet
            msg = f"reading secret {name!r} failed: {error}"
            raise SecretsManagerError(msg) from error
        text: str | None = answer.get("SecretString")
        if text is None:
            msg = f"secret {name!r} exists and holds binary data; refusing to overwrite it"
            raise ForeignSecretError(msg)
        return answer["VersionId"], load_document(text, name=name)

    # -- writing ----------------------------------------------------------------------

    async def _write(self, name: str, value: str, token: str, description: str) -> None:
        """Make ``value`` the ``AWSCURRENT`` version ``token`` (creating the secret)."""
        try:
            try:
                await self._client.put_secret_value(
                    SecretId=name,
                    ClientRequestToken=token,
                    SecretString=value,
                    VersionStages=["AWSCURRENT"],
                )
            except ClientError as error:
                if _code(error) != "ResourceNotFoundException":
                    raise
                options: dict[str, Any] = {"KmsKeyId": self._kms_key_id} if self._kms_key_id else {}
                await self._client.create_secret(
                    Name=name,
                    ClientRequestToken=token,
                    SecretString=value,
                    Description=description,
                    **options,
                )
        except ClientError as error:
            msg = f"writing secret {name!r} failed: {error}"
            raise SecretsManagerError(msg) from error

    def _token(self, job: str | None, *parts: str) -> str:
        """The version's ClientRequestToken: the same for every publish of one job's value."""
        if job is None:  # published outside a rotation job: nothing to be idempotent with
            return str(uuid.uuid4())
        return str(uuid.uuid5(_TOKENS, "\n".join([job, self._url, self._engine, *parts])))

    # -- the sink -----------------------------------------------------------------------

    async def publish(self, credentials: Sequence[Credential]) -> None:
        """Store these credentials as ``AWSCURRENT`` (see the module's docstring)."""
        latest = {credential.id: credential for credential in credentials}
        if not latest:
            return
        if self._map_name is not None:
            await self._publish_map(self._map_name, list(latest.values()))
            return
        ordered = list(latest.values())
        outcomes = await _bounded(
            self._concurrency, [functools.partial(self._publish_one, c) for c in ordered]
        )
        _raise_collected(
            "publishing to",
            [(self.secret_name(c), o) for c, o in zip(ordered, outcomes, strict=True)],
        )

    async def _publish_one(self, credential: Credential) -> None:
        name = self.secret_name(credential)
        new = self._value(credential).to_document()
        current = await self._current(name)
        if current is not None:
            self._check(current[1], name, credential)
            if current[1] == new:
                return  # already current: a resumed job writes nothing again
        token = self._token(credential.job, credential.id, name)
        description = (
            f"InfluxDB legacy (v1) credential {credential.username!r} "
            f"({credential.id}) on {self._url}"
        )
        await self._write(
            name, LegacySecret.from_document(new, name=name).to_json(), token, description
        )

    async def _publish_map(self, name: str, credentials: Sequence[Credential]) -> None:
        async with self._map_lock:
            current = await self._current(name)
            held = self._check_map(name, None if current is None else current[1])
            merged = dict(held)
            for credential in credentials:
                if (entry := held.get(credential.username)) is not None:
                    self._check(entry, name, credential, entry=True)
                merged[credential.username] = self._value(credential).to_document()
            if merged == held:
                return
            jobs = sorted({credential.job for credential in credentials if credential.job})
            base = "" if current is None else current[0]
            ids = sorted(credential.id for credential in credentials)
            token = self._token(jobs[0] if len(jobs) == 1 else None, name, base, *ids)
            document = {username: merged[username] for username in sorted(merged)}
            value = _map_json(document)
            await self._write(
                name, value, token, f"InfluxDB legacy (v1) credentials on {self._url}"
            )

    def _check_map(self, name: str, document: object) -> dict[str, dict[str, str]]:
        """The map's entries, each checked to be a legacy credential under its username."""
        if document is None:
            return {}
        if not isinstance(document, dict):
            msg = f"secret {name!r} exists and is not a JSON object; refusing to overwrite it"
            raise ForeignSecretError(msg)
        for username, entry in document.items():
            check_shape(entry, name=name, engine=self._engine, entry=username)
            if entry["username"] != username:
                msg = (
                    f"secret {name!r} (entry {username!r}) holds the credential of "
                    f"{entry['username']!r}; refusing to overwrite it"
                )
                raise ForeignSecretError(msg)
        return document

    async def check_targets(self, targets: Sequence[Target]) -> None:
        """Refuse (:class:`ForeignSecretError`) if any target's secret is not ours."""
        if self._map_name is not None:
            current = await self._current(self._map_name)
            held = self._check_map(self._map_name, None if current is None else current[1])
            for target in targets:
                if (entry := held.get(target.username)) is not None:
                    self._check(entry, self._map_name, target, entry=True)
            return
        unique = list({target.id: target for target in targets}.values())
        outcomes = await _bounded(
            self._concurrency, [functools.partial(self._check_one, t) for t in unique]
        )
        _raise_collected(
            "checking", [(self.secret_name(t), o) for t, o in zip(unique, outcomes, strict=True)]
        )

    async def _check_one(self, target: Target) -> None:
        name = self.secret_name(target)
        current = await self._current(name)
        if current is not None:
            self._check(current[1], name, target)


def _map_json(document: Mapping[str, Mapping[str, str]]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
