"""The InfluxQL statement tree, as much of ``influxql/ast.go`` as executing without data
needs: every statement's kind, the names it refers to (database, retention policy,
measurement), its conditions and limits; expressions are kept whole but only inspected
for what the server checks (calls, ``time`` comparisons, operators in ``SELECT`` fields).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeAlias

import attrs

from .scanner import is_ident_char, is_ident_first_char
from .tokens import Token, lookup

__all__ = [
    "BinaryExpr",
    "BooleanLiteral",
    "Call",
    "Dimension",
    "Distinct",
    "DurationLiteral",
    "Expr",
    "Field",
    "IntegerLiteral",
    "ListLiteral",
    "Measurement",
    "NumberLiteral",
    "ParenExpr",
    "RegexLiteral",
    "Source",
    "StringLiteral",
    "SubQuery",
    "UnsignedLiteral",
    "VarRef",
    "Wildcard",
    "has_time_expr",
    "quote_ident",
]


@attrs.define
class VarRef:
    val: str
    type: str = ""

    def __str__(self) -> str:
        return quote_ident(self.val) + (f"::{self.type}" if self.type else "")


@attrs.define
class StringLiteral:
    val: str


@attrs.define
class NumberLiteral:
    val: float


@attrs.define
class IntegerLiteral:
    val: int


@attrs.define
class UnsignedLiteral:
    val: int


@attrs.define
class BooleanLiteral:
    val: bool


@attrs.define
class DurationLiteral:
    val: int  # nanoseconds


@attrs.define
class RegexLiteral:
    val: str


@attrs.define
class ListLiteral:
    vals: list[str]


@attrs.define
class Wildcard:
    type: Token | None = None


@attrs.define
class Distinct:
    val: str


@attrs.define
class Call:
    name: str
    args: list[Expr] = attrs.field(factory=list)


@attrs.define
class ParenExpr:
    expr: Expr


@attrs.define
class BinaryExpr:
    op: Token
    lhs: Expr
    rhs: Expr


Expr: TypeAlias = (
    VarRef
    | StringLiteral
    | NumberLiteral
    | IntegerLiteral
    | UnsignedLiteral
    | BooleanLiteral
    | DurationLiteral
    | RegexLiteral
    | ListLiteral
    | Wildcard
    | Distinct
    | Call
    | ParenExpr
    | BinaryExpr
)


@attrs.define
class Field:
    expr: Expr
    alias: str = ""


@attrs.define
class Dimension:
    expr: Expr


@attrs.define
class Measurement:
    """A source (or an ``INTO`` target): ``db.rp.name``, a regex, or a system iterator."""

    database: str = ""
    retention_policy: str = ""
    name: str = ""
    regex: RegexLiteral | None = None
    is_target: bool = False
    system_iterator: str = ""


@attrs.define
class SubQuery:
    statement: object  # a SelectStatement (statements.py); kept loose to avoid a cycle


Source: TypeAlias = Measurement | SubQuery


def walk(expr: Expr | None) -> Iterator[Expr]:
    """Every node of an expression, depth first."""
    if expr is None:
        return
    yield expr
    if isinstance(expr, BinaryExpr):
        yield from walk(expr.lhs)
        yield from walk(expr.rhs)
    elif isinstance(expr, ParenExpr):
        yield from walk(expr.expr)
    elif isinstance(expr, Call):
        for arg in expr.args:
            yield from walk(arg)


def has_time_expr(expr: Expr | None) -> bool:
    """``HasTimeExpr``: a comparison whose left side is ``time``, under AND/OR/parens."""
    if isinstance(expr, BinaryExpr):
        if expr.op in (Token.AND, Token.OR):
            return has_time_expr(expr.lhs) or has_time_expr(expr.rhs)
        return isinstance(expr.lhs, VarRef) and expr.lhs.val.lower() == "time"
    if isinstance(expr, ParenExpr):
        return has_time_expr(expr.expr)
    return False


def ident_needs_quotes(ident: str) -> bool:
    if lookup(ident) is not Token.IDENT:
        return True
    for index, char in enumerate(ident):
        if index == 0 and not is_ident_first_char(char):
            return True
        if index > 0 and not is_ident_char(char):
            return True
    return False


def quote_ident(*segments: str) -> str:
    """``QuoteIdent``: segments joined by ``.``, quoted where needed."""
    out: list[str] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        need = (
            ident_needs_quotes(segment)
            or (index < last and segment != "")
            or (index in (0, last) and segment == "")
        )
        text = segment.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        out.append(f'"{text}"' if need else text)
    return ".".join(out)
