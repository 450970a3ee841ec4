"""The parser, the registry of command modules, and running one command to an exit status.

Exit statuses: 0 success; 1 an operation failed (server or network error, not found,
a bulk item not done); 2 a usage error; 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import sys
from collections.abc import Sequence
from typing import Final

from .. import __version__
from .._errors import LegacyAuthError
from . import (
    _audit,
    _auth_commands,
    _bulk_commands,
    _completion,
    _demo,
    _provision,
    _rescope,
    _rotate,
)
from ._argv import attach_dashed_values, describe_unrecognized, known_options, redact, secret_values
from ._command import CommandModule
from ._connection import token_source
from ._errors import CliError
from ._logging import library_logging
from ._messages import describe_error, describe_os_error
from ._output import Output
from ._terminal import printable

__all__ = ["build_parser", "run"]

PROG: Final = "aioinflux-legacyauth"
EXIT_FAILED: Final = 1
EXIT_INTERRUPTED: Final = 130

#: Each module adds its sub-commands through ``register(subparsers)``; add new ones here.
_COMMAND_MODULES: Final[tuple[CommandModule, ...]] = (
    _auth_commands,
    _bulk_commands,
    _rotate,
    _provision,
    _rescope,
    _audit,
    _demo,
    _completion,
)


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser, with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        allow_abbrev=False,  # as in influx; and "--pass" must not stand for "--password"
        description=(
            "Manage InfluxDB OSS 2.x legacy (v1) authorizations: the influx CLI's "
            "'v1 auth' commands, plus bulk activate, deactivate and delete, crash-safe "
            "password rotation, provisioning (DBRP mappings, verification, new buckets "
            "without a new password, audits), and a demo against an embedded emulator."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _COMMAND_MODULES:
        module.register(subparsers)
    return parser


def _parse(parser: argparse.ArgumentParser, arguments: list[str]) -> argparse.Namespace | int:
    """The parsed arguments, or the exit status of argparse's own exit (help, a usage error).

    argparse echoes what it cannot place ("unrecognized arguments: --password x"): those
    are named here without any value that may be a secret, and the rest of its error
    output has every secret option's value redacted and its controls escaped.
    """
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            args, extras = parser.parse_known_args(arguments)
            if extras:
                shown = describe_unrecognized(extras, known_options(parser))
                parser.error(f"unrecognized arguments: {shown}")
    except SystemExit as exc:  # argparse's own exit: 2 for a usage error, 0 for --help
        text = redact(errors.getvalue(), secret_values(arguments))
        sys.stderr.write("".join(printable(line) + "\n" for line in text.splitlines()))
        return exc.code if isinstance(exc.code, int) else EXIT_FAILED
    return args


def run(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the chosen command, and return its exit status."""
    parser = build_parser()
    arguments = attach_dashed_values(sys.argv[1:] if argv is None else argv, parser)
    parsed = _parse(parser, arguments)
    if isinstance(parsed, int):
        return parsed
    args = parsed
    out = Output()
    with library_logging(verbose=bool(getattr(args, "verbose", False))):
        return _run(args, out)


def _run(args: argparse.Namespace, out: Output) -> int:
    try:
        status: int = asyncio.run(args.handler(args, out))
    except KeyboardInterrupt:
        out.error("interrupted")
        return EXIT_INTERRUPTED
    except CliError as exc:
        out.error(str(exc))
        return exc.exit_status
    except LegacyAuthError as exc:  # their messages never hold a token or a password
        out.error(describe_error(exc, token_source=token_source(args)))
        # e.g. "rolled back: legacy authorization ... was deleted again" after a failed
        # create: what state the failure left behind.
        for note in getattr(exc, "__notes__", ()):
            out.message(f"note: {note}")
        return EXIT_FAILED
    except OSError as exc:  # a file the command reads or writes: in plain words
        out.error(describe_os_error(exc))
        return EXIT_FAILED
    return status
