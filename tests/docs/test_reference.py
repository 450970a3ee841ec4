"""The API reference has an entry for every public name, and its exception tree is the code's.

A public name is one in the ``__all__`` of a public module. An entry is a mkdocstrings
``::: path`` line of a page under ``docs/reference/`` whose object is that very object
(``mkdocs build --strict`` then fails if it cannot render it). A new public name without
an entry fails here, and so does an exception the tree on the errors page does not draw.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import ModuleType

import pytest

import aioinflux_legacyauth
from aioinflux_legacyauth import LegacyAuthError

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference"
PUBLIC_MODULES = (
    "aioinflux_legacyauth",
    "aioinflux_legacyauth.bulk",
    "aioinflux_legacyauth.rotation",
    "aioinflux_legacyauth.provisioning",
    "aioinflux_legacyauth.testing",
    "aioinflux_legacyauth.emulator",
    "aioinflux_legacyauth.contrib.aws",
    "aioinflux_legacyauth.contrib.otel",
    "aioinflux_legacyauth.cli",
    "_aioinflux_legacyauth_pytestplugin",
)
_ENTRY = re.compile(r"^:::\s+(\S+)", re.MULTILINE)
_TREE_LINE = re.compile(r"^(?P<lead>(?:[│ ]   )*)(?:[├└]── )?(?P<name>[A-Z]\w+)")


def resolve(path: str) -> object:
    """The object a dotted path names, as mkdocstrings reads it: the longest importable
    module, then attributes (so ``pkg.mod`` is the submodule even where ``pkg`` re-exports
    a function of the same name)."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    msg = f"nothing importable in {path}"
    raise LookupError(msg)


def entries() -> dict[str, object]:
    """Every ``::: path`` of the reference pages, and the object it names."""
    paths = [
        match
        for page in sorted(REFERENCE.glob("*.md"))
        for match in _ENTRY.findall(page.read_text(encoding="utf-8"))
    ]
    return {path: resolve(path) for path in paths}


def public_names() -> list[tuple[ModuleType, str]]:
    found: list[tuple[ModuleType, str]] = []
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        found.extend((module, public) for public in module.__all__)
    return found


ENTRIES = entries()


@pytest.mark.parametrize(
    ("module", "name"), public_names(), ids=lambda value: getattr(value, "__name__", value)
)
def test_every_public_name_has_a_reference_entry(module: ModuleType, name: str) -> None:
    value = getattr(module, name)
    documented = [
        path
        for path, found in ENTRIES.items()
        if path.rpartition(".")[2] == name and found is value
    ]
    assert documented, f"{module.__name__}.{name} has no '::: ...' entry in docs/reference/"


def test_the_reference_documents_each_object_once() -> None:
    seen: dict[int, str] = {}
    for path, found in ENTRIES.items():
        if isinstance(found, ModuleType):
            continue
        key = id(found)
        assert key not in seen or seen[key].rpartition(".")[2] != path.rpartition(".")[2], (
            f"{path} is documented twice (also as {seen[key]})"
        )
        seen[key] = path


def drawn_tree() -> set[tuple[str, str | None]]:
    """(class, parent) of each class the errors page's tree draws."""
    page = (REFERENCE / "errors.md").read_text(encoding="utf-8")
    section = page.split("## The exception tree", 1)[1]
    tree = section.split("```text\n", 1)[1].split("```", 1)[0]
    parents: list[str] = []
    drawn: set[tuple[str, str | None]] = set()
    for line in tree.splitlines():
        match = _TREE_LINE.match(line)
        # A line that only continues the one above has no connector and is indented.
        if match is None or (match["lead"] and "──" not in line[: len(match["lead"]) + 4]):
            continue
        depth = len(match["lead"]) // 4 + (1 if "──" in line[: len(match["lead"]) + 4] else 0)
        del parents[depth:]
        drawn.add((match["name"], parents[-1] if parents else None))
        parents.append(match["name"])
    return drawn


def real_tree() -> set[tuple[str, str | None]]:
    """(class, parent) of LegacyAuthError and every exception of the package below it."""
    for name in PUBLIC_MODULES:  # so that every exception class exists
        module = importlib.import_module(name)
        for public in module.__all__:
            getattr(module, public)
    found: set[tuple[str, str | None]] = {("LegacyAuthError", None)}
    pending = [LegacyAuthError]
    while pending:
        parent = pending.pop()
        for child in parent.__subclasses__():
            if child.__module__.startswith(aioinflux_legacyauth.__name__):
                found.add((child.__name__, parent.__name__))
                pending.append(child)
    return found


def test_the_exception_tree_is_the_code_s() -> None:
    drawn, real = drawn_tree(), real_tree()
    assert drawn == real, (
        f"drawn but not in the code: {sorted(map(str, drawn - real))}; "
        f"in the code but not drawn: {sorted(map(str, real - drawn))}"
    )
