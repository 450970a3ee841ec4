"""Bulk reports, their errors and traced spans go through pickle and come back whole.

A report is handed to another process (a multiprocessing pool, a task queue) as it is:
every ItemResult with its error, the BulkError that carries the report, the span the
items were traced under.
"""

from __future__ import annotations

import pickle

import pytest

from aioinflux_legacyauth import (
    APIError,
    BulkError,
    BulkReport,
    ConflictError,
    ItemResult,
    LegacyAuthError,
    Outcome,
    RequestTimeoutError,
    ResponseDecodeError,
    TooManyRequestsError,
    TraceSpan,
    TransportError,
)
from aioinflux_legacyauth.rotation import JournalError, PublishError


def round_trip(value: object) -> object:
    return pickle.loads(pickle.dumps(value))  # noqa: S301 - our own bytes


ERRORS: list[LegacyAuthError] = [
    ConflictError(status=422, code="conflict", message="taken", method="POST", path="/p"),
    TooManyRequestsError(
        status=429, code=None, message="slow", method="GET", path="/p", retry_after=2.5
    ),
    APIError(status=599, code="odd", message="odd", method="GET", path="/p"),
    TransportError("connection reset", method="DELETE", path="/p/1", maybe_sent=True),
    RequestTimeoutError("timed out", method="GET", path="/p", maybe_sent=False),
    ResponseDecodeError("not JSON", method="GET", path="/p", status=200),
    JournalError("journal broke"),
    PublishError("sink broke"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: type(error).__name__)
def test_every_library_error_round_trips(error: LegacyAuthError) -> None:
    error.add_note("retry: gave up after 4 attempt(s)")
    again = round_trip(error)
    assert type(again) is type(error)
    assert str(again) == str(error)
    assert vars(again) == vars(error)  # attributes and notes
    assert again.args == error.args


def traced_report() -> BulkReport:
    failure = ConflictError(status=422, code="conflict", message="x", method="PATCH", path="/p")
    results = (
        ItemResult(key="a", op="update", outcome=Outcome.OK, status=200, attempts=1),
        ItemResult(
            key="b",
            op="update",
            outcome=Outcome.FAILED,
            status=422,
            code="conflict",
            message="x",
            attempts=1,
            elapsed=0.5,
            error=failure,
        ),
    )
    span = TraceSpan.new(baggage={"job": "nightly"})
    return BulkReport(op="update", results=results, elapsed=1.0, trace_span=span)


def test_an_item_result_carrying_an_api_error_round_trips() -> None:
    result = traced_report().results[1]
    again = round_trip(result)
    assert isinstance(again, ItemResult)
    assert again == result
    assert isinstance(again.error, ConflictError)
    assert vars(again.error) == vars(result.error)


def test_a_traced_report_round_trips() -> None:
    report = traced_report()
    again = round_trip(report)
    assert isinstance(again, BulkReport)
    assert again == report
    assert isinstance(again.trace_span, TraceSpan)
    assert again.trace_span.baggage == {"job": "nightly"}
    assert again.trace_span.to_header() == report.trace_span.to_header()  # type: ignore[union-attr]


def test_a_bulk_error_round_trips_with_its_report() -> None:
    with pytest.raises(BulkError) as caught:
        traced_report().raise_for_failures()
    again = round_trip(caught.value)
    assert isinstance(again, BulkError)
    assert str(again) == str(caught.value)
    assert again.report == caught.value.report
    assert [type(e) for e in again.exceptions] == [ConflictError]
