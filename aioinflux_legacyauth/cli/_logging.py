"""The library's log (the ``aioinflux_legacyauth`` logger) on stderr, for people.

Warnings always show (``warning: TLS certificate verification is turned off ...``);
``--verbose`` adds the debug records: each request's method, path, status and time, and
each retry. The library never logs a token or a password; every record is escaped like
any other text the command line prints.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import Final

from ._terminal import printable

__all__ = ["LIBRARY_LOGGER", "library_logging"]

LIBRARY_LOGGER: Final = "aioinflux_legacyauth"


class _Formatter(logging.Formatter):
    """``debug: GET /private/legacy/authorizations -> 200 in 3.1 ms``, controls escaped."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"{record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return "\n".join(printable(line) for line in text.split("\n"))


class _Stderr(logging.Handler):
    """Writes to the ``sys.stderr`` of the moment (tests replace it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:
            self.handleError(record)


@contextlib.contextmanager
def library_logging(*, verbose: bool) -> Iterator[None]:
    """Show the library's warnings (and, ``verbose``, its debug records) on stderr while
    the block runs; the logger is left as it was afterwards."""
    logger = logging.getLogger(LIBRARY_LOGGER)
    handler = _Stderr()
    handler.setFormatter(_Formatter())
    handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
    level = logger.level
    logger.addHandler(handler)
    if verbose:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
