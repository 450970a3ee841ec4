"""A token given where an authorization ID goes (``get(token)``, ``bulk_delete([token])``)
is refused before anything is sent, and shown nowhere: not in the error, the report, a
log line or the request path. An ID has 16 hex digits; a string longer than that cannot be
one (the server answers "id must have a length of 16 bytes") and may be a secret."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from aioinflux_legacyauth import (
    ArgumentError,
    InvalidError,
    LegacyAuthClient,
    Outcome,
    RawResponse,
)
from aioinflux_legacyauth.testing import MockTransport

TOKEN = "Xk2vQ9-operator-token-qT7pL0zR4mW8eJ1nB5cY3=="


def connect(transport: MockTransport) -> LegacyAuthClient:
    return LegacyAuthClient("http://influx.test:8086", "t0ken", transport=transport)


def refusing_everything() -> MockTransport:
    return MockTransport(lambda request: RawResponse(400, {}, b""))


@pytest.mark.parametrize(
    "operation",
    [
        lambda client: client.get(TOKEN),
        lambda client: client.delete(TOKEN),
        lambda client: client.update(TOKEN, status="inactive"),
    ],
    ids=["get", "delete", "update"],
)
async def test_a_token_as_the_id_is_refused_unseen(
    operation: Callable[[LegacyAuthClient], Awaitable[Any]], caplog: pytest.LogCaptureFixture
) -> None:
    transport = refusing_everything()
    caplog.set_level(logging.DEBUG)
    async with connect(transport) as client:
        with pytest.raises(ArgumentError, match="not an authorization ID") as caught:
            await operation(client)
    assert transport.requests == []
    assert "Xk2vQ9" not in str(caught.value)
    assert "Xk2vQ9" not in repr(caught.value)
    assert "Xk2vQ9" not in caplog.text


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("operation", ["delete", "update"])
async def test_a_token_among_bulk_ids_fails_unseen(
    operation: str, *, dry_run: bool, caplog: pytest.LogCaptureFixture
) -> None:
    transport = MockTransport(lambda request: RawResponse(204, {}, b""))
    caplog.set_level(logging.DEBUG)
    async with connect(transport) as client:
        if operation == "delete":
            report = await client.bulk_delete([TOKEN], dry_run=dry_run)
        else:
            report = await client.bulk_update([TOKEN], status="inactive", dry_run=dry_run)
    assert transport.requests == []
    (result,) = report.results
    assert result.outcome is Outcome.FAILED
    assert "not an authorization ID" in (result.message or "")
    assert "Xk2vQ9" not in repr(report)
    assert "Xk2vQ9" not in caplog.text


async def test_a_short_non_id_is_refused_too_without_showing_it() -> None:
    """A password shorter than an ID is no less a secret: refused before sending, named
    by its length only; an ID in upper case is still an ID."""
    transport = refusing_everything()
    async with connect(transport) as client:
        with pytest.raises(ArgumentError, match="it has 9 characters") as refused:
            await client.get("hunter2pw")
        assert "hunter2pw" not in str(refused.value)
        with pytest.raises(InvalidError):
            await client.get("0123456789ABCDEF")
    assert len(transport.requests) == 1
