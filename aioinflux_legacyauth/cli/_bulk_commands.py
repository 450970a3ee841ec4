"""Bulk commands: ``activate``, ``deactivate`` and ``delete-many`` over a selection.

Each runs the bulk API with a progress bar on stderr, then prints the outcome counts and
every item that did not succeed (or, with ``--json``, the whole per-item report). The exit
status is 0 only if every selected item ended in the requested state and every
``--id``/``--username`` given was found.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import Final

from .._models import AuthStatus
from ..bulk.report import BulkReport
from ._command import Subparsers, add_command, positive_int
from ._connection import add_connection_arguments, make_client
from ._errors import CliError
from ._output import Output, add_output_arguments, wants_json
from ._report import all_succeeded, count_outcomes, print_summary, report_items
from ._selection import add_selection_arguments, resolve_selection

__all__ = ["DEFAULT_CONCURRENCY", "register"]

DEFAULT_CONCURRENCY: Final = 16
_NOTHING_MATCHED: Final = "no legacy authorizations matched"


def register(subparsers: Subparsers) -> None:
    """Add activate, deactivate and delete-many."""
    commands: tuple[tuple[str, Callable[[argparse.Namespace, Output], Awaitable[int]], str], ...]
    commands = (
        ("activate", _activate, "activate the selected legacy authorizations"),
        ("deactivate", _deactivate, "deactivate the selected legacy authorizations"),
        ("delete-many", _delete_many, "delete the selected legacy authorizations"),
    )
    for name, handler, summary in commands:
        parser = add_command(
            subparsers,
            name,
            handler=handler,
            help=summary,
            description=(
                f"{summary[0].upper()}{summary[1:]}.\n"
                "Exit status 0 if every one ended in the requested state, 1 otherwise."
            ),
        )
        add_selection_arguments(parser)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="only read each authorization and report what would change",
        )
        parser.add_argument(
            "--concurrency",
            type=positive_int,
            default=DEFAULT_CONCURRENCY,
            metavar="N",
            help=f"requests in flight at once (default {DEFAULT_CONCURRENCY})",
        )
        if name == "delete-many":
            parser.add_argument(
                "--yes", action="store_true", help="do not ask for confirmation on a terminal"
            )
        add_output_arguments(parser, hide_headers=False)
        add_connection_arguments(parser)


async def _activate(args: argparse.Namespace, out: Output) -> int:
    return await _run(args, out, "activate", AuthStatus.ACTIVE)


async def _deactivate(args: argparse.Namespace, out: Output) -> int:
    return await _run(args, out, "deactivate", AuthStatus.INACTIVE)


async def _delete_many(args: argparse.Namespace, out: Output) -> int:
    return await _run(args, out, "delete-many", None)


async def _run(
    args: argparse.Namespace, out: Output, operation: str, status: AuthStatus | None
) -> int:
    as_json = wants_json(args)
    report: BulkReport | None = None
    async with make_client(args) as client:
        selection = await resolve_selection(client, args)
        targets = selection.authorizations
        if targets and status is None and not (args.dry_run or args.yes):
            _confirm_delete(out, len(targets))
        if targets:
            with out.progress(operation, len(targets)) as on_progress:
                if status is None:
                    report = await client.bulk_delete(
                        targets,
                        concurrency=args.concurrency,
                        dry_run=args.dry_run,
                        on_progress=on_progress,
                    )
                else:
                    report = await client.bulk_update(
                        targets,
                        status=status,
                        concurrency=args.concurrency,
                        dry_run=args.dry_run,
                        on_progress=on_progress,
                    )
    items = report_items(report, selection)
    counts = count_outcomes(items)
    if as_json:
        out.json(
            {
                "operation": operation,
                "dry_run": bool(args.dry_run),
                "elapsed": round(report.elapsed, 3) if report else 0.0,
                "counts": counts,
                "items": items,
            }
        )
    elif not items:
        out.line(_NOTHING_MATCHED)
    else:
        if args.dry_run and targets:
            out.authorizations(targets)
        print_summary(out, operation, bool(args.dry_run), counts, items)
    return 0 if all_succeeded(items) else 1


def _confirm_delete(out: Output, count: int) -> None:
    """On a terminal, ask before deleting; anything but y/yes aborts (exit status 1)."""
    stdin = sys.stdin
    if stdin is None or not stdin.isatty():
        return
    noun = "authorization" if count == 1 else "authorizations"
    out.stderr.file.write(f"Delete {count} legacy {noun}? [y/N] ")
    out.stderr.file.flush()
    if stdin.readline().strip().lower() not in ("y", "yes"):
        msg = "aborted: nothing was deleted"
        raise CliError(msg)
