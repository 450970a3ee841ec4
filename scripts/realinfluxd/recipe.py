"""How ``influxd`` is built from its Go module, step by step.

The cache key hashes this file: change a step and the next run builds again.

The server (``github.com/influxdata/influxdb/v2``, ``./cmd/influxd``) links libflux, a
Rust library inside the Go module ``github.com/influxdata/flux`` (``libflux/``), through
cgo and ``pkg-config flux``. Like other packagers we build libflux with plain cargo and
write our own ``flux.pc`` instead of using influxdata's ``pkg-config`` wrapper.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = ["DEFAULT_VERSION", "BuildError", "build_influxd"]

DEFAULT_VERSION = "v2.7.12"
INFLUXDB_MODULE = "github.com/influxdata/influxdb/v2"
FLUX_MODULE = "github.com/influxdata/flux"
TOOLS = ("go", "cargo", "pkg-config", "cc")

# libflux's rust-toolchain.toml pins an old Rust that rustup cannot download here: use the
# installed stable toolchain. flux and flux-core build with their `strict` feature, which
# is `deny(warnings)`; rustc 1.95 warns about dead code and elided lifetimes there (the two
# things packagers patch in the source), so capping lints at "warn" is required, and it
# replaces both source fixes: with it, no source change is needed (checked with 1.95).
CARGO_ENV = {"RUSTUP_TOOLCHAIN": "stable", "RUSTFLAGS": "--cap-lints warn"}


class BuildError(Exception):
    """A build step failed; ``step`` says which."""

    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step
        self.detail = detail


class _Steps:
    """Runs commands with their output appended to one log."""

    def __init__(self, log: IO[str]) -> None:
        self._log = log

    def run(
        self,
        step: str,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> str:
        """Run ``argv``; its stdout is returned, both streams go to the log."""
        self.note(f"$ {' '.join(argv)}" + (f"   (in {cwd})" if cwd else ""))
        merged = {**os.environ, **(env or {})}
        started = time.monotonic()
        try:
            completed = subprocess.run(  # noqa: S603 - fixed tool names, arguments we built
                list(argv),
                cwd=cwd,
                env=merged,
                stdout=subprocess.PIPE,
                stderr=self._log,
                text=True,
                check=False,
            )
        except OSError as exc:
            raise BuildError(step, f"cannot run {argv[0]}: {exc}") from exc
        self._log.write(completed.stdout)
        self.note(f"# {step}: {time.monotonic() - started:.1f} s")
        if completed.returncode != 0:
            detail = f"`{' '.join(argv[:3])} ...` exited with status {completed.returncode}"
            raise BuildError(step, detail)
        return completed.stdout

    def note(self, line: str) -> None:
        """Write one line to the log."""
        self._log.write(line + "\n")
        self._log.flush()


def _writable_copy(source: Path, target: Path) -> None:
    # The Go module cache is read-only; cargo and go build write next to the sources.
    shutil.copytree(source, target, symlinks=True)
    for root, dirs, files in os.walk(target):
        for name in (*dirs, *files):
            path = Path(root, name)
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IWUSR)
    target.chmod(target.stat().st_mode | stat.S_IWUSR)


def _download(steps: _Steps, module: str, version: str, env: Mapping[str, str]) -> dict[str, Any]:
    step = f"download {module}@{version}"
    output = steps.run(step, ["go", "mod", "download", "-json", f"{module}@{version}"], env=env)
    info: dict[str, Any] = json.loads(output)
    if "Error" in info or "Dir" not in info:
        raise BuildError(step, str(info.get("Error", "no module directory")))
    return info


def _required_flux(steps: _Steps, source: Path, env: Mapping[str, str]) -> str:
    """The flux version influxdb's go.mod asks for (a replace directive wins)."""
    step = "read influxdb's go.mod"
    module = json.loads(steps.run(step, ["go", "mod", "edit", "-json"], cwd=source, env=env))
    for replace in module.get("Replace") or []:
        if replace["Old"]["Path"] == FLUX_MODULE and replace["New"].get("Version"):
            return str(replace["New"]["Version"])
    for require in module.get("Require") or []:
        if require["Path"] == FLUX_MODULE:
            return str(require["Version"])
    raise BuildError(step, f"{FLUX_MODULE} is not required")


