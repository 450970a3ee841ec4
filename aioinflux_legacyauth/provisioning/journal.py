"""The rescope journal: the write-ahead log that makes delete-and-create safe to crash in.

One JSON object a line, mode 0600, locked while a job runs, every append fsync'd before
the caller goes on (appends made at the same time share one write, as in the rotation
journal). Its first line, written and fsync'd before any change, holds each credential's
old record, its new specification and its password: whatever the server holds after a
crash, the job can be finished from it. A crash can only tear the last line, which the
next run drops; a first line torn by a crash means nothing was changed yet, and the job
starts over. When every item is finished the journal is rewritten without passwords, and
the file the job opened is emptied too.

It is opened as the rotation journal is (:mod:`aioinflux_legacyauth.rotation.private_files`):
never through a symbolic link, only a regular file of the current user with one link, never
blocking on a FIFO. Records are checked in order when it is loaded: ``created`` only for a
planned item, nothing after an item's ``done`` or ``failed``, ``complete`` last and only
when every item is finished, and every unfinished item must still have its password.

Records::

    {"type": "rescope-job", "version": 1, "job": "...", "created": "...", "items": [...]}
    {"type": "created", "id": "<old id>", "new_id": "..."}   # the new credential exists
    {"type": "done", "id": "...", "new_id": "...", "message": "..."}   # terminal
    {"type": "failed", "id": "...", "message": "..."}                  # terminal
    {"type": "complete"}                                               # scrubbed
"""

from __future__ import annotations

import asyncio
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

from .._converter import converter
from .._errors import LegacyAuthError
from .._models import AuthStatus, Bucket, Permission, Resource
from ..rotation.durable import fsync_directory, write_all
from ..rotation.group_commit import GroupCommit
from ..rotation.private_files import DescriptorWork, UnsafeFileError, open_private, scrub_file
from .spec import Binding

if sys.platform != "win32":  # POSIX only: elsewhere two jobs on one journal go undetected.
    import fcntl

__all__ = ["JournalItem", "Progress", "RescopeJournal", "RescopeJournalError"]

KIND: Final = "rescope-job"
VERSION: Final = 1
_HEADER_START: Final = b'{"type":"rescope-job"'
_MODE: Final = 0o600
_TERMINAL: Final = frozenset({"done", "failed"})


class RescopeJournalError(LegacyAuthError):
    """The rescope journal cannot be created, read, locked or written; nothing more is sent."""


def _bare(permission: Permission) -> Permission:
    """A permission as it is granted: without the names the server fills in."""
    resource = permission.resource
    bare = Resource(type=resource.type, id=resource.id, org_id=resource.org_id)
    return Permission(action=permission.action, resource=bare)


