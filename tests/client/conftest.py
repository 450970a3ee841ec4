"""The one place aioresponses is set up: for the transport's edge cases only.

The client's operations are tested over :class:`aioinflux_legacyauth.testing.MockTransport`;
aioresponses stays for what only the aiohttp transport does (timeouts, resets, odd bodies,
URL joining, its debug log).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import aioresponses.core as aioresponses_core
import pytest
from aiohttp import ClientResponse
from aioresponses import aioresponses


class _FinishedUpload:
    """Stands in for the stream writer of a request whose body was already sent."""

    output_size = 0


class _CompatClientResponse(ClientResponse):
    """aioresponses 0.7.9 builds responses without aiohttp 3.14's new ``stream_writer``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _FinishedUpload())
        super().__init__(*args, **kwargs)


@pytest.fixture
def mocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    """Intercept every aiohttp request (made compatible with aiohttp 3.14 for this test)."""
    if "stream_writer" in inspect.signature(ClientResponse.__init__).parameters:
        monkeypatch.setattr(aioresponses_core, "ClientResponse", _CompatClientResponse)
    with aioresponses() as mock:
        yield mock
