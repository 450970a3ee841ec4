"""``provision`` and ``verify``: a credential a 1.x tool can use, and what it will see.

``provision`` makes the DBRP mappings, the credential and its password in one command,
and checks the result as a 1.x tool would; run again, it changes nothing and says so. It
prints a generated password once, to stdout, and only when it generated it. ``verify``
logs in with a username and password and reports, check by check, what a 1.x tool can
read and write; it writes no data.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from .._client import LegacyAuthClient
from ..provisioning import (
    CredentialSpec,
    Database,
    Expectation,
    ProvisionConflictError,
    ProvisionResult,
    Verification,
    plan_provision,
    provision,
    verify,
)
from ..rotation.sinks import OutputFormat
from ._command import Subparsers, add_command, non_empty
from ._connection import add_connection_arguments, make_client
from ._errors import CliError, UsageError
from ._lookup import add_org_arguments, resolve_org
from ._output import Output, add_output_arguments, authorization_document, wants_json
from ._secrets import read_password

__all__ = [
    "add_bucket_arguments",
    "add_passwords_file_arguments",
    "bucket_argument",
    "print_verification",
    "register",
    "verification_document",
]


def bucket_argument(text: str) -> Database:
    """An argparse type: ``BUCKET``, ``BUCKET=DATABASE`` or ``BUCKET=DATABASE/RP``."""
    try:
        return Database.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _database_argument(text: str) -> tuple[str, str | None]:
    """An argparse type: ``DATABASE`` or ``DATABASE/RP``."""
    database, slash, policy = text.partition("/")
    try:
        Expectation(database=database, retention_policy=policy if slash else None)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return database, policy if slash else None


def add_bucket_arguments(parser: argparse.ArgumentParser) -> None:
    """``--read-bucket`` and ``--write-bucket``, repeatable, each ``BUCKET[=DB[/RP]]``."""
    for action in ("read", "write"):
        parser.add_argument(
            f"--{action}-bucket",
            dest=f"{action}_buckets",
            action="append",
            type=bucket_argument,
            default=[],
            metavar="BUCKET[=DB[/RP]]",
            help=(
                f"a bucket (name or ID) to grant {action} access to; =DB names the database "
                "a 1.x tool uses for it (default: the bucket's name); repeat for more"
            ),
        )


def add_passwords_file_arguments(
    parser: argparse.ArgumentParser,
    into: argparse.ArgumentParser | argparse._MutuallyExclusiveGroup,
    *,
    help: str,
) -> None:
    """``--passwords FILE`` (added to ``into``) and ``--passwords-format``: a rotation's
    output file of known passwords, read with the library's ``read_credentials``."""
    into.add_argument("--passwords", type=Path, metavar="FILE", help=help)
    parser.add_argument(
        "--passwords-format",
        choices=[item.value for item in OutputFormat],
        help="format of --passwords (default: from its suffix, else json)",
    )


def register(subparsers: Subparsers) -> None:
    """Add ``provision`` and ``verify``."""
    parser = add_command(
        subparsers,
        "provision",
        handler=_provision,
        help="make a v1 credential a 1.x tool can use: DBRP mappings, permissions, password",
        description=(
            "Make a legacy authorization for a consumer (Grafana, Telegraf, ...) with exactly\n"
            "the given read and write buckets, the DBRP mapping each database name it uses\n"
            "needs, and a password (generated unless --password or --ask-password); then log\n"
            "in with it as a 1.x tool would and check every database, writing no data.\n\n"
            "Run again with the same options it changes nothing and says so. An existing\n"
            "credential that differs is an error naming every difference (--replace deletes\n"
            "it and makes a new one). A failure part-way removes what the run made.\n"
            "A generated password is printed once, to stdout. Exit status 0 on success."
        ),
    )
    add_org_arguments(parser, env=True, purpose="the org it belongs to")
    parser.add_argument(
        "--username", required=True, type=non_empty, help="the v1 username (wire name 'token')"
    )
    add_bucket_arguments(parser)
    parser.add_argument("-d", "--description", help="a description")
    secret = parser.add_mutually_exclusive_group()
    secret.add_argument("--password", help="the password to set (default: generate one)")
    secret.add_argument(
        "--ask-password",
        action="store_true",
        help="ask for the password (or read one line of stdin) instead of generating one",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="delete an existing credential that differs and make a new one",
    )
    parser.add_argument(
        "--no-verify", dest="verify", action="store_false", help="do not log in to check it"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="only read, and print what would be done"
    )
    add_output_arguments(parser, hide_headers=False, wide=False)
    add_connection_arguments(parser)

    check = add_command(
        subparsers,
        "verify",
        handler=_verify,
        help="check a username and password as a 1.x tool would, writing no data",
        description=(
            "Log in through /query with a v1 username and password, list SHOW DATABASES, and\n"
            "for each database say whether it can be read (a visible mapping) and written (an\n"
            "empty /write: 204 writable, 403 read-only, 404 not visible); nothing is written.\n"
            "A refused login is explained as far as the server lets one tell.\n\n"
            "--read and --write say what is expected; a database named only under one of them\n"
            "is expected not to allow the other. Without them, the expectations come from the\n"
            "credential's permissions. Exit status 0 if every check passed."
        ),
    )
    check.add_argument("--username", required=True, type=non_empty, help="the v1 username")
    check.add_argument("--password", help="its password (default: ask for it)")
    for action in ("read", "write"):
        check.add_argument(
            f"--{action}",
            dest=f"expect_{action}",
            action="append",
            default=[],
            type=_database_argument,
            metavar="DB[/RP]",
            help=f"a database it should be able to {action}; repeat for more",
        )
    add_output_arguments(check, hide_headers=False, wide=False)
    add_connection_arguments(check)


