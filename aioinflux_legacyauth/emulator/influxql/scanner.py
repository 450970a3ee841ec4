"""The InfluxQL scanner (``influxql/scanner.go``), rune for rune.

Positions, the three-deep unread buffers and the treatment of ``\\r\\n`` and of a NUL
(which reads as end of input) follow the Go code, because parse errors quote them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Generic, TypeVar

from .tokens import Pos, Token, lookup

__all__ = ["BufScanner", "Reader", "Scanner", "is_ident_char", "is_ident_first_char"]

EOF_CHAR: Final = "\0"
_T = TypeVar("_T")


def is_whitespace(char: str) -> bool:
    return char in (" ", "\t", "\n")


def is_letter(char: str) -> bool:
    return ("a" <= char <= "z") or ("A" <= char <= "Z")


def is_digit(char: str) -> bool:
    return "0" <= char <= "9"


def is_ident_char(char: str) -> bool:
    return is_letter(char) or is_digit(char) or char == "_"


def is_ident_first_char(char: str) -> bool:
    return is_letter(char) or char == "_"


class _BadStringError(Exception):
    pass


class _BadEscapeError(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class _Ring(Generic[_T]):
    """The three-slot buffer both Go readers use: what was read, and how far unread."""

    def __init__(self, empty: _T) -> None:
        self._buf = [empty] * 3
        self._slot = 0
        self.pending = 0

    def replay(self) -> _T | None:
        """The next unread item again, if something was unread."""
        if self.pending == 0:
            return None
        self.pending -= 1
        return self.curr()

    def push(self, item: _T) -> _T:
        self._slot = (self._slot + 1) % 3
        self._buf[self._slot] = item
        return item

    def curr(self) -> _T:
        return self._buf[(self._slot - self.pending + 3) % 3]


class Reader:
    """``reader``: runes with positions and a three-rune unread buffer."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._index = 0
        self._line = 0
        self._char = 0
        self._ring: _Ring[tuple[str, Pos]] = _Ring((EOF_CHAR, Pos()))
        self._eof = False

    def read(self) -> tuple[str, Pos]:
        replayed = self._ring.replay()
        if replayed is not None:
            return replayed
        if self._index >= len(self._text):
            char = EOF_CHAR
        else:
            char = self._text[self._index]
            self._index += 1
            if char == "\r":
                if self._index < len(self._text) and self._text[self._index] == "\n":
                    self._index += 1
                char = "\n"
        self._ring.push((char, Pos(self._line, self._char)))
        if char == "\n":
            self._line += 1
            self._char = 0
        elif not self._eof:
            self._char += 1
        if char == EOF_CHAR:
            self._eof = True
        return self._ring.curr()

    def unread(self) -> None:
        self._ring.pending += 1

    def curr(self) -> tuple[str, Pos]:
        return self._ring.curr()

    def read_rune(self) -> str | None:
        """``ReadRune``: ``None`` at the end of input."""
        char, _ = self.read()
        return None if char == EOF_CHAR else char


def scan_delimited(reader: Reader, start: str, end: str, escapes: dict[str, str]) -> str:
    """``ScanDelimited`` with pass-through escapes (for regexes)."""
    char = reader.read_rune()
    if char is None or char != start:
        raise _BadStringError
    out: list[str] = []
    while True:
        char0 = reader.read_rune()
        if char0 == end:
            return "".join(out)
        if char0 is None or char0 == "\n":
            raise _BadStringError
        if char0 == "\\":
            char1 = reader.read_rune()
            if char1 is None:
                raise _BadStringError
            if char1 in escapes:
                out.append(escapes[char1])
                continue
            reader.unread()
            out.append(char0)
            continue
        out.append(char0)


def scan_string(reader: Reader) -> str:
    """``ScanString``: a quoted string with ``\\n \\\\ \\" \\'`` escapes."""
    ending = reader.read_rune()
    if ending is None:
        raise _BadStringError
    out: list[str] = []
    while True:
        char0 = reader.read_rune()
        if char0 == ending:
            return "".join(out)
        if char0 is None or char0 == "\n":
            raise _BadStringError("".join(out))
        if char0 == "\\":
            char1 = reader.read_rune()
            escaped = {"n": "\n", "\\": "\\", '"': '"', "'": "'"}
            if char1 in escaped:
                out.append(escaped[char1])
            else:
                raise _BadEscapeError(char0 + (char1 or ""))
        else:
            out.append(char0)


