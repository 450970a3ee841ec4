"""From timed runs to the numbers: medians, paired ratios, the targets, the table.

A run is one bulk call (a tenth of a repetition's items) or one list call; the clients take
turns run by run. Cells are medians over runs. Ratios are medians of run-by-run ratios:
each compares two runs made a fraction of a second apart, so this machine's speed, which
drifts by a third within seconds, cancels out.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Any, Final

import attrs

from .workloads import Library, Official, RawAiohttp, Sample

MB: Final = 1_000_000
OURS: Final = Library.name
FLOOR: Final = RawAiohttp.name
OFFICIAL: Final = Official.name

#: The issue's targets.
MAX_BULK_VS_FLOOR: Final = 1.15
MIN_BULK_VS_OFFICIAL: Final = 2.0
MAX_LIST_VS_FLOOR: Final = 2.0
MIN_LIST_VS_OFFICIAL: Final = 5.0
MAX_MEMORY_GROWTH: Final = 20 * MB


def paired_ratio(
    runs: dict[str, list[Sample]], top: str, bottom: str, metric: Callable[[Sample], float]
) -> float | None:
    """Median over repetitions of ``metric(top) / metric(bottom)``; None if one is missing."""
    if not runs.get(top) or not runs.get(bottom):
        return None
    pairs = zip(runs[top], runs[bottom], strict=True)
    return statistics.median(metric(a) / metric(b) for a, b in pairs)


def _cpu(sample: Sample) -> float:
    return sample.cpu


def _wall(sample: Sample) -> float:
    return sample.wall


def summarize_runs(runs: dict[str, list[Sample]], items: int) -> dict[str, Any]:
    """Medians per contender and the paired ratios of CPU and wall time.

    ``items`` is the number of requests (bulk) or listed items of each run: it gives the
    CPU per item and the throughput. The i-th runs of the contenders were made together.
    """
    contenders = {
        name: {
            "cpu_s": (cpu := statistics.median(s.cpu for s in samples)),
            "wall_s": (wall := statistics.median(s.wall for s in samples)),
            "cpu_us_per_item": cpu / items * 1e6,
            "items_per_s": items / wall,
            "runs": [attrs.asdict(s) for s in samples],
        }
        for name, samples in runs.items()
        if samples
    }
    ratios = {
        metric_name: {
            "ours/floor": paired_ratio(runs, OURS, FLOOR, metric),
            "official/ours": paired_ratio(runs, OFFICIAL, OURS, metric),
        }
        for metric_name, metric in (("cpu", _cpu), ("wall", _wall))
    }
    return {"items": items, "contenders": contenders, "ratios": ratios}


def check_targets(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's three targets (five numbers), each with its measured value."""
    targets: list[dict[str, Any]] = []

    def add(name: str, value: float | None, limit: float, *, at_most: bool, unit: str) -> None:
        holds = None if value is None else (value <= limit if at_most else value >= limit)
        targets.append(
            {"target": name, "value": value, "limit": limit, "at_most": at_most, "unit": unit}
            | {"holds": holds}
        )

    def ratio(section: dict[str, Any] | None, which: str) -> float | None:
        return None if not section else section["ratios"]["cpu"][which]

    patch = summary["bulk"].get("patch")
    listing = summary["list"]
    add("bulk PATCH client CPU per request, this library / raw aiohttp",
        ratio(patch, "ours/floor"), MAX_BULK_VS_FLOOR, at_most=True, unit="x")  # fmt: skip
    add("bulk PATCH client CPU per request, influxdb-client / this library",
        ratio(patch, "official/ours"), MIN_BULK_VS_OFFICIAL, at_most=False, unit="x")  # fmt: skip
    add("list() client CPU, this library (objects) / raw aiohttp (dicts)",
        ratio(listing, "ours/floor"), MAX_LIST_VS_FLOOR, at_most=True, unit="x")  # fmt: skip
    add("list() client CPU, influxdb-client / this library",
        ratio(listing, "official/ours"), MIN_LIST_VS_OFFICIAL, at_most=False, unit="x")  # fmt: skip
    memory = summary["memory"]
    growth = None if memory is None else memory["growth_bytes"] / MB
    add("bulk_update peak RSS, 100,000 IDs minus 10,000 IDs",
        growth, MAX_MEMORY_GROWTH / MB, at_most=True, unit=" MB")  # fmt: skip
    return targets


