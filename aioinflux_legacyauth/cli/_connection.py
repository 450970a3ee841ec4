"""The influx CLI's connection flags, and the client they describe.

Each setting comes from its flag, then from the environment and the influx CLI's config
file as :meth:`LegacyAuthClient.from_env` reads them (``INFLUX_*``, ``INFLUXDB_V2_*``,
then the config named by ``-c``/``INFLUX_ACTIVE_CONFIG`` or the active one).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Final

from .._client import DEFAULT_TIMEOUT, LegacyAuthClient
from .._config import (
    ACTIVE_CONFIG_VARIABLE,
    CONFIGS_PATH_VARIABLE,
    EnvSettings,
    read_settings,
)
from .._errors import ConfigurationError
from .._transports import base_url
from .._transports.aiohttp import AiohttpTransport
from .._transports.debug import HttpDebugTransport
from ._errors import UsageError
from ._terminal import is_unsafe, printable

__all__ = ["add_connection_arguments", "make_client", "token_source"]

#: Where the token came from, kept on the arguments for the hint after a 401.
_TOKEN_SOURCE: Final = "token_source"  # noqa: S105 - an attribute name, not a secret


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--host``, ``--token/-t``, ``-c/--active-config``, ``--configs-path``,
    ``--skip-verify`` and ``--http-debug``."""
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--host",
        metavar="URL",
        help="HTTP address of InfluxDB (env INFLUX_HOST; default http://localhost:8086)",
    )
    group.add_argument("-t", "--token", help="API token (env INFLUX_TOKEN)")
    group.add_argument(
        "-c",
        "--active-config",
        metavar="NAME",
        help=(
            f"the influx CLI config to use for this command, instead of the active one "
            f"(env {ACTIVE_CONFIG_VARIABLE})"
        ),
    )
    group.add_argument(
        "--configs-path",
        metavar="PATH",
        help=(
            f"the influx CLI's config file (env {CONFIGS_PATH_VARIABLE}; "
            f"default ~/.influxdbv2/configs)"
        ),
    )
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


def settings_for(args: argparse.Namespace) -> tuple[EnvSettings, str]:
    """The settings the flags, the environment and the influx CLI config file give, and
    the token.

    The flags win over every variable: they take the place of the first ones read. A
    setting that cannot be used, or no token anywhere, is a :class:`UsageError`.
    """
    if args.token and any(map(is_unsafe, args.token)):
        msg = "the --token value contains a line break or another control character"
        raise UsageError(msg)
    environ = dict(os.environ)
    if args.host:
        environ["INFLUX_HOST"] = args.host
    if args.token:
        environ["INFLUX_TOKEN"] = args.token
    if args.skip_verify:
        environ["INFLUX_SKIP_VERIFY"] = "true"
    try:
        settings = read_settings(environ, config=args.active_config, configs_path=args.configs_path)
    except ConfigurationError as exc:
        raise UsageError(str(exc)) from None
    if settings.token is None:
        where = f"; {settings.config} has none" if settings.config is not None else ""
        msg = (
            "no API token: pass --token, set INFLUX_TOKEN (or INFLUXDB_V2_TOKEN), or use an "
            f"influx CLI config that has one (-c NAME, ~/.influxdbv2/configs){where}"
        )
        raise UsageError(msg)
    setattr(args, _TOKEN_SOURCE, "--token" if args.token else settings.token_source)
    return settings, settings.token


def token_source(args: argparse.Namespace) -> str | None:
    """Where the token of this command's client came from (``--token``, a variable, a
    config), once :func:`make_client` has made it."""
    source = getattr(args, _TOKEN_SOURCE, None)
    return source if isinstance(source, str) else None


def make_client(args: argparse.Namespace) -> AbstractAsyncContextManager[LegacyAuthClient]:
    """The client the connection flags, the environment and the config file describe,
    opened on entry.

    Use it as ``async with make_client(args) as client``. A missing token, a bad URL or
    a bad setting raises :class:`UsageError` at once. With ``--http-debug`` the client's
    transport is the aiohttp one wrapped in the debugging one, closed together with the
    client.
    """
    settings, token = settings_for(args)
    # Nothing to verify without TLS (and no warning that verification is off).
    verify_ssl = settings.verify_ssl or settings.url.lower().startswith("http://")
    try:
        # A URL that is not http(s)://host, or a token the client refuses.
        if not args.http_debug:
            return _new_client(settings, token, verify_ssl=verify_ssl)
        url = base_url(settings.url)
        debug = HttpDebugTransport(AiohttpTransport(url, verify_ssl=verify_ssl), url, _write_stderr)
        client = _new_client(settings, token, verify_ssl=verify_ssl, transport=debug)
        return _closing(client, debug)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _new_client(
    settings: EnvSettings,
    token: str,
    *,
    verify_ssl: bool,
    transport: HttpDebugTransport | None = None,
) -> LegacyAuthClient:
    return LegacyAuthClient(
        settings.url,
        token,
        timeout=settings.timeout or DEFAULT_TIMEOUT,
        verify_ssl=verify_ssl,
        org_id=settings.org_id,
        org=settings.org,
        transport=transport,
    )


def _write_stderr(text: str) -> None:
    # sys.stderr is looked up per write, so a replaced stream (tests) gets the output.
    # A server's headers and bodies are shown line by line, their controls escaped.
    sys.stderr.write("\n".join(printable(line) for line in text.split("\n")))


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
