"""Run InfluxQL statements the way ``influxql/query/executor.go`` and
``v1/coordinator/statement_executor.go`` do, over DBRP mappings and an empty storage.

The emulator stores no time-series data, so every statement that would read points,
series, tags or fields answers a valid empty result; everything before that is the real
server's: the system-source check, ``RewriteStatement``, ``NormalizeStatement`` (database
and retention policy through the mappings the caller may read), shard mapping (``retention
policy not found``), the statements 2.x refuses (``not implemented: ...``), the permission
check of ``DELETE`` and ``DROP MEASUREMENT``, and the "not executed" stamping of the
statements after a failure. Not reproduced: ``SELECT``'s semantic checks (aggregates mixed
with raw fields, argument counts, ...), which the real server makes before mapping shards.
"""

from __future__ import annotations

import time

import attrs

from ..._models import Action, ResourceType
from ..domain.dbrp import DBRPFilter, DBRPService, visible_databases
from ..domain.dbrp_table import DBRPMapping
from ..domain.errors import PlatformError
from ..domain.permissions import Authorizer, check, permission
from ..domain.profiles import ServerProfile
from ..domain.store import Store
from ..wire.gotime import go_duration
from .ast import Measurement, RegexLiteral, Source, SubQuery, has_time_expr
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
    Statement,
)

__all__ = ["QueryContext", "Result", "Row", "execute", "gather"]

_DATABASE_REQUIRED = "database name required"
_SYSTEM_COMMANDS = {
    "_fieldKeys": "SHOW FIELD KEYS",
    "_measurements": "SHOW MEASUREMENTS",
    "_series": "SHOW SERIES",
    "_tagKeys": "SHOW TAG KEYS",
    "_tags": "SHOW TAG VALUES",
}
_MATCH_ALL = ".+"


@attrs.define
class Row:
    """``models.Row``: a series of a result."""

    name: str = ""
    columns: list[str] = attrs.field(factory=list)
    values: list[list[object]] = attrs.field(factory=list)


@attrs.define
class Result:
    """``query.Result``: what one statement (or one chunk of it) answered."""

    statement_id: int
    series: list[Row] = attrs.field(factory=list)
    error: str | None = None


@attrs.frozen
class QueryContext:
    """Who asks, in which org, with which ``db``/``rp`` parameters, on which release."""

    store: Store
    caller: Authorizer
    org_id: str
    database: str
    retention_policy: str
    profile: ServerProfile


class _StatementError(Exception):
    """An error a statement returns: it ends the query (and stamps "not executed")."""


def execute(statements: list[Statement], context: QueryContext) -> list[Result]:
    """``executeQuery``: the results in the order the executor sends them."""
    sent: list[Result] = []
    index = 0
    count = len(statements)
    while index < count:
        statement = statements[index]
        default_database = context.database or (statement.default_database or "")

        if isinstance(statement, SelectStatement):
            system = next(statement.system_sources(), None)
            if system is not None:
                command = _SYSTEM_COMMANDS.get(system, "the appropriate meta command")
                message = f"unable to use system source '{system}': use {command} instead"
                sent.append(Result(index, error=message))
                break
        try:
            rewritten = _rewrite(statement)
            _normalize(rewritten, default_database, context)
            answer = _run(rewritten, context)
        except _StatementError as exc:
            sent.append(Result(index, error=str(exc)))
            break
        if answer is not None:
            answer.statement_id = index
            sent.append(answer)
        index += 1
    # The failed statement's ID is stamped on every "not executed" result (ectx.Send).
    for _ in range(index, count - 1):
        sent.append(Result(index, error="not executed"))
    return sent


def gather(results: list[Result]) -> list[Result]:
    """``GatherResults``: without chunking, one result per statement (an error replaces)."""
    gathered: list[Result] = []
    for result in results:
        if gathered and gathered[-1].statement_id == result.statement_id:
            if result.error is not None:
                gathered[-1] = result
            else:
                gathered[-1].series.extend(result.series)
        else:
            gathered.append(result)
    return gathered


# --- RewriteStatement ----------------------------------------------------------------


def _rewrite(statement: Statement) -> Statement:
    """``RewriteStatement``: SHOW statements that are SELECTs over system iterators."""
    if isinstance(statement, ShowFieldKeysStatement):
        return SelectStatement(
            sources=_system_sources(statement.sources, "_fieldKeys", statement.database)
        )
    if isinstance(statement, ShowSeriesStatement):
        if has_time_expr(statement.condition):
            return SelectStatement(sources=_with_database(statement.sources, statement.database))
        return SelectStatement(
            sources=_system_sources(statement.sources, "_series", statement.database),
            condition=statement.condition,
        )
    if isinstance(statement, ShowMeasurementsStatement):
        if has_time_expr(statement.condition):
            msg = "SHOW MEASUREMENTS doesn't support time in WHERE clause"
            raise _StatementError(msg)
        return statement
    if isinstance(statement, ShowTagKeysStatement | ShowTagValuesStatement):
        # The sources become a condition on _name: nothing of them is normalized.
        statement.sources = []
        return statement
    if isinstance(statement, ShowCardinalityStatement):
        return _rewrite_cardinality(statement)
    return statement


