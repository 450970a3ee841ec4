"""The influx CLI's connection flags, and the client they describe.

Each setting comes from its flag, then from the environment as
:meth:`LegacyAuthClient.from_env` reads it (``INFLUX_*``, then ``INFLUXDB_V2_*``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Final

from .._client import LegacyAuthClient
from .._config import read_env
from .._transports import base_url
from .._transports.aiohttp import AiohttpTransport
from .._transports.debug import HttpDebugTransport
from ._errors import UsageError

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


def make_client(args: argparse.Namespace) -> AbstractAsyncContextManager[LegacyAuthClient]:
    """The client the connection flags and the environment describe, opened on entry.

    Use it as ``async with make_client(args) as client``. A missing token, a bad URL or
    a bad setting in the environment raises :class:`UsageError` at once. With
    ``--http-debug`` the client's transport is the aiohttp one wrapped in the debugging
    one, closed together with the client.
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
    try:
        # A variable with a value it cannot use, or a URL that is not http(s)://host.
        if not args.http_debug:
            return LegacyAuthClient.from_env(environ=environ)
        settings = read_env(environ)
        url = base_url(settings.url)
        debug = HttpDebugTransport(
            AiohttpTransport(url, verify_ssl=settings.verify_ssl), url, _write_stderr
        )
        return _closing(LegacyAuthClient.from_env(environ=environ, transport=debug), debug)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _write_stderr(text: str) -> None:
    # sys.stderr is looked up per write, so a replaced stream (tests) gets the output.
    sys.stderr.write(text)


@contextlib.asynccontextmanager
async def _closing(
    client: LegacyAuthClient, transport: HttpDebugTransport
) -> AsyncIterator[LegacyAuthClient]:
    """Open ``client``; close it, then the transport it was given (the caller's to close)."""
    try:
        async with client:
            yield client
    finally:
        await transport.close()
