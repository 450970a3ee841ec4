"""Opening the files that hold passwords, and the lock that serializes writers of one file.

A journal or an output file sits in a directory other people may write to (``/tmp``, a
shared ops directory). Whatever they put at the path must never receive a password: a
symbolic link (the passwords would land in its target), a file of theirs (they read it),
a hard link to one (it keeps the passwords after the path is replaced) or a FIFO (reading
it blocks forever). :func:`open_private` opens without following a symbolic link and
without blocking, then checks what it opened, on the descriptor itself.
"""

from __future__ import annotations

import asyncio
import errno
import os
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Final

from .durable import replace_durably, write_all

if sys.platform != "win32":  # POSIX only: elsewhere writers of one file are not serialized.
    import fcntl

__all__ = [
    "DescriptorWork",
    "FileLock",
    "UnsafeFileError",
    "check_private",
    "is_own",
    "lock_path",
    "names_file",
    "open_private",
    "scrub_file",
]

_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK: Final = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC: Final = getattr(os, "O_CLOEXEC", 0)
#: What O_NOFOLLOW fails with on a symbolic link: ELOOP (Linux, macOS), EMLINK (FreeBSD).
_SYMLINK_ERRNOS: Final = frozenset({errno.ELOOP, errno.EMLINK})


class UnsafeFileError(ValueError):
    """The path names something a password must not be written to (or read from).

    The message says what is wrong with it; callers put the path and its role first.
    """


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def is_own(status: os.stat_result) -> bool:
    """Whether ``status`` is of a file the effective user owns (always true on Windows)."""
    return not hasattr(os, "geteuid") or status.st_uid == os.geteuid()


def check_private(status: os.stat_result, *, single_link: bool = True) -> None:
    """Raise :class:`UnsafeFileError` unless ``status`` is a regular file of ours.

    Ours: owned by the effective user. ``single_link``: with no other hard link, which
    would keep what is written now after the path itself is replaced or scrubbed.
    """
    if not stat.S_ISREG(status.st_mode):
        msg = f"is {_kind(status.st_mode)}, not a regular file"
        raise UnsafeFileError(msg)
    if not is_own(status):
        msg = f"belongs to another user (uid {status.st_uid})"
        raise UnsafeFileError(msg)
    if single_link and status.st_nlink != 1:
        msg = (
            f"has {status.st_nlink} hard links; another name for the file would keep "
            f"the passwords written to it"
        )
        raise UnsafeFileError(msg)


def _refusal(path: Path, error: OSError) -> UnsafeFileError | None:
    """The refusal an ``open`` error stands for, if the path is no file of ours at all."""
    if error.errno in _SYMLINK_ERRNOS:
        return UnsafeFileError("is a symbolic link, which is never followed")
    if error.errno == errno.ENXIO:  # O_WRONLY|O_NONBLOCK on a FIFO without a reader
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            return None
        return UnsafeFileError(f"is {_kind(mode)}, not a regular file")
    return None


def open_private(path: Path, flags: int, *, mode: int = 0o600, single_link: bool = True) -> int:
    """Open ``path`` as a private regular file; its descriptor (blocking, close-on-exec).

    Never follows a symbolic link at ``path`` and never blocks on a FIFO; what was opened
    is then checked with :func:`check_private`. Raises :class:`UnsafeFileError` for
    anything else, ``OSError`` when the open itself fails.
    """
    try:
        fd = os.open(path, flags | _NOFOLLOW | _NONBLOCK | _CLOEXEC, mode)
    except OSError as exc:
        refusal = _refusal(path, exc)
        if refusal is not None:
            raise refusal from None
        raise
    try:
        check_private(os.fstat(fd), single_link=single_link)
        if _NONBLOCK and sys.platform != "win32":
            # Only the open had to be non-blocking; reads and writes block as usual.
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~_NONBLOCK)
    except BaseException:
        os.close(fd)
        raise
    return fd


def lock_path(path: Path) -> Path:
    """The lock file of ``path``: hidden, beside it."""
    return path.with_name(f".{path.name}.lock")


