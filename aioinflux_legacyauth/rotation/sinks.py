"""Where a rotation publishes new credentials: the sink protocol and a file sink.

A sink is the rotation's "finishSecret" step: once :meth:`CredentialSink.publish`
returns, the credentials must be stored durably, because the rotation then marks them
done. Publishing a credential again (a resumed job does) must replace the earlier copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import enum
import io
import json
import os
import re
import shlex
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

import attrs

from .durable import replace_durably
from .journal import Target

__all__ = [
    "CheckingSink",
    "Credential",
    "CredentialSink",
    "FileSink",
    "OutputFormat",
    "parse_credentials",
    "render_credentials",
]

_SCRATCH_SUFFIX: Final = ".tmp"


@attrs.frozen(slots=True)
class Credential:
    """A legacy authorization's username and its new password (hidden from the repr)."""

    id: str
    username: str
    password: str = attrs.field(repr=False)
    #: The rotation job that minted the password (its journal's job ID), or None. A sink
    #: can derive idempotency keys from it: every publish of one job's credential is the
    #: same version of it, however often a resumed job publishes it again.
    job: str | None = attrs.field(default=None, kw_only=True, eq=False)


@runtime_checkable
class CredentialSink(Protocol):
    """Receives new credentials; must store them durably before ``publish`` returns."""

    async def publish(self, credentials: Sequence[Credential]) -> None:
        """Store these credentials, replacing any earlier ones with the same ``id``.

        :func:`~aioinflux_legacyauth.rotation.rotate` first calls it with the credentials
        of an earlier run, or with none, before it changes any password: a sink that
        cannot work should fail then.
        """


@runtime_checkable
class CheckingSink(CredentialSink, Protocol):
    """A sink that can also check, before any password changes, that it may take these
    targets (a secret store refusing to overwrite what it did not write, for one)."""

    async def check_targets(self, targets: Sequence[Target]) -> None:
        """Raise if publishing a credential for any of ``targets`` would be refused."""


class OutputFormat(enum.StrEnum):
    """The file formats :class:`FileSink` writes."""

    #: A JSON array of ``{"id", "username", "password"}`` objects.
    JSON = "json"
    #: Shell-quoted ``NAME_USERNAME=...`` / ``NAME_PASSWORD=...`` lines (dotenv style).
    ENV = "env"
    #: CSV with the header ``id,username,password``.
    CSV = "csv"


_NOT_NAME: Final = re.compile(r"[^A-Z0-9]+")


def _env_prefix(username: str, auth_id: str, taken: set[str]) -> str:
    name = _NOT_NAME.sub("_", username.upper()).strip("_")
    if not name or name[0].isdigit() or name in taken:
        # Keep names unique and valid: fall back to the ID, which is unique.
        name = f"INFLUX_V1_{auth_id.upper()}"
    taken.add(name)
    return name


def render_credentials(credentials: Sequence[Credential], output_format: OutputFormat) -> str:
    """The text of an output file holding ``credentials`` in ``output_format``."""
    if output_format is OutputFormat.JSON:
        rows = [{"id": c.id, "username": c.username, "password": c.password} for c in credentials]
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if output_format is OutputFormat.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["id", "username", "password"])
        writer.writerows([c.id, c.username, c.password] for c in credentials)
        return buffer.getvalue()
    taken: set[str] = set()
    lines = ["# Legacy authorization credentials written by aioinflux-legacyauth rotate"]
    for credential in credentials:
        prefix = _env_prefix(credential.username, credential.id, taken)
        lines.append(f"# legacy authorization {credential.id}")
        lines.append(f"{prefix}_USERNAME={shlex.quote(credential.username)}")
        lines.append(f"{prefix}_PASSWORD={shlex.quote(credential.password)}")
    return "\n".join(lines) + "\n"


def _field(row: object, key: str) -> str:
    value = row.get(key) if isinstance(row, dict) else None
    if not isinstance(value, str) or not value:
        msg = f"an entry has no {key!r} string"
        raise ValueError(msg)
    return value


def _parse_json(text: str) -> list[Credential]:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:  # its message names a position, never content
        msg = f"not JSON: {exc.msg} at line {exc.lineno}"
        raise ValueError(msg) from None
    if not isinstance(rows, list):
        msg = "not a JSON array"
        raise ValueError(msg)
    return [Credential(_field(r, "id"), _field(r, "username"), _field(r, "password")) for r in rows]


