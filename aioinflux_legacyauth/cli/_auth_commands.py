"""The ``influx v1 auth`` commands: create, list, get, delete, set-active, set-inactive,
set-password; same flag names, Status shown, and the influx CLI's bugs fixed.

Fixed: an empty password is refused instead of creating a credential without one;
``set-password`` without ``--id``/``--username`` is a usage error instead of changing the
first authorization listed; ``list --id`` really filters.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .._client import LegacyAuthClient
from .._config import org_from_env
from .._errors import ConflictError, NotFoundError
from .._models import AuthStatus, LegacyAuthorization, Permission
from ._command import Subparsers, add_command, hex_id, non_empty
from ._connection import add_connection_arguments, make_client
from ._errors import CliError, UsageError
from ._lookup import add_org_arguments, resolve_bucket_ids, resolve_org
from ._output import (
    Output,
    add_output_arguments,
    authorization_document,
    hides_headers,
    wants_json,
)
from ._secrets import read_password

__all__ = ["register"]


def register(subparsers: Subparsers) -> None:
    """Add create, list (ls, find), get, delete, set-active, set-inactive, set-password."""
    create = add_command(
        subparsers,
        "create",
        handler=_create,
        help="create a legacy authorization",
        description=(
            "Create a legacy (v1) authorization with read and/or write access to buckets.\n"
            "Without --password or --no-password the password is asked for (or read as one\n"
            "line from stdin when it is not a terminal). Empty passwords are refused."
        ),
    )
    add_org_arguments(create, env=True, purpose="the org it belongs to")
    create.add_argument("-d", "--description", help="a description")
    create.add_argument(
        "--username", required=True, type=non_empty, help="the v1 username (wire name 'token')"
    )
    create.add_argument("--password", help="the password (default: ask for it)")
    create.add_argument(
        "--no-password",
        action="store_true",
        help="create it without a password (it cannot log in until one is set)",
    )
    for action in ("read", "write"):
        create.add_argument(
            f"--{action}-bucket",
            dest=f"{action}_buckets",
            action="append",
            type=non_empty,
            metavar="BUCKET",
            help=f"a bucket (ID or name) to grant {action} access to; repeat for more",
        )
    _add_common(create)

    listing = add_command(
        subparsers,
        "list",
        handler=_list,
        aliases=("ls", "find"),
        help="list legacy authorizations",
        description="List legacy authorizations; every filter given must match.",
    )
    add_org_arguments(listing, env=True, purpose="only those in this org")
    listing.add_argument("--id", type=hex_id, help="only the authorization with this ID")
    listing.add_argument("--username", type=non_empty, help="only the one with this v1 username")
    listing.add_argument("-u", "--user", type=non_empty, help="only those of this v2 user (name)")
    listing.add_argument("--user-id", type=hex_id, help="only those of this v2 user (ID)")
    listing.add_argument(
        "--status",
        choices=[AuthStatus.ACTIVE.value, AuthStatus.INACTIVE.value],
        help="only those with this status",
    )
    _add_common(listing)

    get = add_command(
        subparsers,
        "get",
        handler=_get,
        help="show one legacy authorization",
        description="Show one legacy authorization, chosen by --id or --username.",
    )
    _add_lookup(get)
    _add_common(get)

    for name, handler, summary in (
        ("delete", _delete, "delete a legacy authorization"),
        ("set-active", _set_active, "activate a legacy authorization"),
        ("set-inactive", _set_inactive, "deactivate a legacy authorization"),
    ):
        command = add_command(subparsers, name, handler=handler, help=summary)
        _add_lookup(command)
        _add_common(command)

    set_password = add_command(
        subparsers,
        "set-password",
        handler=_set_password,
        help="set the password of a legacy authorization",
        description=(
            "Set the password of one legacy authorization, chosen by --id or --username.\n"
            "Without --password it is asked for (or read as one line from stdin when it is\n"
            "not a terminal). Prints nothing on success."
        ),
    )
    _add_lookup(set_password)
    set_password.add_argument("--password", help="the new password (default: ask for it)")
    add_connection_arguments(set_password)


def _add_common(parser: argparse.ArgumentParser) -> None:
    add_output_arguments(parser)
    add_connection_arguments(parser)


def _add_lookup(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--id", type=hex_id, help="the authorization's ID")
    parser.add_argument("--username", type=non_empty, help="the authorization's v1 username")


def _check_output_settings(args: argparse.Namespace) -> None:
    """Fail on a bad INFLUX_OUTPUT_JSON/INFLUX_HIDE_HEADERS before changing anything."""
    wants_json(args)
    hides_headers(args)


def _show(
    out: Output,
    args: argparse.Namespace,
    auths: Sequence[LegacyAuthorization],
    *,
    single: bool,
    deleted: bool | None = None,
) -> None:
    if wants_json(args):
        documents = [authorization_document(auth, deleted=deleted) for auth in auths]
        out.json(documents[0] if single else documents)
    else:
        out.authorizations(auths, hide_headers=hides_headers(args), deleted=deleted, wide=args.wide)


async def _create(args: argparse.Namespace, out: Output) -> int:
    if args.password is not None and args.no_password:
        msg = "only one of --password and --no-password may be specified"
        raise UsageError(msg)
    if not (args.read_buckets or args.write_buckets):
        msg = "give at least one --read-bucket or --write-bucket: the server requires a permission"
        raise UsageError(msg)
    _check_output_settings(args)
    async with make_client(args) as client:
        org = await resolve_org(client, args, default=(client.org, client.org_id))
        if org is None:
            msg = "an org is required: use --org or --org-id (or set INFLUX_ORG or INFLUX_ORG_ID)"
            raise UsageError(msg)
        permissions = [
            Permission.read_bucket(bucket_id, org.id)
            for bucket_id in await resolve_bucket_ids(client, args.read_buckets or (), org)
        ] + [
            Permission.write_bucket(bucket_id, org.id)
            for bucket_id in await resolve_bucket_ids(client, args.write_buckets or (), org)
        ]
        # Asked for last, so a typo in a bucket name never costs a typed password.
        password = None if args.no_password else read_password(client, args.password)
        try:
            auth = await client.create(
                org_id=org.id,
                username=args.username,
                permissions=permissions,
                password=password,
                description=args.description,
            )
        except ConflictError:
            msg = f"a legacy authorization with username {args.username!r} already exists"
            raise CliError(msg) from None
    _show(out, args, [auth], single=True)
    return 0


async def _list(args: argparse.Namespace, out: Output) -> int:
    async with make_client(args) as client:
        # As in influx, only the variables narrow the list, never the config's org.
        org = await resolve_org(client, args, default=org_from_env())
        try:
            auths = await client.list(
                org_id=org.id if org else None,
                auth_id=args.id,
                username=args.username,
                user=args.user,
                user_id=args.user_id,
            )
        except NotFoundError as exc:
            if args.user is None:
                raise
            msg = f"user {args.user!r} not found"
            raise CliError(msg) from exc
    if args.status is not None:
        auths = [auth for auth in auths if auth.status == args.status]
    _show(out, args, auths, single=False)
    return 0


async def _get(args: argparse.Namespace, out: Output) -> int:
    auth_id, username = _lookup_target(args)
    _check_output_settings(args)
    async with make_client(args) as client:
        auth = await _find_one(client, auth_id, username)
    _show(out, args, [auth], single=True)
    return 0


def _lookup_target(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """``--id`` or ``--username``: exactly one (the influx CLI's messages)."""
    if args.id and args.username:
        msg = "specify id or username, not both"
        raise UsageError(msg)
    if not args.id and not args.username:
        msg = "id or username required"
        raise UsageError(msg)
    return args.id, args.username


async def _find_by_id(client: LegacyAuthClient, auth_id: str) -> LegacyAuthorization:
    try:
        return await client.get(auth_id)
    except NotFoundError:
        msg = f"could not find v1 auth with ID {auth_id!r}"
        raise CliError(msg) from None


async def _find_one(
    client: LegacyAuthClient, auth_id: str | None, username: str | None
) -> LegacyAuthorization:
    if auth_id is not None:
        return await _find_by_id(client, auth_id)
    found = await client.list(username=username)
    if not found:
        msg = f"could not find v1 auth with username {username!r}"
        raise CliError(msg)
    return found[0]


async def _delete(args: argparse.Namespace, out: Output) -> int:
    auth_id, username = _lookup_target(args)
    _check_output_settings(args)
    async with make_client(args) as client:
        auth = await _find_one(client, auth_id, username)
        await client.delete(auth.id)
    _show(out, args, [auth], single=True, deleted=True)
    return 0


async def _set_status(args: argparse.Namespace, out: Output, status: AuthStatus) -> int:
    auth_id, username = _lookup_target(args)
    _check_output_settings(args)
    async with make_client(args) as client:
        auth = await _find_one(client, auth_id, username)
        updated = await client.update(auth.id, status=status)
    _show(out, args, [updated], single=True)
    return 0


async def _set_active(args: argparse.Namespace, out: Output) -> int:
    return await _set_status(args, out, AuthStatus.ACTIVE)


async def _set_inactive(args: argparse.Namespace, out: Output) -> int:
    return await _set_status(args, out, AuthStatus.INACTIVE)


async def _set_password(args: argparse.Namespace, out: Output) -> int:
    auth_id, username = _lookup_target(args)
    async with make_client(args) as client:
        auth = await _find_one(client, auth_id, username)
        password = read_password(client, args.password)
        await client.set_password(auth.id, password)
    return 0
