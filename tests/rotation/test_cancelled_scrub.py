"""rotate() cancelled (Ctrl-C) while its journal is being scrubbed in a worker thread.

The thread goes on with the journal's file descriptor; closing it under the thread made
the scrub fail (the passwords stayed in the journal) and could have let it truncate
whatever file the process opened next under the same descriptor number. The descriptor
is now closed only when the thread is done, and the scrub completes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from aioinflux_legacyauth import LegacyAuthClient
from aioinflux_legacyauth.emulator import ThreadedEmulator
from aioinflux_legacyauth.rotation import Credential, rotate
from aioinflux_legacyauth.rotation.private_files import DescriptorWork, scrub_file

OLD = "old-Password-1"


class MemorySink:
    def __init__(self) -> None:
        self.published: dict[str, Credential] = {}

    async def publish(self, credentials: Sequence[Credential]) -> None:
        self.published.update((credential.id, credential) for credential in credentials)


class SlowDisk:
    """scrub_file, but it starts only when :attr:`go` is set (a disk slow to answer)."""

    def __init__(self) -> None:
        self.started, self.go, self.finished = (
            threading.Event(),
            threading.Event(),
            threading.Event(),
        )

    def __call__(self, fd: int, path: Path, data: bytes) -> bool:
        self.started.set()
        try:
            self.go.wait(30)
            return scrub_file(fd, path, data)
        finally:
            self.finished.set()


async def test_a_rotation_cancelled_during_its_scrub_still_scrubs(
    legacyauth_emulator: ThreadedEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    auths = [
        legacyauth_emulator.create_legacy_authorization(f"svc-{index}", password=OLD)
        for index in range(3)
    ]
    journal = tmp_path / "job.jsonl"
    disk = SlowDisk()
    monkeypatch.setattr("aioinflux_legacyauth.rotation.journal.scrub_file", disk)
    sink = MemorySink()
    async with LegacyAuthClient(legacyauth_emulator.url, legacyauth_emulator.token) as client:
        task = asyncio.create_task(rotate(client, auths, journal=journal, sink=sink))
        await asyncio.to_thread(disk.started.wait, 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The job's finally has run; a file opened now may get the journal's old number.
        bystander = tmp_path / "bystander"
        bystander.write_bytes(b"keep me")
        fd = os.open(bystander, os.O_RDWR)
        try:
            disk.go.set()
            await asyncio.to_thread(disk.finished.wait, 30)
            await asyncio.sleep(0.05)  # the loop closes the journal once the thread is done
        finally:
            os.close(fd)
    assert bystander.read_bytes() == b"keep me"
    assert len(sink.published) == 3
    text = journal.read_text()
    assert "password" not in text
    assert json.loads(text.splitlines()[-1]) == {"type": "complete"}


def test_the_descriptor_outlives_the_work_when_the_event_loop_ends_first() -> None:
    """Ctrl-C: ``asyncio.run`` cancels the tasks left and ends while the worker thread
    still writes; the descriptor is closed by the thread once its work is done."""
    log: list[str] = []
    started = threading.Event()

    def work() -> None:
        started.set()
        time.sleep(0.3)
        log.append("work done")

    scrubbing = DescriptorWork()

    async def job() -> None:
        running = asyncio.ensure_future(scrubbing.run(work))
        await asyncio.to_thread(started.wait, 30)
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        scrubbing.close_after(lambda: log.append("closed"))

    asyncio.run(job())  # its shutdown waits for the worker threads
    assert log == ["work done", "closed"]


def test_with_no_work_under_way_the_descriptor_is_closed_at_once() -> None:
    log: list[str] = []
    scrubbing = DescriptorWork()

    async def job() -> None:
        await scrubbing.run(lambda: log.append("work done"))
        scrubbing.close_after(lambda: log.append("closed"))
        log.append("after close_after")

    asyncio.run(job())
    assert log == ["work done", "closed", "after close_after"]
