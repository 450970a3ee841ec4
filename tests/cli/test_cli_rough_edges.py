"""Issue 13's small rough edges, each as a new operator meets it, plus items 8 (shell
completion, ``--verbose``)."""

from __future__ import annotations

import json
import re
import shutil
import ssl
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey

from aioinflux_legacyauth import TransportError
from aioinflux_legacyauth.cli._app import build_parser
from aioinflux_legacyauth.cli._messages import describe_error, describe_os_error
from aioinflux_legacyauth.emulator import Fault

if TYPE_CHECKING:
    from aioinflux_legacyauth.emulator import ThreadedEmulator
    from tests.cli.conftest import RunCli

PASSWORD = "rough-edge-pass-1"


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "aioinflux_legacyauth", "demo", "--port", "99999"],
        [sys.executable, "-m", "aioinflux_legacyauth.emulator", "--port", "99999"],
    ],
    ids=["demo", "emulator"],
)
def test_a_port_out_of_range_is_a_usage_error(command: list[str]) -> None:
    """Not an OverflowError traceback: exit 2 and what the port must be."""
    done = subprocess.run(  # noqa: S603 - our own modules, fixed arguments
        command, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "argument --port:" in done.stderr
    assert "65535" in done.stderr


def test_a_newline_in_the_token_is_a_usage_error(run_cli: RunCli) -> None:
    """A token read from a file with its newline: one line naming the variable, exit 2."""
    for argv, env, where in (
        ((), {"INFLUX_TOKEN": "secret-part\nrest"}, "token from INFLUX_TOKEN"),
        (("--token", "secret-part\r\nrest"), {}, "the --token value"),
    ):
        result = run_cli("list", *argv, env=env)
        assert result.status == 2
        assert result.stderr.startswith("error: ")
        assert result.stderr.count("\n") == 1
        assert where in result.stderr
        assert "secret-part" not in result.output


def test_rotating_inactive_credentials_says_they_were_not_verified(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    """``2 ok`` alone hid that nothing was logged in with: the summary says how many and why."""
    for name in ("old-1", "old-2"):
        emulator.create_legacy_authorization(name, password=PASSWORD, active=False)
    emulator.create_legacy_authorization("live", password=PASSWORD)
    argv = ("--journal", str(tmp_path / "j"), "--output", str(tmp_path / "o.json"))
    result = run_cli("rotate", "--all", *argv)
    assert result.status == 0, result.stderr
    assert "rotate: 3 ok" in result.stdout
    assert (
        "2 of the 3 rotated were not verified by logging in: they are inactive, and an "
        "inactive credential cannot log in"
    ) in result.stdout
    emulator.requests.clear()
    unchecked = run_cli(
        "rotate", "--username", "live", "--no-login-check",
        "--journal", str(tmp_path / "k"), "--output", str(tmp_path / "p.json"),
    )  # fmt: skip
    assert unchecked.status == 0
    assert "1 of the 1 rotated were not verified: --no-login-check" in unchecked.stdout
    assert emulator.requests.count(path="/query") == 0


def test_no_login_check_replaces_no_verify_which_stays_hidden(run_cli: RunCli) -> None:
    """--no-verify (a login check) no longer sits next to --skip-verify (TLS) in --help."""
    shown = run_cli("rotate", "--help").stdout
    assert "--no-login-check" in shown
    assert "--no-verify" not in shown
    args = build_parser().parse_args(["rotate", "--all", "--journal", "j", "--output", "o"])
    assert args.verify is True
    old = build_parser().parse_args(
        ["rotate", "--all", "--journal", "j", "--output", "o", "--no-verify"]
    )
    assert old.verify is False


def test_deactivating_an_inactive_credential_is_already_done(
    run_cli: RunCli, emulator: ThreadedEmulator
) -> None:
    emulator.create_legacy_authorization("sleeping", active=False)
    result = run_cli("deactivate", "--username", "sleeping", "--json")
    assert result.status == 0
    (item,) = json.loads(result.stdout)["items"]
    assert (item["outcome"], item["message"]) == ("already_done", "already inactive")
    assert run_cli("activate", "--username", "sleeping").stdout == "activate: 1 ok\n"


def test_delete_many_missing_ok_makes_a_rerun_succeed(
    run_cli: RunCli, emulator: ThreadedEmulator
) -> None:
    auth = emulator.create_legacy_authorization("gone-soon")
    argv = ("delete-many", "--username", "gone-soon", "--id", auth.id)
    assert run_cli(*argv).status == 0
    rerun = run_cli(*argv)
    assert rerun.status == 1
    assert "2 not_found" in rerun.stdout
    forgiving = run_cli(*argv, "--missing-ok", "--json")
    assert forgiving.status == 0
    assert json.loads(forgiving.stdout)["counts"]["already_done"] == 2


def test_an_option_given_twice_is_refused(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """``list --username a --username b`` silently kept b; now it says so (exit 2)."""
    emulator.create_legacy_authorization("b")
    result = run_cli("list", "--username", "a", "--username", "b")
    assert result.status == 2
    assert result.stdout == ""
    assert "argument --username: given more than once; it takes one value" in result.stderr
    assert run_cli("deactivate", "--username", "a", "--username", "b").status == 1  # repeatable


def test_usage_errors_show_harmless_values(run_cli: RunCli) -> None:
    """An option the command line knows keeps its value in the message; a mistyped one
    (it may be a password's) and a bare value do not."""
    known = run_cli("get", "--org", "my-org")
    assert known.status == 2
    assert "unrecognized arguments: --org my-org" in known.stderr
    typo = run_cli("get", "--id", "0123456789abcdef", "--pasword", "pw-never-shown", "extra")
    assert "unrecognized arguments: --pasword [redacted] [redacted]" in typo.stderr
    assert "pw-never-shown" not in typo.output


def test_os_errors_are_plain_words() -> None:
    """No exception class, no temporary file's name."""
    error = FileNotFoundError(2, "No such file or directory", "/srv/out/.new.env.aiouctu3.tmp")
    assert describe_os_error(error) == "/srv/out: no such file or directory"
    assert describe_os_error(PermissionError(13, "Permission denied", "/x/journal")) == (
        "/x/journal: permission denied"
    )


def test_rotate_into_a_missing_folder_is_a_plain_usage_error(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    emulator.create_legacy_authorization("grafana")
    output = tmp_path / "missing" / "x.env"
    result = run_cli("rotate", "--all", "--journal", str(tmp_path / "j"), "--output", str(output))
    assert result.status == 2
    assert result.stderr == (
        f"error: the folder of --output {output} does not exist: {output.parent}\n"
    )
    assert not (tmp_path / "j").exists()


def test_https_to_a_plain_http_server_says_it_may_not_speak_tls(
    run_cli: RunCli, emulator: ThreadedEmulator
) -> None:
    tls_url = emulator.url.replace("http://", "https://")
    result = run_cli("list", "--host", tls_url)
    assert result.status == 1
    assert result.stderr.startswith("error: GET /private/legacy/authorizations: could not connect")
    assert "the server may not speak TLS; for a plain HTTP server use an http:// URL" in (
        result.stderr
    )
    assert "ClientConnector" not in result.stderr  # no class names


def test_a_refused_token_hints_where_it_came_from(run_cli: RunCli) -> None:
    for argv, env, source in (
        (("--token", "nope"), {}, "the API token from --token was refused"),
        ((), {"INFLUX_TOKEN": "nope"}, "the API token from INFLUX_TOKEN was refused"),
    ):
        result = run_cli("list", *argv, env=env)
        assert result.status == 1
        assert source in result.stderr
        assert "check --token, INFLUX_TOKEN or the influx CLI config in use" in result.stderr
        assert result.stderr.count("\n") == 1


def test_a_refused_connection_names_host_and_port(run_cli: RunCli) -> None:
    result = run_cli("list", "--host", "http://127.0.0.1:9")
    assert result.stderr.startswith(
        "error: GET /private/legacy/authorizations: could not connect to 127.0.0.1:9: "
        "connection refused"
    )


def test_deactivate_all_asks_on_a_terminal(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """A filtered mass change asks first, with the count and a few names; --yes, a
    dry run, explicit names and a pipe do not ask."""
    for n in range(5):
        emulator.create_legacy_authorization(f"svc-{n}")
    refused = run_cli("deactivate", "--all", stdin="n\n", tty=True)
    assert refused.status == 1
    assert refused.stderr.startswith(
        "Deactivate 5 legacy authorizations (svc-0, svc-1, svc-2 and 2 more)? [y/N] "
    )
    assert refused.stderr.endswith("error: aborted: nothing was changed\n")
    assert {str(auth.status) for auth in emulator.legacy_authorizations()} == {"active"}
    assert run_cli("deactivate", "--username", "svc-0", tty=True).stderr == ""
    assert run_cli("deactivate", "--status", "active", "--dry-run", tty=True).stderr == ""
    accepted = run_cli("deactivate", "--org", "my-org", stdin="y\n", tty=True)
    assert accepted.stdout == "deactivate: 4 ok, 1 already_done\n"
    assert run_cli("activate", "--all", "--yes", tty=True).status == 2  # activate never asks


def test_get_takes_an_id_or_a_username(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    auth = emulator.create_legacy_authorization("findme")
    by_name = json.loads(run_cli("get", "--username", "findme", "--json").stdout)
    assert by_name["id"] == auth.id
    assert run_cli("get").stderr == "error: id or username required\n"


def test_every_help_starts_with_a_sentence(run_cli: RunCli) -> None:
    """Each command's --help opens with a capitalised sentence; the one-liners in the
    command list are lower case, as argparse's own."""
    listing = run_cli("--help").stdout
    for action in build_parser()._subparsers._group_actions:  # type: ignore[union-attr]
        for name, sub in action.choices.items():  # type: ignore[union-attr]
            assert sub.description[0].isupper(), name
            assert sub.description.rstrip().endswith("."), name
    for line in listing.splitlines():
        words = line.split(maxsplit=1)
        if len(words) == 2 and words[0] in ("create", "get", "delete", "rotate", "completion"):
            assert words[1][0].islower(), line


def test_verbose_logs_the_library_never_a_secret(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    """--verbose shows each request (method, path, status) and each retry on stderr;
    no password and no token, through create, set-password, rotate and a retry."""
    created = run_cli(
        "create", "--org", "my-org", "--username", "loud", "--read-bucket", "my-bucket",
        "--password", PASSWORD, "--verbose",
    )  # fmt: skip
    assert created.status == 0, created.stderr
    assert "debug: POST /private/legacy/authorizations -> 201 in " in created.stderr
    auth_id = emulator.legacy_authorizations()[0].id
    emulator.faults.add(Fault.unavailable(retry_after=None))
    changed = run_cli("set-password", "--id", auth_id, "--password", PASSWORD + "x", "-v")
    assert changed.status == 0, changed.stderr
    assert "debug: retrying GET /private/legacy/authorizations/" in changed.stderr
    rotated = run_cli(
        "rotate", "--all", "--journal", str(tmp_path / "j"), "--output", str(tmp_path / "o.json"),
        "--verbose",
    )  # fmt: skip
    assert rotated.status == 0, rotated.stderr
    (row,) = json.loads((tmp_path / "o.json").read_text())
    for result in (created, changed, rotated):
        assert PASSWORD not in result.output
        assert row["password"] not in result.output
        assert emulator.token not in result.output
    quiet = run_cli("list")
    assert "debug:" not in quiet.stderr


def test_bash_completion_completes_commands_and_options(run_cli: RunCli, tmp_path: Path) -> None:
    """The bash script, sourced in a real bash, completes commands, options and choices."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    result = run_cli("completion", "bash")
    assert result.status == 0
    script = tmp_path / "completion.bash"
    script.write_text(result.stdout)

    def complete(*words: str) -> set[str]:
        line = " ".join(("aioinflux-legacyauth", *words))
        code = (
            f"source {script}\n"
            f"COMP_WORDS=({line}); COMP_CWORD={len(words)}; COMP_LINE='{line}'; "
            f"COMP_POINT={len(line)}\n"
            "complete -p aioinflux-legacyauth | grep -o -- '-F [^ ]*' | cut -c4- > /dev/null\n"
            'fn=$(complete -p aioinflux-legacyauth | sed -e "s/.*-F \\([^ ]*\\).*/\\1/")\n'
            '"$fn" aioinflux-legacyauth "${COMP_WORDS[COMP_CWORD]}" '
            '"${COMP_WORDS[COMP_CWORD-1]}"\n'
            'printf "%s\\n" "${COMPREPLY[@]}"\n'
        )
        done = subprocess.run(  # noqa: S603 - bash, with our own script
            [bash, "--norc", "--noprofile", "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return {word.strip() for word in done.stdout.split()}

    assert {"deactivate", "delete", "delete-many"} <= complete("de")
    assert "--missing-ok" in complete("delete-many", "--mis")
    assert {"--active-config", "--all"} <= complete("rotate", "--a")
    assert complete("list", "--status", "ina") == {"inactive"}


def test_zsh_completion_script(run_cli: RunCli, tmp_path: Path) -> None:
    """The zsh script is a #compdef function; zsh, when installed, parses it."""
    result = run_cli("completion", "zsh")
    assert result.status == 0
    assert result.stdout.startswith("#compdef aioinflux-legacyauth")
    assert "--active-config" in result.stdout
    assert "delete-many" in result.stdout
    zsh = shutil.which("zsh")
    if zsh is not None:
        script = tmp_path / "_aioinflux-legacyauth"
        script.write_text(result.stdout)
        done = subprocess.run(  # noqa: S603 - zsh, checking our own script
            [zsh, "-n", str(script)], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr


def test_an_output_that_cannot_be_written_is_said_in_plain_words(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    """The sink's failure, without ``IsADirectoryError:`` or a temporary file's name."""
    emulator.create_legacy_authorization("grafana", password=PASSWORD)
    folder = tmp_path / "a-folder.json"
    folder.mkdir()
    result = run_cli("rotate", "--all", "--journal", str(tmp_path / "j"), "--output", str(folder))
    assert result.status == 1
    assert result.stderr.startswith("error: ")
    assert "Error" not in result.stderr
    assert ".tmp" not in result.stderr
    assert str(folder) in result.stderr
    assert "no password was changed" in result.stderr
    assert emulator.password_matches(emulator.legacy_authorizations()[0].id, PASSWORD)


def test_the_readme_and_pyproject_cite_only_files_in_the_repository() -> None:
    """The README once cited the project's spec and DESIGN.md, which are not shipped."""
    root = Path(__file__).parents[2]
    for name in ("README.md", "pyproject.toml"):
        text = (root / name).read_text()
        for cited in re.findall(r"[\w./-]+\.(?:md|py|toml)\b", text):
            if cited.startswith(("http", "_aioinflux")) or (
                "/" not in cited and cited.endswith(".py")
            ):
                continue
            assert (root / cited).exists(), f"{name} cites {cited}"
        assert "DESIGN.md" not in text
        assert "project's spec" not in text


def _failure(cause: BaseException) -> TransportError:
    error = TransportError(
        f"could not connect: {type(cause).__name__}: {cause}",
        method="GET",
        path="/private/legacy/authorizations",
        maybe_sent=False,
    )
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("cause", "expected"),
    [
        (
            aiohttp.ClientConnectorCertificateError(
                ConnectionKey("influx.example", 443, True, True, None, None, None),
                ssl.SSLCertVerificationError(1, "certificate verify failed"),
            ),
            "could not connect to influx.example:443: its TLS certificate is not trusted "
            "(certificate verify failed); --skip-verify turns the check off",
        ),
        (
            getattr(aiohttp, "ClientConnectorDNSError", aiohttp.ClientConnectorError)(
                ConnectionKey("no-such-host", 8086, False, True, None, None, None),
                OSError(-2, "Name or service not known"),
            ),
            # aiohttp before 3.11 has no DNS error of its own: the errno's words then.
            "could not connect: no host is known by the name no-such-host"
            if hasattr(aiohttp, "ClientConnectorDNSError")
            else "could not connect to no-such-host:8086: unknown error -2",
        ),
        (
            aiohttp.ServerDisconnectedError(),
            "the server closed the connection without an answer",
        ),
        (aiohttp.ClientPayloadError("odd"), "could not connect: odd"),
    ],
    ids=["certificate", "dns", "disconnected", "other"],
)
def test_transport_failures_in_plain_words(cause: BaseException, expected: str) -> None:
    """What went wrong and where, never an exception class name."""
    assert describe_error(_failure(cause)) == f"GET /private/legacy/authorizations: {expected}"
