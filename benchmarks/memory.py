"""Peak RSS of one ``bulk_update`` over IDs from a generator, in a fresh process.

``python -m benchmarks.memory --count 100000 --url http://127.0.0.1:<port>`` updates that
many IDs through the canned server; ``--in-process`` answers from the same canned bytes
without sockets (what ``--quick`` uses, to stay under a minute). It prints one JSON line:
the peak RSS before the call (imports, an open client) and after it (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import sys
from collections.abc import Iterator
from typing import Any, Final

from aioinflux_legacyauth import LegacyAuthClient, RawResponse, Request

from .canned import JSON_TYPE, SERVER_HEADERS, AuthorizationTemplate, auth_id
from .server import TOKEN, pin_to_cpu

CONCURRENCY: Final = 32
_HEADERS: Final = {**SERVER_HEADERS, "Content-Type": JSON_TYPE}


class CannedTransport:
    """Answers each PATCH with the canned body of its ID, without sockets."""

    def __init__(self) -> None:
        self._template = AuthorizationTemplate()

    async def send(self, request: Request, *, timeout: Any) -> RawResponse:
        """The 200 answer to ``PATCH {prefix}/{id}``."""
        identifier = request.path.rsplit("/", 1)[1]
        return RawResponse(200, _HEADERS, self._template.body(identifier), "OK")


def generated_ids(count: int) -> Iterator[str]:
    """``count`` IDs made one at a time, as a job reading them from a file would."""
    return (auth_id(index) for index in range(count))


def peak_rss_bytes() -> int:
    """This process's peak resident set size so far, in bytes.

    Linux's ``VmHWM`` belongs to this process's own address space. ``ru_maxrss`` would do
    elsewhere, but on Linux a child started by fork and exec inherits its parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


async def measure(count: int, url: str | None) -> dict[str, int]:
    """Run one bulk_update and report the peak RSS before and after it."""
    if url is None:
        client = LegacyAuthClient("http://canned.invalid", token=TOKEN, transport=CannedTransport())
    else:
        client = LegacyAuthClient(url, token=TOKEN)
    async with client:
        gc.collect()
        before = peak_rss_bytes()
        report = await client.bulk_update(
            generated_ids(count), status="inactive", concurrency=CONCURRENCY
        )
        after = peak_rss_bytes()
    report.raise_for_failures()
    if len(report.results) != count:
        msg = f"expected {count} results, got {len(report.results)}"
        raise RuntimeError(msg)
    return {"count": count, "peak_rss_before": before, "peak_rss": after}


def main() -> None:
    """Parse the arguments, measure, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, required=True)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="the canned server's base URL")
    target.add_argument("--in-process", action="store_true", help="answer without sockets")
    parser.add_argument("--cpu", type=int, default=None, help="core to pin this process to")
    args = parser.parse_args()
    pin_to_cpu(args.cpu)
    print(json.dumps(asyncio.run(measure(args.count, args.url))))


if __name__ == "__main__":
    main()
