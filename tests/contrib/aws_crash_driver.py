"""Runs ``rotate()`` into Secrets Manager once, and can SIGKILL itself mid-job.

``python aws_crash_driver.py --targets FILE --journal PATH [--kill-after N]`` with the
server in ``INFLUX_HOST``, the operator token in ``INFLUX_TOKEN`` and Secrets Manager at
``SECRETS_MANAGER_ENDPOINT`` (moto). With ``--kill-after N`` the process kills itself
(SIGKILL: no clean-up of any kind) as soon as the answer to its N-th write (CreateSecret
or PutSecretValue) has arrived, before the journal records those credentials done: the
very point where a resumed job could create a second version. Prints only counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from aiobotocore.session import get_session

from aioinflux_legacyauth import LegacyAuthClient
from aioinflux_legacyauth.contrib.aws import SecretsManagerSink
from aioinflux_legacyauth.rotation import Target, rotate

WRITES = frozenset({"CreateSecret", "PutSecretValue"})


async def main(args: argparse.Namespace) -> int:
    targets = [Target(t["id"], t["username"]) for t in json.loads(args.targets.read_text())]
    writes = 0

    def count(model: Any, **_: Any) -> None:
        nonlocal writes
        if model.name in WRITES:
            writes += 1
            if writes == args.kill_after:
                os.kill(os.getpid(), signal.SIGKILL)

    url = os.environ["INFLUX_HOST"]
    async with (
        get_session().create_client(
            "secretsmanager", endpoint_url=os.environ["SECRETS_MANAGER_ENDPOINT"]
        ) as secrets,
        LegacyAuthClient.from_env() as client,
    ):
        secrets.meta.events.register("after-call.secrets-manager", count)
        sink = SecretsManagerSink(secrets, url=url, concurrency=4)
        fresh = not args.journal.exists()
        report = await rotate(
            client, targets if fresh else None, journal=args.journal, sink=sink, concurrency=4
        )
    counts = {str(outcome): n for outcome, n in report.counts.items() if n}
    summary = {"counts": counts, "complete": report.complete, "writes": writes}
    print(json.dumps(summary))  # noqa: T201 - the summary the test reads
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=Path, required=True)
    parser.add_argument("--journal", type=Path, required=True)
    parser.add_argument("--kill-after", type=int, default=0)
    sys.exit(asyncio.run(main(parser.parse_args())))
