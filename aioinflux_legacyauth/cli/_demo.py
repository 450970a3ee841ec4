"""``demo``: the whole library at work against the embedded emulator, no server needed.

It starts the emulator in-process with bcrypt-like password hashing, seeds a few hundred
legacy authorizations through the API, lists them, deactivates one group in bulk, rotates
the passwords of the rest with verification and a journal, proves that the old passwords
no longer log in, and prints a report with timings.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import random
import shutil
import signal
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Final

import attrs
from rich.table import Table

from .._client import LegacyAuthClient
from .._errors import LegacyAuthError
from .._models import AuthStatus, LegacyAuthorization, Permission
from .._retry import AttemptLog
from ..bulk import BulkReport, ItemResult, Outcome, result_from_error, run_bulk
from ..bulk.report import format_counts
from ..emulator import BCRYPT_DEFAULT_COST, Emulator, FaultPlan
from ..emulator.domain.hashing import MAX_HASH_COST, MIN_HASH_COST
from ..rotation import FileSink, generate_password, rotate
from ._command import Subparsers, add_command, port_number, positive_int
from ._demo_consumer import run_consumer_steps
from ._errors import CliError, UsageError
from ._logging import LIBRARY_LOGGER
from ._output import Output
from ._terminal import printable

__all__ = ["register"]

#: The kinds of consumer the seeded credentials stand for; the last group is deactivated.
_ROLES: Final = ("grafana", "telegraf", "reporting", "ci-runner")
_DEACTIVATED_ROLE: Final = "ci-runner"
_BUCKETS: Final = ("metrics", "logs")
_MIN_COUNT: Final = len(_ROLES)
_LOGIN_SAMPLE: Final = 10
#: The commands --keep-running suggests, with the demo's names (the README shows them too).
_EXAMPLES: Final = (
    "list --status inactive",
    "create --org {org} --username grafana --read-bucket metrics",
    "deactivate --username grafana --dry-run",
    "rotate --status active --journal rotate.journal --output new.env",
)


def register(subparsers: Subparsers) -> None:
    """Add ``demo``."""
    demo = add_command(
        subparsers,
        "demo",
        handler=_demo,
        help="run the library end to end against an embedded InfluxDB emulator",
        description=(
            "Start the embedded InfluxDB 2.x emulator (bcrypt-like password hashing), seed\n"
            "legacy authorizations, list them, deactivate one group in bulk, rotate the\n"
            "passwords of the rest with verification, and report timings. Needs no server."
        ),
    )
    demo.add_argument(
        "--count",
        type=positive_int,
        default=300,
        metavar="N",
        help=f"legacy authorizations to seed (default 300, at least {_MIN_COUNT})",
    )
    demo.add_argument(
        "--hash-cost",
        type=int,
        default=BCRYPT_DEFAULT_COST,
        metavar="COST",
        help=f"the server's password-hash cost, like bcrypt's (default {BCRYPT_DEFAULT_COST})",
    )
    demo.add_argument(
        "--concurrency",
        type=positive_int,
        default=8,
        metavar="N",
        help="requests in flight at once (default 8)",
    )
    demo.add_argument(
        "--fault-rate",
        type=float,
        default=0.0,
        metavar="R",
        help="share (0 to 1) of requests failed on purpose after seeding, to watch retries",
    )
    demo.add_argument("--seed", type=int, help="seed for the faults and the sample")
    demo.add_argument(
        "--port",
        type=port_number,
        default=0,
        help="port for the emulator (default: any free port)",
    )
    demo.add_argument(
        "--keep-running",
        action="store_true",
        help="leave the emulator up afterwards and print its URL and token (Ctrl-C stops it)",
    )


@attrs.frozen
class _Step:
    """One line of the report."""

    name: str
    items: int
    result: str
    seconds: float
    ok: bool


def _check(args: argparse.Namespace) -> None:
    if args.count < _MIN_COUNT:
        msg = f"--count must be at least {_MIN_COUNT}, one per kind of consumer"
        raise UsageError(msg)
    if not MIN_HASH_COST <= args.hash_cost <= MAX_HASH_COST:
        msg = f"--hash-cost must be between {MIN_HASH_COST} and {MAX_HASH_COST}"
        raise UsageError(msg)
    if not 0.0 <= args.fault_rate <= 1.0:
        msg = "--fault-rate must be between 0 and 1"
        raise UsageError(msg)


@contextlib.contextmanager
def _private_directory() -> Iterator[Path]:
    # mkdtemp makes it 0700: the rotation's journal and output hold passwords.
    path = Path(tempfile.mkdtemp(prefix="aioinflux-legacyauth-demo-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class _RetryCounter(logging.Handler):
    """Counts the retries the client makes, from the library's "retrying ..." records."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and record.msg.startswith("retrying "):
            self.retries += 1


