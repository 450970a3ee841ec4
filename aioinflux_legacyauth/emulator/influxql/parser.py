"""The InfluxQL parser (``influxql/parser.go`` and ``parse_tree.go``, v1.2.0), ported
statement by statement so that a query the real server refuses is refused here with the
same ``failed to parse query: ...`` text, and every query it accepts parses.

Known simplifications: regular expressions are checked only for the structural errors
RE2 and Python's ``re`` agree on (a repetition with nothing to repeat, an unclosed or
unopened group, an unclosed class), so a regex only RE2 refuses passes here and one only
Python refuses is never refused; and ``CREATE CONTINUOUS QUERY``'s semantic checks beyond
``GROUP BY time(...)`` are skipped (it is refused as not implemented anyway).
"""

from __future__ import annotations

import math
import re
import warnings
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Final, TypeAlias

from .ast import (
    BinaryExpr,
    BooleanLiteral,
    Call,
    Dimension,
    Distinct,
    DurationLiteral,
    Expr,
    Field,
    IntegerLiteral,
    ListLiteral,
    Measurement,
    NumberLiteral,
    ParenExpr,
    RegexLiteral,
    Source,
    StringLiteral,
    SubQuery,
    UnsignedLiteral,
    VarRef,
    Wildcard,
    quote_ident,
    walk,
)
from .scanner import BufScanner, is_digit, is_whitespace
from .statements import (
    DeleteSeriesStatement,
    DropMeasurementStatement,
    DropSeriesStatement,
    ExplainStatement,
    NotImplementedStatement,
    SelectStatement,
    ShowCardinalityStatement,
    ShowDatabasesStatement,
    ShowFieldKeysStatement,
    ShowMeasurementsStatement,
    ShowRetentionPoliciesStatement,
    ShowSeriesStatement,
    ShowTagKeysStatement,
    ShowTagValuesStatement,
    ShowWithSources,
    Statement,
)
from .tokens import OPERATORS, Pos, Token, precedence, token_text

__all__ = ["InfluxQLError", "ParseError", "Parser", "parse_duration", "parse_query"]

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_UINT64_MAX: Final = 2**64 - 1
_INT32_MAX: Final = 2**31 - 1
_NANOS: Final = {
    "u": 1_000,
    "µ": 1_000,
    "s": 1_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
    "w": 604_800_000_000_000,
}


class InfluxQLError(Exception):
    """An error the parser returns as plain text (``errors.New``/``fmt.Errorf``)."""


class ParseError(InfluxQLError):
    """``ParseError``: a message, or what was found and what was expected, and where."""

    def __init__(
        self,
        pos: Pos,
        *,
        message: str = "",
        found: str = "",
        expected: tuple[str, ...] = (),
    ) -> None:
        if message:
            text = f"{message} at line {pos.line + 1}, char {pos.char + 1}"
        else:
            where = f"at line {pos.line + 1}, char {pos.char + 1}"
            text = f"found {found}, expected {', '.join(expected)} {where}"
        super().__init__(text)


def _expected(token: Token, literal: str, expected: tuple[str, ...], pos: Pos) -> ParseError:
    return ParseError(pos, found=literal or token_text(token), expected=expected)


def _wrap64(value: int) -> int:
    value &= 0xFFFF_FFFF_FFFF_FFFF
    return value - (1 << 64) if value >= 1 << 63 else value


def parse_duration(text: str) -> int:  # noqa: PLR0912 - one branch per unit, as in Go
    """``ParseDuration``: InfluxQL durations (``10s``, ``1h30m``, ``5ms``) in nanoseconds."""
    if len(text) < 2:
        msg = "invalid duration"
        raise InfluxQLError(msg)
    index, total, negative = 0, 0, False
    if text[0] == "-":
        negative, index = True, 1
    measure, unit = 0, ""
    while index < len(text):
        start = index
        while index < len(text) and is_digit(text[index]):
            index += 1
        if index >= len(text) or index == start:
            msg = "invalid duration"
            raise InfluxQLError(msg)
        number = int(text[start:index])
        if number > _INT64_MAX:
            msg = "invalid duration"
            raise InfluxQLError(msg)
        measure, unit, char = number, text[index], text[index]
        following = text[index + 1] if index + 1 < len(text) else ""
        if char == "n":
            if following != "s":
                msg = "invalid duration"
                raise InfluxQLError(msg)
            unit, step, index = "ns", 1, index + 2
        elif char == "m":
            if following == "s":
                unit, step, index = "ms", 1_000_000, index + 2
            else:
                step, index = 60_000_000_000, index + 1
        elif char in _NANOS:
            step, index = _NANOS[char], index + 1
        else:
            msg = "invalid duration"
            raise InfluxQLError(msg)
        total = _wrap64(total + _wrap64(number * step))
    if total < 0 and not negative:
        message = f"overflowed duration {measure}{unit}: choose a smaller duration or INF"
        raise InfluxQLError(message)
    return -total if negative else total


# --- bound parameters (params.go) ------------------------------------------------------


def bind_params(params: Mapping[str, object]) -> dict[str, tuple[Token, str]]:
    """``SetParams``/``BindValue``: each parameter as the token it stands for."""
    return {name: _bind(value) for name, value in params.items()}


def _bind(value: object) -> tuple[Token, str]:
    if isinstance(value, bool):
        return (Token.TRUE if value else Token.FALSE), ""
    if isinstance(value, float):
        return Token.NUMBER, _format_float(value)
    if isinstance(value, int):
        return Token.INTEGER, str(value)
    if isinstance(value, str):
        return Token.STRING, value
    if isinstance(value, dict):
        return _bind_object(value)
    return Token.BOUNDPARAM, f"unable to bind parameter with type {_go_type_name(value)}"


def _go_type_name(value: object) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, list):
        return "[]interface {}"
    return type(value).__name__


def _format_float(value: float) -> str:
    # strconv.FormatFloat(v, 'f', -1, 64)
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return text[:-2] if text.endswith(".0") else text