def _rewrite_cardinality(statement: ShowCardinalityStatement) -> Statement:
    what = statement.what
    if what in ("SERIES", "MEASUREMENT") and statement.estimated:
        return statement
    if has_time_expr(statement.condition) and what != "TAG VALUES":
        exact = "" if what == "FIELD KEY" else " EXACT"
        message = f"SHOW {what}{exact} CARDINALITY doesn't support time in WHERE clause"
        raise _StatementError(message)
    sources = statement.sources or [Measurement(regex=RegexLiteral(_MATCH_ALL))]
    if what == "FIELD KEY":
        inner = SelectStatement(sources=_system_sources(sources, "_fieldKeys", statement.database))
        return SelectStatement(sources=[SubQuery(inner)])
    return SelectStatement(sources=_with_database(sources, statement.database))


def _system_sources(sources: list[Source], iterator: str, database: str) -> list[Source]:
    """``rewriteSources``: each measurement read through a system iterator."""
    rewritten: list[Source] = []
    for source in sources:
        if isinstance(source, Measurement):
            rewritten.append(
                attrs.evolve(source, system_iterator=iterator, database=source.database or database)
            )
    return rewritten or [Measurement(database=database, system_iterator=iterator)]


def _with_database(sources: list[Source], database: str) -> list[Source]:
    """``rewriteSources2``: match-all when empty, and the database filled in."""
    sources = sources or [Measurement(regex=RegexLiteral(_MATCH_ALL))]
    for source in sources:
        if isinstance(source, Measurement) and not source.database:
            source.database = database
    return sources


# --- NormalizeStatement --------------------------------------------------------------


def _mappings(
    context: QueryContext,
    *,
    database: str | None = None,
    retention_policy: str | None = None,
    default: bool | None = None,
) -> list[DBRPMapping]:
    """The mappings of the org the caller may read (``AuthorizedService.FindMany``)."""
    flt = DBRPFilter(
        org_id=context.org_id,
        database=database,
        retention_policy=retention_policy,
        default=default,
    )
    return DBRPService(context.store).find_many(context.caller, flt)


def _normalize(statement: Statement, default_database: str, context: QueryContext) -> None:
    named = (
        ShowRetentionPoliciesStatement,
        ShowMeasurementsStatement,
        ShowTagKeysStatement,
        ShowTagValuesStatement,
        ShowCardinalityStatement,
    )
    if isinstance(statement, named) and not statement.database:
        statement.database = default_database
    for measurement in statement.measurements():
        _normalize_measurement(measurement, default_database, context)


def _normalize_measurement(
    measurement: Measurement, default_database: str, context: QueryContext
) -> None:
    if (
        not measurement.is_target
        and not measurement.name
        and not measurement.system_iterator
        and measurement.regex is None
    ):
        msg = "invalid measurement"
        raise _StatementError(msg)
    measurement.database = measurement.database or default_database
    if not measurement.database:
        raise _StatementError(_DATABASE_REQUIRED)
    found = _mappings(context, database=measurement.database)
    if not found:
        msg = f"database not found: {measurement.database}"
        raise _StatementError(msg)
    if not measurement.retention_policy:
        if context.retention_policy:
            measurement.retention_policy = context.retention_policy
        else:
            default = next((m for m in found if m.default), None)
            if default is None or not default.retention_policy:
                message = f"default retention policy not set for: {measurement.database}"
                raise _StatementError(message)
            measurement.retention_policy = default.retention_policy


# --- ExecuteStatement ----------------------------------------------------------------


