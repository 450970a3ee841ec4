"""Fault injection: what proxies and networks in front of InfluxDB do to a request.

The real server never rate-limits these routes nor sends ``Retry-After``; a gateway in
front of it does, a proxy answers with its own HTML 502, and a network can lose the
connection before the server saw the request or after it applied the change but before
the answer arrived. A :class:`FaultPlan` makes chosen requests on the legacy routes fail
in those ways: rules programmed by a test, and a seeded random share for soak runs.
"""

from __future__ import annotations

import enum
import random
import threading
from collections.abc import Iterable
from typing import Final

import attrs
from aiohttp import web

from ..domain.errors import TOO_MANY_REQUESTS, UNAVAILABLE
from ..wire.responses import JSON_CONTENT_TYPE, PLATFORM_ERROR_HEADER, go_json
from .matching import request_matches

__all__ = [
    "Fault",
    "FaultKind",
    "FaultPlan",
    "FaultRule",
    "InjectedFault",
    "fault_response",
]

_REASONS: Final = {
    503: "Service Temporarily Unavailable",
    429: "Too Many Requests",
    502: "Bad Gateway",
}


class FaultKind(enum.StrEnum):
    """The ways a request can be made to fail."""

    #: 503 with ``Retry-After``, as an overloaded gateway answers.
    UNAVAILABLE = "unavailable"
    #: 429 with ``Retry-After``, as a rate-limiting gateway answers.
    TOO_MANY_REQUESTS = "too_many_requests"
    #: 502 with a proxy's HTML page and no InfluxDB code.
    BAD_GATEWAY = "bad_gateway"
    #: Answered normally, but only after a delay.
    DELAY = "delay"
    #: The connection closes before the server handles the request: nothing changes.
    DROP_BEFORE = "drop_before"
    #: The server applies the request, then the connection closes before the answer.
    DROP_AFTER = "drop_after"


@attrs.frozen
class Fault:
    """One fault; build it with the class methods."""

    kind: FaultKind = attrs.field(converter=FaultKind)
    #: Seconds for the ``Retry-After`` header of a 503 or 429 (``None``: no header).
    retry_after: int | None = None
    #: Seconds to wait before answering, for :attr:`FaultKind.DELAY`.
    delay: float = 0.0
    #: A 503 or 429 with a proxy's HTML page instead of an InfluxDB-style JSON body.
    html: bool = False

    @classmethod
    def unavailable(cls, retry_after: int | None = 1, *, html: bool = False) -> Fault:
        """503 Service Unavailable with ``Retry-After``."""
        return cls(FaultKind.UNAVAILABLE, retry_after=retry_after, html=html)

    @classmethod
    def too_many_requests(cls, retry_after: int | None = 1, *, html: bool = False) -> Fault:
        """429 Too Many Requests with ``Retry-After``."""
        return cls(FaultKind.TOO_MANY_REQUESTS, retry_after=retry_after, html=html)

    @classmethod
    def bad_gateway(cls) -> Fault:
        """A proxy's HTML 502."""
        return cls(FaultKind.BAD_GATEWAY)

    @classmethod
    def delayed(cls, seconds: float) -> Fault:
        """Answer normally after ``seconds``."""
        if seconds < 0:
            msg = "a delay cannot be negative"
            raise ValueError(msg)
        return cls(FaultKind.DELAY, delay=seconds)

    @classmethod
    def drop_before(cls) -> Fault:
        """Close the connection without handling the request."""
        return cls(FaultKind.DROP_BEFORE)

    @classmethod
    def drop_after(cls) -> Fault:
        """Handle the request, then close the connection instead of answering."""
        return cls(FaultKind.DROP_AFTER)


@attrs.define
class FaultRule:
    """A programmed fault: matching requests after the first ``skip`` get ``fault``.

    ``remaining`` counts down each time the rule fires; ``None`` fires forever.
    """

    fault: Fault
    method: str | None = None
    path: str | None = None
    remaining: int | None = 1
    skip: int = 0

    @property
    def exhausted(self) -> bool:
        """Whether the rule will never fire again."""
        return self.remaining is not None and self.remaining <= 0


@attrs.frozen
class InjectedFault:
    """A fault that was applied: to which request, and which."""

    method: str
    path: str
    fault: Fault


