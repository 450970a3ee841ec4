"""The authorization table: the influx CLI's columns plus Status, laid out for its reader.

Off a terminal (and with ``--wide``) every column is shown in full, one line per
credential, however long: scripts read it. On a terminal the table fits the terminal's
width without ever splitting an ID, a username or a status: when the full table is too
wide, permissions are summarised by bucket name, descriptions and names fold onto more
lines, and the least useful columns are left out (``--wide`` or ``--json`` shows them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import attrs
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from .._models import Action, LegacyAuthorization, Permission, ResourceType
from ._terminal import printable

__all__ = ["Layout", "authorization_table", "summarise_permissions"]

#: Blanks between two columns (rich's padding of one on each side).
_GAP: Final = 2
#: A folded column is never narrower than this (or than its header, or than its longest
#: word up to _MAX_WORD: a bucket name is better whole).
_MIN_FOLDED: Final = 12
_MAX_WORD: Final = 24
#: Left out first when the terminal is too narrow, in this order.
_DROPPED_FIRST: Final = ("v2 User ID", "v2 User Name", "Description")


@attrs.frozen(slots=True)
class Layout:
    """How a table was laid out: the columns left out (``--wide`` shows them)."""

    table: Table
    hidden: tuple[str, ...] = ()
    #: The width the table needs; more than the terminal only when a value cannot fold.
    width: int = 0


@attrs.frozen(slots=True)
class _Column:
    name: str
    cell: Callable[[LegacyAuthorization], str]
    #: Never folded: IDs, usernames, statuses (a split ID cannot be copied).
    whole: bool


def _permission_text(permission: Permission) -> str:
    """One permission by what a person recognises: ``read:metrics``, ``write:all buckets``."""
    resource = permission.resource
    action = str(permission.action)
    if resource.type == ResourceType.BUCKETS:
        if resource.id is None:
            return f"{action}:all buckets"
        # The server names each bucket; a deleted one has no name left.
        return f"{action}:{resource.name or 'deleted bucket ' + resource.id}"
    return str(permission)


def summarise_permissions(permissions: Sequence[Permission]) -> str:
    """``read:metrics read:logs write:metrics``: by bucket name, reads first, each once."""
    ordered = sorted(permissions, key=lambda permission: permission.action != Action.READ)
    return " ".join(dict.fromkeys(_permission_text(permission) for permission in ordered))


def _full_permissions(auth: LegacyAuthorization) -> str:
    # The influx CLI's notation: Go's slice of permission strings.
    return "[" + " ".join(str(permission) for permission in auth.permissions) + "]"


def _columns(deleted: bool | None, *, summary: bool) -> list[_Column]:
    columns = [
        _Column("ID", lambda auth: auth.id, whole=True),
        _Column("Description", lambda auth: auth.description, whole=False),
        _Column("Username", lambda auth: auth.username, whole=True),
        _Column("v2 User Name", lambda auth: auth.user or "", whole=False),
        _Column("v2 User ID", lambda auth: auth.user_id, whole=True),
        _Column("Status", lambda auth: str(auth.status), whole=True),
    ]
    if deleted is not None:
        shown = str(deleted).lower()
        columns.append(_Column("Deleted", lambda auth: shown, whole=True))
    # Permissions come last: they are the one column without a bound on its width.
    if summary:
        columns.append(
            _Column("Permissions", lambda auth: summarise_permissions(auth.permissions), False)
        )
    else:
        columns.append(_Column("Permissions", _full_permissions, whole=True))
    return columns


def _build(
    columns: Sequence[_Column],
    rows: Sequence[Sequence[str]],
    widths: Sequence[int | None],
    *,
    hide_headers: bool,
) -> Table:
    table = Table(
        box=None,
        show_header=not hide_headers,
        show_edge=False,
        pad_edge=False,
        header_style="bold",
    )
    for column, width in zip(columns, widths, strict=True):
        if column.whole:
            table.add_column(column.name, no_wrap=True, overflow="ignore")
        else:
            table.add_column(column.name, overflow="fold", width=width)
    for row in rows:
        # Text, not str: "[read:orgs/...]" would otherwise be read as rich markup.
        table.add_row(*(Text(cell) for cell in row))
    return table


def _fit(naturals: Sequence[int], minimums: Sequence[int], room: int) -> list[int] | None:
    """Widths for the folded columns within ``room``, or None if even their minimums
    do not fit: each gets its minimum, then a share of the rest by how much it lacks."""
    if sum(naturals) <= room:
        return list(naturals)
    if sum(minimums) > room:
        return None
    lacking = [natural - least for natural, least in zip(naturals, minimums, strict=True)]
    extra = room - sum(minimums)
    total = sum(lacking)
    widths = [least + extra * lack // total for least, lack in zip(minimums, lacking, strict=True)]
    # What the rounding down left: one more to each column still short of its width.
    short = sorted(range(len(widths)), key=lambda i: -lacking[i])
    for index in short[: room - sum(widths)]:
        widths[index] += 1
    return widths


def authorization_table(
    auths: Sequence[LegacyAuthorization],
    *,
    hide_headers: bool = False,
    deleted: bool | None = None,
    width: int | None = None,
) -> Layout:
    """The table of ``auths``; ``width`` (a terminal's) makes it fit, None shows it whole.

    Every cell is made :func:`printable` first: nothing a server sent can reach the
    terminal as a control sequence.
    """
    full = _columns(deleted, summary=False)
    full_rows = [[printable(column.cell(auth)) for column in full] for auth in auths]
    natural = _natural_widths(full, full_rows, hide_headers=hide_headers)
    needed = sum(natural) + _GAP * (len(full) - 1)
    if width is None or needed <= width:
        table = _build(full, full_rows, [None] * len(full), hide_headers=hide_headers)
        return Layout(table, (), needed)
    columns = _columns(deleted, summary=True)
    hidden: list[str] = []
    while True:
        rows = [[printable(column.cell(auth)) for column in columns] for auth in auths]
        natural = _natural_widths(columns, rows, hide_headers=hide_headers)
        room = width - _GAP * (len(columns) - 1)
        room -= sum(w for w, column in zip(natural, columns, strict=True) if column.whole)
        folded = [i for i, column in enumerate(columns) if not column.whole]
        minimums = [
            _minimum(columns[i], [row[i] for row in rows], natural[i], hide_headers=hide_headers)
            for i in folded
        ]
        fitted = _fit([natural[i] for i in folded], minimums, room)
        droppable = [c for c in _DROPPED_FIRST if c in {column.name for column in columns}]
        if fitted is None and droppable:
            hidden.append(droppable[0])
            columns = [column for column in columns if column.name != droppable[0]]
            continue
        widths: list[int | None] = [None] * len(columns)
        for index, fold_width in zip(folded, fitted or minimums, strict=True):
            widths[index] = fold_width
        used = sum(w if w is not None else natural[i] for i, w in enumerate(widths))
        table = _build(columns, rows, widths, hide_headers=hide_headers)
        return Layout(table, tuple(hidden), used + _GAP * (len(columns) - 1))


def _minimum(column: _Column, cells: Sequence[str], natural: int, *, hide_headers: bool) -> int:
    """The narrowest a folded column gets: see _MIN_FOLDED."""
    words = [cell_len(word) for cell in cells for word in cell.split()]
    least = max(_MIN_FOLDED, 0 if hide_headers else cell_len(column.name))
    return min(natural, max(least, min(max(words, default=0), _MAX_WORD)))


def _natural_widths(
    columns: Sequence[_Column], rows: Sequence[Sequence[str]], *, hide_headers: bool
) -> list[int]:
    """Each column's width with nothing folded: its longest cell (or header)."""
    widths = [0 if hide_headers else cell_len(column.name) for column in columns]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], cell_len(cell))
    return widths
