"""Run a built ``influxd`` on a fresh data directory and onboard it like ``influx setup``."""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import http.client
import json
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import cache_root

__all__ = ["ServerOptions", "StartupError", "running_server", "serve_until_stopped"]

_READY_TIMEOUT = 60.0
_STOP_TIMEOUT = 15.0
_PORT_ATTEMPTS = 5
# A placeholder UI: with it, paths outside the API (the docs' /legacy/authorizations
# included) answer 200 text/html as a released server's embedded UI does.
_INDEX_HTML = "<!DOCTYPE html>\n<html><head><title>InfluxDB</title></head><body></body></html>\n"
_PR_SET_PDEATHSIG = 1


class StartupError(Exception):
    """influxd did not start, or onboarding it failed."""


@dataclass(frozen=True)
class ServerOptions:
    """What to start: the emulator's options that a real server has too."""

    host: str = "127.0.0.1"
    port: int = 8086
    token: str | None = field(default=None, repr=False)
    org: str = "my-org"
    user: str = "admin"
    buckets: Sequence[str] = ("my-bucket",)
    strong_passwords: bool = False
    hashed_tokens: bool | None = None
    ui_disabled: bool = False
    metrics_disabled: bool = False
    quiet: bool = False


@dataclass(frozen=True)
class Running:
    """A started, onboarded server: what the JSON line says, and its process."""

    url: str
    token: str = field(repr=False)
    org_id: str
    user_id: str
    buckets: dict[str, str]
    process: subprocess.Popen[bytes] = field(repr=False, compare=False)

    def ready_line(self) -> str:
        """The line ``python -m aioinflux_legacyauth.emulator`` prints when ready."""
        ready = {
            "url": self.url,
            "token": self.token,
            "org_id": self.org_id,
            "user_id": self.user_id,
            "buckets": self.buckets,
        }
        return json.dumps(ready)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # If this script is killed outright, influxd must not outlive it (Linux only).
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port(host: str, port: int = 0) -> int:
    """``port`` if nothing listens on it (any free port for 0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            # Else /health would be answered by whatever holds the port, and we would
            # onboard a stranger.
            msg = f"port {port} is already in use ({exc.strerror})"
            raise StartupError(msg) from None
        chosen: int = probe.getsockname()[1]
        return chosen


def _request(
    url: str, method: str, path: str, body: object = None, token: str | None = None
) -> tuple[int, Any]:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Token {token}"
    try:
        payload = None if body is None else json.dumps(body)
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    return response.status, (json.loads(raw) if raw.strip() else None)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path | None) -> None:
    deadline = time.monotonic() + _READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log is not None else ""
            msg = f"influxd exited with status {process.returncode} while starting\n{tail}"
            raise StartupError(msg)
        with contextlib.suppress(OSError, http.client.HTTPException):
            if _request(url, "GET", "/health")[0] == 200 and process.poll() is None:
                return
        time.sleep(0.05)
    msg = f"influxd did not answer /health within {_READY_TIMEOUT:.0f} s"
    raise StartupError(msg)


def _onboard(
    url: str, options: ServerOptions, token: str, process: subprocess.Popen[bytes]
) -> Running:
    buckets = list(options.buckets) or ["my-bucket"]
    setup = {
        "username": options.user,
        # Nobody signs in with it; it only has to satisfy the password rules.
        "password": "Aa1!" + secrets.token_urlsafe(18),
        "org": options.org,
        "bucket": buckets[0],
        "token": token,
    }
    status, body = _request(url, "POST", "/api/v2/setup", setup)
    if status != 201:
        msg = f"POST /api/v2/setup answered {status}: {body}"
        raise StartupError(msg)
    org_id = body["org"]["id"]
    ids = {buckets[0]: body["bucket"]["id"]}
    for name in buckets[1:]:
        bucket = {"orgID": org_id, "name": name, "retentionRules": []}
        status, created = _request(url, "POST", "/api/v2/buckets", bucket, token)
        if status != 201:
            msg = f"POST /api/v2/buckets ({name!r}) answered {status}: {created}"
            raise StartupError(msg)
        ids[name] = created["id"]
    return Running(url, token, org_id, body["user"]["id"], ids, process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _argv(binary: Path, options: ServerOptions, data: Path, port: int) -> list[str]:
    host = f"[{options.host}]" if ":" in options.host else options.host
    argv = [
        str(binary),
        "--http-bind-address", f"{host}:{port}",
        "--bolt-path", str(data / "influxd.bolt"),
        "--engine-path", str(data / "engine"),
        "--sqlite-path", str(data / "influxd.sqlite"),
        "--reporting-disabled",
        "--log-level", "error",
    ]  # fmt: skip
    if options.strong_passwords:
        argv.append("--strong-passwords")
    if options.hashed_tokens is not None:
        argv.append(f"--use-hashed-tokens={str(options.hashed_tokens).lower()}")
    if options.metrics_disabled:
        argv.append("--metrics-disabled")
    if options.ui_disabled:
        argv.append("--ui-disabled")
    else:
        argv += ["--assets-path", str(data / "ui")]
    return argv


def _spawn(argv: list[str], log: Path | None) -> subprocess.Popen[bytes]:
    """Start influxd: its output goes to our stderr, or to ``log`` when quiet."""
    with contextlib.ExitStack() as stack:
        output = None if log is None else stack.enter_context(log.open("ab"))
        return subprocess.Popen(  # noqa: S603 - our own build, arguments we made
            argv,
            stdin=subprocess.DEVNULL,
            stdout=sys.stderr.fileno() if output is None else output,
            stderr=sys.stderr.fileno() if output is None else output,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - this process starts no threads
        )


@contextlib.contextmanager
def _port_lock() -> Iterator[None]:
    """Held from choosing a free port until influxd answers on it.

    Servers started side by side (the test suite starts a spare while a test runs) could
    otherwise pick the same free port: the one that loses the bind exits, but its /health
    can be answered by the other first, and it would then onboard a server not its own
    (``POST /api/v2/setup`` answered 422).
    """
    path = cache_root() / "influxd" / "ports.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        yield


def _start(
    binary: Path, options: ServerOptions, data: Path, log: Path | None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start influxd and wait until it answers; the process and its URL."""
    host = f"[{options.host}]" if ":" in options.host else options.host
    attempt = 0
    while True:
        attempt += 1
        with _port_lock():
            port = _free_port(options.host, options.port)
            url = f"http://{host}:{port}"
            process = _spawn(_argv(binary, options, data, port), log)
            try:
                _wait_healthy(url, process, log)
            except BaseException:
                _stop(process)
                # Port 0: a stranger may take the free port before influxd binds it.
                if options.port or attempt == _PORT_ATTEMPTS:
                    raise
                continue
        return process, url


