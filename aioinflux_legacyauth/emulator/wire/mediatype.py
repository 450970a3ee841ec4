"""Go's ``mime.ParseMediaType``, for its error texts (``/query`` returns them verbatim)."""

from __future__ import annotations

from typing import Final

__all__ = ["MediaTypeError", "parse_media_type"]

_TSPECIALS: Final = frozenset('()<>@,;:\\"/[]?=')


class MediaTypeError(Exception):
    """The error Go returns, e.g. ``mime: no media type``."""


def _is_token_char(char: str) -> bool:
    return " " < char < "\x7f" and char not in _TSPECIALS


def _consume_token(text: str) -> tuple[str, str]:
    end = 0
    while end < len(text) and _is_token_char(text[end]):
        end += 1
    return text[:end], text[end:]


def _consume_value(text: str) -> tuple[str, str]:
    if not text.startswith('"'):
        return _consume_token(text)
    out: list[str] = []
    index = 1
    while index < len(text):
        char = text[index]
        if char == '"':
            return "".join(out), text[index + 1 :]
        if char == "\\" and index + 1 < len(text):
            out.append(text[index + 1])
            index += 2
            continue
        if char in "\r\n":
            return "", text
        out.append(char)
        index += 1
    return "", text


def _check_disposition(media_type: str) -> None:
    kind, rest = _consume_token(media_type)
    if not kind:
        msg = "mime: no media type"
        raise MediaTypeError(msg)
    if not rest:
        return
    if not rest.startswith("/"):
        msg = "mime: expected slash after first token"
        raise MediaTypeError(msg)
    subtype, rest = _consume_token(rest[1:])
    if not subtype:
        msg = "mime: expected token after slash"
        raise MediaTypeError(msg)
    if rest:
        msg = "mime: unexpected content after media subtype"
        raise MediaTypeError(msg)


def parse_media_type(value: str) -> tuple[str, dict[str, str]]:
    """The lower-cased media type and its parameters; :class:`MediaTypeError` as Go."""
    base, separator, rest = value.partition(";")
    media_type = base.strip().lower()
    _check_disposition(media_type)
    params: dict[str, str] = {}
    rest = separator + rest
    while rest:
        rest = rest.lstrip()
        if not rest:
            break
        key, value_text, remainder = _consume_param(rest)
        if not key:
            if remainder.strip() == ";":
                break  # a trailing semicolon is allowed
            msg = "mime: invalid media parameter"
            raise MediaTypeError(msg)
        if key in params:
            msg = "mime: duplicate parameter name"
            raise MediaTypeError(msg)
        params[key] = value_text
        rest = remainder
    return media_type, params


def _consume_param(text: str) -> tuple[str, str, str]:
    rest = text.lstrip()
    if not rest.startswith(";"):
        return "", "", text
    rest = rest[1:].lstrip()
    name, rest = _consume_token(rest)
    name = name.lower()
    if not name:
        return "", "", text
    rest = rest.lstrip()
    if not rest.startswith("="):
        return "", "", text
    value, rest2 = _consume_value(rest[1:].lstrip())
    if value == "" and rest2 == rest[1:].lstrip():
        return "", "", text
    return name, value, rest2
