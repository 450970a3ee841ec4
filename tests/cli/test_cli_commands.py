"""list, get, delete, set-active, set-inactive and set-password."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from aioinflux_legacyauth import Permission

if TYPE_CHECKING:
    from aioinflux_legacyauth import LegacyAuthorization
    from aioinflux_legacyauth.emulator import ThreadedEmulator
    from tests.cli.conftest import RunCli

MISSING_ID = "0123456789abcdef"
OLD_PASSWORD = "old-secret-pass"
NEW_PASSWORD = "new-secret-pass"


@pytest.fixture
def three(emulator: ThreadedEmulator) -> list[LegacyAuthorization]:
    """grafana (active), telegraf (inactive), and chronograf owned by another user."""
    other_user = emulator.create_user("ops")
    return [
        emulator.create_legacy_authorization("grafana", password=OLD_PASSWORD),
        emulator.create_legacy_authorization("telegraf", active=False),
        emulator.create_legacy_authorization("chronograf", user_id=other_user),
    ]


def ids(stdout: str) -> list[str]:
    """The IDs of a ``--json`` list."""
    return [document["id"] for document in json.loads(stdout)]


# -- list -------------------------------------------------------------------------------


def test_list_filters(
    run_cli: RunCli, emulator: ThreadedEmulator, three: list[LegacyAuthorization]
) -> None:
    """Every filter narrows the result, as its name says."""
    grafana, telegraf, chronograf = three
    everything = [grafana.id, telegraf.id, chronograf.id]
    assert ids(run_cli("list", "--json").stdout) == everything
    assert ids(run_cli("list", "--json", "--id", telegraf.id).stdout) == [telegraf.id]
    assert ids(run_cli("list", "--json", "--id", telegraf.id.upper()).stdout) == [telegraf.id]
    assert ids(run_cli("list", "--json", "--username", "grafana").stdout) == [grafana.id]
    assert ids(run_cli("list", "--json", "-u", "ops").stdout) == [chronograf.id]
    assert ids(run_cli("list", "--json", "--user", "admin").stdout) == [grafana.id, telegraf.id]
    assert ids(run_cli("list", "--json", "--user-id", chronograf.user_id).stdout) == [chronograf.id]
    assert ids(run_cli("list", "--json", "--status", "inactive").stdout) == [telegraf.id]
    assert ids(run_cli("list", "--json", "--org", "my-org").stdout) == everything
    assert ids(run_cli("list", "--json", "--org-id", emulator.org_id).stdout) == everything
    assert ids(run_cli("list", "--json", "--id", MISSING_ID).stdout) == []
    assert ids(run_cli("list", "--json", "--username", "nobody").stdout) == []


def test_list_id_really_filters(
    run_cli: RunCli, emulator: ThreadedEmulator, three: list[LegacyAuthorization]
) -> None:
    """The influx CLI sent ``authID``, which the server ignores, and listed everything.
    ``list --id`` sends the key the server reads and returns the one authorization."""
    telegraf = three[1]
    result = run_cli("list", "--id", telegraf.id, "--hide-headers")
    assert result.status == 0
    (row,) = result.stdout.splitlines()
    assert row.startswith(telegraf.id)
    (request,) = emulator.requests.records("GET", "/private/legacy/authorizations")
    assert request.query == (("id", telegraf.id),)


def test_list_aliases(run_cli: RunCli, three: list[LegacyAuthorization]) -> None:
    """``ls`` and ``find`` are ``list``, as in influx."""
    expected = run_cli("list", "--json").stdout
    assert run_cli("ls", "--json").stdout == expected
    assert run_cli("find", "--json").stdout == expected


def test_list_org_from_the_environment(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """INFLUX_ORG narrows list as influx does; --org-id beats it."""
    other_org = emulator.create_org("other-org")
    bucket = emulator.create_bucket("b", org_id=other_org)
    mine = emulator.create_legacy_authorization("mine")
    theirs = emulator.create_legacy_authorization(
        "theirs", [Permission.read_bucket(bucket, other_org)], org_id=other_org
    )
    env = {"INFLUX_ORG": "other-org"}
    assert ids(run_cli("list", "--json", env=env).stdout) == [theirs.id]
    assert ids(run_cli("list", "--json", "--org-id", emulator.org_id, env=env).stdout) == [mine.id]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--org", "nope"), "error: organization 'nope' not found\n"),
        (("--user", "nobody"), "error: user 'nobody' not found\n"),
    ],
)
def test_list_unknown_names(run_cli: RunCli, argv: tuple[str, ...], message: str) -> None:
    """An unknown org or user name is an error (exit 1), not an empty list."""
    result = run_cli("list", *argv)
    assert (result.status, result.stdout, result.stderr) == (1, "", message)


def test_list_org_flags_are_exclusive(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """--org and --org-id together: exit 2."""
    result = run_cli("list", "--org", "my-org", "--org-id", emulator.org_id)
    assert result.status == 2
    assert result.stderr == "error: use --org or --org-id, not both\n"


# -- get --------------------------------------------------------------------------------


def test_get(run_cli: RunCli, three: list[LegacyAuthorization]) -> None:
    """``get --id``: one object in JSON, one row in a table; unknown: exit 1."""
    grafana = three[0]
    document = json.loads(run_cli("get", "--id", grafana.id, "--json").stdout)
    assert document["id"] == grafana.id
    assert document["token"] == "grafana"
    table = run_cli("get", "--id", grafana.id, "--hide-headers").stdout
    assert table.startswith(grafana.id)
    missing = run_cli("get", "--id", MISSING_ID)
    assert missing.status == 1
    assert missing.stderr == f"error: could not find v1 auth with ID '{MISSING_ID}'\n"


# -- delete, set-active, set-inactive -----------------------------------------------------


def test_delete_by_id_shows_the_deleted_authorization(
    run_cli: RunCli, emulator: ThreadedEmulator, three: list[LegacyAuthorization]
) -> None:
    """The table gains influx's Deleted column; JSON says ``"deleted": true``."""
    grafana, telegraf, _ = three
    result = run_cli("delete", "--id", grafana.id)
    assert result.status == 0
    header, row = result.stdout.splitlines()
    assert "Deleted" in header.split()
    assert " true " in row
    assert emulator.legacy_authorization(grafana.id) is None
    document = json.loads(run_cli("delete", "--username", "telegraf", "--json").stdout)
    assert document["id"] == telegraf.id
    assert document["deleted"] is True
    assert emulator.legacy_authorization(telegraf.id) is None


