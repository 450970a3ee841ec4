"""Pure tests of the retry engine: fake clock and sleep, deterministic jitter, no network."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioinflux_legacyauth._errors import (
    APIError,
    LegacyAuthError,
    RequestTimeoutError,
    ResponseDecodeError,
    TransportError,
    error_from_response,
)
from aioinflux_legacyauth._retry import (
    AttemptLog,
    RetryBudget,
    RetryPolicy,
    RetrySafety,
    call_policy,
    call_with_retries,
)
from aioinflux_legacyauth._sansio import Call, Request

T = TypeVar("T")

RETRYABLE_STATUSES = (408, 429, 499, 500, 502, 503, 504)
NEVER_RETRIED_STATUSES = (400, 401, 403, 404, 405, 409, 413, 422, 501)

# -- helpers ---------------------------------------------------------------------------


class FakeTime:
    """A clock that only moves when told to, and a sleep that records and advances it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        self.now += delay


class Script:
    """An attempt that plays outcomes in order: exceptions are raised, values returned."""

    def __init__(self, *outcomes: object, time: FakeTime | None = None, cost: float = 0.0) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0
        self.time = time
        self.cost = cost  # fake seconds one attempt takes

    async def __call__(self) -> object:
        self.calls += 1
        if self.time is not None:
            self.time.now += self.cost
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def transport(*, maybe_sent: bool) -> TransportError:
    """A connection failure."""
    return TransportError("connection reset", method="GET", path="/p", maybe_sent=maybe_sent)


def timed_out(*, maybe_sent: bool = True) -> RequestTimeoutError:
    """A timeout."""
    return RequestTimeoutError("timed out", method="GET", path="/p", maybe_sent=maybe_sent)


def api(status: int, retry_after: float | None = None) -> APIError:
    """An error response, built the way the client builds it."""
    headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
    return error_from_response(status=status, headers=headers, body=b"", method="GET", path="/p")


def half() -> float:
    """Deterministic jitter: always half of the ceiling."""
    return 0.5


def one() -> float:
    """Deterministic jitter: the ceiling itself (the upper end of the range)."""
    return 1.0


def notes(exc: BaseException) -> list[str]:
    """The notes added to ``exc``."""
    return list(getattr(exc, "__notes__", []))


def plain_call(safety: RetrySafety = RetrySafety.IDEMPOTENT) -> Call[Any]:
    """The call the engine sends in these tests: its parser returns the attempt's result."""
    return Call(Request("GET", "/p"), lambda request, response: response, safety)


