"""The crash lab: seeds jobs on the emulator, runs ``driver.py``, checks what survived.

A :class:`Job` is one rotation job over freshly seeded legacy authorizations with known
old passwords. :meth:`Lab.crash` runs the driver until it dies of SIGKILL, then checks
the crash invariant; :meth:`Lab.resume` runs it again to the end; :meth:`Lab.check_done`
proves the result through real v1 ``/query`` logins. Every diagnostic is redacted: no
password (old, journaled or published) is ever printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import re
import secrets
import shlex
import signal
import stat
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import pytest

from aioinflux_legacyauth import LegacyAuthClient
from aioinflux_legacyauth.emulator import ThreadedEmulator

DRIVER = Path(__file__).with_name("driver.py")
#: Generous: a driver run takes about a second; this only stops a hung one.
RUN_TIMEOUT = 120.0
#: The driver's exit status for a journal error (``in use``, corrupt...).
EXIT_JOURNAL_ERROR = 3
_REDACTED = "<redacted>"
_PASSWORD_FIELD = re.compile(r'("password"\s*:\s*")[^"]*("?)')
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{40,}")


@attrs.frozen
class Run:
    """One finished driver process."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


@attrs.frozen
class Journal:
    """A journal file as a crash left it, read independently of the library."""

    records: tuple[dict[str, Any], ...]
    torn: bytes

    @property
    def pending(self) -> dict[str, list[str]]:
        """Each item's journaled passwords, in order."""
        found: dict[str, list[str]] = {}
        for record in self.records:
            if record.get("type") == "pending" and "password" in record:
                found.setdefault(record["id"], []).append(record["password"])
        return found

    def ids_of(self, kind: str) -> set[str]:
        return {r["id"] for r in self.records if r.get("type") == kind}

    @property
    def complete(self) -> bool:
        return bool(self.records) and self.records[-1] == {"type": "complete"}


def read_journal(path: Path) -> Journal:
    """Parse the JSONL journal; a torn (unterminated) last line is set aside."""
    raw = path.read_bytes()
    whole, _, torn = raw.rpartition(b"\n")
    records = tuple(json.loads(line) for line in whole.split(b"\n") if line) if whole else ()
    return Journal(records, torn)


