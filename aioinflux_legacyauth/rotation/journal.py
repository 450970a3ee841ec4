"""The rotation journal: a durable, append-only JSON-lines write-ahead log.

Each rotation job owns one journal file. It is created 0600 with ``O_EXCL``, and every
append is written and fsync'd before the caller goes on, so a password recorded as
pending is on disk before it is ever sent (Vault's WAL, AWS's AWSPENDING). Appends made
at the same time share one write and one fsync (group commit). A crash can only tear the
last line; reopening drops that line. When the job is finished the journal is rewritten
without passwords (``scrub``), atomically, and the file that was opened is emptied too.

A journal is only ever opened without following a symbolic link, and only if it is a
regular file of the current user with no other hard link (see :mod:`.private_files`).
Every record is checked when the journal is loaded: its fields and their types, that its
ID is a target of the job, and that it follows the item's last record in protocol order
(``pending``, ``set``, ``verified``, ``done``; ``failed`` after ``pending`` or ``set``).
A journal that breaks a rule is a :class:`JournalError`, never half believed.

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
from collections import ChainMap
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import attrs

from .._errors import LegacyAuthError
from .._headers import SecretText
from .durable import fsync_directory, write_all
from .group_commit import GroupCommit
from .private_files import DescriptorWork, UnsafeFileError, open_private, scrub_file

if sys.platform != "win32":  # POSIX only: elsewhere two jobs on one journal go undetected.
    import fcntl

__all__ = ["ItemState", "Journal", "JournalError", "Stage", "Target"]

VERSION: Final = 1
_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC: Final = getattr(os, "O_CLOEXEC", 0)
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


def _corrupt(where: Path, problem: str) -> JournalError:
    return JournalError(f"journal {where} is corrupt: {problem}")


def _unsafe(where: Path, error: UnsafeFileError) -> JournalError:
    return JournalError(f"journal {where} {error}: refusing to use it")


class _RecordError(ValueError):
    """A record that breaks the journal's rules; the message never holds a password."""


def _text_field(record: Mapping[str, Any], key: str, *, optional: bool = False) -> str | None:
    value = record.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        kind = record.get("type")
        msg = f"a {kind!r} record needs a non-empty string {key!r}, got {type(value).__name__}"
        raise _RecordError(msg)
    return value


def _targets(raw: object) -> list[Target]:
    if not isinstance(raw, list):
        msg = f"the header's targets must be a list, got {type(raw).__name__}"
        raise _RecordError(msg)
    targets: dict[str, Target] = {}
    for entry in raw:
        if not isinstance(entry, dict):
            msg = f"a target must be an object, got {type(entry).__name__}"
            raise _RecordError(msg)
        auth_id = entry.get("id")
        username = entry.get("username")
        if not isinstance(auth_id, str) or not auth_id.strip() or not isinstance(username, str):
            msg = "a target needs a non-empty string 'id' and a string 'username'"
            raise _RecordError(msg)
        if auth_id in targets:
            msg = f"target {auth_id} is listed twice"
            raise _RecordError(msg)
        targets[auth_id] = Target(auth_id, username)
    return list(targets.values())


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
        _text_field(record, "job")
        targets = _targets(record.get("targets"))
    except _RecordError as bad:
        raise _corrupt(where, f"the header: {bad}") from None
    return record, targets


#: The stages each record type may follow, in protocol order.
_FOLLOWS: Final[Mapping[str, frozenset[Stage]]] = {
    "pending": frozenset({Stage.PLANNED}),
    # A resumed item at "set" is sent its password again, and journaled "set" again.
    "set": frozenset({Stage.PENDING, Stage.SET}),
    "verified": frozenset({Stage.SET}),
    "done": frozenset({Stage.VERIFIED}),
    "failed": frozenset({Stage.PENDING, Stage.SET}),
}


