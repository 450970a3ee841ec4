"""The retry engine: which failures to retry, how long to wait, and when to stop.

Every call the client makes goes through :func:`call_with_retries`. The defaults and their
sources are in ``reference/reliability-perf.md`` (sections 1 and 6):

* capped exponential backoff with *full* jitter (AWS, Google ``api_core``), with a larger
  base for throttling (429/503) than for transient failures (AWS "2026 retries");
* ``Retry-After`` honoured up to :attr:`RetryPolicy.max_retry_after`; a longer wait ends
  retrying, because a batch job should not stall for minutes on one item;
* a client-wide :class:`RetryBudget` (botocore's retry quota), so a dead server stops
  being retried after about a hundred failed retries instead of being hammered;
* only what is safe is retried (:class:`RetrySafety`): a request that may already have been
  applied is resent only when resending it cannot do harm;
* a call's *deadline* bounds everything: no wait that would end past it starts, and an
  attempt that could still be running then is cut off at it.

Which failures may have been applied (recorded as :attr:`AttemptLog.ambiguous`):

* a :class:`TransportError` with ``maybe_sent=True`` (the request may have been written
  before the connection failed or the timeout fired);
* 408 and 499 (InfluxDB's own "deadline passed" and "request cancelled": the handler may
  have committed before the context ended), 502 and 504 (a gateway lost the upstream
  after forwarding the request);
* an attempt cancelled while in flight (``asyncio.CancelledError``): the server may still
  apply it, as measured in section 2.3.

429 and 503 mean a limiter or an unavailable server refused the request, and InfluxDB's
500 comes from a failed service call whose write transaction was rolled back, so none of
those are ambiguous. A 4xx answer is definite.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from ._errors import APIError, LegacyAuthError, RequestTimeoutError, TransportError

if TYPE_CHECKING:  # the call's types only: _sansio imports this module
    from ._sansio import Call, Request
    from ._transports import Timeout

__all__ = [
    "AttemptLog",
    "RetryBudget",
    "RetryPolicy",
    "RetrySafety",
    "call_policy",
    "call_with_retries",
]

T = TypeVar("T")

logger: Final = logging.getLogger("aioinflux_legacyauth")

#: Statuses answered after the server (or whatever the gateway forwarded to) may have applied
#: the request: InfluxDB's 408/499 and a gateway's 502/504.
AMBIGUOUS_STATUSES: Final = frozenset({408, 499, 502, 504})
#: Statuses that mean "slow down": they back off from the larger throttle base.
THROTTLE_STATUSES: Final = frozenset({429, 503})

# 2.0 ** 1024 overflows; any exponent this large is far past every sane cap anyway.
_MAX_EXPONENT: Final = 1000


class RetrySafety(enum.Enum):
    """How safe it is to send a request again after a failure."""

    #: GET, PATCH (absolute assignment), DELETE, set-password with the same password:
    #: a replay leaves the same state, so retry after any transient failure.
    IDEMPOTENT = "idempotent"
    #: Create (POST): a replay could act twice, so retry only failures where the request
    #: cannot have reached the server (``TransportError`` with ``maybe_sent=False``);
    #: never after a response, nor after an ambiguous failure.
    UNSENT_ONLY = "unsent_only"


def _at_least(
    minimum: float, *, finite: bool = False
) -> Callable[[object, attrs.Attribute[Any], float], None]:
    def check(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
        # NaN compares false with everything, so test for it explicitly.
        if math.isnan(value) or value < minimum or (finite and math.isinf(value)):
            kind = "a finite number " if finite else ""
            msg = f"{attribute.name} must be {kind}at least {minimum}, got {value!r}"
            raise ValueError(msg)

    return check


@attrs.frozen
class RetryPolicy:
    """How a call is retried. Immutable; the client takes one, and each call may override it.

    ``max_attempts`` counts the first attempt (4 = 1 + 3 retries). ``instant=True`` computes
    the delays but never sleeps, for tests.

    The budget fields (``budget_capacity``, ``retry_cost``, ``timeout_retry_cost``) size
    the client-wide :class:`RetryBudget`, so they are read from the client's policy only.
    A policy given to one call (``retry=`` on a method) governs that call's attempts and
    backoff; budget fields set on it to something else than the client's are refused
    with a ValueError rather than ignored.
    """

    max_attempts: int = attrs.field(default=4, validator=_at_least(1))
    #: Backoff base for transient failures (connection errors, 5xx), in seconds.
    base_delay: float = attrs.field(default=0.1, validator=_at_least(0.0, finite=True))
    #: Backoff base for throttling (429, 503), in seconds.
    throttle_base_delay: float = attrs.field(default=1.0, validator=_at_least(0.0, finite=True))
    #: Cap on one backoff delay, in seconds (``math.inf``: no cap).
    max_delay: float = attrs.field(default=20.0, validator=_at_least(0.0))
    #: Longest ``Retry-After`` honoured, in seconds; a longer one ends retrying.
    #: ``math.inf`` honours any; ``0`` stops at every ``Retry-After`` but ``0``.
    max_retry_after: float = attrs.field(default=60.0, validator=_at_least(0.0))
    #: Tokens in the client-wide :class:`RetryBudget`.
    budget_capacity: int = attrs.field(default=500, validator=_at_least(0))
    #: Tokens one retry takes from the budget.
    retry_cost: int = attrs.field(default=5, validator=_at_least(0))
    #: Tokens one retry after a timeout takes (a timeout suggests an overloaded server).
    timeout_retry_cost: int = attrs.field(default=10, validator=_at_least(0))
    instant: bool = False

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """A policy that makes exactly one attempt."""
        return cls(max_attempts=1)

    def with_instant(self, instant: bool = True) -> RetryPolicy:
        """This policy with backoff made instant (or real again, with ``False``)."""
        return attrs.evolve(self, instant=instant)

    def with_max_attempts(self, max_attempts: int) -> RetryPolicy:
        """This policy with another attempt limit."""
        return attrs.evolve(self, max_attempts=max_attempts)

    def backoff(self, retry_number: int, *, throttled: bool, rand: Callable[[], float]) -> float:
        """Full-jitter delay before retry ``retry_number`` (1 for the first retry).

        ``rand() * min(max_delay, base * 2 ** (retry_number - 1))``, where ``base`` is
        ``throttle_base_delay`` when ``throttled`` and ``base_delay`` otherwise.
        """
        if retry_number < 1:
            msg = f"retry_number starts at 1, got {retry_number}"
            raise ValueError(msg)
        base = self.throttle_base_delay if throttled else self.base_delay
        exponent = min(retry_number - 1, _MAX_EXPONENT)
        ceiling = min(self.max_delay, base * 2.0**exponent)
        return rand() * ceiling


#: The fields of a policy that size the client's budget rather than one call's attempts.
BUDGET_FIELDS: Final = ("budget_capacity", "retry_cost", "timeout_retry_cost")
_DEFAULT_POLICY: Final = RetryPolicy()


def call_policy(policy: object, client_policy: RetryPolicy) -> RetryPolicy:
    """``policy`` as the policy of one call of a client whose own policy is ``client_policy``.

    A call's policy governs attempts only: a budget field set to another value than both
    the default and the client's would be ignored, so it is refused instead.
    """
    if policy is client_policy:
        return client_policy
    if not isinstance(policy, RetryPolicy):
        msg = f"retry must be a RetryPolicy, got {type(policy).__name__}"
        raise TypeError(msg)
    for name in BUDGET_FIELDS:
        value = getattr(policy, name)
        if value not in (getattr(_DEFAULT_POLICY, name), getattr(client_policy, name)):
            msg = (
                f"retry= on a call sets that call's attempts only; {name}={value!r} sizes "
                f"the retry budget the client's calls share: give it to the client instead, "
                f"as LegacyAuthClient(retry=RetryPolicy({name}=...))"
            )
            raise ValueError(msg)
    return policy


class RetryBudget:
    """Client-wide token bucket shared by every call of one client.

    Not thread-safe: it belongs to one client on one event loop. This is botocore's retry
    quota: each retry takes ``retry_cost`` tokens (``timeout_retry_cost`` after a timeout);
    a success without retry gives one back, a success after a retry gives back what that
    retry took. When a retry cannot be paid for, the call stops retrying, so
    a server that only fails sees retries stop after ``capacity / retry_cost`` of them.
    """

    def __init__(self, capacity: int, *, retry_cost: int, timeout_retry_cost: int) -> None:
        for name, value in (
            ("capacity", capacity),
            ("retry_cost", retry_cost),
            ("timeout_retry_cost", timeout_retry_cost),
        ):
            if value < 0:
                msg = f"{name} must not be negative, got {value}"
                raise ValueError(msg)
        self._capacity = capacity
        self._available = capacity
        self._retry_cost = retry_cost
        self._timeout_retry_cost = timeout_retry_cost

    @classmethod
    def for_policy(cls, policy: RetryPolicy) -> RetryBudget:
        """A full budget sized by ``policy``'s budget fields."""
        return cls(
            policy.budget_capacity,
            retry_cost=policy.retry_cost,
            timeout_retry_cost=policy.timeout_retry_cost,
        )

    def __repr__(self) -> str:
        return f"RetryBudget(available={self._available}, capacity={self._capacity})"

    @property
    def available(self) -> int:
        """Tokens left."""
        return self._available

    @property
    def capacity(self) -> int:
        """Tokens when full."""
        return self._capacity

    def cost(self, *, timeout: bool) -> int:
        """Tokens one retry takes."""
        return self._timeout_retry_cost if timeout else self._retry_cost

    def try_acquire(self, *, timeout: bool) -> bool:
        """Take the cost of one retry; False (taking nothing) if not enough is left."""
        cost = self.cost(timeout=timeout)
        if cost > self._available:
            return False
        self._available -= cost
        return True

    def release(self, *, timeout: bool) -> None:
        """Give back an acquired retry that never ran (the call was cancelled while waiting)."""
        self._refill(self.cost(timeout=timeout))

    def record_success(self, *, retried: bool, timeout: bool) -> None:
        """Refill after a success: 1 without retry, else the cost of the last retry."""
        if retried:
            self._refill(self.cost(timeout=timeout))
        elif self._available < self._capacity:  # _refill(1), inline: every call ends here
            self._available += 1

    def _refill(self, amount: int) -> None:
        self._available = min(self._capacity, self._available + amount)


