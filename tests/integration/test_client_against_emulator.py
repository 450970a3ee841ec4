"""The client against the emulator over real HTTP: operations, quirks, retries, bulk."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import pytest

from aioinflux_legacyauth import (
    ArgumentError,
    AuthStatus,
    ConflictError,
    LegacyAuthClient,
    NotFoundError,
    Outcome,
    ResponseDecodeError,
    RetryPolicy,
    TraceSpan,
)
from aioinflux_legacyauth.emulator import Emulator, Fault, FaultPlan, permission

if TYPE_CHECKING:
    from tests._servers import StartServer

PASSWORD = "integration-password-1"


@pytest.fixture
async def emulator(start_server: StartServer) -> Emulator:
    """A fresh server: the in-process emulator with a cheap password hash, or ``--server``'s."""
    server: Emulator = await start_server(hash_cost=4, fault_plan=FaultPlan())
    return server


def client_for(emulator: Emulator, **options: object) -> LegacyAuthClient:
    """A client for the emulator whose retries never sleep unless told otherwise."""
    options.setdefault("retry", RetryPolicy(instant=True))
    return LegacyAuthClient(emulator.url, token=emulator.token, **options)  # type: ignore[arg-type]


async def seed(emulator: Emulator, count: int, prefix: str = "user") -> list[str]:
    """Create ``count`` legacy authorizations; return their IDs."""
    created = [
        await emulator.create_legacy_authorization(f"{prefix}-{number}") for number in range(count)
    ]
    return [auth.id for auth in created]


async def test_full_lifecycle(emulator: Emulator) -> None:
    """Create with a password, log in, filter, update, rotate, delete: as a user would."""
    async with client_for(emulator) as client:
        auth = await client.create(
            org_id=emulator.org_id,
            username="grafana",
            permissions=emulator.bucket_permissions(write=False),
            password=PASSWORD,
            description="dashboards",
        )
        assert auth.status is AuthStatus.ACTIVE
        assert auth.org == emulator.org
        assert await client.check_login("grafana", PASSWORD)
        assert not await client.check_login("grafana", "not-the-password")
        assert (await client.get(auth.id)).description == "dashboards"
        assert [a.id for a in await client.list(auth_id=auth.id.upper())] == [auth.id]
        assert [a.id for a in await client.list(username="grafana")] == [auth.id]
        assert await client.list(username="nobody") == []
        assert await client.list(auth_id="0000000000000fff") == []
        assert [a.id for a in await client.list(org=emulator.org, user=emulator.user)] == [auth.id]
        with pytest.raises(NotFoundError, match="user not found"):
            await client.list(user="no-such-user")
        with pytest.raises(ConflictError, match="token already exists") as conflict:
            await client.create(
                org_id=emulator.org_id,
                username="grafana",
                permissions=emulator.bucket_permissions(),
            )
        assert conflict.value.status == 422
        updated = await client.update(auth.id, status=AuthStatus.INACTIVE)
        assert not updated.active
        assert not await client.check_login("grafana", PASSWORD)
        await client.set_password(auth.id, "another-password-2")
        await client.update(auth.id, status="active")
        assert await client.check_login("grafana", "another-password-2")
        await client.delete(auth.id)
        with pytest.raises(NotFoundError, match="authorization not found"):
            await client.get(auth.id)
        # Refused before sending (it may be a password given in the ID's place).
        with pytest.raises(ArgumentError, match="not an authorization ID"):
            await client.get("abc")


async def test_docs_prefix_hits_the_ui(emulator: Emulator) -> None:
    """The docs' /legacy/authorizations prefix gets HTML: a clear decode error."""
    async with client_for(emulator, prefix="/legacy/authorizations") as client:
        with pytest.raises(ResponseDecodeError, match="web UI"):
            await client.list()


@pytest.mark.emulator_only(reason="reads the request log")
async def test_trace_span_reaches_the_server(emulator: Emulator) -> None:
    """Each bulk item's Zap-Trace-Span reaches the server as a child of the call's span."""
    ids = await seed(emulator, 5)
    parent = TraceSpan.new()
    async with client_for(emulator) as client:
        await client.bulk_update(ids, status="inactive", trace_span=parent)
    spans = [
        TraceSpan.from_header(record.trace_span)
        for record in emulator.requests.records(method="PATCH")
        if record.trace_span
    ]
    assert len(spans) == 5
    assert {span.trace_id for span in spans} == {parent.trace_id}


