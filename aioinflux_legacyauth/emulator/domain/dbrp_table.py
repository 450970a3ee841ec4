"""The stored side of DBRP mappings: the records and indexes of ``dbrp/service.go``.

The real service keeps a mapping table, an (org, database) index, an org index and one
default pointer per (org, database) in separate key-value buckets; which of them a write
touches decides what later reads show, so they are kept apart here too. The store owns
this table (deleting a bucket deletes its mappings); ``dbrp.DBRPService`` reads and
writes it.
"""

from __future__ import annotations

import attrs

__all__ = ["DBRPMapping", "DBRPTable"]


@attrs.define(kw_only=True)
class DBRPMapping:
    """One mapping, as ``influxdb.DBRPMapping`` carries it."""

    id: str
    database: str
    retention_policy: str
    default: bool
    virtual: bool
    org_id: str
    bucket_id: str

    def body(self) -> dict[str, object]:
        """The JSON object, keys in the server's order."""
        return {
            "id": self.id,
            "database": self.database,
            "retention_policy": self.retention_policy,
            "default": self.default,
            "virtual": self.virtual,
            "orgID": self.org_id,
            "bucketID": self.bucket_id,
        }

    def copy(self) -> DBRPMapping:
        """A copy the caller may change (the service hands out copies, as Go's decode does)."""
        return attrs.evolve(self)


class DBRPTable:
    """The KV buckets of the service: mappings, two indexes and the default pointers."""

    def __init__(self) -> None:
        self.records: dict[str, DBRPMapping] = {}
        self.by_org_and_database: dict[tuple[str, str], set[str]] = {}
        self.by_org: dict[str, set[str]] = {}
        self.defaults: dict[tuple[str, str], str] = {}

    def __repr__(self) -> str:
        return f"DBRPTable({len(self.records)} stored mappings)"

    def index_walk(self, org_id: str, database: str | None = None) -> list[str]:
        """IDs in an index, in key (ID) order: of one (org, db), or of the whole org."""
        if database is None:
            return sorted(self.by_org.get(org_id, ()))
        return sorted(self.by_org_and_database.get((org_id, database), ()))

    def first_but(self, org_id: str, database: str, skip: str) -> str | None:
        """``getFirstBut``: the lowest indexed ID of the (org, db) other than ``skip``."""
        return next((id_ for id_ in self.index_walk(org_id, database) if id_ != skip), None)

    def drop_bucket(self, bucket_id: str) -> None:
        """Delete every stored mapping of a bucket, as ``dbrp.BucketService`` does."""
        for mapping in [m for m in self.records.values() if m.bucket_id == bucket_id]:
            key = (mapping.org_id, mapping.database)
            self.remove(mapping, was_default=self.defaults.get(key) == mapping.id)

    def remove(self, mapping: DBRPMapping, *, was_default: bool) -> None:
        """``Service.Delete``'s transaction: the record, its index entries, and if it was
        the default, the default moves to the lowest remaining ID (or is unset)."""
        key = (mapping.org_id, mapping.database)
        self.records.pop(mapping.id, None)
        self.by_org_and_database.get(key, set()).discard(mapping.id)
        self.by_org.get(mapping.org_id, set()).discard(mapping.id)
        if was_default:
            following = self.first_but(mapping.org_id, mapping.database, mapping.id)
            if following is None:
                self.defaults.pop(key, None)
            else:
                self.defaults[key] = following