class FaultPlan:
    """Decides, request by request, whether and how a legacy-route request fails.

    Programmed rules (:meth:`add`) are consulted first, in the order added. Otherwise,
    with ``rate`` > 0, that share of requests fails in one of ``kinds``, drawn from a
    random generator seeded with ``seed``, so a run with the same requests in the same
    order fails the same way. Safe to program from another thread while serving.
    """

    def __init__(
        self,
        *,
        rate: float = 0.0,
        seed: int | None = None,
        kinds: Iterable[FaultKind | str] = tuple(FaultKind),
        retry_after: int = 1,
        max_delay: float = 0.5,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            msg = f"fault rate must be between 0 and 1, got {rate}"
            raise ValueError(msg)
        self.rate = rate
        self.seed = seed
        self.kinds = tuple(FaultKind(kind) for kind in kinds)
        if rate and not self.kinds:
            msg = "a fault rate needs at least one fault kind"
            raise ValueError(msg)
        self.retry_after = retry_after
        self.max_delay = max_delay
        self._random = random.Random(seed)  # noqa: S311 - repeatable test faults, not security
        self._rules: list[FaultRule] = []
        self._injected: list[InjectedFault] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FaultPlan(rate={self.rate}, seed={self.seed}, rules={len(self._rules)})"

    def add(
        self,
        fault: Fault,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = 1,
        skip: int = 0,
    ) -> FaultRule:
        """Make the next ``times`` matching requests (after ``skip`` of them) get ``fault``.

        ``method`` is an HTTP method, ``path`` a shell-style pattern (``*`` crosses ``/``),
        for example ``add(Fault.drop_after(), method="POST", path="*/password")``.
        ``times=None`` keeps failing forever.
        """
        if times is not None and times < 1:
            msg = "times must be at least 1 (or None for every request)"
            raise ValueError(msg)
        rule = FaultRule(fault=fault, method=method, path=path, remaining=times, skip=skip)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """Forget every programmed rule (the random rate stays)."""
        with self._lock:
            self._rules.clear()

    @property
    def injected(self) -> tuple[InjectedFault, ...]:
        """Every fault applied so far, in order."""
        with self._lock:
            return tuple(self._injected)

    def draw(self, method: str, path: str) -> Fault | None:
        """The fault for this request, or ``None`` to serve it normally."""
        with self._lock:
            fault = self._from_rules(method, path) or self._from_chance()
            if fault is not None:
                self._injected.append(InjectedFault(method=method, path=path, fault=fault))
            return fault

    def _from_rules(self, method: str, path: str) -> Fault | None:
        for rule in self._rules:
            if rule.exhausted:
                continue
            if not request_matches(method, path, want_method=rule.method, want_path=rule.path):
                continue
            if rule.skip > 0:
                rule.skip -= 1
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
            return rule.fault
        return None

    def _from_chance(self) -> Fault | None:
        if not self.rate or self._random.random() >= self.rate:
            return None
        kind = self._random.choice(self.kinds)
        if kind is FaultKind.DELAY:
            return Fault.delayed(round(self._random.uniform(0.0, self.max_delay), 3))
        if kind in (FaultKind.UNAVAILABLE, FaultKind.TOO_MANY_REQUESTS):
            return Fault(kind, retry_after=self.retry_after)
        return Fault(kind)


def fault_response(fault: Fault, response_type: type[web.Response] = web.Response) -> web.Response:
    """The answer a gateway or proxy gives for a 503, 429 or 502 fault."""
    if fault.kind is FaultKind.BAD_GATEWAY:
        return _html_page(502, response_type)
    status = 503 if fault.kind is FaultKind.UNAVAILABLE else 429
    if fault.html:
        response = _html_page(status, response_type)
    else:
        # What an InfluxDB-aware gateway (as in InfluxDB Cloud) sends: the usual envelope.
        code = UNAVAILABLE if status == 503 else TOO_MANY_REQUESTS
        message = "service unavailable" if status == 503 else "too many requests"
        response = response_type(
            status=status,
            body=go_json({"code": code, "message": message}, indent=False),
            headers={"Content-Type": JSON_CONTENT_TYPE, PLATFORM_ERROR_HEADER: code},
        )
    if fault.retry_after is not None:
        response.headers["Retry-After"] = str(fault.retry_after)
    return response


def _html_page(status: int, response_type: type[web.Response]) -> web.Response:
    title = f"{status} {_REASONS[status]}"
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    return response_type(
        status=status, body=page.encode("ascii"), headers={"Content-Type": "text/html"}
    )
