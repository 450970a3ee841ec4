"""verify() against the emulator (or --server's): every reason a login fails, every access
verdict, no writes."""

from __future__ import annotations

import pytest

from aioinflux_legacyauth import AuthStatus, LegacyAuthClient, Permission
from aioinflux_legacyauth.emulator import FAST_HASH_COST, Emulator
from aioinflux_legacyauth.provisioning import (
    CheckKind,
    CredentialSpec,
    Expectation,
    LoginRefusal,
    provision,
    verify,
)

PASSWORD = "verify-Password-1"


def read(emu: Emulator, bucket: str) -> Permission:
    return Permission.read_bucket(emu.buckets[bucket], emu.org_id)


def write(emu: Emulator, bucket: str) -> Permission:
    return Permission.write_bucket(emu.buckets[bucket], emu.org_id)


@pytest.mark.emulator_only(reason="reads the request log")
async def test_a_working_credential_passes_every_check_and_nothing_is_written(
    emu: Emulator, client: LegacyAuthClient
) -> None:
    """Each check says what it proved; every /write it sent had an empty body."""
    spec = CredentialSpec(username="grafana", org_id=emu.org_id, read=["metrics"], write=["logs"])
    await provision(client, spec, password=PASSWORD, verify=False)
    before = len(emu.requests.records())
    result = await verify(client, "grafana", PASSWORD)
    assert result.ok, result.summary()
    assert result.databases == ("metrics",)
    by_subject = {check.subject: check for check in result.checks}
    assert by_subject["login"].reason.startswith("accepted")
    assert by_subject["SHOW DATABASES"].reason == "it lists 'metrics'"
    assert by_subject["read metrics"].actual is True
    assert by_subject["write metrics"].reason.startswith("read-only")
    assert by_subject["read logs"].actual is False
    assert by_subject["write logs"].reason.startswith("writable: an empty /write was accepted")
    writes = [r for r in emu.requests.records()[before:] if r.path == "/write"]
    assert writes
    assert {r.header("Content-Length") for r in writes} == {"0"}
    assert {r.method for r in emu.requests.records()[before:]} <= {"GET", "POST"}
    assert {r.path for r in emu.requests.records()[before:] if r.method == "POST"} == {"/write"}


@pytest.mark.parametrize(
    ("expectation", "verdict"),
    [
        (
            Expectation(database="metrics", read=True, write=True),
            "read-only: the mapping is visible",
        ),
        (Expectation(database="logs", read=True), "not readable: no mapping of it is visible"),
        (Expectation(database="nosuchdb", write=True), "not writable: /write found no mapping"),
    ],
)
async def test_an_unmet_expectation_fails_with_the_servers_reason(
    emu: Emulator, client: LegacyAuthClient, expectation: Expectation, verdict: str
) -> None:
    await emu.create_legacy_authorization("reader", [read(emu, "metrics")], password=PASSWORD)
    result = await verify(client, "reader", PASSWORD, [expectation])
    assert not result.ok
    (failure,) = [c for c in result.failures if c.kind in (CheckKind.READ, CheckKind.WRITE)]
    assert failure.reason.startswith(verdict)


async def test_a_database_without_a_default(emu: Emulator, client: LegacyAuthClient) -> None:
    """Buckets x/a and x/b give database x no default: a tool naming no rp fails."""
    first = emu.create_bucket("x/a")
    emu.create_bucket("x/b")
    grant = [Permission.read_bucket(first, emu.org_id)]
    await emu.create_legacy_authorization("reader", grant, password=PASSWORD)
    result = await verify(
        client,
        "reader",
        PASSWORD,
        [
            Expectation(database="x", read=True),
            Expectation(database="x", retention_policy="a", read=True),
        ],
    )
    failures = [(check.subject, check.reason) for check in result.failures]
    assert failures == [
        (
            "read x",
            "not readable: its visible mappings have no default, so a tool naming no "
            "retention policy fails ('x')",
        )
    ]


