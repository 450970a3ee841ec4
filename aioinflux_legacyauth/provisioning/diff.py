"""How an existing credential differs from a spec, one sentence per difference (pure)."""

from __future__ import annotations

from collections.abc import Iterable

from .._models import LegacyAuthorization, Permission
from .spec import ResolvedSpec

__all__ = ["describe_permission", "differences", "same_permissions"]


def _notation(permission: Permission) -> str:
    # IDs compared as the server writes them; names the server fills in are not compared.
    return str(permission).lower()


def same_permissions(have: Iterable[Permission], want: Iterable[Permission]) -> bool:
    """Whether two permission lists grant the same (order and repeats aside)."""
    return {_notation(p) for p in have} == {_notation(p) for p in want}


def describe_permission(permission: Permission, name: str | None = None) -> str:
    """``read:orgs/<org>/buckets/<id> (bucket 'metrics')``."""
    name = name or permission.resource.name
    return f"{permission} (bucket {name!r})" if name else str(permission)


def differences(existing: LegacyAuthorization, spec: ResolvedSpec) -> list[str]:
    """Each way ``existing`` is not what ``spec`` asks for; empty if it is exactly that."""
    found = []
    if existing.org_id != spec.org_id:
        found.append(f"it belongs to org {existing.org_id}, the spec's org is {spec.org_id}")
    have = {_notation(p): p for p in existing.permissions}
    want = {_notation(p): p for p in spec.permissions}
    for key, permission in want.items():
        if key not in have:
            name = spec.bucket_name(permission.resource.id or "")
            found.append(f"it lacks {describe_permission(permission, name)}")
    for key, permission in have.items():
        if key not in want:
            found.append(f"it also grants {describe_permission(permission)}")
    if spec.description is not None and existing.description != spec.description:
        found.append(
            f"its description is {existing.description!r}, the spec's {spec.description!r}"
        )
    if spec.user_id is not None and existing.user_id != spec.user_id:
        found.append(f"it is owned by user {existing.user_id}, the spec's is {spec.user_id}")
    if not existing.active:
        found.append(f"it is {existing.status}")
    return found
