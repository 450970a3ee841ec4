"""DBRP mappings: which bucket an InfluxQL database and retention policy name.

A port of ``dbrp/service.go`` and its ``AuthorizedService``, over an in-memory copy of its
key-value layout, because the layout decides what clients see: stored ("physical")
mappings live in a table, an (org, database) index and an org index, and the default of
each (org, database) is a separate pointer. Virtual mappings are computed from bucket
names on every read and never stored. Reading a mapping takes ``read`` on its bucket;
creating, changing and deleting take ``write``. The quirks of the real service are kept,
and marked where they show: a virtual mapping hidden or stripped of its default by the
physical ones listed before it, a PATCH on a virtual ID that stores a record no list
shows, and a DELETE of a virtual default that moves the default of its database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final, TypeVar

import attrs

from ..._models import Action, Permission, ResourceType
from .dbrp_table import DBRPMapping
from .errors import CONFLICT, INVALID, NOT_FOUND, UNAUTHORIZED, PlatformError
from .permissions import Authorizer, check, check_read_bucket, permission
from .store import BUCKET_NOT_FOUND, BucketRecord, Store

__all__ = [
    "DBRP_NOT_FOUND",
    "DBRPFilter",
    "DBRPService",
    "parse_bucket_name",
    "valid_name",
    "virtual_mapping",
    "visible_databases",
]

DBRP_NOT_FOUND: Final = "unable to find DBRP"
_NAME_RULE: Final = (
    "must contain at least one character and only be letters, numbers, '_', '-', and '.'"
)
_T = TypeVar("_T")
_DUPLICATE: Final = "another DBRP mapping with same orgID, db, and rp exists"


@attrs.frozen(kw_only=True)
class DBRPFilter:
    """``influxdb.DBRPMappingFilter``; ``None`` matches anything."""

    org_id: str
    id: str | None = None
    bucket_id: str | None = None
    database: str | None = None
    retention_policy: str | None = None
    default: bool | None = None
    virtual: bool | None = None

    def matches(self, mapping: DBRPMapping) -> bool:
        """``filterFunc``."""
        wanted = (
            (self.id, mapping.id),
            (self.org_id, mapping.org_id),
            (self.bucket_id, mapping.bucket_id),
            (self.database, mapping.database),
            (self.retention_policy, mapping.retention_policy),
            (self.default, mapping.default),
            (self.virtual, mapping.virtual),
        )
        return all(want is None or want == have for want, have in wanted)


def valid_name(name: str) -> bool:
    """``validName``: looser than its error message says (spaces pass, for one)."""
    return (
        name not in ("", ".", "..")
        and all(char.isprintable() or char == " " for char in name)
        and "/" not in name
        and "\\" not in name
    )


def parse_bucket_name(name: str) -> tuple[str, str]:
    """``parseDBRP``: ``db/rp`` split at the first ``/``; a plain name is ``(name, "autogen")``."""
    database, separator, policy = name.partition("/")
    return (database, policy) if separator else (name, "autogen")


def virtual_mapping(bucket: BucketRecord) -> DBRPMapping:
    """``bucketToMapping``: the mapping every bucket has, under the bucket's own ID."""
    database, policy = parse_bucket_name(bucket.name)
    return DBRPMapping(
        id=bucket.id,
        database=database,
        retention_policy=policy,
        default=bucket.name == database,
        virtual=True,
        org_id=bucket.org_id,
        bucket_id=bucket.id,
    )


