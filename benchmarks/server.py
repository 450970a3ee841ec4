"""The canned-response server: the legacy routes, answered from pre-built bytes.

Run as ``python -m benchmarks.server --cpu 0 --list-size 20000``: it prints ``PORT <n>``
once it listens on 127.0.0.1 and stops when its standard input closes (so it never outlives
the runner). It does as little as possible per request, so the client is what is measured:

- ``GET {prefix}``: the pre-rendered list of ``--list-size`` authorizations; with
  ``?token=<username>``, a list of one authorization with that username;
- ``GET`` / ``PATCH {prefix}/{id}``: 200 with that authorization (the ID spliced into a
  template);
- ``DELETE {prefix}/{id}`` and ``POST {prefix}/{id}/password``: 204, no body;
- a missing or wrong ``Authorization: Token ...`` header: 401, compact JSON, as the real
  server's authentication middleware answers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from aiohttp import web

from .canned import JSON_TYPE, PREFIX, SERVER_HEADERS, AuthorizationTemplate, list_body

TOKEN: Final = "benchmark-operator-token"
_JSON_HEADERS: Final = {**SERVER_HEADERS, "Content-Type": JSON_TYPE}
_UNAUTHORIZED: Final = b'{"code":"unauthorized","message":"unauthorized access"}'
_NOT_FOUND: Final = b'{"code":"not found","message":"path not found"}'


ROOT: Final = Path(__file__).resolve().parent.parent


@contextmanager
def server_process(module: str, *args: str) -> Iterator[str]:
    """Run ``python -m module args...`` (a server that prints ``PORT <n>`` once it listens
    and stops when its stdin closes); yield its base URL; stop it on exit."""
    command = [sys.executable, "-m", module, *args]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None  # noqa: S101 - stdout=PIPE
        line = server.stdout.readline()
        if not line.startswith("PORT "):
            msg = f"the server {module} did not start (it said {line!r})"
            raise RuntimeError(msg)
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        assert server.stdin is not None  # noqa: S101 - stdin=PIPE
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.terminate()
            server.wait(timeout=10)


def make_handler(list_size: int) -> web.Server:
    """The low-level aiohttp server with the canned routes (no router, no middleware)."""
    listing = list_body(list_size)
    template = AuthorizationTemplate()
    expected = f"Token {TOKEN}"
    item_prefix = PREFIX + "/"

    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        if request.headers.get("Authorization") != expected:
            return web.Response(status=401, body=_UNAUTHORIZED, headers=_JSON_HEADERS)
        path = request.path.rstrip("/")
        method = request.method
        if path == PREFIX and method == "GET":
            username = request.query.get("token")
            if username is None:
                return web.Response(body=listing, headers=_JSON_HEADERS)
            # A lookup by username lists one authorization: a cheap warm-up of the list path.
            return web.Response(body=template.listing(username), headers=_JSON_HEADERS)
        if path.startswith(item_prefix):
            rest = path[len(item_prefix) :]
            if method in ("PATCH", "POST"):
                await request.read()
            if rest.endswith("/password") and method == "POST":
                return web.Response(status=204, headers=SERVER_HEADERS)
            if "/" not in rest:
                if method in ("GET", "PATCH"):
                    return web.Response(body=template.body(rest), headers=_JSON_HEADERS)
                if method == "DELETE":
                    return web.Response(status=204, headers=SERVER_HEADERS)
        return web.Response(status=404, body=_NOT_FOUND, headers=_JSON_HEADERS)

    return web.Server(handle, access_log=None)


def pin_to_cpu(cpu: int | None) -> bool:
    """Run this process on one core only; False if the platform does not allow it."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return False
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:
        return False
    return True


async def serve(list_size: int) -> None:
    """Listen on an ephemeral port until standard input closes."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    server = await loop.create_server(make_handler(list_size), "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)

    def wait_for_eof() -> None:
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_eof, daemon=True).start()
    async with server:
        await stop.wait()


def main() -> None:
    """Parse the arguments, pin the process, serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", type=int, default=None, help="core to pin this process to")
    parser.add_argument("--list-size", type=int, default=20_000)
    args = parser.parse_args()
    pin_to_cpu(args.cpu)
    asyncio.run(serve(args.list_size))


if __name__ == "__main__":
    main()
