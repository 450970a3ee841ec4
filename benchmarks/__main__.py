"""The runner: ``python -m benchmarks [--quick] [--json PATH]``.

The canned server runs in its own process, pinned to core 0; this process (the client) pins
itself to core 1, when the platform allows it. Every workload runs several times, the
contenders in rotating order, and the table shows medians. Client CPU is the
``getrusage`` user + system time of this process over the workload only: imports, session
creation and a warm-up round are outside it. The rotation runs against the emulator (in its
own process, on core 0, at its cheapest hash cost; see :mod:`benchmarks.rotation`). Memory
and import time are measured in fresh processes.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Final

import attrs

from . import rotation
from .canned import auth_id, list_body
from .report import check_targets, render_table, render_targets, summarize_runs
from .server import pin_to_cpu, server_process
from .workloads import Contender, Library, Official, RawAiohttp, Sample, TunedRawAiohttp, timed

ROOT: Final = Path(__file__).resolve().parent.parent
SERVER_CPU: Final = 0
CLIENT_CPU: Final = 1
WORKLOADS: Final = ("bulk", "list", "rotation", "memory", "import")


@attrs.frozen
class Config:
    """Sizes and repetitions of one run."""

    bulk_items: int = 5_000
    #: Each repetition's items go out as this many calls, interleaved with the other
    #: clients' calls: this machine's speed drifts by a third within seconds, so only runs
    #: made a fraction of a second apart compare fairly.
    bulk_calls: int = 10
    concurrency: int = 32
    bulk_reps: int = 5
    warmup_items: int = 1_000
    list_size: int = 20_000
    list_reps: int = 5
    rotation_sizes: tuple[int, ...] = rotation.SIZES
    rotation_reps: int = 3
    memory_counts: tuple[int, int] = (10_000, 100_000)
    memory_over_http: bool = True
    import_reps: int = 9
    workloads: tuple[str, ...] = WORKLOADS


FULL: Final = Config()
QUICK: Final = Config(
    bulk_reps=1,
    warmup_items=300,
    list_reps=2,
    rotation_sizes=(100, 1_000),
    rotation_reps=1,
    memory_over_http=False,
    import_reps=3,
)


# -- processes -------------------------------------------------------------------------


def canned_server(list_size: int, cpu: int | None) -> AbstractContextManager[str]:
    """Start the server process; its base URL while it runs; it stops when its stdin closes."""
    pin = ["--cpu", str(cpu)] if cpu is not None else []
    return server_process("benchmarks.server", "--list-size", str(list_size), *pin)


def run_python(*args: str, bytecode: bool = True) -> str:
    """Run this interpreter in a fresh process from the repository root; its stdout.

    ``bytecode=False`` keeps ``PYTHONDONTWRITEBYTECODE`` as the environment has it; else it
    is removed, so that bytecode is written and read as in an installed package.
    """
    env = dict(os.environ)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=False, env=env
    )
    if done.returncode != 0:
        msg = f"python {' '.join(args)} failed:\n{done.stderr}"
        raise RuntimeError(msg)
    return done.stdout


_IMPORT_TIMER: Final = """
import importlib, sys, time
steps = []
for spec in sys.argv[1:]:
    started = time.perf_counter()
    module, _, name = spec.partition(":")
    imported = importlib.import_module(module)
    if name:
        getattr(imported, name)
    steps.append(time.perf_counter() - started)
