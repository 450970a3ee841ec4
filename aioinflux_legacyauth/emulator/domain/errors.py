"""The server's error values: an InfluxDB code plus a message, as Go's ``errors.Error`` carries.

Handlers raise :class:`PlatformError`; the app renders it as ``{"code","message"}`` with
``X-Platform-Error-Code``, picking the status from the code the way the server does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = [
    "CONFLICT",
    "EMPTY_VALUE",
    "FORBIDDEN",
    "INTERNAL",
    "INVALID",
    "METHOD_NOT_ALLOWED",
    "NOT_FOUND",
    "NOT_IMPLEMENTED",
    "STATUS_BY_CODE",
    "TOO_LARGE",
    "TOO_MANY_REQUESTS",
    "UNAUTHORIZED",
    "UNAVAILABLE",
    "UNPROCESSABLE_ENTITY",
    "PlatformError",
    "status_for_code",
]

INTERNAL: Final = "internal error"
NOT_IMPLEMENTED: Final = "not implemented"
NOT_FOUND: Final = "not found"
CONFLICT: Final = "conflict"
INVALID: Final = "invalid"
UNPROCESSABLE_ENTITY: Final = "unprocessable entity"
EMPTY_VALUE: Final = "empty value"
UNAVAILABLE: Final = "unavailable"
FORBIDDEN: Final = "forbidden"
TOO_MANY_REQUESTS: Final = "too many requests"
UNAUTHORIZED: Final = "unauthorized"
METHOD_NOT_ALLOWED: Final = "method not allowed"
TOO_LARGE: Final = "request too large"

#: ``influxDBErrorToStatusCode``; note ``conflict`` is 422, not 409.
STATUS_BY_CODE: Final[Mapping[str, int]] = {
    INTERNAL: 500,
    NOT_IMPLEMENTED: 501,
    INVALID: 400,
    UNPROCESSABLE_ENTITY: 422,
    EMPTY_VALUE: 400,
    CONFLICT: 422,
    NOT_FOUND: 404,
    UNAVAILABLE: 503,
    FORBIDDEN: 403,
    TOO_MANY_REQUESTS: 429,
    UNAUTHORIZED: 401,
    METHOD_NOT_ALLOWED: 405,
    TOO_LARGE: 413,
}


def status_for_code(code: str) -> int:
    """The HTTP status the server sends for an error code; unknown codes are 500."""
    return STATUS_BY_CODE.get(code, 500)


class PlatformError(Exception):
    """An error the emulated server answers with: ``{"code": code, "message": message}``."""

    def __init__(self, code: str, message: str) -> None:
        # Go's api.Err substitutes this text for an empty error message.
        self.code = code
        self.message = message or "an internal error has occurred"
        super().__init__(f"{code}: {self.message}")

    @property
    def status(self) -> int:
        """The HTTP status this error is sent with."""
        return status_for_code(self.code)
