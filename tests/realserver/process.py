"""``scripts/real-influxd`` as a child process: start it, read its ready line, stop it."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["SCRIPT", "RealInfluxdProcess", "ScriptError", "ScriptHungError", "build_real_influxd"]

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "real-influxd"
_START_TIMEOUT = 90.0
_STOP_TIMEOUT = 60.0


class ScriptError(Exception):
    """The script failed to build, start or stop; the message carries its stderr."""


class ScriptHungError(ScriptError):
    """The script was still running long after SIGTERM and was killed; the message carries
    its stderr, with the Python stack it was stuck in (dumped on SIGUSR1 first)."""


def build_real_influxd(version: str | None = None) -> Path:
    """Build (or reuse) influxd at ``version`` (default: the script's); the binary's path.

    A first build takes minutes; its progress goes to this process's stderr.
    """
    chosen = [] if version is None else ["--influxdb-version", version]
    completed = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(SCRIPT), "--build-only", *chosen],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        msg = f"scripts/real-influxd could not build influxd {version or ''} (see above)"
        raise ScriptError(msg)
    return Path(completed.stdout.strip())


class RealInfluxdProcess:
    """One ``scripts/real-influxd`` process, started with emulator-style flags."""

    def __init__(self, args: Sequence[str], *, version: str | None = None) -> None:
        chosen = [] if version is None else ["--influxdb-version", version]
        self.args = [*args, *chosen, "--quiet"]
        self._stderr = ""
        self._stopping = threading.Lock()
        self._process = subprocess.Popen(  # noqa: S603 - our own script, flags we built
            [sys.executable, str(SCRIPT), *self.args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.ready: dict[str, Any] = self._read_ready_line()

    @property
    def pid(self) -> int:
        """The script's process ID."""
        return self._process.pid

    def _read_ready_line(self) -> dict[str, Any]:
        stdout = self._process.stdout
        assert stdout is not None
        deadline = time.monotonic() + _START_TIMEOUT
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if selector.select(timeout=0.5):
                    line = stdout.readline()
                    if line:
                        ready: dict[str, Any] = json.loads(line)
                        return ready
                    break  # end of output: the script exited
                if self._process.poll() is not None:
                    break
        self.stop(check=False)
        msg = f"scripts/real-influxd {' '.join(self.args)} did not start: {self._stderr}"
        raise ScriptError(msg)

    def stderr(self) -> str:
        """The end of what the script wrote on stderr (known once it has stopped)."""
        return self._stderr

    def stop(self, *, check: bool = True) -> int:
        """SIGTERM, wait; the exit status (with ``check``, anything but 0 is an error).

        Safe to call again, from any thread: later calls wait for the first.
        """
        with self._stopping:
            return self._stop(check=check)

    def _stop(self, *, check: bool) -> int:
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
        hung = ""
        try:
            status = self._process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            # Where was it stuck? The script dumps its threads' stacks on SIGUSR1.
            os.kill(self._process.pid, signal.SIGUSR1)
            try:
                status = self._process.wait(2)
            except subprocess.TimeoutExpired:
                os.kill(self._process.pid, signal.SIGKILL)
                status = self._process.wait()
            hung = f"still running {_STOP_TIMEOUT:.0f} s after SIGTERM, killed; "
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None and not stream.closed:
                if stream is self._process.stderr:
                    self._stderr = stream.read().decode(errors="replace")[-3000:]
                stream.close()
        if check and status != 0:
            msg = f"scripts/real-influxd ({hung}pid {self.pid}) exited with status {status}: "
            msg += self._stderr
            raise ScriptHungError(msg) if hung else ScriptError(msg)
        return status
