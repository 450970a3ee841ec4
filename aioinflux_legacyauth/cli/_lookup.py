"""Turning ``--org``/``--org-id`` and bucket names or IDs into IDs, through ``/api/v2``."""

from __future__ import annotations

import argparse
from collections.abc import Iterable

import attrs

from .._client import LegacyAuthClient
from .._errors import NotFoundError
from ._command import hex_id, non_empty
from ._errors import CliError, UsageError

__all__ = ["Org", "add_org_arguments", "resolve_bucket_ids", "resolve_org"]


@attrs.frozen(slots=True)
class Org:
    """An organization's ID, and its name when the user gave one (for messages)."""

    id: str
    name: str | None = None

    def __str__(self) -> str:
        return f"{self.name!r}" if self.name else f"with ID {self.id}"


def add_org_arguments(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, *, env: bool, purpose: str
) -> None:
    """Add ``--org/-o NAME`` and ``--org-id ID``; ``env`` names their variables in the help."""
    parser.add_argument(
        "-o",
        "--org",
        type=non_empty,
        metavar="NAME",
        help=f"{purpose}, by name" + (" (env INFLUX_ORG)" if env else ""),
    )
    parser.add_argument(
        "--org-id",
        type=hex_id,
        metavar="ID",
        help=f"{purpose}, by ID" + (" (env INFLUX_ORG_ID)" if env else ""),
    )


async def resolve_org(
    client: LegacyAuthClient,
    args: argparse.Namespace,
    *,
    default: tuple[str | None, str | None] = (None, None),
) -> Org | None:
    """The org of ``--org``/``--org-id``, else of ``default`` (an org name and an org ID,
    from the environment or the client's settings; the ID wins, as in create()).

    None if none is given. Both flags at once are a :class:`UsageError`, as in influx; an
    unknown name is a :class:`CliError`.
    """
    name: str | None = args.org
    org_id: str | None = args.org_id
    if name and org_id:
        msg = "use --org or --org-id, not both"
        raise UsageError(msg)
    if not (name or org_id):
        name, org_id = default
    if org_id:
        return Org(org_id.lower())
    if name:
        return await _find_org(client, name)
    return None


async def _find_org(client: LegacyAuthClient, name: str) -> Org:
    try:
        return Org(await client.find_org_id(name), name)
    except NotFoundError:
        msg = f"organization {name!r} not found"
        raise CliError(msg) from None


async def resolve_bucket_ids(
    client: LegacyAuthClient, values: Iterable[str], org: Org
) -> list[str]:
    """Bucket IDs for ``--read-bucket``/``--write-bucket`` values, in order, without repeats.

    A value of 16 lower-case hex digits that is a bucket ID in the org is that bucket;
    anything else is a bucket name in the org. Unknown: :class:`CliError`.
    """
    found: list[str] = []
    for value in dict.fromkeys(values):
        try:
            bucket_id = await client.find_bucket_id(value, org_id=org.id, accept_id=True)
        except NotFoundError as exc:
            # A bucket looked up in an org ID that does not exist.
            if exc.message.startswith("organization"):
                msg = f"organization {org} not found"
                raise CliError(msg) from None
            msg = f"bucket {value!r} not found in org {org}"
            raise CliError(msg) from None
        if bucket_id not in found:
            found.append(bucket_id)
    return found
