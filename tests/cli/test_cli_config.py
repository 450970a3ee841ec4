"""The influx CLI's config file: ``~/.influxdbv2/configs``, ``-c``, ``--configs-path``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from aioinflux_legacyauth import Permission

if TYPE_CHECKING:
    from aioinflux_legacyauth.emulator import ThreadedEmulator
    from tests.cli.conftest import RunCli

#: As if the operator had only run ``influx setup``: nothing in the environment.
NO_ENV: dict[str, str | None] = {"INFLUX_HOST": None, "INFLUX_TOKEN": None}
PASSWORD = "config-user-pass-1"


def configs_text(**configs: dict[str, object]) -> str:
    """The TOML ``influx config create`` writes: one table per config."""
    lines = []
    for name, values in configs.items():
        lines.append(f"[{name}]")
        for key, value in values.items():
            shown = str(value).lower() if isinstance(value, bool) else json.dumps(value)
            lines.append(f"  {key} = {shown}")
        lines.append("")
    # influx writes commented-out cloud examples after the configs.
    lines += ["# [us-west]", '#   url = "https://us-west-2-1.aws.cloud2.influxdata.com"']
    return "\n".join(lines) + "\n"


def write_configs(path: Path, **configs: dict[str, object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(configs_text(**configs))
    path.chmod(0o600)
    return path


@pytest.fixture
def default_file(cli_home: Path) -> Path:
    return cli_home / ".influxdbv2" / "configs"


def test_only_the_config_file_runs_every_command(
    run_cli: RunCli, emulator: ThreadedEmulator, default_file: Path, tmp_path: Path
) -> None:
    """An operator with nothing but ~/.influxdbv2/configs (``influx setup``) runs every
    command: the active config gives the URL, the token and, for create, the org."""
    write_configs(
        default_file,
        default={"url": emulator.url, "token": emulator.token, "org": "my-org", "active": True},
    )
    created = run_cli(
        "create", "--username", "from-config", "--read-bucket", "my-bucket",
        "--password", PASSWORD, "--json", env=NO_ENV,
    )  # fmt: skip
    assert created.status == 0, created.stderr
    auth_id = json.loads(created.stdout)["id"]
    assert emulator.password_matches(auth_id, PASSWORD)
    runs = [
        ("list", "--json"),
        ("get", "--id", auth_id),
        ("set-inactive", "--username", "from-config"),
        ("set-active", "--id", auth_id),
        ("set-password", "--id", auth_id, "--password", PASSWORD + "2"),
        ("deactivate", "--all", "--yes"),
        ("activate", "--all"),
        ("rotate", "--all", "--journal", str(tmp_path / "j"), "--output", str(tmp_path / "o.json")),
        ("delete-many", "--username", "from-config", "--dry-run"),
        ("delete", "--id", auth_id),
    ]
    for argv in runs:
        result = run_cli(*argv, env=NO_ENV)
        assert result.status == 0, (argv, result.stderr)
    assert emulator.legacy_authorizations() == []


def test_named_config_by_flag_or_variable(
    run_cli: RunCli, emulator: ThreadedEmulator, default_file: Path
) -> None:
    """-c NAME, --active-config NAME and INFLUX_ACTIVE_CONFIG pick another config than
    the active one, for this command only (the file is not rewritten, unlike influx)."""
    emulator.create_legacy_authorization("named")
    write_configs(
        default_file,
        stale={"url": emulator.url, "token": "revoked-token", "active": True},
        current={"url": emulator.url, "token": emulator.token},
    )
    before = default_file.read_text()
    assert run_cli("list", env=NO_ENV).status == 1  # the active config's token is refused
    for argv, env in (
        (("-c", "current"), NO_ENV),
        (("--active-config", "current"), NO_ENV),
        ((), {**NO_ENV, "INFLUX_ACTIVE_CONFIG": "current"}),
    ):
        result = run_cli("list", "--hide-headers", *argv, env=env)
        assert result.status == 0, (argv, result.stderr)
        assert " named " in result.stdout
    # The flag wins over the variable.
    flagged = run_cli("list", "-c", "stale", env={**NO_ENV, "INFLUX_ACTIVE_CONFIG": "current"})
    assert flagged.status == 1
    assert default_file.read_text() == before


def test_configs_path_flag_and_variable(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    """--configs-path and INFLUX_CONFIGS_PATH name another file (the docker image's)."""
    emulator.create_legacy_authorization("elsewhere")
    other = write_configs(
        tmp_path / "etc" / "influx-configs",
        default={"url": emulator.url, "token": emulator.token, "active": True},
    )
    by_flag = run_cli("list", "--hide-headers", "--configs-path", str(other), env=NO_ENV)
    assert by_flag.status == 0, by_flag.stderr
    assert " elsewhere " in by_flag.stdout
    by_variable = run_cli("list", "--json", env={**NO_ENV, "INFLUX_CONFIGS_PATH": str(other)})
    assert [auth["token"] for auth in json.loads(by_variable.stdout)] == ["elsewhere"]


def test_flags_then_variables_then_the_config(
    run_cli: RunCli, emulator: ThreadedEmulator, default_file: Path
) -> None:
    """As in influx: --host/--token beat INFLUX_HOST/INFLUX_TOKEN, which beat the config,
    setting by setting."""
    emulator.create_legacy_authorization("precedence")
    write_configs(
        default_file, default={"url": "http://127.0.0.1:9", "token": "config-token", "active": True}
    )
    # URL from the variable, token from the config: refused, and the hint says whose.
    refused = run_cli("list", env={"INFLUX_TOKEN": None})
    assert refused.status == 1
    assert "unauthorized" in refused.stderr
    assert f"the API token from config 'default' in {default_file}" in refused.stderr
    assert "config-token" not in refused.output
    # URL from the config (nothing listens there), token from the variable.
    assert run_cli("list", env={"INFLUX_HOST": None}).status == 1
    # Both from the variables.
    assert run_cli("list").status == 0
    # Flags beat the variables.
    flags = run_cli(
        "list", "--host", emulator.url, "--token", emulator.token,
        env={"INFLUX_HOST": "http://127.0.0.1:9", "INFLUX_TOKEN": "wrong"},
    )  # fmt: skip
    assert flags.status == 0, flags.stderr


def test_list_is_not_narrowed_by_the_config_org(
    run_cli: RunCli, emulator: ThreadedEmulator, default_file: Path
) -> None:
    """As in influx, the config's org is the default org of create, not a list filter."""
    other = emulator.create_org("other-org")
    bucket = emulator.create_bucket("theirs", org_id=other)
    emulator.create_legacy_authorization("mine")
    emulator.create_legacy_authorization(
        "theirs", [Permission.read_bucket(bucket, other)], org_id=other
    )
    write_configs(
        default_file,
        default={"url": emulator.url, "token": emulator.token, "org": "other-org", "active": True},
    )
    listed = run_cli("list", "--json", env=NO_ENV)
    assert sorted(auth["token"] for auth in json.loads(listed.stdout)) == ["mine", "theirs"]
    created = run_cli(
        "create", "--username", "new", "--read-bucket", "theirs", "--no-password", "--json",
        env=NO_ENV,
    )  # fmt: skip
    assert created.status == 0, created.stderr
    assert json.loads(created.stdout)["orgID"] == other


@pytest.mark.parametrize(
    "case",
    [
        (("--configs-path", "{tmp}/nowhere"), {}, None, "config file {tmp}/nowhere does not exist"),
        ((), {"INFLUX_CONFIGS_PATH": "{tmp}/nowhere"}, None, "{tmp}/nowhere does not exist"),
        (("-c", "prod"), {}, None, "influx CLI config 'prod' not found: {default} does not exist"),
        (("-c", "prod"), {}, "[a]\ntoken = 'SECRET-1'\n", "'prod' not found in {default}"),
        ((), {}, "[a]\ntoken = 'SECRET-1\n", "{default} is not valid TOML (at "),
        ((), {}, "token = 'SECRET-1'\n", "{default}: 'token' is not a config table"),
        ((), {}, "[a]\nactive = true\n[b]\nactive = true\n", "marks more than one config active"),
    ],
    ids=[
        "missing-flag-file",
        "missing-variable-file",
        "named-without-file",
        "unknown-name",
        "broken-toml",
        "not-a-table",
        "two-active",
    ],
)
def test_bad_config_files_are_one_line_usage_errors(
    run_cli: RunCli,
    default_file: Path,
    tmp_path: Path,
    case: tuple[tuple[str, ...], dict[str, str], str | None, str],
) -> None:
    """A missing file named explicitly, a malformed one, an unknown config: exit 2 with
    one line naming the file, never its content."""
    argv, env, file_text, message = case
    if file_text is not None:
        default_file.parent.mkdir(parents=True)
        default_file.write_text(file_text)

    def fill(text: str) -> str:
        return text.format(tmp=tmp_path, default=default_file)

    result = run_cli(
        "list", *map(fill, argv), env={**NO_ENV, **{k: fill(v) for k, v in env.items()}}
    )
    assert result.status == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    assert fill(message) in result.stderr
    assert "SECRET-1" not in result.output


def test_a_config_without_a_token(run_cli: RunCli, default_file: Path) -> None:
    """Nothing gives a token: the usage error says where one can come from."""
    write_configs(default_file, web={"url": "http://x:8086", "cookie": "session", "active": True})
    result = run_cli("list", env=NO_ENV)
    assert result.status == 2
    assert "no API token: pass --token, set INFLUX_TOKEN" in result.stderr
    assert f"config 'web' in {default_file} has none" in result.stderr