def sends(attempt: Callable[[], Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """``attempt`` as a transport's ``send`` (the request and timeout are the call's)."""

    async def send(request: Request, *, timeout: object) -> T:
        return await attempt()

    return send


async def run(
    attempt: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy | None = None,
    budget: RetryBudget | None = None,
    safety: RetrySafety = RetrySafety.IDEMPOTENT,
    log: AttemptLog | None = None,
    time: FakeTime | None = None,
    rand: Callable[[], float] = half,
) -> T:
    """call_with_retries with fake time and half jitter unless told otherwise."""
    time = FakeTime() if time is None else time
    result: T = await call_with_retries(
        sends(attempt),
        plain_call(safety),
        policy=RetryPolicy() if policy is None else policy,
        budget=budget,
        log=log,
        sleep=time.sleep,
        rand=rand,
        clock=time.clock,
    )
    return result


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Drive a coroutine that never suspends (fake sleep) to its end without a loop."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    coro.close()
    msg = "the coroutine suspended; the fakes should never suspend"
    raise AssertionError(msg)


# -- RetryPolicy -----------------------------------------------------------------------


def test_policy_defaults() -> None:
    """The defaults are the ones the reference document recommends."""
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.base_delay, policy.throttle_base_delay) == (4, 0.1, 1.0)
    assert (policy.max_delay, policy.max_retry_after) == (20.0, 60.0)
    assert (policy.budget_capacity, policy.retry_cost, policy.timeout_retry_cost) == (500, 5, 10)
    assert policy.instant is False


def test_backoff_doubles_from_the_base() -> None:
    """Retry n waits up to base * 2 ** (n - 1), scaled by the jitter draw."""
    policy = RetryPolicy()
    assert [policy.backoff(n, throttled=False, rand=one) for n in (1, 2, 3, 4)] == pytest.approx(
        [0.1, 0.2, 0.4, 0.8]
    )
    assert policy.backoff(3, throttled=False, rand=half) == pytest.approx(0.2)
    assert policy.backoff(3, throttled=False, rand=lambda: 0.0) == 0.0


def test_backoff_is_capped() -> None:
    """No delay exceeds max_delay, even for absurd retry numbers (no float overflow)."""
    policy = RetryPolicy()
    assert policy.backoff(10, throttled=False, rand=one) == pytest.approx(20.0)
    assert policy.backoff(6, throttled=True, rand=one) == pytest.approx(20.0)
    assert policy.backoff(100_000, throttled=True, rand=one) == pytest.approx(20.0)
    assert policy.backoff(100_000, throttled=False, rand=half) == pytest.approx(10.0)


def test_backoff_uses_the_throttle_base_when_throttled() -> None:
    """Throttling backs off from throttle_base_delay (1 s) instead of base_delay (0.1 s)."""
    policy = RetryPolicy()
    assert [policy.backoff(n, throttled=True, rand=one) for n in (1, 2, 3)] == pytest.approx(
        [1.0, 2.0, 4.0]
    )


def test_backoff_rejects_retry_number_zero() -> None:
    """Retry numbers start at 1."""
    with pytest.raises(ValueError, match="starts at 1"):
        RetryPolicy().backoff(0, throttled=False, rand=one)


@pytest.mark.parametrize(
    "changes",
    [
        {"max_attempts": 0},
        {"base_delay": -0.1},
        {"throttle_base_delay": math.nan},
        {"base_delay": math.inf},
        {"max_delay": -1.0},
        {"max_retry_after": -1.0},
        {"budget_capacity": -1},
        {"retry_cost": -1},
        {"timeout_retry_cost": -5},
    ],
)
def test_policy_validates(changes: dict[str, Any]) -> None:
    """Nonsensical settings are refused when the policy is made."""
    with pytest.raises(ValueError, match=next(iter(changes))):
        RetryPolicy(**changes)


def test_policy_helpers() -> None:
    """disabled() makes one attempt; with_instant and with_max_attempts copy the rest."""
    assert RetryPolicy.disabled().max_attempts == 1
    custom = RetryPolicy(max_delay=3.0)
    assert custom.with_instant() == attrs.evolve(custom, instant=True)
    assert custom.with_instant().with_instant(False) == custom
    assert custom.with_max_attempts(7) == attrs.evolve(custom, max_attempts=7)


async def test_disabled_policy_makes_one_attempt() -> None:
    """With retries disabled a transient failure is raised at once."""
    attempt = Script(transport(maybe_sent=False))
    with pytest.raises(TransportError):
        await run(attempt, policy=RetryPolicy.disabled())
    assert attempt.calls == 1


# -- delays ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "base"),
    [
        (lambda: api(429), 1.0),
        (lambda: api(503), 1.0),
        (lambda: api(500), 0.1),
        (lambda: api(502), 0.1),
        (lambda: api(504), 0.1),
        (lambda: transport(maybe_sent=True), 0.1),
        (timed_out, 0.1),
    ],
)
async def test_delays_before_each_retry(error: Callable[[], LegacyAuthError], base: float) -> None:
    """Each retry waits backoff(n); 429 and 503 back off from the throttle base."""
    time = FakeTime()
    attempt = Script(error(), error(), error(), "ok")
    assert await run(attempt, time=time) == "ok"
    assert time.sleeps == pytest.approx([base * 0.5, base * 1.0, base * 2.0])


