"""The server's password rules for legacy credentials (``tenant.IsPasswordStrong``)."""

from __future__ import annotations

import enum
from typing import Final

import attrs

from .errors import INVALID, PlatformError

__all__ = [
    "LEGACY_LENGTH_MESSAGE",
    "LENGTH_MESSAGE",
    "STRENGTH_MESSAGE",
    "PasswordRule",
    "PasswordRules",
    "ServerPanic",
]

LENGTH_MESSAGE: Final = "passwords must be between 8 and 72 characters long"
LEGACY_LENGTH_MESSAGE: Final = "passwords must be at least 8 characters long"
STRENGTH_MESSAGE: Final = (
    "passwords must contain at least three of the following character types: "
    "uppercase, lowercase, numbers, and special characters: !@#$%^&*()_+"
)
_SPECIAL: Final = frozenset("!@#$%^&*()_+")
_MIN_BYTES: Final = 8
_MAX_BYTES: Final = 72


class ServerPanic(Exception):  # noqa: N818 - named after what it models, a Go panic
    """A Go panic in a handler; its message is Go's runtime error text.

    The API router's panic middleware (``panicMW`` in ``http/router.go``) answers it with a
    500 ``internal error`` whose message names the URL and this text.
    """


class PasswordRule(enum.StrEnum):
    """Which server generation's length rule applies."""

    #: InfluxDB 2.7.6 and newer: 8 to 72 bytes.
    CURRENT = "current"
    #: InfluxDB 2.0 to 2.7.5: at least 8 bytes.
    LEGACY = "legacy"


@attrs.frozen
class PasswordRules:
    """The rule in force, plus ``influxd --strong-passwords`` (only on 2.7.6 and newer)."""

    rule: PasswordRule = attrs.field(default=PasswordRule.CURRENT, converter=PasswordRule)
    strong: bool = False

    def __attrs_post_init__(self) -> None:
        if self.strong and self.rule is PasswordRule.LEGACY:
            msg = "--strong-passwords exists only on servers with the current (2.7.6+) rule"
            raise ValueError(msg)

    def check(self, password: str) -> None:
        """Raise the server's 400 (or its panic) if it would refuse ``password``."""
        size = len(password.encode("utf-8"))
        if self.rule is PasswordRule.LEGACY:
            if size < _MIN_BYTES:
                raise PlatformError(INVALID, LEGACY_LENGTH_MESSAGE)
            return
        problems = []
        if not _MIN_BYTES <= size <= _MAX_BYTES:
            problems.append(LENGTH_MESSAGE)
        if self.strong:
            if not password:
                # IsPasswordStrong cannot handle an empty password and panics (v2.7.12 and
                # v2.9.1 report this runtime error).
                msg = "runtime error: slice bounds out of range [-1:]"
                raise ServerPanic(msg)
            if _character_types(password) < 3:
                problems.append(STRENGTH_MESSAGE)
        if problems:
            raise PlatformError(INVALID, "\n".join(problems))

    def panics_at_login(self, password: str) -> bool:
        """Whether a v1 login with ``password`` panics the server.

        ``ComparePassword`` runs ``IsPasswordStrong`` whether or not the password matched;
        with ``--strong-passwords`` an empty one panics there, on the v1 path, which has
        no recoverer (v2.7.12 and v2.9.1 drop the connection without an answer).
        """
        return self.strong and not password

    def allows_login(self, password: str) -> bool:
        """Whether a password that matched its hash may still log in.

        Since 2.7.6 a password the current rules would refuse is rejected at login
        ("password change required"), which ``/query`` reports as a plain 401. Older
        servers check nothing at login.
        """
        if self.rule is PasswordRule.LEGACY:
            return True
        try:
            self.check(password)
        except (PlatformError, ServerPanic):
            return False
        return True


def _character_types(password: str) -> int:
    kinds = (
        any(char.isupper() for char in password),
        any(char.islower() for char in password),
        any(char.isdigit() for char in password),
        any(char in _SPECIAL for char in password),
    )
    return sum(kinds)