def _number(value: float) -> str:
    """About three significant digits, thousands separated."""
    magnitude = abs(value)
    decimals = 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2 if magnitude >= 1 else 3
    return f"{value:,.{decimals}f}"


def _pair(ratios: dict[str, float | None]) -> tuple[float | None, float | None]:
    return ratios["ours/floor"], ratios["official/ours"]


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def render_table(summary: dict[str, Any], official_version: str) -> str:
    """The markdown table the README shows."""
    config = summary["config"]
    lines = [
        f"| workload | measure | {OURS} | raw aiohttp (floor) | {OFFICIAL} {official_version} "
        "| ours / floor | official / ours |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]

    def row(
        workload: str,
        measure: str,
        values: dict[str, float],
        unit: str,
        ratios: tuple[float | None, float | None],
    ) -> None:
        cells = [
            "-" if name not in values else f"{_number(values[name])}{unit}"
            for name in (OURS, FLOOR, OFFICIAL)
        ]
        lines.append(
            f"| {workload} | {measure} | {' | '.join(cells)} | "
            f"{_ratio(ratios[0])} | {_ratio(ratios[1])} |"
        )

    def rows(section: dict[str, Any], workload: str, *, per_request: bool) -> None:
        contenders, ratios = section["contenders"], section["ratios"]
        if per_request:
            cpu = {name: entry["cpu_us_per_item"] for name, entry in contenders.items()}
            row(workload, "client CPU per request", cpu, " µs", _pair(ratios["cpu"]))
        else:
            cpu = {name: entry["cpu_s"] for name, entry in contenders.items()}
            row(workload, "client CPU", cpu, " s", _pair(ratios["cpu"]))
        # Bulk: the wall time of a whole repetition, from the median call.
        scale = config["bulk_calls"] if per_request else 1
        wall = {name: entry["wall_s"] * scale for name, entry in contenders.items()}
        row(workload, "wall time", wall, " s", _pair(ratios["wall"]))

    items = (
        f"{config['bulk_items']:,} items ({config['bulk_calls']} calls), "
        f"{config['concurrency']} at a time"
    )
    for op, label in (("patch", "bulk PATCH"), ("delete", "bulk DELETE")):
        if section := summary["bulk"].get(op):
            rows(section, f"{label}, {items}", per_request=True)
    if summary["list"]:
        rows(
            summary["list"], f"list() of {config['list_size']:,} (floor: dicts)", per_request=False
        )
    if memory := summary["memory"]:
        for count, values in memory["runs"].items():
            workload = f"bulk_update of {int(count):,} generated IDs ({memory['transport']})"
            row(workload, "peak RSS", {OURS: values["peak_rss"] / MB}, " MB", (None, None))
    if imports := summary["import_s"]:
        values = {name: seconds * 1000 for name, seconds in imports.items()}
        floor, ours, official = (values.get(name) for name in (FLOOR, OURS, OFFICIAL))
        pair = (
            None if ours is None or floor is None else ours / floor,
            None if ours is None or official is None else official / ours,
        )
        row("import in a fresh interpreter", "wall time", values, " ms", pair)
    return "\n".join(lines)


def render_targets(targets: Sequence[dict[str, Any]]) -> str:
    """One line per target: the measured value, the limit, whether it holds."""
    lines = []
    for target in targets:
        value, limit, unit = target["value"], target["limit"], target["unit"]
        relation = "<=" if target["at_most"] else ">="
        verdict = {True: "holds", False: "MISSED", None: "not measured"}[target["holds"]]
        shown = "-" if value is None else f"{value:.2f}{unit}"
        lines.append(
            f"- {target['target']}: {shown} (target {relation} {limit:g}{unit}): {verdict}"
        )
    return "\n".join(lines)
