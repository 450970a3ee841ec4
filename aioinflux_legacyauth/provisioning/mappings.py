"""Which DBRP mappings a consumer's database names need, worked out without I/O.

For each :class:`Binding` the org's current mappings (as ``/api/v2/dbrps`` lists them,
virtual ones included) either already lead the name to the bucket, or an explicit
mapping is created, or the name is taken by another bucket: a conflict, never silently
re-pointed, since other consumers may be using it. Two rules of the server matter here
(spec section 11): a database's first explicit mapping becomes its default whatever it
asks for, and an explicit mapping replaces a bucket's virtual one with the same names.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Final

import attrs

from .._models import DBRPMapping, DBRPMappingCreate
from .spec import Binding

__all__ = ["MappingAction", "MappingStep", "describe_bucket", "plan_mappings"]

#: The retention policy of an explicit mapping made for a tool that names none.
DEFAULT_POLICY: Final = "autogen"
#: The ID a planned mapping has until the server gives it one.
_PLANNED: Final = "(planned)"


class MappingAction(enum.StrEnum):
    """What a binding needs."""

    #: A mapping already leads the name to the bucket (the bucket's own, or explicit).
    EXISTS = "exists"
    #: An explicit mapping is created.
    CREATE = "create"


@attrs.frozen(slots=True, kw_only=True)
class MappingStep:
    """The plan for one binding: the mapping that serves it, or the one to create."""

    binding: Binding
    action: MappingAction
    #: The mapping that serves the binding (for EXISTS).
    mapping: DBRPMapping | None = None
    #: What to create (for CREATE).
    create: DBRPMappingCreate | None = None


def describe_bucket(bucket_id: str, names: Mapping[str, str]) -> str:
    """``bucket 'name' (id)``, or ``bucket id`` when its name is unknown."""
    name = names.get(bucket_id)
    return f"bucket {name!r} ({bucket_id})" if name else f"bucket {bucket_id}"


def _mapping_label(mapping: DBRPMapping) -> str:
    kind = "its own virtual mapping" if mapping.virtual else f"mapping {mapping.id}"
    return f"{kind}, retention policy {mapping.retention_policy!r}"


def _plan_one(
    binding: Binding, of_database: Sequence[DBRPMapping], names: Mapping[str, str]
) -> MappingStep | str:
    """The step for ``binding``, or the conflict that stops it (a message)."""
    bucket = binding.bucket
    label = f"database {binding.label!r}"
    default = next((mapping for mapping in of_database if mapping.default), None)
    if binding.retention_policy is None:
        if default is not None:
            if default.bucket_id == bucket.id:
                return MappingStep(binding=binding, action=MappingAction.EXISTS, mapping=default)
            return (
                f"{label} already leads to {describe_bucket(default.bucket_id, names)} by "
                f"default ({_mapping_label(default)}): a tool naming no retention policy "
                f"would reach that bucket, not {bucket.name!r}; use another database name, "
                "or name a retention policy"
            )
        taken = next((m for m in of_database if m.retention_policy == DEFAULT_POLICY), None)
        if taken is not None:
            return (
                f"{label} has no default, and its retention policy {DEFAULT_POLICY!r} "
                f"already leads to {describe_bucket(taken.bucket_id, names)} "
                f"({_mapping_label(taken)}); use another database name"
            )
        create = DBRPMappingCreate(
            database=binding.database,
            retention_policy=DEFAULT_POLICY,
            default=True,
            org_id=bucket.org_id,
            bucket_id=bucket.id,
        )
        return MappingStep(binding=binding, action=MappingAction.CREATE, create=create)
    same = next((m for m in of_database if m.retention_policy == binding.retention_policy), None)
    if same is not None:
        if same.bucket_id == bucket.id:
            return MappingStep(binding=binding, action=MappingAction.EXISTS, mapping=same)
        return (
            f"{label} already leads to {describe_bucket(same.bucket_id, names)} "
            f"({_mapping_label(same)}), not to {bucket.name!r}"
        )
    first_explicit = not any(not mapping.virtual for mapping in of_database)
    if first_explicit and default is not None and default.bucket_id != bucket.id:
        return (
            f"an explicit mapping for {label} would be the first of database "
            f"{binding.database!r}, which the server makes its default: tools naming no "
            f"retention policy would then reach {bucket.name!r} instead of "
            f"{describe_bucket(default.bucket_id, names)}; use another database name"
        )
    create = DBRPMappingCreate(
        database=binding.database,
        retention_policy=binding.retention_policy,
        default=False,
        org_id=bucket.org_id,
        bucket_id=bucket.id,
    )
    return MappingStep(binding=binding, action=MappingAction.CREATE, create=create)


def _after(mappings: list[DBRPMapping], create: DBRPMappingCreate) -> list[DBRPMapping]:
    """The mappings once ``create`` is made: the server's default rules applied."""
    of_database = [m for m in mappings if m.database == create.database]
    becomes_default = create.default or not any(not m.virtual for m in of_database)
    planned = DBRPMapping(
        id=_PLANNED,
        database=create.database,
        retention_policy=create.retention_policy,
        default=becomes_default,
        virtual=False,
        org_id=create.org_id,
        bucket_id=create.bucket_id,
    )
    kept = []
    for mapping in mappings:
        if mapping.database != create.database:
            kept.append(mapping)
        elif mapping.virtual and mapping.retention_policy == create.retention_policy:
            continue  # replaced by the explicit one
        else:
            kept.append(attrs.evolve(mapping, default=mapping.default and not becomes_default))
    return [planned, *kept]


def plan_mappings(
    bindings: Sequence[Binding],
    mappings: Sequence[DBRPMapping],
    bucket_names: Mapping[str, str] | None = None,
) -> tuple[tuple[MappingStep, ...], tuple[str, ...]]:
    """The steps the bindings need, and the conflicts that stop some of them.

    ``mappings`` are the org's, as listed; ``bucket_names`` (ID to name) only make the
    messages clearer. Each planned creation is taken into account for the next binding.
    """
    names = dict(bucket_names or {})
    names.update((binding.bucket.id, binding.bucket.name) for binding in bindings)
    current = list(mappings)
    steps: list[MappingStep] = []
    conflicts: list[str] = []
    for binding in bindings:
        of_database = [m for m in current if m.database == binding.database]
        planned = _plan_one(binding, of_database, names)
        if isinstance(planned, str):
            conflicts.append(planned)
            continue
        steps.append(planned)
        if planned.create is not None:
            current = _after(current, planned.create)
    return tuple(steps), tuple(conflicts)