class DBRPService:
    """The authorized DBRP service, seen by one caller's permissions."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._table = store.dbrps

    # --- the authorized bucket service the real one is built on --------------------------

    def _find_bucket(self, caller: Authorizer, bucket_id: str) -> BucketRecord:
        bucket = self._store.bucket(bucket_id)
        if bucket is None:
            raise PlatformError(NOT_FOUND, BUCKET_NOT_FOUND)
        check_read_bucket(caller, bucket)
        return bucket

    def _readable_buckets(self, caller: Authorizer, flt: DBRPFilter) -> list[BucketRecord]:
        """``FindBuckets`` by ID or by org (in name order), filtered by read rights."""
        if flt.bucket_id is not None:
            bucket = self._store.bucket(flt.bucket_id)
            if bucket is None:
                raise PlatformError(NOT_FOUND, BUCKET_NOT_FOUND)
            candidates = [bucket]
        else:
            candidates = sorted(
                (b for b in self._store.buckets() if b.org_id == flt.org_id),
                key=lambda b: b.name,
            )
        return [bucket for bucket in candidates if _can(check_read_bucket, caller, bucket)]

    # --- the service ---------------------------------------------------------------------

    def _stored(self, mapping_id: str) -> DBRPMapping:
        mapping = self._table.records[mapping_id].copy()
        default = self._table.defaults.get((mapping.org_id, mapping.database))
        mapping.default = default == mapping.id
        return mapping

    def _find_by_id(self, caller: Authorizer, org_id: str, mapping_id: str) -> DBRPMapping:
        """``Service.FindByID``: a stored mapping of the org, else a bucket's virtual one."""
        record = self._table.records.get(mapping_id)
        if record is not None and record.org_id == org_id:
            return self._stored(mapping_id)
        try:
            bucket = self._find_bucket(caller, mapping_id)
        except PlatformError:
            raise PlatformError(NOT_FOUND, DBRP_NOT_FOUND) from None
        # The bucket's org is not compared with org_id.
        return virtual_mapping(bucket)

    def find_many(self, caller: Authorizer, flt: DBRPFilter) -> list[DBRPMapping]:
        """``FindMany`` then ``AuthorizeFindDBRPs``: physical mappings in ID order, then
        one virtual mapping per readable bucket in name order, then the read check."""
        found = [m for m in self._physical(flt) if flt.matches(m)]
        try:
            buckets = self._readable_buckets(caller, flt)
        except PlatformError:
            buckets = []  # an unknown bucketID: the physical matches only
        for bucket in buckets:
            virtual = virtual_mapping(bucket)
            hidden = False
            for earlier in list(found):
                if earlier.database != virtual.database:
                    continue
                if earlier.retention_policy == virtual.retention_policy:
                    hidden = True
                    break
                if earlier.default and virtual.default:
                    # The loop stops here: a later mapping with the same rp does not hide it.
                    virtual.default = False
                    break
            if not hidden and flt.matches(virtual):
                found.append(virtual)
        return [m for m in found if _can(_check_read_mapping, caller, m)]

    def _physical(self, flt: DBRPFilter) -> list[DBRPMapping]:
        table = self._table
        if flt.database:
            key = (flt.org_id, flt.database)
            if flt.default:
                default = table.defaults.get(key)
                return [] if default is None else [self._stored(default)]
            ids = table.index_walk(flt.org_id, flt.database)
        else:
            ids = table.index_walk(flt.org_id)
        return [self._stored(mapping_id) for mapping_id in ids]

    def find_by_id(self, caller: Authorizer, org_id: str, mapping_id: str) -> DBRPMapping:
        """``AuthorizedService.FindByID``: the lookup, then read on its bucket in ``org_id``."""
        mapping = self._find_by_id(caller, org_id, mapping_id)
        check(caller, _bucket_permission(Action.READ, mapping.bucket_id, org_id))
        return mapping

    def create(self, caller: Authorizer, mapping: DBRPMapping) -> DBRPMapping:
        """``Create``: write on the bucket, names, the bucket (with read), uniqueness; the
        first physical mapping of a database becomes its default."""
        check(caller, _bucket_permission(Action.WRITE, mapping.bucket_id, mapping.org_id))
        mapping.id = self._store.ids.next_id()
        _validate(mapping)
        self._find_bucket(caller, mapping.bucket_id)
        self._check_unique(mapping)
        table = self._table
        key = (mapping.org_id, mapping.database)
        table.by_org_and_database.setdefault(key, set()).add(mapping.id)
        table.by_org.setdefault(mapping.org_id, set()).add(mapping.id)
        if key not in table.defaults:
            mapping.default = True
        table.records[mapping.id] = mapping.copy()
        if mapping.default:
            table.defaults[key] = mapping.id
        return mapping

    def update(self, caller: Authorizer, mapping: DBRPMapping) -> DBRPMapping:
        """``Update``: write on the bucket, the names, then store; a virtual ID gets a stored
        record that lists never show, and its default pointer is moved all the same."""
        check(caller, _bucket_permission(Action.WRITE, mapping.bucket_id, mapping.org_id))
        _validate(mapping)
        try:
            old = self._find_by_id(caller, mapping.org_id, mapping.id)
        except PlatformError:
            raise PlatformError(NOT_FOUND, DBRP_NOT_FOUND) from None
        mapping.org_id, mapping.bucket_id, mapping.database = (
            old.org_id,
            old.bucket_id,
            old.database,
        )
        self._check_unique(mapping)
        table = self._table
        key = (mapping.org_id, mapping.database)
        table.records[mapping.id] = mapping.copy()
        if mapping.default:
            table.defaults[key] = mapping.id
        elif old.default:
            following = table.first_but(mapping.org_id, mapping.database, mapping.id)
            if following is not None:
                table.defaults[key] = following
        return mapping

    def delete(self, caller: Authorizer, org_id: str, mapping_id: str) -> None:
        """``Delete``: the lookup (404), write on its bucket (401), then remove; deleting a
        default hands it to the lowest remaining ID of the database."""
        mapping = self._find_by_id(caller, org_id, mapping_id)
        check(caller, _bucket_permission(Action.WRITE, mapping.bucket_id, org_id))
        # A virtual mapping removes nothing, yet its computed default still moves the
        # database's default to the lowest stored ID.
        self._table.remove(mapping, was_default=mapping.default)

    def _check_unique(self, mapping: DBRPMapping) -> None:
        table = self._table
        for other_id in table.index_walk(mapping.org_id, mapping.database):
            if other_id == mapping.id:
                continue
            if table.records[other_id].retention_policy == mapping.retention_policy:
                raise PlatformError(CONFLICT, _DUPLICATE)


def _validate(mapping: DBRPMapping) -> None:
    # DBRPMapping.Validate, wrapped in ErrInvalidDBRP.
    for name, field in (
        (mapping.database, "database"),
        (mapping.retention_policy, "retentionPolicy"),
    ):
        if not valid_name(name):
            raise PlatformError(INVALID, f"DBRP provided is invalid: {field} {_NAME_RULE}")


def _bucket_permission(action: Action, bucket_id: str, org_id: str) -> Permission:
    return permission(action, ResourceType.BUCKETS, id=bucket_id, org_id=org_id)


def _check_read_mapping(caller: Authorizer, mapping: DBRPMapping) -> None:
    # AuthorizeFindDBRPs: read on the bucket in the mapping's org, system bucket or not.
    check(
        caller,
        permission(Action.READ, ResourceType.BUCKETS, id=mapping.bucket_id, org_id=mapping.org_id),
    )


def _can(checker: Callable[[Authorizer, _T], None], caller: Authorizer, item: _T) -> bool:
    try:
        checker(caller, item)
    except PlatformError as exc:
        if exc.code != UNAUTHORIZED:
            raise
        return False
    return True


def visible_databases(mappings: Iterable[DBRPMapping]) -> list[str]:
    """The distinct databases of ``mappings``, in order (``SHOW DATABASES``)."""
    return list(dict.fromkeys(mapping.database for mapping in mappings))
