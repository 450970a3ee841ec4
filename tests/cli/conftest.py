"""Fixtures for the command-line tests: ``run_cli`` runs ``main([...])`` in this process
against the ``legacyauth_emulator`` fixture and returns the exit status and the output.

Test modules import nothing from here at run time (the suite runs with
``--import-mode=importlib``); they get these objects through the fixtures and name the
classes only in annotations.
"""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
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


@pytest.fixture
def cli_env(legacyauth_emulator: ThreadedEmulator, cli_home: Path) -> dict[str, str]:
    """The environment of a command run as a subprocess against the emulator: ours, less
    every INFLUX_*/INFLUXDB_V2_* variable and COLUMNS, with HOME ``cli_home``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_ISOLATED_PREFIXES) and name not in _RICH_VARIABLES
    }
    return {
        **env,
        "HOME": str(cli_home),
        "INFLUX_HOST": legacyauth_emulator.url,
        "INFLUX_TOKEN": legacyauth_emulator.token,
    }


#: Give the command the pty as its controlling terminal (getpass reads /dev/tty; Ctrl-C
#: typed there is a SIGINT to it), then run the command line.
_IN_PTY = (
    "import fcntl, os, sys, termios\n"
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0)\n"
    "os.execv(sys.executable, [sys.executable, '-m', 'aioinflux_legacyauth', *sys.argv[1:]])\n"
)
#: How long a command in a pty may take to show a prompt or to end.
PTY_PATIENCE = 60.0


class PtyCli(Protocol):
    """The ``pty_cli`` fixture's signature."""

    def __call__(
        self,
        argv: Sequence[str],
        steps: Sequence[tuple[bytes, bytes]] = (),
        *,
        env: Mapping[str, str] | None = None,
    ) -> tuple[int, str]: ...


@pytest.fixture
def pty_cli(cli_env: dict[str, str]) -> PtyCli:
    """Run a command in a pseudo-terminal (stdin, stdout and stderr are the terminal).

    For each ``(prompt, keys)`` of ``steps`` it types the keys once the prompt shows
    (``b"\\x03"`` is Ctrl-C). Returns the exit status and all the terminal showed.
    ``env`` adds variables (``COLUMNS``) to ``cli_env``.
    """

    def run(
        argv: Sequence[str],
        steps: Sequence[tuple[bytes, bytes]] = (),
        *,
        env: Mapping[str, str] | None = None,
    ) -> tuple[int, str]:
        master, slave = os.openpty()
        process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-c", _IN_PTY, *argv],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**cli_env, **(env or {})},
            start_new_session=True,
        )
        os.close(slave)
        shown = bytearray()

        def read(wait: float) -> bool:
            """Read what is there; False once the terminal is closed."""
            if not select.select([master], [], [], wait)[0]:
                return True
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the command ended and closed the terminal
                return False
            shown.extend(chunk)
            return bool(chunk)

        try:
            for prompt, keys in steps:
                deadline = time.monotonic() + PTY_PATIENCE
                while prompt not in shown and read(0.05):
                    if time.monotonic() > deadline:
                        pytest.fail(f"no prompt {prompt!r} in {bytes(shown)!r}")
                assert prompt in shown, bytes(shown)
                os.write(master, keys)
            deadline = time.monotonic() + PTY_PATIENCE
            while read(0.05) and process.poll() is None:
                if time.monotonic() > deadline:
                    pytest.fail(f"the command did not end: {bytes(shown)!r}")
            while read(0.05) and select.select([master], [], [], 0)[0]:
                pass
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=PTY_PATIENCE)
            os.close(master)
        return process.returncode, shown.decode(errors="replace")

    return run
