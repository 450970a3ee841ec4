"""The aiohttp transport: ``send(Request) -> RawResponse`` over a session it owns.

It turns every aiohttp and timeout failure into a :class:`TransportError`, recording
whether the request may have reached the server (what makes a retry safe or not). The
``total`` and ``read`` timeouts are kept by the transport's :class:`DeadlineWatcher`
(one timer for all requests in flight, see :mod:`.deadlines` for the tolerance), not by
aiohttp's per-request timers; ``connect`` and ``pool`` stay aiohttp's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Final

import aiohttp
from yarl import URL

from .._errors import ClientStateError, RequestTimeoutError, TransportError
from .._sansio import RawResponse, Request, new_raw_response
from . import Timeout, base_url
from .deadlines import WHOLE_BODY, DeadlineWatcher

__all__ = ["AiohttpTransport", "TimeoutLike", "as_timeout", "client_timeout", "from_client_timeout"]

logger: Final = logging.getLogger("aioinflux_legacyauth")

# Failures where nothing was written to the server: safe to send again, whatever the method.
_NOT_SENT: Final = (
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
    aiohttp.InvalidURL,
)


def from_client_timeout(timeout: aiohttp.ClientTimeout) -> Timeout:
    """The :class:`Timeout` an ``aiohttp.ClientTimeout`` stands for (``ceil_threshold`` aside)."""
    return Timeout(
        total=timeout.total,
        connect=timeout.sock_connect,
        read=timeout.sock_read,
        pool=timeout.connect,
    )


def client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    """The ``aiohttp.ClientTimeout`` that enforces ``timeout``."""
    return aiohttp.ClientTimeout(
        total=timeout.total,
        connect=timeout.pool,
        sock_connect=timeout.connect,
        sock_read=timeout.read,
    )


def _connect_timeouts(timeout: Timeout) -> aiohttp.ClientTimeout:
    """What aiohttp keeps of ``timeout`` next to a :class:`DeadlineWatcher`: the limits on
    getting a connection, which cost no timer while a pooled one is free."""
    return aiohttp.ClientTimeout(
        total=None, connect=timeout.pool, sock_connect=timeout.connect, sock_read=None
    )


#: Statuses whose answers have no body.
_NO_BODY: Final = frozenset({204, 304})

#: What the public API takes as ``timeout=``: the library's own type, or aiohttp's.
TimeoutLike = Timeout | aiohttp.ClientTimeout


def as_timeout(timeout: object) -> Timeout:
    """The :class:`Timeout` a caller gave; an ``aiohttp.ClientTimeout`` is converted."""
    if isinstance(timeout, Timeout):
        return timeout
    if isinstance(timeout, aiohttp.ClientTimeout):
        return from_client_timeout(timeout)
    msg = f"timeout must be a Timeout or an aiohttp.ClientTimeout, got {type(timeout).__name__}"
    raise TypeError(msg)


def _new_session(verify_ssl: bool) -> aiohttp.ClientSession:
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=verify_ssl))
    # aiohttp silently resends an idempotent request whose connection dropped. That hides
    # the ambiguity the retry layer must see: a DELETE applied and then cut off would come
    # back as a plain 404. There is no public switch (aiohttp 3.9-3.14), so the private
    # flag is set when present.
    if hasattr(session, "_retry_connection"):
        session._retry_connection = False
    return session


class AiohttpTransport:
    """Sends requests to one server over an aiohttp session.

    Without ``session=`` it makes its own at the first request, with aiohttp's silent
    resend of idempotent requests turned off, and :meth:`close` closes it. A session lent
    with ``session=`` stays the lender's: it is never closed here and keeps aiohttp's own
    behaviour, resends included.
    """

    __slots__ = (
        "_aiohttp_timeout",
        "_closed",
        "_origin",
        "_owns_session",
        "_path",
        "_session",
        "_timeout",
        "_verify_ssl",
        "_watcher",
    )

    def __init__(
        self,
        url: str | URL,
        *,
        session: aiohttp.ClientSession | None = None,
        verify_ssl: bool = True,
    ) -> None:
        parsed = base_url(url) if isinstance(url, str) else url
        self._origin = parsed.origin()
        # Kept encoded: the request path already carries its own percent-escapes.
        self._path = parsed.raw_path.rstrip("/")
        self._session = session
        self._owns_session = session is None
        self._verify_ssl = verify_ssl
        self._closed = False
        # The last timeout and its aiohttp form: a client sends the same one every time.
        self._timeout: Timeout | None = None
        self._aiohttp_timeout: aiohttp.ClientTimeout | None = None
        self._watcher = DeadlineWatcher()

    def url_for(self, request: Request) -> URL:
        """The absolute URL a request goes to (without its query string)."""
        # Replacing the path of a parsed URL costs less than half of parsing a new one.
        return self._origin.with_path(self._path + request.path, encoded=True)

    def _live_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            if self._closed:
                msg = "this AiohttpTransport is closed"
                raise ClientStateError(msg)
            self._session = _new_session(self._verify_ssl)
        return self._session

    def _aiohttp_timeout_for(self, timeout: Timeout) -> aiohttp.ClientTimeout:
        if timeout is not self._timeout:
            self._aiohttp_timeout = _connect_timeouts(timeout)
            self._timeout = timeout
        assert self._aiohttp_timeout is not None  # noqa: S101 - set together with _timeout
        return self._aiohttp_timeout

    async def send(self, request: Request, *, timeout: Timeout) -> RawResponse:
        """Send one request and read the whole response body within ``timeout``."""
        session = self._live_session()
        started = time.perf_counter()
        watched = self._watcher.watch(timeout)
        try:
            async with session.request(
                request.method,
                self.url_for(request),
                params=request.params or None,
                headers=request.headers,
                data=request.body,
                timeout=self._aiohttp_timeout_for(timeout),
                allow_redirects=False,
            ) as response:
                status, headers = response.status, response.headers
                if watched is None or status in _NO_BODY or _short(headers):
                    body = await response.read()
                else:
                    body = await self._read_in_pieces(response, watched, timeout)
                raw = new_raw_response(status, headers, body, response.reason)
        except asyncio.CancelledError:
            if watched is None or not self._watcher.timed_out(watched):
                raise
            cause = TimeoutError(f"no answer within {timeout}")
            raise _failure(
                RequestTimeoutError, "timed out waiting for the response", request, cause
            ) from cause
        except aiohttp.ConnectionTimeoutError as exc:
            raise _failure(RequestTimeoutError, "timed out while connecting", request, exc) from exc
        except TimeoutError as exc:  # any other timeout aiohttp (or a test double) raised
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
        finally:
            self._watcher.forget(watched)
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

    async def _read_in_pieces(
        self, response: aiohttp.ClientResponse, task: asyncio.Task[object], timeout: Timeout
    ) -> bytes:
        """The whole body, each piece that arrives giving ``read`` a new allowance."""
        pieces = []
        async for piece in response.content.iter_any():
            pieces.append(piece)
            self._watcher.progress(task, timeout)
        return b"".join(pieces)

    async def close(self) -> None:
        """Close the session if this transport made it. Safe to call more than once."""
        self._closed = True
        self._watcher.close()
        session, self._session = self._session, None
        if self._owns_session and session is not None:
            await session.close()


def _short(headers: Mapping[str, str]) -> bool:
    """Whether the body is declared and short enough to be read as one wait."""
    declared = headers.get("Content-Length")  # bytes on the wire: what takes time to come
    return declared is not None and declared.isdigit() and int(declared) <= WHOLE_BODY


def _failure(
    kind: type[TransportError], message: str, request: Request, cause: BaseException
) -> TransportError:
    maybe_sent = not isinstance(cause, _NOT_SENT)
    return kind(message, method=request.method, path=request.path, maybe_sent=maybe_sent)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
