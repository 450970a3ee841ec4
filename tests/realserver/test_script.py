"""``scripts/real-influxd``: the emulator's ready line from a real server, the emulator's
flags, and a clean stop on SIGTERM and Ctrl-C that leaves no data directory behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.realserver.api import Api
from tests.realserver.process import SCRIPT

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


@pytest.fixture
def temp_root(tmp_path: Path, server_choice: Any) -> Path:
    """A TMPDIR of the script's own, to see its data directory come and go."""
    if server_choice.kind != "real":
        pytest.skip("runs the script: --server real")
    root = tmp_path / "tmp"
    root.mkdir()
    return root


def _start(temp_root: Path, *flags: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    process = subprocess.Popen(  # noqa: S603 - our own script, fixed flags
        [sys.executable, str(SCRIPT), "--port", "0", "--quiet", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(temp_root)},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, process.communicate(timeout=30)
    return process, json.loads(line)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_ready_line_then_a_clean_stop(temp_root: Path, stop: signal.Signals) -> None:
    """The ready line names url, token, org, user and buckets; the signal ends it with
    status 0, influxd gone and the temporary data directory removed."""
    process, ready = _start(
        temp_root,
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


def test_defaults_and_the_ui_switch(temp_root: Path) -> None:
    """Default names like the emulator's; UI paths answer HTML unless --ui-disabled."""
    process, ready = _start(temp_root)
    try:
        assert set(ready["buckets"]) == {"my-bucket"}
        status, body = Api(ready["url"], ready["token"]).raw("GET", "/legacy/authorizations")
        assert (status, body[:15]) == (200, b"<!DOCTYPE html>")
        me = Api(ready["url"], ready["token"]).call("GET", "/api/v2/me")
        assert me["name"] == "admin"
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    disabled, ready = _start(temp_root, "--ui-disabled")
    try:
        status, body = Api(ready["url"], ready["token"]).raw("GET", "/legacy/authorizations")
        assert (status, body) == (404, b"404 page not found\n")
    finally:
        disabled.send_signal(signal.SIGTERM)
        disabled.communicate(timeout=60)
    assert disabled.returncode == 0


def test_a_taken_port_is_a_clear_error(temp_root: Path) -> None:
    """A fixed port that is in use: exit status 1 and a message, nothing left behind."""
    process, ready = _start(temp_root)
    try:
        port = ready["url"].rsplit(":", 1)[1]
        second = subprocess.run(  # noqa: S603 - our own script, fixed flags
            [sys.executable, str(SCRIPT), "--port", port, "--quiet"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "TMPDIR": str(temp_root)},
            check=False,
        )
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    assert second.returncode == 1
    assert second.stdout == ""
    assert f"port {port} is already in use" in second.stderr
    assert list(temp_root.iterdir()) == []
