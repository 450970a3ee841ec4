"""Fresh real servers on demand: each test takes its own, the next one starts meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from .process import RealInfluxdProcess, ScriptError, ScriptHungError

__all__ = ["HUNG_AT_STOP", "RealServerPool"]

#: Servers that had to be killed at stop, each with where its script was stuck: listed
#: in the run's terminal summary. A server's stop comes after its test's verdict, so it
#: fails no test; it is reported, not hidden.
HUNG_AT_STOP: list[str] = []


class RealServerPool:
    """Starts ``scripts/real-influxd`` processes, one spare ahead per set of flags.

    A server costs about half a second to start and onboard; starting the next one while
    a test runs hides most of that. Servers are stopped in the background; a server that
    does not stop cleanly (exit status 0) fails :meth:`close`.
    """

    def __init__(self, version: str | None) -> None:
        self._version = version
        self._executor = ThreadPoolExecutor(max_workers=3, thread_name_prefix="real-influxd")
        self._spares: dict[tuple[str, ...], Future[RealInfluxdProcess]] = {}
        self._stopping: list[Future[int]] = []
        self._lock = threading.Lock()

    def _start(self, args: tuple[str, ...]) -> RealInfluxdProcess:
        return RealInfluxdProcess(args, version=self._version)

    def acquire(self, args: Sequence[str]) -> RealInfluxdProcess:
        """A started, onboarded server run with ``args``, for one test's exclusive use."""
        key = tuple(args)
        with self._lock:
            spare = self._spares.pop(key, None)
            self._spares[key] = self._executor.submit(self._start, key)
        if spare is None:
            return self._start(key)
        return spare.result()

    def release(self, process: RealInfluxdProcess) -> None:
        """Stop a server a test is done with (in the background)."""
        with self._lock:
            self._stopping.append(self._executor.submit(process.stop))

    def close(self) -> None:
        """Stop the spares and wait for every server to be gone."""
        with self._lock:
            spares, self._spares = list(self._spares.values()), {}
        failures: list[str] = []
        for spare in spares:
            try:
                self.release(spare.result())
            except ScriptError as exc:
                failures.append(str(exc))
        for stopping in self._stopping:
            try:
                stopping.result()
            except ScriptHungError as exc:
                HUNG_AT_STOP.append(str(exc))
            except ScriptError as exc:
                failures.append(str(exc))
        self._executor.shutdown()
        if failures:
            raise ScriptError("\n".join(failures))