def _run(statement: Statement, context: QueryContext) -> Result | None:  # noqa: PLR0912 - a case per kind
    """The one result a statement sends (``None``: it sends nothing, as a successful
    ``DELETE`` does); raise :class:`_StatementError` for the errors that end the query."""
    if isinstance(statement, SelectStatement):
        _select(statement, context)
        if statement.target is not None:
            msg = "not implemented: SELECT INTO"
            raise _StatementError(msg)
        return Result(0)
    if isinstance(statement, ExplainStatement):
        return Result(0, series=[_explain(statement, context)])
    if isinstance(statement, ShowDatabasesStatement):
        databases = visible_databases(_mappings(context))
        return Result(0, series=[Row("databases", ["name"], [[name] for name in databases])])
    if isinstance(statement, ShowRetentionPoliciesStatement):
        if not statement.database:
            raise _StatementError(_DATABASE_REQUIRED)
        columns = ["name", "duration", "shardGroupDuration", "replicaN", "default"]
        values: list[list[object]] = [
            [m.retention_policy, "0s", "168h0m0s", 1, m.default]
            for m in _mappings(context, database=statement.database)
        ]
        return Result(0, series=[Row("", columns, values)])
    if isinstance(statement, ShowMeasurementsStatement):
        return Result(0, error=_show_measurements(statement))
    if isinstance(statement, ShowTagKeysStatement | ShowTagValuesStatement):
        if not statement.database:
            raise _StatementError(_DATABASE_REQUIRED)
        _default_mapping(statement.database, context)
        return Result(0)
    if isinstance(statement, DeleteSeriesStatement | DropMeasurementStatement):
        error = _delete(statement, context)
        return None if error is None else Result(0, error=error)
    if isinstance(statement, DropSeriesStatement):
        msg = "not implemented: DROP SERIES"
        raise _StatementError(msg)
    if isinstance(statement, ShowCardinalityStatement):
        msg = f"not implemented: SHOW {statement.what} CARDINALITY"
        raise _StatementError(msg)
    if isinstance(statement, NotImplementedStatement):
        msg = f"not implemented: {statement.op}"
        raise _StatementError(msg)
    msg = "invalid query"
    raise _StatementError(msg)


def _select(statement: SelectStatement, context: QueryContext) -> None:
    """Shard mapping: each source's (db, rp) must be one visible mapping."""
    for source in statement.sources:
        if isinstance(source, SubQuery):
            if isinstance(source.statement, SelectStatement):
                _select(source.statement, context)
            continue
        found = _mappings(
            context, database=source.database, retention_policy=source.retention_policy
        )
        _only(found, f"retention policy not found: {source.retention_policy}")


def _explain(statement: ExplainStatement, context: QueryContext) -> Row:
    started = time.perf_counter_ns()
    _select(statement.statement, context)
    if not statement.analyze:
        # The plan of a query with no shards to read is a single empty line.
        return Row("", ["QUERY PLAN"], [[""]])
    total = time.perf_counter_ns() - started
    planning = total
    lines = [
        ".",
        "└── select",
        f"    ├── execution_time: {go_duration(0)}",
        f"    ├── planning_time: {go_duration(planning)}",
        f"    └── total_time: {go_duration(total)}",
        "",
    ]
    return Row("", ["EXPLAIN ANALYZE"], [[line] for line in lines])


def _show_measurements(statement: ShowMeasurementsStatement) -> str | None:
    if not statement.database and not statement.wildcard_database:
        raise _StatementError(_DATABASE_REQUIRED)
    if statement.wildcard_database:
        if statement.retention_policy:
            return (
                "query 'SHOW MEASUREMENTS ON *.rp' not supported. use 'ON *.*' or specify a "
                "database"
            )
        if not statement.wildcard_retention_policy:
            return (
                "query 'SHOW MEASUREMENTS ON *' not supported. use 'ON *.*' or specify a database"
            )
    # The mappings would be read for their measurements; there are none to list.
    return None


def _default_mapping(database: str, context: QueryContext) -> DBRPMapping:
    """``getDefaultRP``."""
    found = _mappings(context, database=database, default=True)
    return _only(found, f"default retention policy not set for: {database}")


def _only(found: list[DBRPMapping], missing: str) -> DBRPMapping:
    """The one mapping a lookup must find: ``missing`` for none, Go's text for several."""
    if not found:
        raise _StatementError(missing)
    if len(found) != 1:
        message = f"finding DBRP mappings: expected 1, found {len(found)}"
        raise _StatementError(message)
    return found[0]


def _delete(
    statement: DeleteSeriesStatement | DropMeasurementStatement, context: QueryContext
) -> str | None:
    """``DELETE`` and ``DROP MEASUREMENT``: the mappings, then write on each bucket.

    They use the request's ``db`` only. A missing write right is sent as a result
    (``insufficient permissions``) and does not end the query; success sends nothing.
    """
    database = context.database
    if not context.profile.deletes_by_retention_policy:
        targets = [_default_mapping(database, context)]
    elif isinstance(statement, DeleteSeriesStatement):
        policy = ""
        first = statement.sources[0] if statement.sources else None
        if isinstance(first, Measurement):
            policy = first.retention_policy
        targets = _mappings(
            context,
            database=database,
            retention_policy=policy or None,
            default=None if policy else True,
        )
        if not targets:
            message = (
                f"no dbrp mappings found: db={database}, rp={policy}, please check to make "
                "sure db and rp exist"
            )
            raise _StatementError(message)
    else:
        targets = _mappings(context, database=database)
    for mapping in targets:
        try:
            check(
                context.caller,
                permission(
                    Action.WRITE, ResourceType.BUCKETS, id=mapping.bucket_id, org_id=context.org_id
                ),
            )
        except PlatformError:
            return "insufficient permissions"
    return None
