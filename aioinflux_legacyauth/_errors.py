"""The exception tree and the pure map from a response to an exception.

::

    LegacyAuthError
    ├── ClientStateError (also RuntimeError)   use before open, after close, reopening
    ├── PasswordPolicyError (also ValueError)  refused locally before any request
    ├── ArgumentError (also ValueError)        an argument refused locally (no permission...)
    ├── ConfigurationError (also ValueError)   a setting from the environment or an influx
    │                                          CLI config file that cannot be used
    ├── TransportError                         connection failures (aiohttp error as __cause__)
    │   └── RequestTimeoutError                the request timed out
    ├── ResponseDecodeError                    a 2xx body that is not the expected JSON
    └── APIError                               the server answered with an error status
        ├── InvalidError                       code "invalid" or "empty value" (400)
        ├── UnauthorizedError                  code "unauthorized" (401)
        ├── ForbiddenError                     code "forbidden" (403)
        ├── NotFoundError                      code "not found" (404)
        ├── MethodNotAllowedError              code "method not allowed" (405)
        ├── RequestTooLargeError               code "request too large" (413)
        ├── ConflictError                      code "conflict" (422 on InfluxDB, not 409)
        ├── UnprocessableEntityError           code "unprocessable entity" (422)
        ├── TooManyRequestsError               code "too many requests" (429); .retry_after
        ├── InternalServerError                code "internal error" (500)
        ├── ServerNotImplementedError          code "not implemented" (501)
        └── UnavailableError                   code "unavailable" (503), or a gateway's 502/504

The InfluxDB ``code`` picks the class; with no code (a proxy's HTML page, an empty 405)
the status does; an unknown code or status falls back to plain ``APIError``.
No exception message ever contains a request body, a token or a password.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Mapping
from datetime import UTC
from typing import Any, ClassVar, Final

__all__ = [
    "APIError",
    "ArgumentError",
    "ClientStateError",
    "ConfigurationError",
    "ConflictError",
    "ForbiddenError",
    "InternalServerError",
    "InvalidError",
    "LegacyAuthError",
    "MethodNotAllowedError",
    "NotFoundError",
    "PasswordPolicyError",
    "RequestTimeoutError",
    "RequestTooLargeError",
    "ResponseDecodeError",
    "ServerNotImplementedError",
    "TooManyRequestsError",
    "TransportError",
    "UnauthorizedError",
    "UnavailableError",
    "UnprocessableEntityError",
    "error_from_response",
    "parse_retry_after",
    "shorten",
]

#: RFC 9110 delta-seconds (digits; a decimal fraction tolerated). Not float(): it takes "inf".
_DELTA_SECONDS: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?")

#: How much of an unexpected body an error message keeps.
BODY_EXCERPT_CHARS: Final = 200

#: Statuses after which the request may or may not have taken effect, and a retry may help:
#: InfluxDB's own 408/499 (deadline passed, request cancelled) and gateway failures.
_RETRYABLE_STATUSES: Final = frozenset({408, 429, 499, 500, 502, 503, 504})


class LegacyAuthError(Exception):
    """Root of every exception this library raises.

    Every one pickles with its attributes and notes (a bulk report holding errors can be
    sent to another process), although most take keyword-only arguments.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # The default calls the class with self.args, which keyword-only __init__s refuse.
        return (_rebuild_error, (type(self), self.args), self.__dict__)


def _rebuild_error(cls: type[BaseException], args: tuple[Any, ...]) -> BaseException:
    """Unpickle a :class:`LegacyAuthError`: made without ``__init__``, its state set after."""
    error = cls.__new__(cls, *args)
    error.args = args
    return error


class ClientStateError(LegacyAuthError, RuntimeError):
    """The client was used before ``open()``/``async with``, after ``close()``, or reopened."""


class PasswordPolicyError(LegacyAuthError, ValueError):
    """A password was refused locally, before any request, because the server would refuse it."""


class ArgumentError(LegacyAuthError, ValueError):
    """An argument was refused locally, before any request (a create without permissions)."""


class ConfigurationError(LegacyAuthError, ValueError):
    """A setting cannot be used: no token anywhere, a variable with a bad value, a missing or
    malformed influx CLI config file. The message names the variable or the file, never a
    token."""


