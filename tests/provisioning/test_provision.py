"""provision() over real HTTP (the emulator, or --server's): make, repeat, conflict, replace,
roll back."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from aioinflux_legacyauth import (
    LegacyAuthClient,
    Permission,
    RetryPolicy,
    UnavailableError,
)
from aioinflux_legacyauth.emulator import Emulator, Fault
from aioinflux_legacyauth.provisioning import (
    Change,
    CredentialSpec,
    Database,
    ProvisionConflictError,
    VerificationError,
    plan_provision,
    provision,
)

if TYPE_CHECKING:
    from tests.provisioning.conftest import WriteRefusing

PASSWORD = "a-given-Password-1"


def spec(**changes: object) -> CredentialSpec:
    """Grafana reading ``metrics``, writing ``logs`` under the name ``applogs``."""
    options: dict[str, object] = {
        "username": "grafana",
        "org": "my-org",
        "read": ["metrics"],
        "write": [Database("logs", "applogs")],
        "description": "dashboards",
    }
    options.update(changes)
    return CredentialSpec(**options)  # type: ignore[arg-type]


def changes_sent(emu: Emulator, since: int) -> list[str]:
    """The requests after the ``since``-th that could change something (not reads, probes)."""
    sent = emu.requests.records()[since:]
    return [
        f"{r.method} {r.path}"
        for r in sent
        if r.method != "GET" and r.path not in ("/write", "/query")
    ]


def explicit_mappings(emu: Emulator) -> list[tuple[str, str, str]]:
    return [
        (m.database, m.retention_policy, m.bucket_id) for m in emu.dbrp_mappings() if not m.virtual
    ]


@pytest.mark.emulator_only(reason="reads the request log")
async def test_provision_makes_a_credential_that_works_and_says_so_the_second_time(
    emu: Emulator, client: LegacyAuthClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Exactly the spec's permissions, a mapping only where the name differs, a generated
    password returned once and never logged, verified; a second run changes nothing."""
    caplog.set_level(logging.DEBUG)
    result = await provision(client, spec())
    assert result.change is Change.CREATED
    password = result.password
    assert password is not None
    assert password not in repr(result)
    assert password not in caplog.text
    auth = result.authorization
    assert sorted(str(p) for p in auth.permissions) == sorted(
        [
            str(Permission.read_bucket(emu.buckets["metrics"], emu.org_id)),
            str(Permission.write_bucket(emu.buckets["logs"], emu.org_id)),
        ]
    )
    assert auth.description == "dashboards"
    # metrics is served by the bucket's own mapping; applogs needed an explicit one.
    assert [(m.binding.label, m.created, m.mapping.virtual) for m in result.mappings] == [
        ("metrics", False, True),
        ("applogs", True, False),
    ]
    assert explicit_mappings(emu) == [("applogs", "autogen", emu.buckets["logs"])]
    assert result.verification is not None
    assert result.verification.ok
    assert await client.check_login("grafana", password)

    before = len(emu.requests.records())
    again = await provision(client, spec())
    assert again.change is Change.UNCHANGED
    assert not again.changed
    assert again.password is None
    assert "nothing changed" in again.message
    assert changes_sent(emu, before) == []
    assert [a.id for a in emu.legacy_authorizations()] == [auth.id]


async def test_a_second_run_with_the_password_verifies_it(client: LegacyAuthClient) -> None:
    """Given the password, the repeat logs in with it and runs every check."""
    await provision(client, spec(), password=PASSWORD)
    again = await provision(client, spec(), password=PASSWORD)
    assert again.change is Change.UNCHANGED
    assert again.verification is not None
    assert again.verification.ok
    with pytest.raises(VerificationError, match="the password is wrong"):
        await provision(client, spec(), password="not-the-Password-2")


async def test_a_missing_mapping_is_made_again(emu: Emulator, client: LegacyAuthClient) -> None:
    """Someone deleted the explicit mapping: the repeat creates it, the credential stays."""
    first = await provision(client, spec(), password=PASSWORD)
    made = next(m.mapping for m in first.mappings if m.created)
    calls = client.executor.calls
    await client.executor.execute(calls.delete_dbrp(made.id, made.org_id))
    assert explicit_mappings(emu) == []
    again = await provision(client, spec(), password=PASSWORD)
    assert again.change is Change.UPDATED
    assert again.authorization.id == first.authorization.id
    assert explicit_mappings(emu) == [("applogs", "autogen", emu.buckets["logs"])]


@pytest.mark.emulator_only(reason="reads the request log")
async def test_a_conflicting_credential_is_named_and_left_alone(
    emu: Emulator, client: LegacyAuthClient
) -> None:
    """Every difference is named; nothing is created or changed."""
    existing = await emu.create_legacy_authorization(
        "grafana", [Permission.read_bucket(emu.buckets["logs"], emu.org_id)], active=False
    )
    before = len(emu.requests.records())
    with pytest.raises(ProvisionConflictError) as conflict:
        await provision(client, spec())
    found = conflict.value.differences
    assert any("it lacks read:" in d and "(bucket 'metrics')" in d for d in found)
    assert any("it lacks write:" in d and "(bucket 'logs')" in d for d in found)
    assert any("it also grants read:" in d and emu.buckets["logs"] in d for d in found)
    assert "its description is '', the spec's 'dashboards'" in found
    assert "it is inactive" in found
    assert f"legacy authorization {existing.id} ('grafana') differs" in str(conflict.value)
    assert changes_sent(emu, before) == []
    assert emu.legacy_authorization(existing.id) == existing


