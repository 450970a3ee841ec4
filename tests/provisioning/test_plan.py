"""The pure parts of provisioning: specs, bindings, the mapping plan, differences."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aioinflux_legacyauth import AuthStatus, LegacyAuthorization, Permission
from aioinflux_legacyauth._models import Bucket, DBRPMapping
from aioinflux_legacyauth.provisioning import CredentialSpec, Database, ProvisionError
from aioinflux_legacyauth.provisioning.diff import differences
from aioinflux_legacyauth.provisioning.mappings import MappingAction, plan_mappings
from aioinflux_legacyauth.provisioning.resolve import bind
from aioinflux_legacyauth.provisioning.spec import Binding, ResolvedSpec

ORG = "4e7a6b1c2d3f5a6b"
METRICS = Bucket(id="1000000000000001", org_id=ORG, name="metrics")
LOGS = Bucket(id="1000000000000002", org_id=ORG, name="logs")
UPGRADED = Bucket(id="1000000000000003", org_id=ORG, name="telegraf/autogen")
BUCKETS = (METRICS, LOGS, UPGRADED)
NAMES = {bucket.id: bucket.name for bucket in BUCKETS}


def virtual(bucket: Bucket) -> DBRPMapping:
    """A bucket's own mapping, as the server lists it."""
    database, _, policy = bucket.name.partition("/")
    return DBRPMapping(
        id=bucket.id,
        database=database,
        retention_policy=policy or "autogen",
        default=not policy,
        virtual=True,
        org_id=ORG,
        bucket_id=bucket.id,
    )


def explicit(
    mapping_id: str, database: str, policy: str, bucket: Bucket, *, default: bool
) -> DBRPMapping:
    return DBRPMapping(
        id=mapping_id,
        database=database,
        retention_policy=policy,
        default=default,
        virtual=False,
        org_id=ORG,
        bucket_id=bucket.id,
    )


def binding(
    database: str, policy: str | None, bucket: Bucket, *, read: bool = True, write: bool = False
) -> Binding:
    return Binding(
        database=database, retention_policy=policy, bucket=bucket, read=read, write=write
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics", Database("metrics")),
        ("metrics=grafana", Database("metrics", "grafana")),
        ("metrics=grafana/short", Database("metrics", "grafana", "short")),
    ],
)
def test_database_parse(text: str, expected: Database) -> None:
    """The command line's BUCKET[=DATABASE[/RP]]."""
    assert Database.parse(text) == expected


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "a\\b", "tab\there"])
def test_database_names_the_server_refuses_are_refused(name: str) -> None:
    """The server's validName rule, checked before anything is sent."""
    with pytest.raises(ValueError, match="not a name InfluxDB accepts"):
        Database("metrics", name)


def test_a_spec_needs_a_bucket_and_one_org() -> None:
    with pytest.raises(ValueError, match="at least one bucket"):
        CredentialSpec(username="grafana", org="o")
    with pytest.raises(ValueError, match="not both"):
        CredentialSpec(username="grafana", org="o", org_id=ORG, read=["metrics"])


def test_bind_uses_each_buckets_own_name_and_merges_access() -> None:
    """A bucket's database name is its own (db/rp split at the first slash); access is
    per bucket, whatever name it is used under."""
    spec = CredentialSpec(
        username="grafana",
        org_id=ORG,
        read=["metrics", UPGRADED.id.upper()],
        write=[Database("metrics", "metrics_w"), "logs"],
    )
    bound = bind(spec, BUCKETS, ORG)
    assert [(b.label, b.bucket.name, b.read, b.write) for b in bound] == [
        ("metrics", "metrics", True, True),
        ("telegraf/autogen", "telegraf/autogen", True, False),
        ("metrics_w", "metrics", True, True),
        ("logs", "logs", False, True),
    ]
    with pytest.raises(ProvisionError, match="bucket 'nope' not found in org"):
        bind(CredentialSpec(username="x", org_id=ORG, read=["nope"]), BUCKETS, ORG)


