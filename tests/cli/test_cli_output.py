"""Tables, JSON and progress bars: what scripts and people read."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

from rich.console import Console

from aioinflux_legacyauth.cli._output import Output

if TYPE_CHECKING:
    from aioinflux_legacyauth.emulator import ThreadedEmulator
    from tests.cli.conftest import RunCli

HEADERS = ["ID", "Description", "Username", "v2 User Name", "v2 User ID", "Status", "Permissions"]
LONG_NAME = "telegraf-" + "x" * 150
JSON_KEYS = ["id", "description", "token", "status", "userName", "userID", "permissions", "orgID"]


def test_table_has_the_influx_columns_plus_status(
    run_cli: RunCli, emulator: ThreadedEmulator
) -> None:
    """The header row names the influx CLI's columns and Status; rows show the values."""
    auth = emulator.create_legacy_authorization(
        "grafana", active=False, description="dashboards [ro]"
    )
    result = run_cli("list")
    assert result.status == 0
    header, row, *rest = result.stdout.splitlines()
    assert rest == []
    assert [name.strip() for name in header.split("  ") if name.strip()] == HEADERS
    assert row.split()[0] == auth.id
    assert "dashboards [ro]" in row  # brackets are text, never markup
    assert " grafana " in row
    assert " admin " in row
    assert f" {emulator.user_id} " in row
    assert " inactive " in row
    path = f"orgs/{emulator.org_id}/buckets/{emulator.buckets['my-bucket']}"
    assert row.endswith(f"[read:{path} write:{path}]")
    assert "\x1b[" not in result.stdout  # no colours off a terminal


def test_hide_headers_flag_and_variable(run_cli: RunCli, emulator: ThreadedEmulator) -> None:
    """--hide-headers (or INFLUX_HIDE_HEADERS=true) prints the rows only."""
    auth = emulator.create_legacy_authorization("telegraf")
    for result in (
        run_cli("list", "--hide-headers"),
        run_cli("list", env={"INFLUX_HIDE_HEADERS": "true"}),
    ):
        assert result.status == 0
        assert result.stdout.splitlines() == [result.stdout.rstrip("\n")]
        assert result.stdout.startswith(auth.id)
    assert run_cli("list", env={"INFLUX_HIDE_HEADERS": "false"}).stdout.startswith("ID ")


def test_long_values_are_never_cut_or_wrapped_off_a_terminal(
    run_cli: RunCli, emulator: ThreadedEmulator
) -> None:
    """A 159-character username stays whole on one line, whatever rich's 80 columns say."""
    auth = emulator.create_legacy_authorization(LONG_NAME, description="d " * 60)
    result = run_cli("list", "--hide-headers")
    assert result.status == 0
    (row,) = result.stdout.splitlines()
    assert row.startswith(auth.id + " ")
    assert f" {LONG_NAME} " in row
    assert " active " in row
    assert "…" not in row
    assert row == row.rstrip()  # no padding left at the end of the line


def test_narrow_terminal_keeps_ids_usernames_and_statuses_whole(
    emulator: ThreadedEmulator,
) -> None:
    """On a 60-column terminal, descriptions and permissions fold; IDs, usernames and
    statuses are never cut (the table grows wider than the terminal instead)."""
    auth = emulator.create_legacy_authorization(
        LONG_NAME, description="a description long enough to fold " * 3
    )
    out = Output()
    buffer = io.StringIO()
    out.stdout = Console(file=buffer, width=60, force_terminal=True, color_system=None)
    out.authorizations([auth])
    text = buffer.getvalue()
    assert auth.id in text
    assert LONG_NAME in text
    assert "active" in text
    assert "…" not in text
    assert out.stdout.width == 60  # the console is left as it was


def test_json_list_is_an_array_with_the_influx_keys(
    run_cli: RunCli, emulator: ThreadedEmulator
) -> None:
    """``list --json``: an array of objects with the influx CLI's keys plus orgID."""
    first = emulator.create_legacy_authorization("one", description="first [x]")
    second = emulator.create_legacy_authorization("two", active=False)
    for result in (run_cli("list", "--json"), run_cli("list", env={"INFLUX_OUTPUT_JSON": "1"})):
        assert result.status == 0
        documents = json.loads(result.stdout)
        assert [list(document) for document in documents] == [JSON_KEYS, JSON_KEYS]
        assert documents[0] == {
            "id": first.id,
            "description": "first [x]",
            "token": "one",
            "status": "active",
            "userName": "admin",
            "userID": emulator.user_id,
            "permissions": [str(permission) for permission in first.permissions],
            "orgID": emulator.org_id,
        }
        assert documents[1]["id"] == second.id
        assert documents[1]["status"] == "inactive"
        assert result.stdout.startswith("[\n  {\n")  # indented, plain JSON


def test_empty_list(run_cli: RunCli) -> None:
    """No authorizations: a header-only table, or ``[]``."""
    assert run_cli("list").stdout.split() == " ".join(HEADERS).split()
    assert run_cli("list", "--hide-headers").stdout == ""
    assert json.loads(run_cli("list", "--json").stdout) == []


def test_progress_callback_off_a_terminal() -> None:
    """Off a terminal the progress bar is silent, and its callback takes any updates."""
    out = Output()
    buffer = io.StringIO()
    out.stderr = Console(file=buffer)
    with out.progress("deactivate", 3) as update:
        update(1, 3)
        update(3, 3)
        update(4, None)
    assert buffer.getvalue() == ""


def test_progress_bar_on_a_terminal() -> None:
    """On a terminal the bar draws on stderr, and leaves no bar behind."""
    out = Output()
    buffer = io.StringIO()
    out.stderr = Console(file=buffer, force_terminal=True, width=80, color_system=None)
    with out.progress("deactivate", 2) as update:
        update(1, 2)
        update(2, 2)
    assert "deactivate" in buffer.getvalue()


def test_line_and_json_are_plain_text() -> None:
    """Lines and JSON are written as they are: no markup, no wrapping at 80 columns."""
    out = Output()
    buffer = io.StringIO()
    out.stdout = Console(file=buffer, width=20)
    out.line("[bold]x[/bold] " + "y" * 50)
    out.json({"a": "[b]"})
    assert buffer.getvalue() == "[bold]x[/bold] " + "y" * 50 + '\n{\n  "a": "[b]"\n}\n'
