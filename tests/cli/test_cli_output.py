"""Tables, JSON and progress bars: what scripts and people read."""

from __future__ import annotations

import io
import json
import re
from typing import TYPE_CHECKING

import pytest
from rich.cells import cell_len
from rich.console import Console

from aioinflux_legacyauth import Permission
from aioinflux_legacyauth.cli._output import Output

if TYPE_CHECKING:
    from aioinflux_legacyauth import LegacyAuthorization
    from aioinflux_legacyauth.emulator import ThreadedEmulator
    from tests.cli.conftest import PtyCli, RunCli

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


# -- fitting the terminal (issue 13) ------------------------------------------------------------

ANSI = re.compile(r"\x1b\[[0-9;]*m")
WIDTHS = (80, 120)


@pytest.fixture
def realistic(emulator: ThreadedEmulator) -> list[LegacyAuthorization]:
    """What a terminal shows in real life: a few consumers over two buckets."""
    metrics = emulator.create_bucket("metrics")
    logs = emulator.create_bucket("logs")
    org = emulator.org_id
    return [
        emulator.create_legacy_authorization(
            "grafana-dashboards",
            [Permission.read_bucket(metrics, org), Permission.read_bucket(logs, org)],
            description="Grafana InfluxQL data source for the ops dashboards",
        ),
        emulator.create_legacy_authorization(
            "telegraf-host-017",
            [Permission.write_bucket(metrics, org)],
            description="telegraf on host-017",
        ),
        emulator.create_legacy_authorization(
            "reporting-nightly-export-job",
            [Permission.read_bucket(metrics, org), Permission.write_bucket(logs, org)],
            active=False,
        ),
    ]


def terminal_table(auths: list[LegacyAuthorization], width: int, **options: bool) -> str:
    out = Output()
    buffer = io.StringIO()
    out.stdout = Console(file=buffer, width=width, force_terminal=True, color_system=None)
    out.stderr = Console(file=io.StringIO(), width=width, force_terminal=True)
    out.authorizations(auths, **options)
    return buffer.getvalue()


def assert_fits(text: str, width: int, auths: list[LegacyAuthorization]) -> list[str]:
    """No line wider than the terminal; every ID, username and status whole on a line."""
    lines = [ANSI.sub("", line) for line in text.splitlines()]
    assert max(cell_len(line) for line in lines) <= width, "\n".join(lines)
    for auth in auths:
        (row,) = [line for line in lines if auth.id in line]
        assert f" {auth.username} " in row
        assert f" {auth.status} " in row or row.endswith(str(auth.status))
    return lines


@pytest.mark.parametrize("width", WIDTHS)
def test_the_table_fits_the_terminal_without_splitting_ids(
    realistic: list[LegacyAuthorization], width: int
) -> None:
    """At 80 and 120 columns no row is wider than the terminal and no ID, username or
    status is split; permissions are shown by bucket name."""
    text = terminal_table(realistic, width)
    lines = assert_fits(text, width, realistic)
    assert lines[0].split()[:2] == ["ID", "Username"] or lines[0].startswith("ID ")
    assert "read:metrics" in text
    assert "write:logs" in text
    assert "orgs/" not in text  # no permission string cut across lines


def test_the_table_keeps_more_columns_when_there_is_room(
    realistic: list[LegacyAuthorization],
) -> None:
    """At 120 columns the description stays (folded); at 80 it is left out."""
    assert "Description" in terminal_table(realistic, 120).splitlines()[0]
    assert "Description" not in terminal_table(realistic, 80).splitlines()[0]
    wide_enough = terminal_table(realistic, 400)
    assert "orgs/" in wide_enough  # when everything fits, the influx CLI's full table
    assert len(wide_enough.splitlines()) == 1 + len(realistic)


def test_wide_shows_everything_on_one_line_each(realistic: list[LegacyAuthorization]) -> None:
    """--wide on an 80-column terminal: every column and full permission, a line each."""
    lines = terminal_table(realistic, 80, wide=True).splitlines()
    assert len(lines) == 1 + len(realistic)
    assert [name.strip() for name in ANSI.sub("", lines[0]).split("  ") if name.strip()] == HEADERS
    for auth, line in zip(realistic, lines[1:], strict=True):
        assert all(str(permission) in line for permission in auth.permissions)


@pytest.mark.parametrize("width", WIDTHS)
def test_list_on_a_real_terminal(
    pty_cli: PtyCli, realistic: list[LegacyAuthorization], width: int
) -> None:
    """``list`` in a pty with COLUMNS set: the same fit, and a note on what was left out."""
    status, shown = pty_cli(["list"], env={"COLUMNS": str(width)})
    assert status == 0, shown
    table, _, note = shown.replace("\r\n", "\n").partition("note: ")
    assert_fits(table, width, realistic)
    if width == 80:
        assert note.startswith(f"left out to fit {width} columns: v2 User ID")
        assert "--wide or --json shows everything" in note
    else:  # every column fits, the permissions by bucket name
        assert "v2 User ID" in table
        assert note == ""


def test_piped_list_stays_one_line_per_credential(
    run_cli: RunCli, realistic: list[LegacyAuthorization]
) -> None:
    """Off a terminal: every column and full permission, one line per credential."""
    result = run_cli("list")
    assert result.status == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 1 + len(realistic)
    assert [name.strip() for name in lines[0].split("  ") if name.strip()] == HEADERS
    for auth, line in zip(realistic, lines[1:], strict=True):
        assert line.startswith(auth.id)
        assert line.endswith("[" + " ".join(str(p) for p in auth.permissions) + "]")
    assert result.stderr == ""  # nothing was left out
    documents = json.loads(run_cli("list", "--json").stdout)
    assert [document["description"] for document in documents] == [
        auth.description for auth in realistic
    ]
