"""Line protocol, validated as ``models.ParsePointsWithPrecision`` does (``models/points.go``).

The emulator stores no points, so only the verdict matters: a body is accepted whole or
refused whole with every bad line's ``unable to parse '<line>': <reason>``, joined by
newlines. Blank lines and ``#`` comments are skipped, so a body of nothing but those is a
write of zero points. Explicit timestamps are scaled by the precision only for ``us``,
``ms`` and ``s`` (issue #21625: ``u``, ``m``, ``h`` and anything else read as ns), and a
scaled timestamp outside the int64 nanosecond range is refused.
"""

from __future__ import annotations

import re
from typing import Final

from .gojson import go_quote

__all__ = ["MAX_KEY_LENGTH", "invalid_lines", "precision_multiplier"]

MAX_KEY_LENGTH: Final = 65535
_MIN_NANO: Final = -(2**63) + 2
_MAX_NANO: Final = 2**63 - 2
_TIME_RANGE: Final = f"time outside range {_MIN_NANO} - {_MAX_NANO}"
_RESERVED_TAG_KEYS: Final = (b"\xff", b"\x00", b"_field", b"_measurement", b"time")
_INT64: Final = (-(2**63), 2**63 - 1)
_UINT64_MAX: Final = 2**64 - 1
_NUMERIC: Final = frozenset(b"0123456789.")


class _InvalidError(Exception):
    """A reason a line is refused."""


