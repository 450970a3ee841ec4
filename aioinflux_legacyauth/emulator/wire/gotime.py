"""Go's text for durations (``time.Duration.String``), as ``/ready`` and EXPLAIN print them."""

from __future__ import annotations

from typing import Final

__all__ = ["go_duration"]

_DURATION_UNITS: Final = ((3_600_000_000_000, "h"), (60_000_000_000, "m"))


def go_duration(nanoseconds: int) -> str:
    """Go's ``time.Duration.String``: ``1h2m3.5s``, ``1.5s``, ``2.5ms``, ``7µs``, ``0s``."""
    if nanoseconds == 0:
        return "0s"
    sign, value = ("-", -nanoseconds) if nanoseconds < 0 else ("", nanoseconds)
    if value < 1_000_000_000:
        for size, unit in ((1_000_000, "ms"), (1_000, "µs"), (1, "ns")):
            if value >= size:
                return sign + _fraction(value, size) + unit
    text = ""
    for size, unit in _DURATION_UNITS:
        if value >= size:
            text += f"{value // size}{unit}"
            value %= size
        elif text:
            text += f"0{unit}"
    return sign + text + _fraction(value, 1_000_000_000) + "s"


def _fraction(value: int, size: int) -> str:
    whole, rest = divmod(value, size)
    digits = len(str(size)) - 1
    decimals = f"{rest:0{digits}d}".rstrip("0") if digits else ""
    return f"{whole}.{decimals}" if decimals else str(whole)
