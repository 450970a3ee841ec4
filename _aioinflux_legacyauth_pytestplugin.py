"""pytest plugin: the ``legacyauth_emulator`` fixture, registered through ``pytest11``.

After ``pip install aioinflux-legacyauth`` any test can ask for it::

    def test_my_rotation_job(legacyauth_emulator):
        url, token = legacyauth_emulator.url, legacyauth_emulator.token
        bucket_id = legacyauth_emulator.buckets["my-bucket"]
        ...

It is a :class:`~aioinflux_legacyauth.emulator.ThreadedEmulator`: a fresh server per test,
running in its own thread, so sync tests and async tests on any event loop (or plugin)
can use it. Passwords hash at the fast cost. To change the options, override the
``legacyauth_emulator_options`` fixture, e.g. to return ``{"password_rule": "legacy"}``.

pytest imports every installed plugin at startup, in every project that has this library
installed, so this module is a top-level one (as Hypothesis's ``_hypothesis_pytestplugin``
is): importing it imports neither the library, nor aiohttp, nor the emulator. They are
imported by the fixture, when a test first asks for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from aioinflux_legacyauth.emulator import ThreadedEmulator

__all__ = ["legacyauth_emulator", "legacyauth_emulator_options"]


@pytest.fixture
def legacyauth_emulator_options() -> dict[str, Any]:
    """Keyword arguments for the emulator (see ``Emulator``); override to change them."""
    return {}


@pytest.fixture
def legacyauth_emulator(legacyauth_emulator_options: dict[str, Any]) -> Iterator[ThreadedEmulator]:
    """A running InfluxDB legacy-authorization emulator: ``.url``, ``.token``, ``.org_id``,
    ``.user_id``, ``.buckets`` (name to ID), seeding helpers, ``.faults`` and ``.requests``."""
    from aioinflux_legacyauth.emulator import FAST_HASH_COST, ThreadedEmulator  # noqa: PLC0415

    options = {"hash_cost": FAST_HASH_COST, **legacyauth_emulator_options}
    with ThreadedEmulator(**options) as emulator:
        yield emulator
