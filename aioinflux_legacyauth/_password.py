"""Local password checks, so a password the server would refuse is never sent."""

from __future__ import annotations

from typing import Final

import attrs

from ._errors import PasswordPolicyError

__all__ = ["DEFAULT_PASSWORD_POLICY", "LEGACY_PASSWORD_POLICY", "PasswordPolicy"]


def _positive(instance: object, attribute: attrs.Attribute[int], value: int | None) -> None:
    if value is not None and value < 1:
        msg = f"{attribute.name} must be at least 1, got {value}"
        raise ValueError(msg)


@attrs.frozen(slots=True)
class PasswordPolicy:
    """Length bounds, in UTF-8 bytes, that the server enforces on legacy passwords.

    The default matches InfluxDB 2.7.6 and newer (8 to 72 bytes; bcrypt reads at most 72).
    Servers before 2.7.6 only require 8: use ``LEGACY_PASSWORD_POLICY`` for them.
    """

    min_bytes: int = attrs.field(default=8, validator=_positive)
    max_bytes: int | None = attrs.field(default=72, validator=_positive)

    def __attrs_post_init__(self) -> None:
        if self.max_bytes is not None and self.min_bytes > self.max_bytes:
            msg = f"min_bytes ({self.min_bytes}) must not exceed max_bytes ({self.max_bytes})"
            raise ValueError(msg)

    def check(self, password: str) -> None:
        """Raise :class:`PasswordPolicyError` if the server would refuse ``password``.

        The message names the rule that failed, never the password.
        """
        given: object = password  # callers without a type checker may pass anything
        if not isinstance(given, str):
            msg = f"a password must be a str, got {type(given).__name__}"
            raise PasswordPolicyError(msg)
        try:
            size = len(given.encode("utf-8"))
        except UnicodeEncodeError:
            msg = "a password must be valid Unicode text; this one has a lone surrogate"
            raise PasswordPolicyError(msg) from None
        if self.max_bytes is None:
            if size < self.min_bytes:
                msg = f"passwords must be at least {self.min_bytes} bytes long; this one is {size}"
                raise PasswordPolicyError(msg)
        elif not self.min_bytes <= size <= self.max_bytes:
            msg = (
                f"passwords must be between {self.min_bytes} and {self.max_bytes} bytes long "
                f"in UTF-8; this one is {size}"
            )
            raise PasswordPolicyError(msg)


#: InfluxDB 2.7.6 and newer.
DEFAULT_PASSWORD_POLICY: Final = PasswordPolicy()
#: InfluxDB 2.0 to 2.7.5: a minimum length only.
LEGACY_PASSWORD_POLICY: Final = PasswordPolicy(min_bytes=8, max_bytes=None)