def scan_bare_ident(reader: Reader) -> str:
    out: list[str] = []
    while True:
        char = reader.read_rune()
        if char is None:
            break
        if not is_ident_char(char):
            reader.unread()
            break
        out.append(char)
    return "".join(out)


class Scanner:
    """``Scanner``: one token at a time."""

    def __init__(self, text: str) -> None:
        self.reader = Reader(text)

    def scan(self) -> tuple[Token, Pos, str]:  # noqa: PLR0912 - the Go switch
        reader = self.reader
        char0, pos = reader.read()
        if is_whitespace(char0):
            return self._scan_whitespace()
        if is_letter(char0) or char0 == "_":
            reader.unread()
            return self._scan_ident(lookup_keyword=True)
        if is_digit(char0):
            return self._scan_number()
        if char0 == EOF_CHAR:
            return Token.EOF, pos, ""
        if char0 == '"':
            reader.unread()
            return self._scan_ident(lookup_keyword=True)
        if char0 == "'":
            return self._scan_string()
        if char0 == ".":
            char1, _ = reader.read()
            reader.unread()
            if is_digit(char1):
                return self._scan_number()
            return Token.DOT, pos, ""
        if char0 == "$":
            token, _, literal = self._scan_ident(lookup_keyword=False)
            if token is not Token.IDENT:
                return token, pos, "$" + literal
            return Token.BOUNDPARAM, pos, "$" + literal
        simple = {
            "+": Token.ADD,
            "*": Token.MUL,
            "%": Token.MOD,
            "&": Token.BITWISE_AND,
            "|": Token.BITWISE_OR,
            "^": Token.BITWISE_XOR,
            "(": Token.LPAREN,
            ")": Token.RPAREN,
            ",": Token.COMMA,
            ";": Token.SEMICOLON,
        }
        if char0 in simple:
            return simple[char0], pos, ""
        if char0 == "-":
            char1, _ = reader.read()
            if char1 == "-":
                self._skip_until_newline()
                return Token.COMMENT, pos, ""
            reader.unread()
            return Token.SUB, pos, ""
        if char0 == "/":
            char1, _ = reader.read()
            if char1 == "*":
                if not self._skip_until_end_comment():
                    return Token.ILLEGAL, pos, ""
                return Token.COMMENT, pos, ""
            reader.unread()
            return Token.DIV, pos, ""
        two = {
            "=": ({"~": Token.EQREGEX}, Token.EQ),
            "!": ({"=": Token.NEQ, "~": Token.NEQREGEX}, None),
            ">": ({"=": Token.GTE}, Token.GT),
            "<": ({"=": Token.LTE, ">": Token.NEQ}, Token.LT),
            ":": ({":": Token.DOUBLECOLON}, Token.COLON),
        }
        if char0 in two:
            follows, alone = two[char0]
            char1, _ = reader.read()
            if char1 in follows:
                return follows[char1], pos, ""
            reader.unread()
            if alone is not None:
                return alone, pos, ""
        return Token.ILLEGAL, pos, char0

    def _scan_whitespace(self) -> tuple[Token, Pos, str]:
        reader = self.reader
        char, pos = reader.curr()
        out = [char]
        while True:
            char, _ = reader.read()
            if char == EOF_CHAR:
                break
            if not is_whitespace(char):
                reader.unread()
                break
            out.append(char)
        return Token.WS, pos, "".join(out)

    def _skip_until_newline(self) -> None:
        while True:
            char, _ = self.reader.read()
            if char in ("\n", EOF_CHAR):
                return

    def _skip_until_end_comment(self) -> bool:
        reader = self.reader
        while True:
            char1, _ = reader.read()
            if char1 == "*":
                while True:
                    char2, _ = reader.read()
                    if char2 == "/":
                        return True
                    if char2 == EOF_CHAR:
                        return False
                    if char2 != "*":
                        break
            elif char1 == EOF_CHAR:
                return False

    def _scan_ident(self, *, lookup_keyword: bool) -> tuple[Token, Pos, str]:
        reader = self.reader
        _, pos = reader.read()
        reader.unread()
        out: list[str] = []
        while True:
            char, _ = reader.read()
            if char == EOF_CHAR:
                break
            if char == '"':
                token, string_pos, literal = self._scan_string()
                if token in (Token.BADSTRING, Token.BADESCAPE):
                    return token, string_pos, literal
                return Token.IDENT, pos, literal
            if is_ident_char(char):
                reader.unread()
                out.append(scan_bare_ident(reader))
            else:
                reader.unread()
                break
        literal = "".join(out)
        if lookup_keyword:
            token = lookup(literal)
            if token is not Token.IDENT:
                return token, pos, ""
        return Token.IDENT, pos, literal

    def _scan_string(self) -> tuple[Token, Pos, str]:
        reader = self.reader
        reader.unread()
        _, pos = reader.curr()
        try:
            literal = scan_string(reader)
        except _BadStringError as exc:
            return Token.BADSTRING, pos, str(exc.args[0]) if exc.args else ""
        except _BadEscapeError as exc:
            _, pos = reader.curr()
            return Token.BADESCAPE, pos, exc.text
        return Token.STRING, pos, literal

    def scan_regex(self) -> tuple[Token, Pos, str]:
        reader = self.reader
        _, pos = reader.curr()
        try:
            literal = scan_delimited(reader, "/", "/", {"/": "/"})
        except _BadStringError:
            return Token.BADREGEX, pos, ""
        return Token.REGEX, pos, literal

    def _scan_number(self) -> tuple[Token, Pos, str]:  # noqa: PLR0912 - scanNumber, as is
        reader = self.reader
        char, pos = reader.curr()
        if char == ".":
            char1, _ = reader.read()
            reader.unread()
            if not is_digit(char1):
                return Token.ILLEGAL, pos, "."
        reader.unread()
        out = [self._scan_digits()]
        decimal = False
        char0, _ = reader.read()
        if char0 == ".":
            decimal = True
            char1, _ = reader.read()
            if is_digit(char1):
                out += [char0, char1, self._scan_digits()]
            else:
                reader.unread()
        else:
            reader.unread()
        if not decimal:
            char0, _ = reader.read()
            if is_letter(char0) or char0 == "µ":
                out.append(char0)
                while True:
                    char1, _ = reader.read()
                    if not is_letter(char1) and char1 != "µ":
                        reader.unread()
                        break
                    out.append(char1)
                while True:
                    char2, _ = reader.read()
                    if is_letter(char2) or char2 == "µ" or is_digit(char2):
                        out.append(char2)
                    else:
                        reader.unread()
                        break
                return Token.DURATIONVAL, pos, "".join(out)
            reader.unread()
            return Token.INTEGER, pos, "".join(out)
        return Token.NUMBER, pos, "".join(out)

    def _scan_digits(self) -> str:
        reader = self.reader
        out: list[str] = []
        while True:
            char, _ = reader.read()
            if not is_digit(char):
                reader.unread()
                break
            out.append(char)
        return "".join(out)


class BufScanner:
    """``bufScanner``: tokens with a three-deep unscan buffer."""

    def __init__(self, text: str) -> None:
        self.scanner = Scanner(text)
        self._ring: _Ring[tuple[Token, Pos, str]] = _Ring((Token.ILLEGAL, Pos(), ""))

    def scan(self) -> tuple[Token, Pos, str]:
        return self._scan_with(self.scanner.scan)

    def scan_regex(self) -> tuple[Token, Pos, str]:
        return self._scan_with(self.scanner.scan_regex)

    def _scan_with(self, scan: Callable[[], tuple[Token, Pos, str]]) -> tuple[Token, Pos, str]:
        replayed = self._ring.replay()
        return replayed if replayed is not None else self._ring.push(scan())

    def unscan(self) -> None:
        self._ring.pending += 1