def parse_output(path: Path, output_format: str) -> list[tuple[str, str, str]]:
    """The (id, username, password) rows of a FileSink file, in file order."""
    text = path.read_text()
    if output_format == "json":
        return [(row["id"], row["username"], row["password"]) for row in json.loads(text)]
    if output_format == "csv":
        reader = csv.DictReader(io.StringIO(text))
        assert reader.fieldnames == ["id", "username", "password"]
        return [(row["id"], row["username"], row["password"]) for row in reader]
    rows: list[tuple[str, str, str]] = []
    auth_id: str | None = None
    values: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("# legacy authorization "):
            auth_id, values = line.removeprefix("# legacy authorization ").strip(), {}
            continue
        if not line or line.startswith("#"):
            continue
        (assignment,) = shlex.split(line)
        name, _, value = assignment.partition("=")
        values[name.rsplit("_", 1)[-1]] = value
        if "USERNAME" in values and "PASSWORD" in values:
            assert auth_id is not None, "an env entry without its ID comment"
            rows.append((auth_id, values["USERNAME"], values["PASSWORD"]))
            auth_id, values = None, {}
    return rows


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@attrs.define
class Job:
    """One rotation job: its targets, their old passwords, and its files."""

    name: str
    directory: Path
    ids: list[str]
    usernames: dict[str, str]
    old: dict[str, str] = attrs.field(repr=False)
    output_format: str = "json"
    concurrency: int = 4
    #: Every password seen journaled for an item, across all crashes of the job.
    journaled: dict[str, str] = attrs.field(factory=dict, repr=False)
    runs: list[Run] = attrs.field(factory=list, repr=False)

    @property
    def journal(self) -> Path:
        return self.directory / "rotation.journal"

    @property
    def output(self) -> Path:
        return self.directory / f"credentials.{self.output_format}"

    @property
    def targets_file(self) -> Path:
        return self.directory / "targets.json"

    def driver_args(self, *extra: str, output: Path | None = None) -> list[str]:
        """The driver's command line; ``output``: another output file than the job's own."""
        return [
            sys.executable,
            str(DRIVER),
            "--targets",
            str(self.targets_file),
            "--journal",
            str(self.journal),
            "--output",
            str(output or self.output),
            "--format",
            self.output_format,
            "--concurrency",
            str(self.concurrency),
            *extra,
        ]

    def rows(self) -> list[tuple[str, str, str]]:
        """The output file's (id, username, password) rows."""
        return parse_output(self.output, self.output_format)

    # -- diagnostics (redacted) -----------------------------------------------------------

    def secrets(self) -> set[str]:
        known = set(self.old.values()) | set(self.journaled.values())
        if self.journal.exists():
            with_torn = self.journal.read_bytes().decode(errors="replace")
            known |= set(re.findall(r'"password":"([^"]+)"', with_torn))
        if self.output.exists():
            with contextlib.suppress(Exception):  # a diagnostic must not fail
                known |= {password for _, _, password in self.rows()}
        return known

    def redact(self, text: str) -> str:
        for secret in sorted(self.secrets(), key=len, reverse=True):
            text = text.replace(secret, _REDACTED)
        return redact_generic(text)

    def check(self, condition: object, note: str) -> None:
        """Assert ``condition``, explained by :meth:`describe`.

        Not a bare ``assert``: pytest would show the compared values, passwords included.
        """
        if not condition:
            raise AssertionError(self.describe(note))

    def describe(self, note: str = "") -> str:
        """The job's state for an assertion message: journal tail, files, driver output."""
        lines = [f"job {self.name} (format={self.output_format}, c={self.concurrency}) {note}"]
        if self.journal.exists():
            raw = self.journal.read_bytes().decode(errors="replace").splitlines()
            lines.append(f"journal tail ({len(raw)} lines):")
            lines.extend(f"  {line}" for line in raw[-15:])
        else:
            lines.append("journal: missing")
        listing = sorted(
            f"{p.name} ({mode_of(p):04o}, {p.stat().st_size} B)" for p in self.directory.iterdir()
        )
        lines.append("files: " + ", ".join(listing))
        for number, run in enumerate(self.runs, 1):
            shown = " ".join(a for a in run.args[2:] if not a.startswith(str(self.directory)))
            shown = shown if len(shown) < 200 else shown[:200] + " ..."
            lines.append(f"run {number}: rc={run.returncode} args: {shown}")
            lines.extend(f"  stdout: {line}" for line in run.stdout.splitlines()[-10:])
            lines.extend(f"  stderr: {line}" for line in run.stderr.splitlines()[-25:])
        return self.redact("\n".join(lines))


