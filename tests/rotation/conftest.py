"""The rotation tests' server: the threaded emulator, or the run's real server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from aioinflux_legacyauth.emulator import ThreadedEmulator
    from tests.realserver.handle import BlockingRealServer


@pytest.fixture
def legacyauth_emulator(
    threaded_server: ThreadedEmulator | BlockingRealServer,
) -> ThreadedEmulator | BlockingRealServer:
    """The plugin's fixture, following ``--server`` (the same surface either way)."""
    return threaded_server
