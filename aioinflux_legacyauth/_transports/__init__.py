"""Transports: what carries a :class:`Request` to the server and its answer back.

The client needs one thing of a transport: ``send(request, timeout=...)`` returning the
whole :class:`RawResponse`, or raising :class:`TransportError` when no response came. The
protocol and its :class:`Timeout` are the library's own types, so a transport of your own
(a test double, another HTTP library) depends on nothing else. The aiohttp transport lives
in :mod:`.aiohttp`; :mod:`.debug` wraps any transport to print what it sends.
"""

from __future__ import annotations

import math
from typing import Any, Final, Protocol

import attrs
from yarl import URL

from .._errors import ArgumentError
from .._sansio import RawResponse, Request

__all__ = ["DEFAULT_DEADLINE", "Timeout", "Transport", "base_url", "check_deadline"]


def _seconds_or_none(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or math.isnan(value)
        or value < 0
    ):
        msg = f"Timeout.{attribute.name} must be None or a number of seconds >= 0, got {value!r}"
        raise ValueError(msg)


@attrs.frozen(slots=True)
class Timeout:
    """How long one attempt of a request may take, in seconds; ``None`` sets no limit.

    ``total`` bounds the whole attempt; ``connect`` opening a new connection; ``read``
    each wait for more of the response; ``pool`` getting a connection at all, waiting for
    a free one included (aiohttp's ``connect``). Retries get a fresh allowance each.

    The whole call, every attempt and every wait between them (backoff, ``Retry-After``)
    included, is bounded by the call's *deadline* instead: ``deadline=`` on the client
    (default :data:`DEFAULT_DEADLINE`) and on each method, in seconds.
    """

    total: float | None = attrs.field(default=None, validator=_seconds_or_none)
    connect: float | None = attrs.field(default=None, validator=_seconds_or_none)
    read: float | None = attrs.field(default=None, validator=_seconds_or_none)
    pool: float | None = attrs.field(default=None, validator=_seconds_or_none)


#: Seconds one call may take from its first attempt to its last answer, waits included.
#: Four attempts that each time out (30 s) fit; four ``Retry-After: 60`` waits do not.
DEFAULT_DEADLINE: Final = 120.0


def check_deadline(value: object) -> float | None:
    """``value`` as a deadline: a number of seconds > 0 (``math.inf`` and None: none)."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or math.isnan(value)
        or value <= 0
    ):
        msg = f"deadline must be None or a number of seconds > 0, got {value!r}"
        raise ArgumentError(msg)
    return None if math.isinf(value) else float(value)


class Transport(Protocol):
    """What the client needs from a transport: one request in, one full response out.

    Implementations raise :class:`TransportError` (or :class:`RequestTimeoutError`) for
    failures without a response, setting ``maybe_sent`` honestly: whether the request may
    have reached the server is what decides if a retry is safe.
    """

    async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
        """Send ``request`` and return the whole response within ``timeout``."""
        ...


def _bad_url(problem: str) -> ArgumentError:
    # The value is never repeated: a token passed where the URL goes (swapped flags or
    # arguments) would end up on a terminal, and yarl's own messages quote the netloc,
    # passwords included.
    return ArgumentError(
        f"url must be an http:// or https:// URL with a host; the value given {problem} "
        f"(it is not shown, in case it is a token given as the URL)"
    )


def base_url(url: str) -> URL:
    """Check and parse the server URL. Credentials belong in ``token=``, never in the URL.

    What is wrong is said; the value itself never is (it may be a secret).
    """
    given: object = url  # callers without a type checker may pass anything
    if not isinstance(given, str):
        msg = f"url must be a string, got {type(given).__name__}"
        raise TypeError(msg)
    text = given.strip()
    try:
        parsed = URL(text)
    except ValueError:  # UnicodeError (IDNA) included
        problem = "cannot be parsed as a URL"
        if not text.isascii():
            problem += ", and has non-ASCII characters"
        raise _bad_url(problem) from None
    if parsed.scheme not in ("http", "https"):
        problem = "has no scheme" if "://" not in text else "has another scheme"
        raise _bad_url(problem)
    if not parsed.host:
        problem = "has no host"
        raise _bad_url(problem)
    if parsed.user is not None or parsed.password is not None:
        msg = "url must not contain credentials; pass the API token as token="
        raise ArgumentError(msg)
    if parsed.query_string or parsed.fragment:
        msg = "url must not have a query or a fragment"
        raise ArgumentError(msg)
    return parsed