class ForkServer:
    """``driver.py --serve``: runs each driver in a forked child of a pre-imported process.

    Each run is still a separate process, SIGKILLed for real; this only saves the half
    second of interpreter start-up and imports that would otherwise dominate the suite.
    """

    def __init__(self) -> None:
        self._process = subprocess.Popen(  # noqa: S603 - our own driver
            [sys.executable, str(DRIVER), "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._lock = threading.Lock()
        self._next = 0
        self._pids: dict[int, int] = {}
        self._results: dict[int, Future[int]] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            message = json.loads(line)
            with self._lock:
                if "pid" in message:
                    self._pids[message["id"]] = message["pid"]
                else:
                    self._results[message["id"]].set_result(message["returncode"])
        with self._lock:
            for future in self._results.values():
                if not future.done():
                    future.set_exception(RuntimeError("the fork server ended"))

    def run(self, argv: list[str], env: dict[str, str], stdout: Path, stderr: Path) -> int:
        """Run the driver in a new child; its exit status (``-9``: SIGKILL).

        ``env`` is added to the child's environment.
        """
        future: Future[int] = Future()
        with self._lock:
            ident, self._next = self._next, self._next + 1
            self._results[ident] = future
            request = {
                "id": ident,
                "argv": argv,
                "env": env,
                "stdout": str(stdout),
                "stderr": str(stderr),
            }
            assert self._process.stdin is not None
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
        try:
            return future.result(timeout=RUN_TIMEOUT)
        except TimeoutError:
            with self._lock:
                pid = self._pids.get(ident)
            if pid is not None:  # our own hung child: end it so the server can finish
                os.kill(pid, signal.SIGKILL)
            raise

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join()
        assert self._process.stdout is not None
        self._process.stdout.close()


class Lab:
    """Runs crash scenarios against one emulator."""

    def __init__(self, emulator: ThreadedEmulator, root: Path, server: ForkServer) -> None:
        self.emulator = emulator
        self.root = root
        self._names: set[str] = set()
        self._lock = threading.Lock()
        self._server = server

    # -- setting up -------------------------------------------------------------------------

    def new_job(
        self, name: str, *, count: int = 12, output_format: str = "json", concurrency: int = 4
    ) -> Job:
        """Seed ``count`` legacy authorizations with known old passwords, for one job."""
        with self._lock:
            assert name not in self._names, f"job name {name} used twice"
            self._names.add(name)
        directory = self.root / name
        directory.mkdir()
        old: dict[str, str] = {}
        usernames: dict[str, str] = {}
        ids: list[str] = []
        for number in range(count):
            password = f"old-{secrets.token_hex(12)}"
            auth = self.emulator.create_legacy_authorization(
                f"{name}-u{number:02d}", password=password
            )
            ids.append(auth.id)
            usernames[auth.id] = auth.username
            old[auth.id] = password
        targets = [{"id": auth_id, "username": usernames[auth_id]} for auth_id in ids]
        (directory / "targets.json").write_text(json.dumps(targets))
        return Job(name, directory, ids, usernames, old, output_format, concurrency)

    @property
    def server_env(self) -> dict[str, str]:
        """Where the server is: kept in the environment, off command lines."""
        return {"INFLUX_HOST": self.emulator.url, "INFLUX_TOKEN": self.emulator.token}

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, **self.server_env, "PYTHONUNBUFFERED": "1"}

    # -- running ------------------------------------------------------------------------------

    def run(
        self, job: Job, *extra: str, standalone: bool = False, output: Path | None = None
    ) -> Run:
        """Run the driver once: through the fork server, or as ``python driver.py``.

        ``output``: the file to publish to, when not the job's own.
        """
        args = job.driver_args(*extra, output=output)
        if standalone:
            done = subprocess.run(  # noqa: S603 - our own driver, with our own arguments
                args,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT,
                check=False,
            )
            run = Run(tuple(args), done.returncode, done.stdout, done.stderr)
        else:
            number = len(job.runs) + 1
            stdout = job.directory / f"run{number}.stdout"
            stderr = job.directory / f"run{number}.stderr"
            returncode = self._server.run(args[2:], self.server_env, stdout, stderr)
            run = Run(tuple(args), returncode, stdout.read_text(), stderr.read_text())
            stdout.unlink()
            stderr.unlink()
        job.runs.append(run)
        return run

    def crash(self, job: Job, *kill: str, standalone: bool = False) -> Journal | None:
        """Run the driver with a kill point; it must die of SIGKILL. Checks the invariant."""
        run = self.run(job, *kill, standalone=standalone)
        job.check(
            run.returncode == -signal.SIGKILL,
            f"expected the driver to be killed by SIGKILL ({' '.join(kill)})",
        )
        return self.check_crash_invariant(job)

    def resume(self, job: Job, *, standalone: bool = False) -> None:
        """Run the driver again without a kill point: it must finish the job."""
        run = self.run(job, standalone=standalone)
        job.check(run.returncode == 0, "expected the resumed run to finish")
        summary = json.loads(run.stdout.splitlines()[-1])
        job.check(summary["complete"] is True, "the resumed run did not complete")

    def scenario(self, job: Job, *kill: str) -> None:
        """Crash at ``kill``, check the invariant, resume, check the result."""
        self.crash(job, *kill)
        self.resume(job)
        self.check_done(job)

    # -- the command-line interface ---------------------------------------------------------

    def cli_args(self, job: Job) -> list[str]:
        """``aioinflux-legacyauth rotate`` over the job's authorizations, same every time."""
        selection = [part for auth_id in job.ids for part in ("--id", auth_id)]
        return [
            sys.executable,
            "-m",
            "aioinflux_legacyauth",
            "rotate",
            *selection,
            "--journal",
            str(job.journal),
            "--output",
            str(job.output),
            "--format",
            job.output_format,
            "--concurrency",
            str(job.concurrency),
        ]

    def run_cli(self, job: Job, *, kill_after: float | None = None, patience: float = 1.5) -> Run:
        """Run the CLI; with ``kill_after``, SIGKILL it that long after it makes progress.

        Progress: the journal grew (or, for a new job, appeared). If none shows within
        ``patience`` seconds the kill comes anyway: any moment is a valid one to crash at.
        """
        args = self.cli_args(job)
        start_size = job.journal.stat().st_size if job.journal.exists() else -1
        with subprocess.Popen(  # noqa: S603 - our own CLI, with our own arguments
            args,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as process:
            if kill_after is not None:
                limit = time.monotonic() + patience
                while process.poll() is None and time.monotonic() < limit:
                    if job.journal.exists() and job.journal.stat().st_size > start_size:
                        break
                    time.sleep(0.01)
                time.sleep(kill_after)
                process.kill()  # SIGKILL; a no-op if it already ended
            try:
                stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                stdout, stderr = process.communicate()
        run = Run(tuple(args), process.returncode, stdout, stderr)
        job.runs.append(run)
        return run

    # -- checking -----------------------------------------------------------------------------

    def matches(self, auth_id: str, password: str) -> bool:
        return self.emulator.password_matches(auth_id, password)

    def logins(self, pairs: Iterable[tuple[str, str]]) -> list[bool]:
        """Log in with each (username, password) through the server's v1 ``/query``."""
        pairs = list(pairs)

        async def check() -> list[bool]:
            async with LegacyAuthClient(self.emulator.url, self.emulator.token) as client:
                return list(await asyncio.gather(*(client.check_login(u, p) for u, p in pairs)))

        return asyncio.run(check())

    def check_crash_invariant(self, job: Job) -> Journal | None:
        """Right after a crash: no credential is lost.

        The journal (if any) is 0600 and never gives an item two passwords, not even
        across crashes; the output file (if any) is whole, 0600, holds only journaled
        passwords, each accepted by the server, and every item journaled ``done``; every
        target accepts its old password or its journaled one.
        """
        journal = read_journal(job.journal) if job.journal.exists() else None
        if journal is not None:
            job.check(mode_of(job.journal) == 0o600, "journal mode")
            for auth_id, passwords in journal.pending.items():
                job.check(len(set(passwords)) == 1, f"{auth_id}: two passwords")
                earlier = job.journaled.setdefault(auth_id, passwords[0])
                job.check(
                    earlier == passwords[0],
                    f"{auth_id}: a resumed run journaled a new password, not the old one",
                )
        published: dict[str, str] = {}
        if job.output.exists():
            job.check(mode_of(job.output) == 0o600, "output mode")
            rows = parse_output(job.output, job.output_format)
            published = {auth_id: password for auth_id, _, password in rows}
            job.check(len(published) == len(rows), "an ID twice in the output")
            for auth_id, username, password in rows:
                job.check(username == job.usernames[auth_id], f"{auth_id}: username")
                if journal is not None and journal.complete:
                    # Killed after the scrub: the output is where the passwords are now.
                    job.journaled.setdefault(auth_id, password)
                job.check(
                    password == job.journaled.get(auth_id),
                    f"{auth_id}: published a password that was not journaled first",
                )
                job.check(
                    self.matches(auth_id, password),
                    f"{auth_id}: the output holds a password the server does not accept",
                )
        done = journal.ids_of("done") if journal is not None else set()
        missing = sorted(done - published.keys())
        job.check(not missing, f"journaled done but not in the output: {missing}")
        for auth_id in job.ids:
            candidates = [job.old[auth_id]]
            if auth_id in job.journaled:
                candidates.append(job.journaled[auth_id])
            job.check(
                any(self.matches(auth_id, c) for c in candidates),
                f"LOST CREDENTIAL: {auth_id} accepts neither its old nor its journaled password",
            )
        return journal

    def check_done(self, job: Job) -> None:
        """After the resumed run: every credential in the output works, none was lost."""
        job.check(job.output.exists(), "no output file")
        rows = parse_output(job.output, job.output_format)
        ids = [auth_id for auth_id, _, _ in rows]
        job.check(
            sorted(ids) == sorted(job.ids),
            "each selected authorization must be in the output exactly once",
        )
        for auth_id, username, password in rows:
            job.check(username == job.usernames[auth_id], f"{auth_id}: username")
            if auth_id in job.journaled:
                job.check(
                    password == job.journaled[auth_id],
                    f"{auth_id}: the resumed run replaced the journaled password",
                )
        new_ok = self.logins((username, password) for _, username, password in rows)
        failing = [auth_id for auth_id, ok in zip(ids, new_ok, strict=True) if not ok]
        job.check(not failing, f"/query refuses the new password of {failing}")
        old_ok = self.logins((job.usernames[i], job.old[i]) for i in job.ids)
        still_old = [auth_id for auth_id, ok in zip(job.ids, old_ok, strict=True) if ok]
        job.check(not still_old, f"/query still accepts the old password of {still_old}")
        job.check(mode_of(job.output) == 0o600, "output mode")
        job.check(mode_of(job.journal) == 0o600, "journal mode")
        raw = job.journal.read_text()
        journal = read_journal(job.journal)
        job.check(not journal.torn, "the completed journal ends in a torn line")
        job.check(journal.complete, "the journal does not end with complete")
        job.check(
            all("password" not in record for record in journal.records),
            "a password key survived the scrub",
        )
        leaked = [i for i, _, password in rows if password in raw]
        leaked += [i for i in job.ids if job.old[i] in raw]
        job.check(not leaked, f"passwords of {leaked} are still in the journal")
        job.check(journal.ids_of("done") == set(job.ids), "an item is not done")
        scratch = job.journal.with_name(job.journal.name + ".scrub")
        job.check(not scratch.exists(), "the scrub's temp file was left behind")
        for leftover in job.directory.glob(f".{job.output.name}.*.tmp"):
            # A sink temp file of a killed run (known limitation): at least owner-only.
            job.check(mode_of(leftover) == 0o600, f"{leftover.name} mode")

    # -- running many ---------------------------------------------------------------------

    def run_all(self, scenarios: Iterable[tuple[str, Callable[[], None]]]) -> None:
        """Run independent scenarios in parallel; report every failure, not just the first."""
        work = list(scenarios)
        workers = min(len(work), max(2, 2 * (os.cpu_count() or 1)), 6)
        failures: list[str] = []
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [(name, pool.submit(function)) for name, function in work]
            for name, future in futures:
                error = future.exception()
                if isinstance(error, AssertionError):  # from Job.check: already redacted
                    failures.append(f"--- {name}: {error}")
                elif error is not None:  # a bug: its traceback, with anything secret-like hidden
                    text = "".join(traceback.format_exception(error))
                    failures.append(f"--- {name}: " + redact_generic(text))
        if failures:
            summary = f"{len(failures)} of {len(work)} scenarios failed:\n"
            raise AssertionError(summary + "\n".join(failures))


def redact_generic(text: str) -> str:
    """Hide password fields and anything shaped like a generated password."""
    return _TOKEN_LIKE.sub(_REDACTED, _PASSWORD_FIELD.sub(rf"\g<1>{_REDACTED}\g<2>", text))


def wait_for(path: Path, process: subprocess.Popen[str], deadline: float = 60.0) -> None:
    """Wait until ``path`` exists (the driver paused), or fail if the driver ended."""
    limit = time.monotonic() + deadline
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"the driver ended (rc={process.returncode}) before pausing")
        if time.monotonic() > limit:
            pytest.fail(f"the driver did not pause within {deadline} s")
        time.sleep(0.02)


@pytest.fixture(scope="session")
def fork_server() -> Iterator[ForkServer]:
    """One fork server for the whole crash suite (its children get each test's server)."""
    server = ForkServer()
    yield server
    server.close()


@pytest.fixture
def lab(legacyauth_emulator: ThreadedEmulator, tmp_path: Path, fork_server: ForkServer) -> Lab:
    """A crash lab on a fresh emulator."""
    return Lab(legacyauth_emulator, tmp_path, fork_server)


@pytest.fixture
def wait_for_file() -> Callable[[Path, subprocess.Popen[str]], None]:
    """``wait_for_file(path, process)``: wait for a paused driver's marker file."""
    return wait_for
