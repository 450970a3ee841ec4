"""Settings from the environment (influx CLI names first, then the official client's) and
from the influx CLI's config file."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from aioinflux_legacyauth import ConfigurationError, LegacyAuthClient, LegacyAuthError
from aioinflux_legacyauth._config import DEFAULT_URL, read_env, read_settings


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


# -- the influx CLI's config file -------------------------------------------------------------

CONFIGS = """\
[default]
  url = "http://default:8086"
  token = "default-token"
  org = "default-org"
  active = true

[staging]
  url = "http://staging:8086"
  token = "staging-token"
  org = "staging-org"
  previous = true
# [eu-central]
#   url = "https://eu-central-1-1.aws.cloud2.influxdata.com"
#   token = "XXX"
"""


def write_configs(tmp_path: Path, text: str = CONFIGS) -> Path:
    """An influx CLI config file as ``influx config create`` writes it (comments included)."""
    path = tmp_path / ".influxdbv2" / "configs"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_active_config_from_the_default_file(tmp_path: Path) -> None:
    """With only ~/.influxdbv2/configs, the active config gives URL, token and org."""
    write_configs(tmp_path)
    settings = read_env({"HOME": str(tmp_path)})
    assert (settings.url, settings.token, settings.org) == (
        "http://default:8086",
        "default-token",
        "default-org",
    )
    assert settings.org_id is None
    assert settings.token_source == f"config 'default' in {tmp_path}/.influxdbv2/configs"
    assert "default-token" not in repr(settings)


def test_named_config_by_argument_or_variable(tmp_path: Path) -> None:
    """config= (or INFLUX_ACTIVE_CONFIG) picks a config that is not the active one."""
    write_configs(tmp_path)
    env = {"HOME": str(tmp_path)}
    assert read_env(env, config="staging").token == "staging-token"
    assert read_env({**env, "INFLUX_ACTIVE_CONFIG": "staging"}).url == "http://staging:8086"
    # The argument wins over the variable.
    chosen = read_env({**env, "INFLUX_ACTIVE_CONFIG": "staging"}, config="default")
    assert chosen.token == "default-token"


def test_variables_win_over_the_config_setting_by_setting(tmp_path: Path) -> None:
    """INFLUX_* (then INFLUXDB_V2_*) beat the config, each setting on its own."""
    write_configs(tmp_path)
    env = {"HOME": str(tmp_path), "INFLUX_HOST": "http://env:8086", "INFLUXDB_V2_ORG": "py"}
    settings = read_env(env, config="staging")
    assert settings.url == "http://env:8086"
    assert settings.token == "staging-token"
    assert settings.org == "py"
    token = read_env({**env, "INFLUXDB_V2_TOKEN": "py-token"}, config="staging")
    assert (token.token, token.token_source) == ("py-token", "INFLUXDB_V2_TOKEN")


def test_configs_path_argument_and_variable(tmp_path: Path) -> None:
    """configs_path= and INFLUX_CONFIGS_PATH name another file than the default one."""
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text('[only]\nurl = "http://only:8086"\ntoken = "only-token"\n')
    assert read_env({}, configs_path=elsewhere).token == "only-token"  # the only config
    assert read_env({"INFLUX_CONFIGS_PATH": str(elsewhere)}).url == "http://only:8086"


def test_a_missing_default_file_is_no_error(tmp_path: Path) -> None:
    """No ~/.influxdbv2/configs: the defaults, as in the influx CLI."""
    settings = read_settings({"HOME": str(tmp_path)})
    assert (settings.url, settings.token, settings.config) == (DEFAULT_URL, None, None)
    with pytest.raises(ConfigurationError, match="no API token: set INFLUX_TOKEN"):
        read_env({"HOME": str(tmp_path)})


@pytest.mark.parametrize(
    ("text", "kwargs", "problem"),
    [
        (None, {"configs_path": "MISSING"}, r"influx CLI config file .*MISSING does not exist"),
        (None, {"config": "prod"}, r"influx CLI config 'prod' not found: .*configs does not exist"),
        (CONFIGS, {"config": "prod"}, r"'prod' not found in .*configs \(configs there: 'default'"),
        ('[a]\ntoken = "t0ken-in-line-one\n', {}, r"configs is not valid TOML \(at line 2"),
        ('token = "t0ken-at-top"\n', {}, r"'token' is not a config table"),
        ("[a]\ntoken = 12345\n", {}, r"'token' of config 'a' must be a string"),
        ('[a]\nactive = "yes"\n', {}, r"'active' of config 'a' must be true or false"),
        (b"[a]\ntoken = '\xff'\n", {}, r"is not valid TOML"),
        ("[a]\nactive = true\n[b]\nactive = true\n", {}, r"active \('a', 'b'\)"),
        ('[a]\ntoken = "x"\n[b]\ntoken = "y"\n', {}, r"no config in .* is marked active"),
    ],
    ids=[
        "explicit-file-missing",
        "named-config-without-file",
        "named-config-missing",
        "broken-toml",
        "not-a-table",
        "wrong-type",
        "active-not-bool",
        "not-utf8",
        "two-active",
        "none-active",
    ],
)
def test_bad_config_files_name_the_file_never_its_content(
    tmp_path: Path, text: str | bytes | None, kwargs: dict[str, str], problem: str
) -> None:
    """Missing or malformed: a ConfigurationError (a ValueError) naming the file and what
    is wrong, never a token from it."""
    if text is not None:
        path = write_configs(tmp_path, "")
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    if kwargs.get("configs_path") == "MISSING":
        kwargs = {"configs_path": str(tmp_path / "MISSING")}
    with pytest.raises(ConfigurationError, match=problem) as caught:
        read_settings({"HOME": str(tmp_path)}, **kwargs)
    assert isinstance(caught.value, ValueError)
    assert "t0ken" not in str(caught.value)
    assert "default-token" not in str(caught.value)


def test_a_config_without_a_token_says_so(tmp_path: Path) -> None:
    """A config made by ``influx config create --username-password`` holds a cookie only."""
    write_configs(tmp_path, '[web]\nurl = "http://web:8086"\ncookie = "session"\nactive = true\n')
    with pytest.raises(ConfigurationError, match=r"\(config 'web' in .* has none\)"):
        LegacyAuthClient.from_env(environ={"HOME": str(tmp_path)})


def test_a_token_with_a_line_break_is_refused_naming_its_source(tmp_path: Path) -> None:
    """A token read from a file with its newline never reaches a header: the error names
    the variable (or config), not the token."""
    with pytest.raises(ConfigurationError, match="token from INFLUX_TOKEN contains a line break"):
        read_env({"INFLUX_TOKEN": "secret-part\nother-part"})
    write_configs(tmp_path, '[a]\ntoken = "secret-part\\r\\nx"\n')
    with pytest.raises(ConfigurationError, match="token from config 'a' in") as caught:
        read_env({"HOME": str(tmp_path)})
    assert "secret-part" not in str(caught.value)


def test_from_env_with_a_named_config(tmp_path: Path) -> None:
    """from_env(config=...) reads that config; keyword arguments still win."""
    write_configs(tmp_path)
    client = LegacyAuthClient.from_env(environ={"HOME": str(tmp_path)}, config="staging")
    assert (client.url, client.org) == ("http://staging:8086", "staging-org")
    assert "staging-token" not in repr(client)
    other = LegacyAuthClient.from_env(
        environ={"HOME": str(tmp_path)}, configs_path=tmp_path / ".influxdbv2" / "configs"
    )
    assert other.url == "http://default:8086"


def test_from_env_without_a_token_is_a_library_error() -> None:
    """No token anywhere: a ConfigurationError (the README promises LegacyAuthError)."""
    with pytest.raises(ConfigurationError, match="no API token") as caught:
        LegacyAuthClient.from_env(environ={})
    assert isinstance(caught.value, LegacyAuthError)
    assert isinstance(caught.value, ValueError)  # as before, for callers catching that
