"""The value of a legacy credential's secret, and what makes a secret ours. No I/O here.

The value is AWS's InfluxDB rotation schema (``aws-samples/aws-secrets-manager-rotation-
lambdas``, ``SecretsManagerInfluxDBRotationSingleUser``: ``engine``, ``username``,
``password``, optionally ``dbIdentifier``) plus two keys of ours, so that a consumer
needs nothing else to connect::

    {"engine": "timestream-influxdb", "username": "grafana", "password": "...",
     "id": "0d9c3a1e5b2f4000", "url": "https://influx.example.com:8086"}

A secret that exists is only ever replaced if it is ours: a JSON object with no other
keys, for the same username, and (where it says) the same authorization ID and server.
Anything else is refused with :class:`ForeignSecretError`; messages name keys and
usernames, never a value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from ..._errors import LegacyAuthError

__all__ = [
    "ENGINE",
    "KEYS",
    "ForeignSecretError",
    "LegacySecret",
    "SecretsManagerError",
    "check_ours",
    "load_document",
]

#: The ``engine`` AWS's InfluxDB rotation functions expect.
ENGINE: Final = "timestream-influxdb"
#: Every key the value may have.
KEYS: Final = frozenset({"engine", "username", "password", "id", "url", "dbIdentifier"})


class SecretsManagerError(LegacyAuthError):
    """Secrets Manager refused a request, or a secret cannot be used."""


class ForeignSecretError(SecretsManagerError):
    """A secret exists and is not one this library wrote for that credential: it is not
    overwritten. Delete it, or choose another name."""


def _same_url(left: str, right: str) -> bool:
    return left.rstrip("/") == right.rstrip("/")


@attrs.frozen(slots=True)
class LegacySecret:
    """One legacy credential as its secret holds it. The password never shows in a repr."""

    username: str
    password: str = attrs.field(repr=False)
    auth_id: str | None = None
    url: str | None = None
    engine: str = ENGINE
    db_identifier: str | None = None

    def to_document(self) -> dict[str, str]:
        """The JSON object, keys in a fixed order (the same value renders the same)."""
        document = {"engine": self.engine, "username": self.username, "password": self.password}
        if self.auth_id is not None:
            document["id"] = self.auth_id
        if self.url is not None:
            document["url"] = self.url
        if self.db_identifier is not None:
            document["dbIdentifier"] = self.db_identifier
        return document

    def to_json(self) -> str:
        """The secret string."""
        return json.dumps(self.to_document(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_document(cls, document: Mapping[str, Any], *, name: str) -> LegacySecret:
        """Read a value :func:`check_ours` accepted the shape of."""
        check_shape(document, name=name)
        return cls(
            username=document["username"],
            password=document["password"],
            auth_id=document.get("id"),
            url=document.get("url"),
            engine=document.get("engine", ENGINE),
            db_identifier=document.get("dbIdentifier"),
        )


def load_document(secret_string: str, *, name: str) -> Any:
    """The JSON of a secret string; ForeignSecretError (naming no content) if it is none."""
    try:
        return json.loads(secret_string)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to be ours
        msg = f"secret {name!r} exists and does not hold JSON; refusing to overwrite it"
        raise ForeignSecretError(msg) from None


def _keys(keys: Iterable[str]) -> str:
    return ", ".join(repr(key) for key in sorted(keys))


def _label(name: str, entry: str | None) -> str:
    return repr(name) if entry is None else f"{name!r} (entry {entry!r})"


def check_shape(
    document: object, *, name: str, engine: str | None = None, entry: str | None = None
) -> None:
    """Refuse anything but a legacy credential's value (any username).

    ``entry``: the key of the value in a map secret, for the messages.
    """
    where = _label(name, entry)
    if not isinstance(document, dict):
        msg = f"secret {where} exists and is not a JSON object; refusing to overwrite it"
        raise ForeignSecretError(msg)
    if other := set(document) - KEYS:
        msg = (
            f"secret {where} exists with keys this library does not write ({_keys(other)}); "
            "refusing to overwrite it"
        )
        raise ForeignSecretError(msg)
    for key in ("username", "password"):
        if not isinstance(document.get(key), str) or not document[key]:
            msg = f"secret {where} exists without a {key!r} string; refusing to overwrite it"
            raise ForeignSecretError(msg)
    for key in KEYS - {"username", "password"}:
        if key in document and not isinstance(document[key], str):
            msg = f"secret {where} has a {key!r} that is not a string; refusing to overwrite it"
            raise ForeignSecretError(msg)
    if engine is not None and document.get("engine", engine) != engine:
        msg = (
            f"secret {where} exists for engine {document['engine']!r}, not {engine!r}; "
            "refusing to overwrite it"
        )
        raise ForeignSecretError(msg)


def check_ours(
    document: object,
    *,
    name: str,
    username: str,
    auth_id: str,
    url: str | None,
    engine: str = ENGINE,
    entry: str | None = None,
) -> None:
    """Raise :class:`ForeignSecretError` unless ``document`` is this credential's value."""
    check_shape(document, name=name, engine=engine, entry=entry)
    where = _label(name, entry)
    assert isinstance(document, dict)  # noqa: S101 - check_shape refuses anything else
    if document["username"] != username:
        msg = (
            f"secret {where} holds the credential of {document['username']!r}, not "
            f"{username!r}; refusing to overwrite it"
        )
        raise ForeignSecretError(msg)
    if document.get("id", auth_id) != auth_id:
        msg = (
            f"secret {where} holds legacy authorization {document['id']}, not {auth_id} "
            f"(same username, another authorization); refusing to overwrite it"
        )
        raise ForeignSecretError(msg)
    if url is not None and not _same_url(document.get("url", url), url):
        msg = (
            f"secret {where} holds a credential of another server ({document['url']}); "
            "refusing to overwrite it"
        )
        raise ForeignSecretError(msg)
