"""Settings from the environment: influx CLI names first, then the official client's."""

from __future__ import annotations

import aiohttp
import pytest

from aioinflux_legacyauth import LegacyAuthClient
from aioinflux_legacyauth._config import read_env


def test_influx_cli_names_win() -> None:
    """INFLUX_* beats INFLUXDB_V2_* for the same setting."""
    settings = read_env(
        {
            "INFLUX_HOST": "http://cli:8086",
            "INFLUXDB_V2_URL": "http://py:8086",
            "INFLUX_TOKEN": "cli-token",
            "INFLUXDB_V2_TOKEN": "py-token",
            "INFLUX_ORG": "cli-org",
            "INFLUXDB_V2_ORG": "py-org",
            "INFLUX_ORG_ID": "4e7a6b1c2d3f5a6b",
        }
    )
    assert settings.url == "http://cli:8086"
    assert settings.token == "cli-token"
    assert settings.org == "cli-org"
    assert settings.org_id == "4e7a6b1c2d3f5a6b"
    assert "cli-token" not in repr(settings)


def test_official_client_names_and_defaults() -> None:
    """INFLUXDB_V2_* alone works; the URL defaults to localhost:8086; TLS is verified."""
    settings = read_env({"INFLUXDB_V2_TOKEN": "py-token", "INFLUXDB_V2_TIMEOUT": "2500"})
    assert settings.url == "http://localhost:8086"
    assert settings.token == "py-token"
    assert settings.verify_ssl is True
    assert settings.timeout == aiohttp.ClientTimeout(total=2.5)


@pytest.mark.parametrize(
    ("env", "verify"),
    [
        ({"INFLUX_SKIP_VERIFY": "true"}, False),
        ({"INFLUX_SKIP_VERIFY": "false", "INFLUXDB_V2_VERIFY_SSL": "false"}, True),
        ({"INFLUXDB_V2_VERIFY_SSL": "False"}, False),
        ({"INFLUXDB_V2_VERIFY_SSL": "1"}, True),
    ],
)
def test_tls_verification_switches(env: dict[str, str], verify: bool) -> None:
    """TLS verification is off only when a variable turns it off explicitly."""
    assert read_env({"INFLUX_TOKEN": "t", **env}).verify_ssl is verify


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({}, "INFLUX_TOKEN"),
        ({"INFLUX_TOKEN": "t", "INFLUX_SKIP_VERIFY": "maybe"}, "INFLUX_SKIP_VERIFY"),
        ({"INFLUX_TOKEN": "t", "INFLUXDB_V2_TIMEOUT": "soon"}, "INFLUXDB_V2_TIMEOUT"),
        ({"INFLUX_TOKEN": "t", "INFLUXDB_V2_TIMEOUT": "-5"}, "INFLUXDB_V2_TIMEOUT"),
    ],
)
def test_bad_environment_names_the_variable(env: dict[str, str], problem: str) -> None:
    """A missing token or a bad value raises ValueError naming the variable."""
    with pytest.raises(ValueError, match=problem):
        read_env(env)


def test_from_env_with_overrides() -> None:
    """from_env() builds a client; keyword arguments override the environment."""
    client = LegacyAuthClient.from_env(
        environ={"INFLUX_HOST": "http://env:8086", "INFLUX_TOKEN": "env-token", "INFLUX_ORG": "o"},
        url="http://override:9999",
    )
    assert client.url == "http://override:9999"
    assert client.org == "o"
    assert "env-token" not in repr(client)
