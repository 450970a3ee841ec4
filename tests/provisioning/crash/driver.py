"""Crash-test driver: runs ``rescope()`` once, and can SIGKILL itself at a chosen step.

Run as ``python driver.py --items FILE --passwords FILE --journal PATH [--kill KIND --at N]``
with the server in ``INFLUX_HOST`` and the operator token in ``INFLUX_TOKEN``. Without
``--kill`` it runs (or resumes) the job to the end and prints a one-line JSON summary.

``--kill KIND --at N`` kills the process with SIGKILL (no clean-up of any kind) at the N-th
event of KIND, each a step of the protocol:

``before-mapping`` / ``mid-mapping``
    a DBRP mapping create is about to be sent / was applied, its answer not yet seen;
``before-delete`` / ``mid-delete``
    the old credential's DELETE, likewise;
``before-create`` / ``mid-create``
    the new credential's create, likewise;
``before-password`` / ``mid-password``
    the new credential's set-password, likewise;
``mid-verify``
    the first empty ``/write`` of the N-th verification (each starts with a ``/ping``) is
    about to be sent: logged in, nothing journaled done;
``before-done``
    the journal is about to write a batch holding a ``done`` record;
``torn-header``
    the journal's first line is half written and fsync'd, then the process dies;
``mid-scrub``
    the scrub is about to replace the journal with its password-free copy.

Instrumentation lives only here; the library is unchanged. Nothing here prints a password.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from aioinflux_legacyauth import AiohttpTransport, LegacyAuthClient, RetryPolicy, Timeout
from aioinflux_legacyauth._transports import base_url
from aioinflux_legacyauth.provisioning import Database, RescopeItem, rescope
from aioinflux_legacyauth.provisioning import journal as journal_module

PREFIX = "/private/legacy/authorizations"
KINDS = (
    "before-mapping",
    "mid-mapping",
    "before-delete",
    "mid-delete",
    "before-create",
    "mid-create",
    "before-password",
    "mid-password",
    "mid-verify",
    "before-done",
    "torn-header",
    "mid-scrub",
)


def die() -> None:
    """SIGKILL this process: no finally blocks, no flushing, no atexit."""
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)  # pragma: no cover - never reached


class Trigger:
    """Counts the events of the chosen kind; dies at the chosen one."""

    def __init__(self, kind: str | None, at: int) -> None:
        self.kind = kind
        self.at = at
        self.counts: collections.Counter[str] = collections.Counter()

    def hit(self, kind: str, events: int = 1) -> None:
        if kind != self.kind or events < 1:
            return
        self.counts[kind] += events
        if self.counts[kind] >= self.at:
            die()


def step_of(request: Any) -> str | None:
    """Which protocol step a request is, if any."""
    method, path = request.method, request.path
    if method == "POST" and path == "/api/v2/dbrps":
        return "mapping"
    if method == "DELETE" and path.startswith(PREFIX + "/"):
        return "delete"
    if method == "POST" and path == PREFIX:
        return "create"
    if method == "POST" and path.startswith(PREFIX) and path.endswith("/password"):
        return "password"
    return None


class KillingTransport:
    """The real transport, stopping at the chosen request."""

    def __init__(self, inner: AiohttpTransport, trigger: Trigger) -> None:
        self.inner = inner
        self.trigger = trigger
        self.verifications = self.probed = 0

    async def send(self, request: Any, *, timeout: Timeout) -> Any:
        step = step_of(request)
        if step is not None:
            self.trigger.hit(f"before-{step}")
        if request.path == "/ping":
            self.verifications += 1
        if request.path == "/write" and self.verifications > self.probed:
            self.probed = self.verifications  # count each verification once
            self.trigger.hit("mid-verify")
        response = await self.inner.send(request, timeout=timeout)
        if step is not None:
            self.trigger.hit(f"mid-{step}")
        return response


def instrument_files(trigger: Trigger, journal: Path) -> None:
    """Reach the journal's file points: its writes and the scrub's rename."""
    real_write_all = journal_module.write_all  # type: ignore[attr-defined]
    real_replace = os.replace

    def write_all(fd: int, data: bytes) -> None:
        header = data.startswith(b'{"type":"rescope-job"') and data.count(b"\n") == 1
        if header and trigger.kind == "torn-header":
            real_write_all(fd, data[: len(data) // 2])
            os.fsync(fd)
            die()
        trigger.hit("before-done", events=data.count(b'"type":"done"'))
        real_write_all(fd, data)

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        if Path(os.path.abspath(os.fspath(dst))) == journal:
            trigger.hit("mid-scrub")
        real_replace(src, dst, **kwargs)

    journal_module.write_all = write_all  # type: ignore[attr-defined]
    os.replace = replace


def items_from(path: Path) -> list[RescopeItem]:
    return [
        RescopeItem(
            target=entry["id"],
            read=entry["read"],
            write=[Database.parse(value) for value in entry["write"]],
        )
        for entry in json.loads(path.read_text())
    ]


async def main(args: argparse.Namespace) -> int:
    url, token = os.environ["INFLUX_HOST"], os.environ["INFLUX_TOKEN"]
    trigger = Trigger(args.kill, args.at)
    instrument_files(trigger, args.journal)
    passwords = json.loads(args.passwords.read_text())
    transport = KillingTransport(AiohttpTransport(base_url(url)), trigger)
    try:
        async with LegacyAuthClient(
            url, token, transport=transport, retry=RetryPolicy(instant=True)
        ) as client:
            report = await rescope(
                client,
                items_from(args.items),
                journal=args.journal,
                passwords=passwords,
                concurrency=args.concurrency,
            )
    finally:
        await transport.inner.close()
    outcomes = collections.Counter(result.outcome.value for result in report.results)
    summary = {"complete": report.complete, "resumed": report.resumed, "outcomes": outcomes}
    print(json.dumps(summary, sort_keys=True))  # noqa: T201
    for result in report.results:
        if result.outcome.value not in ("ok", "already_done"):
            print(f"{result.key}: {result.outcome.value}: {result.message}", file=sys.stderr)  # noqa: T201
    return 0 if report.complete else 2


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=Path, required=True, help="JSON [{id, read, write}]")
    parser.add_argument("--passwords", type=Path, required=True, help="JSON {id: password}")
    parser.add_argument("--journal", type=Path, required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--kill", choices=KINDS)
    parser.add_argument("--at", type=int, default=1)
    args = parser.parse_args(argv)
    args.journal = args.journal.absolute()
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args(sys.argv[1:]))))