@attrs.frozen(slots=True, kw_only=True)
class JournalItem:
    """One credential of a job: who it was, what it becomes, and its password."""

    id: str
    username: str
    org_id: str
    user_id: str
    status: AuthStatus
    old_description: str
    old_permissions: tuple[Permission, ...]
    new_description: str
    new_permissions: tuple[Permission, ...]
    bindings: tuple[Binding, ...]
    password: str | None = attrs.field(repr=False)

    def to_record(self) -> dict[str, Any]:
        """The item as the journal's first line holds it."""
        return {
            "id": self.id,
            "username": self.username,
            "org_id": self.org_id,
            "user_id": self.user_id,
            "status": str(self.status),
            "old": {
                "description": self.old_description,
                "permissions": [converter.unstructure(_bare(p)) for p in self.old_permissions],
            },
            "new": {
                "description": self.new_description,
                "permissions": [converter.unstructure(_bare(p)) for p in self.new_permissions],
                "bindings": [
                    {
                        "database": b.database,
                        "retention_policy": b.retention_policy,
                        "bucket": {"id": b.bucket.id, "name": b.bucket.name},
                        "read": b.read,
                        "write": b.write,
                    }
                    for b in self.bindings
                ],
            },
            "password": self.password,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> JournalItem:
        """The item back from its record; KeyError or TypeError if it is not one."""
        old, new = record["old"], record["new"]
        org_id = str(record["org_id"])

        def permissions(values: Iterable[Any]) -> tuple[Permission, ...]:
            return tuple(converter.structure(value, Permission) for value in values)

        bindings = tuple(
            Binding(
                database=str(b["database"]),
                retention_policy=b["retention_policy"],
                bucket=Bucket(
                    id=str(b["bucket"]["id"]), org_id=org_id, name=str(b["bucket"]["name"])
                ),
                read=bool(b["read"]),
                write=bool(b["write"]),
            )
            for b in new["bindings"]
        )
        password = record.get("password")
        return cls(
            id=str(record["id"]),
            username=str(record["username"]),
            org_id=org_id,
            user_id=str(record["user_id"]),
            status=AuthStatus(record["status"]),
            old_description=str(old["description"]),
            old_permissions=permissions(old["permissions"]),
            new_description=str(new["description"]),
            new_permissions=permissions(new["permissions"]),
            bindings=bindings,
            password=password if isinstance(password, str) else None,
        )


@attrs.frozen(slots=True)
class Progress:
    """What the journal knows of one item beyond its plan."""

    stage: str = "planned"  # planned, created, done, failed
    new_id: str | None = None
    message: str | None = None

    @property
    def terminal(self) -> bool:
        """Whether nothing more happens to the item in this job."""
        return self.stage in _TERMINAL


def _encode(record: Mapping[str, Any]) -> bytes:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _lock(fd: int, path: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        msg = f"journal {path} is in use by another rescope"
        raise RescopeJournalError(msg) from None


def _fail(fd: int, message: str, cause: BaseException | None = None) -> RescopeJournalError:
    os.close(fd)
    error = RescopeJournalError(message)
    error.__cause__ = cause
    return error


class RescopeJournal:
    """One job's journal, open and locked. Use :meth:`open`."""

    def __init__(self, path: Path, fd: int, header: Mapping[str, Any], *, created: bool) -> None:
        self.path = path
        self.job = str(header["job"])
        self.items = tuple(JournalItem.from_record(item) for item in header["items"])
        #: Whether this object started the job (False: it resumes one).
        self.created = created
        self.complete = False
        self._header = dict(header)
        self._fd: int | None = fd
        self._records: list[dict[str, Any]] = []
        self._progress = {item.id: Progress() for item in self.items}
        self._appends = GroupCommit(self._write, failure=self._broke)
        self._scrubbing = DescriptorWork()

    def __repr__(self) -> str:
        return f"<RescopeJournal {str(self.path)!r} job={self.job} items={len(self.items)}>"

    # -- opening ---------------------------------------------------------------------------

    @staticmethod
    def holds_job(path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` holds a job's whole first line (False: no file, or one a crash
        tore while it was being started, before any change)."""
        try:
            fd = open_private(Path(path), os.O_RDONLY)
            with open(fd, "rb") as file:
                return file.readline().endswith(b"\n")
        except FileNotFoundError:
            return False
        except UnsafeFileError as unsafe:
            msg = f"journal {path} {unsafe}: refusing to use it"
            raise RescopeJournalError(msg) from None
        except OSError as exc:
            msg = f"cannot read journal {path}: {exc.strerror}"
            raise RescopeJournalError(msg) from exc

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], items: Sequence[JournalItem] | None
    ) -> RescopeJournal:
        """The journal at ``path``: a new job over ``items`` if there is none (or only a
        first line a crash tore, so nothing was changed), else the job to resume in it."""
        where = Path(path)
        flags = os.O_RDWR | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
        if not items and not os.path.lexists(where):
            msg = f"journal {where} does not exist, and no credentials were given for a job"
            raise RescopeJournalError(msg)
        try:
            # O_EXCL never follows a symbolic link: one at the path is resumed, and refused.
            fd = os.open(where, flags | os.O_CREAT | os.O_EXCL, _MODE)
        except FileExistsError:
            return cls._resume(where, flags, items)
        except OSError as exc:
            msg = f"cannot create journal {where}: {exc.strerror}"
            raise RescopeJournalError(msg) from exc
        _lock(fd, where)
        return cls._start(where, fd, items)

    @classmethod
    def _start(
        cls, where: Path, fd: int, items: Sequence[JournalItem] | None, *, drop: bool = False
    ) -> RescopeJournal:
        if not items:
            raise _fail(fd, f"journal {where} holds no job, and no credentials were given for one")
        header = {
            "type": KIND,
            "version": VERSION,
            "job": uuid.uuid4().hex,
            "created": datetime.now(UTC).isoformat(),
            "items": [item.to_record() for item in items],
        }
        try:
            if drop:
                os.ftruncate(fd, 0)
            write_all(fd, _encode(header))
            os.fsync(fd)
            fsync_directory(where)
        except OSError as exc:
            raise _fail(fd, f"cannot write journal {where}: {exc.strerror}", exc) from exc
        return cls(where, fd, header, created=True)

    @classmethod
    def _resume(
        cls, where: Path, flags: int, items: Sequence[JournalItem] | None
    ) -> RescopeJournal:
        try:
            fd = open_private(where, flags)
        except UnsafeFileError as unsafe:
            msg = f"journal {where} {unsafe}: refusing to use it"
            raise RescopeJournalError(msg) from None
        except OSError as exc:
            msg = f"cannot open journal {where}: {exc.strerror}"
            raise RescopeJournalError(msg) from exc
        try:
            return cls._load(where, fd, items)
        except RescopeJournalError:
            raise  # _fail closed the file
        except BaseException:
            os.close(fd)  # whatever happened, the file and its lock are released
            raise

    @classmethod
    def _load(cls, where: Path, fd: int, items: Sequence[JournalItem] | None) -> RescopeJournal:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if mode & 0o077:
            raise _fail(
                fd,
                f"journal {where} is readable by others (mode {mode:04o}); it holds "
                "passwords: chmod 600 it",
            )
        try:
            _lock(fd, where)
        except RescopeJournalError:
            os.close(fd)
            raise
        with open(fd, "rb", closefd=False) as reader:
            raw = reader.read()
        whole, _, torn = raw.rpartition(b"\n")
        if not whole:
            if _HEADER_START.startswith(torn[: len(_HEADER_START)]):
                return cls._start(where, fd, items, drop=True)  # torn first line: nothing done
            raise _fail(fd, f"{where} is not a rescope journal")
        try:
            records = [json.loads(line) for line in whole.split(b"\n")]
            header = records[0]
            if header.get("type") != KIND or header.get("version") != VERSION:
                raise _fail(fd, f"{where} is not a rescope journal (version {VERSION})")
            journal = cls(where, fd, header, created=False)
            for record in records[1:]:
                journal._apply(record)
            journal._check_passwords()
        except RescopeJournalError:
            raise
        except RecursionError:
            raise _fail(fd, f"journal {where} is corrupt: a record is nested too deeply") from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise _fail(
                fd, f"journal {where} is corrupt: {type(exc).__name__} in a record"
            ) from None
        if torn:
            # A crash mid-append: drop the partial line so the next append starts clean.
            os.ftruncate(fd, len(whole) + 1)
            os.fsync(fd)
        return journal

    # -- reading ---------------------------------------------------------------------------

    def progress(self, auth_id: str) -> Progress:
        """What the journal says about one item (by its old ID)."""
        return self._progress[auth_id]

    @property
    def finished(self) -> bool:
        """Whether every item is done or failed."""
        return all(progress.terminal for progress in self._progress.values())

    def _apply(self, record: Mapping[str, Any]) -> None:
        """Record ``record`` in the items' progress; ValueError if it may not come next."""
        kind = record["type"]
        if self.complete:
            msg = f"a {kind!r} record after the job was complete"
            raise ValueError(msg)
        if kind == "complete":
            if not self.finished:
                msg = "a 'complete' record while some items are not finished"
                raise ValueError(msg)
            self.complete = True
            self._records.append(dict(record))
            return
        if kind not in ("created", *_TERMINAL):
            msg = f"unknown record type {kind!r}"
            raise ValueError(msg)
        auth_id = record["id"]
        current = self._progress[auth_id]
        if current.terminal or (kind == "created" and current.stage != "planned"):
            msg = f"a {kind!r} record for {auth_id} after its {current.stage!r} record"
            raise ValueError(msg)
        new_id = record.get("new_id", current.new_id)
        message = record.get("message")
        if not isinstance(new_id, str | None) or not isinstance(message, str | None):
            msg = f"a {kind!r} record's new_id and message must be strings"
            raise TypeError(msg)
        self._records.append(dict(record))
        self._progress[auth_id] = Progress(kind, new_id, message)

    def _check_passwords(self) -> None:
        """Each unfinished item still has its password (only a scrub removes them)."""
        if self.complete:
            return
        for item in self.items:
            if not self._progress[item.id].terminal and not item.password:
                msg = f"unfinished item {item.id} has no password in the journal"
                raise ValueError(msg)

    # -- appending -------------------------------------------------------------------------

    async def append(self, record: Mapping[str, Any]) -> None:
        """Write ``record`` durably; returns once it is fsync'd."""
        if self._fd is None:
            msg = f"journal {self.path} is closed"
            raise RescopeJournalError(msg)
        if record["type"] != "complete" and record["id"] not in self._progress:
            msg = f"{record['id']} is not an item of this job"
            raise ValueError(msg)
        self._check_next(record)  # nothing is written that could not be loaded again
        await self._appends.submit(_encode(record))
        self._apply(record)

    def _check_next(self, record: Mapping[str, Any]) -> None:
        kind = record["type"]
        if kind == "complete":
            return
        current = self._progress[record["id"]]
        if current.terminal or (kind == "created" and current.stage != "planned"):
            msg = f"a {kind!r} record for {record['id']} after its {current.stage!r} record"
            raise ValueError(msg)

    async def _write(self, chunks: Sequence[bytes]) -> None:
        if self._fd is None:
            msg = f"journal {self.path} is closed"
            raise RescopeJournalError(msg)
        await asyncio.to_thread(_write_and_sync, self._fd, b"".join(chunks))

    def _broke(self, exc: BaseException) -> BaseException:
        if isinstance(exc, OSError):
            return RescopeJournalError(f"cannot write journal {self.path}: {exc}")
        return exc

    # -- finishing -------------------------------------------------------------------------

    def scrub(self) -> None:
        """Rewrite the journal without passwords, marked complete (atomically)."""
        if self._fd is None:
            msg = f"journal {self.path} is closed"
            raise RescopeJournalError(msg)
        header = {
            **self._header,
            "items": [{**item, "password": None} for item in self._header["items"]],
        }
        kept = [record for record in self._records if record["type"] != "complete"]
        data = b"".join(_encode(record) for record in [header, *kept, {"type": "complete"}])
        try:
            moved = not scrub_file(self._fd, self.path, data)
        except OSError as exc:
            msg = (
                f"cannot scrub journal {self.path} ({exc.strerror}): every credential is "
                "finished; only removing the passwords from the journal is left, which the "
                "next run of the job does"
            )
            raise RescopeJournalError(msg) from exc
        self._header = header
        self.items = tuple(attrs.evolve(item, password=None) for item in self.items)
        self.complete = True
        if moved:
            msg = (
                f"journal {self.path} was replaced or moved while the job ran; the file the "
                f"job opened was scrubbed in place, and what is at the path now was left alone"
            )
            raise RescopeJournalError(msg)

    async def scrub_off_loop(self) -> None:
        """:meth:`scrub` in a worker thread. A cancelled caller leaves it running to its
        end, and :meth:`close` leaves the file open to it until then."""
        await self._scrubbing.run(self.scrub)

    async def close(self) -> None:
        """Finish pending appends and close the file (idempotent); a scrub still running
        in its thread (its caller cancelled) gets the file closed when it is done."""
        await self._appends.wait()
        self._scrubbing.close_after(self._close_now)

    def _close_now(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _write_and_sync(fd: int, data: bytes) -> None:
    # write_all is looked up at call time, so a crash test can stop inside it.
    write_all(fd, data)
    os.fsync(fd)
