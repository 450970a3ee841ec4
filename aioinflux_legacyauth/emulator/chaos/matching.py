"""Which requests a fault rule or a request-log query is about."""

from __future__ import annotations

import fnmatch

__all__ = ["request_matches"]


def request_matches(
    method: str, path: str, *, want_method: str | None, want_path: str | None
) -> bool:
    """Whether a request matches a method (any case) and a shell-style path pattern.

    ``None`` matches everything. In the pattern ``*`` also crosses ``/``, so
    ``"*/password"`` matches every set-password request.
    """
    if want_method is not None and method.upper() != want_method.upper():
        return False
    return want_path is None or fnmatch.fnmatchcase(path, want_path)