def _bind_object(mapping: dict[str, object]) -> tuple[Token, str]:  # noqa: PLR0912 - per kind
    if len(mapping) != 1:
        return Token.BOUNDPARAM, "bound object parameter value must have exactly one entry"
    ((kind, value),) = mapping.items()
    if kind in ("ident", "identifier"):
        if isinstance(value, str):
            return Token.IDENT, value
        return Token.BOUNDPARAM, "identifier must be a string value"
    if kind == "regex":
        if isinstance(value, str):
            return Token.REGEX, value
        return Token.BOUNDPARAM, "regex literal must be a string value"
    if kind == "string":
        if isinstance(value, str):
            return Token.STRING, value
        return Token.BOUNDPARAM, "string literal must be a string value"
    if kind in ("float", "number"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Token.NUMBER, _format_float(float(value))
        return Token.BOUNDPARAM, "number literal must be a float value"
    if kind in ("int", "integer"):
        if isinstance(value, int) and not isinstance(value, bool):
            return Token.INTEGER, str(value)
        return Token.BOUNDPARAM, "integer literal must be an integer value"
    if kind == "duration":
        if isinstance(value, str):
            return Token.DURATIONVAL, value
        if isinstance(value, int) and not isinstance(value, bool):
            return Token.DURATIONVAL, format_duration(value)
        return Token.BOUNDPARAM, "duration literal must be a string or integer value"
    return Token.BOUNDPARAM, f"unknown bind object type: {kind}"


def format_duration(nanoseconds: int) -> str:
    """``FormatDuration``: the largest unit that divides evenly."""
    if nanoseconds == 0:
        return "0s"
    for size, unit in (
        (604_800_000_000_000, "w"),
        (86_400_000_000_000, "d"),
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "u"),
    ):
        if nanoseconds % size == 0:
            return f"{nanoseconds // size}{unit}"
    return f"{nanoseconds}ns"


# --- the parser ----------------------------------------------------------------------

_Handler: TypeAlias = Callable[["Parser"], Statement]


class _Tree:
    """``ParseTree``: statement keywords, in registration order (errors list them so)."""

    def __init__(self) -> None:
        self.handlers: dict[Token, _Handler] = {}
        self.tokens: dict[Token, _Tree] = {}
        self.keys: list[str] = []

    def group(self, *tokens: Token) -> _Tree:
        tree = self
        for token in tokens:
            subtree = tree.tokens.get(token)
            if subtree is None:
                subtree = tree.tokens[token] = _Tree()
                tree.keys.append(token_text(token))
            tree = subtree
        return tree

    def handle(self, token: Token, handler: _Handler) -> None:
        self.handlers[token] = handler
        self.keys.append(token_text(token))

    def parse(self, parser: Parser) -> Statement:
        tree = self
        while True:
            token, pos, literal = parser.scan_ignore_whitespace()
            subtree = tree.tokens.get(token)
            if subtree is not None:
                tree = subtree
                continue
            handler = tree.handlers.get(token)
            if handler is not None:
                return handler(parser)
            raise _expected(token, literal, tuple(tree.keys), pos)


def _after_ident(op: str) -> _Handler:
    """A refused statement whose grammar is one identifier (``DROP USER <name>`` ...)."""

    def handler(parser: Parser) -> Statement:
        parser.parse_ident()
        return NotImplementedStatement(op)

    return handler


def _not_implemented(op: str, default_database: Callable[[Parser], str] | None = None) -> _Handler:
    def handler(parser: Parser) -> Statement:
        database = default_database(parser) if default_database else None
        return NotImplementedStatement(op, default_database=database)

    return handler