print(" ".join(map(str, steps)))
"""

#: What each contender's user imports (``module:name`` is ``from module import name``),
#: aiohttp first: the second step is what the contender costs over ``import aiohttp``.
IMPORTS: Final = {
    Library.name: ["aiohttp", "aioinflux_legacyauth:LegacyAuthClient"],
    RawAiohttp.name: ["aiohttp"],
    Official.name: [
        "aiohttp",
        "influxdb_client.client.influxdb_client_async",
        "influxdb_client.service.legacy_authorizations_service",
    ],
}


def _import_steps(name: str, pycache: str, *, cached: bool) -> list[float]:
    # Every module's bytecode lives under ``pycache`` (-X pycache_prefix): written by a
    # warm-up when cached; without bytecode the folder stays empty (-B), so every module
    # that is not frozen into the interpreter, aiohttp's too, is compiled from source.
    flags = ["-X", f"pycache_prefix={pycache}"] + ([] if cached else ["-B"])
    output = run_python(*flags, "-c", _IMPORT_TIMER, *IMPORTS[name], bytecode=cached)
    return [float(step) for step in output.split()]


def measure_imports(names: Sequence[str], reps: int) -> dict[str, dict[str, float]]:
    """Median seconds to import each contender in a fresh interpreter, with bytecode
    cached and without any, the contenders taking turns; ``ours-floor`` is the median of
    what this package took after ``import aiohttp``, in the same process."""
    timings: dict[str, dict[str, list[list[float]]]] = {
        mode: {name: [] for name in names} for mode in ("cached", "source")
    }
    with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as empty:
        for name in names:  # writes the bytecode
            _import_steps(name, cache, cached=True)
        for rep in range(reps):
            for name in [*names[rep % len(names) :], *names[: rep % len(names)]]:
                timings["cached"][name].append(_import_steps(name, cache, cached=True))
                timings["source"][name].append(_import_steps(name, empty, cached=False))
    return {
        mode: {name: statistics.median(sum(run) for run in runs) for name, runs in by_name.items()}
        | {"ours-floor": statistics.median(sum(run[1:]) for run in by_name[Library.name])}
        for mode, by_name in timings.items()
    }


def measure_memory(config: Config, url: str, cpu: int | None) -> dict[int, dict[str, int]]:
    """Peak RSS of bulk_update for each count, each in a fresh process."""
    target = ["--url", url] if config.memory_over_http else ["--in-process"]
    pin = ["--cpu", str(cpu)] if cpu is not None else []
    results = {}
    for count in config.memory_counts:
        output = run_python("-m", "benchmarks.memory", "--count", str(count), *target, *pin)
        results[count] = json.loads(output)
    return results


# -- the in-process workloads ------------------------------------------------------------


def rotated(items: Sequence[Contender], shift: int) -> list[Contender]:
    """The contenders starting from a different one each repetition."""
    shift %= len(items)
    return [*items[shift:], *items[:shift]]


async def measure_clients(
    url: str, config: Config, contenders: Sequence[Contender]
) -> dict[str, dict[str, list[Sample]]]:
    """Bulk PATCH, bulk DELETE and list, for each contender, ``reps`` times each.

    Each list repetition lists twice per contender: first with nothing else alive
    (``list``), then with that first result still held (``list_held``), as a service that
    refreshes a cache holds the previous one while it fetches the next; both are dropped
    before the next contender's turn, so no contender pays for another's objects.
    """
    samples: dict[str, dict[str, list[Sample]]] = {
        workload: {c.name: [] for c in contenders}
        for workload in ("patch", "delete", "list", "list_held")
    }
    ids = [auth_id(index) for index in range(config.bulk_items)]
    per_call = config.bulk_items // config.bulk_calls
    calls = [ids[start : start + per_call] for start in range(0, len(ids), per_call)]
    warmup = ids[: config.warmup_items]
    for contender in contenders:
        await contender.open(url)
    try:
        for contender in contenders:  # connections, lazy imports, generated code
            await contender.patch(warmup, config.concurrency)
            await contender.delete(warmup, config.concurrency)
            await contender.list_all(username="warm-up")
        # Contenders back to back on the same workload, so each repetition's ratios compare
        # runs made seconds apart (this machine's speed drifts over minutes).
        for rep in range(config.bulk_reps if "bulk" in config.workloads else 0):
            for op in ("patch", "delete"):
                for number, call in enumerate(calls):
                    for contender in rotated(contenders, rep + number):
                        sample = await timed(functools.partial(bulk, contender, op, call, config))
                        samples[op][contender.name].append(sample)
                for contender in contenders:
                    progress(f"{op} {contender.name}", samples[op][contender.name][-len(calls) :])
        for rep in range(config.list_reps if "list" in config.workloads else 0):
            for contender in rotated(contenders, rep):
                for workload in ("list", "list_held"):
                    sample = await timed(functools.partial(check_list, contender, config))
                    samples[workload][contender.name].append(sample)
                    progress(f"{workload} {contender.name}", [sample])
                contender.release()
    finally:
        for contender in contenders:
            await contender.close()
    return samples


async def bulk(contender: Contender, op: str, ids: Sequence[str], config: Config) -> None:
    """One bulk PATCH or DELETE run."""
    run = contender.patch if op == "patch" else contender.delete
    await run(ids, config.concurrency)


async def check_list(contender: Contender, config: Config) -> None:
    """List everything, holding the result until the next listing; refuse a short answer."""
    count = await contender.list_all(hold=True)
    if count != config.list_size:
        msg = f"{contender.name} listed {count} of {config.list_size} authorizations"
        raise RuntimeError(msg)


def progress(what: str, samples: Sequence[Sample]) -> None:
    """One line per repetition on stderr, so a long run shows it is alive."""
    wall, cpu = sum(s.wall for s in samples), sum(s.cpu for s in samples)
    print(f"  {what}: wall {wall:.3f} s, cpu {cpu:.3f} s", file=sys.stderr)


# -- the report ----------------------------------------------------------------------------


def package_version(name: str) -> str:
    """An installed distribution's version, or ``?``."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def environment(client_pinned: bool) -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "pinned": client_pinned,
        "aiohttp": package_version("aiohttp"),
        "aioinflux-legacyauth": package_version("aioinflux-legacyauth"),
        "influxdb-client": package_version("influxdb-client"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run everything, print the table, optionally write JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, under a minute")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    parser.add_argument(
        "--only",
        choices=WORKLOADS,
        action="append",
        help="run only this workload (repeatable); the table leaves the others out",
    )
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    if args.only:
        config = attrs.evolve(config, workloads=tuple(args.only))

    pinned = (os.cpu_count() or 1) >= 2 and pin_to_cpu(CLIENT_CPU)
    server_cpu, client_cpu = (SERVER_CPU, CLIENT_CPU) if pinned else (None, None)
    contenders: list[Contender] = [Library(), RawAiohttp(), TunedRawAiohttp()]
    if Official.available():
        contenders.append(Official(config.concurrency))
    else:
        print("influxdb-client is not installed: pip install -e '.[bench]'", file=sys.stderr)

    started = time.perf_counter()
    with canned_server(config.list_size, server_cpu) as url:
        samples = asyncio.run(measure_clients(url, config, contenders))
        memory = measure_memory(config, url, client_cpu) if "memory" in config.workloads else {}
    rotated_jobs = None
    if "rotation" in config.workloads:
        rotated_jobs = rotation.run(
            config.rotation_sizes, config.rotation_reps, server_cpu=server_cpu
        )
    imports = {}
    if "import" in config.workloads:
        names = [c.name for c in contenders if c.name in IMPORTS]
        imports = measure_imports(names, config.import_reps)

    summary = summarize(config, samples, memory, rotated_jobs, imports)
    summary["environment"] = environment(pinned)
    summary["duration_s"] = time.perf_counter() - started
    mode = "quick" if args.quick else "full"
    print(
        f"\n{mode} run: {config.bulk_reps} bulk repetitions of {config.bulk_calls} calls and "
        f"{config.list_reps} list repetitions per client, clients taking turns call by call; "
        f"{config.rotation_reps} rotation repetitions per size; "
        "cells are medians, ratios are medians of call-by-call ratios. "
        f"Python {platform.python_version()}, {os.cpu_count()} cores, "
        + ("server on core 0, client on core 1" if pinned else "processes not pinned")
        + "\n"
    )
    print(render_table(summary, package_version("influxdb-client")))
    print()
    print(render_targets(summary["targets"]))
    print(f"\n({summary['duration_s']:.0f} s)")
    if args.json is not None:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


