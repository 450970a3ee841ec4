"""The fault plan: what proxies and networks do to requests on the legacy routes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import aiohttp
import pytest

from aioinflux_legacyauth.emulator import Fault, FaultKind, FaultPlan

if TYPE_CHECKING:
    from tests.emulator.conftest import Wire

    StartEmulator = Callable[..., Awaitable[Wire]]

pytestmark = pytest.mark.emulator_only(reason="fault injection exists only in the emulator")

PREFIX = "/private/legacy/authorizations"


async def test_unavailable_answers_503_with_retry_after_and_changes_nothing(wire: Wire) -> None:
    """A 503 fault: gateway JSON, Retry-After, no InfluxDB headers, the PATCH not applied."""
    auth = await wire.emu.create_legacy_authorization("grafana")
    wire.emu.faults.add(Fault.unavailable(retry_after=2), method="PATCH")
    body = {"status": "inactive"}
    failed = await wire.call("PATCH", f"{PREFIX}/{auth.id}", json_body=body)
    failed.expect_error(503, "unavailable", "service unavailable", compact=True)
    assert failed.headers["Retry-After"] == "2"
    assert "X-Influxdb-Build" not in failed.headers
    assert wire.emu.legacy_authorization(auth.id).status == "active"  # type: ignore[union-attr]
    retried = await wire.call("PATCH", f"{PREFIX}/{auth.id}", json_body=body)
    assert (retried.status, retried.json()["status"]) == (200, "inactive")


async def test_too_many_requests_can_be_an_html_page(wire: Wire) -> None:
    """A 429 fault with html=True: a proxy page with Retry-After and no error code."""
    wire.emu.faults.add(Fault.too_many_requests(retry_after=1, html=True))
    reply = await wire.call("GET", PREFIX)
    assert reply.status == 429
    assert reply.headers["Content-Type"] == "text/html"
    assert reply.headers["Retry-After"] == "1"
    assert "429 Too Many Requests" in reply.text
    assert "X-Platform-Error-Code" not in reply.headers
    assert (await wire.call("GET", PREFIX)).status == 200


async def test_json_too_many_requests_carries_the_influxdb_code(wire: Wire) -> None:
    """A 429 fault by default: the too-many-requests envelope and Retry-After."""
    wire.emu.faults.add(Fault.too_many_requests())
    reply = await wire.call("GET", PREFIX)
    reply.expect_error(429, "too many requests", "too many requests", compact=True)
    assert reply.headers["Retry-After"] == "1"


async def test_bad_gateway_is_a_proxy_html_502(wire: Wire) -> None:
    """A 502 fault: nginx's HTML page, no JSON, no X-Platform-Error-Code."""
    wire.emu.faults.add(Fault.bad_gateway())
    reply = await wire.create("grafana")
    assert reply.status == 502
    assert reply.text.startswith("<html>")
    assert "502 Bad Gateway" in reply.text
    assert "X-Platform-Error-Code" not in reply.headers
    assert wire.emu.legacy_authorizations() == []


async def test_delay_answers_normally_but_late(wire: Wire) -> None:
    """A delay fault: a short client timeout gives up, the request itself succeeds."""
    wire.emu.faults.add(Fault.delayed(0.5), method="POST")
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(wire.create("grafana"), timeout=0.05)
    wire.emu.faults.add(Fault.delayed(0.01), method="POST")
    reply = await wire.create("telegraf")
    assert reply.status == 201
    assert [f.fault.kind for f in wire.emu.faults.injected] == [FaultKind.DELAY] * 2
    assert wire.emu.requests.records("POST")[0].fault is FaultKind.DELAY


async def test_drop_before_loses_the_request(wire: Wire) -> None:
    """drop_before: the client sees a disconnect and nothing was created."""
    wire.emu.faults.add(Fault.drop_before(), method="POST", path=PREFIX)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await wire.create("grafana")
    assert wire.emu.legacy_authorizations() == []
    (record,) = wire.emu.requests.records("POST")
    assert (record.status, record.fault) == (None, FaultKind.DROP_BEFORE)
    assert (await wire.create("grafana")).status == 201


async def test_drop_after_applies_the_change_then_disconnects(wire: Wire) -> None:
    """drop_after: the client sees a disconnect, yet the create happened; a retry conflicts."""
    wire.emu.faults.add(Fault.drop_after(), method="POST", path=PREFIX)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await wire.create("grafana")
    assert [auth.username for auth in wire.emu.legacy_authorizations()] == ["grafana"]
    retry = await wire.create("grafana")
    retry.expect_error(422, "conflict", "token already exists")


