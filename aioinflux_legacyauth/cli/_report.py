"""The per-item report of a bulk command, as JSON-ready items and as a text summary."""

from __future__ import annotations

from collections.abc import Mapping

from ..bulk.report import SUCCESSFUL, BulkReport, Outcome, format_counts
from ._output import Output, one_line
from ._selection import Selection

__all__ = ["Item", "all_succeeded", "count_outcomes", "print_summary", "report_items"]

Item = dict[str, object]


def report_items(
    report: BulkReport | None, selection: Selection, usernames: Mapping[str, str] | None = None
) -> list[Item]:
    """One JSON-ready item per selected authorization, then one per value that matched none.

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
        items.append(
            {
                "id": value if kind == "id" else None,
                "username": value if kind == "username" else None,
                "outcome": Outcome.NOT_FOUND.value,
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
    out: Output, operation: str, dry_run: bool, counts: dict[str, int], items: list[Item]
) -> None:
    """``<operation>: 3 ok, 1 not_found``, then one line per item that did not succeed."""
    label = f"{operation} (dry run)" if dry_run else operation
    out.line(f"{label}: {format_counts(counts)}")
    for item in items:
        if item["outcome"] in SUCCESSFUL:
            continue
        who = item["id"] if item["id"] is not None else f"username {item['username']}"
        if item["id"] is not None and item["username"] is not None:
            who = f"{item['id']} ({item['username']})"
        # A proxy's HTML error page is many lines: keep one line per item.
        out.line(f"  {who}  {item['outcome']}: {one_line(str(item['message']))}")
