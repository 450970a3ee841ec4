"""Storing a v1 password on a real server without its rules, as ``influxd upgrade`` does.

No API stores a password the rules refuse: only ``influxd upgrade`` does, with a 1.x
user's hash (``SetPasswordHash``). A test's own server can be made to hold one all the
same: ``GET /api/v2/backup/kv`` hands out the bolt file, the small Go program in
``passwordhash/`` puts a bcrypt hash into it (the bucket and key
``v1/authorization/storage_password.go`` uses), and ``POST /api/v2/restore/kv`` swaps it
in while the server runs. Both routes need the operator token; a shared server
(``URL,TOKEN``) is never restored over.

The program is built once per run with the Go toolchain that built influxd (its two
modules, bbolt and x/crypto, are influxd's own, already in the module cache).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from .api import Api, ApiError

__all__ = ["HashImporter"]

_SOURCE = Path(__file__).with_name("passwordhash")
_TIMEOUT = 300.0


class HashImporter:
    """Builds ``passwordhash`` on first use; :meth:`store` puts a password on a server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._directory: Path | None = None
        self._tool: Path | None = None

    def __repr__(self) -> str:
        return f"HashImporter(built={self._tool is not None})"

    def _built(self) -> Path:
        with self._lock:
            if self._tool is None:
                go = shutil.which("go")
                if go is None:
                    msg = "no Go toolchain on PATH to build tests/realserver/passwordhash"
                    raise RuntimeError(msg)
                self._directory = Path(tempfile.mkdtemp(prefix="aioinflux-passwordhash-"))
                tool = self._directory / "passwordhash"
                subprocess.run(  # noqa: S603 - the Go toolchain on our own source
                    [go, "build", "-o", str(tool), "."],
                    cwd=_SOURCE,
                    check=True,
                    timeout=_TIMEOUT,
                    capture_output=True,
                )
                self._tool = tool
            return self._tool

    def store(self, api: Api, auth_id: str, password: str) -> None:
        """Give ``auth_id`` on ``api``'s server the hash of ``password``, no rule checked."""
        tool = self._built()
        with tempfile.TemporaryDirectory(prefix="aioinflux-kv-") as scratch:
            snapshot = Path(scratch) / "influxd.bolt"
            status, kv = api.raw("GET", "/api/v2/backup/kv")
            if status != 200:
                raise ApiError("GET", "/api/v2/backup/kv", status, kv)
            snapshot.write_bytes(kv)
            subprocess.run(  # noqa: S603 - our own tool; the password goes on stdin
                [str(tool), str(snapshot), auth_id],
                input=password.encode(),
                check=True,
                timeout=_TIMEOUT,
                capture_output=True,
            )
            status, answer = api.raw("POST", "/api/v2/restore/kv", content=snapshot.read_bytes())
            if status != 200:
                raise ApiError("POST", "/api/v2/restore/kv", status, answer)

    def close(self) -> None:
        """Remove the built program."""
        with self._lock:
            if self._directory is not None:
                shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = self._tool = None