@contextlib.contextmanager
def _counting_retries() -> Iterator[_RetryCounter]:
    logger = logging.getLogger(LIBRARY_LOGGER)
    counter = _RetryCounter()
    level = logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)  # the retry records are debug records
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)


def _faults(plan: FaultPlan, retries: int, *, absorbed: bool) -> str:
    """``faults injected: 7 (3 unavailable, 4 bad_gateway), absorbed by 7 retries``."""
    kinds = Counter(str(injected.fault.kind) for injected in plan.injected)
    shown = ", ".join(f"{count} {kind}" for kind, count in kinds.most_common())
    total = sum(kinds.values())
    injected = f"faults injected: {total}" + (f" ({shown})" if shown else "")
    if absorbed:
        return f"{injected}, absorbed by {retries} retries: every step ended as expected"
    return f"{injected}; {retries} retries made, and not every step ended as expected"


def _show_failures(out: Output, report: BulkReport) -> None:
    for result in report.unsuccessful:
        out.line(f"    {result.key}: {result.outcome}: {result.message}")


def _rate(items: int, seconds: float) -> str:
    return f"{items / seconds:,.0f}/s" if seconds > 0 else "-"


async def _timed(
    out: Output,
    steps: list[_Step],
    name: str,
    items: int,
    run: Callable[[], Awaitable[tuple[str, bool]]],
) -> None:
    started = time.perf_counter()
    result, ok = await run()
    step = _Step(name, items, result, time.perf_counter() - started, ok)
    steps.append(step)
    out.line(f"  {name}: {result} in {step.seconds:.2f} s ({_rate(items, step.seconds)})")


async def _seed(
    client: LegacyAuthClient,
    emulator: Emulator,
    count: int,
    concurrency: int,
    out: Output,
) -> tuple[dict[str, str], BulkReport]:
    """Create ``count`` credentials through the API; returns their passwords by username."""
    metrics, logs = (emulator.buckets[name] for name in _BUCKETS)
    grants = {
        "grafana": [Permission.read_bucket(metrics, emulator.org_id)],
        "telegraf": [Permission.write_bucket(metrics, emulator.org_id)],
        "reporting": [
            Permission.read_bucket(metrics, emulator.org_id),
            Permission.read_bucket(logs, emulator.org_id),
        ],
        "ci-runner": [Permission.write_bucket(logs, emulator.org_id)],
    }
    names = [f"{_ROLES[index % len(_ROLES)]}-{index + 1:03}" for index in range(count)]
    passwords = {name: generate_password() for name in names}

    async def create(name: str) -> ItemResult:
        role = name.rsplit("-", 1)[0]
        try:
            created = await client.create(
                username=name,
                permissions=grants[role],
                password=passwords[name],
                description=f"{role} credential seeded by the demo",
            )
        except LegacyAuthError as error:
            return result_from_error(name, "create", error, AttemptLog())
        return ItemResult(key=created.id, op="create", outcome=Outcome.OK, status=201)

    # The bulk API's worker pool, with a create per item (creates are not a bulk operation).
    with out.progress("seeding", count) as progress:
        report = await run_bulk(
            names,
            create,
            op="create",
            concurrency=concurrency,
            fail_fast=True,
            on_result=None,
            on_progress=progress,
        )
    return passwords, report


@contextlib.asynccontextmanager
async def _started(emulator: Emulator, port: int) -> AsyncIterator[Emulator]:
    try:
        await emulator.start()
    except OSError as exc:  # most often: the port is taken
        msg = f"cannot start the emulator on port {port}: {exc.strerror or exc}"
        raise CliError(msg) from None
    try:
        yield emulator
    finally:
        await emulator.close()


async def _wait_for_interrupt() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()


async def _demo(args: argparse.Namespace, out: Output) -> int:
    _check(args)
    with _counting_retries() as counter:
        return await _run_demo(args, out, counter)