class FileLock:
    """An exclusive lock, across processes, on the writers of one file.

    Held on a lock file beside the file (``.NAME.lock``, mode 0600, empty) that lives only
    while a writer holds it. The holder removes it before letting go; a writer that was
    waiting on a removed lock file finds the path no longer names the file it locked,
    and tries again. So the lock is always on the file at the path, whoever holds it, and
    nothing is left behind. ``with FileLock(path):`` blocks until it is this writer's
    turn: use it off the event loop. On Windows it does not lock.
    """

    __slots__ = ("_fd", "path")

    def __init__(self, path: Path) -> None:
        self.path = lock_path(path)
        self._fd: int | None = None

    def __enter__(self) -> FileLock:
        while self._fd is None:
            # Its owner's only: a lock file another user could open, they could hold forever.
            fd = open_private(self.path, os.O_RDWR | os.O_CREAT, single_link=False)
            try:
                if sys.platform != "win32":
                    fcntl.flock(fd, fcntl.LOCK_EX)
                if names_file(self.path, fd):
                    self._fd = fd
                    break
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)  # the holder before us removed it: lock the one there now
        return self

    def __exit__(self, *exc_info: object) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                self.path.unlink(missing_ok=True)  # while still holding it
            finally:
                os.close(fd)  # closing the descriptor releases the lock


def names_file(path: Path, fd: int) -> bool:
    """Whether ``path`` (not following a link) names the file open as ``fd``."""
    try:
        current = os.lstat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (current.st_dev, current.st_ino) == (opened.st_dev, opened.st_ino)


def scrub_file(fd: int, path: Path, data: bytes) -> bool:
    """Put ``data`` (a journal without its passwords) in place of the file open as ``fd``.

    If ``path`` still names that file, it is replaced atomically (through ``NAME.scrub``)
    and the old file is emptied as well, in case another name for it appeared since:
    True. If the path names something else now (the file was moved, a link was put
    there), the path is left alone and the opened file is rewritten in place: False.
    """
    if not names_file(path, fd):
        os.ftruncate(fd, 0)
        write_all(fd, data)  # an O_APPEND descriptor writes at the new end: the start
        os.fsync(fd)
        return False
    scratch = path.with_name(path.name + ".scrub")
    scratch.unlink(missing_ok=True)  # left by a crash during an earlier scrub
    # O_EXCL: a symbolic link put there since is "already exists", never followed.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    replace_durably(os.open(scratch, flags, 0o600), scratch, path, data)
    os.ftruncate(fd, 0)  # the old file has no name here any more
    os.fsync(fd)
    return True


class DescriptorWork:
    """Work on an open descriptor in a worker thread, which a cancelled caller leaves
    running, and the descriptor's close, which waits for that work.

    A thread cannot be stopped: closing the descriptor under it would make its work fail
    and, once the number is reused by the next file the process opens, could make it
    write into that file instead. So whichever ends last closes it: the caller, when no
    work is under way, or else the worker thread itself, as its last step. That holds
    however the event loop ends (``asyncio.run`` cancels what is left and closes the
    loop while the thread goes on).
    """

    __slots__ = ("_busy", "_lock", "_pending_close", "_running")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy = False
        self._pending_close: Callable[[], None] | None = None
        self._running: asyncio.Future[None] | None = None

    async def run(self, work: Callable[[], None]) -> None:
        """``work()`` in a worker thread; cancelling the caller does not cut it off."""

        def work_then_close_if_asked() -> None:
            try:
                work()
            finally:
                with self._lock:
                    self._busy = False
                    close, self._pending_close = self._pending_close, None
                if close is not None:
                    close()

        with self._lock:
            self._busy = True
        self._running = running = asyncio.ensure_future(asyncio.to_thread(work_then_close_if_asked))
        # A cancelled caller never reads the work's error: retrieved here, it is not
        # reported as "never retrieved" (the journal says what the scrub did not do).
        running.add_done_callback(lambda done: done.cancelled() or done.exception())
        await asyncio.shield(running)

    def close_after(self, close: Callable[[], None]) -> None:
        """``close()`` now, or by the worker thread as soon as its work is done."""
        with self._lock:
            if self._busy:
                self._pending_close = close
                return
        close()
