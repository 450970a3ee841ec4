"""The caller's ``on_result``/``on_progress``, kept from breaking a batch's accounting.

A callback that raises stops the batch, as it always did, but gently: no new item
starts (each is reported ``skipped``), the items under way run to their end (a rotation
publishes the passwords it set), the broken callback is not called again, and only then
does its error reach the caller, with the whole report as its ``bulk_report``.
Cancelling workers mid-request instead left items ``unknown`` and unreported, and
passwords set on the server but never published.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Final

from .engine import Handler, Later, ProgressCallback, ResultCallback, describe_key
from .report import BulkReport, ItemResult, Outcome

__all__ = ["REPORT_ATTRIBUTE", "CallbackGuard"]

#: The attribute of a callback's error that holds the report of its batch.
REPORT_ATTRIBUTE: Final = "bulk_report"


class CallbackGuard:
    """Wraps one bulk call's callbacks and handler; :meth:`check` raises what one raised."""

    __slots__ = ("_describe", "_failed_in", "_failure", "_on_progress", "_on_result", "_op")

    def __init__(
        self,
        on_result: ResultCallback | None,
        on_progress: ProgressCallback | None,
        *,
        op: str,
        describe: Callable[[object], str] = describe_key,
    ) -> None:
        """``op`` and ``describe`` as given to the pool: they name a skipped item."""
        self._op = op
        self._describe = describe
        self._on_result = on_result
        self._on_progress = on_progress
        self._failure: Exception | None = None
        self._failed_in = ""

    @property
    def on_result(self) -> ResultCallback | None:
        """What the pool calls instead of the caller's ``on_result`` (None without one)."""
        return None if self._on_result is None else self._result

    @property
    def on_progress(self) -> ProgressCallback | None:
        """What the pool calls instead of the caller's ``on_progress`` (None without one)."""
        return None if self._on_progress is None else self._progress

    def handler(self, handle: Handler) -> Handler:
        """``handle``, except that items reached after a callback failed are not started."""
        if self._on_result is None and self._on_progress is None:
            return handle  # nothing can fail: no wrapper on the hot path

        async def guarded(item: object) -> ItemResult | Later:
            if self._failure is not None:
                return self._skipped(item)
            return await handle(item)

        return guarded

    def check(self, report: BulkReport) -> None:
        """Raise the callback's error, if one failed, carrying ``report``."""
        failure = self._failure
        if failure is None:
            return
        self._failure = None  # the error holds the report; the report must not hold it
        counts = ", ".join(
            f"{count} {outcome.value}" for outcome, count in report.counts.items() if count
        )
        failure.add_note(
            f"raised by {self._failed_in}: the {report.op} batch stopped and every item "
            f"is accounted for ({counts}); the report is this error's {REPORT_ATTRIBUTE}"
        )
        setattr(failure, REPORT_ATTRIBUTE, report)
        raise failure

    def _skipped(self, item: object) -> ItemResult:
        return ItemResult(
            key=self._describe(item),
            op=self._op,
            outcome=Outcome.SKIPPED,
            message=f"not started: {self._failed_in} raised an error",
        )

    async def _result(self, result: ItemResult) -> None:
        if self._failure is None and self._on_result is not None:
            await self._call("on_result", self._on_result, result)

    async def _progress(self, done: int, total: int | None) -> None:
        if self._failure is None and self._on_progress is not None:
            await self._call("on_progress", self._on_progress, done, total)

    async def _call(self, name: str, callback: Callable[..., object], *args: object) -> None:
        try:
            returned = callback(*args)
            if inspect.isawaitable(returned):
                await returned
        except Exception as error:  # the caller's bug: reported after the accounting
            if self._failure is None:
                self._failure, self._failed_in = error, name
