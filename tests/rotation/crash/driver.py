"""Crash-test driver: runs ``rotate()`` once, and can SIGKILL itself at a chosen point.

Run as ``python driver.py --targets FILE --journal PATH --output PATH ...`` with the
server in ``INFLUX_HOST`` and the operator token in ``INFLUX_TOKEN`` (kept off the
command line). Without ``--kill`` it runs (or resumes) the job to the end.

``--kill KIND --at WHEN`` kills the process with SIGKILL (no clean-up of any kind) at:

``after-journal``
    when the WHEN-th set-password request is about to be sent (its ``pending`` record
    is already fsync'd);
``mid-set``
    when the WHEN-th set-password request was answered by the server, before the client
    sees the answer;
``after-set``
    when the WHEN-th ``/query`` login (verification) is about to be sent;
``mid-output``
    inside the file sink's atomic write, after its temp file is written and fsync'd,
    before ``os.replace`` puts it in place;
``after-output``
    just after that ``os.replace``, before the ``done`` records are journaled;
``before-done``
    when the journal is about to write a batch holding a ``done`` record;
``torn-journal``
    while writing a batch holding a ``pending`` record: half of the batch is written
    and fsync'd, then the process dies (a torn last line);
``mid-scrub``
    when the scrub is about to ``os.replace`` the journal with its password-free copy;
``before-header``
    when the new journal was created (empty) and its header is about to be written;
``mid-header``
    while writing the new journal's header: half of it is written and fsync'd.

WHEN is ``first``, ``middle``, ``last`` or a number. For the request and journal kinds
it counts matching events: requests, or journaled records (appends are batched, so the
kill comes at the batch holding the chosen record); ``middle``/``last`` are the
(n//2)-th/n-th, n = the number of targets. For the output kinds it picks the first
output file that holds at least 1, n//2 or n of the targets' IDs (the sink batches, so
the number of writes varies), or, for a number, the WHEN-th write.

``--kill-after SECONDS`` kills the process that long after ``rotate()`` starts, and holds
the scrub until then, so the kill always lands inside the job.

``--pause KIND --at WHEN`` stops at the point instead of dying: it creates the
``--pause-marker`` file and sleeps, holding the journal's lock, until it is killed.

``python driver.py --serve`` is a fork server for the test suite: it imports everything
once, then for each JSON request line on stdin (``{"id", "argv", "env", "stdout",
"stderr"}``) forks a child that runs the driver with ``argv`` and ``env`` added to its
environment (its output going to those files) and
answers ``{"id", "pid"}`` at once and ``{"id", "returncode"}`` when the child ends
(``-9`` when SIGKILL ended it). Each run is still a process of its own, killed for real;
it only skips the half second of interpreter start-up and imports.

Instrumentation lives only here: the library is unchanged. Nothing here prints a
password: the summary gives outcomes and counts only.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import select
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import aiohttp

from aioinflux_legacyauth import AiohttpTransport, LegacyAuthClient, Timeout
from aioinflux_legacyauth._transports import base_url
from aioinflux_legacyauth.rotation import FileSink, JournalError, PublishError, Target, rotate
from aioinflux_legacyauth.rotation import journal as journal_module

KINDS = (
    "after-journal",
    "mid-set",
    "after-set",
    "mid-output",
    "after-output",
    "before-done",
    "torn-journal",
    "mid-scrub",
    "before-header",
    "mid-header",
)
OUTPUT_KINDS = ("mid-output", "after-output")

EXIT_INCOMPLETE = 2
EXIT_JOURNAL_ERROR = 3
EXIT_PUBLISH_ERROR = 4


def die() -> None:
    """SIGKILL this process: no finally blocks, no flushing, no atexit."""
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)  # pragma: no cover - never reached


class Trigger:
    """Decides whether the current event is the chosen kill (or pause) point."""

    def __init__(
        self, kind: str | None, when: str, total: int, ids: list[str], marker: Path | None
    ) -> None:
        self.kind = kind
        self.ids = [auth_id.encode() for auth_id in ids]
        self.marker = marker
        self.counts: collections.Counter[str] = collections.Counter()
        self.fired = False
        self.lock = threading.Lock()  # output and scrub events come from worker threads
        self.nth: int | None = None
        self.covering: int | None = None
        if when.isdigit():
            self.nth = int(when)
        else:
            wanted = {"first": 1, "middle": max(1, total // 2), "last": total}[when]
            if kind in OUTPUT_KINDS:
                self.covering = wanted
            else:
                self.nth = wanted

    def hit(self, kind: str, content: bytes | None = None, events: int = 1) -> bool:
        """Count ``events`` events of ``kind``; True when the chosen one is among them."""
        if kind != self.kind or events < 1:
            return False
        with self.lock:
            if self.fired:
                return False
            self.counts[kind] += events
            if self.covering is not None:
                covered = sum(auth_id in (content or b"") for auth_id in self.ids)
                chosen = covered >= self.covering
            else:
                assert self.nth is not None
                chosen = self.counts[kind] >= self.nth
            self.fired = chosen
            return chosen

    def stop(self) -> None:
        """Die, or (``--pause``) announce the pause and wait to be killed."""
        if self.marker is None:
            die()
            return
        self.marker.write_text(f"{os.getpid()}\n")
        while True:  # holds the journal lock until the test kills this process
            time.sleep(3600)


class KillingTransport:
    """Wraps the real aiohttp transport and stops at the chosen request."""

    def __init__(self, inner: AiohttpTransport, trigger: Trigger) -> None:
        self.inner = inner
        self.trigger = trigger

    async def send(self, request: Any, *, timeout: Timeout) -> Any:
        is_set = request.method == "POST" and request.path.endswith("/password")
        is_login = request.method == "GET" and request.path == "/query"
        if is_set and self.trigger.hit("after-journal"):
            self.trigger.stop()
        if is_login and self.trigger.hit("after-set"):
            self.trigger.stop()
        response = await self.inner.send(request, timeout=timeout)
        if is_set and self.trigger.hit("mid-set"):
            self.trigger.stop()
        return response


def instrument_files(trigger: Trigger, journal: Path, output: Path, hold_scrub: bool) -> None:
    """Patch ``os.replace`` and the journal's low-level write to reach the file points."""
    real_replace = os.replace
    # The journal's own reference to write_all: the one its appends call.
    real_write_all = journal_module.write_all  # type: ignore[attr-defined]

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        target = Path(os.path.abspath(os.fspath(dst)))
        if target == output:
            content = Path(os.fspath(src)).read_bytes()
            if trigger.hit("mid-output", content):
                trigger.stop()
            real_replace(src, dst, **kwargs)
            if trigger.hit("after-output", content):
                trigger.stop()
            return
        if target == journal:
            if trigger.hit("mid-scrub"):
                trigger.stop()
            if hold_scrub:
                # --kill-after: the job may not finish before the kill lands.
                time.sleep(3600)
        real_replace(src, dst, **kwargs)

    def write_all(fd: int, data: bytes) -> None:
        if data.startswith(b'{"type":"job"'):  # the header (one line), or the scrub's rewrite
            if data.count(b"\n") == 1 and trigger.hit("before-header"):
                trigger.stop()
            if data.count(b"\n") == 1 and trigger.hit("mid-header"):
                real_write_all(fd, data[: len(data) // 2])
                os.fsync(fd)
                trigger.stop()
            real_write_all(fd, data)
            return
        if trigger.hit("before-done", events=data.count(b'"type":"done"')):
            trigger.stop()
        if trigger.hit("torn-journal", events=data.count(b'"type":"pending"')):
            real_write_all(fd, data[: len(data) // 2])
            os.fsync(fd)
            trigger.stop()
        real_write_all(fd, data)

    os.replace = replace
    journal_module.write_all = write_all  # type: ignore[attr-defined]


async def main(args: argparse.Namespace) -> int:
    url = os.environ["INFLUX_HOST"]
    token = os.environ["INFLUX_TOKEN"]
    targets = [Target(t["id"], t["username"]) for t in json.loads(args.targets.read_text())]
    journal, output = args.journal, args.output
    kind = args.kill or args.pause
    marker = args.pause_marker if args.pause else None
    trigger = Trigger(kind, args.at, len(targets), [t.id for t in targets], marker)
    instrument_files(trigger, journal, output, hold_scrub=args.kill_after is not None)
    async with aiohttp.ClientSession() as session:
        transport = KillingTransport(AiohttpTransport(base_url(url), session=session), trigger)
        async with LegacyAuthClient(url, token, transport=transport) as client:
            if args.kill_after is not None:
                timer = threading.Timer(args.kill_after, die)
                timer.daemon = True
                timer.start()
            try:
                report = await rotate(
                    client,
                    targets,
                    journal=journal,
                    sink=FileSink(output, args.format),
                    verify=not args.no_verify,
                    concurrency=args.concurrency,
                )
            except JournalError as error:
                print(f"journal error: {error}", file=sys.stderr)  # noqa: T201
                return EXIT_JOURNAL_ERROR
            except PublishError as error:
                print(f"publish error: {error}", file=sys.stderr)  # noqa: T201
                return EXIT_PUBLISH_ERROR
    outcomes = collections.Counter(result.outcome.value for result in report.results)
    summary = {"complete": report.complete, "resumed": report.resumed, "outcomes": outcomes}
    print(json.dumps(summary, sort_keys=True))  # noqa: T201
    for result in report.results:
        if result.outcome.value not in ("ok", "already_done"):
            print(f"{result.key}: {result.outcome.value}: {result.message}", file=sys.stderr)  # noqa: T201
    return 0 if report.complete else EXIT_INCOMPLETE


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=Path, required=True, help="JSON [{id, username}]")
    parser.add_argument("--journal", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--format", choices=("json", "env", "csv"), default="json")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--no-verify", action="store_true")
    stop = parser.add_mutually_exclusive_group()
    stop.add_argument("--kill", choices=KINDS)
    stop.add_argument("--pause", choices=KINDS)
    stop.add_argument("--kill-after", type=float, metavar="SECONDS")
    parser.add_argument("--at", default="first", help="first, middle, last or a number")
    parser.add_argument("--pause-marker", type=Path)
    args = parser.parse_args(argv)
    args.journal, args.output = args.journal.absolute(), args.output.absolute()
    if args.pause and args.pause_marker is None:
        parser.error("--pause needs --pause-marker")
    return args


def run_child(request: dict[str, Any]) -> None:
    """In a forked child: run the driver with the request's arguments, then _exit."""
    code = 1
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        os.dup2(os.open(request["stdout"], flags, 0o600), 1)
        os.dup2(os.open(request["stderr"], flags, 0o600), 2)
        os.environ.update(request.get("env", {}))
        code = asyncio.run(main(parse_args(request["argv"])))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # reported through stderr and the exit status
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve() -> int:
    """The fork server: one child per request line, until stdin closes and all ended."""
    children: dict[int, Any] = {}
    buffer = b""
    reading = True

    def answer(message: dict[str, Any]) -> None:
        os.write(1, json.dumps(message).encode() + b"\n")

    while reading or children:
        if reading:
            ready, _, _ = select.select([0], [], [], 0.005)
            chunk = os.read(0, 1 << 16) if ready else None
            if chunk == b"":
                reading = False
            buffer += chunk or b""
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    run_child(request)
                children[pid] = request["id"]
                answer({"id": request["id"], "pid": pid})
        else:
            time.sleep(0.005)
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            ident = children.pop(pid, None)
            if ident is not None:
                answer({"id": ident, "returncode": os.waitstatus_to_exitcode(status)})
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        sys.exit(serve())
    sys.exit(asyncio.run(main(parse_args(sys.argv[1:]))))
