"""Durable file writes: whole writes, directory fsyncs, and atomic replacement.

A ``rename`` is atomic but only durable once the file and its directory are fsync'd
(``reference/reliability-perf.md`` section 3); the journal and the file sink both rely on it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["fsync_directory", "replace_durably", "write_all"]


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` (``os.write`` may write fewer)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def fsync_directory(path: Path) -> None:
    """Make the directory entry of ``path`` durable (after creating or renaming it)."""
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_durably(fd: int, scratch: Path, path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` through ``scratch``, the new file open as ``fd``.

    Writes and fsyncs ``data``, closes ``fd``, renames ``scratch`` over ``path`` and fsyncs
    the directory. If anything before the rename fails, ``scratch`` is removed again.
    """
    try:
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(scratch, path)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    fsync_directory(path)
