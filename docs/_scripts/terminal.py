"""Terminal pictures: run a command line in this process as if on a terminal, record its
bytes, replay them on a terminal emulator (pyte), and draw the screen as SVG with rich.

The command's own code runs, progress bars and fitted tables included: its stdout and
stderr are one pseudo-terminal of a fixed size (they share a screen, as on a real one), so
what the picture shows is what a person at a terminal of that size would see. Replaying the
bytes also gives the frames a transient progress bar draws before it is erased.

The SVG uses the reader's own monospace font: rich's template fetches Fira Code from a CDN,
which a site that must work offline cannot do.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Final

import attrs

#: The size of the recorded terminal. Wide enough for the fitted tables, narrow enough to
#: read on a page.
COLUMNS: Final = 100
ROWS: Final = 60
#: What rich reads to decide colours and width, with the values of a common terminal.
_TERMINAL_ENV: Final = {"TERM": "xterm-256color", "COLORTERM": "", "NO_COLOR": None}
_REDRAW: Final = re.compile(r"(?=\r)")
_FONT_FACE: Final = re.compile(r"@font-face \{\{.*?\}\}\s*", re.DOTALL)
_FONTS: Final = '"DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace'


class _TerminalFile(io.TextIOBase):
    """A text file that says it is a terminal and keeps every write, in order."""

    def __init__(self, chunks: list[str], lock: threading.Lock) -> None:
        super().__init__()
        self._chunks = chunks
        self._lock = lock

    def isatty(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        # rich's progress bar refreshes from a thread of its own.
        with self._lock:
            self._chunks.append(text)
        return len(text)

    @property
    def encoding(self) -> str:  # type: ignore[override]  # io.TextIOBase declares it read-only
        return "utf-8"


@attrs.frozen
class Recording:
    """What one command wrote to the terminal, write by write, and its exit status."""

    argv: tuple[str, ...]
    status: int
    chunks: tuple[str, ...]

    @property
    def text(self) -> str:
        """Everything written, escape sequences included."""
        return "".join(self.chunks)


def _put(values: Mapping[str, str | None]) -> None:
    """Set each variable, or unset it where the value is None."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextlib.contextmanager
def _environment(values: Mapping[str, str | None]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    try:
        _put(values)
        yield
    finally:
        _put(saved)


def record(
    main: Callable[[Sequence[str]], int],
    argv: Sequence[str],
    *,
    env: Mapping[str, str | None] | None = None,
    stdin: str = "",
    columns: int = COLUMNS,
    rows: int = ROWS,
) -> Recording:
    """Run ``main(argv)`` with stdout and stderr on one recorded terminal of that size;
    ``stdin`` is what it reads (not a terminal: a command reads a password as a line)."""
    chunks: list[str] = []
    terminal = _TerminalFile(chunks, threading.Lock())
    values: dict[str, str | None] = {
        **_TERMINAL_ENV,
        "COLUMNS": str(columns),
        "LINES": str(rows),
        **(env or {}),
    }
    with (
        _environment(values),
        contextlib.redirect_stdout(terminal),
        contextlib.redirect_stderr(terminal),
    ):
        saved_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
        try:
            status = main(list(argv))
        finally:
            sys.stdin = saved_stdin
    return Recording(tuple(argv), status, tuple(chunks))


@attrs.frozen
class Cell:
    """One character on the screen, with what rich needs to draw it."""

    char: str
    fg: str
    bg: str
    bold: bool
    italics: bool
    underscore: bool
    reverse: bool


Screen = tuple[tuple[Cell, ...], ...]


def _snapshot(screen: object, columns: int) -> Screen:
    lines = []
    for y in range(screen.lines):  # type: ignore[attr-defined]
        row = screen.buffer[y]  # type: ignore[attr-defined]
        lines.append(
            tuple(
                Cell(
                    row[x].data,
                    row[x].fg,
                    row[x].bg,
                    row[x].bold,
                    row[x].italics,
                    row[x].underscore,
                    row[x].reverse,
                )
                for x in range(columns)
            )
        )
    return tuple(lines)


def screens(recording: Recording, *, columns: int = COLUMNS, rows: int = ROWS) -> list[Screen]:
    """The screen after each write (each redraw), as a terminal of that size shows it."""
    import pyte  # noqa: PLC0415 - a docs-only dependency

    screen = pyte.Screen(columns, rows)
    stream = pyte.Stream(screen)
    shown = []
    for chunk in recording.chunks:
        # A redraw starts with a carriage return, and one write may hold the last frame of
        # a bar and the erasing of it: a screen per redraw, not per write.
        for piece in _REDRAW.split(chunk):
            # A terminal's line discipline turns "\n" into CR LF; pyte needs it said.
            stream.feed(piece.replace("\n", "\r\n"))
            shown.append(_snapshot(screen, columns))
    return shown


def line_text(line: Sequence[Cell]) -> str:
    """A screen line's characters, trailing blanks left out."""
    return "".join(cell.char for cell in line).rstrip()


#: What rich draws a progress bar with.
_BAR: Final = "\u2501"


def last_progress_frame(frames: Sequence[Screen], label: str) -> Screen:
    """The last screen showing the progress bar labelled ``label``: a transient bar's
    final frame, drawn just before it is erased."""
    for frame in reversed(frames):
        for line in frame:
            text = line_text(line)
            if text.startswith(f"{label} ") and _BAR in text:
                return frame
    msg = f"no frame shows a progress bar labelled {label!r}"
    raise LookupError(msg)


def trimmed(screen: Screen) -> Screen:
    """``screen`` without the empty lines below the last written one."""
    last = max((y for y, line in enumerate(screen) if line_text(line)), default=-1)
    return screen[: last + 1]


def _colour(value: str) -> str | None:
    if value == "default":
        return None
    if re.fullmatch(r"[0-9a-fA-F]{6}", value):
        return f"#{value.lower()}"
    # pyte names the 16 basic colours as words, "brightred" for the bright ones.
    name = value.removeprefix("bright").replace("brown", "yellow")
    return f"bright_{name}" if value.startswith("bright") else name


def to_svg(screen: Screen, *, title: str, unique_id: str, columns: int = COLUMNS) -> str:
    """``screen`` drawn by rich as a terminal window titled ``title``, without web fonts."""
    from rich._export_format import CONSOLE_SVG_FORMAT  # noqa: PLC0415
    from rich.console import Console  # noqa: PLC0415
    from rich.style import Style  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    console = Console(
        record=True,
        width=columns,
        file=io.StringIO(),
        color_system="truecolor",
        force_terminal=True,
        legacy_windows=False,
    )
    for line in screen:
        text = Text(no_wrap=True, end="")
        for cell in line:
            style = Style(
                color=_colour(cell.fg),
                bgcolor=_colour(cell.bg),
                bold=cell.bold,
                italic=cell.italics,
                underline=cell.underscore,
                reverse=cell.reverse,
            )
            text.append(cell.char, style)
        text.rstrip()
        console.print(text)
    template = _FONT_FACE.sub("", CONSOLE_SVG_FORMAT).replace(
        "font-family: Fira Code, monospace;", f"font-family: {_FONTS};"
    )
    return console.export_svg(title=title, code_format=template, unique_id=unique_id)
