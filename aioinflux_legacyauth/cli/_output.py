"""Everything the command line writes: JSON, authorization tables, messages, progress bars.

Results go to stdout, messages and progress to stderr. Both consoles are made when an
:class:`Output` is, from the ``sys.stdout``/``sys.stderr`` of that moment.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Final, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .._config import parse_flag
from .._models import LegacyAuthorization
from ._errors import UsageError
from ._table import authorization_table
from ._terminal import printable, safe_json

__all__ = [
    "Output",
    "ProgressCallback",
    "add_output_arguments",
    "authorization_document",
    "hides_headers",
    "one_line",
    "wants_json",
]

#: ``(done, total)``, as the bulk API's ``on_progress`` calls it.
ProgressCallback = Callable[[int, int | None], None]

# Off a terminal nothing limits a line, and scripts must get every row on one line.
_UNLIMITED_WIDTH: Final = 1 << 16


def add_output_arguments(
    parser: argparse.ArgumentParser,
    *,
    hide_headers: bool = True,
    wide: bool = True,
    report: bool = False,
) -> None:
    """Add ``--json`` (env INFLUX_OUTPUT_JSON) and, unless told not to, ``--hide-headers``
    and ``--wide``; ``report``: the command prints a per-item report, not a table."""
    shown = "the per-item report as JSON" if report else "JSON instead of a table"
    parser.add_argument(
        "--json",
        action="store_true",
        default=None,
        help=f"print {shown} (env INFLUX_OUTPUT_JSON)",
    )
    if wide:
        parser.add_argument(
            "--wide",
            action="store_true",
            help=(
                "on a terminal too, show every column and permission in full, one line per "
                "authorization, even if wider than the terminal"
            ),
        )
    if hide_headers:
        parser.add_argument(
            "--hide-headers",
            action="store_true",
            default=None,
            help="leave out the table's header row (env INFLUX_HIDE_HEADERS)",
        )


def _flag(given: bool | None, variable: str) -> bool:
    """A flag's value: given on the command line, else from the environment, else off."""
    if given is not None:
        return given
    try:
        return parse_flag(variable, os.environ.get(variable, ""))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def wants_json(args: argparse.Namespace) -> bool:
    """Whether ``--json`` (or INFLUX_OUTPUT_JSON) asks for JSON output."""
    return _flag(getattr(args, "json", None), "INFLUX_OUTPUT_JSON")


def hides_headers(args: argparse.Namespace) -> bool:
    """Whether ``--hide-headers`` (or INFLUX_HIDE_HEADERS) asks for a table without headers."""
    return _flag(getattr(args, "hide_headers", None), "INFLUX_HIDE_HEADERS")


def authorization_document(
    auth: LegacyAuthorization, *, deleted: bool | None = None
) -> dict[str, object]:
    """One authorization as ``influx v1 auth ... --json`` prints it, plus ``orgID``.

    ``token`` is the v1 username (the influx CLI's key); no password is ever part of it.
    """
    document: dict[str, object] = {
        "id": auth.id,
        "description": auth.description,
        "token": auth.username,
        "status": str(auth.status),
        "userName": auth.user or "",
        "userID": auth.user_id,
        "permissions": [str(permission) for permission in auth.permissions],
        "orgID": auth.org_id,
    }
    if deleted is not None:
        document["deleted"] = deleted
    return document


def _console(file: TextIO) -> Console:
    console = Console(file=file, highlight=False, markup=False, emoji=False)
    if not console.is_terminal:
        console.width = _UNLIMITED_WIDTH
    return console


class Output:
    """The two consoles of one command run, and the ways the commands write to them."""

    def __init__(self) -> None:
        self.stdout: Console = _console(sys.stdout)
        self.stderr: Console = _console(sys.stderr)

    def line(self, text: str = "") -> None:
        """Write one line of text to stdout, every control character escaped."""
        _write(self.stdout, printable(text) + "\n")

    def message(self, text: str) -> None:
        """Write one line of text to stderr (notes and warnings), controls escaped."""
        _write(self.stderr, printable(text) + "\n")

    def error(self, text: str) -> None:
        """Write ``error: <text>`` to stderr, on one line (a proxy's HTML page has many)."""
        self.message(f"error: {one_line(text)}")

    def json(self, document: object) -> None:
        """Write ``document`` to stdout as indented JSON, without any styling; characters
        that could drive a terminal are written as JSON escapes."""
        _write(self.stdout, safe_json(json.dumps(document, indent=2, ensure_ascii=False)) + "\n")

    def authorizations(
        self,
        auths: Sequence[LegacyAuthorization],
        *,
        hide_headers: bool = False,
        deleted: bool | None = None,
        wide: bool = False,
    ) -> None:
        """Write an authorization table to stdout, as the influx CLI does, plus ``Status``.

        ``deleted`` adds the influx CLI's ``Deleted`` column (set by ``delete``). On a
        terminal the table fits its width (see :mod:`._table`) unless ``wide``.
        """
        console = self.stdout
        fit = console.is_terminal and not wide
        layout = authorization_table(
            auths, hide_headers=hide_headers, deleted=deleted, width=console.width if fit else None
        )
        width = console.width
        try:
            # IDs, usernames and statuses never wrap: in the rare table that needs more
            # than the terminal (a username longer than the screen) the lines grow.
            console.width = max(width, layout.width) if fit else _UNLIMITED_WIDTH
            with console.capture() as captured:
                console.print(layout.table, crop=False)
        finally:
            console.width = width
        # Padding only: no line ends in blanks (scripts split on them, terminals wrap them).
        text = "".join(row.rstrip() + "\n" for row in captured.get().splitlines())
        _write(console, text)
        if layout.hidden:
            shown = ", ".join(layout.hidden)
            self.message(
                f"note: left out to fit {width} columns: {shown}; --wide or --json shows everything"
            )

    @contextlib.contextmanager
    def progress(self, description: str, total: int | None) -> Iterator[ProgressCallback]:
        """A progress bar on stderr while the block runs; yields the bulk ``on_progress``.

        Off a terminal the bar stays silent, so logs and pipes get no control codes.
        """
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.stderr,
            transient=True,
            disable=not self.stderr.is_terminal,
        )
        with bar:
            task = bar.add_task(description, total=total)

            def update(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)

            yield update


def one_line(text: str) -> str:
    """``text`` with its line breaks (and the blanks around them) turned into one space."""
    return " ".join(filter(None, map(str.strip, text.splitlines())))


def _write(console: Console, text: str) -> None:
    # Straight to the file: rich would wrap long lines at the console width and read
    # brackets as markup; neither may happen to an ID, a username or a server message.
    # The text is made printable by the caller.
    console.file.write(text)
    console.file.flush()