async def refusal(
    client: LegacyAuthClient, username: str, password: str = PASSWORD
) -> tuple[LoginRefusal | None, str]:
    result = await verify(client, username, password, [Expectation(database="metrics", read=True)])
    assert not result.logged_in
    login = result.checks[0]
    assert login.kind is CheckKind.LOGIN
    assert login.passed is False
    assert all(check.passed is None for check in result.checks[1:])
    return result.refusal, login.reason


async def test_an_unknown_username(client: LegacyAuthClient) -> None:
    assert (await refusal(client, "nobody"))[0] is LoginRefusal.UNKNOWN_USERNAME


async def test_a_wrong_password(emu: Emulator, client: LegacyAuthClient) -> None:
    await emu.create_legacy_authorization("grafana", password=PASSWORD)
    found, reason = await refusal(client, "grafana", "not-the-Password-1")
    assert found is LoginRefusal.WRONG_PASSWORD
    assert "wrong, or none was ever set" in reason


async def test_no_password_set_is_the_same_answer(emu: Emulator, client: LegacyAuthClient) -> None:
    await emu.create_legacy_authorization("grafana")
    assert (await refusal(client, "grafana"))[0] is LoginRefusal.WRONG_PASSWORD


async def test_an_inactive_credential(emu: Emulator, client: LegacyAuthClient) -> None:
    auth = await emu.create_legacy_authorization("grafana", password=PASSWORD, active=False)
    found, reason = await refusal(client, "grafana")
    assert found is LoginRefusal.INACTIVE
    assert auth.id in reason


async def test_an_inactive_owner(emu: Emulator, client: LegacyAuthClient) -> None:
    owner = emu.create_user("contractor")
    await emu.create_legacy_authorization("grafana", password=PASSWORD, user_id=owner)
    emu.store.set_user_status(owner, AuthStatus.INACTIVE)
    found, reason = await refusal(client, "grafana")
    assert found is LoginRefusal.OWNER_INACTIVE
    assert owner in reason


async def test_a_credential_whose_owner_is_gone(emu: Emulator, client: LegacyAuthClient) -> None:
    owner = emu.create_user("leaver")
    await emu.create_legacy_authorization("grafana", password=PASSWORD, user_id=owner)
    emu.store.delete_user(owner)
    found, reason = await refusal(client, "grafana")
    assert found is LoginRefusal.NOT_VISIBLE
    assert "its org or owning user no longer exists" in reason


@pytest.mark.fresh_server(reason="seeds a password past the rules through a KV restore")
async def test_an_imported_password_the_2_7_6_rule_refuses(
    emu: Emulator, client: LegacyAuthClient
) -> None:
    """A 1.x password of 5 bytes, imported as influxd upgrade does: it matches, and is
    refused at login all the same; the reason says so without repeating it."""
    await emu.import_legacy_user("old-tool", "12345")
    found, reason = await refusal(client, "old-tool", "12345")
    assert found is LoginRefusal.PASSWORD_RULE
    assert "5 bytes long" in reason
    assert "12345" not in reason


@pytest.mark.emulator_only(reason="models a v2.7.5 server and an influxd upgrade import")
async def test_before_2_7_6_the_same_password_logs_in() -> None:
    async with (
        Emulator(hash_cost=FAST_HASH_COST, version="v2.7.5", buckets=("metrics",)) as old,
        LegacyAuthClient(old.url, old.token) as client,
    ):
        await old.import_legacy_user("old-tool", "12345")
        result = await verify(client, "old-tool", "12345")
        assert result.logged_in
        assert result.server_version == "v2.7.5"


async def test_a_v2_token_as_password_is_accepted_and_named(
    emu: Emulator, client: LegacyAuthClient
) -> None:
    """No legacy authorization has the username: the server tried the token, and it worked."""
    result = await verify(client, "anyone", emu.token)
    assert result.logged_in
    assert "as a v2 API token" in result.checks[0].reason
    assert emu.token not in result.summary()
