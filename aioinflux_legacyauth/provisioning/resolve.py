"""Turning a :class:`CredentialSpec` into a :class:`ResolvedSpec`: org and bucket IDs,
and the database name each bucket is used under. Reads only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from .._errors import NotFoundError
from .._executor import Executor
from .._ids import is_hex_id
from .._models import Bucket, User
from .._sansio import Call
from .._sansio_api_v2 import PAGE_SIZE
from .._tracing import TraceSpanLike
from .errors import ProvisionError
from .spec import Binding, CredentialSpec, Database, ResolvedSpec, split_bucket_name

__all__ = ["all_pages", "all_users", "bind", "org_buckets", "resolve_org_id", "resolve_spec"]

_T = TypeVar("_T")


async def all_pages(
    executor: Executor, page: Callable[[int], Call[list[_T]]], key: Callable[[_T], str]
) -> list[_T]:
    """Every item of a paged ``/api/v2`` list, each once, in the server's order.

    A server that ignores ``offset`` and ``limit`` (the emulator does) hands out the whole
    list on every page: a page that brings nothing new ends the walk.
    """
    found: dict[str, _T] = {}
    offset = 0
    while True:
        items = await executor.execute(page(offset))
        fresh = [item for item in items if key(item) not in found]
        found.update((key(item), item) for item in fresh)
        if len(items) < PAGE_SIZE or not fresh:
            return list(found.values())
        offset += len(items)


async def org_buckets(
    executor: Executor, org_id: str, trace_span: TraceSpanLike | None = None
) -> list[Bucket]:
    """Every bucket of the org the token may read."""
    calls = executor.calls
    return await all_pages(
        executor,
        lambda offset: calls.list_buckets(org_id, offset=offset, trace_span=trace_span),
        lambda bucket: bucket.id,
    )


async def all_users(executor: Executor, trace_span: TraceSpanLike | None = None) -> list[User]:
    """Every user the token may read."""
    calls = executor.calls
    return await all_pages(
        executor,
        lambda offset: calls.list_users(offset=offset, trace_span=trace_span),
        lambda user: user.id,
    )


async def _or_not_found(pending: Awaitable[_T], message: str) -> _T:
    try:
        return await pending
    except NotFoundError:
        raise ProvisionError(message) from None


async def resolve_org_id(
    executor: Executor,
    *,
    org: str | None,
    org_id: str | None,
    trace_span: TraceSpanLike | None = None,
) -> str:
    """The org ID an ``org`` name or ``org_id`` stands for (checked to exist)."""
    calls = executor.calls
    if org_id:
        found = await _or_not_found(
            executor.execute(calls.org(org_id, trace_span)), f"organization {org_id} not found"
        )
        return found.id
    if org:
        return await _or_not_found(
            executor.execute(calls.find_org(org, trace_span)), f"organization {org!r} not found"
        )
    msg = "a credential spec needs org= or org_id="
    raise ValueError(msg)


def _find_bucket(value: str, buckets: Sequence[Bucket]) -> Bucket | None:
    """The bucket ``value`` names: an ID (either case) of one, else a name."""
    if is_hex_id(value):
        wanted = value.lower()
        for bucket in buckets:
            if bucket.id == wanted:
                return bucket
    return next((bucket for bucket in buckets if bucket.name == value), None)


def _binding(database: Database, bucket: Bucket, *, read: bool, write: bool) -> Binding:
    own_database, own_policy = split_bucket_name(bucket.name)
    if database.name is None:
        name = own_database
        policy = database.retention_policy or own_policy
    else:
        name, policy = database.name, database.retention_policy
    return Binding(database=name, retention_policy=policy, bucket=bucket, read=read, write=write)


def bind(spec: CredentialSpec, buckets: Sequence[Bucket], org_label: str) -> tuple[Binding, ...]:
    """One binding per database name the spec uses (pure).

    Permissions are per bucket, so each binding gets the access of its bucket: a bucket
    read under one name and written under another can be read and written under both.
    """
    found: list[tuple[Database, Bucket]] = []
    reads: set[str] = set()
    writes: set[str] = set()
    for entries, granted in ((spec.read, reads), (spec.write, writes)):
        for entry in entries:
            bucket = _find_bucket(entry.bucket, buckets)
            if bucket is None:
                msg = f"bucket {entry.bucket!r} not found in org {org_label}"
                raise ProvisionError(msg)
            granted.add(bucket.id)
            found.append((entry, bucket))
    bindings: dict[tuple[str, str | None, str], Binding] = {}
    for entry, bucket in found:
        binding = _binding(entry, bucket, read=bucket.id in reads, write=bucket.id in writes)
        bindings.setdefault((binding.database, binding.retention_policy, bucket.id), binding)
    return tuple(bindings.values())


async def resolve_spec(
    executor: Executor, spec: CredentialSpec, trace_span: TraceSpanLike | None = None
) -> tuple[ResolvedSpec, list[Bucket]]:
    """The spec with its org and buckets looked up, and every bucket of the org (one
    listing serves all the spec's buckets, and names the others in messages)."""
    org_id = await resolve_org_id(executor, org=spec.org, org_id=spec.org_id, trace_span=trace_span)
    buckets = await org_buckets(executor, org_id, trace_span)
    resolved = ResolvedSpec(
        username=spec.username,
        org_id=org_id,
        bindings=bind(spec, buckets, repr(spec.org) if spec.org else org_id),
        description=spec.description,
        user_id=spec.user_id.lower() if spec.user_id else None,
    )
    return resolved, buckets
