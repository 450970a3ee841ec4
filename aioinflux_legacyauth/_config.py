"""Client settings from the environment and the influx CLI's config file.

Each setting comes from the first of: explicit arguments, the influx CLI's variables
(``INFLUX_*``), the official Python client's (``INFLUXDB_V2_*``), then the influx CLI's
config file (``~/.influxdbv2/configs``, written by ``influx setup`` and ``influx config
create``): the config named by ``config=`` or ``INFLUX_ACTIVE_CONFIG``, else the active one.
Environment beats file, as in the influx CLI (``INFLUX_HOST`` beats ``-c NAME``'s URL).
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import aiohttp
import attrs

from ._errors import ConfigurationError

__all__ = [
    "ACTIVE_CONFIG_VARIABLE",
    "CONFIGS_PATH_VARIABLE",
    "DEFAULT_URL",
    "EnvSettings",
    "InfluxConfig",
    "default_configs_path",
    "load_influx_configs",
    "missing_token_message",
    "org_from_env",
    "parse_flag",
    "read_env",
    "read_settings",
]

DEFAULT_URL: Final = "http://localhost:8086"
#: The influx CLI's variables for ``--configs-path`` and ``-c/--active-config``.
CONFIGS_PATH_VARIABLE: Final = "INFLUX_CONFIGS_PATH"
ACTIVE_CONFIG_VARIABLE: Final = "INFLUX_ACTIVE_CONFIG"

_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off", ""})
#: The keys of one config the influx CLI writes, and their TOML types.
_CONFIG_KEYS: Final = {"url": str, "token": str, "org": str, "active": bool, "previous": bool}
#: What tomllib says about where a file is broken; the rest of its message is not shown.
_TOML_POSITION: Final = re.compile(r"\(at (?:line \d+, column \d+|end of document)\)")


@attrs.frozen(slots=True)
class InfluxConfig:
    """One named config of an influx CLI config file. The token never shows."""

    name: str
    path: Path
    url: str | None = None
    token: str | None = attrs.field(default=None, repr=False)
    org: str | None = None
    active: bool = False

    def __str__(self) -> str:
        return f"config {self.name!r} in {self.path}"


@attrs.frozen(slots=True)
class EnvSettings:
    """What the environment (and the config file) say about the server and the caller.

    ``token`` is None when no source has one; ``token_source`` and ``config`` say where the
    token and the rest came from, for messages. The token never shows.
    """

    url: str
    token: str | None = attrs.field(repr=False)
    org: str | None
    org_id: str | None
    verify_ssl: bool
    timeout: aiohttp.ClientTimeout | None
    token_source: str | None = None
    config: InfluxConfig | None = None


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
    # Not repeated: a secret set in the wrong variable must not reach a terminal.
    msg = f"{name} must be true or false (1/0, yes/no, on/off); the value set is neither"
    raise ConfigurationError(msg)


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
        msg = f"{name} must be a positive number of milliseconds; the value set is not one"
        raise ConfigurationError(msg)
    return aiohttp.ClientTimeout(total=millis / 1000)


def org_from_env(environ: Mapping[str, str] | None = None) -> tuple[str | None, str | None]:
    """The org name and org ID the variables give (never the config file's org)."""
    env = os.environ if environ is None else environ
    org = _first(env, "INFLUX_ORG", "INFLUXDB_V2_ORG")
    org_id = _first(env, "INFLUX_ORG_ID")
    return (org[1] if org else None), (org_id[1] if org_id else None)


# -- the influx CLI's config file ------------------------------------------------------------


def default_configs_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """``~/.influxdbv2/configs``, the home directory read from ``environ`` (``HOME``, or
    ``USERPROFILE`` on Windows). With ``environ`` given and neither set: None."""
    env = os.environ if environ is None else environ
    home = env.get("HOME") or env.get("USERPROFILE")
    if not home:
        if environ is not None:
            return None
        try:
            home = str(Path.home())
        except RuntimeError:  # no home directory at all
            return None
    return Path(home) / ".influxdbv2" / "configs"


def _checked(path: Path, name: str, key: str, value: object) -> None:
    """Refuse a value of another type than the influx CLI writes for ``key``, unquoted."""
    expected = _CONFIG_KEYS[key]
    if not isinstance(value, expected):
        wanted = "true or false" if expected is bool else "a string"
        msg = f"influx CLI config file {path}: {key!r} of config {name!r} must be {wanted}"
        raise ConfigurationError(msg)


def _text(value: object) -> str | None:
    """A string setting, None when missing or blank (the influx CLI writes "" for unset)."""
    return value.strip() or None if isinstance(value, str) else None


def load_influx_configs(path: str | os.PathLike[str]) -> dict[str, InfluxConfig]:
    """Every config in an influx CLI config file, by name (in file order).

    Raises :class:`ConfigurationError` naming the file, never quoting it (it holds tokens),
    when it cannot be read or is not the TOML the influx CLI writes. Unknown keys are
    ignored, as the influx CLI does.
    """
    where = Path(path)
    try:
        data = where.read_bytes()
    except FileNotFoundError:
        msg = f"influx CLI config file {where} does not exist"
        raise ConfigurationError(msg) from None
    except OSError as exc:
        msg = f"cannot read influx CLI config file {where}: {exc.strerror or 'read failed'}"
        raise ConfigurationError(msg) from None
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # tomllib's message names the position; nothing of the file's text is repeated.
        position = _TOML_POSITION.search(str(exc))
        where_broken = f" {position.group(0)}" if position else ""
        msg = f"influx CLI config file {where} is not valid TOML{where_broken}"
        raise ConfigurationError(msg) from None
    configs: dict[str, InfluxConfig] = {}
    for name, table in document.items():
        if not isinstance(table, dict):
            msg = f"influx CLI config file {where}: {name!r} is not a config table"
            raise ConfigurationError(msg)
        for key, value in table.items():
            if key in _CONFIG_KEYS:
                _checked(where, name, key, value)
        configs[name] = InfluxConfig(
            name=name,
            path=where,
            url=_text(table.get("url")),
            token=_text(table.get("token")),
            org=_text(table.get("org")),
            active=table.get("active") is True,
        )
    return configs


def _active(path: Path, configs: Mapping[str, InfluxConfig]) -> InfluxConfig | None:
    active = [config for config in configs.values() if config.active]
    if len(active) == 1:
        return active[0]
    if len(active) > 1:
        names = ", ".join(repr(config.name) for config in active)
        msg = (
            f"influx CLI config file {path} marks more than one config active ({names}): "
            f"name the one to use ({ACTIVE_CONFIG_VARIABLE}, or -c on the command line)"
        )
        raise ConfigurationError(msg)
    if len(configs) == 1:  # the influx CLI then uses the only one there is
        return next(iter(configs.values()))
    if configs:
        # The influx CLI would pick one at random; a choice made for the user is refused.
        msg = (
            f"no config in influx CLI config file {path} is marked active: name the one to "
            f"use ({ACTIVE_CONFIG_VARIABLE}, or -c on the command line)"
        )
        raise ConfigurationError(msg)
    return None


def _influx_config(
    env: Mapping[str, str], name: str | None, configs_path: str | os.PathLike[str] | None
) -> InfluxConfig | None:
    """The config to use: named (``name``, else INFLUX_ACTIVE_CONFIG) or the active one.

    A file named explicitly (``configs_path``, INFLUX_CONFIGS_PATH) must exist; the default
    one may be missing, as in the influx CLI, unless a config was named.
    """
    name = name or (env.get(ACTIVE_CONFIG_VARIABLE, "").strip() or None)
    named_path = _first(env, CONFIGS_PATH_VARIABLE)
    if configs_path is not None:
        path = Path(configs_path)
    elif named_path is not None:
        path = Path(named_path[1])
    else:
        default = default_configs_path(env)
        if default is None or not default.exists():
            if name is None:
                return None
            shown = default or "~/.influxdbv2/configs"
            msg = f"influx CLI config {name!r} not found: {shown} does not exist"
            raise ConfigurationError(msg)
        path = default
    configs = load_influx_configs(path)
    if name is None:
        return _active(path, configs)
    if name not in configs:
        known = ", ".join(repr(known) for known in configs) or "none"
        msg = f"influx CLI config {name!r} not found in {path} (configs there: {known})"
        raise ConfigurationError(msg)
    return configs[name]


# -- all together --------------------------------------------------------------------------


def _check_token(token: str, source: str) -> None:
    # A line break (a token file read with its newline) or another control character
    # would reach the Authorization header; refused naming where it came from, never it.
    if any(unicodedata.category(char) == "Cc" for char in token):
        msg = (
            f"the API token from {source} contains a line break or another control "
            f"character; check how it was set"
        )
        raise ConfigurationError(msg)


def read_settings(
    environ: Mapping[str, str] | None = None,
    *,
    config: str | None = None,
    configs_path: str | os.PathLike[str] | None = None,
) -> EnvSettings:
    """Read the connection settings from ``environ`` (default: ``os.environ``) and the
    influx CLI config file (see the module docstring for the precedence).

    ``config`` names the influx CLI config to use (default: INFLUX_ACTIVE_CONFIG, else the
    active one); ``configs_path`` is the config file (default: INFLUX_CONFIGS_PATH, else
    ``~/.influxdbv2/configs``). Raises :class:`ConfigurationError` naming the variable or
    the file for a value that cannot be used. A missing token is not an error here:
    ``token`` is then None (see :func:`read_env`).
    """
    env = os.environ if environ is None else environ
    chosen = _influx_config(env, config, configs_path)
    url = _first(env, "INFLUX_HOST", "INFLUXDB_V2_URL")
    token = _first(env, "INFLUX_TOKEN", "INFLUXDB_V2_TOKEN")
    token_source = token[0] if token else None
    if token is None and chosen is not None and chosen.token:
        token, token_source = (str(chosen), chosen.token), str(chosen)
    if token is not None and token_source is not None:
        _check_token(token[1], token_source)
    org, org_id = org_from_env(env)
    return EnvSettings(
        url=url[1] if url else (chosen.url if chosen and chosen.url else DEFAULT_URL),
        token=token[1] if token else None,
        org=org or (chosen.org if chosen else None),
        org_id=org_id,
        verify_ssl=_verify_ssl(env),
        timeout=_timeout(env),
        token_source=token_source,
        config=chosen,
    )


def read_env(
    environ: Mapping[str, str] | None = None,
    *,
    config: str | None = None,
    configs_path: str | os.PathLike[str] | None = None,
) -> EnvSettings:
    """:func:`read_settings`, and a :class:`ConfigurationError` if no source has a token."""
    settings = read_settings(environ, config=config, configs_path=configs_path)
    if settings.token is None:
        raise ConfigurationError(missing_token_message(settings))
    return settings


def missing_token_message(settings: EnvSettings) -> str:
    """Why there is no token, and where one can come from."""
    where = f" ({settings.config} has none)" if settings.config is not None else ""
    return (
        f"no API token: set INFLUX_TOKEN (or INFLUXDB_V2_TOKEN), pass token=, or give the "
        f"influx CLI config a token{where}"
    )