@pytest.mark.parametrize("command", ["delete", "set-active", "set-inactive", "set-password"])
def test_id_or_username_exactly_one(
    run_cli: RunCli,
    emulator: ThreadedEmulator,
    three: list[LegacyAuthorization],
    command: str,
) -> None:
    """Neither or both of --id and --username: exit 2, and no request is sent.

    For set-password this is the influx CLI bug that changed the password of whichever
    authorization the server listed first."""
    emulator.requests.clear()
    neither = (
        run_cli(command, "--password", NEW_PASSWORD)
        if command == "set-password"
        else (run_cli(command))
    )
    assert neither.status == 2
    assert neither.stderr == "error: id or username required\n"
    both = run_cli(command, "--id", three[0].id, "--username", "grafana")
    assert both.status == 2
    assert both.stderr == "error: specify id or username, not both\n"
    assert len(emulator.requests) == 0
    assert emulator.password_matches(three[0].id, OLD_PASSWORD)


@pytest.mark.parametrize("command", ["delete", "set-active", "set-inactive", "set-password"])
def test_unknown_target(run_cli: RunCli, emulator: ThreadedEmulator, command: str) -> None:
    """An ID or username that matches nothing: exit 1, influx's message."""
    by_name = run_cli(command, "--username", "nobody", "--password", NEW_PASSWORD)
    if command != "set-password":
        by_name = run_cli(command, "--username", "nobody")
    assert by_name.status == 1
    assert by_name.stderr == "error: could not find v1 auth with username 'nobody'\n"
    by_id = run_cli(command, "--id", MISSING_ID)
    assert by_id.status == 1
    assert by_id.stderr == f"error: could not find v1 auth with ID '{MISSING_ID}'\n"


def test_set_inactive_and_active(
    run_cli: RunCli, emulator: ThreadedEmulator, three: list[LegacyAuthorization]
) -> None:
    """Both print the updated authorization, whose Status shows the change."""
    grafana = three[0]
    result = run_cli("set-inactive", "--username", "grafana")
    assert result.status == 0
    header, row = result.stdout.splitlines()
    assert "Status" in header
    assert " inactive " in row
    assert not emulator.legacy_authorization(grafana.id).active  # type: ignore[union-attr]
    document = json.loads(run_cli("set-active", "--id", grafana.id, "--json").stdout)
    assert document["status"] == "active"
    assert emulator.legacy_authorization(grafana.id).active  # type: ignore[union-attr]


