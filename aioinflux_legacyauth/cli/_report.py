"""The per-item report of a bulk command, as JSON-ready items and as a text summary.

:class:`ResultTally` keeps every result as it arrives, so that a command interrupted by
Ctrl-C still reports every item: done, cut off in flight (``unknown``) or not started.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Final, TypeVar

from ..bulk.report import SUCCESSFUL, BulkReport, ItemResult, Outcome, format_counts
from ._output import Output, one_line
from ._selection import Selection

__all__ = [
    "INTERRUPTED_EXIT",
    "NOT_STARTED",
    "Item",
    "ResultTally",
    "all_succeeded",
    "count_outcomes",
    "print_interruption",
    "print_summary",
    "report_items",
    "run_tallied",
]

Item = dict[str, object]
_Report = TypeVar("_Report", bound=BulkReport)
INTERRUPTED_EXIT: Final = 130
#: The message of an item a Ctrl-C kept from starting.
NOT_STARTED: Final = "not started: interrupted"


class ResultTally:
    """An ``on_result`` callback that keeps each result by key, for a partial report."""

    def __init__(self, op: str) -> None:
        self.op = op
        self.results: dict[str, ItemResult] = {}

    def __call__(self, result: ItemResult) -> None:
        self.results[result.key] = result

    def partial_report(self, keys: Sequence[str], elapsed: float, dry_run: bool) -> BulkReport:
        """One result per key, in order: those that arrived (the engine reports the items
        cut off in flight as ``unknown``), the others ``skipped``: never started."""
        results = tuple(
            self.results.get(key)
            or ItemResult(key=key, op=self.op, outcome=Outcome.SKIPPED, message=NOT_STARTED)
            for key in keys
        )
        return BulkReport(op=self.op, results=results, elapsed=elapsed, dry_run=dry_run)


async def run_tallied(
    job: Callable[[ResultTally], Awaitable[_Report]],
    keys: Sequence[str],
    *,
    op: str,
    dry_run: bool = False,
) -> tuple[_Report | BulkReport, bool]:
    """Run ``job(tally)`` (a bulk call with ``on_result=tally``); return its report and
    False, or, when Ctrl-C cancelled it, the partial report of ``keys`` and True."""
    tally = ResultTally(op)
    started = time.monotonic()
    try:
        return await job(tally), False
    except asyncio.CancelledError:
        # Ctrl-C: what finished, what was in flight, what never started. The cancellation
        # is handled: the rest of the command (the report, closing the client) runs on.
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        return tally.partial_report(keys, time.monotonic() - started, dry_run), True


def report_items(
    report: BulkReport | None,
    selection: Selection,
    usernames: Mapping[str, str] | None = None,
    *,
    missing_ok: bool = False,
) -> list[Item]:
    """One JSON-ready item per selected authorization, then one per value that matched none
    (``not_found``, or ``already_done`` with ``missing_ok``).

    ``usernames`` (ID to username) adds to what the selection knows.
    """
    usernames = {
        **{auth.id: auth.username for auth in selection.authorizations},
        **(usernames or {}),
    }
    items: list[Item] = [
        {
            "id": result.key,
            "username": usernames.get(result.key),
            "outcome": result.outcome.value,
            "status": result.status,
            "code": result.code,
            "message": result.message,
            "attempts": result.attempts,
        }
        for result in (report.results if report else ())
    ]
    for missing in selection.missing:
        kind, _, value = missing.partition(" ")
        outcome = Outcome.ALREADY_DONE if missing_ok else Outcome.NOT_FOUND
        items.append(
            {
                "id": value if kind == "id" else None,
                "username": value if kind == "username" else None,
                "outcome": outcome.value,
                "status": None,
                "code": None,
                "message": f"no legacy authorization matches {missing}",
                "attempts": 0,
            }
        )
    return items


def count_outcomes(items: list[Item]) -> dict[str, int]:
    """How many items ended in each outcome (every outcome present)."""
    counts = {outcome.value: 0 for outcome in Outcome}
    for item in items:
        counts[str(item["outcome"])] += 1
    return counts


def all_succeeded(items: list[Item]) -> bool:
    """Whether every item ended in the requested state."""
    return all(item["outcome"] in SUCCESSFUL for item in items)


def print_summary(
    out: Output,
    operation: str,
    dry_run: bool,
    counts: dict[str, int],
    items: list[Item],
    *,
    interrupted: bool = False,
) -> None:
    """``<operation>: 3 ok, 1 not_found``, then one line per item that did not succeed.

    UserInterruptError, the items that never started are counted on one line, not listed.
    """
    label = f"{operation} (dry run)" if dry_run else operation
    if interrupted:
        label += " (interrupted)"
    out.line(f"{label}: {format_counts(counts)}")
    not_started = 0
    for item in items:
        if item["outcome"] in SUCCESSFUL:
            continue
        if interrupted and item["message"] == NOT_STARTED:
            not_started += 1
            continue
        who = item["id"] if item["id"] is not None else f"username {item['username']}"
        if item["id"] is not None and item["username"] is not None:
            who = f"{item['id']} ({item['username']})"
        # A proxy's HTML error page is many lines: keep one line per item.
        out.line(f"  {who}  {item['outcome']}: {one_line(str(item['message']))}")
    if not_started:
        out.line(f"  {not_started} not started (skipped): interrupted before they were sent")


def print_interruption(out: Output, counts: Mapping[str, int], what_next: str) -> None:
    """The note on stderr after an interrupted command's report."""
    in_flight = counts.get(Outcome.UNKNOWN.value, 0)
    flight = (
        f"; {in_flight} were in flight and may or may not have been applied (unknown)"
        if in_flight
        else ""
    )
    out.message(f"interrupted: the report above accounts for every item{flight}; {what_next}")
