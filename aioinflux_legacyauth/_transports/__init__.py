"""Transports: what carries a :class:`Request` to the server and its answer back.

The client needs one thing of a transport: ``send(request, timeout=...)`` returning the
whole :class:`RawResponse`, or raising :class:`TransportError` when no response came. The
protocol and its :class:`Timeout` are the library's own types, so a transport of your own
(a test double, another HTTP library) depends on nothing else. The aiohttp transport lives
in :mod:`.aiohttp`; :mod:`.debug` wraps any transport to print what it sends.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import attrs
from yarl import URL

from .._sansio import RawResponse, Request

__all__ = ["Timeout", "Transport", "base_url"]


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
    """

    total: float | None = attrs.field(default=None, validator=_seconds_or_none)
    connect: float | None = attrs.field(default=None, validator=_seconds_or_none)
    read: float | None = attrs.field(default=None, validator=_seconds_or_none)
    pool: float | None = attrs.field(default=None, validator=_seconds_or_none)


class Transport(Protocol):
    """What the client needs from a transport: one request in, one full response out.

    Implementations raise :class:`TransportError` (or :class:`RequestTimeoutError`) for
    failures without a response, setting ``maybe_sent`` honestly: whether the request may
    have reached the server is what decides if a retry is safe.
    """

    async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
        """Send ``request`` and return the whole response within ``timeout``."""
        ...


def base_url(url: str) -> URL:
    """Check and parse the server URL. Credentials belong in ``token=``, never in the URL."""
    parsed = URL(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.host:
        # Something before an "@" may be a password: never repeat it.
        shown = repr(url) if "@" not in url else "a URL with '@' in it"
        msg = f"url must be an http:// or https:// URL with a host, got {shown}"
        raise ValueError(msg)
    if parsed.user is not None or parsed.password is not None:
        msg = "url must not contain credentials; pass the API token as token="
        raise ValueError(msg)
    if parsed.query_string or parsed.fragment:
        msg = "url must not have a query or a fragment"
        raise ValueError(msg)
    return parsed