async def test_jitter_draws_come_from_rand() -> None:
    """Every delay is rand() times the ceiling, one draw per retry."""
    draws = iter([0.25, 0.75, 0.0])
    time = FakeTime()
    attempt = Script(api(500), api(500), api(500), "ok")
    await run(attempt, time=time, rand=lambda: next(draws))
    assert time.sleeps == pytest.approx([0.025, 0.15, 0.0])


async def test_retry_after_longer_than_backoff_is_honoured() -> None:
    """A Retry-After longer than the backoff is waited in full."""
    time = FakeTime()
    attempt = Script(api(429, retry_after=7), api(503, retry_after=30), "ok")
    assert await run(attempt, time=time, rand=one) == "ok"
    assert time.sleeps == [7.0, 30.0]


async def test_retry_after_shorter_than_backoff_keeps_the_backoff() -> None:
    """The wait is max(backoff, Retry-After), never shorter than the backoff."""
    time = FakeTime()
    attempt = Script(api(503, retry_after=0.25), "ok")
    await run(attempt, time=time, rand=one)
    assert time.sleeps == [1.0]


async def test_retry_after_equal_to_the_cap_is_honoured() -> None:
    """max_retry_after itself is still honoured."""
    time = FakeTime()
    await run(Script(api(429, retry_after=60), "ok"), time=time)
    assert time.sleeps == [60.0]


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_above_the_cap_stops(status: int) -> None:
    """A Retry-After longer than max_retry_after ends retrying with that error."""
    error = api(status, retry_after=61)
    attempt = Script(error, "ok")
    budget = RetryBudget(500, retry_cost=5, timeout_retry_cost=10)
    time = FakeTime()
    with pytest.raises(APIError) as info:
        await run(attempt, time=time, budget=budget)
    assert info.value is error
    assert attempt.calls == 1
    assert time.sleeps == []
    assert budget.available == 500  # stopping costs the other calls nothing
    assert any("max_retry_after=60" in note for note in notes(error))


async def test_infinite_retry_after_stops() -> None:
    """A Retry-After of infinity (float() accepts 'inf') stops instead of waiting forever."""
    error = APIError(
        status=503, code=None, message="m", method="GET", path="/p", retry_after=math.inf
    )
    attempt = Script(error, "ok")
    time = FakeTime()
    with pytest.raises(APIError) as info:
        await run(attempt, time=time)
    assert info.value is error
    assert (attempt.calls, time.sleeps) == (1, [])


async def test_instant_policy_never_sleeps() -> None:
    """instant=True computes the delays (kept in the log) but never calls sleep."""

    async def forbidden_sleep(delay: float) -> None:
        raise AssertionError(delay)

    log = AttemptLog()
    attempt = Script(api(503, retry_after=5), api(500), timed_out(), "ok")
    result: object = await call_with_retries(
        sends(attempt),
        plain_call(),
        policy=RetryPolicy(instant=True),
        budget=None,
        log=log,
        sleep=forbidden_sleep,
        rand=one,
    )
    assert result == "ok"
    assert attempt.calls == 4
    assert log.delays == pytest.approx([5.0, 0.2, 0.4])


# -- what is retried -------------------------------------------------------------------


@pytest.mark.parametrize("safety", list(RetrySafety))
@pytest.mark.parametrize("status", NEVER_RETRIED_STATUSES)
async def test_non_retryable_statuses_are_tried_once(status: int, safety: RetrySafety) -> None:
    """400, 401, 403, 404, 422 and every other non-transient status: one attempt, untouched."""
    error = api(status)
    attempt = Script(error, "ok")
    time = FakeTime()
    with pytest.raises(APIError) as info:
        await run(attempt, safety=safety, time=time)
    assert info.value is error
    assert attempt.calls == 1
    assert time.sleeps == []
    assert notes(error) == []


