"""Fixtures for the command-line tests: ``run_cli`` runs ``main([...])`` in this process
against the ``legacyauth_emulator`` fixture and returns the exit status and the output.

Test modules import nothing from here at run time (the suite runs with
``--import-mode=importlib``); they get these objects through the fixtures and name the
classes only in annotations.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

import attrs
import pytest

from aioinflux_legacyauth.cli import main
from aioinflux_legacyauth.emulator import ThreadedEmulator

#: Variables that would leak the developer's own InfluxDB settings into a test.
_ISOLATED_PREFIXES = ("INFLUX_", "INFLUXDB_V2_")
#: rich reads these to force colours or a width; tests need plain, wide output.
_RICH_VARIABLES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES")


@attrs.frozen
class CliResult:
    """What one command run gave back."""

    status: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout and stderr together, for checks that nothing leaked anywhere."""
        return self.stdout + self.stderr


class RunCli(Protocol):
    """The ``run_cli`` fixture's signature."""

    def __call__(
        self,
        *argv: str,
        stdin: str | None = None,
        env: Mapping[str, str | None] | None = None,
        tty: bool = False,
    ) -> CliResult: ...


class TtyInput(io.StringIO):
    """A stdin that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def cli_home(tmp_path: Path) -> Path:
    """The HOME of the commands ``run_cli`` runs: an influx CLI config file goes in
    ``cli_home / ".influxdbv2" / "configs"``, and the developer's own is never read."""
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def run_cli(
    legacyauth_emulator: ThreadedEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    cli_home: Path,
) -> RunCli:
    """Run ``main(argv)`` with INFLUX_HOST/INFLUX_TOKEN pointing at the emulator.

    ``stdin`` is what the command reads (default: nothing, as from ``< /dev/null``);
    ``tty=True`` makes that stdin claim to be a terminal. ``env`` sets variables, or
    removes them when the value is None; every other INFLUX_* and INFLUXDB_V2_* variable
    is removed, and HOME is ``cli_home``. Every run also checks that the operator token
    was never printed.
    """
    url, token = legacyauth_emulator.url, legacyauth_emulator.token

    def run(
        *argv: str,
        stdin: str | None = None,
        env: Mapping[str, str | None] | None = None,
        tty: bool = False,
    ) -> CliResult:
        with monkeypatch.context() as patch:
            for name in list(os.environ):
                if name.startswith(_ISOLATED_PREFIXES) or name in _RICH_VARIABLES:
                    patch.delenv(name)
            patch.setenv("HOME", str(cli_home))
            patch.delenv("USERPROFILE", raising=False)
            patch.setenv("INFLUX_HOST", url)
            patch.setenv("INFLUX_TOKEN", token)
            for name, value in (env or {}).items():
                if value is None:
                    patch.delenv(name, raising=False)
                else:
                    patch.setenv(name, value)
            source = TtyInput(stdin or "") if tty else io.StringIO(stdin or "")
            patch.setattr("sys.stdin", source)
            capsys.readouterr()
            status = main(list(argv))
            captured = capsys.readouterr()
        result = CliResult(status, captured.out, captured.err)
        assert token not in result.output, "the operator token was printed"
        return result

    return run


@pytest.fixture
def fake_getpass(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """Script the answers of ``getpass.getpass``; returns the list of prompts it showed.

    Call it with the answers in order; running out of answers is an EOF (Ctrl-D).
    """

    def script(*answers: str) -> list[str]:
        pending = list(answers)
        prompts: list[str] = []

        def getpass(prompt: str = "Password: ", stream: object = None) -> str:
            prompts.append(prompt)
            if not pending:
                raise EOFError
            return pending.pop(0)

        monkeypatch.setattr("getpass.getpass", getpass)
        return prompts

    return script


@pytest.fixture
def emulator(legacyauth_emulator: ThreadedEmulator) -> ThreadedEmulator:
    """The emulator ``run_cli`` talks to, under a shorter name."""
    return legacyauth_emulator
