"""Secret values on the command line, so that no message repeats them.

argparse echoes arguments it cannot place ("unrecognized arguments: --password x"); the
app names those itself with :func:`describe_unrecognized`, which shows only what cannot
be a secret, and passes argparse's other error output through :func:`redact` with
:func:`secret_values`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Final

__all__ = ["describe_unrecognized", "is_secret_option", "known_options", "redact", "secret_values"]

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


def known_options(parser: argparse.ArgumentParser) -> frozenset[str]:
    """Every option string of ``parser`` and of its sub-commands (``--org``, ``-o``...)."""
    found: set[str] = set(parser._option_string_actions)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.update(known_options(sub))
    return frozenset(found)


def describe_unrecognized(arguments: Sequence[str], known: frozenset[str]) -> str:
    """The arguments argparse could not place, as a usage error shows them.

    An option this command line knows (``--org`` given to a command that has none) is
    harmless, and so is its value; a mistyped option (``--pasword``) or a value on its own
    may be a password, and only the option's name is shown.
    """
    shown: list[str] = []
    harmless_value_next = False
    for argument in arguments:
        if argument.startswith("-") and len(argument) > 1:
            option, equals, _ = argument.partition("=")
            harmless = option in known and not is_secret_option(option)
            if harmless:
                shown.append(argument)
            elif option.startswith("--"):
                shown.append(option + (f"={REDACTED}" if equals else ""))
            else:  # a short option with its value attached: "-tsecret"
                shown.append(option[:2] + (REDACTED if len(option) > 2 or equals else ""))
            harmless_value_next = harmless and not equals
        else:
            shown.append(argument if harmless_value_next else REDACTED)
            harmless_value_next = False
    return " ".join(shown)


def redact(text: str, secrets: set[str]) -> str:
    """``text`` with each of ``secrets`` replaced by ``[redacted]``, longest first."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