class Parser:
    """``Parser`` over one query text, with bound parameters."""

    def __init__(self, text: str, params: Mapping[str, object] | None = None) -> None:
        self._scanner = BufScanner(text)
        self._params = bind_params(params or {})

    # --- scanning --------------------------------------------------------------------

    def scan(self) -> tuple[Token, Pos, str]:
        return self._bound(*self._scanner.scan())

    def scan_regex(self) -> tuple[Token, Pos, str]:
        return self._bound(*self._scanner.scan_regex())

    def _bound(self, token: Token, pos: Pos, literal: str) -> tuple[Token, Pos, str]:
        if token is Token.BOUNDPARAM:
            name = literal.removeprefix("$")
            if name and name in self._params:
                token, literal = self._params[name]
        return token, pos, literal

    def scan_ignore_whitespace(self) -> tuple[Token, Pos, str]:
        while True:
            token, pos, literal = self.scan()
            if token not in (Token.WS, Token.COMMENT):
                return token, pos, literal

    def unscan(self) -> None:
        self._scanner.unscan()

    def consume_whitespace(self) -> None:
        token, _, _ = self.scan()
        if token is not Token.WS:
            self.unscan()

    def peek_rune(self) -> str:
        reader = self._scanner.scanner.reader
        char = reader.read_rune()
        if char is None:
            return "\0"
        reader.unread()
        return char

    def _literal(self, wanted: Token, name: str) -> tuple[Pos, str]:
        """The next token, which must be ``wanted`` (``name`` in the error)."""
        token, pos, literal = self.scan_ignore_whitespace()
        if token is not wanted:
            raise _expected(token, literal, (name,), pos)
        return pos, literal

    def expect(self, *tokens: Token) -> None:
        """``parseTokens``."""
        for wanted in tokens:
            token, pos, literal = self.scan_ignore_whitespace()
            if token is not wanted:
                raise _expected(token, literal, (token_text(wanted),), pos)

    def accept(self, token: Token) -> bool:
        """Scan one token (skipping space); keep it if it is ``token``, else unscan."""
        found, _, _ = self.scan_ignore_whitespace()
        if found is token:
            return True
        self.unscan()
        return False

    # --- query and statements --------------------------------------------------------

    def parse_query(self) -> list[Statement]:
        statements: list[Statement] = []
        semicolon = True
        while True:
            token, pos, literal = self.scan_ignore_whitespace()
            if token is Token.EOF:
                return statements
            if token is Token.SEMICOLON:
                semicolon = True
                continue
            if not semicolon:
                raise _expected(token, literal, (";",), pos)
            self.unscan()
            statements.append(LANGUAGE.parse(self))
            semicolon = False

    def parse_ident(self) -> str:
        _, literal = self._literal(Token.IDENT, "identifier")
        return literal

    def parse_ident_list(self) -> list[str]:
        return self._comma_list(self.parse_ident)

    def _comma_list(self, parse: Callable[[], str]) -> list[str]:
        items = [parse()]
        while self.accept(Token.COMMA):
            items.append(parse())
        return items

    def parse_segmented_idents(self) -> list[str]:
        idents = [self.parse_ident()]
        while True:
            token, _, _ = self.scan()
            if token is not Token.DOT:
                self.unscan()
                break
            char = self.peek_rune()
            if char in ("/", ":"):
                break
            if char == ".":
                idents.append("")
                continue
            idents.append(self.parse_ident())
        if len(idents) > 3:
            message = f"too many segments in {quote_ident(*idents)}"
            raise ParseError(Pos(), message=message)
        return idents

    def parse_string(self) -> str:
        _, literal = self._literal(Token.STRING, "string")
        return literal

    def parse_string_list(self) -> list[str]:
        return self._comma_list(self.parse_string)

    def parse_int(self, low: int, high: int) -> int:
        pos, literal = self._literal(Token.INTEGER, "integer")
        number = int(literal)
        if number > _INT64_MAX:
            message = f'strconv.Atoi: parsing "{literal}": value out of range'
            raise ParseError(pos, message=message)
        if not low <= number <= high:
            message = f"invalid value {number}: must be {low} <= n <= {high}"
            raise ParseError(pos, message=message)
        return number

    def parse_uint64(self) -> int:
        pos, literal = self._literal(Token.INTEGER, "integer")
        number = int(literal)
        if number > _UINT64_MAX:
            message = f'strconv.ParseUint: parsing "{literal}": value out of range'
            raise ParseError(pos, message=message)
        return number

    def parse_duration_token(self) -> int:
        token, pos, literal = self.scan_ignore_whitespace()
        if token not in (Token.DURATIONVAL, Token.INF):
            raise _expected(token, literal, ("duration",), pos)
        if token is Token.INF:
            return 0
        try:
            return parse_duration(literal)
        except InfluxQLError as exc:
            raise ParseError(pos, message=str(exc)) from None

    def parse_optional_int(self, token: Token) -> int:
        """``ParseOptionalTokenAndInt``."""
        if not self.accept(token):
            return 0
        found, pos, literal = self.scan_ignore_whitespace()
        if found is not Token.INTEGER:
            raise _expected(found, literal, ("integer",), pos)
        return min(int(literal), _INT64_MAX)

    # --- statements, in parser.go order ---------------------------------------------

    def set_password(self) -> Statement:
        self.parse_ident()
        self._literal(Token.EQ, "=")
        self.parse_string()
        return NotImplementedStatement("SET PASSWORD")

    def kill_query(self) -> Statement:
        self.parse_uint64()
        if self.accept(Token.ON):
            self.parse_ident()
        return NotImplementedStatement("SHOW QUERIES")

    def create_subscription(self) -> Statement:
        database = self._name_on_database()
        self._dot_then_ident()
        self.expect(Token.DESTINATIONS)
        token, pos, literal = self.scan_ignore_whitespace()
        if token not in (Token.ALL, Token.ANY):
            raise _expected(token, literal, ("ALL", "ANY"), pos)
        self.parse_string_list()
        return NotImplementedStatement("CREATE SUBSCRIPTION", default_database=database)

    def _name_on_database(self) -> str:
        """``<name> ON <db>``; returns the database."""
        self.parse_ident()
        self._on()
        return self.parse_ident()

    def _on(self) -> None:
        self._literal(Token.ON, "ON")

    def _dot_then_ident(self) -> str:
        token, pos, literal = self.scan()
        if token is not Token.DOT:
            raise _expected(token, literal, (".",), pos)
        return self.parse_ident()

    def create_retention_policy(self) -> Statement:
        database = self._name_on_database()
        self.expect(Token.DURATION)
        self.parse_duration_token()
        self.expect(Token.REPLICATION)
        self.parse_int(1, _INT32_MAX)
        if self.accept(Token.SHARD):
            self._shard_duration()
        self.accept(Token.DEFAULT)
        return NotImplementedStatement("CREATE RETENTION POLICY", default_database=database)

    def _shard_duration(self) -> None:
        # After SHARD: DURATION, then a duration that is not INF.
        pos, _ = self._literal(Token.DURATION, "DURATION")
        token, pos, _ = self.scan_ignore_whitespace()
        if token is Token.INF:
            raise ParseError(pos, message="invalid duration INF for shard duration")
        self.unscan()
        self.parse_duration_token()

    def alter_retention_policy(self) -> Statement:
        token, pos, literal = self.scan_ignore_whitespace()
        if token not in (Token.DEFAULT, Token.IDENT):
            raise _expected(token, literal, ("identifier",), pos)
        self._on()
        database = self.parse_ident()
        found: set[Token] = set()
        while True:
            token, pos, literal = self.scan_ignore_whitespace()
            if token in found:
                message = f"found duplicate {token_text(token)} option"
                raise ParseError(pos, message=message)
            if token is Token.DURATION:
                self.parse_duration_token()
            elif token is Token.REPLICATION:
                self.parse_int(1, _INT32_MAX)
            elif token is Token.SHARD:
                self._shard_duration()
            elif token is Token.DEFAULT:
                pass
            else:
                if not found:
                    expected = ("DURATION", "REPLICATION", "SHARD", "DEFAULT")
                    raise _expected(token, literal, expected, pos)
                self.unscan()
                break
            found.add(token)
        return NotImplementedStatement("ALTER RETENTION POLICY", default_database=database)

    def _privilege(self) -> bool:
        """``parsePrivilege``; whether it was ``ALL [PRIVILEGES]``."""
        token, pos, literal = self.scan_ignore_whitespace()
        if token in (Token.READ, Token.WRITE):
            return False
        if token is Token.ALL:
            token, _, _ = self.scan_ignore_whitespace()
            if token is not Token.PRIVILEGES:
                self.unscan()
            return True
        raise _expected(token, literal, ("READ", "WRITE", "ALL [PRIVILEGES]"), pos)

    def revoke(self) -> Statement:
        return self._grant_or_revoke("REVOKE", Token.FROM, "FROM")

    def grant(self) -> Statement:
        return self._grant_or_revoke("GRANT", Token.TO, "TO")

    def _grant_or_revoke(self, op: str, direction: Token, word: str) -> Statement:
        every = self._privilege()
        token, pos, literal = self.scan_ignore_whitespace()
        if token is Token.ON:
            database = self.parse_ident()
            token, pos, literal = self.scan_ignore_whitespace()
            if token is not direction:
                raise _expected(token, literal, (word,), pos)
            self.parse_ident()
            return NotImplementedStatement(op, default_database=database)
        if token is direction:
            if not every:
                raise _expected(token, literal, ("ON",), pos)
            self.parse_ident()
            return NotImplementedStatement(f"{op} ALL")
        if every:
            raise _expected(token, literal, ("ON", word), pos)
        raise _expected(token, literal, ("ON",), pos)

    def select(self, *, target: str = "optional") -> SelectStatement:
        """``parseSelectStatement``; ``target`` is "optional", "required" or "subquery"."""
        statement = SelectStatement()
        statement.fields = self._fields()
        statement.target = self._target(target)
        self._literal(Token.FROM, "FROM")
        statement.sources = self._sources(subqueries=True)
        statement.condition = self._condition()
        statement.dimensions = self._dimensions()
        self._fill()
        self._order_by()
        statement.limit = self.parse_optional_int(Token.LIMIT)
        statement.offset = self.parse_optional_int(Token.OFFSET)
        self.parse_optional_int(Token.SLIMIT)
        self.parse_optional_int(Token.SOFFSET)
        self._location()
        statement.is_raw_query = not any(
            isinstance(node, Call) for field in statement.fields for node in walk(field.expr)
        )
        return statement

    def _target(self, requirement: str) -> Measurement | None:
        token, pos, literal = self.scan_ignore_whitespace()
        if token is not Token.INTO:
            if requirement == "required":
                raise _expected(token, literal, ("INTO",), pos)
            self.unscan()
            return None
        idents = self.parse_segmented_idents()
        if len(idents) < 3 and self.peek_rune() == ":":
            self.expect(Token.COLON, Token.MEASUREMENT)
            idents.append("")
        target = Measurement(is_target=True)
        if len(idents) == 1:
            target.name = idents[0]
        elif len(idents) == 2:
            target.retention_policy, target.name = idents
        else:
            target.database, target.retention_policy, target.name = idents
        return target

    def delete(self) -> Statement:
        statement = DeleteSeriesStatement()
        token, pos, literal = self.scan_ignore_whitespace()
        if token is Token.FROM:
            statement.sources = self._sources(subqueries=False)
            self._refuse_qualified(statement.sources, allow_policy=self.allows_delete_policy)
        else:
            self.unscan()
        statement.condition = self._condition()
        if statement.condition is None and not statement.sources:
            raise _expected(token, literal, ("FROM", "WHERE"), pos)
        return statement

    #: influxql v1.3.0 (InfluxDB 2.9) lets ``DELETE FROM rp.m`` name a retention policy.
    allows_delete_policy: bool = False

    @staticmethod
    def _refuse_qualified(sources: list[Source], *, allow_policy: bool) -> None:
        error: str | None = None
        for source in sources:
            if isinstance(source, Measurement):
                if source.database:
                    error = "database not supported"
                if source.retention_policy and not allow_policy:
                    error = "retention policy not supported"
        if error is not None:
            raise ParseError(Pos(), message=error)

    def show_series(self) -> Statement:
        exact = self.accept(Token.EXACT)
        if self.accept(Token.CARDINALITY):
            return self._cardinality("SERIES", exact=exact)
        statement = ShowSeriesStatement()
        self._on_from(statement)
        statement.condition = self._condition()
        self._order_by()
        self._limit_offset(statement)
        return statement

    def _on_from(self, statement: ShowWithSources) -> None:
        """``[ON <db>] [FROM <sources>]``."""
        if self.accept(Token.ON):
            statement.database = self.parse_ident()
        if self.accept(Token.FROM):
            statement.sources = self._sources(subqueries=False)

    def _limit_offset(self, statement: ShowWithSources | ShowMeasurementsStatement) -> None:
        statement.limit = self.parse_optional_int(Token.LIMIT)
        statement.offset = self.parse_optional_int(Token.OFFSET)

    def _cardinality(self, what: str, *, exact: bool, with_key: bool = False) -> Statement:
        statement = ShowCardinalityStatement(what=what, exact=exact)
        self._on_from(statement)
        if with_key:
            self._tag_key_expr()
        statement.condition = self._condition()
        statement.dimensions = self._dimensions()
        self._limit_offset(statement)
        return statement

    def _expect_cardinality(self, expected: tuple[str, ...] = ("CARDINALITY",)) -> None:
        token, pos, literal = self.scan_ignore_whitespace()
        if token is not Token.CARDINALITY:
            raise _expected(token, literal, expected, pos)

    def show_key_cardinality(self, what: str) -> Statement:
        """``SHOW TAG KEY`` / ``SHOW FIELD KEY [EXACT] CARDINALITY``."""
        exact = self.accept(Token.EXACT)
        self._expect_cardinality(("CARDINALITY",) if exact else ("EXACT", "CARDINALITY"))
        return self._cardinality(what, exact=exact)

    def show_measurement_cardinality(self, *, exact: bool) -> Statement:
        if exact:
            self._expect_cardinality()
        return self._cardinality("MEASUREMENT", exact=exact)

    def show_measurements(self) -> Statement:
        statement = ShowMeasurementsStatement()
        if self.accept(Token.ON):
            database = self._name_or_star()
            statement.database = database or ""
            statement.wildcard_database = database is None
            if self.accept(Token.DOT):
                policy = self._name_or_star()
                statement.retention_policy = policy or ""
                statement.wildcard_retention_policy = policy is None
        if self.accept(Token.WITH):
            self.expect(Token.MEASUREMENT)
            token, pos, literal = self.scan_ignore_whitespace()
            if token not in (Token.EQ, Token.EQREGEX):
                raise _expected(token, literal, ("=", "=~"), pos)
            statement.source = self._source(subqueries=False)
        statement.condition = self._condition()
        self._order_by()
        self._limit_offset(statement)
        return statement

    def _name_or_star(self) -> str | None:
        """An identifier, or ``None`` for ``*``."""
        token, pos, literal = self.scan_ignore_whitespace()
        if token is Token.IDENT:
            return literal
        if token is Token.MUL:
            return None
        raise _expected(token, literal, ("identifier or *",), pos)

    def show_retention_policies(self) -> Statement:
        statement = ShowRetentionPoliciesStatement()
        if self.accept(Token.ON):
            statement.database = self.parse_ident()
        return statement

    def show_tag_keys(self) -> Statement:
        statement = ShowTagKeysStatement()
        self._on_from(statement)
        if self.accept(Token.WITH):
            self.unscan()
            self._tag_key_expr()
        statement.condition = self._condition()
        self._order_by()
        self._limit_offset(statement)
        self.parse_optional_int(Token.SLIMIT)
        self.parse_optional_int(Token.SOFFSET)
        return statement

    def show_tag_values(self) -> Statement:
        token, _, _ = self.scan_ignore_whitespace()
        if token is Token.EXACT:
            return self._tag_values_cardinality(exact=True)
        if token is Token.CARDINALITY:
            return self._tag_values_cardinality(exact=False)
        self.unscan()
        statement = ShowTagValuesStatement()
        self._on_from(statement)
        statement.op, statement.tag_key_expr = self._tag_key_expr()
        statement.condition = self._condition()
        self._order_by()
        self._limit_offset(statement)
        return statement

    def _tag_values_cardinality(self, *, exact: bool) -> Statement:
        if exact:
            self._expect_cardinality()
        return self._cardinality("TAG VALUES", exact=exact, with_key=True)

    def _tag_key_expr(self) -> tuple[Token, ListLiteral | RegexLiteral | str]:
        self.expect(Token.WITH, Token.KEY)
        token, pos, literal = self.scan_ignore_whitespace()
        if token is Token.IN:
            pos, literal = self._literal(Token.LPAREN, "(")
            keys = self.parse_ident_list()
            pos, literal = self._literal(Token.RPAREN, ")")
            return Token.IN, ListLiteral(keys)
        if token in (Token.EQ, Token.NEQ):
            return token, self.parse_ident()
        if token in (Token.EQREGEX, Token.NEQREGEX):
            regex = self._regex()
            if regex is None:
                token, pos, literal = self.scan_ignore_whitespace()
                raise _expected(token, literal, ("regex",), pos)
            return token, regex
        raise _expected(token, literal, ("IN", "=", "=~"), pos)

    def show_field_keys(self) -> Statement:
        statement = ShowFieldKeysStatement()
        self._on_from(statement)
        self._order_by()
        self._limit_offset(statement)
        return statement

    def drop_measurement(self) -> Statement:
        return DropMeasurementStatement(self.parse_ident())

    def drop_series(self) -> Statement:
        statement = DropSeriesStatement()
        token, pos, literal = self.scan_ignore_whitespace()
        if token is Token.FROM:
            statement.sources = self._sources(subqueries=False)
            self._refuse_qualified(statement.sources, allow_policy=False)
        else:
            self.unscan()
        statement.condition = self._condition()
        if statement.condition is None and not statement.sources:
            raise _expected(token, literal, ("FROM", "WHERE"), pos)
        return statement

    def drop_shard(self) -> Statement:
        self.parse_uint64()
        return NotImplementedStatement("DROP SHARD")

    def create_continuous_query(self) -> Statement:
        database = self._name_on_database()
        if self.accept(Token.RESAMPLE):
            self._resample()
        self.expect(Token.BEGIN, Token.SELECT)
        source = self.select(target="required")
        if not source.is_raw_query and not _group_by_interval(source):
            self.unscan()
            self.unscan()
            token, pos, literal = self.scan_ignore_whitespace()
            raise _expected(token, literal, ("GROUP BY time(...)",), pos)
        pos, literal = self._literal(Token.END, "END")
        return NotImplementedStatement(
            "CREATE CONTINUOUS QUERY", default_database=database, inner=source
        )

    def _resample(self) -> None:
        interval = maximum = 0
        if self.accept(Token.EVERY):
            interval = self._duration_value()
        if self.accept(Token.FOR):
            maximum = self._duration_value()
        if interval == 0 and maximum == 0:
            token, pos, literal = self.scan_ignore_whitespace()
            raise _expected(token, literal, ("EVERY", "FOR"), pos)

    def _duration_value(self) -> int:
        pos, literal = self._literal(Token.DURATIONVAL, "duration")
        try:
            return parse_duration(literal)
        except InfluxQLError as exc:
            raise ParseError(pos, message=str(exc)) from None

    def create_database(self) -> Statement:
        self.parse_ident()
        if self.accept(Token.WITH):
            token, pos, literal = self.scan_ignore_whitespace()
            if token not in (Token.DURATION, Token.NAME, Token.REPLICATION, Token.SHARD):
                expected = ("DURATION", "NAME", "REPLICATION", "SHARD")
                raise _expected(token, literal, expected, pos)
            self.unscan()
            if self.accept(Token.DURATION):
                self.parse_duration_token()
            if self.accept(Token.REPLICATION):
                self.parse_int(1, _INT32_MAX)
            if self.accept(Token.SHARD):
                self._literal(Token.DURATION, "DURATION")
                self.parse_duration_token()
            if self.accept(Token.NAME):
                self.parse_ident()
        return NotImplementedStatement("CREATE DATABASE")

    def drop_subscription(self) -> Statement:
        database = self._name_on_database()
        self._dot_then_ident()
        return NotImplementedStatement("DROP SUBSCRIPTION", default_database=database)

    def drop_retention_policy(self) -> Statement:
        database = self._name_on_database()
        return NotImplementedStatement("DROP RETENTION POLICY", default_database=database)

    def create_user(self) -> Statement:
        self.parse_ident()
        self.expect(Token.WITH, Token.PASSWORD)
        self.parse_string()
        if self.accept(Token.WITH):
            self.expect(Token.ALL, Token.PRIVILEGES)
        return NotImplementedStatement("CREATE USER")

    def explain(self) -> Statement:
        analyze = self.accept(Token.ANALYZE)
        verbose = self.accept(Token.VERBOSE)
        self._literal(Token.SELECT, "SELECT")
        return ExplainStatement(self.select(), analyze=analyze, verbose=verbose)

    def show_stats_or_diagnostics(self, op: str) -> Statement:
        if self.accept(Token.FOR):
            self.parse_string()
        return NotImplementedStatement(op)

    def drop_continuous_query(self) -> Statement:
        database = self._name_on_database()
        return NotImplementedStatement("DROP CONTINUOUS QUERY", default_database=database)

    # --- clauses ---------------------------------------------------------------------

    def _fields(self) -> list[Field]:
        fields = []
        while True:
            fields.append(self._field())
            token, _, _ = self.scan()
            if token is not Token.COMMA:
                self.unscan()
                return fields

    def _field(self) -> Field:
        regex = self._regex()
        if regex is not None:
            expr: Expr = regex
        else:
            _, pos, _ = self.scan_ignore_whitespace()
            self.unscan()
            expr = self.parse_expr()
            for node in walk(expr):
                if isinstance(node, BinaryExpr) and (
                    node.op in (Token.AND, Token.OR) or Token.EQ <= node.op <= Token.GTE
                ):
                    msg = (
                        f"invalid operator {token_text(node.op)} in SELECT clause at line "
                        f"{pos.line + 1}, char {pos.char + 1}; operator is intended for "
                        "WHERE clause"
                    )
                    raise InfluxQLError(msg)
        alias = self.parse_ident() if self.accept(Token.AS) else ""
        self.consume_whitespace()
        return Field(expr, alias)

    def _sources(self, *, subqueries: bool) -> list[Source]:
        sources = []
        while True:
            sources.append(self._source(subqueries=subqueries))
            if not self.accept(Token.COMMA):
                return sources

    def _source(self, *, subqueries: bool) -> Source:
        regex = self._regex()
        if regex is not None:
            return Measurement(regex=regex)
        if subqueries and self.accept(Token.LPAREN):
            self.expect(Token.SELECT)
            statement = self.select(target="subquery")
            self.expect(Token.RPAREN)
            return SubQuery(statement)
        idents = self.parse_segmented_idents()
        if len(idents) == 3:
            return Measurement(database=idents[0], retention_policy=idents[1], name=idents[2])
        regex = self._regex()
        measurement = Measurement(regex=regex)
        if len(idents) == 1:
            if regex is not None:
                measurement.retention_policy = idents[0]
            else:
                measurement.name = idents[0]
        elif regex is not None:
            measurement.database, measurement.retention_policy = idents
        else:
            measurement.retention_policy, measurement.name = idents
        return measurement

    def _condition(self) -> Expr | None:
        if not self.accept(Token.WHERE):
            return None
        return self.parse_expr()

    def _dimensions(self) -> list[Dimension]:
        if not self.accept(Token.GROUP):
            return []
        self._literal(Token.BY, "BY")
        dimensions = []
        while True:
            regex = self._regex()
            if regex is not None:
                dimensions.append(Dimension(regex))
            else:
                dimensions.append(Dimension(self.parse_expr()))
                self.consume_whitespace()
            token, _, _ = self.scan()
            if token is not Token.COMMA:
                self.unscan()
                return dimensions

    def _clause_call(self, name: str, wrong_count: str) -> Expr | None:
        """The one argument of a trailing ``fill(...)`` or ``tz(...)``; ``None`` if absent."""
        token, _, literal = self.scan_ignore_whitespace()
        self.unscan()
        if token is not Token.IDENT or literal.lower() != name:
            return None
        expr = self.parse_expr()
        if not isinstance(expr, Call):
            msg = f"{name} must be a function call"
            raise InfluxQLError(msg)
        if len(expr.args) != 1:
            raise InfluxQLError(wrong_count)
        return expr.args[0]

    def _fill(self) -> None:
        argument = self._clause_call(
            "fill", "fill requires an argument, e.g.: 0, null, none, previous, linear"
        )
        if argument is None:
            return
        if isinstance(argument, VarRef) and str(argument) in ("null", "none", "previous", "linear"):
            return
        if not isinstance(argument, IntegerLiteral | NumberLiteral):
            msg = "expected number argument in fill()"
            raise InfluxQLError(msg)

    def _location(self) -> None:
        argument = self._clause_call("tz", "tz requires exactly one argument")
        if argument is None:
            return
        if not isinstance(argument, StringLiteral):
            msg = "expected string argument in tz()"
            raise InfluxQLError(msg)
        if not _known_zone(argument.val):
            msg = f"unable to find time zone {argument.val}"
            raise InfluxQLError(msg)

    def _order_by(self) -> None:
        if not self.accept(Token.ORDER):
            return
        pos, literal = self._literal(Token.BY, "BY")
        count = 0
        token, pos, literal = self.scan_ignore_whitespace()
        if token in (Token.ASC, Token.DESC):
            count = 1
        elif token is Token.IDENT:
            self.unscan()
            self._sort_field()
            if literal != "time":
                msg = "only ORDER BY time supported at this time"
                raise InfluxQLError(msg)
            count = 1
        else:
            raise _expected(token, literal, ("identifier", "ASC", "DESC"), pos)
        while self.accept(Token.COMMA):
            self._sort_field()
            count += 1
        if count > 1:
            msg = "only ORDER BY time supported at this time"
            raise InfluxQLError(msg)

    def _sort_field(self) -> None:
        self.parse_ident()
        token, _, _ = self.scan_ignore_whitespace()
        if token not in (Token.ASC, Token.DESC):
            self.unscan()

    # --- expressions -----------------------------------------------------------------

    def parse_var_ref(self) -> VarRef:
        segments = self.parse_segmented_idents()
        kind = ""
        token, _, _ = self.scan()
        if token is Token.DOUBLECOLON:
            token, pos, literal = self.scan()
            if token is Token.IDENT:
                kind = literal.lower()
                if kind not in ("float", "integer", "unsigned", "string", "boolean"):
                    names = ("float", "integer", "unsigned", "string", "boolean", "field", "tag")
                    raise _expected(token, literal, names, pos)
            elif token in (Token.FIELD, Token.TAG):
                kind = token.name.lower()
            else:
                expected = ("float", "integer", "string", "boolean", "field", "tag")
                raise _expected(token, literal, expected, pos)
        else:
            self.unscan()
        return VarRef(".".join(segments), kind)

    def parse_expr(self) -> Expr:
        root = BinaryExpr(Token.ILLEGAL, StringLiteral(""), self._unary())
        while True:
            op, _, _ = self.scan_ignore_whitespace()
            if op not in OPERATORS:
                self.unscan()
                return root.rhs
            rhs: Expr
            if op in (Token.EQREGEX, Token.NEQREGEX):
                regex = self._regex()
                if regex is None:
                    token, pos, literal = self.scan_ignore_whitespace()
                    raise _expected(token, literal, ("regex",), pos)
                rhs = regex
            else:
                rhs = self._unary()
            node = root
            while True:
                right = node.rhs
                if not isinstance(right, BinaryExpr) or precedence(right.op) >= precedence(op):
                    node.rhs = BinaryExpr(op, node.rhs, rhs)
                    break
                node = right

    def _unary(self) -> Expr:  # noqa: PLR0912 - parseUnaryExpr's switch, ported as is
        if self.accept(Token.LPAREN):
            expr = self.parse_expr()
            pos, literal = self._literal(Token.RPAREN, ")")
            return ParenExpr(expr)
        token, pos, literal = self.scan_ignore_whitespace()
        if token is Token.IDENT:
            following, _, _ = self.scan()
            if following is Token.LPAREN:
                return self._call(literal)
            self.unscan()
            self.unscan()
            return self.parse_var_ref()
        if token is Token.DISTINCT:
            following, pos, literal = self.scan()
            if following is Token.LPAREN:
                return self._call("distinct")
            if following is Token.WS:
                pos, literal = self._literal(Token.IDENT, "identifier")
                return Distinct(literal)
            raise _expected(following, literal, ("(", "identifier"), pos)
        if token is Token.STRING:
            return StringLiteral(literal)
        if token is Token.NUMBER:
            number = float(literal)
            if math.isinf(number):  # strconv.ParseFloat reports a range error
                raise ParseError(pos, message="unable to parse number")
            return NumberLiteral(number)
        if token is Token.INTEGER:
            number = int(literal)
            if number <= _INT64_MAX:
                return IntegerLiteral(number)
            if number <= _UINT64_MAX:
                return UnsignedLiteral(number)
            raise ParseError(pos, message="unable to parse integer")
        if token in (Token.TRUE, Token.FALSE):
            return BooleanLiteral(token is Token.TRUE)
        if token is Token.DURATIONVAL:
            return DurationLiteral(parse_duration(literal))
        if token is Token.MUL:
            wildcard = Wildcard()
            following, _, _ = self.scan()
            if following is Token.DOUBLECOLON:
                kind, pos, literal = self.scan()
                if kind not in (Token.FIELD, Token.TAG):
                    raise _expected(kind, literal, ("field", "tag"), pos)
                wildcard.type = kind
            else:
                self.unscan()
            return wildcard
        if token is Token.REGEX:
            return _check_regex(literal, pos)
        if token is Token.BOUNDPARAM:
            name = literal.removeprefix("$")
            if not name:
                msg = "empty bound parameter"
                raise InfluxQLError(msg)
            bound = self._params.get(name)
            if bound is None:
                msg = f"missing parameter: {name}"
                raise InfluxQLError(msg)
            raise InfluxQLError(bound[1])
        if token in (Token.ADD, Token.SUB):
            return self._signed(token)
        raise _expected(token, literal, ("identifier", "string", "number", "bool"), pos)

    def _signed(self, sign: Token) -> Expr:
        negative = sign is Token.SUB
        token, pos, literal = self.scan_ignore_whitespace()
        if token not in (Token.NUMBER, Token.INTEGER, Token.DURATIONVAL, Token.LPAREN, Token.IDENT):
            raise _expected(token, literal, ("identifier", "number", "duration", "("), pos)
        self.unscan()
        value = self._unary()
        if isinstance(value, NumberLiteral | DurationLiteral):
            value.val = -value.val if negative else value.val
            return value
        if isinstance(value, IntegerLiteral):
            value.val = _wrap64(-value.val) if negative else value.val
            return value
        if isinstance(value, UnsignedLiteral):
            if not negative:
                return value
            if value.val == _INT64_MAX + 1:
                return IntegerLiteral(_INT64_MIN)
            msg = f"constant -{value.val} underflows int64"
            raise InfluxQLError(msg)
        # VarRef, Call, ParenExpr: multiplied by the sign.
        return BinaryExpr(Token.MUL, IntegerLiteral(-1 if negative else 1), value)

    def _regex(self) -> RegexLiteral | None:
        char = self.peek_rune()
        if is_whitespace(char):
            self.consume_whitespace()
        char = self.peek_rune()
        if char == "$":
            token, _, _ = self.scan()
            self.unscan()
            if token is not Token.REGEX:
                return None
        elif char != "/":
            return None
        token, pos, literal = self.scan_regex()
        if token is Token.BADESCAPE:
            raise ParseError(pos, message=f"bad escape: {literal}")
        if token is Token.BADREGEX:
            raise ParseError(pos, message=f"bad regex: {literal}")
        if token is not Token.REGEX:
            raise _expected(token, literal, ("regex",), pos)
        return _check_regex(literal, pos)

    def _call(self, name: str) -> Call:
        name = name.lower()
        args: list[Expr] = []
        regex = self._regex()
        if regex is not None:
            args.append(regex)
        else:
            token, _, _ = self.scan()
            if token is Token.RPAREN:
                return Call(name)
            self.unscan()
            args.append(self.parse_expr())
        while self.accept(Token.COMMA):
            regex = self._regex()
            args.append(regex if regex is not None else self.parse_expr())
        token, pos, literal = self.scan()
        if token is not Token.RPAREN:
            raise _expected(token, literal, (")",), pos)
        return Call(name, args)


