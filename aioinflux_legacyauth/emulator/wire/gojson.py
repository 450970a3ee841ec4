"""Decode request bodies the way Go's ``json.NewDecoder(r.Body).Decode(&v)`` does.

The server's error messages quote the Go decoder verbatim ("EOF", "unexpected EOF",
"invalid character 'x' looking for beginning of value", "json: cannot unmarshal number
into Go struct field ..."), and its quirks decide what a request means: only the first
JSON value is read (trailing bytes are ignored), keys match struct fields
case-insensitively, unknown keys are skipped, ``null`` leaves a non-pointer field alone,
and an ID field rejects a bad string at once while other type mismatches are remembered
and reported only after the whole value was decoded. This module reproduces that for the
few request structs the emulator decodes, described by :class:`GoStruct` schemas.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from typing import Final, TypeAlias

import attrs

from ..domain.ids import check_id

__all__ = [
    "GoBool",
    "GoID",
    "GoInt",
    "GoJSONError",
    "GoNumber",
    "GoSlice",
    "GoString",
    "GoStruct",
    "GoType",
    "go_decode",
    "go_decode_value",
    "go_quote",
]

_MAX_DEPTH: Final = 10000
_SPACE: Final = frozenset(b" \t\r\n")
_ESCAPES: Final = frozenset(b'bfnrt\\/"')
_HEX: Final = frozenset(b"0123456789abcdefABCDEF")
_DIGITS: Final = frozenset(b"0123456789")
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_INTEGER: Final = re.compile(r"-?[0-9]+")


class GoJSONError(Exception):
    """The text of the error Go's decoder would return."""


@attrs.frozen
class GoString:
    """A Go string type (``string``, ``influxdb.Status`` ...); ``pointer`` for ``*T`` fields."""

    go_type: str
    pointer: bool = False


@attrs.frozen
class GoID:
    """``platform.ID``: decoded through ``UnmarshalText``, so bad strings fail at once."""

    pointer: bool = False

    @property
    def go_type(self) -> str:
        """The type name Go prints in a type error."""
        return "*platform.ID" if self.pointer else "platform.ID"


@attrs.frozen
class GoBool:
    """A Go ``bool`` (``*bool`` with ``pointer``); Go names it ``bool`` in type errors."""

    go_type: str = "bool"
    pointer: bool = False


@attrs.frozen
class GoInt:
    """A Go ``int64``: JSON numbers without a fraction or exponent that fit in 64 bits."""

    go_type: str = "int64"


@attrs.frozen
class GoSlice:
    """A Go slice of ``elem``."""

    elem: GoType
    go_type: str


@attrs.frozen
class GoStruct:
    """A Go struct: its bare name, its qualified type name and its JSON fields in order."""

    name: str
    go_type: str
    fields: tuple[tuple[str, GoType], ...]

    def lookup(self, key: str) -> tuple[str, GoType] | None:
        """The field a JSON key decodes into: exact name first, then case-insensitively."""
        for field in self.fields:
            if field[0] == key:
                return field
        folded = _fold(key)
        for field in self.fields:
            if _fold(field[0]) == folded:
                return field
        return None


GoType: TypeAlias = GoString | GoID | GoBool | GoInt | GoSlice | GoStruct


def _fold(name: str) -> str:
    # encoding/json folds ASCII to upper case and other runes through ToUpper(ToLower(r)).
    out = []
    for char in name:
        if char.isascii():
            out.append(char.upper())
        else:
            folded = char.lower().upper()
            out.append(folded if len(folded) == 1 else char)
    return "".join(out)


@attrs.frozen
class _Number:
    text: str


@attrs.frozen
class _Object:
    pairs: tuple[tuple[str, object], ...]


@attrs.frozen
class GoNumber:
    """A JSON number kept as its text, as ``json.Decoder.UseNumber`` keeps it."""

    text: str


def go_decode_value(body: bytes, go_type: str) -> dict[str, object]:
    """Decode the first JSON value into a Go ``map[string]interface{}`` with ``UseNumber``.

    ``null`` gives an empty map; anything but an object is Go's type error.
    """
    end = _scan_first_value(body)
    text = body[:end].decode("utf-8", "replace")
    document = json.loads(text, parse_int=GoNumber, parse_float=GoNumber)
    if document is None:
        return {}
    if not isinstance(document, dict):
        message = f"json: cannot unmarshal {_kind(document)} into Go value of type {go_type}"
        raise GoJSONError(message)
    return document


