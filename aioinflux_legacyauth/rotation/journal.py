"""The rotation journal: a durable, append-only JSON-lines write-ahead log.

Each rotation job owns one journal file. It is created 0600 with ``O_EXCL``, and every
append is written and fsync'd before the caller goes on, so a password recorded as
pending is on disk before it is ever sent (Vault's WAL, AWS's AWSPENDING). Appends made
at the same time share one write and one fsync (group commit). A crash can only tear the
last line; reopening drops that line. When the job is finished the journal is rewritten
without passwords (``scrub``), atomically.

Records, one JSON object a line::

    {"type": "job", "version": 1, "job": "...", "created": "...", "targets": [{"id", "username"}]}
    {"type": "pending", "id": "...", "password": "..."}   # before sending it
    {"type": "set", "id": "..."}                           # the server accepted it
    {"type": "verified", "id": "...", "login": true}       # logged in (false: not checkable)
    {"type": "done", "id": "..."}                          # published to the sink
    {"type": "failed", "id": "...", "reason": "...", "message": "..."}  # terminal
    {"type": "complete"}                                   # scrubbed: no password left
"""

from __future__ import annotations

import asyncio
import enum
import json
import os
import stat
import sys
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import attrs

from .._errors import LegacyAuthError
from .durable import fsync_directory, replace_durably, write_all
from .group_commit import GroupCommit

if sys.platform != "win32":  # POSIX only: elsewhere two jobs on one journal go undetected.
    import fcntl

__all__ = ["ItemState", "Journal", "JournalError", "Stage", "Target"]

VERSION: Final = 1
#: How every journal starts: its header record.
_HEADER: Final = b'{"type":"job"'
_FILE_MODE: Final = 0o600


class JournalError(LegacyAuthError):
    """The journal cannot be created, read, locked or written. Nothing more is sent."""


@attrs.frozen(slots=True)
class Target:
    """One authorization a rotation job changes the password of."""

    id: str
    username: str


class Stage(enum.IntEnum):
    """How far one item got, in protocol order."""

    PLANNED = 0
    PENDING = 1
    SET = 2
    VERIFIED = 3
    DONE = 4
    FAILED = 5

    @property
    def terminal(self) -> bool:
        """Whether nothing more will happen to the item in this job."""
        return self >= Stage.DONE


@attrs.frozen(slots=True)
class ItemState:
    """What the journal knows of one item. The password never shows in a repr."""

    stage: Stage = Stage.PLANNED
    password: str | None = attrs.field(default=None, repr=False)
    logged_in: bool | None = None
    reason: str | None = None
    message: str | None = None


def _encode(record: Mapping[str, Any]) -> bytes:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _starts_a_header(data: bytes) -> bool:
    """Whether ``data`` could be a header line cut off by a crash (or nothing at all)."""
    return _HEADER.startswith(data[: len(_HEADER)])


def _corrupt(where: Path, error: Exception) -> JournalError:
    return JournalError(f"journal {where} is corrupt: {error.__class__.__name__} in a record")


def _job_header(record: object, where: Path) -> tuple[dict[str, Any], list[Target]]:
    """The header record and the job's targets; JournalError if ``record`` is no header."""
    if (
        not isinstance(record, dict)
        or record.get("type") != "job"
        or record.get("version") != VERSION
    ):
        msg = f"{where} is not a rotation journal (version {VERSION})"
        raise JournalError(msg)
    try:
        targets = [Target(str(t["id"]), str(t["username"])) for t in record["targets"]]
    except (KeyError, TypeError) as exc:
        raise _corrupt(where, exc) from None
    return record, targets