def _check_regex(pattern: str, pos: Pos) -> RegexLiteral:
    """The errors of ``regexp.Compile`` both engines share, with RE2's wording."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Python's FutureWarnings about set syntax
            re.compile(pattern)
    except re.error as exc:
        where = exc.pos or 0
        message = None
        if exc.msg.startswith("multiple repeat"):
            message = f"invalid nested repetition operator: `{pattern[where - 1 : where + 1]}`"
        elif exc.msg.startswith("nothing to repeat"):
            message = f"missing argument to repetition operator: `{pattern[where : where + 1]}`"
        elif exc.msg.startswith("missing ), unterminated subpattern"):
            message = f"missing closing ): `{pattern}`"
        elif exc.msg.startswith("unbalanced parenthesis"):
            message = f"unexpected ): `{pattern}`"
        elif exc.msg.startswith("unterminated character set"):
            message = f"missing closing ]: `{pattern[where:]}`"
        if message is not None:
            raise ParseError(pos, message=f"error parsing regexp: {message}") from None
    return RegexLiteral(pattern)


def _group_by_interval(statement: SelectStatement) -> bool:
    """Whether a ``GROUP BY time(<duration>)`` is present (``GroupByInterval`` > 0)."""
    for dimension in statement.dimensions:
        expr = dimension.expr
        if isinstance(expr, Call) and expr.name == "time" and expr.args:
            first = expr.args[0]
            if isinstance(first, DurationLiteral) and first.val > 0:
                return True
    return False


def _known_zone(name: str) -> bool:
    if name in ("", "UTC", "Local"):
        return True
    zones = zoneinfo.available_timezones()
    if not zones:
        return True  # no time zone database here to judge by
    return name in zones


def _build_language() -> _Tree:
    # parse_tree.go's init, in its order: errors list the keywords as registered.
    root = _Tree()
    root.handle(Token.SELECT, lambda p: p.select())
    root.handle(Token.DELETE, Parser.delete)
    show = root.group(Token.SHOW)
    show.group(Token.CONTINUOUS).handle(Token.QUERIES, _not_implemented("SHOW CONTINUOUS QUERIES"))
    show.handle(Token.DATABASES, lambda p: ShowDatabasesStatement())
    show.handle(Token.DIAGNOSTICS, lambda p: p.show_stats_or_diagnostics("SHOW DIAGNOSTICS"))
    field = show.group(Token.FIELD)
    field.handle(Token.KEY, lambda p: p.show_key_cardinality("FIELD KEY"))
    field.handle(Token.KEYS, Parser.show_field_keys)
    show.group(Token.GRANTS).handle(Token.FOR, _after_ident("SHOW GRANTS"))
    measurement = show.group(Token.MEASUREMENT)
    measurement.handle(Token.EXACT, lambda p: p.show_measurement_cardinality(exact=True))
    measurement.handle(Token.CARDINALITY, lambda p: p.show_measurement_cardinality(exact=False))
    show.handle(Token.MEASUREMENTS, Parser.show_measurements)
    show.handle(Token.QUERIES, _not_implemented("SHOW QUERIES"))
    show.group(Token.RETENTION).handle(Token.POLICIES, Parser.show_retention_policies)
    show.handle(Token.SERIES, Parser.show_series)
    show.group(Token.SHARD).handle(Token.GROUPS, _not_implemented("SHOW SHARD GROUPS"))
    show.handle(Token.SHARDS, _not_implemented("SHOW SHARDS"))
    show.handle(Token.STATS, lambda p: p.show_stats_or_diagnostics("SHOW STATS"))
    show.handle(Token.SUBSCRIPTIONS, _not_implemented("SHOW SUBSCRIPTIONS"))
    tag = show.group(Token.TAG)
    tag.handle(Token.KEY, lambda p: p.show_key_cardinality("TAG KEY"))
    tag.handle(Token.KEYS, Parser.show_tag_keys)
    tag.handle(Token.VALUES, Parser.show_tag_values)
    show.handle(Token.USERS, _not_implemented("SHOW USERS"))
    create = root.group(Token.CREATE)
    create.group(Token.CONTINUOUS).handle(Token.QUERY, Parser.create_continuous_query)
    create.handle(Token.DATABASE, Parser.create_database)
    create.handle(Token.USER, Parser.create_user)
    create.group(Token.RETENTION).handle(Token.POLICY, Parser.create_retention_policy)
    create.handle(Token.SUBSCRIPTION, Parser.create_subscription)
    drop = root.group(Token.DROP)
    drop.group(Token.CONTINUOUS).handle(Token.QUERY, Parser.drop_continuous_query)
    drop.handle(Token.DATABASE, _after_ident("DROP DATABASE"))
    drop.handle(Token.MEASUREMENT, Parser.drop_measurement)
    drop.group(Token.RETENTION).handle(Token.POLICY, Parser.drop_retention_policy)
    drop.handle(Token.SERIES, Parser.drop_series)
    drop.handle(Token.SHARD, Parser.drop_shard)
    drop.handle(Token.SUBSCRIPTION, Parser.drop_subscription)
    drop.handle(Token.USER, _after_ident("DROP USER"))
    root.handle(Token.EXPLAIN, Parser.explain)
    root.handle(Token.GRANT, Parser.grant)
    root.handle(Token.REVOKE, Parser.revoke)
    root.group(Token.ALTER, Token.RETENTION).handle(Token.POLICY, Parser.alter_retention_policy)
    root.group(Token.SET, Token.PASSWORD).handle(Token.FOR, Parser.set_password)
    root.group(Token.KILL).handle(Token.QUERY, Parser.kill_query)
    return root


LANGUAGE: Final = _build_language()


def parse_query(
    text: str, params: Mapping[str, object] | None = None, *, delete_policy: bool = False
) -> list[Statement]:
    """Parse a query text into statements; raise :class:`InfluxQLError` as Go would."""
    parser = Parser(text, params)
    parser.allows_delete_policy = delete_policy
    return parser.parse_query()
