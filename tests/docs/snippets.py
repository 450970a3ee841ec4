"""The code blocks of the documentation's pages, and how the suite runs each kind.

A page's fenced blocks are read in order. What happens to each depends on its language:

- ``python``: run, in the page's order and in one namespace per page, as the asyncio REPL
  (``python -m asyncio``) runs them: ``await`` may stand at the top level;
- ``sh``: each command line that starts with ``aioinflux-legacyauth`` is run through the
  command line's ``main()`` (a line continued with ``\\`` is one command; a comment
  ``# exits N`` says the exit status to expect, 0 otherwise); other lines (``pip``,
  ``export``, ``docker``...) are the reader's to run;
- ``yaml``, ``toml``, ``json``: parsed (a page's own test may check more);
- anything else (``text``, ``ini``): shown only.

An HTML comment on the line before a block changes that:

- ``<!-- docs-test: skip (REASON) -->``: the block is not run; the reason is required,
  and the page says it in words too;
- ``<!-- docs-test: pytest -->``: the block is a test module, run by pytest in a process
  of its own.

A page that says ``<!-- docs-test: moto (REASON) -->`` anywhere runs with moto's Secrets
Manager server as AWS (``AWS_ENDPOINT_URL`` pointing at it, and credentials moto takes).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Final, Literal

import attrs

Action = Literal["run", "skip", "pytest"]

_FENCE: Final = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_MARKER: Final = re.compile(
    r"^\s*<!--\s*docs-test:\s*(?P<action>skip|pytest)\s*(?P<rest>.*?)\s*-->\s*$"
)
_REASON: Final = re.compile(r"^\((?P<reason>.+)\)$")
_EXITS: Final = re.compile(r"#.*\bexits (?P<status>\d+)")
PROGRAM: Final = "aioinflux-legacyauth"


class MarkerError(ValueError):
    """A ``docs-test`` marker that is malformed (a skip without its reason)."""


@attrs.frozen
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int
    language: str
    code: str
    action: Action
    reason: str | None = None

    @property
    def where(self) -> str:
        """``page.md:LINE``, for messages."""
        return f"{self.page.name}:{self.line}"


@attrs.frozen
class Command:
    """One command line of an ``sh`` block, and the exit status it should end with."""

    argv: tuple[str, ...]
    status: int
    line: int


def _marker(line: str, where: str) -> tuple[Action, str | None] | None:
    match = _MARKER.match(line)
    if match is None:
        return None
    action, rest = match["action"], match["rest"]
    if action == "pytest":
        return "pytest", None
    reason = _REASON.match(rest)
    if reason is None:
        msg = f"{where}: a docs-test skip needs its reason, as 'skip (why)'"
        raise MarkerError(msg)
    return "skip", reason["reason"]


def blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page``, with what the suite does with it."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    previous = ""
    while index < len(lines):
        line = lines[index]
        opening = _FENCE.match(line)
        if opening is None:
            if line.strip():
                previous = line
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        language = opening["info"].split()[0] if opening["info"].strip() else ""
        start = index + 1  # the opening fence's line, counted from 1
        marker = _marker(previous, f"{page.name}:{start}")
        body: list[str] = []
        index += 1
        while index < len(lines) and lines[index].strip() != fence:
            body.append(lines[index].removeprefix(indent))
            index += 1
        action, reason = marker or ("run", None)
        found.append(Block(page, start, language, "\n".join(body) + "\n", action, reason))
        previous = ""
        index += 1
    return found


def commands(block: Block) -> Iterator[Command]:
    """The ``aioinflux-legacyauth`` command lines of an ``sh`` block, continuations joined."""
    pending = ""
    for number, line in enumerate(block.code.splitlines(), start=block.line + 1):
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text, pending = pending + line, ""
        words = shlex.split(text, comments=True)
        if not words or words[0] != PROGRAM:
            continue
        exits = _EXITS.search(text)
        yield Command(tuple(words[1:]), int(exits["status"]) if exits else 0, number)


def needs_moto(page: Path) -> bool:
    """Whether ``page`` asks for moto's Secrets Manager as AWS."""
    return "<!-- docs-test: moto" in page.read_text(encoding="utf-8")
