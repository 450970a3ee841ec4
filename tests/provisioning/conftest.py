"""Fixtures for the provisioning tests: an in-process emulator and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aioinflux_legacyauth import LegacyAuthClient, RetryPolicy
from aioinflux_legacyauth.emulator import FAST_HASH_COST, Emulator


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator with the buckets ``metrics``, ``logs`` and ``telegraf/autogen``."""
    async with Emulator(
        hash_cost=FAST_HASH_COST, buckets=("metrics", "logs", "telegraf/autogen")
    ) as running:
        yield running


@pytest.fixture
async def client(emu: Emulator) -> AsyncIterator[LegacyAuthClient]:
    """A client with the operator token whose retries never sleep."""
    async with LegacyAuthClient(emu.url, emu.token, retry=RetryPolicy(instant=True)) as opened:
        yield opened
