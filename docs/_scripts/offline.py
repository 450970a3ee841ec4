"""Whether a built site works offline: nothing in it that a browser fetches from elsewhere.

Links a reader follows are fine; what a browser loads to show a page is not: a script, a
stylesheet, a web font, a picture, a frame from another host (or a protocol-relative
``//host`` URL). Pages, stylesheets and SVG pictures are read (the theme's JavaScript
bundles name URLs they never load, so they are not).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

_ELSEWHERE: Final = r"[\"']?(?:https?:)?//"
#: What makes a browser fetch something when it shows a page.
FETCHES: Final = (
    re.compile(rf"<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc={_ELSEWHERE}", re.I),
    re.compile(
        rf"<link\b(?=[^>]*\brel=[\"']?(?:stylesheet|preload|icon|modulepreload))[^>]*"
        rf"\bhref={_ELSEWHERE}",
        re.I,
    ),
    re.compile(rf"url\(\s*{_ELSEWHERE}", re.I),
    re.compile(rf"@import\s+{_ELSEWHERE}", re.I),
    re.compile(rf"<image\b[^>]*\bhref={_ELSEWHERE}", re.I),
)
CHECKED_SUFFIXES: Final = frozenset({".html", ".css", ".svg"})


def fetches(text: str) -> list[str]:
    """An excerpt of each reference in ``text`` that a browser would fetch from elsewhere."""
    found: list[str] = []
    for pattern in FETCHES:
        for match in pattern.finditer(text):
            found.append(text[match.start() : match.end() + 60].replace("\n", " "))
    return found


def external_fetches(site: Path) -> list[str]:
    """``file: excerpt`` for each such reference in the built ``site``."""
    return [
        f"{path.relative_to(site)}: {excerpt}"
        for path in sorted(site.rglob("*"))
        if path.suffix in CHECKED_SUFFIXES and path.is_file()
        for excerpt in fetches(path.read_text(encoding="utf-8", errors="replace"))
    ]