def _flux_pc(prefix: Path, flux_version: str) -> str:
    return (
        "Name: flux\n"
        f"Version: {flux_version.removeprefix('v')}\n"
        "Description: Library for the InfluxData Flux engine\n"
        f"Cflags: -I{prefix / 'include'}\n"
        f"Libs: -L{prefix / 'lib'} -lflux -lpthread -ldl -lm\n"
    )


def build_influxd(version: str, work: Path, out: Path, log: IO[str]) -> dict[str, str]:
    """Build ``influxd`` at ``version`` into ``out/influxd``, using ``work`` for sources.

    Returns what was built (versions, commit, toolchains) for the cache's ``build.json``.
    """
    steps = _Steps(log)
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        step = "check the tools"
        raise BuildError(step, f"not on PATH: {', '.join(missing)}")
    # GOFLAGS: go.sum may lack entries a newer Go wants (-mod=mod, into our writable copy);
    # the module zip has no VCS data (-buildvcs=false). GOTOOLCHAIN: never download a Go.
    go_env = {"GOFLAGS": "-mod=mod -buildvcs=false", "GOTOOLCHAIN": "local", "CGO_ENABLED": "1"}

    info = _download(steps, INFLUXDB_MODULE, version, go_env)
    source = work / "influxdb"
    _writable_copy(Path(info["Dir"]), source)
    commit = str((info.get("Origin") or {}).get("Hash", "unknown"))[:10]

    flux_version = _required_flux(steps, source, go_env)
    flux_info = _download(steps, FLUX_MODULE, flux_version, go_env)
    # The whole module, not just libflux/: libflux/flux/build.rs reads ../../stdlib.
    flux = work / "flux"
    _writable_copy(Path(flux_info["Dir"]), flux)

    cargo_env = {**CARGO_ENV, "CARGO_TARGET_DIR": str(work / "cargo-target")}
    steps.run(
        "build libflux (cargo)",
        ["cargo", "build", "--release", "--locked", "-p", "flux"],
        cwd=flux / "libflux",
        env=cargo_env,
    )
    prefix = work / "prefix"
    (prefix / "lib" / "pkgconfig").mkdir(parents=True)
    shutil.copy2(work / "cargo-target" / "release" / "libflux.a", prefix / "lib" / "libflux.a")
    shutil.copytree(flux / "libflux" / "include", prefix / "include")
    (prefix / "lib" / "pkgconfig" / "flux.pc").write_text(_flux_pc(prefix, flux_version))

    ldflags = f"-s -w -X main.version={version} -X main.commit={commit}"
    binary = out / "influxd"
    build_env = {
        **go_env,
        "PKG_CONFIG": "pkg-config",
        "PKG_CONFIG_PATH": str(prefix / "lib" / "pkgconfig"),
        # Go's build cache keys cgo packages on these variables but not on pkg-config's
        # output, so without them a later build reuses flux's cgo package with an earlier
        # build's (deleted) -L directory and fails to link. Naming this build's prefix here
        # makes exactly the cgo packages build again.
        "CGO_CFLAGS": f"-O2 -g -I{prefix / 'include'}",
        "CGO_LDFLAGS": f"-O2 -g -L{prefix / 'lib'}",
    }
    steps.run(
        "build influxd (go build)",
        ["go", "build", "-ldflags", ldflags, "-o", str(binary), "./cmd/influxd"],
        cwd=source,
        env=build_env,
    )
    reported = steps.run("check influxd", [str(binary), "version"]).strip()
    if version not in reported:
        step = "check influxd"
        raise BuildError(step, f"`influxd version` says {reported!r}")
    return {
        "version": version,
        "commit": commit,
        "flux": flux_version,
        "influxd_version": reported,
        "go": steps.run("record toolchains", ["go", "env", "GOVERSION"]).strip(),
        "rustc": steps.run("record toolchains", ["rustc", "--version"], env=CARGO_ENV).strip(),
    }