def _lock(fd: int, path: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        msg = f"journal {path} is in use by another rotation"
        raise JournalError(msg) from None


class Journal:
    """One job's journal, open for appending. Use :meth:`create` or :meth:`load`."""

    def __init__(
        self,
        path: Path,
        fd: int,
        header: Mapping[str, Any],
        targets: Sequence[Target],
        records: Iterable[Any],
        *,
        created: bool = False,
    ) -> None:
        self.path = path
        self.job = str(header["job"])
        self.targets = tuple(targets)
        self._header = dict(header)
        #: Whether this object started the job (False: it was opened to resume the job).
        self.created = created
        self.complete = False
        self._fd: int | None = fd
        self._states = {target.id: ItemState() for target in self.targets}
        self._records: list[dict[str, Any]] = []
        self._appends = GroupCommit(self._write, failure=self._broke)
        self._broken: BaseException | None = None
        for record in records:
            self._apply(record)

    def __repr__(self) -> str:
        return f"<Journal {str(self.path)!r} job={self.job} targets={len(self.targets)}>"

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], targets: Iterable[Target]) -> Journal:
        """Create a new journal at ``path`` (it must not exist) for these targets."""
        where = Path(path)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(where, flags, _FILE_MODE)
        except FileExistsError:
            msg = f"journal {where} already exists"
            raise JournalError(msg) from None
        except OSError as exc:
            msg = f"cannot create journal {where}: {exc.strerror}"
            raise JournalError(msg) from exc
        try:
            _lock(fd, where)
        except JournalError:
            os.close(fd)
            raise
        return cls._start(where, fd, targets)

    @classmethod
    def _start(cls, where: Path, fd: int, targets: Iterable[Target], *, drop: int = 0) -> Journal:
        """Write a new job's header into ``fd``, a journal file the caller locked.

        ``drop``: the bytes a crash left in it (part of a header), removed first.
        """
        unique = list({target.id: target for target in targets}.values())
        header = {
            "type": "job",
            "version": VERSION,
            "job": uuid.uuid4().hex,
            "created": datetime.now(UTC).isoformat(),
            "targets": [{"id": t.id, "username": t.username} for t in unique],
        }
        try:
            if drop:
                os.ftruncate(fd, 0)
            write_all(fd, _encode(header))
            os.fsync(fd)
            fsync_directory(where)
        except OSError as exc:
            os.close(fd)
            msg = f"cannot write journal {where}: {exc.strerror}"
            raise JournalError(msg) from exc
        return cls(where, fd, header, unique, (), created=True)

    @classmethod
    def load(cls, path: str | os.PathLike[str], restart: Iterable[Target] | None = None) -> Journal:
        """Open an existing journal to resume its job; a torn last line is dropped.

        A journal that is empty, or holds part of a header and nothing more, was left by a
        crash in :meth:`create`, before any password: given ``restart`` targets, a new job
        over them starts in it (``created`` is then True); without, it is an error.
        """
        where = Path(path)
        try:
            fd = os.open(where, os.O_RDWR | os.O_APPEND | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            msg = f"cannot open journal {where}: {exc.strerror}"
            raise JournalError(msg) from exc
        try:
            mode = stat.S_IMODE(os.fstat(fd).st_mode)
            if mode & 0o077:
                msg = (
                    f"journal {where} is readable by others (mode {mode:04o}); "
                    f"it holds passwords: chmod 600 it"
                )
                raise JournalError(msg)
            _lock(fd, where)
            with open(fd, "rb", closefd=False) as reader:
                raw = reader.read()
        except BaseException:
            os.close(fd)
            raise
        complete_part, _, torn = raw.rpartition(b"\n")
        if not complete_part and restart is not None and _starts_a_header(torn):
            return cls._start(where, fd, restart, drop=len(raw))
        lines = complete_part.split(b"\n") if complete_part else []
        try:
            records = [json.loads(line) for line in lines]
        except ValueError:
            os.close(fd)
            msg = f"journal {where} is corrupt: a line in it is not JSON"
            raise JournalError(msg) from None
        try:
            header, targets = _job_header(records[0] if records else None, where)
            journal = cls(where, fd, header, targets, records[1:])
        except JournalError:
            os.close(fd)
            raise
        except (KeyError, TypeError, ValueError) as exc:
            os.close(fd)
            raise _corrupt(where, exc) from None
        if torn:
            # A crash mid-append: drop the partial line so the next append starts clean.
            # (Only now: a file that is not a journal is left as it is.)
            try:
                os.ftruncate(fd, len(complete_part) + 1)
                os.fsync(fd)
            except BaseException:
                os.close(fd)
                raise
        return journal

    @staticmethod
    def peek_targets(path: str | os.PathLike[str]) -> tuple[Target, ...] | None:
        """The targets of the job in the journal at ``path``, read without locking it.

        None if the header was never completely written (a crash while creating it).
        """
        where = Path(path)
        try:
            with where.open("rb") as file:
                first = file.readline()
        except OSError as exc:
            msg = f"cannot read journal {where}: {exc.strerror}"
            raise JournalError(msg) from exc
        if not first.endswith(b"\n") and _starts_a_header(first):
            return None
        try:
            record = json.loads(first)
        except ValueError:
            record = None
        return tuple(_job_header(record, where)[1])

    # -- reading --------------------------------------------------------------------------

    def state(self, auth_id: str) -> ItemState:
        """What the journal says about one target."""
        return self._states[auth_id]

    @property
    def finished(self) -> bool:
        """Whether every target reached a terminal stage."""
        return all(state.stage.terminal for state in self._states.values())

    def _apply(self, record: Mapping[str, Any]) -> None:
        kind = record["type"]
        if kind == "complete":
            self.complete = True
            self._records.append(dict(record))
            return
        auth_id = record["id"]
        current = self._states[auth_id]
        if kind == "pending":
            new = ItemState(Stage.PENDING, password=record.get("password"))
        elif kind == "set":
            new = attrs.evolve(current, stage=Stage.SET)
        elif kind == "verified":
            new = attrs.evolve(current, stage=Stage.VERIFIED, logged_in=record.get("login"))
        elif kind == "done":
            new = attrs.evolve(current, stage=Stage.DONE)
        elif kind == "failed":
            new = ItemState(Stage.FAILED, reason=record["reason"], message=record.get("message"))
        else:
            msg = f"unknown record type {kind!r}"
            raise ValueError(msg)
        self._states[auth_id] = new
        self._records.append(dict(record))

    # -- appending ------------------------------------------------------------------------

    async def append(self, *records: Mapping[str, Any]) -> None:
        """Write ``records`` durably; returns once they are fsync'd to disk."""
        if self._broken is not None:
            msg = f"journal {self.path} could not be written; the job stopped"
            raise JournalError(msg) from self._broken
        if self._fd is None:
            msg = f"journal {self.path} is closed"
            raise JournalError(msg)
        for record in records:
            if record["type"] != "complete" and record["id"] not in self._states:
                msg = f"{record['id']} is not a target of this job"
                raise ValueError(msg)
        await self._appends.submit(b"".join(_encode(record) for record in records))
        for record in records:
            self._apply(record)

    async def _write(self, chunks: Sequence[bytes]) -> None:
        """Write and fsync every chunk appended since the last write, in one go."""
        if self._fd is None:
            msg = f"journal {self.path} is closed"
            raise JournalError(msg)
        await asyncio.to_thread(self._write_and_sync, self._fd, b"".join(chunks))

    def _broke(self, exc: BaseException) -> BaseException:
        """What the appends waiting on a failed write raise; the journal takes no more."""
        if isinstance(exc, OSError | asyncio.CancelledError):
            self._broken = exc
            return JournalError(f"cannot write journal {self.path}: {exc}")
        return exc

    @staticmethod
    def _write_and_sync(fd: int, data: bytes) -> None:
        write_all(fd, data)
        os.fsync(fd)

    # -- finishing ------------------------------------------------------------------------

    def scrub(self) -> None:
        """Rewrite the journal without passwords and mark it complete (atomically)."""
        if self._fd is None:
            msg = f"journal {self.path} is closed"
            raise JournalError(msg)
        header = self._header
        kept = [{k: v for k, v in r.items() if k != "password"} for r in self._records]
        if not self.complete:
            kept.append({"type": "complete"})
        data = b"".join(_encode(record) for record in [header, *kept])
        scratch = self.path.with_name(self.path.name + ".scrub")
        try:
            scratch.unlink(missing_ok=True)  # left by a crash during an earlier scrub
            fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
            replace_durably(fd, scratch, self.path, data)
        except OSError as exc:
            msg = (
                f"cannot scrub journal {self.path} ({exc.strerror}): every credential is "
                f"published; only removing the passwords from the journal is left, which "
                f"the next run of the job does"
            )
            raise JournalError(msg) from exc
        self._records = kept
        self._states = {
            auth_id: attrs.evolve(state, password=None) for auth_id, state in self._states.items()
        }
        self.complete = True

    def release(self) -> None:
        """Close the file at once; only for a journal nothing was appended to."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    async def close(self) -> None:
        """Finish pending appends and close the file (idempotent)."""
        await self._appends.wait()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