async def test_idempotent_retries_transport_errors_and_5xx() -> None:
    """IDEMPOTENT retries every transient failure, sent or not."""
    outcomes = [
        transport(maybe_sent=False),
        transport(maybe_sent=True),
        timed_out(maybe_sent=True),
        *(api(status) for status in RETRYABLE_STATUSES),
        "ok",
    ]
    attempt = Script(*outcomes)
    result = await run(attempt, policy=RetryPolicy(max_attempts=len(outcomes)))
    assert result == "ok"
    assert attempt.calls == len(outcomes)


async def test_unsent_only_retries_unsent_transport_errors() -> None:
    """UNSENT_ONLY retries failures where the request cannot have reached the server."""
    attempt = Script(transport(maybe_sent=False), timed_out(maybe_sent=False), "created")
    assert await run(attempt, safety=RetrySafety.UNSENT_ONLY) == "created"
    assert attempt.calls == 3


@pytest.mark.parametrize("error", [transport(maybe_sent=True), timed_out(maybe_sent=True)])
async def test_unsent_only_does_not_retry_what_may_have_been_sent(error: TransportError) -> None:
    """UNSENT_ONLY never resends a request that may have reached the server."""
    attempt = Script(error, "created")
    log = AttemptLog()
    with pytest.raises(TransportError) as info:
        await run(attempt, safety=RetrySafety.UNSENT_ONLY, log=log)
    assert info.value is error
    assert attempt.calls == 1
    assert log.ambiguous is True
    assert any("not retried" in note for note in notes(error))


@pytest.mark.parametrize("status", RETRYABLE_STATUSES)
async def test_unsent_only_never_retries_api_errors(status: int) -> None:
    """UNSENT_ONLY does not retry after any response, even a transient one."""
    error = api(status)
    attempt = Script(error, "created")
    with pytest.raises(APIError) as info:
        await run(attempt, safety=RetrySafety.UNSENT_ONLY)
    assert info.value is error
    assert attempt.calls == 1


async def test_unsent_then_sent_failure_stops_unsent_only() -> None:
    """UNSENT_ONLY stops at the first failure that may have been sent, noting the attempts."""
    error = transport(maybe_sent=True)
    attempt = Script(transport(maybe_sent=False), error, "created")
    with pytest.raises(TransportError) as info:
        await run(attempt, safety=RetrySafety.UNSENT_ONLY)
    assert info.value is error
    assert attempt.calls == 2
    assert "retry: stopped after 2 attempts" in notes(error)


async def test_max_attempts_raise_the_last_error_with_a_note() -> None:
    """After max_attempts the last attempt's exception object is raised, noting the count."""
    errors = [api(503) for _ in range(4)]
    attempt = Script(*errors)
    with pytest.raises(APIError) as info:
        await run(attempt)
    assert info.value is errors[-1]
    assert attempt.calls == 4
    assert notes(errors[-1]) == ["retry: gave up after 4 attempt(s) (max_attempts)"]
    assert all(notes(error) == [] for error in errors[:-1])


@pytest.mark.parametrize("max_attempts", [1, 2, 7])
async def test_max_attempts_respected(max_attempts: int) -> None:
    """A server that only fails gets exactly max_attempts attempts."""
    attempt = Script(transport(maybe_sent=True))
    with pytest.raises(TransportError):
        await run(attempt, policy=RetryPolicy(max_attempts=max_attempts))
    assert attempt.calls == max_attempts


async def test_other_exceptions_propagate_untouched() -> None:
    """Bugs and decode errors are neither retried nor annotated."""
    bug = KeyError("bug")
    attempt = Script(bug, "ok")
    with pytest.raises(KeyError) as info:
        await run(attempt)
    assert info.value is bug
    assert attempt.calls == 1
    assert notes(bug) == []

    decode = ResponseDecodeError("not JSON", method="GET", path="/p", status=200)
    log = AttemptLog()
    with pytest.raises(ResponseDecodeError):
        await run(Script(api(503), decode), log=log)
    assert log.attempts == 2
    assert log.last_error is decode
    assert notes(decode) == []


