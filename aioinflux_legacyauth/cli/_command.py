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
    "port_number",
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
        # The one-liner (lower case, as argparse's own) as a sentence at the top of --help.
        description=description or f"{help[0].upper()}{help[1:]}.",
        aliases=list(aliases),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    # Options that take one value refuse a second one instead of keeping the last.
    parser.register("action", None, _StoreOnce)
    parser.register("action", "store", _StoreOnce)
    parser.set_defaults(handler=handler)
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log what the library does on stderr (requests, retries; never a secret)",
    )
    return parser


class _StoreOnce(argparse._StoreAction):
    """argparse's ``store``, refusing the option a second time: ``list --username a
    --username b`` used to keep ``b`` without a word."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        given: set[str] = namespace.__dict__.setdefault("_given_once", set())
        if self.dest in given:
            msg = "given more than once; it takes one value"
            raise argparse.ArgumentError(self, msg)
        given.add(self.dest)
        super().__call__(parser, namespace, values, option_string)


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


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 0 (any free port) to 65535."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        msg = f"expected a port number from 0 to 65535, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def non_empty(text: str) -> str:
    """An argparse type: any text but the empty string (the server would ignore it)."""
    if not text:
        msg = "must not be empty"
        raise argparse.ArgumentTypeError(msg)
    return text
