"""Where a rotation publishes new credentials: the sink protocol and a file sink.

A sink is the rotation's "finishSecret" step: once :meth:`CredentialSink.publish`
returns, the credentials must be stored durably, because the rotation then marks them
done. Publishing a credential again (a resumed job does) must replace the earlier copy.
"""

from __future__ import annotations

import asyncio
import csv
import enum
import io
import json
import os
import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

import attrs

__all__ = ["Credential", "CredentialSink", "FileSink", "OutputFormat", "render_credentials"]

_FILE_MODE: Final = 0o600


@attrs.frozen(slots=True)
class Credential:
    """A legacy authorization's username and its new password (hidden from the repr)."""

    id: str
    username: str
    password: str = attrs.field(repr=False)


@runtime_checkable
class CredentialSink(Protocol):
    """Receives new credentials; must store them durably before ``publish`` returns."""

    async def publish(self, credentials: Sequence[Credential]) -> None:
        """Store these credentials, replacing any earlier ones with the same ``id``."""


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


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: 0600 temp file, fsync, rename, fsync the directory."""
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    scratch.unlink(missing_ok=True)
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.replace(scratch, path)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class FileSink:
    """Publishes credentials to one file (mode 0600), rewritten atomically on each publish.

    The file always holds every credential published through this sink, sorted by ID,
    so a reader never sees a half-written file and a crash never leaves one.
    """

    def __init__(
        self, path: str | os.PathLike[str], output_format: OutputFormat | str = OutputFormat.JSON
    ) -> None:
        self.path = Path(path)
        self.format = OutputFormat(output_format)
        self._credentials: dict[str, Credential] = {}
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<FileSink {str(self.path)!r} format={self.format.value}>"

    @property
    def credentials(self) -> tuple[Credential, ...]:
        """Everything published so far, sorted by ID."""
        return tuple(self._credentials[key] for key in sorted(self._credentials))

    async def publish(self, credentials: Sequence[Credential]) -> None:
        """Add (or replace) these credentials and rewrite the file durably."""
        async with self._lock:
            merged = dict(self._credentials)
            merged.update((credential.id, credential) for credential in credentials)
            ordered = [merged[key] for key in sorted(merged)]
            data = render_credentials(ordered, self.format).encode()
            await asyncio.to_thread(_write_atomically, self.path, data)
            self._credentials = merged
