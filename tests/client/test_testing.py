"""aioinflux_legacyauth.testing: the mock transport users test their code with."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from aioinflux_legacyauth import (
    LegacyAuthClient,
    NotFoundError,
    RawResponse,
    Request,
    TransportError,
    testing,
)
from aioinflux_legacyauth.testing import MockTransport, error_response, json_response

BASE = "http://influx.test:8086"
AUTH_ID = "0d9c3a1e5b2f4000"


async def test_mock_transport_answers_and_records() -> None:
    """The handler sees each request as the client built it; sync and async both work."""

    async def slow(request: Request) -> RawResponse:
        await asyncio.sleep(0)
        return error_response(404, "not found", "authorization not found")

    transport = MockTransport(lambda request: json_response(200, {"authorizations": []}))
    async with LegacyAuthClient(BASE, token="t0ken", transport=transport) as client:
        assert await client.list(org_id="4e7a6b1c2d3f5a6b") == []
        transport.handler = slow
        with pytest.raises(NotFoundError, match="authorization not found"):
            await client.get(AUTH_ID)
    listed, got = transport.requests
    assert (listed.method, listed.path, listed.params) == (
        "GET",
        "/private/legacy/authorizations",
        (("orgID", "4e7a6b1c2d3f5a6b"),),
    )
    assert got.path == f"/private/legacy/authorizations/{AUTH_ID}"
    assert transport.max_in_flight == 1
    assert "t0ken" not in repr(transport)


async def test_mock_transport_plays_network_failures() -> None:
    """A handler raising TransportError is a failure without a response, retried as such."""
    attempts: list[Request] = []

    def flaky(request: Request) -> RawResponse:
        attempts.append(request)
        if len(attempts) == 1:
            raise TransportError("reset", method="GET", path=request.path, maybe_sent=True)
        return json_response(200, {"authorizations": []})

    transport = MockTransport(flaky)
    async with LegacyAuthClient(BASE, token="t0ken", transport=transport) as client:
        assert await client.list() == []
    assert len(transport.requests) == 2


def test_error_response_is_influxdbs_envelope() -> None:
    """An error answer carries the code twice, in the body and the header, as InfluxDB's."""
    answer = error_response(422, "conflict", "token already exists")
    assert answer.status == 422
    assert answer.headers["X-Platform-Error-Code"] == "conflict"
    assert answer.body == b'{\n\t"code": "conflict",\n\t"message": "token already exists"\n}'


def test_the_emulator_is_imported_only_when_used() -> None:
    """Importing testing does not import the emulator; touching testing.Emulator does."""
    code = (
        "import sys, aioinflux_legacyauth.testing as t\n"
        "print('aioinflux_legacyauth.emulator' in sys.modules)\n"
        "t.Emulator\n"
        "print('aioinflux_legacyauth.emulator' in sys.modules)\n"
    )
    shown = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert shown.stdout.split() == ["False", "True"]
    from aioinflux_legacyauth.emulator import Emulator, FaultPlan  # noqa: PLC0415

    assert testing.Emulator is Emulator
    assert testing.FaultPlan is FaultPlan
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = testing.Nope
