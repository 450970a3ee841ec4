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
from rich.measure import Measurement
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .._config import parse_flag
from .._models import LegacyAuthorization
from ._errors import UsageError

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


def add_output_arguments(parser: argparse.ArgumentParser, *, hide_headers: bool = True) -> None:
    """Add ``--json`` (env INFLUX_OUTPUT_JSON) and, unless told not to, ``--hide-headers``."""
    parser.add_argument(
        "--json",
        action="store_true",
        default=None,
        help="print JSON instead of a table (env INFLUX_OUTPUT_JSON)",
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
        """Write one line of plain text to stdout."""
        _write(self.stdout, text + "\n")

    def message(self, text: str) -> None:
        """Write one line of plain text to stderr (notes and warnings)."""
        _write(self.stderr, text + "\n")

    def error(self, text: str) -> None:
        """Write ``error: <text>`` to stderr, on one line (a proxy's HTML page has many)."""
        self.message(f"error: {one_line(text)}")

    def json(self, document: object) -> None:
        """Write ``document`` to stdout as indented JSON, without any styling."""
        _write(self.stdout, json.dumps(document, indent=2, ensure_ascii=False) + "\n")

    def authorizations(
        self,
        auths: Sequence[LegacyAuthorization],
        *,
        hide_headers: bool = False,
        deleted: bool | None = None,
    ) -> None:
        """Write an authorization table to stdout, as the influx CLI does, plus ``Status``.

        ``deleted`` adds the influx CLI's ``Deleted`` column (set by ``delete``).
        """
        table = _authorization_table(auths, hide_headers=hide_headers, deleted=deleted)
        console = self.stdout
        # IDs, usernames and statuses never wrap: the table is at least as wide as they
        # need, even when that is wider than the terminal (which then wraps the line).
        unlimited = console.options.update(max_width=_UNLIMITED_WIDTH)
        needed = Measurement.get(console, unlimited, table).minimum
        width = console.width
        try:
            console.width = max(width, needed)
            with console.capture() as captured:
                console.print(table, crop=False)
        finally:
            console.width = width
        text = captured.get()
        if not console.is_terminal:  # padding only: scripts get no trailing blanks
            text = "".join(row.rstrip() + "\n" for row in text.splitlines())
        _write(console, text)

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
    console.file.write(text)
    console.file.flush()


_BASE_COLUMNS: Final = ("ID", "Description", "Username", "v2 User Name", "v2 User ID")
#: Columns whose values must never wrap or be cut.
_WHOLE: Final = frozenset({"ID", "Username", "v2 User ID", "Status", "Deleted"})


def _authorization_table(
    auths: Sequence[LegacyAuthorization], *, hide_headers: bool, deleted: bool | None
) -> Table:
    # Permissions come last: they are the one column without a bound on its width.
    names = [
        *_BASE_COLUMNS,
        "Status",
        *(("Deleted",) if deleted is not None else ()),
        "Permissions",
    ]
    table = Table(
        box=None,
        show_header=not hide_headers,
        show_edge=False,
        pad_edge=False,
        header_style="bold",
    )
    for name in names:
        if name in _WHOLE:
            table.add_column(name, no_wrap=True, overflow="ignore")
        else:
            table.add_column(name, overflow="fold")
    for auth in auths:
        cells = [
            auth.id,
            auth.description,
            auth.username,
            auth.user or "",
            auth.user_id,
            str(auth.status),
            *((str(deleted).lower(),) if deleted is not None else ()),
            # The influx CLI's notation: Go's slice of permission strings.
            "[" + " ".join(str(permission) for permission in auth.permissions) + "]",
        ]
        # Text, not str: "[read:orgs/...]" would otherwise be read as rich markup.
        table.add_row(*(Text(cell) for cell in cells))
    return table
