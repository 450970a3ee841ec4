"""The seams hold: nothing outside ``_client.py`` touches a private attribute of the client.

Bulk jobs, rotation and the command line reach the client through its public methods and
its :attr:`~aioinflux_legacyauth.LegacyAuthClient.executor`. This scans the source of the
package, the tests and the benchmarks for any use of the client's private names on
anything but ``self`` (``getattr`` with such a name included), and for subclasses of the
client, whose ``self`` would be one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from aioinflux_legacyauth import LegacyAuthClient

ROOT = Path(__file__).resolve().parents[2]
CLIENT_MODULE = ROOT / "aioinflux_legacyauth" / "_client.py"
SCANNED = sorted(
    path
    for folder in ("aioinflux_legacyauth", "tests", "benchmarks")
    for path in (ROOT / folder).rglob("*.py")
    if path != CLIENT_MODULE
)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")


def client_private_names() -> frozenset[str]:
    """Every private method, property and instance attribute of LegacyAuthClient."""
    names = {name for name in vars(LegacyAuthClient) if _is_private(name)}
    names.update(name for name in vars(LegacyAuthClient("http://x.test", "t")) if _is_private(name))
    return frozenset(names)


PRIVATE = client_private_names()


def private_uses(source: str) -> list[tuple[int, str]]:
    """(line, name) of each client-private name used on something other than self/cls,
    and of each subclass of the client (whose ``self`` would be the client)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            bases = [base.id if isinstance(base, ast.Name) else None for base in node.bases]
            bases += [base.attr for base in node.bases if isinstance(base, ast.Attribute)]
            if "LegacyAuthClient" in bases:
                found.append((node.lineno, f"class {node.name}(LegacyAuthClient)"))
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE:
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in {"self", "cls"}):
                found.append((node.lineno, node.attr))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "setattr", "hasattr"}
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in PRIVATE
        ):
            found.append((node.lineno, str(node.args[1].value)))
    return found


def test_the_scan_knows_the_clients_private_names() -> None:
    """The names come from the client itself, so a new private attribute is covered."""
    assert {"_execute", "_calls", "_transport", "_budget", "_retry"} <= PRIVATE
    assert private_uses("client._execute(call)\nself._execute(call)") == [(1, "_execute")]
    assert private_uses("getattr(client, '_budget')") == [(1, "_budget")]
    assert private_uses("class Debugging(LegacyAuthClient): pass") == [
        (1, "class Debugging(LegacyAuthClient)")
    ]


@pytest.mark.parametrize("path", SCANNED, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_reaches_into_the_client(path: Path) -> None:
    """Outside _client.py, no private attribute of the client is used."""
    uses = private_uses(path.read_text(encoding="utf-8"))
    assert uses == [], f"{path.relative_to(ROOT)} uses the client's private names: {uses}"


PACKAGE = ROOT / "aioinflux_legacyauth"


def runtime_imports(path: Path) -> list[str]:
    """The absolute names of the package modules ``path`` imports when it runs
    (imports under ``if TYPE_CHECKING:`` left out)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only or not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join([*base, *([node.module] if node.module else [])])
        else:
            target = node.module or ""
        names = [f"{target}.{alias.name}" for alias in node.names] if not node.module else []
        found.extend([target, *names])
    return [name for name in found if name.startswith("aioinflux_legacyauth")]


@pytest.mark.parametrize(
    "path",
    sorted([*(PACKAGE / "bulk").glob("*.py"), *(PACKAGE / "rotation").glob("*.py")]),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_bulk_and_rotation_depend_on_the_executor_not_the_client(path: Path) -> None:
    """bulk/ and rotation/ import the client for type hints at most."""
    assert "aioinflux_legacyauth._client" not in runtime_imports(path)


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "emulator").rglob("*.py")), ids=lambda path: path.name
)
def test_the_emulator_shares_only_models_and_converter(path: Path) -> None:
    """The emulator never imports the client side: only the models and the converter."""
    outside = [
        name
        for name in runtime_imports(path)
        if not name.startswith("aioinflux_legacyauth.emulator")
        and name not in {"aioinflux_legacyauth._models", "aioinflux_legacyauth._converter"}
        and not name.startswith(
            ("aioinflux_legacyauth._models.", "aioinflux_legacyauth._converter.")
        )
    ]
    assert outside == []
