"""No token or password ever shows in a repr, a log record or an exception."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable

import pytest
from aioresponses import aioresponses

from aioinflux_legacyauth import LegacyAuthClient, LegacyAuthError, Permission
from aioinflux_legacyauth._retry import RetryPolicy

BASE = "http://influx.test:8086"
PREFIX = f"{BASE}/private/legacy/authorizations"
AUTH_ID = "0d9c3a1e5b2f4000"
ORG_ID = "4e7a6b1c2d3f5a6b"
TOKEN = "tok-9f8e7d6c5b4a-operator"
PASSWORD = "pw-5e4d3c2b1a-rotated"
TOO_SHORT = "pw-tiny"  # 7 bytes: refused locally


async def test_no_secret_in_logs_reprs_or_errors(
    caplog: pytest.LogCaptureFixture, auth_body: Callable[..., bytes], mocked: aioresponses
) -> None:
    """Drive every path that touches a secret at DEBUG level and search all output."""
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    mocked.post(PREFIX, status=201, body=auth_body())
    mocked.post(
        f"{PREFIX}/{AUTH_ID}/password",
        status=400,
        payload={
            "code": "invalid",
            "message": "passwords must be between 8 and 72 characters long",
        },
    )
    mocked.delete(
        f"{PREFIX}/{AUTH_ID}", status=500, payload={"code": "internal error", "message": "boom"}
    )
    mocked.post(re.compile(r".*/password$"), status=503, body="<html>down</html>", repeat=True)
    async with LegacyAuthClient(BASE, token=TOKEN, retry=RetryPolicy(instant=True)) as client:
        seen.append(repr(client))
        with pytest.raises(LegacyAuthError) as created:
            await client.create(
                org_id=ORG_ID,
                username="grafana",
                permissions=[Permission.read_bucket("8f1e2d3c4b5a6978", ORG_ID)],
                password=PASSWORD,
            )
        with pytest.raises(LegacyAuthError) as rotated:
            await client.set_password(AUTH_ID, PASSWORD)
        with pytest.raises(LegacyAuthError) as short:
            await client.set_password(AUTH_ID, TOO_SHORT)
    for caught in (created, rotated, short):
        seen.append(str(caught.value))
        seen.append(repr(caught.value))
        seen.append("".join(traceback.format_exception(caught.value)))
    seen.append(caplog.text)
    seen.extend(repr(record.args) for record in caplog.records)
    everything = "\n".join(seen)
    assert "rollback failed" in everything  # the paths above really ran
    assert "between 8 and 72 bytes" in everything
    assert TOKEN not in everything
    assert PASSWORD not in everything
    assert TOO_SHORT not in everything