def test_plan_uses_the_virtual_mapping_where_it_suffices() -> None:
    """The bucket's own mapping serves its own name; nothing is created."""
    steps, conflicts = plan_mappings(
        [binding("metrics", None, METRICS), binding("telegraf", "autogen", UPGRADED)],
        [virtual(b) for b in BUCKETS],
    )
    assert conflicts == ()
    assert [(s.action, s.mapping and s.mapping.virtual) for s in steps] == [
        (MappingAction.EXISTS, True),
        (MappingAction.EXISTS, True),
    ]


def test_plan_creates_a_default_mapping_for_another_name() -> None:
    """A new name without a retention policy gets an explicit default mapping."""
    steps, conflicts = plan_mappings([binding("grafana", None, METRICS)], [virtual(METRICS)])
    assert conflicts == ()
    (step,) = steps
    assert step.action is MappingAction.CREATE
    assert step.create is not None
    assert (step.create.database, step.create.retention_policy, step.create.default) == (
        "grafana",
        "autogen",
        True,
    )


def test_plan_refuses_a_name_that_leads_elsewhere() -> None:
    """Another bucket's database name is never re-pointed; the conflict names it."""
    steps, conflicts = plan_mappings(
        [binding("logs", None, METRICS)], [virtual(METRICS), virtual(LOGS)], NAMES
    )
    assert steps == ()
    (conflict,) = conflicts
    assert "database 'logs' already leads to bucket 'logs'" in conflict
    assert "by default" in conflict


def test_plan_refuses_to_take_a_databases_default_away() -> None:
    """The server makes a database's first explicit mapping its default: an explicit
    (logs, short) would take `logs` away from the logs bucket for tools naming no rp."""
    _, conflicts = plan_mappings([binding("logs", "short", METRICS)], [virtual(LOGS)], NAMES)
    (conflict,) = conflicts
    assert "would be the first of database 'logs'" in conflict
    # Once an explicit mapping exists, another one does not move the default.
    existing = explicit("2000000000000001", "logs", "autogen", LOGS, default=True)
    steps, conflicts = plan_mappings([binding("logs", "short", METRICS)], [existing], NAMES)
    assert conflicts == ()
    assert steps[0].create is not None
    assert steps[0].create.default is False


def test_plan_sees_its_own_earlier_creations() -> None:
    """Two bindings wanting the same new database's default: the second conflicts."""
    steps, conflicts = plan_mappings(
        [binding("shared", None, METRICS), binding("shared", None, LOGS)], [], NAMES
    )
    assert [s.action for s in steps] == [MappingAction.CREATE]
    assert "database 'shared' already leads to bucket 'metrics'" in conflicts[0]


def auth(
    permissions: list[Permission], *, status: str = "active", description: str = ""
) -> LegacyAuthorization:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    return LegacyAuthorization(
        id="3000000000000001",
        username="grafana",
        status=AuthStatus(status),
        description=description,
        org_id=ORG,
        user_id="5000000000000001",
        permissions=permissions,
        created_at=moment,
        updated_at=moment,
    )


def test_differences_name_every_one() -> None:
    """Missing and extra permissions (with bucket names), description and status."""
    spec = ResolvedSpec(
        username="grafana",
        org_id=ORG,
        bindings=(
            binding("metrics", None, METRICS),
            binding("logs", None, LOGS, read=False, write=True),
        ),
        description="dashboards",
    )
    exact = auth(list(spec.permissions), description="dashboards")
    assert differences(exact, spec) == []
    other = auth(
        [Permission.read_bucket(METRICS.id, ORG), Permission.read_bucket(LOGS.id, ORG)],
        status="inactive",
    )
    found = differences(other, spec)
    assert f"it lacks write:orgs/{ORG}/buckets/{LOGS.id} (bucket 'logs')" in found
    assert f"it also grants read:orgs/{ORG}/buckets/{LOGS.id}" in found
    assert "its description is '', the spec's 'dashboards'" in found
    assert "it is inactive" in found
    assert len(found) == 4
