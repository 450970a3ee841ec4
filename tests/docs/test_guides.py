"""Every page's examples run: the Python blocks, the command lines, the test modules, and the
configuration files parse (see ``snippets.py`` for what each kind of block gets).

A page is run top to bottom against a fresh emulator with the demo's names
(``conftest.py``), as a reader who followed it would run it; a block that fails names its
page and line.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import io
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from aioinflux_legacyauth import LegacyAuthClient
from aioinflux_legacyauth.cli import main as cli_main
from tests.docs.snippets import Block, MarkerError, blocks, commands, needs_moto

if TYPE_CHECKING:
    from tests.docs.conftest import DocsServer

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(path for path in DOCS.rglob("*.md") if "_scripts" not in path.parts)
SHELLS = frozenset({"sh", "bash", "shell", "console"})
#: What a test module from a page runs with: what a project using the fixture would set.
PYTEST_INI = """\
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""


def runnable(page: Path) -> bool:
    """Whether ``page`` has a block the suite runs (not only shows or parses)."""
    return any(
        block.action != "skip"
        and (block.language == "python" or (block.language in SHELLS and any(commands(block))))
        for block in blocks(page)
    )


def _page_id(page: Path) -> str:
    return str(page.relative_to(DOCS))


def run_python(block: Block, namespace: dict[str, Any], loop: asyncio.AbstractEventLoop) -> None:
    """Run ``block`` as the asyncio REPL would: top-level ``await`` on the page's loop."""
    code = compile(block.code, block.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, namespace)  # noqa: S307 - the documentation's own examples
    if inspect.iscoroutine(result):
        loop.run_until_complete(result)


def run_commands(block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the block's ``aioinflux-legacyauth`` lines in order, each checked for its status."""
    for command in commands(block):
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        status = cli_main(list(command.argv))
        assert status == command.status, (
            f"{block.page.name}:{command.line}: aioinflux-legacyauth "
            f"{' '.join(command.argv)} exited {status}, not {command.status}"
        )


def run_test_module(block: Block, directory: Path) -> None:
    """Run ``block`` as a test module of its own, with pytest in a fresh process."""
    directory.mkdir()
    (directory / "pytest.ini").write_text(PYTEST_INI)
    module = directory / f"test_{block.page.stem.replace('-', '_')}_{block.line}.py"
    module.write_text(block.code)
    done = subprocess.run(  # noqa: S603 - this interpreter, the page's own test
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", module.name],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, f"{block.where}: pytest exited {done.returncode}:\n{done.stdout}"
    assert " passed" in done.stdout, done.stdout


def parse(block: Block) -> object:
    """A configuration block, parsed (an error names the page and line)."""
    if block.language == "yaml":
        return list(yaml.safe_load_all(block.code))
    if block.language == "toml":
        return tomllib.loads(block.code)
    return json.loads(block.code)


@pytest.mark.parametrize("page", [p for p in PAGES if runnable(p)], ids=_page_id)
def test_the_examples_of_the_page_run(
    page: Path,
    docs_server: DocsServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    if needs_moto(page):
        request.getfixturevalue("docs_moto")
    loop = asyncio.new_event_loop()
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    try:
        for block in blocks(page):
            if block.action == "skip":
                continue
            try:
                if block.action == "pytest":
                    run_test_module(block, tmp_path / f"pytest-{block.line}")
                elif block.language == "python":
                    run_python(block, namespace, loop)
                elif block.language in SHELLS:
                    run_commands(block, monkeypatch)
            except Exception as error:
                error.add_note(f"in the block at {block.where}")
                raise
    except BaseException:
        # The page failed part-way: close what it left open, so that the failure is the
        # only thing reported (a page that forgets to close a client fails on its own,
        # by the warning the unclosed session gives).
        for value in namespace.values():
            if isinstance(value, LegacyAuthClient) and not value.closed:
                loop.run_until_complete(value.close())
        raise
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_the_configuration_files_of_the_page_parse(page: Path) -> None:
    for block in blocks(page):
        if block.language in {"yaml", "toml", "json"} and block.action != "skip":
            try:
                parse(block)
            except (yaml.YAMLError, tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
                pytest.fail(f"{block.where}: the {block.language} does not parse: {error}")


def test_every_block_that_is_not_run_says_why() -> None:
    skipped = [block for page in PAGES for block in blocks(page) if block.action == "skip"]
    assert skipped, "the pages mark nothing as not run: the marker parsing is broken"
    assert all(block.reason for block in skipped)


def test_a_skip_without_its_reason_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- docs-test: skip -->\n```python\nprint(1)\n```\n")
    with pytest.raises(MarkerError, match=r"page\.md:2: a docs-test skip needs its reason"):
        blocks(page)


def test_command_lines_are_read_as_a_shell_would(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```sh\n"
        "pip install 'aioinflux-legacyauth[cli]'\n"
        "aioinflux-legacyauth provision --org my-org --username grafana \\\n"
        "    --read-bucket metrics            # --dry-run shows the plan\n"
        "aioinflux-legacyauth audit --all     # exits 1: it finds problems\n"
        "```\n"
    )
    (block,) = blocks(page)
    found = [(command.argv, command.status) for command in commands(block)]
    assert found == [
        (("provision", "--org", "my-org", "--username", "grafana", "--read-bucket", "metrics"), 0),
        (("audit", "--all"), 1),
    ]