def _transition(current: ItemState, record: Mapping[str, Any]) -> ItemState:
    """The item's state after ``record``; :class:`_RecordError` if the record breaks a rule.

    A ``pending`` record without its password is only valid in a scrubbed journal: the
    loader checks that once it has read the whole file.
    """
    kind = record["type"]
    allowed = _FOLLOWS[kind]
    if current.stage not in allowed:
        msg = f"a {kind!r} record for {record['id']} after its {current.stage.name.lower()} stage"
        raise _RecordError(msg)
    if kind == "pending":
        password = _text_field(record, "password", optional=True)
        hidden = None if password is None else SecretText(password)  # from frames' reprs too
        return ItemState(Stage.PENDING, password=hidden)
    if kind == "set":
        return attrs.evolve(current, stage=Stage.SET)
    if kind == "verified":
        login = record.get("login")
        if login is not None and not isinstance(login, bool):
            msg = f"a 'verified' record's 'login' must be true, false or null, not {login!r}"
            raise _RecordError(msg)
        return attrs.evolve(current, stage=Stage.VERIFIED, logged_in=login)
    if kind == "done":
        return attrs.evolve(current, stage=Stage.DONE)
    message = record.get("message")
    if message is not None and not isinstance(message, str):
        msg = f"a 'failed' record's 'message' must be a string, not {type(message).__name__}"
        raise _RecordError(msg)
    return ItemState(Stage.FAILED, reason=_text_field(record, "reason"), message=message)


def _record(record: object, states: Mapping[str, ItemState]) -> dict[str, Any]:
    """``record`` if it is an object with a known type and (but for complete) a target's ID."""
    if not isinstance(record, Mapping):
        msg = f"a record must be a JSON object, got {type(record).__name__}"
        raise _RecordError(msg)
    record = dict(record)
    kind = record.get("type")
    if kind == "complete":
        return record
    if kind not in _FOLLOWS:
        shown = repr(kind) if isinstance(kind, str) and len(kind) <= 20 else type(kind).__name__
        msg = f"unknown record type {shown}"
        raise _RecordError(msg)
    auth_id = record.get("id")
    if not isinstance(auth_id, str) or auth_id not in states:
        shown = auth_id if isinstance(auth_id, str) and len(auth_id) <= 40 else "an ID"
        msg = f"{shown} is not a target of this job"
        raise _RecordError(msg)
    return record


def _replay(
    states: MutableMapping[str, ItemState], complete: bool, raw: object
) -> tuple[dict[str, Any], bool]:
    """Check ``raw`` against the items' ``states`` and apply it to them, in place.

    Returns the record and whether the job is complete after it; :class:`_RecordError` (a
    ValueError) if the record may not come next.
    """
    record = _record(raw, states)
    kind = record["type"]
    if complete:
        msg = f"a {kind!r} record after the job was complete"
        raise _RecordError(msg)
    if kind == "complete":
        if not all(state.stage.terminal for state in states.values()):
            msg = "a 'complete' record while some items are not finished"
            raise _RecordError(msg)
        return record, True
    states[record["id"]] = _transition(states[record["id"]], record)
    return record, False