def _parse_csv(text: str) -> list[Credential]:
    rows = list(csv.reader(io.StringIO(text)))
    if rows[:1] != [["id", "username", "password"]]:
        msg = "no 'id,username,password' header"
        raise ValueError(msg)
    found = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != 3 or not all(row):
            msg = f"line {number} does not have three values"
            raise ValueError(msg)
        found.append(Credential(*row))
    return found


_ENV_ID: Final = re.compile(r"# legacy authorization ([0-9a-zA-Z]+)")
_ENV_LINE: Final = re.compile(r"([A-Z_][A-Z0-9_]*)_(USERNAME|PASSWORD)=(.*)")


def _parse_env(text: str) -> list[Credential]:
    found = []
    auth_id: str | None = None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if match := _ENV_ID.fullmatch(line):
            auth_id, values = match.group(1), {}
            continue
        if not line or line.startswith("#"):
            continue
        match = _ENV_LINE.fullmatch(line)
        if match is None or auth_id is None:
            msg = f"line {number} is not a credential written by this library"
            raise ValueError(msg)
        try:
            (values[match.group(2)],) = shlex.split(match.group(3))
        except ValueError:
            msg = f"line {number} has a value that is not one shell word"
            raise ValueError(msg) from None
        if len(values) == 2:
            found.append(Credential(auth_id, values["USERNAME"], values["PASSWORD"]))
            auth_id, values = None, {}
    if auth_id is not None:
        msg = f"legacy authorization {auth_id} has no username and password lines"
        raise ValueError(msg)
    return found


def parse_credentials(text: str, output_format: OutputFormat) -> list[Credential]:
    """The credentials in a file :func:`render_credentials` wrote; ValueError if it is not one.

    Error messages name a line or a key, never a value.
    """
    if not text.strip():
        return []
    if output_format is OutputFormat.JSON:
        return _parse_json(text)
    if output_format is OutputFormat.CSV:
        return _parse_csv(text)
    return _parse_env(text)


def _scratch_prefix(path: Path) -> str:
    return f".{path.name}."


def _remove_leftovers(path: Path) -> None:
    """Delete temp files a crash left next to ``path``: they may hold passwords."""
    prefix = _scratch_prefix(path)
    with contextlib.suppress(FileNotFoundError):
        for entry in path.parent.iterdir():
            if entry.name.startswith(prefix) and entry.name.endswith(_SCRATCH_SUFFIX):
                entry.unlink(missing_ok=True)


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: 0600 temp file, fsync, rename, fsync the directory."""
    fd, name = tempfile.mkstemp(  # mode 0600, a name no other writer has
        prefix=_scratch_prefix(path), suffix=_SCRATCH_SUFFIX, dir=path.parent
    )
    replace_durably(fd, Path(name), path, data)


class FileSink:
    """Publishes credentials to one file (mode 0600), rewritten atomically on each publish.

    The file keeps what it held before (an earlier job's credentials: one with the same ID
    is replaced) plus every credential published through this sink, sorted by ID; a file
    that is not a credentials file in this format is never replaced. A reader never sees
    a half-written file, and temp files a crash left behind are removed.
    """

    def __init__(
        self, path: str | os.PathLike[str], output_format: OutputFormat | str = OutputFormat.JSON
    ) -> None:
        self.path = Path(path)
        self.format = OutputFormat(output_format)
        #: None until the existing file is read, at the first publish.
        self._credentials: dict[str, Credential] | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<FileSink {str(self.path)!r} format={self.format.value}>"

    @property
    def credentials(self) -> tuple[Credential, ...]:
        """What the file holds after the last publish, sorted by ID."""
        held = self._credentials or {}
        return tuple(held[key] for key in sorted(held))

    def _load(self) -> dict[str, Credential]:
        _remove_leftovers(self.path)
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            found = parse_credentials(text, self.format)
        except ValueError as exc:
            msg = (
                f"{self.path} exists and is not a {self.format.value} credentials file "
                f"({exc}); refusing to replace it"
            )
            raise ValueError(msg) from None
        return {credential.id: credential for credential in found}

    async def publish(self, credentials: Sequence[Credential]) -> None:
        """Add (or replace) these credentials and rewrite the file durably.

        The first call reads what the file already holds, so nothing in it is lost.
        """
        async with self._lock:
            if self._credentials is None:
                self._credentials = await asyncio.to_thread(self._load)
            merged = dict(self._credentials)
            merged.update((credential.id, credential) for credential in credentials)
            ordered = [merged[key] for key in sorted(merged)]
            data = render_credentials(ordered, self.format).encode()
            await asyncio.to_thread(_write_atomically, self.path, data)
            self._credentials = merged
