"""Bulk memory grows with the concurrency, not with the number of items.

The report keeps one small result per item by contract; everything else a bulk call holds
(workers, requests in flight, bookkeeping) must stay flat from 10,000 to 100,000 items.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Callable
from typing import Any

from aioinflux_legacyauth import LegacyAuthClient, RawResponse, Request

ITEM_BUDGET_BYTES = 300  # what one retained ItemResult may cost, key string included


class CannedTransport:
    """Answers every PATCH with the same pre-built 200 body, without sockets."""

    def __init__(self, response: RawResponse) -> None:
        self.response = response

    async def send(self, request: Request, *, timeout: Any) -> RawResponse:
        return self.response


async def measure(count: int, response: RawResponse) -> tuple[int, int]:
    """(working memory beyond the report, memory the report keeps) for one bulk_update."""
    async with LegacyAuthClient(
        "http://influx.test", token="t0ken", transport=CannedTransport(response)
    ) as client:
        gc.collect()
        tracemalloc.start()
        try:
            report = await client.bulk_update(
                (f"{number:016x}" for number in range(count)), status="inactive", concurrency=16
            )
            retained, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(report.results) == count
    assert report.all_ok
    return peak - retained, retained


async def test_memory_is_flat_in_the_item_count(auth_doc: Callable[..., dict[str, Any]]) -> None:
    """100,000 items need no more working memory than 10,000; results stay small."""
    body = json.dumps(auth_doc(status="inactive"), indent="\t").encode()
    response = RawResponse(200, {"Content-Type": "application/json; charset=utf-8"}, body)
    small_working, small_retained = await measure(10_000, response)
    large_working, large_retained = await measure(100_000, response)
    assert large_working - small_working < 1_000_000
    assert large_retained / 100_000 < ITEM_BUDGET_BYTES
    assert small_retained / 10_000 < ITEM_BUDGET_BYTES