def summarize(
    config: Config,
    samples: dict[str, dict[str, list[Sample]]],
    memory: dict[int, dict[str, int]],
    rotated_jobs: dict[str, Any] | None,
    imports: dict[str, dict[str, float]],
) -> dict[str, Any]:
    """Everything --json writes: the configuration, each workload's numbers, the targets."""
    summary: dict[str, Any] = {
        "config": attrs.asdict(config),
        "bulk": {
            op: summarize_runs(samples[op], config.bulk_items // config.bulk_calls)
            for op in ("patch", "delete")
            if any(samples[op].values())
        },
        "list": {
            workload: summarize_runs(samples[workload], config.list_size)
            for workload in ("list", "list_held")
            if any(samples[workload].values())
        },
        "list_body_bytes": len(list_body(config.list_size)),
        "rotation": rotated_jobs,
        "memory": None,
        "import_s": imports,
    }
    if memory:
        small, large = config.memory_counts
        summary["memory"] = {
            "transport": "http" if config.memory_over_http else "in-process",
            "runs": {str(count): values for count, values in memory.items()},
            "growth_bytes": memory[large]["peak_rss"] - memory[small]["peak_rss"],
        }
    summary["targets"] = check_targets(summary)
    return summary


if __name__ == "__main__":
    sys.exit(main())