async def test_a_non_retryable_error_after_retries_is_noted() -> None:
    """A final 404 after retried failures says how many attempts were made."""
    error = api(404)
    attempt = Script(api(502), error)
    log = AttemptLog()
    with pytest.raises(APIError) as info:
        await run(attempt, log=log)
    assert info.value is error
    assert notes(error) == ["retry: stopped after 2 attempts"]
    assert log.ambiguous is True  # the 502 may have been applied: a DELETE 404 means done


# -- budget ----------------------------------------------------------------------------


def test_budget_acquire_and_refund_arithmetic() -> None:
    """Retries take their cost, successes refund, never above capacity."""
    budget = RetryBudget(20, retry_cost=5, timeout_retry_cost=10)
    assert budget.available == 20
    budget.record_success(retried=False, timeout=False)
    assert budget.available == 20  # already full
    assert budget.try_acquire(timeout=True)
    assert budget.available == 10
    assert budget.try_acquire(timeout=False)
    assert budget.available == 5
    assert not budget.try_acquire(timeout=True)
    assert budget.available == 5  # a refused acquire takes nothing
    budget.record_success(retried=False, timeout=False)
    assert budget.available == 6
    budget.record_success(retried=True, timeout=True)
    assert budget.available == 16
    budget.record_success(retried=True, timeout=False)
    assert budget.available == 20


def test_budget_validates() -> None:
    """Negative capacities and costs are refused."""
    with pytest.raises(ValueError, match="capacity"):
        RetryBudget(-1, retry_cost=5, timeout_retry_cost=10)
    with pytest.raises(ValueError, match="timeout_retry_cost"):
        RetryBudget(5, retry_cost=5, timeout_retry_cost=-1)


async def test_a_failing_server_drains_the_budget() -> None:
    """Only failures: retries stop once the shared budget is empty, for later calls too."""
    budget = RetryBudget(20, retry_cost=5, timeout_retry_cost=10)
    first = Script(api(503))
    with pytest.raises(APIError):
        await run(first, budget=budget)
    assert first.calls == 4
    assert budget.available == 5

    error = api(503)
    second = Script(api(503), error)
    with pytest.raises(APIError) as info:
        await run(second, budget=budget)
    assert info.value is error
    assert second.calls == 2
    assert budget.available == 0
    assert any(note.startswith("retry budget exhausted: ") for note in notes(error))

    third = Script(api(503), "ok")
    with pytest.raises(APIError):
        await run(third, budget=budget)
    assert third.calls == 1


async def test_timeouts_cost_more_budget() -> None:
    """A retry after a timeout takes timeout_retry_cost tokens."""
    budget = RetryBudget(15, retry_cost=5, timeout_retry_cost=10)
    attempt = Script(timed_out(), timed_out(), "ok")
    with pytest.raises(RequestTimeoutError):
        await run(attempt, budget=budget)
    assert attempt.calls == 2
    assert budget.available == 5


async def test_successes_refill_the_budget() -> None:
    """Success without retry refunds 1; success after a retry refunds that retry's cost."""
    budget = RetryBudget(100, retry_cost=5, timeout_retry_cost=10)
    await run(Script(api(500), api(500), "ok"), budget=budget)
    assert budget.available == 100 - 10 + 5
    await run(Script(api(500), timed_out(), "ok"), budget=budget)
    assert budget.available == 95 - 15 + 10
    await run(Script("ok"), budget=budget)
    assert budget.available == 91
    for _ in range(20):
        await run(Script("ok"), budget=budget)
    assert budget.available == 100


async def test_stopping_takes_nothing_from_the_budget() -> None:
    """Non-retryable errors and the last attempt do not pay for a retry."""
    budget = RetryBudget(100, retry_cost=5, timeout_retry_cost=10)
    with pytest.raises(APIError):
        await run(Script(api(404)), budget=budget)
    with pytest.raises(APIError):
        await run(Script(api(503)), budget=budget, policy=RetryPolicy.disabled())
    with pytest.raises(TransportError):
        await run(Script(transport(maybe_sent=True)), budget=budget, safety=RetrySafety.UNSENT_ONLY)
    assert budget.available == 100


