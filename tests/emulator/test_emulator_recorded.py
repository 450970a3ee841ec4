"""The InfluxQL parser and the line-protocol validator against a real server's verdicts.

Pure tests (no server, no event loop) over answers recorded from influxd 2.7.12: every
query it refused to parse is refused here with the same message, every one it parsed
parses; every body it refused is refused with the same message, every one it took is taken.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aioinflux_legacyauth.emulator.domain.errors import PlatformError
from aioinflux_legacyauth.emulator.http.v1 import decode_params
from aioinflux_legacyauth.emulator.influxql.parser import InfluxQLError, parse_query
from aioinflux_legacyauth.emulator.wire.lineprotocol import invalid_lines

pytestmark = pytest.mark.emulator_only(
    reason="checks the emulator's parsers against recorded influxd verdicts"
)

SAMPLES = Path(__file__).parent / "samples"


def _cases(name: str, key: str = "cases") -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((SAMPLES / name).read_text("utf-8"))[key]
    return cases


@pytest.mark.parametrize("case", _cases("influxql_parse.json"), ids=lambda case: case["query"])
def test_parse_verdict_matches_influxd(case: dict[str, Any]) -> None:
    """Checklist 32: the same 'failed to parse query: ...' text, or none."""
    error = case["error"]
    if error is None:
        parse_query(case["query"].strip())
        return
    with pytest.raises(InfluxQLError) as raised:
        parse_query(case["query"].strip())
    assert f"failed to parse query: {raised.value}" == error


@pytest.mark.parametrize(
    "case",
    _cases("influxql_parse.json", "bound_params"),
    ids=lambda case: f"{case['query']} {case['params']}",
)
def test_bound_parameter_verdict_matches_influxd(case: dict[str, Any]) -> None:
    """Section 12.1: the params form value, then the parse with the bound values."""
    try:
        parse_query(case["query"], decode_params(case["params"]))
    except PlatformError as exc:
        error: str | None = exc.message
    except InfluxQLError as exc:
        error = f"failed to parse query: {exc}"
    else:
        error = None
    assert error == case["error"]


@pytest.mark.parametrize(
    "case",
    _cases("line_protocol.json"),
    ids=lambda case: f"{case['precision']}:{case['body'][:40]}",
)
def test_line_protocol_verdict_matches_influxd(case: dict[str, Any]) -> None:
    """Checklist 46 and 47: the same 'unable to parse ...' lines, or acceptance."""
    failures = invalid_lines(case["body"].encode("latin-1"), case["precision"])
    assert ("\n".join(failures) if failures else None) == case["error"]