async def test_replace_deletes_the_conflicting_one_and_makes_the_spec(
    emu: Emulator, client: LegacyAuthClient
) -> None:
    existing = await emu.create_legacy_authorization("grafana", password="old-Password-1")
    result = await provision(client, spec(), replace=True)
    assert result.change is Change.REPLACED
    assert result.replaced is not None
    assert result.replaced.id == existing.id
    assert emu.legacy_authorization(existing.id) is None
    assert result.password is not None
    assert await client.check_login("grafana", result.password)
    assert not await client.check_login("grafana", "old-Password-1")


@pytest.mark.emulator_only(reason="reads the request log")
async def test_a_database_name_of_another_bucket_is_a_conflict(
    emu: Emulator, client: LegacyAuthClient
) -> None:
    """Reading metrics under the name 'logs' would re-point the logs bucket's name."""
    before = len(emu.requests.records())
    with pytest.raises(
        ProvisionConflictError, match="database 'logs' already leads to bucket 'logs'"
    ):
        await provision(client, spec(read=[Database("metrics", "logs")]))
    assert changes_sent(emu, before) == []
    assert emu.legacy_authorizations() == []


async def test_a_hidden_username_is_a_conflict(emu: Emulator, client: LegacyAuthClient) -> None:
    """The username belongs to a credential whose owner is gone: the list hides it."""
    owner = emu.create_user("leaver")
    await emu.create_legacy_authorization("grafana", user_id=owner)
    emu.store.delete_user(owner)
    with pytest.raises(
        ProvisionConflictError, match="taken by a legacy authorization this token cannot see"
    ):
        await provision(client, spec())


@pytest.mark.emulator_only(reason="fault injection")
async def test_a_failure_part_way_takes_everything_back(
    emu: Emulator, client: LegacyAuthClient
) -> None:
    """Setting the password fails for good: the credential and the mapping it made go."""
    emu.faults.add(Fault.bad_gateway(), method="POST", path="*/password", times=10)
    with pytest.raises(UnavailableError) as failed:
        await provision(client, spec())
    notes = getattr(failed.value, "__notes__", [])
    assert any("rolled back: legacy authorization" in note for note in notes)
    assert any("rolled back: DBRP mapping" in note for note in notes)
    assert emu.legacy_authorizations() == []
    assert explicit_mappings(emu) == []


async def test_a_failed_verification_takes_everything_back(
    emu: Emulator, write_refusing: WriteRefusing
) -> None:
    """The credential cannot write where it should: nothing is left behind."""
    async with LegacyAuthClient(emu.url, emu.token, transport=write_refusing) as client:
        with pytest.raises(VerificationError) as failed:
            await provision(client, spec())
    checks = failed.value.verification.failures
    assert [(c.subject, c.expected, c.actual) for c in checks] == [("write applogs", True, False)]
    assert emu.legacy_authorizations() == []
    assert explicit_mappings(emu) == []


@pytest.mark.emulator_only(reason="reads the request log")
async def test_the_plan_reads_only(emu: Emulator, client: LegacyAuthClient) -> None:
    """A dry run says what would happen and sends no change."""
    before = len(emu.requests.records())
    plan = await plan_provision(client, spec())
    assert changes_sent(emu, before) == []
    assert not plan.up_to_date
    lines = plan.describe()
    assert (
        "keep: database 'metrics' -> bucket 'metrics', the bucket's own (virtual) mapping" in lines
    )
    assert (
        "create mapping: database 'applogs' -> bucket 'logs' (retention policy 'autogen')" in lines
    )
    assert any(
        line.startswith("create legacy authorization 'grafana' with read:") for line in lines
    )


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: spec(org="no-such-org"), "organization 'no-such-org' not found"),
        (lambda: spec(read=["nope"]), "bucket 'nope' not found in org 'my-org'"),
    ],
)
async def test_unknown_names_are_clear_errors(
    client: LegacyAuthClient, build: Callable[[], CredentialSpec], message: str
) -> None:
    with pytest.raises(Exception, match=message):
        await provision(client, build())


@pytest.mark.emulator_only(reason="reads the request log")
async def test_a_refused_password_is_caught_before_anything_is_sent(
    emu: Emulator, client: LegacyAuthClient
) -> None:
    before = len(emu.requests.records())
    with pytest.raises(ValueError, match="between 8 and 72 bytes"):
        await provision(client, spec(), password="short")
    assert emu.requests.records()[before:] == ()


async def test_closed_client_is_refused(emu: Emulator) -> None:
    client = LegacyAuthClient(emu.url, emu.token, retry=RetryPolicy(instant=True))
    with pytest.raises(RuntimeError, match="not open"):
        await provision(client, spec())
