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

from .workloads import Library, Official, RawAiohttp, Sample, TunedRawAiohttp

MB: Final = 1_000_000
OURS: Final = Library.name
FLOOR: Final = RawAiohttp.name
TUNED: Final = TunedRawAiohttp.name
OFFICIAL: Final = Official.name

#: The issue's targets (issue 15), against the naive floor measured in the same run.
MAX_PATCH_VS_FLOOR: Final = 0.95
MAX_DELETE_VS_FLOOR: Final = 1.05
MAX_LIST_VS_FLOOR: Final = 1.35
MAX_ROTATION_GROWTH: Final = 1.3
MAX_IMPORT_OVER_AIOHTTP_MS: Final = 20.0
MAX_MEMORY_GROWTH: Final = 20 * MB
#: How far ahead of the official client this library stays.
MIN_PATCH_VS_OFFICIAL: Final = 2.2
MIN_LIST_HELD_VS_OFFICIAL: Final = 6.0


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


#: The ratio columns: (name, numerator, denominator).
RATIOS: Final = (
    ("ours/floor", OURS, FLOOR),
    ("tuned/floor", TUNED, FLOOR),
    ("official/ours", OFFICIAL, OURS),
)


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
            label: paired_ratio(runs, top, bottom, metric) for label, top, bottom in RATIOS
        }
        for metric_name, metric in (("cpu", _cpu), ("wall", _wall))
    }
    return {"items": items, "contenders": contenders, "ratios": ratios}


