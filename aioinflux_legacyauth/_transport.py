"""The aiohttp transport: ``send(Request) -> RawResponse``, and nothing else.

It turns every aiohttp and timeout failure into a :class:`TransportError`, recording
whether the request may have reached the server (what makes a retry safe or not).
"""

from __future__ import annotations

import logging
import time
from typing import Final, Protocol

import aiohttp
from yarl import URL

from ._errors import RequestTimeoutError, TransportError
from ._sansio import RawResponse, Request, new_raw_response

__all__ = ["AiohttpTransport", "Transport", "base_url"]

logger: Final = logging.getLogger("aioinflux_legacyauth")

# Failures where nothing was written to the server: safe to send again, whatever the method.
_NOT_SENT: Final = (
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
    aiohttp.InvalidURL,
)


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


class Transport(Protocol):
    """What the client needs from a transport: one request in, one full response out.

    Implementations raise :class:`TransportError` (or :class:`RequestTimeoutError`) for
    failures without a response, setting ``maybe_sent`` honestly.
    """

    async def send(self, request: Request, *, timeout: aiohttp.ClientTimeout) -> RawResponse:
        """Send ``request`` and return the whole response."""
        ...


class AiohttpTransport:
    """Sends requests over one aiohttp session to one server."""

    __slots__ = ("_origin", "_path", "_session")

    def __init__(self, session: aiohttp.ClientSession, url: URL) -> None:
        self._session = session
        self._origin = url.origin()
        # Kept encoded: the request path already carries its own percent-escapes.
        self._path = url.raw_path.rstrip("/")

    def url_for(self, request: Request) -> URL:
        """The absolute URL a request goes to (without its query string)."""
        # Replacing the path of a parsed URL costs less than half of parsing a new one.
        return self._origin.with_path(self._path + request.path, encoded=True)

    async def send(self, request: Request, *, timeout: aiohttp.ClientTimeout) -> RawResponse:
        """Send one request and read the whole response body within ``timeout``."""
        started = time.perf_counter()
        try:
            async with self._session.request(
                request.method,
                self.url_for(request),
                params=request.params or None,
                headers=request.headers,
                data=request.body,
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                body = await response.read()
                raw = new_raw_response(response.status, response.headers, body, response.reason)
        except aiohttp.ConnectionTimeoutError as exc:
            raise _failure(RequestTimeoutError, "timed out while connecting", request, exc) from exc
        except TimeoutError as exc:  # aiohttp's total and read timeouts
            raise _failure(
                RequestTimeoutError, "timed out waiting for the response", request, exc
            ) from exc
        except _NOT_SENT as exc:
            raise _failure(
                TransportError, f"could not connect: {_describe(exc)}", request, exc
            ) from exc
        except aiohttp.ClientError as exc:
            raise _failure(
                TransportError, f"connection failed: {_describe(exc)}", request, exc
            ) from exc
        if logger.isEnabledFor(logging.DEBUG):
            # Method, path and status only: headers and bodies may hold secrets.
            logger.debug(
                "%s %s -> %d in %.1f ms",
                request.method,
                request.path,
                raw.status,
                (time.perf_counter() - started) * 1000,
            )
        return raw


def _failure(
    kind: type[TransportError], message: str, request: Request, cause: BaseException
) -> TransportError:
    maybe_sent = not isinstance(cause, _NOT_SENT)
    return kind(message, method=request.method, path=request.path, maybe_sent=maybe_sent)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
