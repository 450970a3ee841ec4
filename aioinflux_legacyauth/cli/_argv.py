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

__all__ = [
    "attach_dashed_values",
    "describe_unrecognized",
    "is_secret_option",
    "known_options",
    "redact",
    "secret_values",
]

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


def _single_value_options(parser: argparse.ArgumentParser) -> frozenset[str]:
    """The option strings of ``parser`` itself that take exactly one value (``--token``)."""
    return frozenset(
        option for option, action in parser._option_string_actions.items() if action.nargs is None
    )


def _subcommand_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def attach_dashed_values(arguments: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """``--token -x...`` as ``--token=-x...``: a value that starts with a dash, given as the
    next argument of an option that takes one value, belongs to that option.

    InfluxDB's tokens are URL-safe base64, so about one in 64 starts with ``-``; the influx
    CLI's flag parser takes it as the value, where argparse would call it a missing value
    (and never knew it was a secret). A next argument that is itself one of the command's
    options (``--org --json``) is still a missing value.
    """
    subcommands = _subcommand_parsers(parser)
    current = parser
    takes_value = _single_value_options(current)
    known = known_options(parser)
    attached: list[str] = []
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        if argument == "--":
            attached.extend(arguments[index:])
            break
        following = arguments[index + 1] if index + 1 < len(arguments) else None
        if (
            argument in takes_value
            and following is not None
            and following.startswith("-")
            and following.partition("=")[0] not in known
        ):
            attached.append(f"{argument}={following}")
            index += 2
            continue
        if current is parser and argument in subcommands:
            current = subcommands[argument]
            takes_value = _single_value_options(current)
        attached.append(argument)
        index += 1
    return attached


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
