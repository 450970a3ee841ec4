"""Bulk operations: the report, the worker pool, and the operations on top of it.

- :mod:`.report`: :class:`Outcome`, :class:`ItemResult`, :class:`BulkReport`,
  :class:`BulkError`: what a bulk call returns;
- :mod:`.engine`: :func:`run_bulk`, the bounded worker pool any per-item job runs on;
- :mod:`.operations`: update, delete and set-password per item, over an
  :class:`~aioinflux_legacyauth._executor.Executor` (``LegacyAuthClient.bulk_*`` call them).
"""

from __future__ import annotations

from .engine import Handler, ProgressCallback, ResultCallback, run_bulk
from .report import SUCCESSFUL, BulkError, BulkReport, ItemResult, Outcome, result_from_error

__all__ = [
    "SUCCESSFUL",
    "BulkError",
    "BulkReport",
    "Handler",
    "ItemResult",
    "Outcome",
    "ProgressCallback",
    "ResultCallback",
    "result_from_error",
    "run_bulk",
]