def _lock(fd: int, path: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        msg = f"journal {path} is in use by another rotation"
        raise JournalError(msg) from None


def _open_existing(where: Path, flags: int) -> int:
    """The journal file at ``where``, opened safely: JournalError for anything else."""
    try:
        return open_private(where, flags)
    except UnsafeFileError as unsafe:
        raise _unsafe(where, unsafe) from None
    except OSError as exc:
        msg = f"cannot open journal {where}: {exc.strerror}"
        raise JournalError(msg) from exc


def _parse_lines(where: Path, lines: Sequence[bytes]) -> list[Any]:
    records = []
    for number, line in enumerate(lines, start=1):
        try:
            records.append(json.loads(line))
        except ValueError:
            raise _corrupt(where, f"line {number} is not JSON") from None
        except RecursionError:
            raise _corrupt(where, f"line {number} is nested too deeply") from None
    return records


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
        """Take over ``fd`` (locked by the caller) and replay ``records``.

        A record that breaks a rule raises ``ValueError`` (:meth:`load` turns it into a
        :class:`JournalError`); ``fd`` is then the caller's to close.
        """
        self.path = path
        self.job = str(header["job"])
        self.targets = tuple(targets)
        self._header = dict(header)
        #: Whether this object started the job (False: it was opened to resume the job).
        self.created = created
        self.complete = False
        self._states = {target.id: ItemState() for target in self.targets}
        self._records: list[dict[str, Any]] = []
        for number, raw in enumerate(records, start=2):
            try:
                self._apply(raw)
            except _RecordError as bad:
                msg = f"line {number}: {bad}"
                raise _RecordError(msg) from None
        self._fd: int | None = fd
        self._appends = GroupCommit(self._write, failure=self._broke)
        self._broken: BaseException | None = None
        self._scrubbing = DescriptorWork()

    def __repr__(self) -> str:
        return f"<Journal {str(self.path)!r} job={self.job} targets={len(self.targets)}>"

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def create(cls, path: str | os.PathLike[str], targets: Iterable[Target]) -> Journal:
        """Create a new journal at ``path`` (it must not exist) for these targets."""
        where = Path(path)
        unique, header, data = _new_job(targets)  # before the file: nothing to undo
        # O_EXCL never follows a symbolic link: one at the path is "already exists".
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | _NOFOLLOW | _CLOEXEC
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
            return cls._start(where, fd, unique, header, data)
        except BaseException:
            os.close(fd)
            raise

    @classmethod
    def _start(
        cls,
        where: Path,
        fd: int,
        targets: Sequence[Target],
        header: Mapping[str, Any],
        data: bytes,
        *,
        drop: int = 0,
    ) -> Journal:
        """Write a new job's header into ``fd``, a new or empty journal file the caller
        locked (and closes, should this fail).

        ``drop``: the bytes a crash left in it (part of a header), removed first.
        """
        try:
            if drop:
                os.ftruncate(fd, 0)
            write_all(fd, data)
            os.fsync(fd)
            fsync_directory(where)
        except OSError as exc:
            msg = f"cannot write journal {where}: {exc.strerror}"
            raise JournalError(msg) from exc
        return cls(where, fd, header, targets, (), created=True)

    @classmethod
    def load(cls, path: str | os.PathLike[str], restart: Iterable[Target] | None = None) -> Journal:
        """Open an existing journal to resume its job; a torn last line is dropped.

        A journal that is empty, or holds part of a header and nothing more, was left by a
        crash in :meth:`create`, before any password: given ``restart`` targets, a new job
        over them starts in it (``created`` is then True); without, it is an error.

        The file must be a regular file of the current user, with one link and mode 0600,
        and every record in it must follow the rules (see the module): anything else is a
        :class:`JournalError`, and the file is left as it was.
        """
        where = Path(path)
        fd = _open_existing(where, os.O_RDWR | os.O_APPEND)
        try:
            return cls._load(where, fd, restart)
        except BaseException:
            # Whatever went wrong, the file and its lock are released: a second try must
            # not find the journal "in use" by this one.
            os.close(fd)
            raise

    @classmethod
    def _load(cls, where: Path, fd: int, restart: Iterable[Target] | None) -> Journal:
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
        complete_part, _, torn = raw.rpartition(b"\n")
        if not complete_part and restart is not None and _starts_a_header(torn):
            unique, header, data = _new_job(restart)
            return cls._start(where, fd, unique, header, data, drop=len(raw))
        records = _parse_lines(where, complete_part.split(b"\n") if complete_part else [])
        header, targets = _job_header(records[0] if records else None, where)
        try:
            journal = cls(where, fd, header, targets, records[1:])
            journal._check_passwords()
        except _RecordError as bad:
            raise _corrupt(where, str(bad)) from None
        if torn:
            # A crash mid-append: drop the partial line so the next append starts clean.
            # (Only now: a file that is not a journal is left as it is.)
            os.ftruncate(fd, len(complete_part) + 1)
            os.fsync(fd)
        return journal

    @staticmethod
    def peek_targets(path: str | os.PathLike[str]) -> tuple[Target, ...] | None:
        """The targets of the job in the journal at ``path``, read without locking it.

        None if the header was never completely written (a crash while creating it).
        The file is opened as :meth:`load` opens it: never through a symbolic link, and
        only if it is a regular file of the current user.
        """
        where = Path(path)
        fd = _open_existing(where, os.O_RDONLY)
        try:
            with open(fd, "rb") as file:
                first = file.readline()
        except OSError as exc:
            msg = f"cannot read journal {where}: {exc.strerror}"
            raise JournalError(msg) from exc
        if not first.endswith(b"\n") and _starts_a_header(first):
            return None
        try:
            record = json.loads(first)
        except (ValueError, RecursionError):
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

    def _apply(self, raw: object) -> None:
        """Check ``raw`` and record it in the items' states (:class:`_RecordError` if bad)."""
        record, self.complete = _replay(self._states, self.complete, raw)
        self._records.append(dict(record))

    def _check_passwords(self) -> None:
        """Each unfinished item that got a password still has it (only a scrub drops them)."""
        if self.complete:
            return
        for auth_id, state in self._states.items():
            if Stage.PENDING <= state.stage <= Stage.VERIFIED and state.password is None:
                msg = f"the 'pending' record of unfinished item {auth_id} has no password"
                raise _RecordError(msg)

    # -- appending ------------------------------------------------------------------------

    async def append(self, *records: Mapping[str, Any]) -> None:
        """Write ``records`` durably; returns once they are fsync'd to disk.

        A record that breaks the journal's rules raises ``ValueError`` before anything
        is written.
        """
        if self._broken is not None:
            msg = f"journal {self.path} could not be written; the job stopped"
            raise JournalError(msg) from self._broken
        if self._fd is None:
            msg = f"journal {self.path} is closed"
            raise JournalError(msg)
        # Checked on an overlay of the states (a copy of them all would cost each append
        # time in proportion to the job, issue 15): nothing is written unless all are valid.
        states: MutableMapping[str, ItemState] = ChainMap({}, self._states)
        complete = self.complete
        for record in records:
            _, complete = _replay(states, complete, record)
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
        """Rewrite the journal without passwords and mark it complete (atomically).

        The file this journal opened is emptied as well, so no other name for it (a hard
        link made since, a path it was moved to) keeps a password. If the path no longer
        names that file, the path is left alone, the file opened is rewritten in place
        and :class:`JournalError` says so.
        """
        if self._fd is None:
            msg = f"journal {self.path} is closed"
            raise JournalError(msg)
        header = self._header
        kept = [{k: v for k, v in r.items() if k != "password"} for r in self._records]
        if not self.complete:
            kept.append({"type": "complete"})
        data = b"".join(_encode(record) for record in [header, *kept])
        try:
            moved = not scrub_file(self._fd, self.path, data)
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
        if moved:
            msg = (
                f"journal {self.path} was replaced or moved while the job ran; the file the "
                f"job opened was scrubbed in place, and what is at the path now was left alone"
            )
            raise JournalError(msg)

    async def scrub_off_loop(self) -> None:
        """:meth:`scrub` in a worker thread. A cancelled caller leaves it running to its
        end, and :meth:`close` leaves the file open to it until then."""
        await self._scrubbing.run(self.scrub)

    def release(self) -> None:
        """Close the file at once; only for a journal nothing was appended to."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    async def close(self) -> None:
        """Finish pending appends and close the file (idempotent); a scrub still running
        in its thread (its caller cancelled) gets the file closed when it is done."""
        await self._appends.wait()
        self._scrubbing.close_after(self.release)


def _new_job(targets: Iterable[Target]) -> tuple[list[Target], dict[str, Any], bytes]:
    """A new job over ``targets`` (repeats dropped): the targets, its header and its bytes.

    Encoded before any file is touched, so a target that cannot be written (a username
    with a lone surrogate) fails with nothing to undo.
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
        data = _encode(header)
    except UnicodeEncodeError:
        msg = "a target's ID or username is not valid Unicode text (it has a lone surrogate)"
        raise JournalError(msg) from None
    return unique, header, data