@contextlib.contextmanager
def running_server(binary: Path, options: ServerOptions) -> Iterator[Running]:
    """Start influxd on a fresh temporary directory, onboard it, yield; then stop it and
    remove the directory."""
    data = Path(tempfile.mkdtemp(prefix="real-influxd-"))
    try:
        (data / "ui").mkdir()
        (data / "ui" / "index.html").write_text(_INDEX_HTML)
        token = options.token or secrets.token_urlsafe(48)
        log = data / "influxd.log" if options.quiet else None
        process, url = _start(binary, options, data, log)
        try:
            yield _onboard(url, options, token, process)
        finally:
            _stop(process)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def serve_until_stopped(binary: Path, options: ServerOptions) -> int:
    """Start, print the ready line, serve until SIGTERM or Ctrl-C; the exit status."""
    # A plain flag, not a threading.Event: the handler runs in the main thread between
    # bytecodes, and Event.set() there takes the lock Event.wait() already holds (the
    # script hung on SIGTERM, now and then, until killed: the stack dump showed it).
    stop: list[int] = []

    def request_stop(signum: int, frame: object) -> None:
        stop.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, request_stop)
    with running_server(binary, options) as running:
        sys.stdout.write(running.ready_line() + "\n")
        sys.stdout.flush()
        while not stop:
            time.sleep(0.2)
            if stop:
                break
            if running.process.poll() is not None:
                code = running.process.returncode
                sys.stderr.write(f"real-influxd: influxd exited on its own (status {code})\n")
                return 1
    return 0