async def _provision(args: argparse.Namespace, out: Output) -> int:
    if not (args.read_buckets or args.write_buckets):
        msg = "give at least one --read-bucket or --write-bucket"
        raise UsageError(msg)
    as_json = wants_json(args)
    async with make_client(args) as client:
        org = await resolve_org(client, args, default=(client.org, client.org_id))
        if org is None:
            msg = "an org is required: use --org or --org-id (or set INFLUX_ORG or INFLUX_ORG_ID)"
            raise UsageError(msg)
        spec = CredentialSpec(
            username=args.username,
            org_id=org.id,
            read=args.read_buckets,
            write=args.write_buckets,
            description=args.description,
        )
        if args.dry_run:
            return await _dry_run(client, spec, args, out, as_json=as_json)
        password = args.password
        if args.ask_password or password is not None:
            password = read_password(client, password)  # refused here if the server would
        try:
            result = await provision(
                client, spec, password=password, replace=args.replace, verify=args.verify
            )
        except ProvisionConflictError as conflict:
            for difference in conflict.differences:
                out.message(f"  - {difference}")
            raise
    if as_json:
        out.json(_document(result))
    else:
        _print(out, result)
    if result.password is not None and not as_json:
        out.message("note: the password is shown only this once: store it now")
    return 0


async def _dry_run(
    client: LegacyAuthClient,
    spec: CredentialSpec,
    args: argparse.Namespace,
    out: Output,
    *,
    as_json: bool,
) -> int:
    plan = await plan_provision(client, spec)
    lines = plan.describe()
    if plan.differences and args.replace and plan.existing is not None:
        lines.append(f"replace: delete {plan.existing.id} and make a new credential")
    if as_json:
        out.json(
            {
                "operation": "provision",
                "dry_run": True,
                "up_to_date": plan.up_to_date,
                "plan": lines,
            }
        )
    else:
        out.line("provision (dry run):")
        for line in lines:
            out.line(f"  {line}")
    stopped = plan.conflicts or plan.username_hidden
    return 1 if stopped or (plan.differences and not args.replace) else 0


def _document(result: ProvisionResult) -> dict[str, object]:
    document: dict[str, object] = {
        "operation": "provision",
        "change": result.change.value,
        "changed": result.changed,
        "message": result.message,
        "authorization": authorization_document(result.authorization),
        "mappings": [
            {
                "database": m.binding.database,
                "retention_policy": m.binding.retention_policy,
                "bucket": m.binding.bucket.name,
                "bucketID": m.binding.bucket.id,
                "mapping": m.mapping.id,
                "virtual": m.mapping.virtual,
                "created": m.created,
            }
            for m in result.mappings
        ],
        "verification": None
        if result.verification is None
        else verification_document(result.verification),
    }
    if result.replaced is not None:
        document["replaced"] = result.replaced.id
    if result.password is not None:  # generated by this run: shown this once
        document["password"] = result.password
    return document


def _print(out: Output, result: ProvisionResult) -> None:
    out.line(f"provision: {result.message}")
    out.authorizations([result.authorization])
    for mapping in result.mappings:
        out.line(f"  {mapping.describe()}")
    if result.verification is not None:
        out.line(f"  verified as a 1.x tool: {result.verification.summary()}")
    if result.password is not None:
        out.line(f"password: {result.password}")


def verification_document(verification: Verification) -> dict[str, object]:
    """A :class:`Verification` as JSON."""
    return {
        "username": verification.username,
        "ok": verification.ok,
        "logged_in": verification.logged_in,
        "refusal": None if verification.refusal is None else verification.refusal.value,
        "databases": list(verification.databases),
        "server_version": verification.server_version,
        "checks": [
            {
                "check": check.kind.value,
                "database": check.database,
                "retention_policy": check.retention_policy,
                "expected": check.expected,
                "actual": check.actual,
                "passed": check.passed,
                "reason": check.reason,
            }
            for check in verification.checks
        ],
    }


_VERDICTS = {True: "PASS", False: "FAIL", None: "SKIP"}


def print_verification(out: Output, verification: Verification) -> None:
    """One line per check: verdict, what was checked, and what it proved."""
    width = max(len(check.subject) for check in verification.checks)
    for check in verification.checks:
        out.line(f"{_VERDICTS[check.passed]}  {check.subject:<{width}}  {check.reason}")


def _expectations(args: argparse.Namespace) -> list[Expectation] | None:
    reads: Sequence[tuple[str, str | None]] = args.expect_read
    writes: Sequence[tuple[str, str | None]] = args.expect_write
    if not (reads or writes):
        return None
    named = list(dict.fromkeys([*reads, *writes]))
    return [
        Expectation(
            database=database, retention_policy=policy, read=key in reads, write=key in writes
        )
        for key in named
        for database, policy in [key]
    ]


async def _verify(args: argparse.Namespace, out: Output) -> int:
    as_json = wants_json(args)
    async with make_client(args) as client:
        # Only tried, never set: a password the rules refuse is what a check may be about.
        password = read_password(client, args.password, policy=False)
        result = await verify(client, args.username, password, _expectations(args))
    if as_json:
        out.json({"operation": "verify", **verification_document(result)})
    else:
        print_verification(out, result)
        if result.databases:
            out.line(f"SHOW DATABASES: {', '.join(result.databases)}")
    if not result.ok and not as_json:
        msg = f"{len(result.failures)} of {len(result.checks)} checks did not pass"
        raise CliError(msg)
    return 0 if result.ok else 1
