"""The performance page's plots, from the JSON a benchmark run writes.

``python -m docs._scripts.plots RUN.json OUTDIR`` (the docs build runs it on the committed
``docs/data/benchmarks.json``) writes:

- ``bench-cpu.svg``: client CPU per request of bulk PATCH and bulk DELETE and of one
  ``list()``, per client: the median as a bar, every measured call as a dot;
- ``bench-ratios.svg``: the paired ratios (ours over the raw aiohttp floor, the official
  client over ours), each a median of ratios of calls made a fraction of a second apart;
- ``bench-memory-import.svg``: peak RSS of ``bulk_update`` for two job sizes, and import
  time in a fresh interpreter.

Reading the JSON (:func:`workloads`, :func:`ratios`, :func:`footprint`) needs nothing but
the standard library, so the test suite checks it on the committed run; drawing needs
matplotlib (the ``docs`` extra).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from . import figures

if TYPE_CHECKING:
    from matplotlib.axes import Axes

OURS: Final = "aioinflux-legacyauth"
FLOOR: Final = "raw aiohttp"
OFFICIAL: Final = "influxdb-client"
CONTENDERS: Final = (OURS, FLOOR, OFFICIAL)
COLOURS: Final = {OURS: figures.INDIGO, FLOOR: figures.GREY, OFFICIAL: figures.ORANGE}


@attrs.frozen
class Workload:
    """One measured workload: per client, the median and every call, in ``unit``."""

    title: str
    unit: str
    medians: Mapping[str, float]
    calls: Mapping[str, tuple[float, ...]]


@attrs.frozen
class Ratio:
    """One paired ratio of client CPU."""

    workload: str
    which: str
    value: float


@attrs.frozen
class Footprint:
    """Peak RSS by job size (ours) and import time by client."""

    peak_rss_mb: Mapping[int, float]
    import_ms: Mapping[str, float]


def load(path: Path) -> dict[str, Any]:
    """The JSON ``python -m benchmarks --json PATH`` wrote."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _workload(section: Mapping[str, Any], title: str, *, per_item: bool) -> Workload:
    items = section["items"]
    scale, unit = (1e6 / items, "µs per request") if per_item else (1.0, "s per call")
    contenders = section["contenders"]
    return Workload(
        title=title,
        unit=unit,
        medians={
            name: entry["cpu_us_per_item"] if per_item else entry["cpu_s"]
            for name, entry in contenders.items()
        },
        calls={
            name: tuple(run["cpu"] * scale for run in entry["runs"])
            for name, entry in contenders.items()
        },
    )


#: The ``list()`` workloads of runs that measure it twice: a label, and what it adds.
_LISTS: Final = {"list": ("list()", ""), "list_held": ("list(), held", ", previous result held")}


def _list_sections(summary: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any]]]:
    """(label, what the title adds, section) of each ``list()`` workload of a run: one in
    runs made before the benchmarks measured it twice, else dropped and held."""
    section = summary.get("list")
    if not section:
        return []
    if "contenders" in section:
        return [("list()", "", section)]
    return [
        (*_LISTS.get(name, (name, f", {name}")), part) for name, part in section.items() if part
    ]


def workloads(summary: Mapping[str, Any]) -> list[Workload]:
    """The CPU workloads of a run, in the README table's order."""
    config = summary["config"]
    found = []
    for op, label in (("patch", "bulk PATCH"), ("delete", "bulk DELETE")):
        if section := summary["bulk"].get(op):
            title = f"{label}, {config['concurrency']} at a time"
            found.append(_workload(section, title, per_item=True))
    for _label, adds, section in _list_sections(summary):
        title = f"list() of {config['list_size']:,}{adds}"
        found.append(_workload(section, title, per_item=False))
    return found


def ratios(summary: Mapping[str, Any]) -> list[Ratio]:
    """The CPU ratios of a run that were measured (a missing contender gives none)."""
    sections = [
        ("bulk PATCH", summary["bulk"].get("patch")),
        ("bulk DELETE", summary["bulk"].get("delete")),
        *((label, section) for label, _adds, section in _list_sections(summary)),
    ]
    return [
        Ratio(workload, which, value)
        for workload, section in sections
        if section
        for which, value in section["ratios"]["cpu"].items()
        if value is not None
    ]


def footprint(summary: Mapping[str, Any]) -> Footprint:
    """Memory and import time of a run (empty where not measured). Import times measured
    with and without bytecode are shown with it, as an installed package runs."""
    memory = summary.get("memory") or {"runs": {}}
    imports = summary.get("import_s") or {}
    if imports and all(isinstance(value, Mapping) for value in imports.values()):
        imports = imports.get("cached") or next(iter(imports.values()))
    return Footprint(
        peak_rss_mb={int(count): run["peak_rss"] / 1e6 for count, run in memory["runs"].items()},
        import_ms={name: seconds * 1000 for name, seconds in imports.items()},
    )


