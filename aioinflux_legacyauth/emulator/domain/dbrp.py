"""Which bucket a v1 database name means: the virtual DBRP mappings (InfluxDB 2.4+).

Every bucket is an InfluxQL database by its name, computed on read and never stored
(``dbrp/service.go``, ``bucketToMapping``): a name without ``/`` is (name, ``autogen``,
the default), ``db/rp`` is (``db``, ``rp``, not the default), split at the first ``/``.
Physical mappings (``/api/v2/dbrps``) are not emulated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import attrs

from ..._models import Action, Permission, ResourceType
from .permissions import allowed, permission
from .store import BucketRecord, Store

__all__ = ["Mapping", "find_mapping", "virtual_mapping", "with_read_on_writable"]

_AUTOGEN: Final = "autogen"


@attrs.frozen
class Mapping:
    """A bucket seen as a (database, retention policy) pair."""

    database: str
    retention_policy: str
    default: bool
    bucket: BucketRecord


def virtual_mapping(bucket: BucketRecord) -> Mapping:
    """The mapping a bucket's name gives it."""
    database, slash, policy = bucket.name.partition("/")
    if not slash:
        return Mapping(database, _AUTOGEN, True, bucket)
    return Mapping(database, policy, False, bucket)


def with_read_on_writable(held: Iterable[Permission]) -> tuple[Permission, ...]:
    """``held`` plus read wherever it may write: what ``/write`` lets a credential see, so
    a write-only credential finds its bucket (for that request only)."""
    granted = tuple(held)
    reads = (
        Permission(action=Action.READ, resource=held_permission.resource)
        for held_permission in granted
        if held_permission.action == Action.WRITE
    )
    return (*granted, *reads)


def _readable(held: Sequence[Permission], bucket: BucketRecord) -> bool:
    # AuthorizeFindDBRPs: read on the bucket; a system bucket also needs read on its org.
    wanted = permission(Action.READ, ResourceType.BUCKETS, id=bucket.id, org_id=bucket.org_id)
    if not allowed(held, wanted):
        return False
    if not bucket.system:
        return True
    org = permission(Action.READ, ResourceType.ORGS, id=bucket.org_id, org_id=bucket.org_id)
    return allowed(held, org)


def find_mapping(
    store: Store, org_id: str, held: Iterable[Permission], database: str, policy: str
) -> Mapping | None:
    """``findMapping``: the first mapping of ``org_id`` the holder of ``held`` may read,
    for ``database`` and ``policy`` (or the database's default when ``policy`` is empty)."""
    granted = tuple(held)
    buckets = sorted(
        (bucket for bucket in store.buckets() if bucket.org_id == org_id),
        key=lambda bucket: bucket.name.encode(),
    )
    for bucket in buckets:
        mapping = virtual_mapping(bucket)
        if mapping.database != database:
            continue
        if (mapping.retention_policy != policy) if policy else not mapping.default:
            continue
        if _readable(granted, bucket):
            return mapping
    return None
