"""``python -m aioinflux_legacyauth.emulator``: the JSON line, a request, a clean SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from typing import Any

import aiohttp
import pytest

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="sends SIGTERM"),
    pytest.mark.emulator_only(reason="the emulator's command line; real-influxd has its own test"),
]

COMMAND = [sys.executable, "-m", "aioinflux_legacyauth.emulator"]


async def _start(*args: str) -> tuple[asyncio.subprocess.Process, dict[str, Any]]:
    process = await asyncio.create_subprocess_exec(
        *COMMAND,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
    return process, json.loads(line)


async def _stop(process: asyncio.subprocess.Process) -> tuple[int, bytes]:
    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode is not None
    return process.returncode, stderr


async def test_cli_prints_where_to_connect_and_stops_cleanly() -> None:
    """The ready line names url, token, org, user and buckets; SIGTERM exits 0."""
    process, ready = await _start(
        "--port", "0", "--token", "cli-token", "--org", "acme", "--user", "ops",
        "--bucket", "metrics", "--bucket", "logs", "--hash-cost", "4",
    )  # fmt: skip
    try:
        assert set(ready) == {"url", "token", "org_id", "user_id", "buckets"}
        assert ready["token"] == "cli-token"
        assert set(ready["buckets"]) == {"metrics", "logs"}
        async with aiohttp.ClientSession(headers={"Authorization": "Token cli-token"}) as session:
            async with session.get(f"{ready['url']}/api/v2/buckets?org=acme") as response:
                names = {bucket["name"] for bucket in (await response.json())["buckets"]}
            async with session.get(f"{ready['url']}/api/v2/me") as response:
                me = await response.json()
            async with session.get(f"{ready['url']}/query?u=x&p=cli-secret&q=x") as response:
                assert response.status == 401
    finally:
        status, stderr = await _stop(process)
    assert names >= {"metrics", "logs"}
    assert (me["id"], me["name"]) == (ready["user_id"], "ops")
    assert status == 0
    assert b"GET /api/v2/me 200" in stderr
    assert b"cli-secret" not in stderr


async def test_cli_fault_rate_fails_legacy_requests() -> None:
    """--fault-rate 1 with one --fault-kind makes every legacy-route request fail that way."""
    process, ready = await _start(
        "--port", "0", "--quiet", "--fault-rate", "1", "--seed", "3",
        "--fault-kind", "bad_gateway", "--hash-cost", "4",
    )  # fmt: skip
    try:
        headers = {"Authorization": f"Token {ready['token']}"}
        async with (
            aiohttp.ClientSession(headers=headers) as session,
            session.get(f"{ready['url']}/private/legacy/authorizations") as response,
        ):
            status = response.status
    finally:
        exit_status, stderr = await _stop(process)
    assert (status, exit_status, stderr) == (502, 0, b"")


async def test_cli_refuses_bad_arguments() -> None:
    """An out-of-range fault rate is a usage error (exit status 2), nothing is served."""
    process = await asyncio.create_subprocess_exec(
        *COMMAND,
        "--fault-rate",
        "2",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert (process.returncode, stdout) == (2, b"")
    assert b"--fault-rate" in stderr
