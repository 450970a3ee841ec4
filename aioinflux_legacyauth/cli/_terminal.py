"""Text from servers and users made safe for a person's terminal.

A username, a description, a bucket name or a server's error message can hold escape
sequences (ESC, CSI, OSC: colours, a moved cursor, a changed window title, a hyperlink, a
clipboard write), other C0 and C1 controls, bidi overrides that show text reversed, or
invisible characters. None of them reaches the terminal raw: each is shown as a visible
escape (``\\x1b``, ``\\u202e``). JSON stays exact JSON: the same characters are escaped
the JSON way (``\\u001b``), which decodes to the same value.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["is_unsafe", "printable", "safe_json"]

#: Controls (C0, DEL, C1), format characters (bidi overrides and isolates, zero-width
#: characters, the BOM), surrogates (unprintable on their own), line and paragraph
#: separators.
_UNSAFE_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def is_unsafe(char: str) -> bool:
    """Whether the character must not reach a terminal as it is."""
    return unicodedata.category(char) in _UNSAFE_CATEGORIES


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


#: Every character but printable ASCII: only these can be unsafe, and they are rare.
_NOT_PLAIN: Final = re.compile(r"[^\x20-\x7e]")
#: The same, leaving JSON's own line breaks between its lines alone.
_NOT_PLAIN_JSON: Final = re.compile(r"[^\x20-\x7e\n]")


def _shown(match: re.Match[str]) -> str:
    char = match.group(0)
    return _escape(char) if is_unsafe(char) else char


def _json_escaped(match: re.Match[str]) -> str:
    char = match.group(0)
    if not is_unsafe(char):
        return char
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a pair of surrogates, as JSON writes characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def printable(text: str) -> str:
    """``text`` with every unsafe character (line breaks and tabs too) shown as an escape."""
    return _NOT_PLAIN.sub(_shown, text)


def safe_json(text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with every unsafe character
    written as a ``\\uXXXX`` escape: the same JSON value, harmless on a terminal.

    Outside strings JSON has only ASCII punctuation, digits and blanks, so every unsafe
    character is inside a string, where ``\\uXXXX`` stands for it.
    """
    return _NOT_PLAIN_JSON.sub(_json_escaped, text)
