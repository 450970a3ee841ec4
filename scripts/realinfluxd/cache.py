"""The build cache: one ``influxd`` per version and build recipe, built at most once.

Layout under ``${XDG_CACHE_HOME:-~/.cache}/aioinflux-legacyauth/influxd/``::

    <version>-<recipe hash>/influxd      the binary
    <version>-<recipe hash>/build.json   what was built, with which toolchains, how long
    <version>-<recipe hash>.lock         held while building
    logs/<version>-<recipe hash>-<time>.log

A build runs under an exclusive lock, in a staging directory next to its final place,
and is renamed into place only when complete, so concurrent first runs wait for one
build and a failed or killed build leaves nothing that looks usable.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from . import recipe

__all__ = ["Builder", "cache_root", "ensure_built", "recipe_key"]

Builder = Callable[[str, Path, Path, IO[str]], dict[str, str]]
"""``builder(version, work_dir, out_dir, log) -> metadata``; it writes ``out_dir/influxd``."""

_TAIL_LINES = 25


def cache_root() -> Path:
    """``${XDG_CACHE_HOME:-$HOME/.cache}/aioinflux-legacyauth``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aioinflux-legacyauth"


def recipe_key(version: str, recipe_file: Path | None = None) -> str:
    """``<version>-<first 12 hex of the recipe's SHA-256>``."""
    source = Path(recipe_file or recipe.__file__).read_bytes()
    return f"{version}-{hashlib.sha256(source).hexdigest()[:12]}"


def _tail(path: Path) -> str:
    lines = path.read_text(errors="replace").splitlines()
    return "\n".join(lines[-_TAIL_LINES:])


def _build(version: str, key: str, root: Path, builder: Builder, report: IO[str]) -> dict[str, str]:
    logs = root / "logs"
    logs.mkdir(exist_ok=True)
    log_path = logs / f"{key}-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.log"
    for stale in root.glob(f".{key}.*"):  # we hold the lock: these are from killed builds
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
    # Sources and cargo's target directory are big and thrown away: keep them out of the cache.
    work = Path(tempfile.mkdtemp(prefix="influxd-build-"))
    started = time.monotonic()
    report.write(f"real-influxd: building influxd {version} (once; log: {log_path})\n")
    report.flush()
    try:
        with log_path.open("w") as log:
            try:
                metadata = builder(version, work, staging, log)
            except recipe.BuildError as exc:
                log.flush()
                report.write(
                    f"real-influxd: building influxd {version} failed at step "
                    f"'{exc.step}': {exc.detail}\n"
                    f"--- last lines of {log_path} ---\n{_tail(log_path)}\n"
                    f"--- full log: {log_path}\n"
                )
                raise
        metadata = {**metadata, "build_seconds": f"{time.monotonic() - started:.1f}"}
        (staging / "build.json").write_text(json.dumps(metadata, indent=2) + "\n")
        staging.chmod(0o755)  # mkdtemp made it private; the cache is the user's to share
        staging.rename(root / key)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    report.write(f"real-influxd: built influxd {version} in {metadata['build_seconds']} s\n")
    report.flush()
    return metadata


def ensure_built(
    version: str = recipe.DEFAULT_VERSION,
    *,
    root: Path | None = None,
    builder: Builder = recipe.build_influxd,
    key: str | None = None,
    report: IO[str] = sys.stderr,
) -> Path:
    """The path of a built ``influxd`` at ``version``: from the cache, or built now.

    Raises :class:`recipe.BuildError` (after printing the failed step and the log's end)
    when the build fails.
    """
    root = (root or cache_root()) / "influxd"
    key = key or recipe_key(version)
    binary = root / key / "influxd"
    if binary.is_file():
        return binary
    root.mkdir(parents=True, exist_ok=True)
    with (root / f"{key}.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            report.write(f"real-influxd: waiting for another build of influxd {version}\n")
            report.flush()
            fcntl.flock(lock, fcntl.LOCK_EX)
        if not binary.is_file():  # the build we waited for may have failed
            _build(version, key, root, builder, report)
    return binary
