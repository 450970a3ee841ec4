"""The ``aioinflux-legacyauth`` command line: ``influx v1 auth`` for scripts, plus bulk work.

It needs the ``cli`` extra (for rich). :func:`main` checks for it before importing the
rest, so a missing extra gives one clear line instead of a traceback; the library itself
never imports rich.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from typing import Final

__all__ = ["main"]

MISSING_EXTRA: Final = (
    "aioinflux-legacyauth: the command line needs the 'cli' extra: "
    "pip install 'aioinflux-legacyauth[cli]'\n"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    if importlib.util.find_spec("rich") is None:
        sys.stderr.write(MISSING_EXTRA)
        return 2
    # Imported here, not at the top: everything below imports rich.
    from ._app import run  # noqa: PLC0415

    return run(argv)
