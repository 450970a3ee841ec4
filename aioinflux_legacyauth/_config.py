"""Client settings from the environment, in the precedence the DESIGN fixes.

Explicit arguments first, then the influx CLI's variables (``INFLUX_*``), then the
official Python client's (``INFLUXDB_V2_*``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

import aiohttp
import attrs

__all__ = ["DEFAULT_URL", "EnvSettings", "parse_flag", "read_env"]

DEFAULT_URL: Final = "http://localhost:8086"

_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off", ""})


@attrs.frozen(slots=True)
class EnvSettings:
    """What the environment says about the server and the caller. The token never shows."""

    url: str
    token: str = attrs.field(repr=False)
    org: str | None
    org_id: str | None
    verify_ssl: bool
    timeout: aiohttp.ClientTimeout | None


def _first(env: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return name, value
    return None


def parse_flag(name: str, value: str) -> bool:
    """A true/false setting (``1``/``true``/``yes``/``on`` or their opposites, or empty:
    false) from the variable ``name``; ValueError naming it otherwise."""
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    msg = f"{name} must be true or false, got {value!r}"
    raise ValueError(msg)


def _verify_ssl(env: Mapping[str, str]) -> bool:
    if env.get("INFLUX_SKIP_VERIFY", "").strip():
        return not parse_flag("INFLUX_SKIP_VERIFY", env["INFLUX_SKIP_VERIFY"])
    if env.get("INFLUXDB_V2_VERIFY_SSL", "").strip():
        return parse_flag("INFLUXDB_V2_VERIFY_SSL", env["INFLUXDB_V2_VERIFY_SSL"])
    return True


def _timeout(env: Mapping[str, str]) -> aiohttp.ClientTimeout | None:
    found = _first(env, "INFLUXDB_V2_TIMEOUT")
    if found is None:
        return None
    name, value = found
    try:
        millis = float(value)
    except ValueError:
        millis = -1.0
    if not millis > 0:
        msg = f"{name} must be a positive number of milliseconds, got {value!r}"
        raise ValueError(msg)
    return aiohttp.ClientTimeout(total=millis / 1000)


def read_env(environ: Mapping[str, str] | None = None) -> EnvSettings:
    """Read the connection settings; raise ValueError naming the variables if no token is set."""
    env = os.environ if environ is None else environ
    url = _first(env, "INFLUX_HOST", "INFLUXDB_V2_URL")
    token = _first(env, "INFLUX_TOKEN", "INFLUXDB_V2_TOKEN")
    if token is None:
        msg = "no API token: set INFLUX_TOKEN (or INFLUXDB_V2_TOKEN), or pass token="
        raise ValueError(msg)
    org = _first(env, "INFLUX_ORG", "INFLUXDB_V2_ORG")
    org_id = _first(env, "INFLUX_ORG_ID")
    return EnvSettings(
        url=url[1] if url else DEFAULT_URL,
        token=token[1],
        org=org[1] if org else None,
        org_id=org_id[1] if org_id else None,
        verify_ssl=_verify_ssl(env),
        timeout=_timeout(env),
    )
