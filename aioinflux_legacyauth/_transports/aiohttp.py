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

from .._errors import (
    ArgumentError,
    ClientStateError,
    RequestTimeoutError,
    TransportError,
    shorten,
)
from .._sansio import RawResponse, Request, new_raw_response
from . import Timeout, base_url
from .deadlines import WHOLE_BODY, DeadlineWatcher

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "AiohttpTransport",
    "TimeoutLike",
    "as_timeout",
    "check_body_limit",
    "client_timeout",
    "from_client_timeout",
]

logger: Final = logging.getLogger("aioinflux_legacyauth")

#: How much of aiohttp's description of a failure a TransportError keeps.
_DESCRIPTION_CHARS: Final = 300

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


#: The most bytes of one response body read, after decompression: 64 MiB, a list of
#: some 80,000 authorizations. A body past it is never buffered (a gzip bomb included).
DEFAULT_MAX_BODY_SIZE: Final = 64 * 1024 * 1024


def check_body_limit(value: object) -> int | None:
    """``value`` as a body size limit: a positive number of bytes, or None for none."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"max_body_size must be None or a positive number of bytes, got {value!r}"
        raise ArgumentError(msg)
    return value


#: Statuses whose answers have no body (aiohttp reads none).
_NO_BODY: Final = frozenset({204, 304})
#: What is kept of a body cut at the limit: its beginning, for an error's excerpt.
_KEPT_OF_A_CUT_BODY: Final = 64 * 1024


def _one_piece(status: int, headers: Mapping[str, str], limit: int | None, watched: bool) -> bool:
    """Whether the body may be read with one ``read()``: it has none, or its declared length
    fits the limit (uncompressed, or the length says nothing of it) and, when a deadline is
    watched, is short enough to count as one wait."""
    if status in _NO_BODY:
        return True
    if limit is None and not watched:
        return True
    text = headers.get("Content-Length")  # of the bytes on the wire
    if text is None or not text.isdigit():
        return False
    declared = int(text)
    if limit is not None and (declared > limit or "Content-Encoding" in headers):
        return False
    return not watched or declared <= WHOLE_BODY


def _beginning(chunks: list[bytes], size: int) -> bytes:
    """The first ``size`` bytes of ``chunks``, without joining them all first."""
    kept = bytearray()
    for chunk in chunks:
        kept += chunk[: size - len(kept)]
        if len(kept) >= size:
            break
    return bytes(kept)


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

    ``max_body_size`` bounds what is read of each response body, in bytes after
    decompression (None: no bound). A longer body is cut there and the rest never read:
    the response says so (``RawResponse.body_limit``), and an operation that needs the
    body raises :class:`ResponseDecodeError` naming the limit.
    """

    __slots__ = (
        "_aiohttp_timeout",
        "_closed",
        "_max_body_size",
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
        max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
    ) -> None:
        self._max_body_size = check_body_limit(max_body_size)
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
        session = self._session if self._session is not None else self._live_session()
        # The common case without a method call each (a bulk job sends thousands).
        limits = self._aiohttp_timeout
        if timeout is not self._timeout or limits is None:
            limits = self._aiohttp_timeout_for(timeout)
        url = self._origin.with_path(self._path + request.path, encoded=True)
        debug = logger.isEnabledFor(logging.DEBUG)
        started = time.perf_counter() if debug else 0.0
        watched = self._watcher.watch(timeout)
        try:
            async with session.request(
                request.method,
                url,
                params=request.params or None,
                headers=request.headers,
                data=request.body,
                timeout=limits,
                allow_redirects=False,
            ) as response:
                status, headers = response.status, response.headers
                limit = self._max_body_size
                if _one_piece(status, headers, limit, watched is not None):  # almost always
                    body, cut = await response.read(), False
                else:
                    body, cut = await self._read_in_pieces(response, limit, watched, timeout)
                raw = new_raw_response(
                    status, headers, body, response.reason, limit if cut else None
                )
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
        if debug:
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
        self,
        response: aiohttp.ClientResponse,
        limit: int | None,
        task: asyncio.Task[object] | None,
        timeout: Timeout,
    ) -> tuple[bytes, bool]:
        """The body (decompressed), or its beginning and True if it is longer than ``limit``.

        Read as it arrives, so no more than ``limit`` bytes (and one piece) are ever held,
        and the rest is never read; each piece gives ``read`` a new allowance.
        """
        pieces: list[bytes] = []
        size = 0
        async for piece in response.content.iter_any():
            size += len(piece)
            if limit is not None and size > limit:
                response.close()  # the connection is dropped, not reused
                return _beginning(pieces, _KEPT_OF_A_CUT_BODY), True
            pieces.append(piece)
            if task is not None:
                self._watcher.progress(task, timeout)
        return b"".join(pieces), False

    async def close(self) -> None:
        """Close the session if this transport made it. Safe to call more than once."""
        self._closed = True
        self._watcher.close()
        session, self._session = self._session, None
        if self._owns_session and session is not None:
            await session.close()


def _failure(
    kind: type[TransportError], message: str, request: Request, cause: BaseException
) -> TransportError:
    maybe_sent = not isinstance(cause, _NOT_SENT)
    return kind(message, method=request.method, path=request.path, maybe_sent=maybe_sent)


def _describe(exc: BaseException) -> str:
    # aiohttp's text may quote what the server sent (a bad status line): keep it short.
    text = shorten(str(exc).strip(), _DESCRIPTION_CHARS)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
