"""``scripts/real-influxd``: the emulator's ready line from a real server, the emulator's
flags, and a clean stop on SIGTERM and Ctrl-C that leaves no data directory behind."""

from __future__ import annotations

import fcntl
import json
import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from scripts.realinfluxd.cache import cache_root
from tests.realserver.api import Api
from tests.realserver.process import SCRIPT

if TYPE_CHECKING:
    from tests._servers import ServerChoice

pytestmark = [
    pytest.mark.real_server,
    pytest.mark.fresh_server(reason="starts scripts/real-influxd itself"),
    pytest.mark.skipif(sys.platform == "win32", reason="sends SIGTERM"),
]


def _influxd_processes(data_dir: Path) -> list[int]:
    """PIDs of processes whose command line names ``data_dir``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(data_dir).encode() in command:
            found.append(int(entry.name))
    return found


@attrs.frozen
class ScriptRun:
    """Where the script's temporary directories go, and the release it runs."""

    temp_root: Path
    release: tuple[str, ...]

    def start(self, *flags: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
        """Start the script; its process and its ready line."""
        process = subprocess.Popen(  # noqa: S603 - our own script, fixed flags
            [sys.executable, str(SCRIPT), "--port", "0", "--quiet", *self.release, *flags],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(),
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.communicate(timeout=30)
        return process, json.loads(line)

    def env(self) -> dict[str, str]:
        """The script's environment: a TMPDIR of its own."""
        return {**os.environ, "TMPDIR": str(self.temp_root)}


@pytest.fixture
def script(tmp_path: Path, server_choice: ServerChoice) -> ScriptRun:
    """Runs of the script with a TMPDIR of their own, to see the data directory come and
    go, at the release under test."""
    if server_choice.kind != "real":
        pytest.skip("runs the script: --server real")
    root = tmp_path / "tmp"
    root.mkdir()
    release = ("--influxdb-version", server_choice.version) if server_choice.version else ()
    return ScriptRun(root, release)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_ready_line_then_a_clean_stop(script: ScriptRun, stop: signal.Signals) -> None:
    """The ready line names url, token, org, user and buckets; the signal ends it with
    status 0, influxd gone and the temporary data directory removed."""
    temp_root = script.temp_root
    process, ready = script.start(
        "--token", "script-token", "--org", "acme", "--user", "ops",
        "--bucket", "metrics", "--bucket", "logs",
    )  # fmt: skip
    try:
        assert set(ready) == {"url", "token", "org_id", "user_id", "buckets"}
        assert ready["token"] == "script-token"
        api = Api(ready["url"], ready["token"])
        buckets = api.call("GET", "/api/v2/buckets", params={"org": "acme"})["buckets"]
        assert {bucket["name"]: bucket["id"] for bucket in buckets}.items() >= ready[
            "buckets"
        ].items()
        assert set(ready["buckets"]) == {"metrics", "logs"}
        me = api.call("GET", "/api/v2/me")
        assert (me["id"], me["name"]) == (ready["user_id"], "ops")
        assert api.call("GET", "/api/v2/setup") == {"allowed": False}
        (data_dir,) = temp_root.iterdir()
        assert (data_dir / "influxd.bolt").is_file()
        assert _influxd_processes(data_dir)
    finally:
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert list(temp_root.iterdir()) == []
    assert _influxd_processes(data_dir) == []


def test_defaults_and_the_ui_switch(script: ScriptRun) -> None:
    """Default names like the emulator's; UI paths answer HTML unless --ui-disabled."""
    process, ready = script.start()
    try:
        assert set(ready["buckets"]) == {"my-bucket"}
        status, body = Api(ready["url"], ready["token"]).raw("GET", "/legacy/authorizations")
        assert (status, body[:15]) == (200, b"<!DOCTYPE html>")
        me = Api(ready["url"], ready["token"]).call("GET", "/api/v2/me")
        assert me["name"] == "admin"
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    disabled, ready = script.start("--ui-disabled")
    try:
        status, body = Api(ready["url"], ready["token"]).raw("GET", "/legacy/authorizations")
        assert (status, body) == (404, b"404 page not found\n")
    finally:
        disabled.send_signal(signal.SIGTERM)
        disabled.communicate(timeout=60)
    assert disabled.returncode == 0


def test_a_taken_port_is_a_clear_error(script: ScriptRun) -> None:
    """A fixed port that is in use: exit status 1 and a message, nothing left behind."""
    process, ready = script.start()
    try:
        port = ready["url"].rsplit(":", 1)[1]
        second = subprocess.run(  # noqa: S603 - our own script, fixed flags
            [sys.executable, str(SCRIPT), "--port", port, "--quiet", *script.release],
            capture_output=True,
            text=True,
            timeout=120,
            env=script.env(),
            check=False,
        )
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    assert second.returncode == 1
    assert second.stdout == ""
    assert f"port {port} is already in use" in second.stderr
    assert list(script.temp_root.iterdir()) == []


def test_a_start_waits_for_others_to_bind_their_port(script: ScriptRun) -> None:
    """Starts take turns from choosing a free port until influxd answers on it, so two
    started side by side never pick the same port and onboard each other's server."""
    lock_path = cache_root() / "influxd" / "ports.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as if another start were under way
        process = subprocess.Popen(  # noqa: S603 - our own script, fixed flags
            [sys.executable, str(SCRIPT), "--port", "0", "--quiet", *script.release],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=script.env(),
        )
        try:
            assert process.stdout is not None
            with selectors.DefaultSelector() as selector:
                selector.register(process.stdout, selectors.EVENT_READ)
                assert selector.select(timeout=3) == []  # no ready line while we hold it
        except BaseException:
            process.kill()
            process.communicate(timeout=60)
            raise
    try:
        line = process.stdout.readline()
        assert line, process.communicate(timeout=30)
        ready = json.loads(line)
        assert Api(ready["url"], ready["token"]).call("GET", "/api/v2/setup") == {"allowed": False}
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    assert process.returncode == 0
