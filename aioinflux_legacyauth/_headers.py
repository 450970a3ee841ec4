"""What may go in a request header, and the string type that hides a credential's value.

A CR or LF in a header value would end the header early (header injection); aiohttp
refuses one with a ``ValueError`` of its own at send time, other control characters it
may send as they are. The client refuses them all when it is built, with a message that
names the header and the problem but never repeats a value, which may be a token.
:class:`SecretText` carries the Authorization header (and rotation's passwords), so that
no ``repr`` shows them.
"""

from __future__ import annotations

import re
from typing import Final

from ._errors import ArgumentError

__all__ = ["SecretText", "check_header_name", "check_header_value"]

#: RFC 9110 ``token``: the characters a field name may have.
_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Control characters a field value must not have (RFC 9110 5.5; a tab is allowed).
_CONTROL: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def check_header_name(name: object) -> str:
    """``name`` if it is a valid header name; else an :class:`ArgumentError` saying why."""
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        kind = f"a {type(name).__name__}" if not isinstance(name, str) else "that name"
        msg = (
            f"a header name must be letters, digits and !#$%&'*+-.^_`|~ only; {kind} is not "
            f"(it is not shown: a misplaced value may be a token)"
        )
        raise ArgumentError(msg)
    return name


def check_header_value(name: str, value: object, *, what: str | None = None) -> str:
    """``value`` if it can be sent as the value of header ``name``; else an
    :class:`ArgumentError` (a :class:`TypeError` if it is not a string).

    ``what`` names the setting in the message (default: the header). The value itself is
    never shown.
    """
    label = what or f"the {name} header"
    if not isinstance(value, str):
        msg = f"{label} must be a string, got a {type(value).__name__}"
        raise TypeError(msg)
    found = _CONTROL.search(value)
    if found is not None:
        char = found.group()
        kind = {"\r": "a carriage return (CR)", "\n": "a line feed (LF)"}.get(
            char, f"the control character U+{ord(char):04X}"
        )
        msg = f"{label} must not contain {kind}: it would break the request's headers"
        raise ArgumentError(msg)
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            msg = f"{label} must be valid Unicode text; it has a lone surrogate"
            raise ArgumentError(msg) from None
    return value


class SecretText(str):
    """A ``str`` whose ``repr`` hides it: for values that hold a credential.

    Crash reporters and ``traceback`` with ``capture_locals=True`` show the ``repr`` of
    every local of every frame: a headers dict here, aiohttp's own request headers, a
    password on its way. Wrapped, those show ``'[secure]'``; the value itself is sent,
    compared, encoded and hashed as the plain string it is, at no cost per request (the
    token's header is wrapped once, with the client).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'[secure]'"
