"""audit() on a seeded emulator with every problem present: each found, only GETs sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from aioinflux_legacyauth import (
    Action,
    AuthStatus,
    LegacyAuthClient,
    Permission,
    Resource,
    ResourceType,
)
from aioinflux_legacyauth.emulator import Emulator
from aioinflux_legacyauth.provisioning import Problem, audit
from aioinflux_legacyauth.provisioning.passwords import read_credentials
from aioinflux_legacyauth.rotation import Credential, FileSink

PASSWORD = "audit-Password-1"


async def seed(emu: Emulator) -> dict[str, str]:
    """One credential per problem, plus a healthy one; their IDs by role."""
    metrics = Permission.read_bucket(emu.buckets["metrics"], emu.org_id)
    ids = {}
    ids["healthy"] = (
        await emu.create_legacy_authorization("healthy", [metrics], password=PASSWORD)
    ).id
    ids["inactive"] = (await emu.create_legacy_authorization("parked", [metrics], active=False)).id
    contractor = emu.create_user("contractor")
    ids["owner_inactive"] = (
        await emu.create_legacy_authorization("contractor-cred", [metrics], user_id=contractor)
    ).id
    emu.store.set_user_status(contractor, AuthStatus.INACTIVE)
    leaver = emu.create_user("leaver")
    ids["owner_gone"] = (
        await emu.create_legacy_authorization("leaver-cred", [metrics], user_id=leaver)
    ).id
    emu.store.delete_user(leaver)
    temporary = emu.create_bucket("temporary")
    grant = [metrics, Permission.read_bucket(temporary, emu.org_id)]
    ids["missing_bucket"] = (await emu.create_legacy_authorization("stale-bucket", grant)).id
    emu.delete_bucket(temporary)
    other = emu.create_org("other-org")
    org_grant = Permission(action=Action.READ, resource=Resource(type=ResourceType.ORGS, id=other))
    ids["missing_org"] = (
        await emu.create_legacy_authorization("stale-org", [metrics, org_grant])
    ).id
    emu.store.delete_org(other)
    # Bucket logs' own name, logs/autogen, is taken by an explicit mapping to metrics.
    emu.create_dbrp("logs", emu.buckets["metrics"])
    logs = Permission.write_bucket(emu.buckets["logs"], emu.org_id)
    ids["no_mapping"] = (await emu.create_legacy_authorization("unreachable", [logs])).id
    ids["weak"] = (await emu.import_legacy_user("old-tool", "12345", [metrics])).id
    return ids


@pytest.mark.emulator_only(reason="reads the request log")
async def test_every_problem_is_found(
    emu: Emulator, client: LegacyAuthClient, tmp_path: Path
) -> None:
    ids = await seed(emu)
    # The known passwords: a rotation's output file, as the CLI reads it.
    output = tmp_path / "known.json"
    await FileSink(output).publish(
        [
            Credential(ids["healthy"], "healthy", PASSWORD),
            Credential(ids["weak"], "old-tool", "12345"),
            Credential(ids["owner_gone"], "leaver-cred", "leaver-Password-1"),
        ]
    )
    before = len(emu.requests.records())
    report = await audit(client, credentials=read_credentials(output))
    sent = emu.requests.records()[before:]
    assert {record.method for record in sent} == {"GET"}, "an audit only reads"
    found = {(finding.problem, finding.auth_id) for finding in report.findings}
    assert found == {
        (Problem.INACTIVE, ids["inactive"]),
        (Problem.OWNER_INACTIVE, ids["owner_inactive"]),
        (Problem.OWNER_GONE, ids["owner_gone"]),
        (Problem.MISSING_BUCKET, ids["missing_bucket"]),
        (Problem.MISSING_ORG, ids["missing_org"]),
        (Problem.NO_MAPPING, ids["no_mapping"]),
        (Problem.PASSWORD_REFUSED, ids["weak"]),
    }
    assert not report.ok
    assert report.counts[Problem.NOT_VISIBLE] == 0
    messages = {finding.problem: finding.message for finding in report.findings}
    assert (
        "its own name leads elsewhere: database 'logs' goes to bucket 'metrics'"
        in messages[Problem.NO_MAPPING]
    )
    assert "5 bytes long" in messages[Problem.PASSWORD_REFUSED]
    assert "refuses it at every login" in messages[Problem.PASSWORD_REFUSED]
    assert all("12345" not in finding.message for finding in report.findings)
    # The credential the list hides was examined through the passwords' IDs.
    assert report.by_problem("owner_gone")[0].username == "leaver-cred"


@pytest.mark.fresh_server(reason="seeds a password past the rules through a KV restore")
async def test_a_selection_narrows_and_names_what_it_misses(
    emu: Emulator, client: LegacyAuthClient
) -> None:
    ids = await seed(emu)
    report = await audit(
        client,
        auth_ids=[ids["healthy"], ids["inactive"], "0123456789abcdef"],
        usernames=["leaver-cred", "nobody"],
    )
    assert report.audited == 2
    assert {(f.problem, f.username) for f in report.findings} == {
        (Problem.INACTIVE, "parked"),
        (Problem.NOT_VISIBLE, "leaver-cred"),
    }
    assert report.missing == ("id 0123456789abcdef", "username nobody")


async def test_a_clean_instance_is_ok(emu: Emulator, client: LegacyAuthClient) -> None:
    metrics = Permission.read_bucket(emu.buckets["metrics"], emu.org_id)
    await emu.create_legacy_authorization("healthy", [metrics], password=PASSWORD)
    report = await audit(client, credentials=[Credential("0123456789abcdef", "gone", PASSWORD)])
    assert report.ok
    assert report.audited == 1
    assert report.notes == ("the passwords given name 0123456789abcdef, which no longer exists",)


async def test_the_strong_password_rule_on_request(emu: Emulator, client: LegacyAuthClient) -> None:
    """lowercase-only passes the length rule; --strong-passwords needs three kinds."""
    auth = await emu.create_legacy_authorization("simple", password="alllowercase")
    known = [Credential(auth.id, "simple", "alllowercase")]
    assert (await audit(client, credentials=known)).ok
    strict = await audit(client, credentials=known, strong_passwords=True)
    assert [f.problem for f in strict.findings] == [Problem.PASSWORD_REFUSED]
    assert "1 of the 4 character types" in strict.findings[0].message
