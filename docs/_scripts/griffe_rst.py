"""A griffe extension: the package's reST-flavoured docstrings, read as Markdown.

The docstrings are written for people reading the source and ``help()``: Sphinx roles
(``:class:`Outcome```), ``::`` before a literal block, and ``#:`` comments above
constants and fields. mkdocstrings reads Markdown, so this rewrites each docstring as it is
loaded:

- a role becomes an optional cross-reference: a link when the target is in the reference,
  plain code otherwise (a private module named in a docstring is not an error);
- ``text::`` before an indented block becomes ``text:`` (the block stays a code block);
- an attribute without a docstring takes the ``#:`` comment lines just above it.
"""

from __future__ import annotations

import html
import re
from typing import Any, Final

import griffe

#: ``:class:`~pkg.Name``` and friends; the ``~`` asks for the last component only.
_ROLE: Final = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj|const):`(~?)([^`]+)`")
#: A line ending in ``::`` (reST's "a literal block follows").
_LITERAL_INTRO: Final = re.compile(r"(?m)(\S)::$")
_BARE_LITERAL_INTRO: Final = re.compile(r"(?m)^::$\n?")


def _target(obj: griffe.Object, name: str) -> str:
    """The full path a role's ``name`` stands for, seen from ``obj``'s docstring."""
    if name.startswith("."):
        # Relative to the module the docstring is in (a package counts as its own parent).
        module = obj.module
        base = module.path if module.is_package else module.path.rpartition(".")[0]
        dots = len(name) - len(name.lstrip("."))
        for _ in range(dots - 1):
            base = base.rpartition(".")[0]
        return f"{base}.{name.lstrip('.')}"
    if name.startswith("aioinflux_legacyauth"):
        return name
    head, _, rest = name.partition(".")
    scope: griffe.Object | None = (
        obj if isinstance(obj, griffe.Class | griffe.Module) else obj.parent
    )
    while scope is not None:
        if head in scope.members:
            return f"{scope.path}.{name}"
        try:
            resolved = scope.resolve(head)
        except griffe.NameResolutionError:
            scope = scope.parent
            continue
        return f"{resolved}.{rest}" if rest else resolved
    return name


def _reference(obj: griffe.Object, match: re.Match[str]) -> str:
    short, name = match.groups()
    identifier = _target(obj, name)
    title = name.rpartition(".")[2] if short else name.lstrip(".")
    return (
        f'<autoref identifier="{html.escape(identifier)}" optional>'
        f"<code>{html.escape(title)}</code></autoref>"
    )


def as_markdown(obj: griffe.Object, text: str) -> str:
    """``text``, a docstring of ``obj``, with reST's roles and literal markers rewritten."""
    text = _ROLE.sub(lambda match: _reference(obj, match), text)
    text = _BARE_LITERAL_INTRO.sub("", text)
    return _LITERAL_INTRO.sub(r"\1:", text)


def _comment_above(attr: griffe.Attribute) -> str | None:
    """The ``#:`` lines right above ``attr``'s first line, as one text."""
    if attr.lineno is None:
        return None
    path = attr.filepath
    if isinstance(path, list) or path not in attr.lines_collection:
        return None  # a namespace package, or source griffe did not keep
    lines = attr.lines_collection[path]
    found: list[str] = []
    index = attr.lineno - 2  # lineno counts from 1; start at the line above
    while index >= 0 and lines[index].strip().startswith("#:"):
        found.append(lines[index].strip()[2:].strip())
        index -= 1
    return " ".join(reversed(found)) or None


def _objects(obj: griffe.Object) -> list[griffe.Object]:
    """``obj`` and everything defined in it (aliases are documented where they point)."""
    found = [obj]
    for member in obj.members.values():
        if not member.is_alias:
            found.extend(_objects(member))  # type: ignore[arg-type]
    return found


class RstToMarkdown(griffe.Extension):
    """Rewrites every docstring of a package once it is loaded; see the module's docstring.

    Once, not object by object: a role may name something defined further down.
    """

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for obj in _objects(pkg):
            if isinstance(obj, griffe.Attribute) and obj.docstring is None:
                comment = _comment_above(obj)
                if comment is not None:
                    obj.docstring = griffe.Docstring(comment, parent=obj, lineno=obj.lineno)
            if obj.docstring is not None:
                obj.docstring.value = as_markdown(obj, obj.docstring.value)