@attrs.define
class AttemptLog:
    """What happened across the attempts of one call, for bulk reports.

    Filled in while the call runs, so it is also complete when the call raises. A log
    passed to several calls adds them up.
    """

    attempts: int = 0
    #: Some attempt may have reached the server without us seeing the answer.
    ambiguous: bool = False
    #: The last library error an attempt raised (kept after a later success).
    last_error: LegacyAuthError | None = None
    #: Monotonic seconds spent in the call, waits included.
    elapsed: float = 0.0
    #: Every backoff delay computed, in seconds, also when ``instant`` skipped the wait.
    delays: list[float] = attrs.Factory(list)


@attrs.frozen
class _Verdict:
    """The classification of one failed attempt."""

    retry: bool  # whether sending it again is allowed for this safety
    ambiguous: bool  # the request may have been applied
    timeout: bool  # costs a timeout retry
    throttled: bool  # backs off from the throttle base
    refused_reason: str | None = None  # why a transient failure was not retried


def _classify(error: TransportError | APIError, safety: RetrySafety) -> _Verdict:
    if isinstance(error, TransportError):
        retry = safety is RetrySafety.IDEMPOTENT or not error.maybe_sent
        return _Verdict(
            retry=retry,
            ambiguous=error.maybe_sent,
            timeout=isinstance(error, RequestTimeoutError),
            throttled=False,
            refused_reason=None
            if retry
            else "not retried: the request may have reached the server and is not idempotent",
        )
    transient = error.retryable
    retry = transient and safety is RetrySafety.IDEMPOTENT
    return _Verdict(
        retry=retry,
        ambiguous=error.status in AMBIGUOUS_STATUSES,
        timeout=False,
        throttled=error.status in THROTTLE_STATUSES,
        refused_reason="not retried: the server answered and the request is not idempotent"
        if transient and not retry
        else None,
    )