# -- set-password -------------------------------------------------------------------------


def test_set_password_prints_nothing(
    run_cli: RunCli, emulator: ThreadedEmulator, three: list[LegacyAuthorization]
) -> None:
    """By --id or --username, from the flag or stdin; nothing on stdout, exit 0."""
    grafana, telegraf, _ = three
    by_id = run_cli("set-password", "--id", grafana.id, "--password", NEW_PASSWORD)
    assert (by_id.status, by_id.stdout, by_id.stderr) == (0, "", "")
    assert emulator.password_matches(grafana.id, NEW_PASSWORD)
    piped = run_cli("set-password", "--username", "telegraf", stdin=NEW_PASSWORD + "\n")
    assert (piped.status, piped.stdout, piped.stderr) == (0, "", "")
    assert emulator.password_matches(telegraf.id, NEW_PASSWORD)  # inactive ones too


def test_set_password_prompts_on_a_terminal(
    run_cli: RunCli,
    emulator: ThreadedEmulator,
    three: list[LegacyAuthorization],
    fake_getpass: Callable[..., list[str]],
) -> None:
    """On a terminal it asks twice, after finding the authorization."""
    prompts = fake_getpass(NEW_PASSWORD, NEW_PASSWORD)
    result = run_cli("set-password", "--username", "grafana", tty=True)
    assert result.status == 0
    assert len(prompts) == 2
    assert emulator.password_matches(three[0].id, NEW_PASSWORD)
    fake_getpass("a", "b", "c", "d", "e", "f")
    refused = run_cli("set-password", "--username", "grafana", tty=True)
    assert refused.status == 2
    assert emulator.password_matches(three[0].id, NEW_PASSWORD)


@pytest.mark.parametrize(
    "case",
    [
        (("--password", ""), None, "empty passwords are refused"),
        ((), "", "empty passwords are refused"),
        (("--password", "short"), None, "password refused: passwords must be between 8 and 72"),
        (("--password", "é" * 37), None, "this one is 74"),
    ],
    ids=["empty-flag", "empty-stdin", "short", "long-in-bytes"],
)
def test_set_password_refusals(
    run_cli: RunCli,
    emulator: ThreadedEmulator,
    three: list[LegacyAuthorization],
    case: tuple[tuple[str, ...], str | None, str],
) -> None:
    """Empty, short and long (in UTF-8 bytes) passwords: exit 2, nothing sent."""
    argv, stdin, message = case
    result = run_cli("set-password", "--id", three[0].id, *argv, stdin=stdin)
    assert result.status == 2
    assert message in result.stderr
    assert emulator.requests.count("POST", "*/password") == 0
    assert emulator.password_matches(three[0].id, OLD_PASSWORD)


def test_no_command_prints_a_password_or_the_token(
    run_cli: RunCli, emulator: ThreadedEmulator, three: list[LegacyAuthorization]
) -> None:
    """Across every command and output form, no password and no token shows anywhere."""
    grafana = three[0]
    runs = [
        run_cli("create", "--org", "my-org", "--username", "new", "--password", NEW_PASSWORD,
                "--read-bucket", "my-bucket"),
        run_cli("create", "--org", "my-org", "--username", "new2", "--password", NEW_PASSWORD,
                "--read-bucket", "my-bucket", "--json", "--http-debug"),
        run_cli("set-password", "--id", grafana.id, "--password", NEW_PASSWORD, "--http-debug"),
        run_cli("set-password", "--id", grafana.id, "--password", "short"),
        run_cli("list"),
        run_cli("list", "--json", "--http-debug"),
        run_cli("get", "--id", grafana.id, "--json"),
        run_cli("set-inactive", "--id", grafana.id, "--http-debug"),
        run_cli("deactivate", "--all", "--json", "--http-debug"),
        run_cli("delete-many", "--all", "--yes"),
    ]  # fmt: skip
    for result in runs:
        assert NEW_PASSWORD not in result.output
        assert OLD_PASSWORD not in result.output
        assert emulator.token not in result.output
