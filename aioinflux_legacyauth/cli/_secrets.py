"""Reading a password: from ``--password``, a terminal prompt, or one line of stdin.

An empty password is always refused. The influx CLI took an empty line as "no password"
and created a credential nobody could log in with, without a word.
"""

from __future__ import annotations

import getpass
import sys
from typing import Final

from .._client import LegacyAuthClient
from .._errors import PasswordPolicyError
from ._errors import UsageError
from ._prompts import interruptible

__all__ = ["CONFIRM_PROMPT", "MAX_TRIES", "PROMPT", "read_password"]

PROMPT: Final = "Please type the password: "
CONFIRM_PROMPT: Final = "Please type it again: "
MAX_TRIES: Final = 3

_EMPTY: Final = (
    "the password is empty; empty passwords are refused "
    "(to create a credential without a password, use 'create --no-password')"
)


def read_password(client: LegacyAuthClient, given: str | None, *, policy: bool = True) -> str:
    """The password from ``given`` (``--password``), else asked for; checked before use.

    Raises :class:`UsageError` for an empty password, one the client's password policy
    refuses (too short, too long; not checked with ``policy=False``, for a password that
    is only tried), or prompts that never matched. Never shows it.
    """
    password = given if given is not None else _ask()
    if not password:
        raise UsageError(_EMPTY)
    if not policy:
        return password
    try:
        client.check_password(password)
    except PasswordPolicyError as exc:  # its message names the rule, never the password
        msg = f"password refused: {exc}"
        raise UsageError(msg) from None
    return password


def _ask() -> str:
    stdin = sys.stdin
    if stdin is None:
        msg = "no password: pass --password, or give it on stdin"
        raise UsageError(msg)
    if not stdin.isatty():
        # One line from a pipe or a file; only its line ending is removed.
        with interruptible():
            line = stdin.readline()
        if line.endswith("\r\n"):
            return line[:-2]
        return line.removesuffix("\n")
    for _ in range(MAX_TRIES):
        try:
            with interruptible():
                first = getpass.getpass(PROMPT)
                if not first:
                    return first
                second = getpass.getpass(CONFIRM_PROMPT)
        except EOFError:
            return ""
        if first == second:
            return first
        sys.stderr.write("Passwords do not match\n")
    msg = f"the passwords did not match {MAX_TRIES} times; nothing was changed"
    raise UsageError(msg)
