"""The performance page's input: the committed benchmark run holds what the plots draw.

The plots themselves are drawn by the docs build (matplotlib is a docs dependency); this
checks, with the standard library only, that the committed JSON is a complete run of the
current benchmarks: every workload and contender the page talks about, one sample per
measured call, and the numbers the page's text quotes.
"""

from __future__ import annotations

from pathlib import Path

from docs._scripts import plots

RUN = Path(__file__).resolve().parents[2] / "docs" / "data" / "benchmarks.json"
PAGE = Path(__file__).resolve().parents[2] / "docs" / "performance.md"


def test_the_committed_run_has_every_workload_and_client() -> None:
    summary = plots.load(RUN)
    found = plots.workloads(summary)
    assert [workload.title.split(", ")[0] for workload in found] == [
        "bulk PATCH",
        "bulk DELETE",
        "list() of 20,000",
        "list() of 20,000",  # the second with the previous result held
    ]
    for workload in found:
        assert set(workload.medians) == {*plots.CONTENDERS, "tuned raw aiohttp"}
        for name, calls in workload.calls.items():
            assert calls, f"{workload.title}: no measured call of {name}"
            assert min(calls) <= workload.medians[name] <= max(calls)


def test_the_ratios_are_the_pairs_the_page_explains() -> None:
    ratios = plots.ratios(plots.load(RUN))
    assert {(ratio.workload, ratio.which) for ratio in ratios} == {
        (workload, which)
        for workload in ("bulk PATCH", "bulk DELETE", "list()", "list(), held")
        for which in ("ours/floor", "tuned/floor", "official/ours")
    }
    assert all(ratio.value > 0 for ratio in ratios)


def test_the_page_says_which_run_it_plots() -> None:
    summary = plots.load(RUN)
    environment = summary["environment"]
    text = PAGE.read_text(encoding="utf-8")
    assert f"Python\n{environment['python']}" in text or f"Python {environment['python']}" in text
    assert f"aiohttp {environment['aiohttp']}" in text
    assert f"{summary['duration_s']:.0f} s" in text
    footprint = plots.footprint(summary)
    assert sorted(footprint.peak_rss_mb) == [10_000, 100_000]
    assert set(footprint.import_ms) >= set(plots.CONTENDERS)


def _section(items: int) -> dict[str, object]:
    """A workload as the benchmarks summarize it, each client's calls taking 1, 2, 3 s."""
    contenders = {
        name: {
            "cpu_s": 2.0 * factor,
            "cpu_us_per_item": 2.0 * factor / items * 1e6,
            "runs": [{"cpu": float(cpu) * factor, "wall": 1.0} for cpu in (1, 2, 3)],
        }
        for name, factor in zip(plots.CONTENDERS, (1, 0.8, 3), strict=True)
    }
    ratios = {"ours/floor": 1.25, "official/ours": 3.0}
    return {"items": items, "contenders": contenders, "ratios": {"cpu": ratios, "wall": ratios}}


def test_runs_that_measure_list_twice_and_import_with_and_without_bytecode_plot_too() -> None:
    summary = {
        "config": {"concurrency": 32, "list_size": 20_000},
        "bulk": {"patch": _section(500)},
        "list": {"list": _section(20_000), "list_held": _section(20_000)},
        "memory": None,
        "import_s": {
            "cached": dict(zip(plots.CONTENDERS, (0.05, 0.03, 0.2), strict=True)),
            "source": dict(zip(plots.CONTENDERS, (0.4, 0.3, 0.9), strict=True)),
        },
    }
    titles = [workload.title for workload in plots.workloads(summary)]
    assert titles == [
        "bulk PATCH, 32 at a time",
        "list() of 20,000",
        "list() of 20,000, previous result held",
    ]
    assert {ratio.workload for ratio in plots.ratios(summary)} == {
        "bulk PATCH",
        "list()",
        "list(), held",
    }
    assert plots.footprint(summary).import_ms == {
        plots.OURS: 50.0,
        plots.FLOOR: 30.0,
        plots.OFFICIAL: 200.0,
    }