async def test_drop_after_on_set_password_stores_the_password(wire: Wire) -> None:
    """drop_after on set-password: the new password works although no answer came."""
    auth = await wire.emu.create_legacy_authorization("grafana")
    wire.emu.faults.add(Fault.drop_after(), path="*/password")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await wire.call(
            "POST", f"{PREFIX}/{auth.id}/password", json_body={"password": "rotated-pw"}
        )
    assert await wire.emu.password_matches(auth.id, "rotated-pw")


async def test_rules_match_method_and_path_and_count_down(wire: Wire) -> None:
    """A rule fires only for its method and path, after `skip` matches, `times` times."""
    emu = wire.emu
    rule = emu.faults.add(Fault.unavailable(), method="GET", path=PREFIX, times=2, skip=1)
    statuses = [(await wire.call("GET", PREFIX)).status for _ in range(4)]
    assert statuses == [200, 503, 503, 200]
    assert rule.exhausted
    assert (await wire.create("grafana")).status == 201


async def test_forever_rule_until_cleared(wire: Wire) -> None:
    """times=None keeps failing; clear() forgets every rule."""
    wire.emu.faults.add(Fault.bad_gateway(), times=None)
    assert [(await wire.call("GET", PREFIX)).status for _ in range(3)] == [502, 502, 502]
    wire.emu.faults.clear()
    assert (await wire.call("GET", PREFIX)).status == 200


async def test_faults_touch_only_the_legacy_routes(wire: Wire) -> None:
    """Other paths are never faulted, whatever the rules say."""
    wire.emu.faults.add(Fault.unavailable(), times=None)
    for path in ("/api/v2/me", "/ping", "/api/v2/buckets"):
        assert (await wire.call("GET", path)).status in (200, 204)
    assert (await wire.call("GET", PREFIX + "/")).status == 503
    assert {f.path for f in wire.emu.faults.injected} == {PREFIX}


async def test_full_rate_with_one_kind_fails_everything(start_emulator: StartEmulator) -> None:
    """fault_rate 1 with only 503 makes every legacy request a 503."""
    wire = await start_emulator(fault_plan=FaultPlan(rate=1.0, kinds=[FaultKind.UNAVAILABLE]))
    assert [(await wire.call("GET", PREFIX)).status for _ in range(5)] == [503] * 5


async def _kinds_for_seed(start_emulator: StartEmulator, seed: int) -> list[FaultKind]:
    kinds = [FaultKind.UNAVAILABLE, FaultKind.TOO_MANY_REQUESTS, FaultKind.BAD_GATEWAY]
    wire = await start_emulator(fault_plan=FaultPlan(rate=0.5, seed=seed, kinds=kinds))
    for _ in range(30):
        await wire.call("GET", PREFIX)
    return [injected.fault.kind for injected in wire.emu.faults.injected]


async def test_seeded_random_plan_is_repeatable(start_emulator: StartEmulator) -> None:
    """The same seed and the same requests give the same faults; about half fail."""
    first = await _kinds_for_seed(start_emulator, 7)
    second = await _kinds_for_seed(start_emulator, 7)
    assert first == second
    assert 5 <= len(first) <= 25
    assert len(set(first)) > 1


def test_plan_arguments_are_checked() -> None:
    """Out-of-range rates, empty kinds, bad counts and negative delays are refused."""
    with pytest.raises(ValueError, match="between 0 and 1"):
        FaultPlan(rate=1.5)
    with pytest.raises(ValueError, match="at least one fault kind"):
        FaultPlan(rate=0.5, kinds=[])
    with pytest.raises(ValueError, match="times"):
        FaultPlan().add(Fault.bad_gateway(), times=0)
    with pytest.raises(ValueError, match="negative"):
        Fault.delayed(-1)


async def test_a_client_gone_before_its_body_is_read_changes_nothing_quietly(
    wire: Wire, caplog: pytest.LogCaptureFixture
) -> None:
    """A delayed set-password whose client gave up: no change, status 499, no traceback."""
    auth = await wire.emu.create_legacy_authorization("grafana", password="first-Password-1")
    wire.emu.faults.add(Fault.delayed(0.5), method="POST", path="*/password")
    headers = {"Authorization": f"Token {wire.emu.token}"}
    with pytest.raises(asyncio.TimeoutError):
        await wire.session.post(
            f"{wire.emu.url}{PREFIX}/{auth.id}/password",
            json={"password": "second-Password-2"},
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=0.1),
        )
    for _ in range(50):  # the server notices once the delay is over
        if any(r.status == 499 for r in wire.emu.requests.records()):
            break
        await asyncio.sleep(0.05)
    assert [r.status for r in wire.emu.requests.records()][-1] == 499
    assert await wire.emu.password_matches(auth.id, "first-Password-1")
    assert "Error handling request" not in caplog.text
