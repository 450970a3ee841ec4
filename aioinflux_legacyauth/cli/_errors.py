"""The command line's own errors and the exit status each one stands for."""

from __future__ import annotations

from typing import ClassVar

__all__ = ["CliError", "UsageError", "UserInterruptError"]


class CliError(Exception):
    """An operation failed (not found, refused, aborted): ``error: <message>``, exit 1.

    The message is shown as it is, so it must never hold a token or a password.
    """

    exit_status: ClassVar[int] = 1


class UsageError(CliError):
    """The command line itself is wrong (a missing or conflicting option): exit 2."""

    exit_status: ClassVar[int] = 2


class UserInterruptError(CliError):
    """Ctrl-C: the command stopped; the message says what was (not) changed. Exit 130."""

    exit_status: ClassVar[int] = 130
