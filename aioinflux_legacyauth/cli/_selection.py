"""Choosing the authorizations a bulk command acts on.

Filters combine with AND; repeated ``--id``/``--username`` values combine with OR. The
choice is made from one list call (narrowed by org on the server) and filtered here.
"""

from __future__ import annotations

import argparse
from typing import Final

import attrs

from .._client import LegacyAuthClient
from .._models import AuthStatus, LegacyAuthorization
from ._command import hex_id, non_empty
from ._errors import UsageError
from ._lookup import add_org_arguments, resolve_org

__all__ = [
    "NOTHING_SELECTED",
    "Selection",
    "add_selection_arguments",
    "resolve_selection",
    "selects",
]

NOTHING_SELECTED: Final = "select authorizations with --id, --username, --org, --status, or --all"


@attrs.frozen(slots=True)
class Selection:
    """The authorizations selected (sorted by ID, each once), and the values that matched none.

    ``missing`` holds ``"id <ID>"`` or ``"username <name>"`` for each ``--id``/``--username``
    value with no authorization (in the org, if one was given).
    """

    authorizations: tuple[LegacyAuthorization, ...]
    missing: tuple[str, ...] = ()


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--id``, ``--username`` (both repeatable), ``--org``/``--org-id``, ``--status``
    and ``--all``."""
    group = parser.add_argument_group(
        "selection",
        "filters combine with AND; repeated --id and --username values with OR",
    )
    group.add_argument(
        "--id",
        dest="ids",
        action="append",
        type=hex_id,
        metavar="ID",
        help="an authorization ID; repeat for more",
    )
    group.add_argument(
        "--username",
        dest="usernames",
        action="append",
        type=non_empty,
        metavar="NAME",
        help="a v1 username; repeat for more",
    )
    # The environment's org does not select anything: a selection is always explicit.
    add_org_arguments(group, env=False, purpose="only authorizations in this org")
    group.add_argument(
        "--status",
        choices=[AuthStatus.ACTIVE.value, AuthStatus.INACTIVE.value],
        help="only authorizations with this status",
    )
    group.add_argument(
        "--all",
        dest="select_all",
        action="store_true",
        help="every legacy authorization (narrowed by --org and --status, if given)",
    )


def selects(args: argparse.Namespace) -> bool:
    """Whether any selection argument was given (``--all`` included)."""
    return bool(
        args.ids or args.usernames or args.org or args.org_id or args.status or args.select_all
    )


async def resolve_selection(client: LegacyAuthClient, args: argparse.Namespace) -> Selection:
    """The authorizations the selection arguments choose; see :class:`Selection`.

    With no filter and no ``--all``, or ``--all`` with ``--id``/``--username``, raises
    :class:`UsageError`.
    """
    ids: list[str] = list(dict.fromkeys(args.ids or ()))
    usernames: list[str] = list(dict.fromkeys(args.usernames or ()))
    status: str | None = args.status
    if args.select_all and (ids or usernames):
        msg = "--all selects everything: do not combine it with --id or --username"
        raise UsageError(msg)
    if not selects(args):
        raise UsageError(NOTHING_SELECTED)
    org = await resolve_org(client, args)
    listed = await client.list(org_id=org.id if org else None)
    wanted_ids, wanted_names = set(ids), set(usernames)
    chosen: dict[str, LegacyAuthorization] = {}
    for auth in listed:
        named = not (ids or usernames) or auth.id in wanted_ids or auth.username in wanted_names
        if named and (status is None or auth.status == status):
            chosen[auth.id] = auth
    present_ids = {auth.id for auth in listed}
    present_names = {auth.username for auth in listed}
    missing = [f"id {auth_id}" for auth_id in ids if auth_id not in present_ids]
    missing += [f"username {name}" for name in usernames if name not in present_names]
    return Selection(tuple(chosen[key] for key in sorted(chosen)), tuple(missing))
