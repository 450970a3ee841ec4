"""Pure builders and parsers for what a 1.x tool does with a v1 credential.

``/ping`` (the server's version), ``/query`` (``SHOW DATABASES``, ``SHOW RETENTION
POLICIES``) and the empty ``/write``: a body with no points passes every check of the
real server, writes nothing and answers 204, while a read-only credential gets 403 and
one that cannot see the database 404 (the spec's section 13.2). Every request carries the
v1 credentials as Basic auth, as the 1.x clients send them, and never the API token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ._models import RetentionPolicy, WriteAccess
from ._sansio import (
    Call,
    RawResponse,
    Request,
    _decode_error,
    _json_document,
    check_text,
    v1_headers,
)

__all__ = [
    "VERSION_HEADER",
    "build_ping",
    "build_show_databases",
    "build_show_retention_policies",
    "build_write_probe",
    "parse_databases",
    "parse_ping",
    "parse_retention_policies",
    "parse_write_probe",
    "v1_headers",
]

VERSION_HEADER: Final = "X-Influxdb-Version"
_WRITE_ACCESS: Final = {204: WriteAccess.WRITABLE, 403: WriteAccess.READ_ONLY}


# -- builders -------------------------------------------------------------------------------


def build_ping(headers: Mapping[str, str]) -> Call[str | None]:
    """``GET /ping``: the server's version (``X-Influxdb-Version``); needs no credentials."""
    sent = {name: value for name, value in headers.items() if name.lower() != "authorization"}
    return Call(Request("GET", "/ping", (), sent), parse_ping)


def build_show_databases(
    username: str, password: str, headers: Mapping[str, str]
) -> Call[list[str] | None]:
    """``SHOW DATABASES`` as ``username``: the databases it may read; None if refused."""
    params = (("q", "SHOW DATABASES"),)
    request = Request("GET", "/query", params, v1_headers(username, password, headers))
    return Call(request, parse_databases)


def build_show_retention_policies(
    username: str, password: str, database: str, headers: Mapping[str, str]
) -> Call[list[RetentionPolicy] | None]:
    """``SHOW RETENTION POLICIES`` on ``database`` (the ``db`` parameter, so no quoting):
    one row per mapping of it the credential may read; None if the login is refused."""
    params = (("q", "SHOW RETENTION POLICIES"), ("db", check_text("database", database)))
    request = Request("GET", "/query", params, v1_headers(username, password, headers))
    return Call(request, parse_retention_policies)


def build_write_probe(
    username: str,
    password: str,
    database: str,
    retention_policy: str | None,
    headers: Mapping[str, str],
) -> Call[WriteAccess]:
    """``POST /write?db=[&rp=]`` with an empty body: whether ``username`` may write there.

    It writes nothing, so resending it is safe. Without ``retention_policy`` it probes the
    database's default mapping, as a tool that names none does.
    """
    params = [("db", check_text("database", database))]
    if retention_policy is not None:
        params.append(("rp", check_text("retention_policy", retention_policy)))
    sent = v1_headers(username, password, headers)
    request = Request("POST", "/write", tuple(params), sent, b"")
    return Call(request, parse_write_probe)


# -- parsers --------------------------------------------------------------------------------


def parse_ping(request: Request, response: RawResponse) -> str | None:
    """The version a ``/ping`` reports, or None if it reports none."""
    if response.status != 204:
        _json_document(request, response)  # raises the error the status stands for
        raise _decode_error(request, response, f"expected 204 from /ping, got {response.status}")
    version = response.headers.get(VERSION_HEADER)
    return version or None


def _first_result(request: Request, response: RawResponse) -> Mapping[str, Any] | None:
    """The first statement's result of a ``/query`` answer; None for the login's 401."""
    if response.status == 401:
        return None
    document = _json_document(request, response)
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, list) or not results or not isinstance(results[0], dict):
        raise _decode_error(request, response, "expected a /query body with one result")
    result: Mapping[str, Any] = results[0]
    error = result.get("error")
    if isinstance(error, str):
        raise _decode_error(request, response, f"the statement failed: {error}")
    return result


def _rows(request: Request, response: RawResponse, result: Mapping[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for series in result.get("series") or ():
        values = series.get("values", []) if isinstance(series, dict) else None
        if not isinstance(values, list) or not all(isinstance(row, list) for row in values):
            raise _decode_error(request, response, "a series without a list of rows")
        rows.extend(values)
    return rows


def parse_databases(request: Request, response: RawResponse) -> list[str] | None:
    """The names ``SHOW DATABASES`` lists, in its order; None for a refused login."""
    result = _first_result(request, response)
    if result is None:
        return None
    names = [row[0] for row in _rows(request, response, result) if row]
    if not all(isinstance(name, str) for name in names):
        raise _decode_error(request, response, "a database name that is not a string")
    return names


def parse_retention_policies(
    request: Request, response: RawResponse
) -> list[RetentionPolicy] | None:
    """The rows of ``SHOW RETENTION POLICIES`` (name and default); None if refused."""
    result = _first_result(request, response)
    if result is None:
        return None
    policies = []
    for row in _rows(request, response, result):
        # columns: name, duration, shardGroupDuration, replicaN, default
        if len(row) < 5 or not isinstance(row[0], str) or not isinstance(row[4], bool):
            raise _decode_error(request, response, "a retention policy row of another shape")
        policies.append(RetentionPolicy(name=row[0], default=row[4]))
    return policies


def parse_write_probe(request: Request, response: RawResponse) -> WriteAccess:
    """204 writable, 403 read-only, 404 not visible, 401 refused; other statuses raise."""
    access = _WRITE_ACCESS.get(response.status)
    if access is not None:
        return access
    if response.status == 404:
        return WriteAccess.NOT_VISIBLE
    if response.status == 401:
        return WriteAccess.REFUSED
    _json_document(request, response)  # raises the error the status stands for
    raise _decode_error(request, response, f"expected 204, 403 or 404, got {response.status}")
