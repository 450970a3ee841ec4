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
from . import _audit, _auth_commands, _bulk_commands, _demo, _provision, _rescope, _rotate
from ._argv import redact, secret_values
from ._command import CommandModule
from ._errors import CliError
from ._output import Output

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


def run(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the chosen command, and return its exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # argparse echoes arguments it cannot place ("unrecognized arguments: --password x"):
    # its error output passes through here, with every secret option's value redacted.
    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            args = parser.parse_args(arguments)
    except SystemExit as exc:  # argparse's own exit: 2 for a usage error, 0 for --help
        sys.stderr.write(redact(errors.getvalue(), secret_values(arguments)))
        return exc.code if isinstance(exc.code, int) else EXIT_FAILED
    out = Output()
    try:
        status: int = asyncio.run(args.handler(args, out))
    except KeyboardInterrupt:
        out.error("interrupted")
        return EXIT_INTERRUPTED
    except CliError as exc:
        out.error(str(exc))
        return exc.exit_status
    except LegacyAuthError as exc:  # their messages never hold a token or a password
        out.error(str(exc))
        # e.g. "rolled back: legacy authorization ... was deleted again" after a failed
        # create: what state the failure left behind.
        for note in getattr(exc, "__notes__", ()):
            out.message(f"note: {note}")
        return EXIT_FAILED
    return status