async def call_with_retries(
    send: Callable[..., Awaitable[Any]],
    call: Call[T],
    timeout: Timeout | None = None,
    *,
    policy: RetryPolicy,
    budget: RetryBudget | None,
    log: AttemptLog | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rand: Callable[[], float] = random.random,
    clock: Callable[[], float] = time.monotonic,
    deadline: float | None = None,
    attempt_limit: float | None = None,
) -> T:
    """Send ``call`` until an attempt succeeds or retrying must stop; return its result.

    Each attempt is ``send(call.request, timeout=timeout)`` (a transport's ``send``), its
    response read by ``call.parse`` inside the loop, so what the parser raises (the
    :class:`APIError` of an error status) is retried like a failed attempt, as far as
    ``call.safety`` allows.

    ``deadline`` bounds the whole call, in seconds: a retry whose wait would end past it
    is not made (the last failure is raised, with a note), and an attempt that could
    still run at the deadline is cut off there with a :class:`RequestTimeoutError`.
    ``attempt_limit`` is how long one attempt can take on its own (the transport's total
    timeout): attempts that end before the deadline anyway run without a timer. Under
    ``instant`` the skipped waits count as time spent.

    ``call.recover``, if set, decides what the library error that ends the call means:
    ``recover(error, log)`` returns the call's result, or raises. It runs here rather than
    in a coroutine around this one (which every wait of the request would cross again).

    Failures that stop the call re-raise the attempt's own exception object, with a note
    (``add_note``) saying why retrying stopped. Exceptions other than
    :class:`TransportError` and :class:`APIError` (cancellation, decoding errors, bugs)
    propagate at once, untouched.
    """
    log = AttemptLog() if log is None else log
    request, parse, safety = call.request, call.parse, call.safety
    started = clock()
    elapsed_before = log.elapsed
    number = 0  # attempts made by this call
    skipped = 0.0  # waits that instant mode did not sleep, in seconds
    last_retry_timeout = False  # which cost the last paid retry took, for the refund
    # One coroutine, not a loop in a helper: every await of a request passes through each
    # coroutine above it, and bulk jobs make thousands of them. Nor a closure or partial
    # per call: the transport's send and the call's parser are called as they are.
    try:
        while True:
            number += 1
            log.attempts += 1
            # The first attempt starts now: its whole deadline is left, without a clock read.
            left = (
                deadline
                if deadline is None or number == 1
                else deadline - (clock() - started + skipped)
            )
            try:
                # An attempt that ends in time on its own needs no timer (a timer is not free).
                response = await (
                    send(request, timeout=timeout)
                    if left is None or (attempt_limit is not None and attempt_limit <= left)
                    else _before_deadline(send(request, timeout=timeout), left, number, request)
                )
                result = parse(request, response)
            except (TransportError, APIError) as exc:
                error: TransportError | APIError = exc
            except LegacyAuthError as exc:
                # A 2xx whose body did not decode, a closed client...: retrying cannot help.
                log.last_error = exc
                return _ended(exc, call, log)
            except asyncio.CancelledError:
                # Cancelled in flight: the server may still apply the request (section 2.3).
                log.ambiguous = True
                raise
            else:
                if budget is not None:
                    budget.record_success(retried=number > 1, timeout=last_retry_timeout)
                return result

            # Decided outside the except block, so a later failure does not chain onto it.
            log.last_error = error
            verdict = _classify(error, safety)
            log.ambiguous = log.ambiguous or verdict.ambiguous
            left = None if deadline is None else deadline - (clock() - started + skipped)
            delay = _plan_retry(
                error, verdict, number=number, policy=policy, budget=budget, rand=rand, left=left
            )
            if delay is None:
                return _ended(error, call, log)
            last_retry_timeout = verdict.timeout
            log.delays.append(delay)
            logger.debug(
                "retrying %s %s after %s (attempt %d of %d failed) in %.3f s",
                error.method,
                error.path,
                type(error).__name__,
                number,
                policy.max_attempts,
                delay,
            )
            if policy.instant:
                skipped += delay
                continue
            try:
                await sleep(delay)
            except asyncio.CancelledError:
                # The paid-for retry never ran: give its tokens back to the other calls.
                if budget is not None:
                    budget.release(timeout=last_retry_timeout)
                raise
    finally:
        log.elapsed = elapsed_before + (clock() - started)


