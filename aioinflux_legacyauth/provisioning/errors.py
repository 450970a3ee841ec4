"""What provisioning raises. No message holds a password or a token."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._errors import LegacyAuthError

if TYPE_CHECKING:
    from .verification import Verification

__all__ = ["ProvisionConflictError", "ProvisionError", "VerificationError"]


class ProvisionError(LegacyAuthError):
    """A credential cannot be provisioned as specified (an unknown org or bucket ...)."""


class ProvisionConflictError(ProvisionError):
    """What exists differs from the spec; ``differences`` names each difference."""

    def __init__(self, subject: str, differences: Iterable[str]) -> None:
        self.differences = tuple(differences)
        listed = "; ".join(self.differences)
        super().__init__(f"{subject}: {listed}")


class VerificationError(ProvisionError):
    """The new credential does not work as specified; ``verification`` says how."""

    def __init__(self, message: str, verification: Verification) -> None:
        super().__init__(message)
        self.verification = verification
