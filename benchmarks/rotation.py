"""What a rotation costs the client per item, as the job grows: ``rotate()`` into a ``FileSink``.

``python -m benchmarks.rotation [--sizes 100 1000 10000] [--reps N]`` starts the emulator
in its own process at its cheapest hash cost (pinned to core 0 when this process can pin
itself to core 1), seeds as many legacy authorizations as the largest size, then rotates
the first ``size`` of them, each job with a new journal and a new JSON output file, the
sizes taking turns each repetition. It prints the client CPU (user + system time of this
process, the sink's and journal's worker threads included) per item for each size, and
the paired ratio of each size's CPU per item to the next smaller size's: a job whose
publishing cost is linear in its size keeps that ratio near 1.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from aioinflux_legacyauth import LegacyAuthClient, LegacyAuthorization, Permission
from aioinflux_legacyauth.emulator.domain.hashing import MIN_HASH_COST
from aioinflux_legacyauth.rotation import FileSink, rotate

from .server import pin_to_cpu
from .workloads import Sample, timed

SIZES: Final = (100, 1_000, 10_000)
#: The rotation's own default: each item costs the server two hashes.
CONCURRENCY: Final = 4
_SEED_CONCURRENCY: Final = 32
_TOKEN: Final = "benchmark-rotation-token"


@contextmanager
def emulator(cpu: int | None) -> Iterator[dict[str, Any]]:
    """Run the emulator in its own process; yield what it says when it is ready."""
    command = [
        sys.executable,
        "-m",
        "aioinflux_legacyauth.emulator",
        "--port",
        "0",
        "--token",
        _TOKEN,
        "--hash-cost",
        str(MIN_HASH_COST),
        "--quiet",
    ]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
    )
    try:
        if cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(server.pid, {cpu})
        assert server.stdout is not None  # noqa: S101 - stdout=PIPE
        line = server.stdout.readline()
        try:
            ready: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError:
            msg = f"the emulator did not start (it said {line!r})"
            raise RuntimeError(msg) from None
        yield ready
    finally:
        server.terminate()
        server.wait(timeout=10)


async def _seed(client: LegacyAuthClient, ready: dict[str, Any], count: int) -> list[str]:
    """Create ``count`` credentials with write access to the emulator's bucket; their IDs."""
    bucket_id = next(iter(ready["buckets"].values()))
    permission = Permission.write_bucket(bucket_id, ready["org_id"])
    limit = asyncio.Semaphore(_SEED_CONCURRENCY)

    async def one(index: int) -> str:
        async with limit:
            created = await client.create(
                org_id=ready["org_id"], username=f"rotated-{index:06d}", permissions=[permission]
            )
        return created.id

    return list(await asyncio.gather(*(one(index) for index in range(count))))


async def _rotate(client: LegacyAuthClient, targets: Sequence[LegacyAuthorization]) -> None:
    with tempfile.TemporaryDirectory(prefix="rotation-bench-") as folder:
        report = await rotate(
            client,
            targets,
            journal=Path(folder, "journal.jsonl"),
            sink=FileSink(Path(folder, "credentials.json")),
            concurrency=CONCURRENCY,
        )
        report.raise_for_failures()
        if len(report.results) != len(targets):
            msg = f"rotated {len(report.results)} of {len(targets)}"
            raise RuntimeError(msg)


async def measure(
    ready: dict[str, Any], sizes: Sequence[int], reps: int
) -> dict[int, list[Sample]]:
    """``reps`` timed rotations of each size, the sizes taking turns."""
    samples: dict[int, list[Sample]] = {size: [] for size in sizes}
    async with LegacyAuthClient(ready["url"], token=ready["token"]) as client:
        await _seed(client, ready, max(sizes))
        listed = sorted(await client.list(), key=lambda auth: auth.username)
        targets = [auth for auth in listed if auth.username.startswith("rotated-")]
        await _rotate(client, targets[: min(sizes)])  # warm-up: imports, connections
        for rep in range(reps):
            order = list(sizes[rep % len(sizes) :]) + list(sizes[: rep % len(sizes)])
            for size in order:
                sample = await timed(functools.partial(_rotate, client, targets[:size]))
                samples[size].append(sample)
                print(
                    f"  rotate {size}: wall {sample.wall:.2f} s, "
                    f"cpu {sample.cpu / size * 1e6:.0f} us/item",
                    file=sys.stderr,
                )
    return samples


def summarize(samples: dict[int, list[Sample]]) -> dict[str, Any]:
    """CPU per item by size, and each size's paired ratio to the next smaller one."""
    sizes = sorted(samples)
    per_item = {
        size: [sample.cpu / size for sample in samples[size]] for size in sizes if samples[size]
    }
    growth = {
        f"{large} vs {small}": statistics.median(
            b / a for a, b in zip(per_item[small], per_item[large], strict=True)
        )
        for small, large in itertools.pairwise(sizes)
    }
    return {
        "concurrency": CONCURRENCY,
        "hash_cost": MIN_HASH_COST,
        "cpu_us_per_item": {
            str(size): statistics.median(values) * 1e6 for size, values in per_item.items()
        },
        "wall_s": {
            str(size): statistics.median(s.wall for s in samples[size]) for size in per_item
        },
        "growth": growth,
        "runs": {
            str(size): [{"wall": s.wall, "cpu": s.cpu} for s in samples[size]] for size in sizes
        },
    }


def run(sizes: Sequence[int], reps: int, *, server_cpu: int | None) -> dict[str, Any]:
    """Start the emulator, measure, summarize."""
    with emulator(server_cpu) as ready:
        return summarize(asyncio.run(measure(ready, sizes, reps)))


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print CPU per item by size."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rotation", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    pinned = (os.cpu_count() or 1) >= 2 and pin_to_cpu(1)
    summary = run(args.sizes, args.reps, server_cpu=0 if pinned else None)
    for size, cpu in summary["cpu_us_per_item"].items():
        print(f"{int(size):>7,} items: {cpu:8.0f} us of client CPU per item")
    for label, ratio in summary["growth"].items():
        print(f"CPU per item, {label} items: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
