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
from .private_files import FileLock, UnsafeFileError, is_own, open_private

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


def render_credentials(credentials: Sequence[Credential], output_format: OutputFormat | str) -> str:
    """The text of an output file holding ``credentials`` in ``output_format``."""
    output_format = OutputFormat(output_format)  # "csv" must not be written as env
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
    except RecursionError:
        msg = "not a credentials file: its JSON is nested too deeply"
        raise ValueError(msg) from None
    if not isinstance(rows, list):
        msg = "not a JSON array"
        raise ValueError(msg)
    return [Credential(_field(r, "id"), _field(r, "username"), _field(r, "password")) for r in rows]


def _parse_csv(text: str) -> list[Credential]:
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:  # its message names a line or a limit, never content
        msg = f"not CSV: {exc}"
        raise ValueError(msg) from None
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


def parse_credentials(text: str, output_format: OutputFormat | str) -> list[Credential]:
    """The credentials in a file :func:`render_credentials` wrote; ValueError if it is not one.

    Error messages name a line or a key, never a value.
    """
    output_format = OutputFormat(output_format)  # "csv" must not be read as env
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
    """Delete temp files a crash left next to ``path``: they may hold passwords.

    Called with the file's :class:`FileLock` held, so every temp file there is a dead
    writer's: a live one exists only while its writer holds the lock.
    """
    prefix = _scratch_prefix(path)
    with contextlib.suppress(FileNotFoundError):
        for entry in path.parent.iterdir():
            if entry.name.startswith(prefix) and entry.name.endswith(_SCRATCH_SUFFIX):
                # Only our own: another user's file there is not a temp file of ours, and
                # in a shared (sticky) directory it could not be removed anyway.
                with contextlib.suppress(FileNotFoundError):
                    if is_own(entry.lstat()):
                        entry.unlink()


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: 0600 temp file, fsync, rename, fsync the directory.

    The rename replaces whatever the path names (a symbolic link included) and never
    writes through it.
    """
    fd, name = tempfile.mkstemp(  # mode 0600, a name no other writer has
        prefix=_scratch_prefix(path), suffix=_SCRATCH_SUFFIX, dir=path.parent
    )
    replace_durably(fd, Path(name), path, data)


def _read_private(path: Path) -> str | None:
    """The text of the output file, None if there is none; never through a symbolic link.

    A file that is not a regular file of ours (a FIFO, another user's, a hard link)
    raises :class:`UnsafeFileError`.
    """
    try:
        fd = open_private(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    with open(fd, "rb") as file:
        return file.read().decode("utf-8")


class FileSink:
    """Publishes credentials to one file (mode 0600), rewritten atomically on each publish.

    The file keeps what it held before (an earlier job's credentials, or another job's
    that writes to the same file: one with the same ID is replaced) plus every credential
    published through this sink, sorted by ID; a file that is not a credentials file in
    this format is never replaced. Each publish holds a lock across processes (the file
    ``.NAME.lock`` beside it) and reads the file again under it, so jobs that share an
    output file never drop each other's credentials. A reader never sees a half-written
    file, and temp files a crash left behind are removed. The file is never read or
    written through a symbolic link, and a path that names anything but a regular file of
    the current user is refused.
    """

    def __init__(
        self, path: str | os.PathLike[str], output_format: OutputFormat | str = OutputFormat.JSON
    ) -> None:
        self.path = Path(path)
        self.format = OutputFormat(output_format)
        #: What the file held after the last publish through this sink (None: none yet).
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
        """What the file holds now; the caller holds the file's lock."""
        _remove_leftovers(self.path)
        try:
            text = _read_private(self.path)
        except (UnsafeFileError, UnicodeDecodeError) as exc:
            msg = f"{self.path} {_reason(exc)}: refusing to read or replace it"
            raise ValueError(msg) from None
        if text is None:
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

    def _merge_and_write(self, credentials: Sequence[Credential]) -> dict[str, Credential]:
        """Under the lock: read the file again, add ``credentials``, write it back."""
        lock = FileLock(self.path)
        try:
            with lock:
                merged = self._load()
                merged.update((credential.id, credential) for credential in credentials)
                ordered = [merged[key] for key in sorted(merged)]
                _write_atomically(self.path, render_credentials(ordered, self.format).encode())
        except UnsafeFileError as exc:  # _load reports the output's own problems
            msg = f"the lock file {lock.path} {exc}: refusing to use it"
            raise ValueError(msg) from None
        return merged

    async def publish(self, credentials: Sequence[Credential]) -> None:
        """Add (or replace) these credentials and rewrite the file durably.

        What the file holds is read again each time, under the lock, so nothing another
        writer put in it meanwhile is lost.
        """
        batch = list(credentials)
        async with self._lock:
            self._credentials = await asyncio.to_thread(self._merge_and_write, batch)


def _reason(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "is not UTF-8 text"
    return str(error)
