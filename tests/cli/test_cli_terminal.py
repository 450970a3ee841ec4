"""Terminal injection (issue 12, item 9): nothing a server sends reaches a terminal raw.

Usernames, descriptions and bucket names seeded with escape sequences (CSI, OSC), C0 and
C1 controls and bidi overrides, and a hostile server's error messages, go through every
place the command line prints for a person; ``--json`` stays exact JSON.
"""

from __future__ import annotations

import http.server
import io
import json
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from rich.console import Console

from aioinflux_legacyauth import Permission
from aioinflux_legacyauth.cli._output import Output
from aioinflux_legacyauth.cli._terminal import printable, safe_json
from aioinflux_legacyauth.emulator import Fault

if TYPE_CHECKING:
    from aioinflux_legacyauth import LegacyAuthorization
    from aioinflux_legacyauth.emulator import ThreadedEmulator
    from tests.cli.conftest import RunCli

#: Clear the screen, set the window title, a hyperlink, colours, a C1 CSI, bidi override.
HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\\x9b31m\u202egnp.exe"
#: What must never reach a terminal: ESC, BEL, C1 CSI, the bidi override, a raw newline.
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\x00")


def assert_no_raw_controls(text: str) -> None:
    for char in RAW:
        assert char not in text, f"{char!r} reached the terminal"


@pytest.fixture
def hostile(emulator: ThreadedEmulator) -> LegacyAuthorization:
    """An authorization whose username, description and bucket name are all hostile."""
    bucket = emulator.create_bucket("bucket" + HOSTILE)
    return emulator.create_legacy_authorization(
        "user" + HOSTILE,
        [Permission.read_bucket(bucket, emulator.org_id)],
        description="desc\u2066" + HOSTILE + "\nsecond line\x00",
    )


def test_printable_and_safe_json() -> None:
    """Each unsafe character becomes a visible escape; JSON decodes to the same value."""
    assert printable("a\x1b[31mb\u202ec\x9bd\ne\tf é 😀") == (
        "a\\x1b[31mb\\u202ec\\x9bd\\x0ae\\x09f é 😀"
    )
    assert printable("plain text [brackets]") == "plain text [brackets]"
    value = {"name": HOSTILE + "\ud800 \U000e0001 é"}
    text = safe_json(json.dumps(value, ensure_ascii=False, indent=2))
    assert json.loads(text) == value
    assert_no_raw_controls(text)
    assert "\ud800" not in text  # a lone surrogate could not even be written out
    assert "é" in text  # readable text stays readable


def test_tables_escape_every_cell(
    run_cli: RunCli, hostile: LegacyAuthorization, emulator: ThreadedEmulator
) -> None:
    """The table (piped or on a terminal) shows the escapes, one line per credential."""
    piped = run_cli("list", "--hide-headers")
    assert piped.status == 0
    assert_no_raw_controls(piped.output)
    (row,) = piped.stdout.splitlines()
    assert "user\\x1b[2J\\x1b]0;pwned\\x07" in row
    assert "\\u202egnp.exe" in row
    assert "second line\\x00" in row  # the description's newline did not break the row
    out = Output()
    buffer = io.StringIO()
    out.stdout = Console(file=buffer, width=100, force_terminal=True, color_system="truecolor")
    out.authorizations([hostile])
    shown = buffer.getvalue()
    assert "read:bucket\\x1b[2J" in shown  # the bucket name, by which permissions show
    assert "\x1b]" not in shown
    assert "\x9b" not in shown
    assert "\u202e" not in shown


def test_json_stays_exact(run_cli: RunCli, hostile: LegacyAuthorization) -> None:
    """--json decodes to the exact username, yet holds no raw control character."""
    result = run_cli("list", "--json")
    assert_no_raw_controls(result.stdout)
    (document,) = json.loads(result.stdout)
    assert document["token"] == hostile.username
    assert document["description"] == hostile.description


def test_error_lines_summaries_and_prompts(
    run_cli: RunCli, hostile: LegacyAuthorization, emulator: ThreadedEmulator
) -> None:
    """``error:`` lines, bulk summaries and the confirmation prompt escape usernames."""
    missing = run_cli("set-password", "--username", "ghost" + HOSTILE, "--password", "x" * 10)
    assert missing.status == 1
    assert missing.stderr.startswith("error: could not find v1 auth with username")
    assert_no_raw_controls(missing.output)
    emulator.faults.add(Fault.bad_gateway(), method="DELETE", times=None)
    summary = run_cli("delete-many", "--all", "--yes")
    assert summary.status == 1
    assert_no_raw_controls(summary.output)
    assert f"  {hostile.id} (user\\x1b[2J" in summary.stdout
    asked = run_cli("delete-many", "--all", stdin="n\n", tty=True)
    assert asked.status == 1
    assert asked.stderr.startswith("Delete 1 legacy authorization (user\\x1b[2J\\x1b]0;pwned")
    assert_no_raw_controls(asked.output)


class _HostileHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with an error whose message would drive a terminal."""

    def do_GET(self) -> None:
        if self.path.startswith("/api/v2/orgs"):  # an HTML error page, as a proxy sends
            body = f"<html><title>{HOSTILE}</title>\n{HOSTILE}</html>".encode()
            self._answer(502, "text/html", body, code=None)
            return
        document = {"code": "invalid", "message": "bad request" + HOSTILE}
        self._answer(400, "application/json", json.dumps(document).encode(), code="invalid")

    def _answer(self, status: int, content_type: str, body: bytes, *, code: str | None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if code is not None:
            self.send_header("X-Platform-Error-Code", code)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hostile_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HostileHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_hostile_servers_messages_are_escaped(run_cli: RunCli, hostile_server: str) -> None:
    """A server's error message, its HTML page, --http-debug and --verbose: escaped."""
    result = run_cli("list", "--host", hostile_server)
    assert result.status == 1
    assert result.stderr.startswith("error: GET /private/legacy/authorizations -> 400")
    assert "bad request\\x1b[2J\\x1b]0;pwned\\x07" in result.stderr
    assert_no_raw_controls(result.output)
    page = run_cli("list", "--host", hostile_server, "--org", "x", "--verbose", "--http-debug")
    assert page.status == 1
    assert "debug: " in page.stderr
    assert "<title>\\x1b[2J" in page.stderr  # the page, in --http-debug and the error line
    assert_no_raw_controls(page.output)


def test_the_audit_table_escapes_usernames(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """audit's findings name hostile usernames escaped too."""
    emulator.create_legacy_authorization("idle" + HOSTILE, active=False)
    result = run_cli("audit", "--all")
    assert result.status == 1
    assert "idle\\x1b[2J\\x1b]0;pwned" in result.stdout
    assert_no_raw_controls(result.output)