async def _run_demo(args: argparse.Namespace, out: Output, counter: _RetryCounter) -> int:
    # Faults start after seeding: a create that may have reached the server is never
    # retried, so a fault there would only end the demo early.
    plan = FaultPlan(seed=args.seed)
    emulator = Emulator(port=args.port, hash_cost=args.hash_cost, buckets=_BUCKETS, fault_plan=plan)
    steps: list[_Step] = []
    async with (
        _started(emulator, args.port),
        LegacyAuthClient(emulator.url, emulator.token, org_id=emulator.org_id) as client,
    ):
        out.line(
            f"Emulated InfluxDB {emulator.url}: password hash cost {args.hash_cost} "
            f"(bcrypt's default is {BCRYPT_DEFAULT_COST}), fault rate {args.fault_rate:g}"
        )
        passwords: dict[str, str] = {}

        async def seed() -> tuple[str, bool]:
            created, report = await _seed(client, emulator, args.count, args.concurrency, out)
            passwords.update(created)
            if not report.all_ok:
                first = report.unsuccessful[0]
                msg = (
                    f"seeding failed ({format_counts(report.counts)}): {first.key}: {first.message}"
                )
                raise CliError(msg)
            return f"{len(report.results)} created, each with a password", True

        await _timed(out, steps, "seed (create + set password)", args.count, seed)
        plan.rate = args.fault_rate
        counter.retries = 0  # the faults start now

        listed: list[LegacyAuthorization] = []

        async def list_all() -> tuple[str, bool]:
            listed.extend(await client.list())
            return f"{len(listed)} listed", len(listed) == args.count

        await _timed(out, steps, "list", args.count, list_all)
        retired = [a for a in listed if a.username.startswith(_DEACTIVATED_ROLE)]
        kept = [a for a in listed if not a.username.startswith(_DEACTIVATED_ROLE)]

        async def deactivate() -> tuple[str, bool]:
            with out.progress("deactivating", len(retired)) as progress:
                report = await client.bulk_update(
                    retired,
                    status=AuthStatus.INACTIVE,
                    concurrency=args.concurrency,
                    on_progress=progress,
                )
            _show_failures(out, report)
            return format_counts(report.counts), report.all_ok

        await _timed(out, steps, f"bulk deactivate {_DEACTIVATED_ROLE}-*", len(retired), deactivate)

        with _private_directory() as work:
            journal, output = work / "rotation.journal", work / "new-passwords.json"

            async def rotate_rest() -> tuple[str, bool]:
                with out.progress("rotating", len(kept)) as progress:
                    report = await rotate(
                        client,
                        kept,
                        journal=journal,
                        sink=FileSink(output),
                        concurrency=args.concurrency,
                        on_progress=progress,
                    )
                _show_failures(out, report)
                # Every kept credential is active, so each new password was logged in with.
                clean = report.complete and "password" not in journal.read_text()
                scrubbed = "no password left in the journal" if clean else "journal kept"
                return (
                    f"{format_counts(report.counts)}, verified; {scrubbed}",
                    report.all_ok and clean,
                )

            await _timed(out, steps, "rotate passwords + verify", len(kept), rotate_rest)

        # Which credentials to spot-check; not a secret.
        sample = random.Random(args.seed).sample(kept, min(_LOGIN_SAMPLE, len(kept)))  # noqa: S311

        async def old_logins() -> tuple[str, bool]:
            refused = 0
            for auth in sample:
                if not await client.check_login(auth.username, passwords[auth.username]):
                    refused += 1
            return f"{refused} of {len(sample)} sampled old passwords refused", refused == len(
                sample
            )

        await _timed(out, steps, "log in with old passwords", len(sample), old_logins)
        await run_consumer_steps(client, emulator, out, functools.partial(_timed, out, steps))
        _report(out, steps)
        if args.fault_rate:
            out.line(_faults(plan, counter.retries, absorbed=all(step.ok for step in steps)))
        _try_next(out, emulator, keep_running=args.keep_running)
        if args.keep_running:
            await _wait_for_interrupt()
    return 0 if all(step.ok for step in steps) else 1


def _try_next(out: Output, emulator: Emulator, *, keep_running: bool) -> None:
    """What to try next: with --keep-running, how to reach the emulator and its names."""
    out.line()
    if not keep_running:
        out.line("Run it with --keep-running to try the other commands against the emulator.")
        return
    buckets = ", ".join(_BUCKETS)
    out.line(
        f"The emulator keeps running (org {emulator.org}, buckets {buckets}); Ctrl-C stops "
        f"it. Try the other commands:"
    )
    out.line(f"  export INFLUX_HOST={emulator.url}")
    out.line(f"  export INFLUX_TOKEN={emulator.token}")
    out.line(f"  export INFLUX_ORG={emulator.org}")
    for example in _EXAMPLES:
        out.line(f"  aioinflux-legacyauth {example.format(org=emulator.org)}")


def _report(out: Output, steps: list[_Step]) -> None:
    table = Table(title="aioinflux-legacyauth demo", title_justify="left")
    table.add_column("step")
    table.add_column("items", justify="right")
    table.add_column("result")
    table.add_column("time", justify="right")
    table.add_column("rate", justify="right")
    table.add_column("as expected")
    for step in steps:
        table.add_row(
            printable(step.name),
            str(step.items),
            printable(step.result),
            f"{step.seconds:.2f} s",
            _rate(step.items, step.seconds),
            "yes" if step.ok else "NO",
        )
    out.line()
    out.stdout.print(table)
    out.line(
        "Each new password costs the server a bcrypt-like hash to set and another to verify a "
        "login: that, not the client, bounds the seeding and rotation rates."
    )