class TransportError(LegacyAuthError):
    """The request did not get an HTTP response: connection refused, reset, TLS failure...

    ``maybe_sent`` says whether the server may have received (and applied) the request:
    false only when the connection failed before anything was written.
    """

    def __init__(self, message: str, *, method: str, path: str, maybe_sent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.maybe_sent = maybe_sent

    def __str__(self) -> str:
        return f"{self.method} {self.path}: {self.message}"

    @property
    def retryable(self) -> bool:
        """Transport failures are transient; whether a retry is *safe* depends on the request."""
        return True


class RequestTimeoutError(TransportError):
    """No complete response arrived within the configured timeout."""


class ResponseDecodeError(LegacyAuthError):
    """A successful response whose body is not the JSON this operation returns."""

    def __init__(self, message: str, *, method: str, path: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}: {self.message}"


class APIError(LegacyAuthError):
    """The server (or a proxy in front of it) answered with an error status.

    ``code`` is InfluxDB's error code (``"not found"``, ``"conflict"`` ...) or ``None``
    when the body had none; ``message`` is the server's message or a cut of the body.
    """

    #: The InfluxDB codes this class stands for; used to build the code map.
    codes: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        status: int,
        code: str | None,
        message: str,
        method: str,
        path: str,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path
        self.retry_after = retry_after

    def __str__(self) -> str:
        code = f" ({self.code})" if self.code else ""
        return f"{self.method} {self.path} -> {self.status}{code}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, "
            f"message={self.message!r}, method={self.method!r}, path={self.path!r})"
        )

    @property
    def retryable(self) -> bool:
        """Whether sending the same request again could succeed (429, 503, gateway errors...)."""
        return self.status in _RETRYABLE_STATUSES


class InvalidError(APIError):
    """The request was malformed or a value was invalid (400)."""

    codes = ("invalid", "empty value")


class UnauthorizedError(APIError):
    """Missing or bad token, inactive token, or a missing permission (401)."""

    codes = ("unauthorized",)


class ForbiddenError(APIError):
    """Inactive user, or granting a permission the caller does not hold (403)."""

    codes = ("forbidden",)


class NotFoundError(APIError):
    """The authorization (or a named user, org or bucket) does not exist (404)."""

    codes = ("not found",)


class MethodNotAllowedError(APIError):
    """The route does not take this method (405)."""

    codes = ("method not allowed",)


class RequestTooLargeError(APIError):
    """The request body was too large (413)."""

    codes = ("request too large",)


class ConflictError(APIError):
    """The username is taken. InfluxDB answers this with 422, not 409."""

    codes = ("conflict",)


class UnprocessableEntityError(APIError):
    """The request was understood but cannot be processed (422)."""

    codes = ("unprocessable entity",)


class TooManyRequestsError(APIError):
    """Rate limited (429); ``retry_after`` holds the server's wait in seconds, if it sent one."""

    codes = ("too many requests",)


class InternalServerError(APIError):
    """The server failed (500); InfluxDB also uses it for some malformed requests."""

    codes = ("internal error",)


class ServerNotImplementedError(APIError):
    """The server does not implement this (501)."""

    codes = ("not implemented",)


class UnavailableError(APIError):
    """The server or a gateway in front of it is unavailable (502, 503, 504)."""

    codes = ("unavailable",)


_CODE_CLASSES: Final[Mapping[str, type[APIError]]] = {
    code: cls
    for cls in (
        InvalidError,
        UnauthorizedError,
        ForbiddenError,
        NotFoundError,
        MethodNotAllowedError,
        RequestTooLargeError,
        ConflictError,
        UnprocessableEntityError,
        TooManyRequestsError,
        InternalServerError,
        ServerNotImplementedError,
        UnavailableError,
    )
    for code in cls.codes
}

_STATUS_CLASSES: Final[Mapping[int, type[APIError]]] = {
    400: InvalidError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: TooManyRequestsError,
    500: InternalServerError,
    501: ServerNotImplementedError,
    502: UnavailableError,
    503: UnavailableError,
    504: UnavailableError,
}


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), else None."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if _DELTA_SECONDS.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


#: How much of a server's error code an error keeps (InfluxDB's are a few words).
CODE_CHARS: Final = 64


def shorten(text: str, limit: int = BODY_EXCERPT_CHARS) -> str:
    """``text`` cut to ``limit`` characters (plus "..."), as printable Unicode text.

    A server's text goes into exception messages, which get printed: a lone surrogate in
    it would make printing raise, so it is shown as its escape instead.
    """
    if len(text) > limit:
        text = text[:limit] + "..."
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _excerpt(body: bytes) -> str:
    return shorten(body.decode("utf-8", errors="replace").strip())


def _code_and_message(body: bytes) -> tuple[str | None, str | None]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's limit
        return None, None
    if not isinstance(document, dict):
        return None, None
    code = document.get("code")
    message = document.get("message")
    return (
        shorten(code, CODE_CHARS) if isinstance(code, str) and code else None,
        # Cut like a body that is not JSON: a megabyte of message is no message.
        shorten(message) if isinstance(message, str) else None,
    )


def error_from_response(
    *,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    method: str,
    path: str,
    reason: str | None = None,
) -> APIError:
    """Build the exception for an error response. Pure: no I/O, never raises."""
    code, message = _code_and_message(body)
    if code is None:
        header_code = headers.get("X-Platform-Error-Code")
        code = shorten(header_code, CODE_CHARS) if header_code else None
    if message is None or not message.strip():
        message = _excerpt(body) or (shorten(reason) if reason else f"HTTP {status}")
    cls = _CODE_CLASSES.get(code) if code else None
    if cls is None:
        cls = _STATUS_CLASSES.get(status, APIError)
    return cls(
        status=status,
        code=code,
        message=message,
        method=method,
        path=path,
        retry_after=parse_retry_after(headers.get("Retry-After")),
    )
