"""The transport's deadline watcher keeps ``total`` and ``read`` as aiohttp's timers did.

Over a real local server: an answer that never comes, a head that comes and a body that
stalls, a long body that keeps coming (each piece within ``read``), a caller's own
cancellation, and the watcher's bookkeeping after each. The limits are short, so every
case ends fast; nothing here asserts how long anything took.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from aioinflux_legacyauth import (
    AiohttpTransport,
    LegacyAuthClient,
    Request,
    RequestTimeoutError,
    RetryPolicy,
    Timeout,
)
from aioinflux_legacyauth._transports.deadlines import WHOLE_BODY, DeadlineWatcher

PIECE = b"x" * 65_536


async def _never(request: web.Request) -> web.Response:
    await asyncio.sleep(30)
    return web.Response()


async def _stalled_body(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    await response.write(b'{"id": ')
    await asyncio.sleep(30)
    return response


async def _trickle(request: web.Request) -> web.StreamResponse:
    """A body longer than WHOLE_BODY, in pieces 0.02 s apart: 0.6 s in all."""
    pieces = WHOLE_BODY // len(PIECE) + 14
    response = web.StreamResponse(headers={"Content-Length": str(pieces * len(PIECE))})
    await response.prepare(request)
    for _ in range(pieces):
        await response.write(PIECE)
        await asyncio.sleep(0.02)
    return response


async def _quick(request: web.Request) -> web.Response:
    return web.Response(body=b"{}", content_type="application/json")


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_get("/never", _never)
    app.router.add_get("/stalled", _stalled_body)
    app.router.add_get("/trickle", _trickle)
    app.router.add_get("/quick", _quick)
    running = TestServer(app)
    await running.start_server()
    yield running
    await running.close()


@pytest.fixture
async def transport(server: TestServer) -> AsyncIterator[AiohttpTransport]:
    own = AiohttpTransport(str(server.make_url("/")))
    yield own
    await own.close()


def watcher_of(transport: AiohttpTransport) -> DeadlineWatcher:
    return transport._watcher  # the transport's own state: no public view of it


async def test_total_ends_an_attempt_that_gets_no_answer(transport: AiohttpTransport) -> None:
    with pytest.raises(RequestTimeoutError, match="timed out waiting") as caught:
        await transport.send(Request("GET", "/never"), timeout=Timeout(total=0.1))
    assert caught.value.maybe_sent
    assert isinstance(caught.value.__cause__, TimeoutError)
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0  # the watcher took its cancellation back
    assert len(watcher_of(transport)) == 0
    # The transport goes on working: the cut-off connection was not reused.
    assert (await transport.send(Request("GET", "/quick"), timeout=Timeout(total=5))).status == 200


async def test_read_ends_a_stalled_answer(transport: AiohttpTransport) -> None:
    for path in ("/never", "/stalled"):
        with pytest.raises(RequestTimeoutError):
            await transport.send(Request("GET", path), timeout=Timeout(total=30, read=0.1))


async def test_a_long_body_that_keeps_coming_is_read_whole(transport: AiohttpTransport) -> None:
    """Each piece comes within ``read``; all of them take longer than ``read``."""
    response = await transport.send(Request("GET", "/trickle"), timeout=Timeout(read=0.3))
    assert len(response.body) > WHOLE_BODY
    assert set(response.body) == {ord("x")}


async def test_the_callers_cancellation_stays_a_cancellation(transport: AiohttpTransport) -> None:
    attempt = asyncio.ensure_future(
        transport.send(Request("GET", "/never"), timeout=Timeout(total=30))
    )
    await asyncio.sleep(0.05)
    attempt.cancel()
    with pytest.raises(asyncio.CancelledError):
        await attempt
    assert len(watcher_of(transport)) == 0


async def test_an_outer_timeout_is_not_taken_for_the_transports(
    transport: AiohttpTransport,
) -> None:
    """asyncio.timeout around a call cancels it: that is the caller's TimeoutError."""
    with pytest.raises(TimeoutError) as caught:
        async with asyncio.timeout(0.05):
            await transport.send(Request("GET", "/never"), timeout=Timeout(total=30))
    assert not isinstance(caught.value, RequestTimeoutError)


async def test_many_attempts_share_one_timer(transport: AiohttpTransport) -> None:
    """Attempts with the same limits never re-arm the timer; each is forgotten at its end."""
    watcher = watcher_of(transport)
    timeout = Timeout(total=30, connect=5, read=20)
    sends = [transport.send(Request("GET", "/quick"), timeout=timeout) for _ in range(50)]
    answers = await asyncio.gather(*sends)
    assert {answer.status for answer in answers} == {200}
    assert len(watcher) == 0


async def test_no_limit_means_no_watch(transport: AiohttpTransport) -> None:
    assert watcher_of(transport).watch(Timeout(connect=5)) is None
    response = await transport.send(Request("GET", "/quick"), timeout=Timeout())
    assert response.status == 200


async def test_a_client_call_times_out_and_is_retried(server: TestServer) -> None:
    """Through the client: each attempt gets its own allowance, and the error says why."""
    url = str(server.make_url("/"))
    policy = RetryPolicy(max_attempts=2, instant=True)
    async with LegacyAuthClient(url, token="t0ken", prefix="/never", retry=policy) as client:
        with pytest.raises(RequestTimeoutError) as caught:
            await client.list(timeout=Timeout(total=0.05))
    assert any("gave up after 2 attempt" in note for note in caught.value.__notes__)


def test_a_watcher_used_from_a_new_event_loop_still_ends_attempts() -> None:
    """A timer armed on a loop that ended before it fired must not keep the next loop's
    attempts from being timed out (a transport reused across ``asyncio.run`` calls)."""
    watcher = DeadlineWatcher()

    async def quick() -> None:
        watcher.forget(watcher.watch(Timeout(total=0.01)))  # armed; the loop ends first

    async def stalled() -> bool:
        task = watcher.watch(Timeout(total=0.05))
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            assert task is not None
            return watcher.timed_out(task)
        finally:
            watcher.forget(task)
        return False

    asyncio.run(quick())
    time.sleep(0.05)  # the old timer's time has passed: every new deadline is later
    assert asyncio.run(asyncio.wait_for(stalled(), 2)) is True
    assert len(watcher) == 0
