"""``rotate``: new passwords for a selection, journaled so that no credential is ever lost.

The first run over a new ``--journal`` starts a job over the selected authorizations; a
run with an existing journal resumes that job (the selection may then be left out). See
:mod:`aioinflux_legacyauth.rotation` for the protocol.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Final

from .._models import LegacyAuthorization
from ..bulk.report import Outcome
from ..rotation import FileSink, OutputFormat, RotationReport, rotate
from ..rotation.journal import Journal, Target
from ._command import Subparsers, add_command, positive_int
from ._connection import add_connection_arguments, make_client
from ._errors import UsageError
from ._output import Output, add_output_arguments, wants_json
from ._report import count_outcomes, print_summary, report_items
from ._selection import (
    NOTHING_SELECTED,
    Selection,
    add_selection_arguments,
    resolve_selection,
    selects,
)

__all__ = ["register"]

DEFAULT_CONCURRENCY: Final = 4
_SUFFIXES: Final = {".json": OutputFormat.JSON, ".env": OutputFormat.ENV, ".csv": OutputFormat.CSV}


def register(subparsers: Subparsers) -> None:
    """Add ``rotate``."""
    parser = add_command(
        subparsers,
        "rotate",
        handler=_rotate,
        help="give the selected legacy authorizations new random passwords, crash-safely",
        description=(
            "Give each selected authorization a new random password (256 bits). Each one is\n"
            "written to the journal (0600, fsync'd) before it is sent, verified by logging in\n"
            "through /query, then written to the output file (0600, atomically). When all are\n"
            "done, the journal is scrubbed of passwords.\n\n"
            "Run the same command again with the same --journal to resume after a crash or a\n"
            "failure: done items are skipped and pending ones get their journaled password\n"
            "again, never a new one. Exit status 0 once every item is rotated."
        ),
    )
    add_selection_arguments(parser)
    parser.add_argument(
        "--journal",
        required=True,
        type=Path,
        metavar="PATH",
        help="the job's journal: a new path starts a job, an existing one resumes it",
    )
    parser.add_argument(
        "--output",
        required=True,
        type=Path,
        metavar="PATH",
        help="where the new credentials are written (mode 0600)",
    )
    parser.add_argument(
        "--format",
        choices=[item.value for item in OutputFormat],
        help="output format (default: from the --output suffix, else json)",
    )
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=(
            f"passwords set at once (default {DEFAULT_CONCURRENCY}; each costs the server "
            "a bcrypt hash)"
        ),
    )
    parser.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="do not log in with each new password to check it",
    )
    add_output_arguments(parser, hide_headers=False)
    add_connection_arguments(parser)


def _output_format(args: argparse.Namespace) -> OutputFormat:
    if args.format:
        return OutputFormat(args.format)
    return _SUFFIXES.get(args.output.suffix.lower(), OutputFormat.JSON)


def _check_paths(args: argparse.Namespace) -> bool:
    """Refuse what cannot work; returns whether the job is resumed."""
    if args.journal.resolve() == args.output.resolve():
        msg = "--journal and --output must be different files"
        raise UsageError(msg)
    resuming: bool = args.journal.exists()
    if not resuming and not selects(args):
        raise UsageError(NOTHING_SELECTED)
    return resuming


def _job_targets(
    selection: Selection, planned: tuple[Target, ...] | None, *, resuming: bool
) -> tuple[tuple[LegacyAuthorization, ...] | None, list[LegacyAuthorization]]:
    """What to pass to rotate(), and the selected authorizations a resumed job leaves out.

    A resumed job rotates its own targets, whatever the selection matches now: running
    "the same command again" must finish the job even if new authorizations match.
    """
    if not resuming or planned is None:  # planned is None: a journal torn at creation
        return selection.authorizations, []
    in_job = {target.id for target in planned}
    return None, [auth for auth in selection.authorizations if auth.id not in in_job]


async def _rotate(args: argparse.Namespace, out: Output) -> int:
    resuming = _check_paths(args)
    planned = Journal.peek_targets(args.journal) if resuming else None
    sink = FileSink(args.output, _output_format(args))
    as_json = wants_json(args)
    selection = Selection(())
    async with make_client(args) as client:
        if selects(args):
            selection = await resolve_selection(client, args)
            if not selection.authorizations and not resuming:
                if as_json:
                    out.json(_document(None, selection, args, {}))
                else:
                    out.line("no legacy authorizations matched")
                return 1 if selection.missing else 0
        targets, outside = _job_targets(selection, planned, resuming=resuming)
        if resuming:
            out.message(f"resuming the rotation job in {args.journal}")
        total = len(planned) if planned is not None else len(targets or ())
        try:
            with out.progress("rotating", total) as on_progress:
                report = await rotate(
                    client,
                    targets,
                    journal=args.journal,
                    sink=sink,
                    verify=args.verify,
                    concurrency=args.concurrency,
                    on_progress=on_progress,
                )
        except asyncio.CancelledError:
            out.message(
                f"interrupted: nothing is lost; run the same command again to resume the job "
                f"in {args.journal}"
            )
            raise
    usernames = {t.id: t.username for t in planned or ()}
    usernames.update((auth.id, auth.username) for auth in selection.authorizations)
    if as_json:
        out.json(_document(report, selection, args, usernames))
    else:
        items = report_items(report, selection, usernames)
        print_summary(out, "rotate", False, count_outcomes(items), items)
        _explain(out, report, args)
    if outside:
        out.message(
            f"note: {len(outside)} selected authorizations are not part of the job in "
            f"{args.journal} and were left alone; rotate them with a new --journal"
        )
    succeeded = report.all_ok and not selection.missing
    return 0 if succeeded and report.complete else 1


def _document(
    report: RotationReport | None,
    selection: Selection,
    args: argparse.Namespace,
    usernames: dict[str, str],
) -> dict[str, object]:
    items = report_items(report, selection, usernames)
    return {
        "operation": "rotate",
        "job": report.job if report else None,
        "journal": str(args.journal),
        "output": str(args.output),
        "resumed": report.resumed if report else False,
        "complete": report.complete if report else False,
        "elapsed": round(report.elapsed, 3) if report else 0.0,
        "counts": count_outcomes(items),
        "items": items,
    }


def _explain(out: Output, report: RotationReport, args: argparse.Namespace) -> None:
    if report.complete and report.resumed and not report.counts[Outcome.OK]:
        out.line(f"the job in {args.journal} was already finished; nothing was changed")
        return
    if report.complete:
        out.line(
            f"new credentials: {args.output} (mode 0600); the journal {args.journal} "
            f"holds no password any more"
        )
        return
    out.line(
        f"the job is not finished: its journal {args.journal} keeps the passwords already "
        f"sent; run the same command again to finish it"
    )