def check_targets(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each of the issue's targets with its measured value (None: not measured)."""
    targets: list[dict[str, Any]] = []

    def add(name: str, value: float | None, limit: float, *, at_most: bool, unit: str) -> None:
        holds = None if value is None else (value <= limit if at_most else value >= limit)
        targets.append(
            {"target": name, "value": value, "limit": limit, "at_most": at_most, "unit": unit}
            | {"holds": holds}
        )

    def ratio(section: dict[str, Any] | None, which: str) -> float | None:
        return None if not section else section["ratios"]["cpu"][which]

    bulk, listing = summary["bulk"], summary["list"]
    patch, delete = bulk.get("patch"), bulk.get("delete")
    dropped, held = listing.get("list"), listing.get("list_held")
    add("bulk PATCH, client CPU per request, ours / naive floor",
        ratio(patch, "ours/floor"), MAX_PATCH_VS_FLOOR, at_most=True, unit="x")  # fmt: skip
    add("bulk DELETE, client CPU per request, ours / naive floor",
        ratio(delete, "ours/floor"), MAX_DELETE_VS_FLOOR, at_most=True, unit="x")  # fmt: skip
    add("list() into models, previous result dropped, client CPU, ours / floor (dicts)",
        ratio(dropped, "ours/floor"), MAX_LIST_VS_FLOOR, at_most=True, unit="x")  # fmt: skip
    add("list() into models, previous result held, client CPU, ours / floor (dicts)",
        ratio(held, "ours/floor"), MAX_LIST_VS_FLOOR, at_most=True, unit="x")  # fmt: skip
    rotated = summary.get("rotation")
    for label, growth in (rotated or {}).get("growth", {}).items():
        add(f"rotate() into a FileSink, client CPU per item, {label} items",
            growth, MAX_ROTATION_GROWTH, at_most=True, unit="x")  # fmt: skip
    cached = summary["import_s"].get("cached")
    over = None if not cached else cached["ours-floor"] * 1000
    add("import in a fresh interpreter (bytecode cached), ours minus import aiohttp",
        over, MAX_IMPORT_OVER_AIOHTTP_MS, at_most=True, unit=" ms")  # fmt: skip
    memory = summary["memory"]
    growth_mb = None if memory is None else memory["growth_bytes"] / MB
    add("bulk_update peak RSS, 100,000 IDs minus 10,000 IDs",
        growth_mb, MAX_MEMORY_GROWTH / MB, at_most=True, unit=" MB")  # fmt: skip
    add("bulk PATCH, client CPU per request, influxdb-client / ours",
        ratio(patch, "official/ours"), MIN_PATCH_VS_OFFICIAL, at_most=False, unit="x")  # fmt: skip
    add("list(), previous result held, client CPU, influxdb-client / ours",
        ratio(held, "official/ours"), MIN_LIST_HELD_VS_OFFICIAL,
        at_most=False, unit="x")  # fmt: skip
    return targets


def _number(value: float) -> str:
    """About three significant digits, thousands separated."""
    magnitude = abs(value)
    decimals = 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2 if magnitude >= 1 else 3
    return f"{value:,.{decimals}f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


_COLUMNS: Final = (OURS, FLOOR, TUNED, OFFICIAL)


def render_table(summary: dict[str, Any], official_version: str) -> str:
    """The markdown table of every workload the README shows."""
    config = summary["config"]
    lines = [
        f"| workload | measure | {OURS} | naive raw aiohttp (floor) | {TUNED} "
        f"| {OFFICIAL} {official_version} | ours / floor | tuned / floor | official / ours |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]

    def row(
        workload: str,
        measure: str,
        values: dict[str, float],
        unit: str,
        ratios: dict[str, float | None] | None = None,
    ) -> None:
        cells = [
            "-" if name not in values else f"{_number(values[name])}{unit}" for name in _COLUMNS
        ]
        shown = [_ratio((ratios or {}).get(label)) for label, _, _ in RATIOS]
        lines.append(f"| {workload} | {measure} | {' | '.join(cells)} | {' | '.join(shown)} |")

    def rows(section: dict[str, Any], workload: str, *, per_request: bool) -> None:
        contenders, ratios = section["contenders"], section["ratios"]
        if per_request:
            cpu = {name: entry["cpu_us_per_item"] for name, entry in contenders.items()}
            row(workload, "client CPU per request", cpu, " µs", ratios["cpu"])
        else:
            cpu = {name: entry["cpu_s"] for name, entry in contenders.items()}
            row(workload, "client CPU", cpu, " s", ratios["cpu"])
        # Bulk: the wall time of a whole repetition, from the median call.
        scale = config["bulk_calls"] if per_request else 1
        wall = {name: entry["wall_s"] * scale for name, entry in contenders.items()}
        row(workload, "wall time", wall, " s", ratios["wall"])

    items = (
        f"{config['bulk_items']:,} items ({config['bulk_calls']} calls), "
        f"{config['concurrency']} at a time"
    )
    for op, label in (("patch", "bulk PATCH"), ("delete", "bulk DELETE")):
        if section := summary["bulk"].get(op):
            rows(section, f"{label}, {items}", per_request=True)
    body = f"{summary['list_body_bytes'] / MB:.1f} MB body"
    for workload, previous in (("list", "dropped"), ("list_held", "held")):
        if section := summary["list"].get(workload):
            label = f"list() of {config['list_size']:,} ({body}), previous result {previous}"
            rows(section, label, per_request=False)
    if rotated := summary.get("rotation"):
        for size, cpu in rotated["cpu_us_per_item"].items():
            workload = f"rotate() into a FileSink, {int(size):,} items"
            row(workload, "client CPU per item", {OURS: cpu}, " µs")
            row(workload, "wall time", {OURS: rotated["wall_s"][size]}, " s")
    if memory := summary["memory"]:
        for count, values in memory["runs"].items():
            workload = f"bulk_update of {int(count):,} generated IDs ({memory['transport']})"
            row(workload, "peak RSS", {OURS: values["peak_rss"] / MB}, " MB")
    for mode, label in (("cached", "bytecode cached"), ("source", "no bytecode")):
        if imports := summary["import_s"].get(mode):
            values = {name: imports[name] * 1000 for name in _COLUMNS if name in imports}
            floor, ours, official = (values.get(name) for name in (FLOOR, OURS, OFFICIAL))
            ratios = {
                "ours/floor": None if ours is None or floor is None else ours / floor,
                "official/ours": None if ours is None or official is None else official / ours,
            }
            row(f"import in a fresh interpreter, {label}", "wall time", values, " ms", ratios)
    return "\n".join(lines)


def render_targets(targets: Sequence[dict[str, Any]]) -> str:
    """The targets as a markdown table: the measured value, the limit, whether it holds."""
    lines = ["| target | measured | limit | |", "|---|--:|--:|---|"]
    for target in targets:
        value, limit, unit = target["value"], target["limit"], target["unit"]
        relation = "<=" if target["at_most"] else ">="
        verdict = {True: "holds", False: "MISSED", None: "not measured"}[target["holds"]]
        shown = "-" if value is None else f"{value:.2f}{unit}"
        lines.append(f"| {target['target']} | {shown} | {relation} {limit:g}{unit} | {verdict} |")
    return "\n".join(lines)