def go_quote(text: str) -> str:
    """Go's ``%q`` (``strconv.Quote``) of a string, as error messages print names and IDs."""
    out = ['"']
    simple = {'"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\f": "\\f"}
    simple.update({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"})
    for char in text:
        if char in simple:
            out.append(simple[char])
        elif char.isprintable() or char == " ":
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def go_decode(body: bytes, schema: GoStruct) -> dict[str, object]:
    """Decode ``body`` into ``schema`` like Go's Decoder; raise :class:`GoJSONError` if Go would.

    The result maps the JSON names of the fields that were set to their values: strings,
    lower-cased IDs, lists and nested dicts. A field set to ``null`` on a pointer or slice
    maps to ``None``; a field never set is absent.
    """
    end = _scan_first_value(body)
    # Go turns invalid UTF-8 inside strings into U+FFFD instead of failing.
    text = body[:end].decode("utf-8", "replace")
    try:
        document = json.loads(
            text,
            object_pairs_hook=lambda pairs: _Object(tuple(pairs)),
            parse_int=_Number,
            parse_float=_Number,
        )
    except RecursionError:
        # Python's parser gives up on nesting Go would still accept; refuse it cleanly.
        msg = "exceeded max depth"
        raise GoJSONError(msg) from None
    decoder = _StructDecoder()
    result = decoder.value(document, schema, {})
    if decoder.saved is not None:
        raise GoJSONError(decoder.saved)
    return result if isinstance(result, dict) else {}


class _StructDecoder:
    def __init__(self) -> None:
        self.saved: str | None = None
        self.struct: str | None = None
        self.fields: list[str] = []

    def save(self, value: object, go_type: str) -> None:
        # Go keeps only the first type error and reports it after decoding everything.
        if self.saved is None:
            self.saved = _type_error(_kind(value), go_type, self.struct, self.fields)

    def value(self, value: object, go_type: GoType, current: object) -> object:
        if value is None:
            # null zeroes pointers and slices and leaves everything else as it was.
            pointer_like = isinstance(go_type, GoSlice) or (
                isinstance(go_type, GoString | GoID | GoBool) and go_type.pointer
            )
            return None if pointer_like else current
        if isinstance(go_type, GoID | GoBool | GoString):
            return self.scalar(value, go_type, current)
        if isinstance(go_type, GoInt):
            if isinstance(value, _Number):
                if _INTEGER.fullmatch(value.text) and -(2**63) <= int(value.text) < 2**63:
                    return int(value.text)
                # Go names the offending number when it does not fit the integer type.
                self.saved = self.saved or _type_error(
                    f"number {value.text}", go_type.go_type, self.struct, self.fields
                )
                return current
            self.save(value, go_type.go_type)
            return current
        if isinstance(go_type, GoSlice):
            if isinstance(value, list):
                previous = current if isinstance(current, list) else []
                items: list[object] = []
                for index, item in enumerate(value):
                    # Go decodes into the slice's existing elements when there are any.
                    base = previous[index] if index < len(previous) else _zero(go_type.elem)
                    items.append(self.value(item, go_type.elem, base))
                return items
            self.save(value, go_type.go_type)
            return current
        return self.struct_value(value, go_type, current)

    def scalar(self, value: object, go_type: GoID | GoBool | GoString, current: object) -> object:
        if isinstance(go_type, GoID):
            if isinstance(value, str):
                problem = check_id(value)
                if problem is not None:
                    raise GoJSONError(problem)
                return value.lower()
        elif isinstance(go_type, GoBool):
            if isinstance(value, bool):
                return value
        elif isinstance(value, str):
            return _LONE_SURROGATE.sub("\ufffd", value)
        self.save(value, go_type.go_type)
        return current

    def struct_value(self, value: object, go_type: GoStruct, current: object) -> object:
        if not isinstance(value, _Object):
            self.save(value, go_type.go_type)
            return current
        decoded: dict[str, object] = dict(current) if isinstance(current, dict) else {}
        for key, item in value.pairs:
            field = go_type.lookup(key)
            if field is None:
                continue
            name, field_type = field
            outer_struct, depth = self.struct, len(self.fields)
            self.struct = go_type.name
            self.fields.append(name)
            try:
                decoded[name] = self.value(item, field_type, decoded.get(name))
            finally:
                self.struct = outer_struct
                del self.fields[depth:]
        return decoded


def _type_error(kind: str, go_type: str, struct: str | None, fields: list[str]) -> str:
    where = f"Go struct field {struct}.{'.'.join(fields)}" if struct is not None else "Go value"
    return f"json: cannot unmarshal {kind} into {where} of type {go_type}"


def _zero(go_type: GoType) -> object:
    return {} if isinstance(go_type, GoStruct) else None


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, _Number | GoNumber):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


# --- the scanner: a port of encoding/json's state machine, for its exact messages ---

_CONTINUE, _SKIP, _END, _ERROR = range(4)
_PARSE_OBJECT_KEY, _PARSE_OBJECT_VALUE, _PARSE_ARRAY = range(3)

_Step: TypeAlias = Callable[["_Scanner", int], int]


def _quote_char(byte: int) -> str:
    # scanner.go quoteChar: strconv.Quote(string(rune(byte))) inside single quotes.
    if byte == 0x27:
        return "'\\''"
    if byte == 0x22:
        return "'\"'"
    special = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v"}
    if byte in special:
        return f"'{special[byte]}'"
    if byte == 0x5C:
        return "'\\\\'"
    if byte < 0x20 or byte == 0x7F:
        return f"'\\x{byte:02x}'"
    char = chr(byte)
    if byte < 0x80 or unicodedata.category(char)[0] in "LMNPS":
        return f"'{char}'"
    return f"'\\u{byte:04x}'"


class _Scanner:
    def __init__(self) -> None:
        self.step: _Step = _begin_value
        self.stack: list[int] = []
        self.error: str | None = None

    def fail(self, byte: int, context: str) -> int:
        self.step = _state_error
        self.error = f"invalid character {_quote_char(byte)} {context}"
        return _ERROR

    def push(self, kind: int) -> int:
        self.stack.append(kind)
        if len(self.stack) > _MAX_DEPTH:
            self.error = "exceeded max depth"
            return _ERROR
        return _CONTINUE

    def pop(self) -> None:
        self.stack.pop()
        self.step = _end_top if not self.stack else _end_value


def _state_error(scanner: _Scanner, byte: int) -> int:
    return _ERROR


def _end_top(scanner: _Scanner, byte: int) -> int:
    return _END


def _begin_value_or_empty(scanner: _Scanner, byte: int) -> int:
    if byte in _SPACE:
        return _SKIP
    if byte == 0x5D:  # ]
        return _end_value(scanner, byte)
    return _begin_value(scanner, byte)


def _begin_value(scanner: _Scanner, byte: int) -> int:
    if byte in _SPACE:
        return _SKIP
    starts: dict[int, _Step] = {
        0x22: _in_string,
        0x2D: _neg,
        0x30: _zero_digit,
        0x74: _literal("true"),
        0x66: _literal("false"),
        0x6E: _literal("null"),
    }
    if byte == 0x7B:  # {
        scanner.step = _begin_string_or_empty
        return scanner.push(_PARSE_OBJECT_KEY)
    if byte == 0x5B:  # [
        scanner.step = _begin_value_or_empty
        return scanner.push(_PARSE_ARRAY)
    if byte in starts:
        scanner.step = starts[byte]
        return _CONTINUE
    if 0x31 <= byte <= 0x39:
        scanner.step = _digits
        return _CONTINUE
    return scanner.fail(byte, "looking for beginning of value")


def _begin_string_or_empty(scanner: _Scanner, byte: int) -> int:
    if byte in _SPACE:
        return _SKIP
    if byte == 0x7D:  # }
        scanner.stack[-1] = _PARSE_OBJECT_VALUE
        return _end_value(scanner, byte)
    return _begin_string(scanner, byte)


def _begin_string(scanner: _Scanner, byte: int) -> int:
    if byte in _SPACE:
        return _SKIP
    if byte == 0x22:
        scanner.step = _in_string
        return _CONTINUE
    return scanner.fail(byte, "looking for beginning of object key string")


def _end_value(scanner: _Scanner, byte: int) -> int:
    if not scanner.stack:
        scanner.step = _end_top
        return _END
    if byte in _SPACE:
        scanner.step = _end_value
        return _SKIP
    state = scanner.stack[-1]
    if state == _PARSE_OBJECT_KEY:
        if byte == 0x3A:  # :
            scanner.stack[-1] = _PARSE_OBJECT_VALUE
            scanner.step = _begin_value
            return _CONTINUE
        return scanner.fail(byte, "after object key")
    if state == _PARSE_OBJECT_VALUE:
        if byte == 0x2C:  # ,
            scanner.stack[-1] = _PARSE_OBJECT_KEY
            scanner.step = _begin_string
            return _CONTINUE
        if byte == 0x7D:
            scanner.pop()
            return _CONTINUE
        return scanner.fail(byte, "after object key:value pair")
    if byte == 0x2C:
        scanner.step = _begin_value
        return _CONTINUE
    if byte == 0x5D:
        scanner.pop()
        return _CONTINUE
    return scanner.fail(byte, "after array element")


def _in_string(scanner: _Scanner, byte: int) -> int:
    if byte == 0x22:
        scanner.step = _end_value
        return _CONTINUE
    if byte == 0x5C:
        scanner.step = _in_string_escape
        return _CONTINUE
    if byte < 0x20:
        return scanner.fail(byte, "in string literal")
    return _CONTINUE


def _in_string_escape(scanner: _Scanner, byte: int) -> int:
    if byte in _ESCAPES:
        scanner.step = _in_string
        return _CONTINUE
    if byte == 0x75:  # u
        scanner.step = _unicode_escape(4)
        return _CONTINUE
    return scanner.fail(byte, "in string escape code")


def _unicode_escape(remaining: int) -> _Step:
    def step(scanner: _Scanner, byte: int) -> int:
        if byte not in _HEX:
            return scanner.fail(byte, "in \\u hexadecimal character escape")
        scanner.step = _in_string if remaining == 1 else _unicode_escape(remaining - 1)
        return _CONTINUE

    return step


def _neg(scanner: _Scanner, byte: int) -> int:
    if byte == 0x30:
        scanner.step = _zero_digit
        return _CONTINUE
    if 0x31 <= byte <= 0x39:
        scanner.step = _digits
        return _CONTINUE
    return scanner.fail(byte, "in numeric literal")


def _digits(scanner: _Scanner, byte: int) -> int:
    if byte in _DIGITS:
        return _CONTINUE
    return _zero_digit(scanner, byte)


def _zero_digit(scanner: _Scanner, byte: int) -> int:
    if byte == 0x2E:  # .
        scanner.step = _dot
        return _CONTINUE
    if byte in (0x65, 0x45):  # e E
        scanner.step = _exponent
        return _CONTINUE
    return _end_value(scanner, byte)


def _dot(scanner: _Scanner, byte: int) -> int:
    if byte in _DIGITS:
        scanner.step = _fraction
        return _CONTINUE
    return scanner.fail(byte, "after decimal point in numeric literal")


def _fraction(scanner: _Scanner, byte: int) -> int:
    if byte in _DIGITS:
        return _CONTINUE
    if byte in (0x65, 0x45):
        scanner.step = _exponent
        return _CONTINUE
    return _end_value(scanner, byte)


def _exponent(scanner: _Scanner, byte: int) -> int:
    if byte in (0x2B, 0x2D):  # + -
        scanner.step = _exponent_sign
        return _CONTINUE
    return _exponent_sign(scanner, byte)


def _exponent_sign(scanner: _Scanner, byte: int) -> int:
    if byte in _DIGITS:
        scanner.step = _exponent_digits
        return _CONTINUE
    return scanner.fail(byte, "in exponent of numeric literal")


def _exponent_digits(scanner: _Scanner, byte: int) -> int:
    if byte in _DIGITS:
        return _CONTINUE
    return _end_value(scanner, byte)


def _literal(word: str) -> _Step:
    # After the first letter, each state expects the next one: "in literal true (expecting 'r')".
    def expect(position: int) -> _Step:
        wanted = ord(word[position])

        def step(scanner: _Scanner, byte: int) -> int:
            if byte != wanted:
                return scanner.fail(byte, f"in literal {word} (expecting '{word[position]}')")
            scanner.step = _end_value if position == len(word) - 1 else expect(position + 1)
            return _CONTINUE

        return step

    return expect(1)


def _scan_first_value(data: bytes) -> int:
    """The end offset of the first JSON value, as ``Decoder.readValue`` finds it."""
    scanner = _Scanner()
    for index, byte in enumerate(data):
        before = len(scanner.stack)
        op = scanner.step(scanner, byte)
        if op == _ERROR:
            raise GoJSONError(scanner.error)
        if op == _END:
            return index
        if before == 1 and not scanner.stack:
            # The closing bracket of the top-level value ends it without another byte.
            return index + 1
    # End of input: a complete top-level number or literal ends here too.
    if scanner.step(scanner, 0x20) == _END:
        return len(data)
    # io.ErrUnexpectedEOF inside a value, io.EOF when there was nothing but space.
    msg = "unexpected EOF" if any(byte not in _SPACE for byte in data) else "EOF"
    raise GoJSONError(msg)
