"""Peak memory of one call against a server that answers with far too much.

``python -m benchmarks.body_limit [--body-mb 200] [--bomb-mb 512]`` starts a hostile
server in its own process and, for each scenario and each body limit, runs one call in a
fresh client process that reports how much its peak RSS (``ru_maxrss``) grew during the
call. The limit ``none`` (``max_body_size=None``) is what every call did before there was
a limit: it is the baseline the other rows are compared with, in the same run.

Scenarios: ``delete`` (a 200 with a ``--body-mb`` body the operation ignores), ``list``
(the same body where the operation needs it) and ``bomb`` (a gzip body that inflates to
``--bomb-mb`` MB, a few hundred kB on the wire). It prints one table; no timing is taken.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import subprocess
import sys
import zlib
from contextlib import AbstractContextManager
from typing import Final

from aiohttp import web

from .server import ROOT, server_process

SCENARIOS: Final = ("delete", "list", "bomb")
LIMITS: Final = {"none": None, "default": 64 * 1024 * 1024, "1 MiB": 1024 * 1024}
_MB: Final = 1024 * 1024
_CHUNK: Final = b"x" * _MB


def _gzip_bomb(megabytes: int) -> bytes:
    """A gzip body that inflates to ``megabytes`` MB of one JSON string."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(b'{"authorizations": [], "pad": "')]
    zeros = b"0" * _MB
    parts.extend(packer.compress(zeros) for _ in range(megabytes))
    parts.append(packer.compress(b'"}'))
    parts.append(packer.flush())
    return b"".join(parts)


async def _serve(body_mb: int, bomb_mb: int) -> None:
    bomb = _gzip_bomb(bomb_mb)

    async def handle(request: web.Request) -> web.StreamResponse:
        if request.query.get("scenario") == "bomb" or request.path.endswith("/bomb"):
            return web.Response(
                body=bomb,
                headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
            )
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = body_mb * _MB + 33
        await response.prepare(request)
        try:
            await response.write(b'{"authorizations": [], "pad": "')
            for _ in range(body_mb):
                await response.write(_CHUNK)
            await response.write(b'"}')
        except (ConnectionError, RuntimeError):  # the client hung up: what a limit does
            pass
        return response

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"PORT {port}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


async def _client(url: str, scenario: str, limit: str) -> dict[str, object]:
    from aioinflux_legacyauth import (  # noqa: PLC0415 - imported before measuring starts
        LegacyAuthClient,
        LegacyAuthError,
        RetryPolicy,
    )

    async with LegacyAuthClient(
        url, "t0ken", max_body_size=LIMITS[limit], retry=RetryPolicy.disabled()
    ) as client:
        gc.collect()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        outcome = "ok"
        try:
            if scenario == "delete":
                await client.delete("0d9c3a1e5b2f4000")
            elif scenario == "list":
                await client.list()
            else:
                await client.get("bomb")
        except LegacyAuthError as error:
            outcome = type(error).__name__
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"grew_kib": after - before, "outcome": outcome}


def _server(body_mb: int, bomb_mb: int) -> AbstractContextManager[str]:
    sizes = ["--body-mb", str(body_mb), "--bomb-mb", str(bomb_mb)]
    return server_process("benchmarks.body_limit", "--serve", *sizes)


def _measure(url: str, scenario: str, limit: str) -> dict[str, object]:
    command = [sys.executable, "-m", "benchmarks.body_limit", "--client", url]
    command += ["--scenario", scenario, "--limit", limit]
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, capture_output=True, text=True, check=True
    )
    measured: dict[str, object] = json.loads(done.stdout)
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--body-mb", type=int, default=200, help="size of the long bodies")
    parser.add_argument("--bomb-mb", type=int, default=512, help="what the gzip bomb inflates to")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--scenario", choices=SCENARIOS, help=argparse.SUPPRESS)
    parser.add_argument("--limit", choices=list(LIMITS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(_serve(args.body_mb, args.bomb_mb))
        return 0
    if args.client:
        print(json.dumps(asyncio.run(_client(args.client, args.scenario, args.limit))))
        return 0
    print(f"peak RSS growth of one call; bodies {args.body_mb} MB, bomb {args.bomb_mb} MB")
    print(f"{'scenario':<8} {'limit':<8} {'grew MiB':>9} {'vs none':>8}  outcome")
    with _server(args.body_mb, args.bomb_mb) as url:
        for scenario in SCENARIOS:
            baseline = None
            for limit in LIMITS:
                result = _measure(url, scenario, limit)
                grew = int(str(result["grew_kib"])) / 1024
                baseline = grew if baseline is None else baseline
                ratio = f"{grew / baseline:.3f}" if baseline else "-"
                print(f"{scenario:<8} {limit:<8} {grew:>9.1f} {ratio:>8}  {result['outcome']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
