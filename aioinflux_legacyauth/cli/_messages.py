"""Library errors in plain words, with a hint at what to do when one helps.

The library's messages are written for programmers (``could not connect:
ClientConnectorSSLError: ...``); an operator gets what went wrong, where, and what to try.
None of them holds a token or a password, and neither do these.
"""

from __future__ import annotations

import os
import ssl
from typing import Final

import aiohttp

from .._errors import LegacyAuthError, TransportError, UnauthorizedError

__all__ = ["describe_error", "describe_os_error"]

#: aiohttp 3.11+ tells a failed name lookup apart from a refused connection.
_DNS_ERROR: Final = getattr(aiohttp, "ClientConnectorDNSError", None)


def describe_error(exc: LegacyAuthError, *, token_source: str | None = None) -> str:
    """What to show after ``error:`` for ``exc``; ``token_source`` says where the refused
    token came from (``--token``, a variable, a config), for the hint after a 401."""
    text = str(exc)
    if isinstance(exc, TransportError):
        text = f"{exc.method} {exc.path}: {_transport_failure(exc)}"
    elif isinstance(exc, UnauthorizedError):
        given = f"the API token from {token_source}" if token_source else "the API token"
        text += (
            f"; {given} was refused: check --token, INFLUX_TOKEN or the influx CLI "
            f"config in use (-c NAME)"
        )
    cause = exc.__cause__
    if isinstance(cause, OSError) and not isinstance(cause, aiohttp.ClientError):
        # "(FileNotFoundError: [Errno 2] No such file or directory: '/x/.o.aiou.tmp')"
        raw = f"({type(cause).__name__}: {cause})"
        text = text.replace(raw, f"({describe_os_error(cause)})")
    return text


def _transport_failure(exc: TransportError) -> str:
    cause = exc.__cause__
    if isinstance(cause, aiohttp.ClientConnectorCertificateError):
        return (
            f"could not connect to {cause.host}:{cause.port}: its TLS certificate is not "
            f"trusted ({_ssl_reason(cause.certificate_error)}); --skip-verify turns the "
            f"check off"
        )
    if isinstance(cause, aiohttp.ClientConnectorSSLError):
        return (
            f"could not connect to {cause.host}:{cause.port} over TLS "
            f"({_ssl_reason(cause.os_error)}): the server may not speak TLS; "
            f"for a plain HTTP server use an http:// URL"
        )
    if _DNS_ERROR is not None and isinstance(cause, _DNS_ERROR):
        return f"could not connect: no host is known by the name {cause.host}"
    if isinstance(cause, aiohttp.ClientConnectorError):
        return f"could not connect to {cause.host}:{cause.port}: {_reason(cause.os_error)}"
    if isinstance(cause, aiohttp.ServerDisconnectedError):
        return "the server closed the connection without an answer"
    if cause is not None:
        # The library's words, without the class name it adds for programmers.
        return exc.message.replace(f"{type(cause).__name__}: ", "")
    return exc.message


def _reason(error: OSError) -> str:
    """``connection refused``: the system's words for the errno (asyncio's say less)."""
    if error.errno:
        return os.strerror(error.errno).lower()
    return (error.strerror or "failed").lower()


def _ssl_reason(error: BaseException) -> str:
    verify_message = getattr(error, "verify_message", None)  # "self-signed certificate"
    if isinstance(error, ssl.SSLCertVerificationError) and verify_message:
        return str(verify_message)
    reason = getattr(error, "reason", None)  # "WRONG_VERSION_NUMBER"
    if isinstance(reason, str) and reason:
        return reason.replace("_", " ").lower()
    return str(error.args[-1]) if error.args else "TLS failed"


def describe_os_error(exc: OSError) -> str:
    """``cannot write /x/y: no such file or directory``, in plain words.

    A temporary file (``.name.<random>.tmp``) is named by the directory it was made in.
    """
    reason = _reason(exc)
    if exc.filename is None:
        return reason
    name = os.fsdecode(exc.filename)
    base = os.path.basename(name)
    if base.startswith(".") and base.endswith(".tmp"):
        name = os.path.dirname(name) or "."
    return f"{name}: {reason}"
