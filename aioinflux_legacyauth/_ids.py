"""What InfluxDB IDs look like: 16 hexadecimal digits, written in lower case by the server."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["ID_LENGTH", "is_hex_id", "match_id", "not_an_id", "not_an_id_string"]

#: The characters of an ID.
ID_LENGTH: Final = 16
_HEX16: Final = re.compile(r"[0-9a-fA-F]{16}")
#: ``match_id(text)``: a match if the string ``text`` is an ID (16 hex digits, either case),
#: else None. :func:`is_hex_id` without its call, for the paths every bulk item takes.
match_id: Final = _HEX16.fullmatch


def is_hex_id(text: str, *, lower_only: bool = False) -> bool:
    """Whether ``text`` is 16 hex digits (in lower case only, with ``lower_only``).

    The server parses IDs as hex, so it takes either case; it writes lower case, and trace
    span IDs must be lower case.
    """
    return _HEX16.fullmatch(text) is not None and (not lower_only or text == text.lower())


def not_an_id_string(text: object) -> bool:
    """Whether ``text`` is a string that is not an ID: perhaps a token or a password given
    in its place, so never sent, shown or logged (the server would refuse it anyway)."""
    return isinstance(text, str) and not is_hex_id(text)


def not_an_id(name: str, text: str) -> str:
    """The message refusing ``text`` as ``name``, which says what it is like, never what it is."""
    return (
        f"{name} is not an authorization ID: it has {len(text)} characters, an ID has "
        f"{ID_LENGTH} hex digits; was a token or password given in its place?"
    )
