"""What the app and the command modules share: the registration contract and value types.

A command module exposes ``register(subparsers)``; each sub-command it adds sets
``handler`` (an async ``(args, out) -> exit status``) with ``set_defaults``.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Protocol, TypeAlias

from .._ids import is_hex_id

if TYPE_CHECKING:
    from ._output import Output

__all__ = [
    "CommandModule",
    "Handler",
    "Subparsers",
    "add_command",
    "hex_id",
    "non_empty",
    "positive_int",
]

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
#: Runs one sub-command; returns its exit status. Raise CliError/UsageError to fail.
Handler: TypeAlias = "Callable[[argparse.Namespace, Output], Awaitable[int]]"


class CommandModule(Protocol):
    """A module that adds its sub-commands to the parser."""

    def register(self, subparsers: Subparsers) -> None:
        """Add this module's sub-commands, each with ``set_defaults(handler=...)``."""
        ...


def add_command(
    subparsers: Subparsers,
    name: str,
    *,
    handler: Handler,
    help: str,
    description: str | None = None,
    aliases: Sequence[str] = (),
) -> argparse.ArgumentParser:
    """Add one sub-command that runs ``handler``."""
    parser = subparsers.add_parser(
        name,
        help=help,
        description=description or help,
        aliases=list(aliases),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.set_defaults(handler=handler)
    return parser


def hex_id(text: str) -> str:
    """An argparse type: an InfluxDB ID, 16 hex digits (returned in lower case)."""
    if not is_hex_id(text):
        msg = f"expected an ID of 16 hexadecimal digits, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return text.lower()


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        msg = f"expected a positive whole number, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def non_empty(text: str) -> str:
    """An argparse type: any text but the empty string (the server would ignore it)."""
    if not text:
        msg = "must not be empty"
        raise argparse.ArgumentTypeError(msg)
    return text
