"""``rescope``: new buckets for the selected credentials, same usernames and passwords.

The first run over a new ``--journal`` plans the job (each current password is tried by
logging in first) and journals it before any change; running the same command again
resumes it after a crash or a failure. See :mod:`aioinflux_legacyauth.provisioning.rescoping`.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Final

from ..provisioning import (
    RescopeItem,
    RescopeReport,
    passwords_from_file,
    passwords_from_rotation_journal,
    rescope,
)
from ..provisioning.journal import RescopeJournal
from ._command import Subparsers, add_command, positive_int
from ._connection import add_connection_arguments, make_client
from ._errors import UsageError
from ._output import Output, add_output_arguments, wants_json
from ._provision import add_bucket_arguments, add_passwords_file_arguments
from ._report import all_succeeded, count_outcomes, print_summary, report_items
from ._secrets import read_password
from ._selection import (
    NOTHING_SELECTED,
    Selection,
    add_selection_arguments,
    resolve_selection,
    selects,
)

__all__ = ["register"]

DEFAULT_CONCURRENCY: Final = 4


def register(subparsers: Subparsers) -> None:
    """Add ``rescope``."""
    parser = add_command(
        subparsers,
        "rescope",
        handler=_rescope,
        help="give the selected credentials new buckets, keeping usernames and passwords",
        description=(
            "Replace the buckets of each selected legacy authorization with --read-bucket and\n"
            "--write-bucket, keeping its username, owner, status, description and password.\n"
            "The server cannot change permissions, so each credential is deleted and made\n"
            "again: crash-safely, through a journal (0600, fsync'd) that holds the old record,\n"
            "the new one and the password before anything changes. Each current password is\n"
            "tried by logging in first; it comes from --password (one credential), --passwords\n"
            "(a rotation's output file), --rotation-journal, or a prompt.\n\n"
            "Run the same command again with the same --journal to resume after a crash or a\n"
            "failure. Exit status 0 once every credential is rescoped."
        ),
    )
    add_selection_arguments(parser)
    add_bucket_arguments(parser)
    parser.add_argument(
        "--journal",
        required=True,
        type=Path,
        metavar="PATH",
        help="the job's journal: a new path starts a job, an existing one resumes it",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--password", help="the current password (one credential only)")
    add_passwords_file_arguments(
        parser, source, help="a rotation's output file with the current passwords"
    )
    source.add_argument(
        "--rotation-journal",
        type=Path,
        metavar="PATH",
        help="an unfinished rotation's journal, which holds the passwords it set",
    )
    parser.add_argument(
        "--concurrency",
        type=positive_int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"credentials rescoped at once (default {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--no-verify", dest="verify", action="store_false", help="do not check each new credential"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="only read and try the passwords, and print what each would become",
    )
    add_output_arguments(parser, hide_headers=False, wide=False, report=True)
    add_connection_arguments(parser)


def _passwords(args: argparse.Namespace) -> dict[str, str]:
    if args.passwords is not None:
        return passwords_from_file(args.passwords, args.passwords_format)
    if args.rotation_journal is not None:
        return passwords_from_rotation_journal(args.rotation_journal)
    return {}


async def _rescope(args: argparse.Namespace, out: Output) -> int:
    resuming = not args.dry_run and await asyncio.to_thread(RescopeJournal.holds_job, args.journal)
    if not resuming:
        if not selects(args):
            raise UsageError(NOTHING_SELECTED)
        if not (args.read_buckets or args.write_buckets):
            msg = "give at least one --read-bucket or --write-bucket: the new permissions"
            raise UsageError(msg)
    as_json = wants_json(args)
    selection = Selection(())
    async with make_client(args) as client:
        items: list[RescopeItem] | None = None
        if not resuming:
            selection = await resolve_selection(client, args)
            targets = selection.authorizations
            if args.password is not None and len(targets) > 1:
                msg = f"--password names one credential's password; {len(targets)} are selected"
                raise UsageError(msg)
            passwords = _passwords(args)
            if len(targets) == 1 and not passwords and args.password is None:
                args.password = read_password(client, None)
            items = [
                RescopeItem(
                    target=auth,
                    read=args.read_buckets,
                    write=args.write_buckets,
                    password=args.password,
                )
                for auth in targets
            ]
            if not items:
                return _nothing(out, selection, as_json=as_json)
        else:
            out.message(f"resuming the rescope job in {args.journal}")
            passwords = {}
        try:
            with out.progress("rescoping", len(items) if items is not None else None) as progress:
                report = await rescope(
                    client,
                    items,
                    journal=args.journal,
                    passwords=passwords,
                    verify=args.verify,
                    dry_run=args.dry_run,
                    concurrency=args.concurrency,
                    on_progress=progress,
                )
        except asyncio.CancelledError:
            out.message(
                f"interrupted: run the same command again to finish the job in {args.journal}"
            )
            raise
    usernames = {auth.id: auth.username for auth in selection.authorizations}
    items_report = report_items(report, selection, usernames)
    if as_json:
        out.json(_document(report, items_report, args))
    else:
        print_summary(out, "rescope", args.dry_run, count_outcomes(items_report), items_report)
        _explain(out, report, args)
    done = all_succeeded(items_report)
    return 0 if done and (report.complete or args.dry_run) else 1


def _nothing(out: Output, selection: Selection, *, as_json: bool) -> int:
    if as_json:
        out.json({"operation": "rescope", "counts": {}, "items": report_items(None, selection)})
    else:
        out.line("no legacy authorizations matched")
    return 1 if selection.missing else 0


def _document(
    report: RescopeReport, items: list[dict[str, object]], args: argparse.Namespace
) -> dict[str, object]:
    return {
        "operation": "rescope",
        "dry_run": bool(args.dry_run),
        "job": report.job or None,
        "journal": None if args.dry_run else str(args.journal),
        "resumed": report.resumed,
        "complete": report.complete,
        "new_ids": dict(report.new_ids),
        "elapsed": round(report.elapsed, 3),
        "counts": count_outcomes(items),
        "items": items,
    }


def _explain(out: Output, report: RescopeReport, args: argparse.Namespace) -> None:
    if args.dry_run:
        for result in report.results:
            if result.ok:
                out.line(f"  {result.key}: {result.message}")
        return
    for old, new in report.new_ids.items():
        out.line(f"  {old} is now {new} (same username and password)")
    if report.complete:
        out.line(f"the job is finished; the journal {args.journal} holds no password any more")
    elif report.journal is not None:
        out.line(
            f"the job is not finished: its journal {args.journal} keeps what is needed; run "
            "the same command again to finish it"
        )
