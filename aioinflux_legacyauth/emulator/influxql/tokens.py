"""InfluxQL tokens and keywords (``influxql/token.go``)."""

from __future__ import annotations

import enum
from typing import Final

__all__ = ["KEYWORDS", "OPERATORS", "Pos", "Token", "lookup", "precedence", "token_text"]


class Token(enum.IntEnum):
    """Token kinds, in ``token.go`` order (the order only matters for operator ranges)."""

    ILLEGAL = enum.auto()
    EOF = enum.auto()
    WS = enum.auto()
    COMMENT = enum.auto()
    IDENT = enum.auto()
    BOUNDPARAM = enum.auto()
    NUMBER = enum.auto()
    INTEGER = enum.auto()
    DURATIONVAL = enum.auto()
    STRING = enum.auto()
    BADSTRING = enum.auto()
    BADESCAPE = enum.auto()
    TRUE = enum.auto()
    FALSE = enum.auto()
    REGEX = enum.auto()
    BADREGEX = enum.auto()
    ADD = enum.auto()
    SUB = enum.auto()
    MUL = enum.auto()
    DIV = enum.auto()
    MOD = enum.auto()
    BITWISE_AND = enum.auto()
    BITWISE_OR = enum.auto()
    BITWISE_XOR = enum.auto()
    AND = enum.auto()
    OR = enum.auto()
    EQ = enum.auto()
    NEQ = enum.auto()
    EQREGEX = enum.auto()
    NEQREGEX = enum.auto()
    LT = enum.auto()
    LTE = enum.auto()
    GT = enum.auto()
    GTE = enum.auto()
    LPAREN = enum.auto()
    RPAREN = enum.auto()
    COMMA = enum.auto()
    COLON = enum.auto()
    DOUBLECOLON = enum.auto()
    SEMICOLON = enum.auto()
    DOT = enum.auto()
    # keywords
    ALL = enum.auto()
    ALTER = enum.auto()
    ANALYZE = enum.auto()
    ANY = enum.auto()
    AS = enum.auto()
    ASC = enum.auto()
    BEGIN = enum.auto()
    BY = enum.auto()
    CARDINALITY = enum.auto()
    CREATE = enum.auto()
    CONTINUOUS = enum.auto()
    DATABASE = enum.auto()
    DATABASES = enum.auto()
    DEFAULT = enum.auto()
    DELETE = enum.auto()
    DESC = enum.auto()
    DESTINATIONS = enum.auto()
    DIAGNOSTICS = enum.auto()
    DISTINCT = enum.auto()
    DROP = enum.auto()
    DURATION = enum.auto()
    END = enum.auto()
    EVERY = enum.auto()
    EXACT = enum.auto()
    EXPLAIN = enum.auto()
    FIELD = enum.auto()
    FOR = enum.auto()
    FROM = enum.auto()
    GRANT = enum.auto()
    GRANTS = enum.auto()
    GROUP = enum.auto()
    GROUPS = enum.auto()
    IN = enum.auto()
    INF = enum.auto()
    INSERT = enum.auto()
    INTO = enum.auto()
    KEY = enum.auto()
    KEYS = enum.auto()
    KILL = enum.auto()
    LIMIT = enum.auto()
    MEASUREMENT = enum.auto()
    MEASUREMENTS = enum.auto()
    NAME = enum.auto()
    OFFSET = enum.auto()
    ON = enum.auto()
    ORDER = enum.auto()
    PASSWORD = enum.auto()
    POLICY = enum.auto()
    POLICIES = enum.auto()
    PRIVILEGES = enum.auto()
    QUERIES = enum.auto()
    QUERY = enum.auto()
    READ = enum.auto()
    REPLICATION = enum.auto()
    RESAMPLE = enum.auto()
    RETENTION = enum.auto()
    REVOKE = enum.auto()
    SELECT = enum.auto()
    SERIES = enum.auto()
    SET = enum.auto()
    SHOW = enum.auto()
    SHARD = enum.auto()
    SHARDS = enum.auto()
    SLIMIT = enum.auto()
    SOFFSET = enum.auto()
    STATS = enum.auto()
    SUBSCRIPTION = enum.auto()
    SUBSCRIPTIONS = enum.auto()
    TAG = enum.auto()
    TO = enum.auto()
    USER = enum.auto()
    USERS = enum.auto()
    VALUES = enum.auto()
    VERBOSE = enum.auto()
    WHERE = enum.auto()
    WITH = enum.auto()
    WRITE = enum.auto()


_SYMBOLS: Final = {
    Token.ADD: "+",
    Token.SUB: "-",
    Token.MUL: "*",
    Token.DIV: "/",
    Token.MOD: "%",
    Token.BITWISE_AND: "&",
    Token.BITWISE_OR: "|",
    Token.BITWISE_XOR: "^",
    Token.EQ: "=",
    Token.NEQ: "!=",
    Token.EQREGEX: "=~",
    Token.NEQREGEX: "!~",
    Token.LT: "<",
    Token.LTE: "<=",
    Token.GT: ">",
    Token.GTE: ">=",
    Token.LPAREN: "(",
    Token.RPAREN: ")",
    Token.COMMA: ",",
    Token.COLON: ":",
    Token.DOUBLECOLON: "::",
    Token.SEMICOLON: ";",
    Token.DOT: ".",
}
# Tokens token.go leaves without a name print as "".
_UNNAMED: Final = frozenset({Token.COMMENT, Token.BOUNDPARAM, Token.BADREGEX, Token.INTEGER})

OPERATORS: Final = frozenset(range(Token.ADD, Token.GTE + 1))
KEYWORDS: Final = {
    **{token.name.lower(): token for token in Token if token >= Token.ALL},
    "and": Token.AND,
    "or": Token.OR,
    "true": Token.TRUE,
    "false": Token.FALSE,
}


def token_text(token: Token) -> str:
    """``Token.String``."""
    if token in _SYMBOLS:
        return _SYMBOLS[token]
    return "" if token in _UNNAMED else token.name


def lookup(ident: str) -> Token:
    """A keyword's token, or ``IDENT``."""
    return KEYWORDS.get(ident.lower(), Token.IDENT)


def precedence(token: Token) -> int:
    """Binary operator precedence; 0 for anything else."""
    if token is Token.OR:
        return 1
    if token is Token.AND:
        return 2
    if Token.EQ <= token <= Token.GTE:
        return 3
    if token in (Token.ADD, Token.SUB, Token.BITWISE_OR, Token.BITWISE_XOR):
        return 4
    if token in (Token.MUL, Token.DIV, Token.MOD, Token.BITWISE_AND):
        return 5
    return 0


class Pos:
    """A position: 0-based line and character (errors print both plus one)."""

    __slots__ = ("char", "line")

    def __init__(self, line: int = 0, char: int = 0) -> None:
        self.line = line
        self.char = char

    def __repr__(self) -> str:
        return f"Pos({self.line}, {self.char})"
