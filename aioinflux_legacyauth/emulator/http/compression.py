"""The gzip wrapper around ``/query``, ``/write`` and ``/ping`` (``NYTimes/gziphandler``).

Every response past v1 authentication says ``Vary: Accept-Encoding``; a body of 1400
bytes or more is gzipped when the request accepts gzip (a ``q`` of 0 refuses it).
"""

from __future__ import annotations

import gzip
from typing import Final

from aiohttp import web

__all__ = ["MIN_GZIP_SIZE", "accepts_gzip", "compress"]

#: gziphandler.DefaultMinSize.
MIN_GZIP_SIZE: Final = 1400


def accepts_gzip(header: str) -> bool:
    """Whether ``Accept-Encoding`` names ``gzip`` with a non-zero quality."""
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() != "gzip":
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        return quality > 0
    return False


def compress(request: web.Request, response: web.Response) -> web.Response:
    """``response`` as the wrapper sends it."""
    response.headers["Vary"] = "Accept-Encoding"
    body = response.body
    if (
        isinstance(body, bytes)
        and len(body) >= MIN_GZIP_SIZE
        and accepts_gzip(request.headers.get("Accept-Encoding", ""))
    ):
        response.body = gzip.compress(body)
        response.headers["Content-Encoding"] = "gzip"
    return response