def _bars(axes: Axes, workload: Workload) -> None:
    names = [name for name in CONTENDERS if name in workload.medians]
    rows = range(len(names))
    axes.barh(
        rows,
        [workload.medians[name] for name in names],
        color=[COLOURS[name] for name in names],
        alpha=0.35,
        height=0.6,
    )
    for row, name in zip(rows, names, strict=True):
        calls = workload.calls[name]
        # Each call a dot, spread a little up and down so that equal values stay visible.
        spread = [row - 0.2 + 0.4 * index / max(len(calls) - 1, 1) for index in range(len(calls))]
        axes.scatter(calls, spread, s=9, color=COLOURS[name], zorder=3, linewidths=0)
        axes.text(
            workload.medians[name],
            row + 0.38,
            f" {workload.medians[name]:,.3g}",
            va="center",
            fontsize=8,
            color=figures.INK,
        )
    axes.set_yticks(list(rows), names)
    axes.invert_yaxis()
    axes.set_xlim(left=0)
    axes.set_title(workload.title, loc="left", fontsize=10)
    axes.set_xlabel(f"client CPU, {workload.unit}")
    axes.spines[["top", "right"]].set_visible(False)


def draw_cpu(summary: Mapping[str, Any], directory: Path) -> Path:
    """``bench-cpu.svg``."""
    import matplotlib.pyplot as plt  # noqa: PLC0415 - a docs-only dependency

    found = workloads(summary)
    figure, axes = plt.subplots(len(found), 1, figsize=(8, 2.1 * len(found)), squeeze=False)
    for row, workload in zip(axes[:, 0], found, strict=True):
        _bars(row, workload)
    figure.tight_layout()
    path = figures.save(figure, directory / "bench-cpu.svg")
    plt.close(figure)
    return path


_RATIO_LABELS: Final = {
    "ours/floor": "aioinflux-legacyauth / raw aiohttp (lower is better)",
    "official/ours": "influxdb-client / aioinflux-legacyauth (higher: we are faster)",
}


def draw_ratios(summary: Mapping[str, Any], directory: Path) -> Path:
    """``bench-ratios.svg``."""
    import matplotlib.pyplot as plt  # noqa: PLC0415

    found = ratios(summary)
    kinds = [kind for kind in _RATIO_LABELS if any(r.which == kind for r in found)]
    figure, axes = plt.subplots(1, len(kinds), figsize=(8, 2.6), squeeze=False)
    for panel, kind in zip(axes[0], kinds, strict=True):
        chosen = [r for r in found if r.which == kind]
        rows = range(len(chosen))
        colour = figures.INDIGO if kind == "ours/floor" else figures.ORANGE
        panel.barh(rows, [r.value for r in chosen], color=colour, alpha=0.8, height=0.55)
        for row, ratio in zip(rows, chosen, strict=True):
            panel.text(ratio.value, row, f" {ratio.value:.2f}x", va="center", fontsize=8)
        panel.axvline(1.0, color=figures.INK, linewidth=0.8, linestyle=":")
        panel.set_yticks(list(rows), [r.workload for r in chosen])
        panel.invert_yaxis()
        panel.set_xlim(0, max(r.value for r in chosen) * 1.25)
        panel.set_title(_RATIO_LABELS[kind], loc="left", fontsize=9)
        panel.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    path = figures.save(figure, directory / "bench-ratios.svg")
    plt.close(figure)
    return path


def _labelled_bars(
    axes: Axes, labels: Sequence[str], values: Sequence[float], colours: Sequence[str], shown: str
) -> None:
    """Vertical bars, each with its value above it (``shown`` formats it)."""
    axes.bar(labels, values, color=colours, alpha=0.8, width=0.5)
    for index, value in enumerate(values):
        axes.text(index, value, shown.format(value), ha="center", va="bottom", fontsize=8)


def draw_footprint(summary: Mapping[str, Any], directory: Path) -> Path:
    """``bench-memory-import.svg``."""
    import matplotlib.pyplot as plt  # noqa: PLC0415

    found = footprint(summary)
    figure, (memory, imports) = plt.subplots(1, 2, figsize=(8, 2.4))
    counts = sorted(found.peak_rss_mb)
    _labelled_bars(
        memory,
        [f"{count:,} items" for count in counts],
        [found.peak_rss_mb[count] for count in counts],
        [figures.INDIGO] * len(counts),
        "{:.1f} MB",
    )
    memory.set_title("bulk_update: peak RSS", loc="left", fontsize=10)
    memory.set_ylabel("MB")
    names = [name for name in CONTENDERS if name in found.import_ms]
    _labelled_bars(
        imports,
        names,
        [found.import_ms[name] for name in names],
        [COLOURS[name] for name in names],
        "{:.0f} ms",
    )
    imports.set_title("import in a fresh interpreter", loc="left", fontsize=10)
    imports.set_ylabel("ms")
    for axes in (memory, imports):
        axes.spines[["top", "right"]].set_visible(False)
        axes.margins(y=0.2)
    figure.tight_layout()
    path = figures.save(figure, directory / "bench-memory-import.svg")
    plt.close(figure)
    return path


def draw(run: Path, directory: Path) -> list[Path]:
    """Every plot of ``run`` into ``directory``."""
    figures.pyplot_for_svg()
    summary = load(run)
    return [
        draw_cpu(summary, directory),
        draw_ratios(summary, directory),
        draw_footprint(summary, directory),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Plot the run given into the directory given."""
    parser = argparse.ArgumentParser(prog="python -m docs._scripts.plots")
    parser.add_argument("run", type=Path, help="the JSON of python -m benchmarks --json")
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    for path in draw(args.run, args.directory):
        print(path)  # noqa: T201 - the files it wrote
    return 0


if __name__ == "__main__":
    sys.exit(main())
