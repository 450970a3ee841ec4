"""The emulator's layers import only downwards, and nothing of the client.

domain <- wire <- influxql <- http, with chaos beside http (it needs domain and wire); the
package shares only ``aioinflux_legacyauth._models`` and ``._converter`` with the library.
A pure AST scan of the source, so a wrong import fails here before it tangles anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import aioinflux_legacyauth.emulator as emulator_package

pytestmark = pytest.mark.emulator_only(reason="the emulator's import layering")

ROOT = Path(emulator_package.__file__).parent
ALLOWED = {
    "domain": set(),
    "wire": {"domain"},
    "influxql": {"domain", "wire"},
    "chaos": {"domain", "wire"},
    "http": {"domain", "wire", "influxql", "chaos"},
}
SHARED = {"aioinflux_legacyauth._models", "aioinflux_legacyauth._converter"}


def _imports(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative ones resolved)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    # The package a relative import starts from (an __init__'s is its own package).
    package = ".".join(("aioinflux_legacyauth", "emulator", *parts[:-1]))
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it(layer: str) -> None:
    """domain imports no aiohttp and no other layer; each layer only those it may."""
    for path in sorted((ROOT / layer).glob("*.py")):
        for name in _imports(path):
            if name.startswith("aioinflux_legacyauth.emulator."):
                used = name.split(".")[2]
                if used in ALLOWED:
                    assert used == layer or used in ALLOWED[layer], (path.name, name)
            if layer == "domain":
                assert not name.startswith("aiohttp"), (path.name, name)


def test_the_emulator_never_imports_the_client() -> None:
    """Of the library, only the models and the converter are shared."""
    for path in sorted(ROOT.rglob("*.py")):
        for name in _imports(path):
            if name.startswith("aioinflux_legacyauth") and not name.startswith(
                "aioinflux_legacyauth.emulator"
            ):
                assert name in SHARED, (path.name, name)
