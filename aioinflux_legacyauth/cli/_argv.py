"""Secret values on the command line, so that no message repeats them.

argparse echoes arguments it cannot place ("unrecognized arguments: --password x"); the
app passes argparse's error output through :func:`redact` with :func:`secret_values`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

__all__ = ["is_secret_option", "redact", "secret_values"]

REDACTED: Final = "[redacted]"


def is_secret_option(option: str) -> bool:
    """``--password``, ``--token``, ``-t``, and what a user may mistype for them
    (``--pass``, ``--passwd``, ``--tok``): argparse would echo such a value back."""
    if option == "-t":
        return True
    if not option.startswith("--"):
        return False
    name = option[2:].lower()
    if "pass" in name or "token" in name:
        return True
    return len(name) >= 2 and ("password".startswith(name) or "token".startswith(name))


def secret_values(arguments: Sequence[str]) -> set[str]:
    """The values given to secret options (see :func:`is_secret_option`), in any spelling."""
    found = set()
    for index, argument in enumerate(arguments):
        option, equals, value = argument.partition("=")
        if equals and is_secret_option(option):
            found.add(value)
        elif is_secret_option(argument):
            if index + 1 < len(arguments) and not arguments[index + 1].startswith("-"):
                found.add(arguments[index + 1])
        elif argument.startswith("-t") and not argument.startswith("--"):
            found.add(argument[2:].removeprefix("="))
    found.discard("")
    return found


_UNRECOGNIZED: Final = "unrecognized arguments: "


def _redact_unrecognized(line: str) -> str:
    # Arguments argparse could not place may be a password after a mistyped option
    # ("--pasword x") or on its own: show only option names.
    head, found, rest = line.partition(_UNRECOGNIZED)
    if not found:
        return line
    shown = []
    for argument in rest.split(" "):
        if argument.startswith("-"):
            option, equals, _ = argument.partition("=")
            shown.append(option + (f"={REDACTED}" if equals else ""))
        else:
            shown.append(REDACTED)
    return head + found + " ".join(shown)


def redact(text: str, secrets: set[str]) -> str:
    """``text`` with each of ``secrets`` replaced by ``[redacted]`` (longest first), and
    every value among argparse's unrecognized arguments too."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return "\n".join(_redact_unrecognized(line) for line in text.split("\n"))