def _ended(error: LegacyAuthError, call: Call[T], log: AttemptLog) -> T:
    """Raise the error that ended the call, unless the call's ``recover`` makes a result of it."""
    if call.recover is None:
        raise error
    return call.recover(error, log)


async def _before_deadline(
    attempt: Awaitable[Any], left: float, number: int, request: Request
) -> Any:
    """``attempt``, cut off after ``left`` seconds: a :class:`RequestTimeoutError` then.

    Cut off in flight, the request may have been applied (``maybe_sent``).
    """
    scope = asyncio.timeout(max(left, 0.0))
    try:
        async with scope:
            return await attempt
    except TimeoutError:
        if not scope.expired():
            raise
    message = f"the call's deadline passed during attempt {number}"
    raise RequestTimeoutError(
        message, method=request.method, path=request.path, maybe_sent=True
    ) from None


def _plan_retry(
    error: TransportError | APIError,
    verdict: _Verdict,
    *,
    number: int,
    policy: RetryPolicy,
    budget: RetryBudget | None,
    rand: Callable[[], float],
    left: float | None = None,
) -> float | None:
    """The wait before retrying after attempt ``number`` (paid from the budget), or None.

    None means stop; a note on ``error`` then says why, unless it is plainly final (a
    first-attempt 404, say). ``left``: seconds to the call's deadline, if it has one.
    """
    if not verdict.retry:
        if verdict.refused_reason is not None:
            error.add_note(verdict.refused_reason)
        if number > 1:
            error.add_note(f"retry: stopped after {number} attempts")
        return None
    if left is not None and left <= 0:  # before max_attempts: it is why the call ended
        error.add_note(f"retry: stopped after {number} attempt(s): the call's deadline passed")
        return None
    if number >= policy.max_attempts:
        error.add_note(f"retry: gave up after {number} attempt(s) (max_attempts)")
        return None

    delay = policy.backoff(number, throttled=verdict.throttled, rand=rand)
    retry_after = error.retry_after if isinstance(error, APIError) else None
    if retry_after is not None:
        if retry_after > policy.max_retry_after:
            error.add_note(
                f"retry: the server asked to wait {retry_after:g} s, longer than "
                f"max_retry_after={policy.max_retry_after:g} s; stopped after "
                f"{number} attempt(s)"
            )
            return None
        delay = max(delay, retry_after)
    if left is not None and delay >= left:
        error.add_note(
            f"retry: stopped after {number} attempt(s): the call's deadline is {left:.3g} s "
            f"away, and the next attempt would wait {delay:.3g} s"
        )
        return None

    # Paid last, so a call that stops for another reason takes nothing from the others.
    if budget is not None and not budget.try_acquire(timeout=verdict.timeout):
        error.add_note(
            f"retry budget exhausted: {budget.available} of {budget.capacity} tokens left, "
            f"a retry costs {budget.cost(timeout=verdict.timeout)}; stopped after "
            f"{number} attempt(s)"
        )
        return None
    return delay
