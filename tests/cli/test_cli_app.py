"""The command line as a whole: entry points, help, the missing extra, exit statuses."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from aioinflux_legacyauth import LegacyAuthClient
from aioinflux_legacyauth.cli import main

if TYPE_CHECKING:
    from aioinflux_legacyauth.emulator import ThreadedEmulator
    from tests.cli.conftest import RunCli

COMMANDS = (
    "create",
    "list",
    "get",
    "delete",
    "set-active",
    "set-inactive",
    "set-password",
    "activate",
    "deactivate",
    "delete-many",
)


def test_python_dash_m_prints_help() -> None:
    """``python -m aioinflux_legacyauth --help`` works and names every command."""
    done = subprocess.run(
        [sys.executable, "-m", "aioinflux_legacyauth", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: aioinflux-legacyauth")
    for command in COMMANDS:
        assert command in done.stdout


def _console_script() -> list[str]:
    """The command pip installs for the console script, or what that wrapper runs."""
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    target = project["project"]["scripts"]["aioinflux-legacyauth"]
    assert target == "aioinflux_legacyauth.cli:main"
    script = Path(sys.executable).with_name("aioinflux-legacyauth")
    if script.exists():
        return [str(script)]
    # Not installed yet (an editable install made before the script was declared):
    # run exactly what the generated wrapper runs.
    module, _, function = target.partition(":")
    return [
        sys.executable,
        "-c",
        f"import sys; from {module} import {function}; sys.exit({function}())",
    ]


def test_console_script_runs(emulator: ThreadedEmulator) -> None:
    """The ``aioinflux-legacyauth`` console script runs a command against a server."""
    emulator.create_legacy_authorization("script-user")
    env = {"INFLUX_HOST": emulator.url, "INFLUX_TOKEN": emulator.token, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [*_console_script(), "list", "--hide-headers"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "script-user" in done.stdout
    assert emulator.token not in done.stdout + done.stderr


def test_missing_extra_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without rich, main() says which extra to install instead of failing on an import."""
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: object, **kwargs: object) -> object:
        return None if name == "rich" else real_find_spec(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert main(["list"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "aioinflux-legacyauth: the command line needs the 'cli' extra: "
        "pip install 'aioinflux-legacyauth[cli]'\n"
    )


def test_library_does_not_import_rich() -> None:
    """Importing the library (client, emulator) never imports rich."""
    code = (
        "import sys, aioinflux_legacyauth, aioinflux_legacyauth.emulator; "
        "print('rich' in sys.modules)"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"


def test_help_and_version(run_cli: RunCli) -> None:
    """--help and --version exit 0; every command has its own help."""
    assert run_cli("--help").status == 0
    version = run_cli("--version")
    assert version.status == 0
    assert version.stdout.startswith("aioinflux-legacyauth ")
    for command in COMMANDS:
        shown = run_cli(command, "--help")
        assert shown.status == 0, command
        assert "--host" in shown.stdout
        assert "--token" in shown.stdout


@pytest.mark.parametrize(
    "argv",
    [
        (),
        ("no-such-command",),
        ("list", "positional"),
        ("list", "--no-such-flag"),
        # ("get",) is no argparse error since get takes --id or --username (issue 13):
        # it says "id or username required", as delete does.
        ("get", "--id"),
        ("get", "--id", "not-an-id"),
        ("create", "--org", "my-org", "--read-bucket", "b"),
        ("set-password", "--id", "0123456789abcdef", "--json"),
        ("set-password", "--id", "0123456789abcdef", "--hide-headers"),
        ("deactivate", "--all", "--hide-headers"),
        ("activate", "--all", "--yes"),
        ("deactivate", "--status", "paused"),
    ],
)
def test_argparse_errors_exit_2(run_cli: RunCli, argv: tuple[str, ...]) -> None:
    """Anything argparse refuses is a usage error: exit 2, usage on stderr, no stdout."""
    result = run_cli(*argv)
    assert result.status == 2
    assert result.stdout == ""
    assert "usage: aioinflux-legacyauth" in result.stderr


def test_server_error_exits_1_with_one_line(run_cli: RunCli) -> None:
    """A token the server refuses: exit 1 and one ``error:`` line, never the token."""
    result = run_cli("list", "--token", "not-a-valid-token")
    assert result.status == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    assert "unauthorized" in result.stderr
    assert "not-a-valid-token" not in result.stderr


def test_network_error_exits_1(run_cli: RunCli) -> None:
    """Nothing listening: a connection error, exit 1."""
    result = run_cli("list", "--host", "http://127.0.0.1:9")
    assert result.status == 1
    assert result.stderr.startswith("error: GET /private/legacy/authorizations: could not connect")


def test_keyboard_interrupt_exits_130(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C during a command: exit 130 and a short note, no traceback."""

    async def interrupted(self: LegacyAuthClient, **filters: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(LegacyAuthClient, "list", interrupted)
    result = run_cli("list")
    assert result.status == 130
    assert result.stderr == "error: interrupted\n"


@pytest.mark.parametrize(
    "argv",
    [
        ("list", "--password", "pw-never-shown"),
        ("get", "--password=pw-never-shown"),
        ("list", "-tpw-never-shown", "extra"),
        ("list", "--token=pw-never-shown", "extra"),
        ("set-active", "--token", "pw-never-shown", "--bogus"),
        ("delete-many", "--all", "-t", "pw-never-shown", "surplus"),
        # A mistyped option name, or a password on its own: argparse cannot tell.
        ("set-password", "--id", "0123456789abcdef", "--pasword", "pw-never-shown"),
        ("set-password", "--id", "0123456789abcdef", "--pw", "pw-never-shown"),
        ("set-password", "--id", "0123456789abcdef", "pw-never-shown"),
        ("list", "--host", "http://admin:pw-never-shown@"),
        ("list", "--host", "ftp://admin:pw-never-shown@example.com"),
    ],
)
def test_usage_errors_never_echo_secrets(run_cli: RunCli, argv: tuple[str, ...]) -> None:
    """argparse repeats arguments it cannot place; a password or token is redacted there."""
    result = run_cli(*argv)
    assert result.status == 2
    assert "pw-never-shown" not in result.output


def test_options_cannot_be_abbreviated(run_cli: RunCli) -> None:
    """As in influx, ``--pass`` is not ``--password`` (and never echoes its value)."""
    result = run_cli("set-password", "--username", "u", "--pass", "pw-never-shown")
    assert result.status == 2
    assert "unrecognized arguments: --pass [redacted]" in result.stderr
    assert "pw-never-shown" not in result.output
    typo = run_cli("create", "--username", "u", "--passwd=pw-never-shown", "--no-password")
    assert typo.status == 2
    assert "pw-never-shown" not in typo.output
