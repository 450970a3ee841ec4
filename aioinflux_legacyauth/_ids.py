"""What InfluxDB IDs look like: 16 hexadecimal digits, written in lower case by the server."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["is_hex_id"]

_HEX16: Final = re.compile(r"[0-9a-fA-F]{16}")


def is_hex_id(text: str, *, lower_only: bool = False) -> bool:
    """Whether ``text`` is 16 hex digits (in lower case only, with ``lower_only``).

    The server parses IDs as hex, so it takes either case; it writes lower case, and trace
    span IDs must be lower case.
    """
    return _HEX16.fullmatch(text) is not None and (not lower_only or text == text.lower())
