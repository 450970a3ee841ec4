"""InfluxDB IDs: a snowflake-style generator and the server's parser with its exact errors."""

from __future__ import annotations

import re
import secrets
import threading
import time
from typing import Final

from .errors import INVALID, PlatformError

__all__ = [
    "INVALID_ID",
    "INVALID_ID_LENGTH",
    "SNOWFLAKE_EPOCH_MS",
    "IDGenerator",
    "check_id",
    "parse_id",
]

#: ``pkg/snowflake``: milliseconds are counted from 2017-04-09T00:00:00Z.
SNOWFLAKE_EPOCH_MS: Final = 1491696000000
INVALID_ID: Final = "invalid ID"
INVALID_ID_LENGTH: Final = "id must have a length of 16 bytes"

_MACHINE_BITS: Final = 10
_SEQUENCE_BITS: Final = 12
_SEQUENCE_MASK: Final = (1 << _SEQUENCE_BITS) - 1
# strconv.ParseUint(s, 16, 64) takes only hex digits: no sign, no 0x, no underscores.
_HEX16: Final = re.compile(r"[0-9a-fA-F]{16}")


class IDGenerator:
    """Time-ordered 64-bit IDs: 42 bits of milliseconds, 10 of machine, 12 of sequence.

    IDs of one generator strictly increase, so sorting by ID is creation order, as on
    the real server.
    """

    def __init__(self, machine_id: int | None = None) -> None:
        if machine_id is None:
            machine_id = secrets.randbelow(1 << _MACHINE_BITS)
        if not 0 <= machine_id < 1 << _MACHINE_BITS:
            msg = f"machine_id must fit in {_MACHINE_BITS} bits"
            raise ValueError(msg)
        self._machine = machine_id
        self._last_ms = 0
        self._sequence = 0
        # The threaded fixture may seed from the test thread while the loop serves.
        self._lock = threading.Lock()

    def next_id(self) -> str:
        """A new ID as 16 lower-case hex characters."""
        with self._lock:
            now_ms = time.time_ns() // 1_000_000 - SNOWFLAKE_EPOCH_MS
            if now_ms > self._last_ms:
                self._last_ms = now_ms
                self._sequence = 0
            else:
                # Same millisecond (or a clock step back): keep counting so IDs stay unique.
                self._sequence += 1
                if self._sequence > _SEQUENCE_MASK:
                    self._last_ms += 1
                    self._sequence = 0
            value = (
                (self._last_ms << (_MACHINE_BITS + _SEQUENCE_BITS))
                | (self._machine << _SEQUENCE_BITS)
                | self._sequence
            )
        return f"{value & 0xFFFF_FFFF_FFFF_FFFF:016x}"


def check_id(text: str) -> str | None:
    """The error message ``platform.ID.Decode`` gives for ``text``, or ``None`` if valid."""
    if len(text.encode("utf-8", "surrogatepass")) != 16:
        return INVALID_ID_LENGTH
    if not _HEX16.fullmatch(text) or int(text, 16) == 0:
        return INVALID_ID
    return None


def parse_id(text: str) -> str:
    """Parse an ID from a path or query parameter; upper-case hex is accepted.

    Raises :class:`PlatformError` (``invalid``) with the server's message otherwise.
    """
    problem = check_id(text)
    if problem is not None:
        raise PlatformError(INVALID, problem)
    return text.lower()
