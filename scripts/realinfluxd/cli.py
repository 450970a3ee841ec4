"""``scripts/real-influxd``: the emulator's command line, answered by a real influxd."""

from __future__ import annotations

import argparse
import faulthandler
import signal
import sys
from collections.abc import Sequence

from . import cache, recipe, server

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The flags of ``python -m aioinflux_legacyauth.emulator`` that a real server has."""
    parser = argparse.ArgumentParser(
        prog="scripts/real-influxd",
        description=(
            "Build (once, into the cache) and run a real InfluxDB OSS 2.x server on a fresh "
            "temporary data directory, onboarded like the emulator starts."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8086, help="port (0: any free port)")
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
        "--influxdb-version",
        default=recipe.DEFAULT_VERSION,
        help=f"the release to build and run (default {recipe.DEFAULT_VERSION})",
    )
    parser.add_argument(
        "--strong-passwords", action="store_true", help="pass influxd --strong-passwords"
    )
    parser.add_argument(
        "--use-hashed-tokens",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="pass influxd --use-hashed-tokens (v2.8+; default: the release's)",
    )
    parser.add_argument(
        "--ui-disabled", action="store_true", help="answer unknown paths 404 instead of HTML"
    )
    parser.add_argument(
        "--metrics-disabled", action="store_true", help="pass influxd --metrics-disabled"
    )
    parser.add_argument("--quiet", action="store_true", help="influxd's log to a file, not stderr")
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="build or reuse the binary, print its path and exit",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Build or reuse influxd, then serve until interrupted; returns the exit status."""
    args = build_parser().parse_args(argv)
    if hasattr(signal, "SIGUSR1"):  # a test harness that finds us hung asks where
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        binary = cache.ensure_built(args.influxdb_version)
    except recipe.BuildError:
        return 1  # ensure_built printed the failed step and where the log is
    if args.build_only:
        sys.stdout.write(f"{binary}\n")
        return 0
    options = server.ServerOptions(
        host=args.host,
        port=args.port,
        token=args.token,
        org=args.org,
        user=args.user,
        buckets=tuple(args.buckets or ["my-bucket"]),
        strong_passwords=args.strong_passwords,
        hashed_tokens=args.use_hashed_tokens,
        ui_disabled=args.ui_disabled,
        metrics_disabled=args.metrics_disabled,
        quiet=args.quiet,
    )
    try:
        return server.serve_until_stopped(binary, options)
    except (server.StartupError, OSError) as exc:
        sys.stderr.write(f"real-influxd: {exc}\n")
        return 1
