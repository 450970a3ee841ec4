"""The crash tests' server: threaded (the driver is another process), or --server's, with the
buckets the jobs rescope between."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def legacyauth_emulator_options() -> dict[str, Any]:
    """The buckets ``metrics`` and ``logs``."""
    return {"buckets": ("metrics", "logs")}
