"""``provision``, ``verify``, ``rescope`` and ``audit`` against the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from aioinflux_legacyauth import AuthStatus, Permission
from aioinflux_legacyauth.emulator import ThreadedEmulator

if TYPE_CHECKING:
    from tests.cli.conftest import RunCli

GIVEN = "a-given-Password-1"


def buckets(emulator: ThreadedEmulator) -> None:
    emulator.create_bucket("metrics")
    emulator.create_bucket("logs")


def provision_argv(*extra: str) -> tuple[str, ...]:
    return (
        "provision",
        "--org",
        "my-org",
        "--username",
        "grafana",
        "--read-bucket",
        "metrics=dashboards",
        "--write-bucket",
        "logs",
        *extra,
    )


def the_credential(emulator: ThreadedEmulator, username: str = "grafana") -> str:
    (auth,) = [a for a in emulator.legacy_authorizations() if a.username == username]
    return auth.id


def test_provision_prints_a_generated_password_once(
    run_cli: RunCli, emulator: ThreadedEmulator
) -> None:
    buckets(emulator)
    result = run_cli(*provision_argv())
    assert result.status == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("password: ")]
    password = line.removeprefix("password: ")
    assert result.stdout.count(password) == 1
    assert password not in result.stderr
    assert "shown only this once" in result.stderr
    assert emulator.password_matches(the_credential(emulator), password)
    assert "created mapping" in result.stdout
    assert "database 'logs' -> bucket 'logs': the bucket's own (virtual) mapping" in result.stdout
    assert "verified as a 1.x tool: all 6 checks passed" in result.stdout

    again = run_cli(*provision_argv())
    assert again.status == 0, again.stderr
    assert "already provisioned as specified; nothing changed" in again.stdout
    assert "password: " not in again.stdout


def test_provision_never_prints_a_given_password(
    run_cli: RunCli, emulator: ThreadedEmulator
) -> None:
    buckets(emulator)
    result = run_cli(*provision_argv("--password", GIVEN, "--json"))
    assert result.status == 0, result.stderr
    document = json.loads(result.stdout)
    assert "password" not in document
    assert GIVEN not in result.output
    assert document["change"] == "created"
    assert document["verification"]["ok"] is True
    assert [(m["database"], m["created"]) for m in document["mappings"]] == [
        ("dashboards", True),
        ("logs", False),
    ]
    generated = run_cli(*provision_argv("--json", "--replace", "--description", "new"))
    assert generated.status == 0, generated.stderr
    made = json.loads(generated.stdout)
    assert made["change"] == "replaced"
    assert emulator.password_matches(the_credential(emulator), made["password"])


def test_provision_names_every_difference(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    buckets(emulator)
    emulator.create_legacy_authorization("grafana", password=GIVEN)
    result = run_cli(*provision_argv())
    assert result.status == 1
    differences = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert any("it lacks read:" in line and "(bucket 'metrics')" in line for line in differences)
    assert any("it also grants write:" in line and "my-bucket" in line for line in differences)
    assert "differs from the spec" in result.stderr


def test_provision_dry_run_changes_nothing(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    buckets(emulator)
    result = run_cli(*provision_argv("--dry-run"))
    assert result.status == 0, result.stderr
    assert "create mapping: database 'dashboards' -> bucket 'metrics'" in result.stdout
    assert "create legacy authorization 'grafana'" in result.stdout
    assert emulator.legacy_authorizations() == []


def test_provision_usage_errors(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    buckets(emulator)
    short = run_cli(*provision_argv("--password", "short1"))
    assert short.status == 2
    assert "short1" not in short.output
    assert run_cli("provision", "--org", "my-org", "--username", "x").status == 2
    bad_name = run_cli(
        "provision", "--org", "my-org", "--username", "x", "--read-bucket", "metrics=a/b/c"
    )
    assert bad_name.status == 2
    assert "not a name InfluxDB accepts" in bad_name.stderr
    unknown = run_cli("provision", "--org", "my-org", "--username", "x", "--read-bucket", "nope")
    assert unknown.status == 1
    assert "bucket 'nope' not found" in unknown.stderr


def test_verify_reports_each_check(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    buckets(emulator)
    assert run_cli(*provision_argv("--password", GIVEN)).status == 0
    result = run_cli("verify", "--username", "grafana", "--password", GIVEN)
    assert result.status == 0, result.stderr
    assert "PASS  login" in result.stdout
    assert "PASS  write logs" in result.stdout
    assert "SHOW DATABASES: dashboards, metrics" in result.stdout
    assert GIVEN not in result.output
    expected = run_cli(
        "verify",
        "--username",
        "grafana",
        "--read",
        "dashboards",
        "--write",
        "dashboards",
        "--json",
        stdin=GIVEN + "\n",
    )
    assert expected.status == 1
    document = json.loads(expected.stdout)
    failed = [(c["check"], c["database"]) for c in document["checks"] if c["passed"] is not True]
    assert failed == [("write", "dashboards")]


def test_verify_explains_a_refused_login(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    emulator.import_legacy_user("old-tool", "12345")
    result = run_cli("verify", "--username", "old-tool", "--password", "12345")
    assert result.status == 1
    assert "FAIL  login" in result.stdout
    assert "refused by the 2.7.6 rule" in result.stdout
    assert "SKIP  SHOW DATABASES" in result.stdout
    assert "12345" not in result.output.replace("5 bytes", "")


def test_rescope_keeps_the_password(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    buckets(emulator)
    metrics = Permission.read_bucket(emulator.buckets["my-bucket"], emulator.org_id)
    old = emulator.create_legacy_authorization("grafana", [metrics], password=GIVEN).id
    journal = tmp_path / "rescope.journal"
    argv = (
        "rescope",
        "--username",
        "grafana",
        "--read-bucket",
        "metrics",
        "--journal",
        str(journal),
    )
    dry = run_cli(*argv, "--dry-run", "--password", GIVEN)
    assert dry.status == 0, dry.stderr
    assert "would be re-created with read:" in dry.stdout
    assert not journal.exists()
    result = run_cli(*argv, stdin=GIVEN + "\n")
    assert result.status == 0, result.stderr
    assert "rescope: 1 ok" in result.stdout
    new = the_credential(emulator)
    assert f"{old} is now {new}" in result.stdout
    assert emulator.password_matches(new, GIVEN)
    assert GIVEN not in result.output
    again = run_cli(*argv)
    assert again.status == 0
    assert "rescope: 1 already_done" in again.stdout


def test_rescope_many_with_a_passwords_file(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    buckets(emulator)
    ids = [
        emulator.create_legacy_authorization(f"tool-{n}", password=f"{GIVEN}{n}").id
        for n in range(3)
    ]
    rows = [
        {"id": auth_id, "username": f"tool-{n}", "password": f"{GIVEN}{n}"}
        for n, auth_id in enumerate(ids)
    ]
    known = tmp_path / "known.json"
    known.write_text(json.dumps(rows))
    argv = (
        "rescope",
        "--all",
        "--write-bucket",
        "logs",
        "--journal",
        str(tmp_path / "j"),
        "--passwords",
        str(known),
        "--json",
    )
    result = run_cli(*argv)
    assert result.status == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["counts"]["ok"] == 3
    assert document["complete"] is True
    assert sorted(document["new_ids"]) == sorted(ids)
    for n, new in enumerate(document["new_ids"][i] for i in ids):
        assert emulator.password_matches(new, f"{GIVEN}{n}")
    two = run_cli(
        "rescope",
        "--all",
        "--write-bucket",
        "logs",
        "--journal",
        str(tmp_path / "k"),
        "--password",
        GIVEN,
    )
    assert two.status == 2
    assert GIVEN not in two.output


def test_audit_finds_problems(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    emulator.create_legacy_authorization("healthy", password=GIVEN)
    emulator.create_legacy_authorization("parked", active=False)
    contractor = emulator.create_user("contractor")
    emulator.create_legacy_authorization("contractor-cred", user_id=contractor)
    emulator.call(lambda emu: emu.store.set_user_status(contractor, AuthStatus.INACTIVE))
    result = run_cli("audit")
    assert result.status == 1
    assert "inactive" in result.stdout
    assert "owner_inactive" in result.stdout
    assert (
        "audit of 3 legacy authorizations on v2.7.12: 1 inactive, 1 owner_inactive" in result.stdout
    )
    document = json.loads(run_cli("audit", "--json").stdout)
    assert document["counts"]["inactive"] == 1
    assert {f["username"] for f in document["findings"]} == {"parked", "contractor-cred"}
    clean = run_cli("audit", "--username", "healthy")
    assert clean.status == 0, clean.stderr
    assert "no problem found" in clean.stdout


def test_audit_with_known_passwords(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    auth = emulator.import_legacy_user("old-tool", "12345")
    known = tmp_path / "known.csv"
    known.write_text(f"id,username,password\n{auth.id},old-tool,12345\n")
    result = run_cli("audit", "--passwords", str(known))
    assert result.status == 1
    assert "password_refused" in result.stdout
    assert "12345" not in result.output.replace("5 bytes", "")


def test_http_debug_shows_no_v1_password(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """The data-plane requests carry Basic credentials: shown as the scheme only."""
    emulator.create_legacy_authorization("grafana", password=GIVEN)
    result = run_cli("verify", "--username", "grafana", "--password", GIVEN, "--http-debug")
    assert result.status == 0, result.stderr
    assert "/write?db=my-bucket" in result.stderr
    assert "Basic [redacted]" in result.stderr
    assert GIVEN not in result.output


def test_audit_takes_the_selection_flags(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    emulator.create_legacy_authorization("parked", active=False)
    emulator.create_legacy_authorization("healthy", password=GIVEN)
    active_only = run_cli("audit", "--status", "active")
    assert active_only.status == 0, active_only.stderr
    assert "audit of 1 legacy authorizations" in active_only.stdout
    both = run_cli("audit", "--all", "--id", "0123456789abcdef")
    assert both.status == 2
