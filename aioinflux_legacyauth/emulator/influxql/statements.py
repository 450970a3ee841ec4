"""InfluxQL statements: one class per kind the executor treats differently.

Each has ``default_database`` (``HasDefaultDatabase``: the database it names, used when
the request has no ``db``; ``None`` for statements without one) and ``measurements()``
(the nodes ``NormalizeStatement`` visits, in ``ast.Walk`` order).
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from .ast import Dimension, Expr, Field, ListLiteral, Measurement, RegexLiteral, Source
from .tokens import Token

__all__ = [
    "DeleteSeriesStatement",
    "DropMeasurementStatement",
    "DropSeriesStatement",
    "ExplainStatement",
    "NotImplementedStatement",
    "SelectStatement",
    "ShowCardinalityStatement",
    "ShowDatabasesStatement",
    "ShowFieldKeysStatement",
    "ShowMeasurementsStatement",
    "ShowRetentionPoliciesStatement",
    "ShowSeriesStatement",
    "ShowTagKeysStatement",
    "ShowTagValuesStatement",
    "ShowWithSources",
    "Statement",
    "source_measurements",
]


def source_measurements(sources: list[Source]) -> Iterator[Measurement]:
    """The measurements of ``sources``, subqueries' included, in walk order."""
    for source in sources:
        if isinstance(source, Measurement):
            yield source
        elif isinstance(source.statement, SelectStatement):
            yield from source.statement.measurements()


@attrs.define
class SelectStatement:
    fields: list[Field] = attrs.field(factory=list)
    target: Measurement | None = None
    sources: list[Source] = attrs.field(factory=list)
    condition: Expr | None = None
    dimensions: list[Dimension] = attrs.field(factory=list)
    limit: int = 0
    offset: int = 0
    is_raw_query: bool = True
    default_database: None = None

    def measurements(self) -> Iterator[Measurement]:
        # Walk: fields, target, dimensions, sources, condition.
        if self.target is not None:
            yield self.target
        yield from source_measurements(self.sources)

    def system_sources(self) -> Iterator[str]:
        """Names of sources that are system iterators (``_fieldKeys`` ...)."""
        for source in self.sources:
            if isinstance(source, Measurement) and source.name in _SYSTEM_NAMES:
                yield source.name


_SYSTEM_NAMES = frozenset(
    {"_fieldKeys", "_measurements", "_name", "_series", "_tagKey", "_tagKeys", "_tags"}
)


@attrs.define
class ExplainStatement:
    statement: SelectStatement
    analyze: bool = False
    verbose: bool = False
    default_database: None = None

    def measurements(self) -> Iterator[Measurement]:
        return self.statement.measurements()


@attrs.define
class DeleteSeriesStatement:
    sources: list[Source] = attrs.field(factory=list)
    condition: Expr | None = None
    default_database: None = None

    def measurements(self) -> Iterator[Measurement]:
        return iter(())  # NormalizeStatement skips DELETE and DROP SERIES


@attrs.define
class DropSeriesStatement:
    sources: list[Source] = attrs.field(factory=list)
    condition: Expr | None = None
    default_database: None = None

    def measurements(self) -> Iterator[Measurement]:
        return iter(())


@attrs.define
class DropMeasurementStatement:
    name: str
    default_database: None = None

    def measurements(self) -> Iterator[Measurement]:
        return iter(())


@attrs.define
class ShowDatabasesStatement:
    default_database: None = None

    def measurements(self) -> Iterator[Measurement]:
        return iter(())


@attrs.define
class _NamesDatabase:
    """A statement with ``ON <db>``: that database is its default one."""

    database: str = ""

    @property
    def default_database(self) -> str:
        return self.database

    def measurements(self) -> Iterator[Measurement]:
        return iter(())


@attrs.define
class ShowRetentionPoliciesStatement(_NamesDatabase):
    pass


@attrs.define
class ShowMeasurementsStatement(_NamesDatabase):
    """``ast.Walk`` has no case for it: its ``WITH MEASUREMENT`` source is never normalized."""

    retention_policy: str = ""
    wildcard_database: bool = False
    wildcard_retention_policy: bool = False
    source: Source | None = None
    condition: Expr | None = None
    limit: int = 0
    offset: int = 0


@attrs.define
class ShowWithSources(_NamesDatabase):
    """A SHOW statement with ``ON <db>``, ``FROM <sources>``, a condition and a limit."""

    sources: list[Source] = attrs.field(factory=list)
    condition: Expr | None = None
    limit: int = 0
    offset: int = 0

    def measurements(self) -> Iterator[Measurement]:
        return source_measurements(self.sources)


@attrs.define
class ShowTagKeysStatement(ShowWithSources):
    pass


@attrs.define
class ShowTagValuesStatement(ShowWithSources):
    op: Token = Token.EQ
    tag_key_expr: ListLiteral | RegexLiteral | str = ""


@attrs.define
class ShowFieldKeysStatement(ShowWithSources):
    pass


@attrs.define
class ShowSeriesStatement(ShowWithSources):
    pass


@attrs.define
class ShowCardinalityStatement(ShowWithSources):
    """``SHOW {SERIES|MEASUREMENT|TAG KEY|TAG VALUES|FIELD KEY} [EXACT] CARDINALITY``."""

    what: str = ""  # "SERIES", "MEASUREMENT", "TAG KEY", "TAG VALUES", "FIELD KEY"
    exact: bool = False
    dimensions: list[Dimension] = attrs.field(factory=list)

    @property
    def estimated(self) -> bool:
        """Left as is by ``RewriteStatement``: an estimate with nothing narrowing it."""
        return (
            not self.exact
            and not self.sources
            and self.condition is None
            and not self.dimensions
            and self.limit == 0
            and self.offset == 0
        )


@attrs.define
class NotImplementedStatement:
    """A statement 2.x refuses with ``not implemented: <op>``, once normalized."""

    op: str
    default_database: str | None = None
    #: The ``SELECT`` inside a ``CREATE CONTINUOUS QUERY`` (normalized all the same).
    inner: SelectStatement | None = None

    def measurements(self) -> Iterator[Measurement]:
        return iter(()) if self.inner is None else self.inner.measurements()


Statement = (
    SelectStatement
    | ExplainStatement
    | DeleteSeriesStatement
    | DropSeriesStatement
    | DropMeasurementStatement
    | ShowDatabasesStatement
    | ShowRetentionPoliciesStatement
    | ShowMeasurementsStatement
    | ShowTagKeysStatement
    | ShowTagValuesStatement
    | ShowFieldKeysStatement
    | ShowSeriesStatement
    | ShowCardinalityStatement
    | NotImplementedStatement
)
