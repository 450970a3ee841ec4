"""``create``: org and buckets by name or ID, passwords from flags, prompts and stdin."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from aioinflux_legacyauth import Permission
from aioinflux_legacyauth.emulator import Fault

if TYPE_CHECKING:
    from aioinflux_legacyauth.emulator import ThreadedEmulator
    from tests.cli.conftest import CliResult, RunCli

PASSWORD = "create-secret-1"
EMULATOR_OPTIONS = {"buckets": ("my-bucket", "logs")}


@pytest.fixture
def legacyauth_emulator_options() -> dict[str, object]:
    """Two buckets, so read and write can point at different ones."""
    return dict(EMULATOR_OPTIONS)


def create(run_cli: RunCli, *argv: str, **options: object) -> CliResult:
    """``create --username grafana --read-bucket my-bucket --json`` plus ``argv``."""
    return run_cli(
        "create", "--username", "grafana", "--read-bucket", "my-bucket", "--json", *argv,
        **options,  # type: ignore[arg-type]
    )  # fmt: skip


def test_create_with_org_and_buckets_by_name(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """Names resolve through /api/v2; the password is set; JSON shows the new credential."""
    result = run_cli(
        "create", "--org", "my-org", "--username", "grafana", "-d", "Grafana [prod]",
        "--password", PASSWORD, "--read-bucket", "my-bucket", "--read-bucket", "logs",
        "--write-bucket", "logs", "--json",
    )  # fmt: skip
    assert result.status == 0, result.stderr
    document = json.loads(result.stdout)
    org_id, buckets = emulator.org_id, emulator.buckets
    assert document["token"] == "grafana"
    assert document["description"] == "Grafana [prod]"
    assert document["status"] == "active"
    assert document["orgID"] == org_id
    assert document["permissions"] == [
        str(Permission.read_bucket(buckets["my-bucket"], org_id)),
        str(Permission.read_bucket(buckets["logs"], org_id)),
        str(Permission.write_bucket(buckets["logs"], org_id)),
    ]
    assert emulator.password_matches(document["id"], PASSWORD)
    assert PASSWORD not in result.output


def test_create_with_org_id_and_bucket_ids(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """--org-id and bucket IDs are used as they are (upper-case IDs too)."""
    logs = emulator.buckets["logs"]
    result = run_cli(
        "create", "--org-id", emulator.org_id.upper(), "--username", "telegraf",
        "--no-password", "--write-bucket", logs, "--hide-headers",
    )  # fmt: skip
    assert result.status == 0, result.stderr
    (auth,) = emulator.legacy_authorizations()
    assert auth.username == "telegraf"
    assert auth.org_id == emulator.org_id
    assert [str(p) for p in auth.permissions] == [
        str(Permission.write_bucket(logs, emulator.org_id))
    ]
    assert result.stdout.startswith(auth.id)
    # --no-password: no password call at all, and the credential cannot log in yet.
    assert emulator.requests.count("POST", "*/password") == 0


def test_bucket_named_like_an_id(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """A hex-looking value that is no bucket ID in the org is looked up as a name."""
    odd = emulator.create_bucket("00000000000000aa")
    other_org = emulator.create_org("other-org")
    foreign = emulator.create_bucket("foreign", org_id=other_org)
    result = create(
        run_cli, "--org", "my-org", "--no-password", "--write-bucket", "00000000000000aa"
    )
    assert result.status == 0, result.stderr
    assert json.loads(result.stdout)["permissions"][-1].endswith(f"/buckets/{odd}")
    # Another org's bucket ID is not a bucket of this org.
    refused = run_cli(
        "create", "--org", "my-org", "--username", "x", "--no-password", "--read-bucket", foreign
    )
    assert refused.status == 1
    assert refused.stderr == f"error: bucket {foreign!r} not found in org 'my-org'\n"


def test_org_from_the_environment(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """INFLUX_ORG or INFLUX_ORG_ID stand in for the flags; a flag beats them."""
    other_org = emulator.create_org("other-org")
    emulator.create_bucket("my-bucket", org_id=other_org)
    cases = [
        ("by-name", (), {"INFLUX_ORG": "other-org"}, other_org),
        ("by-id", (), {"INFLUX_ORG_ID": other_org}, other_org),
        ("id-first", (), {"INFLUX_ORG_ID": other_org, "INFLUX_ORG": "my-org"}, other_org),
        ("v2-name", (), {"INFLUXDB_V2_ORG": "other-org"}, other_org),
        ("flag", ("--org", "my-org"), {"INFLUX_ORG_ID": other_org}, emulator.org_id),
    ]
    for username, argv, env, org_id in cases:
        result = run_cli(
            "create", "--username", username, "--no-password", "--read-bucket", "my-bucket",
            "--json", *argv, env=env,
        )  # fmt: skip
        assert result.status == 0, (username, result.stderr)
        assert json.loads(result.stdout)["orgID"] == org_id, username


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--org", "my-org", "--org-id", "0123456789abcdef"), "use --org or --org-id, not both"),
        ((), "an org is required: use --org or --org-id"),
        (
            ("--org", "my-org", "--password", PASSWORD, "--no-password"),
            "only one of --password and --no-password may be specified",
        ),
    ],
)
def test_usage_errors(
    run_cli: RunCli, emulator: ThreadedEmulator, argv: tuple[str, ...], message: str
) -> None:
    """Conflicting or missing options: exit 2, one error line, nothing created."""
    result = create(run_cli, *argv)
    assert result.status == 2
    assert result.stderr == f"error: {message}" + result.stderr.removeprefix(f"error: {message}")
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""
    assert PASSWORD not in result.output
    assert emulator.legacy_authorizations() == []


def test_a_bucket_is_required(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """Without --read-bucket/--write-bucket: exit 2 before any request."""
    result = run_cli("create", "--org", "my-org", "--username", "u", "--no-password")
    assert result.status == 2
    assert "--read-bucket or --write-bucket" in result.stderr
    assert len(emulator.requests) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--org", "nope"), "error: organization 'nope' not found\n"),
        (
            ("--org", "my-org", "--write-bucket", "nope"),
            "error: bucket 'nope' not found in org 'my-org'\n",
        ),
        # Not "bucket not found" (issue 13): the org ID itself is unknown.
        (
            ("--org-id", "0123456789abcdef"),
            "error: organization with ID 0123456789abcdef not found\n",
        ),
    ],
)
def test_unknown_org_or_bucket(
    run_cli: RunCli, emulator: ThreadedEmulator, argv: tuple[str, ...], message: str
) -> None:
    """Unknown names: exit 1, and the password is never asked for."""
    result = create(run_cli, *argv, stdin=PASSWORD + "\n")
    assert result.status == 1
    assert result.stderr == message
    assert emulator.legacy_authorizations() == []


def test_duplicate_username(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """A taken username: exit 1 with a clear message."""
    emulator.create_legacy_authorization("grafana")
    result = create(run_cli, "--org", "my-org", "--no-password")
    assert result.status == 1
    assert result.stderr == "error: a legacy authorization with username 'grafana' already exists\n"


@pytest.mark.parametrize("line_end", ["\n", "\r\n", ""])
def test_password_from_stdin(run_cli: RunCli, emulator: ThreadedEmulator, line_end: str) -> None:
    """Off a terminal, one line of stdin is the password; only its line ending goes."""
    rest = "not read\n" if line_end else ""
    result = create(run_cli, "--org", "my-org", stdin=f" {PASSWORD} {line_end}{rest}")
    assert result.status == 0, result.stderr
    auth_id = json.loads(result.stdout)["id"]
    assert emulator.password_matches(auth_id, f" {PASSWORD} ")
    assert PASSWORD not in result.output


@pytest.mark.parametrize(
    ("argv", "stdin"),
    [(("--password", ""), None), ((), ""), ((), "\n")],
    ids=["empty-flag", "no-input", "empty-line"],
)
def test_empty_password_is_refused(
    run_cli: RunCli, emulator: ThreadedEmulator, argv: tuple[str, ...], stdin: str | None
) -> None:
    """The influx CLI bug: an empty password silently made a credential without one.
    Here it is a usage error that points at --no-password, and nothing is created."""
    result = create(run_cli, "--org", "my-org", *argv, stdin=stdin)
    assert result.status == 2
    assert "empty passwords are refused" in result.stderr
    assert "--no-password" in result.stderr
    assert emulator.legacy_authorizations() == []


@pytest.mark.parametrize("password", ["short", "x" * 73])
def test_password_policy_is_checked_before_creating(
    run_cli: RunCli, emulator: ThreadedEmulator, password: str
) -> None:
    """Too short or too long: refused locally (exit 2); no credential is left behind."""
    result = create(run_cli, "--org", "my-org", "--password", password)
    assert result.status == 2
    assert "password refused: passwords must be between 8 and 72 bytes" in result.stderr
    assert password not in result.output
    assert emulator.legacy_authorizations() == []
    assert emulator.requests.count("POST") == 0


def test_prompt_on_a_terminal(
    run_cli: RunCli, emulator: ThreadedEmulator, fake_getpass: Callable[..., list[str]]
) -> None:
    """On a terminal the password is asked for twice."""
    prompts = fake_getpass(PASSWORD, PASSWORD)
    result = create(run_cli, "--org", "my-org", tty=True)
    assert result.status == 0, result.stderr
    assert prompts == ["Please type the password: ", "Please type it again: "]
    assert emulator.password_matches(json.loads(result.stdout)["id"], PASSWORD)
    assert PASSWORD not in result.output


def test_prompt_mismatch_then_match(
    run_cli: RunCli, emulator: ThreadedEmulator, fake_getpass: Callable[..., list[str]]
) -> None:
    """Answers that differ are asked for again."""
    prompts = fake_getpass(PASSWORD, "typo-typo-1", PASSWORD, PASSWORD)
    result = create(run_cli, "--org", "my-org", tty=True)
    assert result.status == 0, result.stderr
    assert len(prompts) == 4
    assert result.stderr == "Passwords do not match\n"
    assert emulator.password_matches(json.loads(result.stdout)["id"], PASSWORD)


def test_prompt_three_mismatches(
    run_cli: RunCli, emulator: ThreadedEmulator, fake_getpass: Callable[..., list[str]]
) -> None:
    """Three mismatches: a usage error, and nothing is created."""
    fake_getpass(*[PASSWORD, "typo-typo-1"] * 3)
    result = create(run_cli, "--org", "my-org", tty=True)
    assert result.status == 2
    assert result.stderr.count("Passwords do not match\n") == 3
    assert "did not match 3 times" in result.stderr
    assert PASSWORD not in result.output
    assert emulator.legacy_authorizations() == []


@pytest.mark.parametrize("answers", [("",), ()], ids=["empty", "ctrl-d"])
def test_prompt_empty_or_eof(
    run_cli: RunCli,
    emulator: ThreadedEmulator,
    fake_getpass: Callable[..., list[str]],
    answers: tuple[str, ...],
) -> None:
    """An empty answer or Ctrl-D at the prompt is refused like an empty password."""
    fake_getpass(*answers)
    result = create(run_cli, "--org", "my-org", tty=True)
    assert result.status == 2
    assert "empty passwords are refused" in result.stderr
    assert emulator.legacy_authorizations() == []


def test_table_output(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """Without --json, the new credential is shown as a one-row table with its status."""
    result = run_cli(
        "create", "--org", "my-org", "--username", "table-user", "--no-password",
        "--read-bucket", "my-bucket",
    )  # fmt: skip
    assert result.status == 0
    header, row = result.stdout.splitlines()
    assert header.startswith("ID ")
    assert " table-user " in row
    assert " active " in row


def test_failed_password_rolls_the_credential_back(
    run_cli: RunCli, emulator: ThreadedEmulator
) -> None:
    """If setting the password fails, the new credential is deleted again, and the error
    says so: no credential without a password is left behind."""
    emulator.faults.add(Fault.bad_gateway(), method="POST", path="*/password", times=None)
    result = create(run_cli, "--org", "my-org", "--password", PASSWORD)
    assert result.status == 1
    error, *notes, note = result.stderr.splitlines()
    assert error.startswith("error: POST /private/legacy/authorizations/")
    assert "-> 502: <html> <head><title>502 Bad Gateway</title></head>" in error  # one line
    assert notes == ["note: retry: gave up after 4 attempt(s) (max_attempts)"]
    assert note.startswith("note: rolled back: legacy authorization ")
    assert note.endswith(" was deleted again")
    assert emulator.legacy_authorizations() == []
    assert PASSWORD not in result.output
