"""Bulk commands: ``activate``, ``deactivate`` and ``delete-many`` over a selection.

Each runs the bulk API with a progress bar on stderr, then prints the outcome counts and
every item that did not succeed (or, with ``--json``, the whole per-item report). The exit
status is 0 only if every selected item ended in the requested state and every
``--id``/``--username`` given was found. UserInterruptError (Ctrl-C), it still accounts for every
item: done, in flight (``unknown``) or not started; exit status 130.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Sequence
from typing import Final

from .._models import AuthStatus, LegacyAuthorization
from ..bulk.report import BulkReport, ItemResult, Outcome
from ._command import Subparsers, add_command, positive_int
from ._connection import add_connection_arguments, make_client
from ._errors import CliError
from ._output import Output, add_output_arguments, wants_json
from ._prompts import confirm, names_preview
from ._report import (
    INTERRUPTED_EXIT,
    ResultTally,
    all_succeeded,
    count_outcomes,
    print_interruption,
    print_summary,
    report_items,
    run_tallied,
)
from ._selection import add_selection_arguments, resolve_selection

__all__ = ["DEFAULT_CONCURRENCY", "register"]

DEFAULT_CONCURRENCY: Final = 16
_NOTHING_MATCHED: Final = "no legacy authorizations matched"
#: Commands that ask before changing what a filter (not a list of names) selected.
_CONFIRMED: Final = {"deactivate": "Deactivate", "delete-many": "Delete"}


def register(subparsers: Subparsers) -> None:
    """Add activate, deactivate and delete-many."""
    commands: tuple[tuple[str, Callable[[argparse.Namespace, Output], Awaitable[int]], str], ...]
    commands = (
        ("activate", _activate, "activate the selected legacy authorizations"),
        ("deactivate", _deactivate, "deactivate the selected legacy authorizations"),
        ("delete-many", _delete_many, "delete the selected legacy authorizations"),
    )
    for name, handler, summary in commands:
        asks = {
            "deactivate": "\nOn a terminal it asks first when --all, --org or --status selected.",
            "delete-many": "\nOn a terminal it asks first.",
        }.get(name, "")
        parser = add_command(
            subparsers,
            name,
            handler=handler,
            help=summary,
            description=(
                f"{summary[0].upper()}{summary[1:]}.\n"
                "Exit status 0 if every one ended in the requested state, 1 otherwise,\n"
                "130 if interrupted (the report then still accounts for every item)." + asks
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
        if name in _CONFIRMED:
            parser.add_argument(
                "--yes", action="store_true", help="do not ask for confirmation on a terminal"
            )
        if name == "delete-many":
            parser.add_argument(
                "--missing-ok",
                action="store_true",
                help="count authorizations that no longer exist as done (for reruns)",
            )
        add_output_arguments(parser, hide_headers=False, report=True)
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
    missing_ok = bool(getattr(args, "missing_ok", False))
    report: BulkReport | None = None
    interrupted = False
    async with make_client(args) as client:
        selection = await resolve_selection(client, args)
        targets = selection.authorizations
        if targets and _asks(args, operation):
            _confirm(out, operation, targets)
        if targets:
            with out.progress(operation, len(targets)) as on_progress:

                async def change(tally: ResultTally) -> BulkReport:
                    if status is None:
                        return await client.bulk_delete(
                            targets,
                            concurrency=args.concurrency,
                            dry_run=args.dry_run,
                            missing_ok=missing_ok,
                            on_result=tally,
                            on_progress=on_progress,
                        )
                    return await client.bulk_update(
                        targets,
                        status=status,
                        concurrency=args.concurrency,
                        dry_run=args.dry_run,
                        on_result=tally,
                        on_progress=on_progress,
                    )

                report, interrupted = await run_tallied(
                    change, [auth.id for auth in targets], op=operation, dry_run=args.dry_run
                )
        if report is not None and status is not None and not args.dry_run:
            report = _mark_unchanged(report, targets, status)
    items = report_items(report, selection, missing_ok=missing_ok)
    counts = count_outcomes(items)
    if as_json:
        document: dict[str, object] = {
            "operation": operation,
            "dry_run": bool(args.dry_run),
            "elapsed": round(report.elapsed, 3) if report else 0.0,
            "counts": counts,
            "items": items,
        }
        if interrupted:
            document["interrupted"] = True
        out.json(document)
    elif not items:
        out.line(_NOTHING_MATCHED)
    else:
        if args.dry_run and targets and not interrupted:
            out.authorizations(targets, wide=args.wide)
        print_summary(out, operation, bool(args.dry_run), counts, items, interrupted=interrupted)
    if interrupted:
        print_interruption(out, counts, "run the same command again to finish")
        return INTERRUPTED_EXIT
    return 0 if all_succeeded(items) else 1


def _asks(args: argparse.Namespace, operation: str) -> bool:
    """Whether to ask before the change: deactivate when a filter chose the targets,
    delete-many always; never for a dry run or with --yes."""
    if operation not in _CONFIRMED or args.dry_run or args.yes:
        return False
    if operation == "deactivate":
        return bool(args.select_all or args.org or args.org_id or args.status)
    return True


def _confirm(out: Output, operation: str, targets: Sequence[LegacyAuthorization]) -> None:
    """On a terminal, ask with the count and a few names; anything but y/yes aborts."""
    count = len(targets)
    noun = "authorization" if count == 1 else "authorizations"
    names = names_preview([auth.username for auth in targets])
    verb = _CONFIRMED[operation]
    if not confirm(out, f"{verb} {count} legacy {noun} ({names})?"):
        done = "deleted" if operation == "delete-many" else "changed"
        msg = f"aborted: nothing was {done}"
        raise CliError(msg)


def _mark_unchanged(
    report: BulkReport, targets: Sequence[LegacyAuthorization], status: AuthStatus
) -> BulkReport:
    """``already_done`` for the items that already had ``status`` when they were listed
    (the server answers a PATCH to the same status like any other)."""
    before = {auth.id: auth.status for auth in targets}
    results = tuple(
        _already(result, status)
        if result.outcome is Outcome.OK and before.get(result.key) == status
        else result
        for result in report.results
    )
    return BulkReport(
        op=report.op,
        results=results,
        elapsed=report.elapsed,
        dry_run=report.dry_run,
        trace_span=report.trace_span,
    )


def _already(result: ItemResult, status: AuthStatus) -> ItemResult:
    return ItemResult(
        key=result.key,
        op=result.op,
        outcome=Outcome.ALREADY_DONE,
        status=result.status,
        message=f"already {status}",
        attempts=result.attempts,
        elapsed=result.elapsed,
    )