# -- AttemptLog ------------------------------------------------------------------------


async def test_attempt_log_after_success() -> None:
    """attempts, ambiguous, last_error and elapsed (fake clock: attempts plus waits)."""
    time = FakeTime()
    error = api(503)
    attempt = Script(transport(maybe_sent=False), error, "ok", time=time, cost=2.0)
    log = AttemptLog()
    assert await run(attempt, log=log, time=time, rand=one) == "ok"
    assert log.attempts == 3
    assert log.ambiguous is False
    assert log.last_error is error
    assert log.delays == pytest.approx([0.1, 2.0])
    assert log.elapsed == pytest.approx(3 * 2.0 + 0.1 + 2.0)


async def test_attempt_log_when_raising() -> None:
    """The log is complete when the call raises: elapsed includes the failed attempts."""
    time = FakeTime()
    error = timed_out()
    attempt = Script(error, time=time, cost=5.0)
    log = AttemptLog()
    with pytest.raises(RequestTimeoutError):
        await run(attempt, log=log, time=time, policy=RetryPolicy(max_attempts=2), rand=one)
    assert log.attempts == 2
    assert log.ambiguous is True
    assert log.last_error is error
    assert log.elapsed == pytest.approx(5.0 + 0.1 + 5.0)


async def test_attempts_are_counted_before_each_attempt() -> None:
    """An attempt sees itself counted in the log."""
    log = AttemptLog()
    seen: list[int] = []

    async def attempt() -> str:
        seen.append(log.attempts)
        if len(seen) < 3:
            raise api(500)
        return "ok"

    await run(attempt, log=log)
    assert seen == [1, 2, 3]


@pytest.mark.parametrize(
    ("error", "ambiguous"),
    [
        (transport(maybe_sent=True), True),
        (timed_out(maybe_sent=True), True),
        (api(408), True),
        (api(499), True),
        (api(502), True),
        (api(504), True),
        (transport(maybe_sent=False), False),
        (timed_out(maybe_sent=False), False),
        (api(429), False),
        (api(500), False),
        (api(503), False),
        (api(404), False),
    ],
)
async def test_attempt_log_ambiguous(error: LegacyAuthError, ambiguous: bool) -> None:
    """Only failures after which the request may have been applied make the log ambiguous."""
    log = AttemptLog()
    with contextlib.suppress(APIError):  # the 404 is final
        await run(Script(error, "ok"), log=log, policy=RetryPolicy(max_attempts=2))
    assert log.ambiguous is ambiguous


async def test_a_log_adds_up_across_calls() -> None:
    """A log passed to two calls sums their attempts and elapsed time."""
    time = FakeTime()
    log = AttemptLog()
    await run(Script(api(500), "ok", time=time, cost=1.0), log=log, time=time, rand=one)
    await run(Script("ok", time=time, cost=1.0), log=log, time=time)
    assert log.attempts == 3
    assert log.elapsed == pytest.approx(1.0 + 0.1 + 1.0 + 1.0)


# -- cancellation ----------------------------------------------------------------------


async def test_cancelled_attempt_propagates_at_once() -> None:
    """CancelledError from an attempt is re-raised without another attempt."""
    cancelled = asyncio.CancelledError()
    attempt = Script(cancelled, "ok")
    log = AttemptLog()
    budget = RetryBudget(10, retry_cost=5, timeout_retry_cost=10)
    with pytest.raises(asyncio.CancelledError) as info:
        await run(attempt, log=log, budget=budget)
    assert info.value is cancelled
    assert attempt.calls == 1
    assert log.ambiguous is True  # the server may still apply a request cancelled in flight
    assert budget.available == 10


