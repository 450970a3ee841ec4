"""What a consumer needs from a credential: the spec as given, and the spec resolved.

A :class:`CredentialSpec` names buckets (by name or ID) and, where a 1.x tool uses another
name for one, the database (and retention policy) it uses. :class:`ResolvedSpec` is the
same with every name turned into IDs and every database name worked out: the permissions
the credential gets, and one :class:`Binding` per database name the consumer will use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import attrs

from .._models import Bucket, Permission

__all__ = [
    "Binding",
    "CredentialSpec",
    "Database",
    "ResolvedSpec",
    "as_databases",
    "check_name",
    "split_bucket_name",
]

_FORBIDDEN_NAMES: Final = frozenset({".", ".."})


def check_name(what: str, name: str) -> str:
    """``name`` if the server accepts it as a database or retention policy name.

    The server's rule (``validName``) is looser than its message: non-empty, printable
    (spaces allowed), not ``.`` or ``..``, and no ``/`` or ``\\``.
    """
    if (
        not name
        or name in _FORBIDDEN_NAMES
        or "/" in name
        or "\\" in name
        or not all(char.isprintable() for char in name)
    ):
        msg = (
            f"{what} {name!r} is not a name InfluxDB accepts: it must be non-empty and "
            "printable, not '.' or '..', and without '/' or '\\'"
        )
        raise ValueError(msg)
    return name


def split_bucket_name(name: str) -> tuple[str, str | None]:
    """The database and retention policy a bucket's own (virtual) mapping gives it.

    ``telegraf`` is database ``telegraf`` reached without naming a retention policy (the
    mapping is the database's default); ``telegraf/autogen``, as ``influxd upgrade``
    names buckets, is database ``telegraf`` with retention policy ``autogen`` (split at
    the first ``/``), which a tool must name.
    """
    database, separator, policy = name.partition("/")
    return (database, policy) if separator else (name, None)


@attrs.frozen(slots=True)
class Database:
    """A bucket, and the InfluxQL database (and retention policy) a 1.x tool uses for it.

    Without ``name`` the tool uses the bucket's own name (its virtual mapping). Without
    ``retention_policy`` the tool names none, so the database's default must be this
    bucket; with one, that exact pair must lead to it.
    """

    bucket: str
    name: str | None = None
    retention_policy: str | None = None

    def __attrs_post_init__(self) -> None:
        bucket: object = self.bucket  # callers without a type checker may pass anything
        if not isinstance(bucket, str) or not bucket:
            msg = f"a bucket must be a non-empty name or ID, got {bucket!r}"
            raise ValueError(msg)
        if self.name is not None:
            check_name("database", self.name)
        if self.retention_policy is not None:
            check_name("retention policy", self.retention_policy)

    @classmethod
    def parse(cls, text: str) -> Database:
        """``BUCKET``, ``BUCKET=DATABASE`` or ``BUCKET=DATABASE/RETENTION_POLICY``."""
        bucket, equals, target = text.partition("=")
        if not equals:
            return cls(bucket)
        database, slash, policy = target.partition("/")
        return cls(bucket, database, policy if slash else None)

    def __str__(self) -> str:
        if self.name is None and self.retention_policy is None:
            return self.bucket
        target = self.name or "(the bucket's name)"
        if self.retention_policy is not None:
            target += f"/{self.retention_policy}"
        return f"{self.bucket}={target}"


def as_databases(values: Iterable[str | Database]) -> tuple[Database, ...]:
    """Bucket names or IDs, or :class:`Database` entries, as a tuple of the latter."""
    given: object = values
    if isinstance(given, str | Database):  # one bucket where a list belongs
        values = (given,)
    return tuple(value if isinstance(value, Database) else Database(value) for value in values)


@attrs.frozen(slots=True, kw_only=True)
class CredentialSpec:
    """A v1 credential for one consumer: its username, org, and what it may read and write.

    ``read`` and ``write`` hold bucket names or IDs, or :class:`Database` entries where the
    consumer uses another database name. ``org`` (a name) or ``org_id`` says which org;
    ``user_id`` is the owning user (default: the token's own).
    """

    username: str
    read: tuple[Database, ...] = attrs.field(default=(), converter=as_databases)
    write: tuple[Database, ...] = attrs.field(default=(), converter=as_databases)
    org: str | None = None
    org_id: str | None = None
    description: str | None = None
    user_id: str | None = None

    def __attrs_post_init__(self) -> None:
        username: object = self.username
        if not isinstance(username, str) or not username:
            msg = f"username must be a non-empty string, got {username!r}"
            raise ValueError(msg)
        if not (self.read or self.write):
            msg = "a credential needs at least one bucket to read or write"
            raise ValueError(msg)
        if self.org and self.org_id:
            msg = "give org= or org_id=, not both"
            raise ValueError(msg)


@attrs.frozen(slots=True, kw_only=True)
class Binding:
    """One database name a consumer uses, the bucket it must lead to, and the access."""

    database: str
    #: None: the consumer names no retention policy, so the database's default counts.
    retention_policy: str | None
    bucket: Bucket
    read: bool
    write: bool

    @property
    def label(self) -> str:
        """``db`` or ``db/rp``, as the messages name it."""
        if self.retention_policy is None:
            return self.database
        return f"{self.database}/{self.retention_policy}"


@attrs.frozen(slots=True, kw_only=True)
class ResolvedSpec:
    """A :class:`CredentialSpec` with IDs for every name: what the server must end up with."""

    username: str
    org_id: str
    bindings: tuple[Binding, ...]
    description: str | None = None
    user_id: str | None = None

    @property
    def permissions(self) -> tuple[Permission, ...]:
        """Read on each readable bucket, then write on each writable one (as ``influx v1
        auth create`` orders them), each once."""
        reads = dict.fromkeys(b.bucket.id for b in self.bindings if b.read)
        writes = dict.fromkeys(b.bucket.id for b in self.bindings if b.write)
        return (
            *(Permission.read_bucket(bucket_id, self.org_id) for bucket_id in reads),
            *(Permission.write_bucket(bucket_id, self.org_id) for bucket_id in writes),
        )

    def bucket_name(self, bucket_id: str) -> str | None:
        """The name of a bucket of the spec, for messages."""
        for binding in self.bindings:
            if binding.bucket.id == bucket_id:
                return binding.bucket.name
        return None
