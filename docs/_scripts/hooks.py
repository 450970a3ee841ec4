"""mkdocs hooks: make the pictures before the pages are read, and keep the site offline.

- ``on_pre_build``: record the terminal pictures (:mod:`pictures`, against the embedded
  emulator), draw the protocol diagrams (:mod:`diagrams`) and plot the committed benchmark
  run (:mod:`plots`) into ``build/docs-generated/``. Once per process: ``mkdocs serve``
  does not record them again on every change.
- ``on_files``: serve those files as ``assets/generated/<name>``; the pages show them from
  there. They are never committed: each build makes them from the code it documents.
- ``on_post_build``: fail the build if a page, a stylesheet or a picture would load
  anything from another host (a web font, a CDN script): the site must work offline.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Final

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT: Final = Path(__file__).resolve().parents[2]
GENERATED: Final = ROOT / "build" / "docs-generated"
SERVED_AS: Final = "assets/generated"
BENCHMARK_RUN: Final = ROOT / "docs" / "data" / "benchmarks.json"

log = logging.getLogger("mkdocs.hooks.pictures")
_made: list[Path] = []


def _importable() -> None:
    """Let ``docs._scripts`` be imported (mkdocs loads this file by its path)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def _make_pictures() -> list[Path]:
    _importable()
    # Imported here: they import the package, matplotlib and pyte.
    from docs._scripts import diagrams, pictures, plots  # noqa: PLC0415

    made = pictures.write([*pictures.demo_pictures(), *pictures.cli_pictures()], GENERATED)
    made += [diagrams.draw(diagram, GENERATED) for diagram in diagrams.DIAGRAMS]
    made += plots.draw(BENCHMARK_RUN, GENERATED)
    return made


def on_pre_build(config: MkDocsConfig, **kwargs: Any) -> None:
    """Record, draw and plot the pictures, once per process."""
    if not _made:
        log.info("recording the terminal pictures and drawing the plots")
        _made.extend(_make_pictures())


def on_files(files: Files, config: MkDocsConfig, **kwargs: Any) -> Files:
    """Add the pictures to the site's files."""
    for path in _made:
        files.append(File.generated(config, f"{SERVED_AS}/{path.name}", abs_src_path=str(path)))
    return files


def on_post_build(config: MkDocsConfig, **kwargs: Any) -> None:
    """Refuse a site that would not work offline."""
    _importable()
    from docs._scripts.offline import external_fetches  # noqa: PLC0415

    found = external_fetches(Path(config.site_dir))
    if found:
        shown = "\n  ".join(found[:20])
        msg = f"the site would load {len(found)} things from other hosts:\n  {shown}"
        raise PluginError(msg)
