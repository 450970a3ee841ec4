"""What tracing costs: ``bulk_update`` with tracing off, and with OpenTelemetry on.

``python -m benchmarks.tracing [--items N] [--reps R]`` runs the same bulk update over the
canned in-process transport (no sockets, so the client's own CPU is all that is measured)
in each mode, the modes taking turns each repetition; it prints the median microseconds
per item and the ratio to tracing off, measured in the same run:

- ``off``: the default; the only cost left is the funnel's lookup of the hook, timed on
  its own in the last line;
- ``otel api``: ``instrument()`` with OpenTelemetry's no-op tracer provider (the API
  installed, no SDK configured);
- ``otel sampled out``: the SDK with a sampler that records nothing;
- ``otel recording``: the SDK recording every span into its in-memory exporter.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import timeit
from collections.abc import Callable, Sequence
from typing import Final

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import NoOpTracerProvider

from aioinflux_legacyauth import LegacyAuthClient
from aioinflux_legacyauth._tracing import current_instrumentation
from aioinflux_legacyauth.contrib import otel

from .canned import auth_id
from .memory import CannedTransport
from .server import TOKEN

CONCURRENCY: Final = 16


def _installing(provider: TracerProvider | NoOpTracerProvider) -> Callable[[], None]:
    def install() -> None:
        otel.instrument(tracer_provider=provider)

    return install


def _recording() -> Callable[[], None]:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    install = _installing(provider)

    def clear_and_install() -> None:
        memory.clear()
        install()

    return clear_and_install


#: Each mode: a function that makes the function that switches to it.
MODES: Final[dict[str, Callable[[], Callable[[], None]]]] = {
    "off": lambda: otel.uninstrument,
    "otel api": lambda: _installing(NoOpTracerProvider()),
    "otel sampled out": lambda: _installing(TracerProvider(sampler=ALWAYS_OFF)),
    "otel recording": _recording,
}


async def _bulk(client: LegacyAuthClient, ids: Sequence[str]) -> float:
    started = asyncio.get_running_loop().time()
    report = await client.bulk_update(ids, status="inactive", concurrency=CONCURRENCY)
    elapsed = asyncio.get_running_loop().time() - started
    report.raise_for_failures()
    return elapsed


async def measure(items: int, reps: int) -> dict[str, float]:
    """Median seconds per item of each mode."""
    ids = [auth_id(index) for index in range(items)]
    installs = {name: make() for name, make in MODES.items()}
    samples: dict[str, list[float]] = {name: [] for name in MODES}
    names = list(MODES)
    async with LegacyAuthClient("http://bench.test", TOKEN, transport=CannedTransport()) as client:
        for name in names:  # warm-up: imports, caches
            installs[name]()
            await _bulk(client, ids[: items // 10 or 1])
        for rep in range(reps):
            for name in names[rep % len(names) :] + names[: rep % len(names)]:
                installs[name]()
                samples[name].append(await _bulk(client, ids) / items)
    otel.uninstrument()
    return {name: statistics.median(values) for name, values in samples.items()}


def hook_lookup_ns() -> float:
    """Nanoseconds the funnel spends, per request, finding that no hook is installed."""
    otel.uninstrument()
    number = 1_000_000
    best = min(timeit.repeat(lambda: current_instrumentation() is None, number=number, repeat=5))
    empty = min(timeit.repeat(lambda: None, number=number, repeat=5))
    return (best - empty) / number * 1e9


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tracing", description=__doc__)
    parser.add_argument("--items", type=int, default=5_000)
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args(argv)
    results = asyncio.run(measure(args.items, args.reps))
    base = results["off"]
    print(f"bulk_update of {args.items} items, concurrency {CONCURRENCY}, in-process transport,")
    print(f"median of {args.reps} repetitions, modes taking turns")
    print(f"{'mode':<18} {'us/item':>8} {'vs off':>7}")
    for name, seconds in results.items():
        print(f"{name:<18} {seconds * 1e6:>8.2f} {seconds / base:>6.2f}x")
    lookup = hook_lookup_ns()
    print(
        f"off: the hook lookup costs {lookup:.0f} ns per request "
        f"({lookup / (base * 1e9) * 100:.2f} % of an item)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
