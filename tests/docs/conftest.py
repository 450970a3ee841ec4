"""What a page's examples run against: the demo's emulator, as its readers have it.

``aioinflux-legacyauth demo --keep-running`` leaves an emulator with the org ``my-org``
and the buckets ``metrics`` and ``logs`` up, and prints the ``export`` lines for
``INFLUX_HOST``, ``INFLUX_TOKEN`` and ``INFLUX_ORG``: the pages' examples are written
against that. Each page here gets a fresh emulator with those names (hashing at the fast
cost), those variables, and a working directory and a home of its own, so nothing of the
developer's own InfluxDB settings is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from aioinflux_legacyauth.emulator import FAST_HASH_COST, ThreadedEmulator
from tests.contrib.conftest import moto, moto_url

__all__ = ["DocsServer", "docs_moto", "docs_server", "moto", "moto_url"]

#: Variables that would leak the developer's own settings into a page's examples.
_ISOLATED_PREFIXES = ("INFLUX_", "INFLUXDB_V2_", "AWS_", "OTEL_")
#: rich reads these to force colours or a width.
_RICH_VARIABLES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES")


@attrs.frozen
class DocsServer:
    """The emulator a page runs against, and where its files go."""

    emulator: ThreadedEmulator
    workdir: Path


@pytest.fixture
def docs_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DocsServer]:
    """The demo's emulator, the reader's variables pointing at it, a fresh directory."""
    for name in list(os.environ):
        if name.startswith(_ISOLATED_PREFIXES) or name in _RICH_VARIABLES:
            monkeypatch.delenv(name)
    home, workdir = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    workdir.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(workdir)
    with ThreadedEmulator(buckets=("metrics", "logs"), hash_cost=FAST_HASH_COST) as emulator:
        monkeypatch.setenv("INFLUX_HOST", emulator.url)
        monkeypatch.setenv("INFLUX_TOKEN", emulator.token)
        monkeypatch.setenv("INFLUX_ORG", emulator.org)
        yield DocsServer(emulator, workdir)


@pytest.fixture
def docs_moto(moto: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """moto's Secrets Manager as "AWS" for a page: botocore reads ``AWS_ENDPOINT_URL``, so
    the page's examples create their clients as they would against AWS."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto)
    return moto
