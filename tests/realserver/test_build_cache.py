"""The build cache of scripts/real-influxd, with a stand-in builder: built once however
many runs start together, a failure says which step and where the log is, a killed
build leaves nothing that looks usable, and a changed recipe builds again."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import IO

import pytest

from scripts.realinfluxd import cache, recipe

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"

# Runs in a child process: a builder that counts its runs and takes a while.
CONCURRENT_BUILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, {scripts!r})
from realinfluxd import cache

def build(version, work, out, log):
    with open({counter!r}, "a") as counter:
        counter.write("built\\n")
    time.sleep(1.0)
    (out / "influxd").write_text("#!/bin/sh\\necho InfluxDB " + version + "\\n")
    return {{"version": version}}

print(cache.ensure_built("v9.9.9", root=Path({root!r}), builder=build, key="v9.9.9-test"))
"""

KILLED_BUILD = """
import os, sys
from pathlib import Path
sys.path.insert(0, {scripts!r})
from realinfluxd import cache

def build(version, work, out, log):
    (out / "influxd").write_text("half written")
    os._exit(9)  # as if killed in the middle

cache.ensure_built("v9.9.9", root=Path({root!r}), builder=build, key="v9.9.9-test")
"""


def _child(code: str, temp: Path) -> subprocess.Popen[str]:
    # TMPDIR: a build's work directory goes there, and a killed build leaves it behind.
    return subprocess.Popen(  # noqa: S603 - this interpreter and our own code
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(temp)},
    )


def _leftovers(root: Path) -> list[str]:
    """Staging directories a build may leave next to the cache entries."""
    return sorted(path.name for path in (root / "influxd").glob(".*") if path.is_dir())


def test_concurrent_first_runs_build_once(tmp_path: Path) -> None:
    """Three runs at once: one builds, two wait; all get the same binary."""
    counter = tmp_path / "builds"
    code = CONCURRENT_BUILD.format(scripts=str(SCRIPTS), counter=str(counter), root=str(tmp_path))
    children = [_child(code, tmp_path) for _ in range(3)]
    outputs = [child.communicate(timeout=60) for child in children]
    assert [child.returncode for child in children] == [0, 0, 0], outputs
    paths = {stdout.strip() for stdout, _ in outputs}
    assert paths == {str(tmp_path / "influxd" / "v9.9.9-test" / "influxd")}
    assert counter.read_text() == "built\n"
    assert sum("waiting for another build" in stderr for _, stderr in outputs) == 2
    assert _leftovers(tmp_path) == []


def test_a_killed_build_leaves_nothing_usable(tmp_path: Path) -> None:
    """A build that dies half-way leaves no cache entry; the next run builds afresh."""
    killed = _child(KILLED_BUILD.format(scripts=str(SCRIPTS), root=str(tmp_path)), tmp_path)
    killed.communicate(timeout=60)
    assert killed.returncode == 9
    assert not (tmp_path / "influxd" / "v9.9.9-test").exists()
    assert len(_leftovers(tmp_path)) == 1  # its staging directory

    def build(version: str, work: Path, out: Path, log: IO[str]) -> dict[str, str]:
        (out / "influxd").write_text("complete")
        return {"version": version}

    report = io.StringIO()
    binary = cache.ensure_built(
        "v9.9.9", root=tmp_path, builder=build, key="v9.9.9-test", report=report
    )
    assert binary.read_text() == "complete"
    assert _leftovers(tmp_path) == []


def test_a_failed_build_names_the_step_and_the_log(tmp_path: Path) -> None:
    """The failure report says which step failed, shows the log's end and where it is."""

    def build(version: str, work: Path, out: Path, log: IO[str]) -> dict[str, str]:
        log.write("error[E0106]: missing lifetime specifier\n")
        step = "build libflux (cargo)"
        raise recipe.BuildError(step, "`cargo build --release ...` exited with status 101")

    report = io.StringIO()
    with pytest.raises(recipe.BuildError):
        cache.ensure_built("v9.9.9", root=tmp_path, builder=build, key="k", report=report)
    text = report.getvalue()
    assert "failed at step 'build libflux (cargo)'" in text
    assert "error[E0106]: missing lifetime specifier" in text
    logs = list((tmp_path / "influxd" / "logs").iterdir())
    assert len(logs) == 1
    assert f"full log: {logs[0]}" in text
    assert not (tmp_path / "influxd" / "k").exists()
    assert _leftovers(tmp_path) == []


def test_the_key_follows_the_version_and_the_recipe(tmp_path: Path) -> None:
    """Another version or an edited recipe is another cache entry."""
    edited = tmp_path / "recipe.py"
    edited.write_bytes(Path(recipe.__file__).read_bytes() + b"# one more step\n")
    assert cache.recipe_key("v2.7.12") == cache.recipe_key("v2.7.12")
    assert cache.recipe_key("v2.7.12") != cache.recipe_key("v2.9.1")
    assert cache.recipe_key("v2.7.12") != cache.recipe_key("v2.7.12", edited)


def test_the_cache_lives_under_xdg_cache_home(monkeypatch: pytest.MonkeyPatch) -> None:
    """${XDG_CACHE_HOME:-$HOME/.cache}/aioinflux-legacyauth."""
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    assert cache.cache_root() == Path("/somewhere/cache/aioinflux-legacyauth")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", "/home/someone")
    assert cache.cache_root() == Path("/home/someone/.cache/aioinflux-legacyauth")


def test_missing_tools_fail_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without Go, Rust or pkg-config on PATH the first step says which are missing."""
    monkeypatch.setenv("PATH", str(tmp_path))
    with (tmp_path / "log").open("w") as log, pytest.raises(recipe.BuildError) as caught:
        recipe.build_influxd("v2.7.12", tmp_path, tmp_path, log)
    assert caught.value.step == "check the tools"
    assert "go, cargo, pkg-config, cc" in caught.value.detail
    assert os.listdir(tmp_path) == ["log"]
