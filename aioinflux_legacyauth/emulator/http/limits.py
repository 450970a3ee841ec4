"""The bounds that keep an emulator from being worn down by its clients.

A test suite may point anything at the emulator, including a fuzzer or a port scanner, so
every resource a client can make it hold has a bound: a connection that never finishes
its request head, an idle keep-alive connection, a body that never finishes arriving,
the bytes of each body kept for the request log, and the number of requests the log keeps.
The defaults follow ``influxd`` where it has the same knob (``--http-read-header-timeout``
10s, ``--http-idle-timeout`` 3m); ``influxd``'s read timeout is off by default, the
emulator's body timeout is not.
"""

from __future__ import annotations

from typing import Any, Final

import attrs

__all__ = ["DEFAULT_LIMITS", "Limits"]


def _positive_or_none(
    instance: object, attribute: attrs.Attribute[Any], value: float | None
) -> None:
    if value is not None and value <= 0:
        msg = f"{attribute.name} must be positive (or None for no bound), got {value}"
        raise ValueError(msg)


def _positive(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 1:
        msg = f"{attribute.name} must be at least 1, got {value}"
        raise ValueError(msg)


def _not_negative(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 0:
        msg = f"{attribute.name} cannot be negative, got {value}"
        raise ValueError(msg)


@attrs.frozen(kw_only=True)
class Limits:
    """Timeouts (seconds) and sizes (bytes, records); ``None`` turns a timeout off."""

    #: A new connection must have sent a whole request head within this time.
    read_header_timeout: float | None = attrs.field(default=10.0, validator=_positive_or_none)
    #: A keep-alive connection waiting for its next request is closed after this time.
    idle_timeout: float | None = attrs.field(default=180.0, validator=_positive_or_none)
    #: A request body must have arrived whole within this time, else the connection closes.
    body_timeout: float | None = attrs.field(default=60.0, validator=_positive_or_none)
    #: Bytes of each body the request log keeps (the rest is counted, not kept).
    max_kept_body: int = attrs.field(default=64 * 1024, validator=_not_negative)
    #: Requests the log keeps; older ones are dropped (and counted).
    max_logged_requests: int = attrs.field(default=10_000, validator=_positive)
    #: The largest JSON body an ``/api/v2`` or ``/private`` route reads (aiohttp's limit).
    max_api_body: int = attrs.field(default=32 * 1024 * 1024, validator=_positive)


DEFAULT_LIMITS: Final = Limits()
