"""``rotate``: new passwords for a selection, journaled so that no credential is ever lost.

The first run over a new ``--journal`` starts a job over the selected authorizations; a
run with an existing journal resumes that job (the selection may then be left out). See
:mod:`aioinflux_legacyauth.rotation` for the protocol.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Final

from .._models import LegacyAuthorization
from ..bulk.report import BulkReport, Outcome
from ..rotation import FileSink, OutputFormat, RotationReport, rotate
from ..rotation.journal import Journal, Target
from ._command import Subparsers, add_command, positive_int
from ._connection import add_connection_arguments, make_client
from ._errors import UsageError
from ._output import Output, add_output_arguments, wants_json
from ._report import (
    INTERRUPTED_EXIT,
    Item,
    ResultTally,
    count_outcomes,
    print_interruption,
    print_summary,
    report_items,
    run_tallied,
)
from ._selection import (
    NOTHING_SELECTED,
    Selection,
    add_selection_arguments,
    resolve_selection,
    selects,
)

__all__ = ["register"]

DEFAULT_CONCURRENCY: Final = 4
#: The messages of rotated items that were not logged in with (rotation/job.py's).
_UNVERIFIED: Final = (
    "rotated; not verified: the authorization is inactive and cannot log in",
    "rotated; not verified",
)
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
        "--no-login-check",
        dest="verify",
        action="store_false",
        help="do not log in with each new password to check it",
    )
    # The old name, next to --skip-verify (TLS) in the help, read as one more TLS switch.
    parser.add_argument("--no-verify", dest="verify", action="store_false", help=argparse.SUPPRESS)
    add_output_arguments(parser, hide_headers=False, wide=False, report=True)
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
    for option, path in (("--journal", args.journal), ("--output", args.output)):
        folder = path.parent
        if not folder.is_dir():
            msg = f"the folder of {option} {path} does not exist: {folder}"
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
                    out.json(_document(None, report_items(None, selection), args))
                else:
                    out.line("no legacy authorizations matched")
                return 1 if selection.missing else 0
        targets, outside = _job_targets(selection, planned, resuming=resuming)
        if resuming:
            out.message(f"resuming the rotation job in {args.journal}")
        keys = [t.id for t in planned] if planned is not None else [t.id for t in targets or ()]
        with out.progress("rotating", len(keys)) as on_progress:

            async def rotation(tally: ResultTally) -> RotationReport:
                return await rotate(
                    client,
                    targets,
                    journal=args.journal,
                    sink=sink,
                    verify=args.verify,
                    concurrency=args.concurrency,
                    on_result=tally,
                    on_progress=on_progress,
                )

            report, interrupted = await run_tallied(rotation, keys, op="rotate")
    usernames = {t.id: t.username for t in planned or ()}
    usernames.update((auth.id, auth.username) for auth in selection.authorizations)
    items = report_items(report, selection, usernames) + [_left_out(auth, args) for auth in outside]
    if as_json:
        out.json(_document(report, items, args, interrupted=interrupted))
    else:
        print_summary(out, "rotate", False, count_outcomes(items), items, interrupted=interrupted)
        if not interrupted and isinstance(report, RotationReport):
            _explain(out, report, args, outside=len(outside))
    if interrupted:
        print_interruption(
            out,
            count_outcomes(items),
            f"nothing is lost: run the same command again to resume the job in {args.journal}",
        )
        return INTERRUPTED_EXIT
    succeeded = report.all_ok and not selection.missing and not outside
    complete = isinstance(report, RotationReport) and report.complete
    return 0 if succeeded and complete else 1


def _left_out(auth: LegacyAuthorization, args: argparse.Namespace) -> Item:
    """A selected authorization that the resumed job does not include: not rotated."""
    return {
        "id": auth.id,
        "username": auth.username,
        "outcome": Outcome.SKIPPED.value,
        "status": None,
        "code": None,
        "message": (
            f"not rotated: not part of the job in {args.journal}; rotate it with a new --journal"
        ),
        "attempts": 0,
    }


def _document(
    report: BulkReport | None,
    items: list[Item],
    args: argparse.Namespace,
    *,
    interrupted: bool = False,
) -> dict[str, object]:
    rotation = report if isinstance(report, RotationReport) else None
    document: dict[str, object] = {
        "operation": "rotate",
        "job": rotation.job if rotation else None,
        "journal": str(args.journal),
        "output": str(args.output),
        "resumed": rotation.resumed if rotation else False,
        "complete": rotation.complete if rotation else False,
        "elapsed": round(report.elapsed, 3) if report else 0.0,
        "counts": count_outcomes(items),
        "items": items,
    }
    if interrupted:
        document["interrupted"] = True
    return document


def _explain(
    out: Output, report: RotationReport, args: argparse.Namespace, *, outside: int
) -> None:
    inactive, unchecked = (
        sum(r.outcome is Outcome.OK and r.message == message for r in report.results)
        for message in _UNVERIFIED
    )
    rotated = report.counts[Outcome.OK]
    if inactive:
        out.line(
            f"{inactive} of the {rotated} rotated were not verified by logging in: they are "
            f"inactive, and an inactive credential cannot log in"
        )
    if unchecked:
        out.line(f"{unchecked} of the {rotated} rotated were not verified: --no-login-check")
    if outside:
        out.line(
            f"{outside} selected authorizations were not rotated: they are not part of the "
            f"job in {args.journal}; rotate them with a new --journal"
        )
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