def precision_multiplier(precision: str) -> int:
    """``GetPrecisionMultiplier``: only ``us``, ``ms`` and ``s`` scale; the rest is ns."""
    return {"us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}.get(precision, 1)


def invalid_lines(body: bytes, precision: str) -> list[str]:
    """The error of each line Go would refuse, in order; empty if the body is accepted."""
    failed: list[str] = []
    position = 0
    while position < len(body):
        position, block = _scan_line(body, position)
        position += 1
        if not block:
            continue
        start = _skip_whitespace(block, 0)
        if start >= len(block) or block[start] == ord("#"):
            continue
        if block[-1] == ord("\n"):
            block = block[:-1]
        line = block[start:]
        try:
            _parse_point(line, precision)
        except _InvalidError as exc:
            text = line.decode("utf-8", "replace")
            failed.append(f"unable to parse '{text}': {exc}")
    return failed


def _skip_whitespace(buf: bytes, i: int) -> int:
    while i < len(buf) and buf[i] in (0x20, 0x09, 0x00):
        i += 1
    return i


def _scan_line(buf: bytes, i: int) -> tuple[int, bytes]:
    start, quoted, fields, equals, commas = i, False, False, 0, 0
    while i < len(buf):
        byte = buf[i]
        if byte == ord("\\") and i + 2 < len(buf):
            i += 2
            continue
        if byte == ord(" "):
            fields = True
        if fields:
            if not quoted and byte == ord("="):
                i += 1
                equals += 1
                continue
            if not quoted and byte == ord(","):
                i += 1
                commas += 1
                continue
            if byte == ord('"') and equals > commas:
                i += 1
                quoted = not quoted
                continue
        if byte == ord("\n") and not quoted:
            break
        i += 1
    return i, buf[start:i]


def _parse_point(buf: bytes, precision: str) -> None:
    position, key = _scan_key(buf, 0)
    if not key:
        msg = "missing measurement"
        raise _InvalidError(msg)
    if len(key) > MAX_KEY_LENGTH:
        msg = f"max key length exceeded: {len(key)} > {MAX_KEY_LENGTH}"
        raise _InvalidError(msg)
    position, fields = _scan_fields(buf, position)
    if not fields:
        msg = "missing fields"
        raise _InvalidError(msg)
    _walk_fields(fields, len(key))
    position, stamp = _scan_time(buf, position)
    if stamp:
        value = int(stamp) if stamp not in (b"-", b"") else None
        if value is None or not _INT64[0] <= value <= _INT64[1]:
            raise _InvalidError(_parse_int_error(stamp))
        _check_time(value, precision)
        while position < len(buf):
            if buf[position] != ord(" "):
                msg = "point is invalid"
                raise _InvalidError(msg)
            position += 1


def _parse_int_error(text: bytes) -> str:
    literal = text.decode("utf-8", "replace")
    reason = "invalid syntax" if text in (b"-", b"") else "value out of range"
    return f'strconv.ParseInt: parsing "{literal}": {reason}'


def _check_time(value: int, precision: str) -> None:
    # SafeCalcTime: the multiplication must not overflow, the result must be in range.
    scaled = value * precision_multiplier(precision)
    if not _INT64[0] <= scaled <= _INT64[1] or not _MIN_NANO <= scaled <= _MAX_NANO:
        raise _InvalidError(_TIME_RANGE)
    if value == _MIN_NANO and precision_multiplier(precision) != 1:
        raise _InvalidError(_TIME_RANGE)


def _scan_key(buf: bytes, i: int) -> tuple[int, bytes]:
    start = _skip_whitespace(buf, i)
    i = start
    indices: list[int] = []
    state, i = _scan_measurement(buf, i)
    if state == "tags":
        i, indices = _scan_tags(buf, i)
    keys = [
        _scan_to(buf[indices[j] : indices[j + 1] - 1], 0, ord("=")) for j in range(len(indices) - 1)
    ]
    for key in keys:
        if key in _RESERVED_TAG_KEYS:
            msg = f"cannot use reserved tag key {_go_quote_bytes(key)}"
            raise _InvalidError(msg)
    if len(set(keys)) != len(keys):
        msg = "duplicate tags"
        raise _InvalidError(msg)
    return i, buf[start:i]


def _go_quote_bytes(data: bytes) -> str:
    # %q of a []byte: invalid UTF-8 bytes print as \xNN.
    quoted = go_quote(data.decode("utf-8", "surrogateescape"))
    return re.sub(r"\\udc([89a-f][0-9a-f])", r"\\x\1", quoted)


def _scan_measurement(buf: bytes, i: int) -> tuple[str, int]:
    if i >= len(buf) or buf[i] == ord(","):
        msg = "missing measurement"
        raise _InvalidError(msg)
    while True:
        i += 1
        if i >= len(buf):
            msg = "missing fields"
            raise _InvalidError(msg)
        if buf[i - 1] == ord("\\"):
            continue
        if buf[i] == ord(","):
            return "tags", i + 1
        if buf[i] == ord(" "):
            return "fields", i


def _scan_tags(buf: bytes, i: int) -> tuple[int, list[int]]:
    indices: list[int] = []
    state = "key"
    while True:
        if state == "key":
            indices.append(i)
            i = _scan_tag_key(buf, i)
            state = "value"
        elif state == "value":
            state, i = _scan_tag_value(buf, i)
        else:
            indices.append(i + 1)
            return i, indices


def _scan_tag_key(buf: bytes, i: int) -> int:
    if i >= len(buf) or buf[i] in b" ,=":
        msg = "missing tag key"
        raise _InvalidError(msg)
    while True:
        i += 1
        if i >= len(buf) or (buf[i] in b" ," and buf[i - 1] != ord("\\")):
            msg = "missing tag value"
            raise _InvalidError(msg)
        if buf[i] == ord("=") and buf[i - 1] != ord("\\"):
            return i + 1


def _scan_tag_value(buf: bytes, i: int) -> tuple[str, int]:
    if i >= len(buf) or buf[i] in b", ":
        msg = "missing tag value"
        raise _InvalidError(msg)
    while True:
        i += 1
        if i >= len(buf):
            msg = "missing fields"
            raise _InvalidError(msg)
        escaped = buf[i - 1] == ord("\\")
        if buf[i] == ord("=") and not escaped:
            msg = "invalid tag format"
            raise _InvalidError(msg)
        if buf[i] == ord(",") and not escaped:
            return "key", i + 1
        if buf[i] == ord(" ") and not escaped:
            return "fields", i


def _scan_fields(buf: bytes, i: int) -> tuple[int, bytes]:  # noqa: PLR0912 - scanFields, as is
    start = _skip_whitespace(buf, i)
    i = start
    quoted, equals, commas = False, 0, 0
    while i < len(buf):
        byte = buf[i]
        if byte == ord("\\") and i + 1 < len(buf):
            i += 2
            continue
        if byte == ord('"') and equals > commas:
            quoted = not quoted
            i += 1
            continue
        if byte == ord("=") and not quoted:
            equals += 1
            if buf[i - 1] == ord(" ") and buf[i - 2] != ord("\\"):
                msg = "missing field key"
                raise _InvalidError(msg)
            if buf[i - 1] == ord(",") and buf[i - 2] != ord("\\"):
                msg = "missing field key"
                raise _InvalidError(msg)
            if i + 1 >= len(buf):
                msg = "missing field value"
                raise _InvalidError(msg)
            following = buf[i + 1]
            if following in b", ":
                msg = "missing field value"
                raise _InvalidError(msg)
            if following in _NUMERIC or following in b"-Nn":
                i = _scan_number(buf, i + 1)
                continue
            if following != ord('"'):
                i = _scan_boolean(buf, i + 1)
                continue
        if byte == ord(",") and not quoted:
            commas += 1
        if byte == ord(" ") and not quoted:
            break
        i += 1
    if quoted:
        msg = "unbalanced quotes"
        raise _InvalidError(msg)
    if equals == 0 or commas != equals - 1:
        msg = "invalid field format"
        raise _InvalidError(msg)
    return i, buf[start:i]


def _scan_number(buf: bytes, i: int) -> int:  # noqa: PLR0912, PLR0915 - scanNumber, as is
    start = i
    is_int = is_unsigned = decimal = scientific = False
    if i < len(buf) and buf[i] == ord("-"):
        i += 1
        if i == len(buf):
            msg = "invalid number"
            raise _InvalidError(msg)
    while i < len(buf):
        byte = buf[i]
        if byte in b", ":
            break
        if byte == ord("i") and i > start and not (is_int or is_unsigned):
            is_int = True
            i += 1
            continue
        if byte == ord("u") and i > start and not (is_int or is_unsigned):
            is_unsigned = True
            i += 1
            continue
        if byte == ord("."):
            if decimal:
                msg = "invalid number"
                raise _InvalidError(msg)
            decimal = True
        if i > start and byte in b"eE":
            scientific = True
            i += 1
            continue
        if byte in b"+-" and buf[i - 1] in b"eE":
            i += 1
            continue
        if i + 2 < len(buf) and byte in b"Nn":
            msg = "invalid number"
            raise _InvalidError(msg)
        if byte not in _NUMERIC:
            msg = "invalid number"
            raise _InvalidError(msg)
        i += 1
    if (is_int or is_unsigned) and (decimal or scientific):
        msg = "invalid number"
        raise _InvalidError(msg)
    digits = i - start - (1 if is_int else 0) - (1 if decimal else 0)
    digits -= 1 if buf[start] == ord("-") else 0
    if digits == 0:
        msg = "invalid number"
        raise _InvalidError(msg)
    text = buf[start:i]
    if is_int or is_unsigned:
        _check_range(text, unsigned=is_unsigned)
    elif scientific or len(text) >= 25:  # maxFloat64Digits
        try:
            value = float(text)
        except ValueError:
            msg = "invalid float"
            raise _InvalidError(msg) from None
        if value in (float("inf"), float("-inf")):
            msg = "invalid float"
            raise _InvalidError(msg)
    return i


def _check_range(text: bytes, *, unsigned: bool) -> None:
    """An ``i`` or ``u`` number long enough to overflow is parsed, as scanNumber does."""
    suffix, kind = (b"u", "unsigned") if unsigned else (b"i", "integer")
    if not text.endswith(suffix) or (unsigned and text.startswith(b"-")):
        msg = "invalid number"
        raise _InvalidError(msg)
    digits = text[:-1]
    if len(digits) < (20 if unsigned else 19):  # maxUint64Digits, maxInt64Digits
        return
    low, high = (0, _UINT64_MAX) if unsigned else _INT64
    try:
        value: int | None = int(digits)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        literal = digits.decode()
        reason = "invalid syntax" if value is None else "value out of range"
        function = "ParseUint" if unsigned else "ParseInt"
        message = f'strconv.{function}: parsing "{literal}": {reason}'
        msg = f"unable to parse {kind} {literal}: {message}"
        raise _InvalidError(msg)


def _scan_boolean(buf: bytes, i: int) -> int:
    start = i
    if i < len(buf) and buf[i] not in b"tfTF":
        msg = "invalid boolean"
        raise _InvalidError(msg)
    i += 1
    while i < len(buf) and buf[i] not in b", ":
        i += 1
    word = buf[start:i]
    if len(word) == 1:
        return i
    if word in (b"true", b"false", b"TRUE", b"True", b"FALSE", b"False"):
        return i
    msg = "invalid boolean"
    raise _InvalidError(msg)


def _scan_time(buf: bytes, i: int) -> tuple[int, bytes]:
    start = _skip_whitespace(buf, i)
    i = start
    while i < len(buf):
        byte = buf[i]
        if byte in b"\n ":
            break
        if i == start and byte == ord("-"):
            i += 1
            continue
        if not 0x30 <= byte <= 0x39:
            msg = "bad timestamp"
            raise _InvalidError(msg)
        i += 1
    return i, buf[start:i]


def _scan_to(buf: bytes, i: int, stop: int) -> bytes:
    start = i
    while i < len(buf):
        if buf[i] == stop and (i == 0 or buf[i - 1] != ord("\\")):
            break
        i += 1
    return buf[start:i]


def _scan_field_value(buf: bytes, i: int) -> int:
    quoted = False
    while i < len(buf):
        if buf[i] == ord("\\") and i + 1 < len(buf) and buf[i + 1] in b'"\\':
            i += 2
            continue
        if buf[i] == ord('"'):
            i += 1
            quoted = not quoted
            continue
        if buf[i] == ord(",") and not quoted:
            break
        i += 1
    return i


def _walk_fields(fields: bytes, key_length: int) -> None:
    """``walkFields`` with the series-key length check of ``parsePoint``."""
    buf = fields
    while buf:
        index = len(_scan_to(buf, 0, ord("=")))
        key = buf[:index]
        if index > len(buf) - 2:
            msg = f"invalid value: field-key={key.decode('utf-8', 'replace')}"
            raise _InvalidError(msg)
        size = key_length + 4 + len(key)
        if size > MAX_KEY_LENGTH:
            msg = f"max key length exceeded: {size} > {MAX_KEY_LENGTH}"
            raise _InvalidError(msg)
        buf = buf[index + 1 :]
        buf = buf[_scan_field_value(buf, 0) :]
        if buf:
            buf = buf[1:]
