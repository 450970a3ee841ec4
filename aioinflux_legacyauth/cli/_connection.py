"""The influx CLI's connection flags, and the client they describe.

Each setting comes from its flag, then from the environment as
:meth:`LegacyAuthClient.from_env` reads it (``INFLUX_*``, then ``INFLUXDB_V2_*``).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Final

import aiohttp
from yarl import URL

from .._client import LegacyAuthClient
from .._sansio import RawResponse, Request
from .._transport import AiohttpTransport, base_url
from ._errors import UsageError
from ._http_debug import HttpDebugTransport

__all__ = ["add_connection_arguments", "make_client"]

_TOKEN_VARIABLES: Final = ("INFLUX_TOKEN", "INFLUXDB_V2_TOKEN")


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--host``, ``--token/-t``, ``--skip-verify`` and ``--http-debug``."""
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--host",
        metavar="URL",
        help="HTTP address of InfluxDB (env INFLUX_HOST; default http://localhost:8086)",
    )
    group.add_argument("-t", "--token", help="API token (env INFLUX_TOKEN)")
    group.add_argument(
        "--skip-verify",
        action="store_true",
        default=None,
        help="skip TLS certificate verification (env INFLUX_SKIP_VERIFY)",
    )
    group.add_argument(
        "--http-debug",
        action="store_true",
        help="print each HTTP request and response on stderr, secrets redacted",
    )


def make_client(args: argparse.Namespace) -> LegacyAuthClient:
    """The client the connection flags and the environment describe, not yet opened.

    Use it as ``async with make_client(args) as client``. A missing token, a bad URL or
    a bad setting in the environment raises :class:`UsageError`.
    """
    environ = dict(os.environ)
    # The flags win over every variable: they take the place of the first ones read.
    if args.host:
        environ["INFLUX_HOST"] = args.host
    if args.token:
        environ["INFLUX_TOKEN"] = args.token
    if args.skip_verify:
        environ["INFLUX_SKIP_VERIFY"] = "true"
    if not any(environ.get(name, "").strip() for name in _TOKEN_VARIABLES):
        msg = "no API token: pass --token or set INFLUX_TOKEN (or INFLUXDB_V2_TOKEN)"
        raise UsageError(msg)
    client_class = _DebuggingClient if args.http_debug else LegacyAuthClient
    try:
        # A variable with a value it cannot use, or a URL that is not http(s)://host.
        return client_class.from_env(environ=environ)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _write_stderr(text: str) -> None:
    # sys.stderr is looked up per write, so a replaced stream (tests) gets the output.
    sys.stderr.write(text)


class _SessionTransport:
    """An :class:`AiohttpTransport` on a session of its own, made at the first request."""

    def __init__(self, url: URL, *, verify_ssl: bool) -> None:
        self._url = url
        self._verify_ssl = verify_ssl
        self._session: aiohttp.ClientSession | None = None
        self._transport: AiohttpTransport | None = None

    async def send(self, request: Request, *, timeout: aiohttp.ClientTimeout) -> RawResponse:
        """Send through the session, making it first if needed."""
        if self._transport is None:
            connector = aiohttp.TCPConnector(ssl=self._verify_ssl)
            self._session = aiohttp.ClientSession(connector=connector)
            self._transport = AiohttpTransport(self._session, self._url)
        return await self._transport.send(request, timeout=timeout)

    async def close(self) -> None:
        """Close the session, if one was made."""
        session, self._session, self._transport = self._session, None, None
        if session is not None:
            await session.close()


class _DebuggingClient(LegacyAuthClient):
    """A client whose transport prints each exchange to stderr (``--http-debug``).

    A transport passed as ``transport=`` is the caller's to close, so this client owns one
    and closes its session together with itself.
    """

    def __init__(self, url: str, token: str, *, verify_ssl: bool, **options: Any) -> None:
        parsed = base_url(url)
        self._owned = _SessionTransport(parsed, verify_ssl=verify_ssl)
        debug = HttpDebugTransport(self._owned, parsed, _write_stderr)
        super().__init__(url, token, verify_ssl=verify_ssl, transport=debug, **options)

    async def close(self) -> None:
        """Close the client and the session its transport made."""
        await super().close()
        await self._owned.close()
