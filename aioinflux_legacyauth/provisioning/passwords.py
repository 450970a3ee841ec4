"""Where a rescope finds the current passwords: a rotation's output file, or its journal.

Both give ``{authorization ID: password}``. Nothing here sends anything; a rescope still
logs in with each password before it changes the credential.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from ..rotation.journal import Journal, JournalError, Stage
from ..rotation.sinks import Credential, OutputFormat, parse_credentials
from .errors import ProvisionError

__all__ = ["passwords_from_file", "passwords_from_rotation_journal", "read_credentials"]

_SUFFIXES: Final = {".json": OutputFormat.JSON, ".env": OutputFormat.ENV, ".csv": OutputFormat.CSV}
#: Stages at which the journaled password is the one the server has.
_APPLIED: Final = frozenset({Stage.SET, Stage.VERIFIED, Stage.DONE})


def read_credentials(
    path: str | os.PathLike[str], output_format: OutputFormat | str | None = None
) -> list[Credential]:
    """The credentials a :class:`~aioinflux_legacyauth.rotation.FileSink` wrote to ``path``
    (``json``, ``env`` or ``csv``; by default from the suffix, else json).

    Raises :class:`ProvisionError` for a file that cannot be read or is not one; the
    message names a line or a key, never a value.
    """
    where = Path(path)
    chosen = OutputFormat(output_format) if output_format else _SUFFIXES.get(where.suffix.lower())
    try:
        text = where.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"cannot read {where}: {exc.strerror}"
        raise ProvisionError(msg) from exc
    try:
        credentials = parse_credentials(text, chosen or OutputFormat.JSON)
    except ValueError as exc:
        msg = f"{where} is not a credentials file: {exc}"
        raise ProvisionError(msg) from None
    return credentials


def passwords_from_file(
    path: str | os.PathLike[str], output_format: OutputFormat | str | None = None
) -> dict[str, str]:
    """``{authorization ID: password}`` from a file :func:`read_credentials` reads."""
    return {c.id: c.password for c in read_credentials(path, output_format)}


def passwords_from_rotation_journal(path: str | os.PathLike[str]) -> dict[str, str]:
    """The passwords a rotation journal holds for the credentials it has set.

    Only until the job is finished: a finished journal is scrubbed, and its passwords are
    in the rotation's output instead. Reading it takes the journal's lock for a moment,
    so a rotation running on it is an error.
    """
    try:
        journal = Journal.load(path)
    except JournalError as exc:
        raise ProvisionError(str(exc)) from None
    try:
        found = {}
        for target in journal.targets:
            state = journal.state(target.id)
            if state.stage in _APPLIED and state.password is not None:
                found[target.id] = state.password
        return found
    finally:
        journal.release()