@pytest.mark.emulator_only(reason="fault injection")
async def test_bulk_update_through_faults(emulator: Emulator) -> None:
    """10,000 updates with 10 % of requests failing still all end ok, and really applied."""
    ids = await seed(emulator, 10_000)
    emulator.faults.rate = 0.1
    emulator.faults.max_delay = 0.05
    async with client_for(emulator, retry=RetryPolicy(instant=True, max_attempts=8)) as client:
        report = await client.bulk_update(ids, status=AuthStatus.INACTIVE, concurrency=32)
    assert report.counts[Outcome.OK] == 10_000, report.counts
    assert [result.key for result in report.results] == ids
    assert len(emulator.faults.injected) > 500
    assert all(not auth.active for auth in emulator.legacy_authorizations())


@pytest.mark.emulator_only(reason="fault injection")
async def test_delete_applied_but_dropped_is_already_done(emulator: Emulator) -> None:
    """A DELETE applied and then cut off ends already_done, not failed."""
    ids = await seed(emulator, 3)
    emulator.faults.add(Fault.drop_after(), method="DELETE", times=1)
    async with client_for(emulator) as client:
        report = await client.bulk_delete(ids, concurrency=1)
    assert [result.outcome for result in report.results] == [
        Outcome.ALREADY_DONE,
        Outcome.OK,
        Outcome.OK,
    ]
    assert emulator.legacy_authorizations() == []


@pytest.mark.emulator_only(reason="fault injection")
async def test_timeout_after_sending_is_unknown(emulator: Emulator) -> None:
    """A request whose answer never arrives in time is unknown."""
    ids = await seed(emulator, 1)
    emulator.faults.add(Fault.delayed(2), method="PATCH", times=None)
    async with client_for(
        emulator,
        retry=RetryPolicy(instant=True, max_attempts=2),
        timeout=aiohttp.ClientTimeout(total=0.2),
    ) as client:
        report = await client.bulk_update(ids, description="late")
    assert report.results[0].outcome is Outcome.UNKNOWN
    assert report.results[0].attempts == 2


@pytest.mark.emulator_only(reason="fault injection")
async def test_retry_after_is_honoured(emulator: Emulator) -> None:
    """A 429 with Retry-After: 1 makes the client wait at least that long, then succeed."""
    ids = await seed(emulator, 1)
    emulator.faults.add(Fault.too_many_requests(retry_after=1), method="PATCH", times=1)
    async with client_for(emulator, retry=RetryPolicy()) as client:
        report = await client.bulk_update(ids, description="patient")
    result = report.results[0]
    assert result.outcome is Outcome.OK
    assert result.attempts == 2
    assert result.elapsed >= 1.0


@pytest.mark.emulator_only(reason="fault injection and the request log")
async def test_budget_stops_retrying_a_dead_server(emulator: Emulator) -> None:
    """Against a server that only fails, the retry budget caps the extra requests."""
    ids = await seed(emulator, 10)
    emulator.faults.add(Fault.unavailable(retry_after=None), method="PATCH", times=None)
    policy = RetryPolicy(instant=True, budget_capacity=20, retry_cost=5)
    async with client_for(emulator, retry=policy) as client:
        report = await client.bulk_update(ids, description="x", concurrency=1)
    assert report.counts[Outcome.FAILED] == 10
    assert emulator.requests.count(method="PATCH") == 10 + 4  # 4 paid retries, then none


async def test_unauthorized_token_stops_the_batch(emulator: Emulator) -> None:
    """A token without write rights gets 401 once; the rest of the batch is skipped."""
    ids = await seed(emulator, 20)
    weak = emulator.mint_token([permission("read", "buckets")])  # no right on authorizations
    async with LegacyAuthClient(emulator.url, token=weak) as client:
        report = await client.bulk_delete(ids, concurrency=1)
    assert report.results[0].status == 401
    assert report.counts[Outcome.SKIPPED] == 19
    assert len(emulator.legacy_authorizations()) == 20
