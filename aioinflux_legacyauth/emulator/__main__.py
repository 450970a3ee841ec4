"""``python -m aioinflux_legacyauth.emulator``: run the emulator in the foreground.

When it is ready it prints one JSON line on stdout, ``{"url", "token", "org_id",
"user_id", "buckets"}``, so a script can start it and read where to connect. Ctrl-C or
SIGTERM stops it cleanly (exit status 0). One access-log line per request goes to stderr,
without query strings (they can carry ``p=`` passwords); ``--quiet`` turns it off.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from collections.abc import Callable, Sequence

from .chaos.faults import FaultKind, FaultPlan
from .domain.hashing import BCRYPT_DEFAULT_COST, MAX_HASH_COST, MIN_HASH_COST
from .domain.passwords import PasswordRule
from .domain.profiles import DEFAULT_VERSION
from .http.limits import Limits
from .server import Emulator

__all__ = ["build_parser", "main"]

_LOG = logging.getLogger("aioinflux_legacyauth.emulator")


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        msg = "must be between 0 and 1"
        raise argparse.ArgumentTypeError(msg)
    return value


def _cost(text: str) -> int:
    value = int(text)
    if not MIN_HASH_COST <= value <= MAX_HASH_COST:
        msg = f"must be between {MIN_HASH_COST} and {MAX_HASH_COST}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:  # bind() would end in an OverflowError traceback
        msg = "must be a port number from 0 to 65535"
        raise argparse.ArgumentTypeError(msg)
    return value


def _timeout(text: str) -> float | None:
    value = float(text)
    if value < 0:
        msg = "cannot be negative"
        raise argparse.ArgumentTypeError(msg)
    return value or None


def build_parser() -> argparse.ArgumentParser:
    """The command line's argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m aioinflux_legacyauth.emulator",
        description="Emulate an InfluxDB OSS 2.x server's legacy authorization API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=_port, default=8086, help="port (0: any free port)")
    parser.add_argument("--token", help="the operator token (default: a random one)")
    parser.add_argument("--org", default="my-org", help="name of the initial org")
    parser.add_argument("--user", default="admin", help="name of the initial user")
    parser.add_argument(
        "--bucket",
        action="append",
        dest="buckets",
        metavar="NAME",
        help="an initial bucket; repeat for more (default: my-bucket)",
    )
    parser.add_argument(
        "--fault-rate",
        type=_rate,
        default=0.0,
        metavar="R",
        help="share (0 to 1) of legacy-route requests that fail on purpose",
    )
    parser.add_argument("--seed", type=int, help="seed for repeatable faults")
    parser.add_argument(
        "--fault-kind",
        action="append",
        dest="fault_kinds",
        choices=[kind.value for kind in FaultKind],
        help="a kind of fault --fault-rate may pick; repeat for more (default: all)",
    )
    parser.add_argument(
        "--hash-cost",
        type=_cost,
        default=BCRYPT_DEFAULT_COST,
        help=f"password hash cost like bcrypt's (default {BCRYPT_DEFAULT_COST}, ~70 ms a hash)",
    )
    parser.add_argument(
        "--hash-concurrency", type=int, help="hashes computed at once (models server cores)"
    )
    parser.add_argument(
        "--password-rule",
        choices=[rule.value for rule in PasswordRule],
        help="current: 8 to 72 bytes (2.7.6+); legacy: at least 8 bytes (before 2.7.6); "
        "default: the release's",
    )
    parser.add_argument(
        "--strong-passwords", action="store_true", help="like influxd --strong-passwords"
    )
    parser.add_argument(
        "--influxdb-version",
        default=DEFAULT_VERSION,
        help=f"the release to play, e.g. v2.7.5, v2.7.12 or v2.9.1 (default {DEFAULT_VERSION})",
    )
    parser.add_argument(
        "--use-hashed-tokens",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="like influxd --use-hashed-tokens (default: on from v2.9)",
    )
    parser.add_argument(
        "--ui-disabled", action="store_true", help="answer unknown paths 404 instead of HTML"
    )
    parser.add_argument(
        "--metrics-disabled", action="store_true", help="answer /metrics 403, like influxd"
    )
    defaults = Limits()
    timeout = "; 0: no limit"
    limit_flags: tuple[tuple[str, Callable[[str], object], str, str], ...] = (
        ("--read-header-timeout", _timeout, "S", "seconds a new connection has to send its head"),
        ("--idle-timeout", _timeout, "S", "seconds an idle keep-alive connection stays open"),
        ("--body-timeout", _timeout, "S", "seconds a request body has to arrive"),
        ("--max-kept-body", int, "BYTES", "bytes of each body the request log keeps"),
        ("--max-logged-requests", int, "N", "requests the request log keeps"),
    )
    for flag, kind, metavar, help_text in limit_flags:
        default = getattr(defaults, flag[2:].replace("-", "_"))
        extra = timeout if kind is _timeout else ""
        parser.add_argument(
            flag,
            type=kind,
            default=default,
            metavar=metavar,
            help=f"{help_text} (default {default}{extra})",
        )
    parser.add_argument("--quiet", action="store_true", help="no access log on stderr")
    return parser


def _emulator(args: argparse.Namespace) -> Emulator:
    plan = FaultPlan(
        rate=args.fault_rate,
        seed=args.seed,
        kinds=args.fault_kinds or tuple(FaultKind),
    )
    return Emulator(
        token=args.token,
        org=args.org,
        user=args.user,
        buckets=args.buckets or ["my-bucket"],
        host=args.host,
        port=args.port,
        hash_cost=args.hash_cost,
        hash_concurrency=args.hash_concurrency,
        password_rule=args.password_rule,
        strong_passwords=args.strong_passwords,
        fault_plan=plan,
        version=args.influxdb_version,
        hashed_tokens=args.use_hashed_tokens,
        ui=not args.ui_disabled,
        metrics=not args.metrics_disabled,
        limits=Limits(
            read_header_timeout=args.read_header_timeout,
            idle_timeout=args.idle_timeout,
            body_timeout=args.body_timeout,
            max_kept_body=args.max_kept_body,
            max_logged_requests=args.max_logged_requests,
        ),
        access_log=None if args.quiet else _LOG,
    )


async def _serve(emulator: Emulator) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not available on every platform; there Ctrl-C still ends asyncio.run.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with emulator:
        ready = {
            "url": emulator.url,
            "token": emulator.token,
            "org_id": emulator.org_id,
            "user_id": emulator.user_id,
            "buckets": dict(emulator.buckets),
        }
        sys.stdout.write(json.dumps(ready) + "\n")
        sys.stdout.flush()
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Run until interrupted; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    try:
        emulator = _emulator(args)
        asyncio.run(_serve(emulator))
    except KeyboardInterrupt:
        return 0
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"emulator: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
