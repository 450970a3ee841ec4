"""The command line shows the library's safe message for a URL that may hold a secret.

``list --host "$TOKEN" --token "$HOST"`` (flags swapped) and a URL whose fullwidth at sign
(U+FF20) hides a password are usage errors that say what is wrong, and never print the value.
(``run_cli`` itself checks that the operator token is printed nowhere.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aioinflux_legacyauth.emulator import ThreadedEmulator
    from tests.cli.conftest import RunCli


def test_swapped_host_and_token_do_not_print_the_token(
    run_cli: RunCli, emulator: ThreadedEmulator
) -> None:
    result = run_cli("list", "--host", emulator.token, "--token", emulator.url)
    assert result.status == 2
    assert result.stderr.startswith("error: url must be an http:// or https:// URL")
    assert "has no scheme" in result.stderr


def test_a_password_behind_a_fullwidth_at_is_not_printed(run_cli: RunCli) -> None:
    result = run_cli("list", "--host", "http://admin:hunter2-Secret\uff20localhost:8086")
    assert result.status == 2
    assert "cannot be parsed as a URL" in result.stderr
    assert "hunter2" not in result.output


def test_a_token_in_a_flag_variable_is_not_printed(
    run_cli: RunCli, emulator: ThreadedEmulator
) -> None:
    result = run_cli("list", env={"INFLUX_SKIP_VERIFY": emulator.token})
    assert result.status == 2
    assert "INFLUX_SKIP_VERIFY must be true or false" in result.stderr