async def test_cancellation_during_backoff_stops_retrying() -> None:
    """Cancelling the task while it waits to retry makes no further attempt."""
    waiting = asyncio.Event()
    attempt = Script(api(503), "ok")
    budget = RetryBudget(10, retry_cost=5, timeout_retry_cost=10)
    log = AttemptLog()

    async def blocking_sleep(delay: float) -> None:
        waiting.set()
        await asyncio.Event().wait()  # never set: only cancellation ends this wait

    task: asyncio.Task[object] = asyncio.create_task(
        call_with_retries(
            sends(attempt),
            plain_call(),
            policy=RetryPolicy(),
            budget=budget,
            log=log,
            sleep=blocking_sleep,
            rand=half,
        )
    )
    await waiting.wait()
    assert budget.available == 5  # the retry was paid for before waiting
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert attempt.calls == 1
    assert log.attempts == 1
    assert budget.available == 10  # ... and refunded, since it never ran


# -- property --------------------------------------------------------------------------

failures = st.one_of(
    st.builds(transport, maybe_sent=st.booleans()),
    st.builds(timed_out, maybe_sent=st.booleans()),
    st.builds(
        api,
        st.sampled_from(RETRYABLE_STATUSES),
        st.none() | st.floats(min_value=0, max_value=1e6, allow_nan=False),
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    policy=st.builds(
        RetryPolicy,
        max_attempts=st.integers(min_value=1, max_value=12),
        base_delay=st.floats(min_value=0, max_value=100),
        throttle_base_delay=st.floats(min_value=0, max_value=100),
        max_delay=st.floats(min_value=0, max_value=1000),
        max_retry_after=st.floats(min_value=0, max_value=1000),
    ),
    errors=st.lists(failures, min_size=1, max_size=12),
    draws=st.lists(st.floats(min_value=0, max_value=1, exclude_max=True), min_size=1),
)
def test_delays_stay_within_bounds(
    policy: RetryPolicy, errors: list[LegacyAuthError], draws: list[float]
) -> None:
    """Every delay is within [0, max(max_delay, honoured Retry-After)] and honours it."""
    time = FakeTime()
    jitter = itertools.cycle(draws)
    attempt = Script(*errors, "ok")
    with contextlib.suppress(LegacyAuthError):
        run_sync(run(attempt, policy=policy, time=time, rand=lambda: next(jitter)))
    assert len(time.sleeps) == attempt.calls - 1
    for error, delay in zip(errors, time.sleeps, strict=False):
        retry_after = error.retry_after if isinstance(error, APIError) else None
        assert retry_after is None or retry_after <= policy.max_retry_after
        assert 0 <= delay <= max(policy.max_delay, retry_after or 0.0)
        assert retry_after is None or delay >= retry_after


# -- a call's own policy -----------------------------------------------------------------------


def test_a_call_policy_governs_attempts_only() -> None:
    """A per-call policy may change attempts and backoff; budget fields of its own are
    refused, naming the field and where it belongs, instead of being ignored."""
    client_policy = RetryPolicy(budget_capacity=50)
    for allowed in (
        client_policy,
        RetryPolicy(max_attempts=2),
        RetryPolicy.disabled(),
        client_policy.with_max_attempts(8),
        RetryPolicy(instant=True, budget_capacity=500),  # the default: nothing was set
    ):
        assert call_policy(allowed, client_policy) is allowed
    for field, value in (("budget_capacity", 10), ("retry_cost", 1), ("timeout_retry_cost", 3)):
        changes: dict[str, Any] = {field: value}
        with pytest.raises(ValueError, match=f"{field}={value}") as caught:
            call_policy(attrs.evolve(RetryPolicy(), **changes), client_policy)
        assert "LegacyAuthClient(retry=" in str(caught.value)
    with pytest.raises(TypeError, match="retry must be a RetryPolicy, got int"):
        call_policy(3, client_policy)


def test_budget_for_policy_is_full_and_sized_by_it() -> None:
    """The client's budget starts full, sized by its policy's budget fields."""
    budget = RetryBudget.for_policy(RetryPolicy(budget_capacity=12, retry_cost=4))
    assert (budget.available, budget.capacity, budget.cost(timeout=False)) == (12, 12, 4)
    assert budget.cost(timeout=True) == 10
