"""``audit``: a read-only report of the legacy credentials that will not work, and why."""

from __future__ import annotations

import argparse

from rich.table import Table
from rich.text import Text

from ..provisioning import AuditReport, audit
from ..provisioning.passwords import read_credentials
from ._command import Subparsers, add_command
from ._connection import add_connection_arguments, make_client
from ._errors import CliError, UsageError
from ._lookup import resolve_org
from ._output import Output, add_output_arguments, hides_headers, one_line, wants_json
from ._provision import add_passwords_file_arguments
from ._selection import add_selection_arguments
from ._terminal import printable

__all__ = ["register"]


def register(subparsers: Subparsers) -> None:
    """Add ``audit``."""
    parser = add_command(
        subparsers,
        "audit",
        handler=_audit,
        help="report the legacy credentials that will not work, and why (reads only)",
        description=(
            "Examine every legacy authorization (or those selected) and report each problem\n"
            "that makes a 1.x tool fail with it: inactive, owner inactive or gone, a permission\n"
            "naming a bucket or org that no longer exists, a bucket no database name leads to,\n"
            "and, with --passwords (a rotation's output), passwords the 2.7.6 rule refuses at\n"
            "login. Credentials whose org or owner is gone are hidden by the server's list:\n"
            "they are found by --id or through --passwords. Without a selection, every\n"
            "credential is examined. Only GET requests are sent. Exit status 0 if nothing was\n"
            "found."
        ),
    )
    add_selection_arguments(parser)
    add_passwords_file_arguments(parser, parser, help="known passwords: a rotation's output file")
    parser.add_argument(
        "--strong-passwords",
        action="store_true",
        help="also hold passwords to influxd --strong-passwords (3 of 4 character types)",
    )
    add_output_arguments(parser, wide=False)
    add_connection_arguments(parser)


async def _audit(args: argparse.Namespace, out: Output) -> int:
    as_json = wants_json(args)
    hide = hides_headers(args)
    known = read_credentials(args.passwords, args.passwords_format) if args.passwords else []
    if args.select_all and (args.ids or args.usernames):
        msg = "--all selects everything: do not combine it with --id or --username"
        raise UsageError(msg)
    async with make_client(args) as client:
        org = await resolve_org(client, args)
        report = await audit(
            client,
            org_id=org.id if org else None,
            auth_ids=args.ids or (),
            usernames=args.usernames or (),
            status=args.status,
            credentials=known,
            strong_passwords=args.strong_passwords,
        )
    if as_json:
        out.json(_document(report))
        return 0 if report.ok else 1
    _print(out, report, hide_headers=hide)
    if not report.ok:
        found = len(report.findings) + len(report.missing)
        msg = f"{found} problems found in {report.audited} legacy authorizations"
        raise CliError(msg)
    return 0


def _document(report: AuditReport) -> dict[str, object]:
    return {
        "operation": "audit",
        "ok": report.ok,
        "audited": report.audited,
        "server_version": report.server_version,
        "counts": {problem.value: count for problem, count in report.counts.items()},
        "findings": [
            {
                "problem": finding.problem.value,
                "id": finding.auth_id,
                "username": finding.username,
                "subject": finding.subject,
                "message": finding.message,
            }
            for finding in report.findings
        ],
        "missing": list(report.missing),
        "notes": list(report.notes),
    }


def _print(out: Output, report: AuditReport, *, hide_headers: bool) -> None:
    if report.findings:
        table = Table(
            box=None,
            show_header=not hide_headers,
            show_edge=False,
            pad_edge=False,
            header_style="bold",
        )
        for name in ("Problem", "ID", "Username"):
            table.add_column(name, no_wrap=True, overflow="ignore")
        table.add_column("Detail", overflow="fold")
        for finding in report.findings:
            cells = (
                finding.problem.value,
                finding.auth_id or "",
                finding.username or "",
                finding.message,
            )
            # Text: brackets are not markup; printable: a username cannot drive the terminal.
            table.add_row(*(Text(printable(cell)) for cell in cells))
        out.stdout.print(table, crop=False)
    for missing in report.missing:
        out.line(f"not found: no legacy authorization matches {missing}")
    for note in report.notes:
        out.message(f"note: {one_line(note)}")
    counts = ", ".join(f"{count} {problem}" for problem, count in report.counts.items() if count)
    version = f" on {report.server_version}" if report.server_version else ""
    summary = f"{counts}" if counts else "no problem found"
    out.line(f"audit of {report.audited} legacy authorizations{version}: {summary}")
