"""What differs between the InfluxDB releases the emulator can play.

``Emulator(version="v2.7.5")`` picks the behaviour of that release wherever the reference
lists a difference; any other option given explicitly wins over the profile's default.
A version the profile cannot parse (``"dev"``, as a source build reports) behaves like
the default release, v2.7.12, and still sends its text as ``X-Influxdb-Version``.
"""

from __future__ import annotations

import re
from typing import Final

import attrs

from .passwords import PasswordRule

__all__ = ["DEFAULT_VERSION", "ServerProfile", "server_profile"]

#: The ``X-Influxdb-Version`` the emulator claims by default.
DEFAULT_VERSION: Final = "v2.7.12"

_RELEASE: Final = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
_LOGIN_RULE_SINCE: Final = (2, 7, 6)  # PR #24857: length rule, checked at login too
_HASHED_TOKENS_SINCE: Final = (2, 8, 0)  # --use-hashed-tokens exists
_HASHED_BY_DEFAULT_SINCE: Final = (2, 9, 0)  # ... and is on by default
_V29: Final = (2, 9, 0)  # CSV tags unescaped; DELETE/DROP MEASUREMENT by retention policy


@attrs.frozen
class ServerProfile:
    """The release-dependent behaviour of one emulated server."""

    #: What ``X-Influxdb-Version`` and ``/health`` report.
    version: str
    #: The release as numbers, the default release's for an unparseable version.
    release: tuple[int, int, int]
    #: 8 to 72 bytes, checked at login too (2.7.6+); or at least 8 bytes (before).
    password_rule: PasswordRule
    #: Whether ``--use-hashed-tokens`` exists (2.8+).
    supports_hashed_tokens: bool
    #: Its default (on from 2.9).
    hashed_tokens_by_default: bool
    #: ``/query`` CSV escapes tag keys and values (``HashKey()``; unescaped from 2.9).
    csv_escapes_tags: bool
    #: ``DELETE`` uses the named or default retention policy, ``DROP MEASUREMENT`` every
    #: one of the database (2.9+); before, both use the default mapping only.
    deletes_by_retention_policy: bool


def _release(version: str) -> tuple[int, int, int]:
    match = _RELEASE.fullmatch(version)
    if match is None:
        return _release(DEFAULT_VERSION)
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def server_profile(version: str = DEFAULT_VERSION) -> ServerProfile:
    """The profile of the release ``version`` names (``"v2.7.5"``, ``"2.9.1"``, ...)."""
    release = _release(version)
    return ServerProfile(
        version=version,
        release=release,
        password_rule=PasswordRule.CURRENT if release >= _LOGIN_RULE_SINCE else PasswordRule.LEGACY,
        supports_hashed_tokens=release >= _HASHED_TOKENS_SINCE,
        hashed_tokens_by_default=release >= _HASHED_BY_DEFAULT_SINCE,
        csv_escapes_tags=release < _V29,
        deletes_by_retention_policy=release >= _V29,
    )
