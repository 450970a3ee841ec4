"""Two rotation jobs writing to one output file, in two real processes, lose nothing.

Each job has its own journal; both publish to the same ``--output``. Every credential of
both jobs must end up in the file, and every one of them must log in.
"""

from __future__ import annotations

import json
import threading
from typing import Any

JOB_SIZE = 16


def test_two_processes_rotating_into_one_output_keep_every_credential(lab: Any) -> None:
    first = lab.new_job("first", count=JOB_SIZE, concurrency=4)
    second = lab.new_job("second", count=JOB_SIZE, concurrency=4)
    shared = lab.root / "shared-credentials.json"
    runs: dict[str, Any] = {}

    def run(job: Any) -> None:
        runs[job.name] = lab.run(job, output=shared)

    # Started together, so that each job's writes fall between the other's.
    threads = [threading.Thread(target=run, args=(job,)) for job in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for job in (first, second):
        done = runs[job.name]
        job.check(done.returncode == 0, "the job failed")
        job.check(json.loads(done.stdout.splitlines()[-1])["complete"], "it did not complete")
    rows = json.loads(shared.read_text())
    published = {row["id"]: (row["username"], row["password"]) for row in rows}
    expected = set(first.ids) | set(second.ids)
    missing = sorted(expected - published.keys())
    first.check(not missing, f"{len(missing)} of {len(expected)} credentials are missing")
    first.check(len(rows) == len(expected), "a credential is in the output twice")
    logins = lab.logins(published.values())
    first.check(all(logins), f"{logins.count(False)} published credentials do not log in")
    leftovers = sorted(p.name for p in lab.root.iterdir() if p.name.startswith(".shared"))
    first.check(not leftovers, f"temp or lock files were left behind: {leftovers}")
