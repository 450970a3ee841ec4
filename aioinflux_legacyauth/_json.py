"""Reading JSON bodies: orjson when it is installed, the standard library otherwise.

orjson (the ``speedups`` extra) decodes a body in a third of the time ``json`` takes. It is
stricter than ``json``: it refuses lone surrogates, ``NaN`` and ``Infinity``, integers past
64 bits, a byte order mark, UTF-16 and UTF-32. Whatever it refuses is decoded again by the
standard library, which accepts or refuses it as it always does, so a body gives the same
document, or the same error, with or without orjson. One band differs: Python 3.11's
``json`` gives up on documents nested more than about 990 levels deep, orjson at 1,024.

No decoder is imported until the first body is read (importing the package stays cheap).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Final

__all__ = ["DECODERS", "decoder_name", "fast_loads", "use_decoder"]

#: The decoders that can be chosen, fastest first; ``json`` is always there.
DECODERS: Final = ("orjson", "json")


class _Choice:
    """The one process-wide choice: orjson's ``loads``, None (json only), or not made yet."""

    __slots__ = ("loads", "made")

    def __init__(self) -> None:
        self.made = False
        self.loads: Callable[[bytes], Any] | None = None


_choice: Final = _Choice()


def _find_orjson() -> Callable[[bytes], Any] | None:
    try:
        module = importlib.import_module("orjson")
    except ImportError:
        return None
    loads: Callable[[bytes], Any] = module.loads
    return loads


def fast_loads() -> Callable[[bytes], Any] | None:
    """orjson's ``loads`` if it is installed (and not turned off), else None.

    What it raises for a body it refuses is a ``ValueError`` (``orjson.JSONDecodeError``).
    """
    if not _choice.made:  # looked for once, at the first body read
        _choice.loads, _choice.made = _find_orjson(), True
    return _choice.loads


def decoder_name() -> str:
    """The decoder bodies are read with: ``orjson`` or ``json``."""
    return "json" if fast_loads() is None else "orjson"


def use_decoder(name: str) -> None:
    """Read bodies with ``name`` from now on (``json``: the standard library only).

    For tests and benchmarks that compare the two; ``orjson`` must be installed.
    """
    if name == "json":
        _choice.loads, _choice.made = None, True
        return
    if name != "orjson":
        msg = f"unknown JSON decoder {name!r}; known: {', '.join(DECODERS)}"
        raise ValueError(msg)
    found = _find_orjson()
    if found is None:
        msg = "orjson is not installed: pip install 'aioinflux-legacyauth[speedups]'"
        raise ImportError(msg)
    _choice.loads, _choice.made = found, True
