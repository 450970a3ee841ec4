"""activate, deactivate and delete-many: selection, dry run, reports and exit statuses."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from aioinflux_legacyauth import Permission
from aioinflux_legacyauth.emulator import Fault, permission

if TYPE_CHECKING:
    from aioinflux_legacyauth import LegacyAuthorization
    from aioinflux_legacyauth.emulator import ThreadedEmulator
    from tests.cli.conftest import RunCli

MISSING_ID = "0123456789abcdef"
ITEM_KEYS = ["id", "username", "outcome", "status", "code", "message", "attempts"]
OUTCOMES = ["ok", "already_done", "not_found", "failed", "unknown", "skipped"]


@pytest.fixture
def seeded(emulator: ThreadedEmulator) -> dict[str, LegacyAuthorization]:
    """Five authorizations: a1..a3 active, i1 inactive in my-org; o1 active in other-org."""
    other_org = emulator.create_org("other-org")
    bucket = emulator.create_bucket("theirs", org_id=other_org)
    made = {name: emulator.create_legacy_authorization(name) for name in ("a1", "a2", "a3")}
    made["i1"] = emulator.create_legacy_authorization("i1", active=False)
    made["o1"] = emulator.create_legacy_authorization(
        "o1", [Permission.read_bucket(bucket, other_org)], org_id=other_org
    )
    return made


def statuses(emulator: ThreadedEmulator) -> dict[str, str]:
    """username -> status, as the server has them now."""
    return {auth.username: str(auth.status) for auth in emulator.legacy_authorizations()}


def test_deactivate_all(
    run_cli: RunCli, emulator: ThreadedEmulator, seeded: dict[str, LegacyAuthorization]
) -> None:
    """--all deactivates everything; the summary counts the outcomes (i1 was inactive
    already: already_done, not ok, since issue 13); exit 0."""
    result = run_cli("deactivate", "--all")
    assert result.status == 0, result.output
    assert result.stdout == "deactivate: 4 ok, 1 already_done\n"
    assert set(statuses(emulator).values()) == {"inactive"}


def test_filters_combine_with_and(
    run_cli: RunCli, emulator: ThreadedEmulator, seeded: dict[str, LegacyAuthorization]
) -> None:
    """--org, --status and the ID/username list all have to match."""
    assert run_cli("deactivate", "--org", "my-org", "--status", "active").stdout == (
        "deactivate: 3 ok\n"
    )
    assert statuses(emulator) == {
        "a1": "inactive", "a2": "inactive", "a3": "inactive", "i1": "inactive", "o1": "active",
    }  # fmt: skip
    result = run_cli("activate", "--username", "a1", "--id", seeded["a2"].id, "--username", "o1",
                     "--org-id", emulator.org_id, "--json")  # fmt: skip
    report = json.loads(result.stdout)
    # o1 is outside the org: it matched nothing there.
    assert [(item["username"], item["outcome"]) for item in report["items"]] == [
        ("a1", "ok"), ("a2", "ok"), ("o1", "not_found"),
    ]  # fmt: skip
    assert result.status == 1
    assert statuses(emulator)["a3"] == "inactive"


def test_id_and_username_values_combine_with_or(
    run_cli: RunCli, emulator: ThreadedEmulator, seeded: dict[str, LegacyAuthorization]
) -> None:
    """Repeated values select each match once, sorted by ID, from one list call."""
    emulator.requests.clear()
    result = run_cli(
        "delete-many", "--id", seeded["a3"].id, "--username", "a3", "--username", "a1",
        "--id", seeded["a1"].id, "--json",
    )  # fmt: skip
    assert result.status == 0
    report = json.loads(result.stdout)
    assert [item["username"] for item in report["items"]] == ["a1", "a3"]
    assert set(statuses(emulator)) == {"a2", "i1", "o1"}
    assert emulator.requests.count("GET", "/private/legacy/authorizations") == 1


def test_json_report_shape(
    run_cli: RunCli, emulator: ThreadedEmulator, seeded: dict[str, LegacyAuthorization]
) -> None:
    """--json prints the whole per-item report, missing values included; exit 1."""
    result = run_cli(
        "deactivate", "--username", "a1", "--username", "i1", "--id", MISSING_ID,
        "--username", "ghost", "--json",
    )  # fmt: skip
    assert result.status == 1
    report = json.loads(result.stdout)
    assert list(report) == ["operation", "dry_run", "elapsed", "counts", "items"]
    assert report["operation"] == "deactivate"
    assert report["dry_run"] is False
    assert isinstance(report["elapsed"], float)
    assert report["counts"] == {
        "ok": 1, "already_done": 1, "not_found": 2, "failed": 0, "unknown": 0, "skipped": 0,
    }  # fmt: skip
    assert [list(item) for item in report["items"]] == [ITEM_KEYS] * 4
    a1, i1, missing_id, ghost = report["items"]
    assert a1 == {
        "id": seeded["a1"].id, "username": "a1", "outcome": "ok", "status": 200,
        "code": None, "message": None, "attempts": 1,
    }  # fmt: skip
    # The PATCH to the same status is sent, and reported as already done (issue 13).
    assert i1["outcome"] == "already_done"
    assert i1["message"] == "already inactive"
    assert missing_id == {
        "id": MISSING_ID, "username": None, "outcome": "not_found", "status": None,
        "code": None, "message": f"no legacy authorization matches id {MISSING_ID}",
        "attempts": 0,
    }  # fmt: skip
    assert (ghost["id"], ghost["username"], ghost["outcome"]) == (None, "ghost", "not_found")
    assert statuses(emulator)["a1"] == "inactive"


def test_missing_id_in_text_mode(
    run_cli: RunCli, emulator: ThreadedEmulator, seeded: dict[str, LegacyAuthorization]
) -> None:
    """A missing --id: the others are done, the summary lists it, exit 1."""
    result = run_cli("delete-many", "--id", seeded["a2"].id, "--id", MISSING_ID)
    assert result.status == 1
    assert result.stdout == (
        "delete-many: 1 ok, 1 not_found\n"
        f"  {MISSING_ID}  not_found: no legacy authorization matches id {MISSING_ID}\n"
    )
    assert "a2" not in statuses(emulator)


@pytest.mark.parametrize("command", ["deactivate", "activate", "delete-many"])
def test_dry_run_changes_nothing(
    run_cli: RunCli,
    emulator: ThreadedEmulator,
    seeded: dict[str, LegacyAuthorization],
    command: str,
) -> None:
    """--dry-run only reads: the server's state and its write requests stay untouched."""
    before = emulator.legacy_authorizations()
    emulator.requests.clear()
    result = run_cli(command, "--all", "--dry-run", "--json")
    assert result.status == 0, result.output
    report = json.loads(result.stdout)
    assert report["dry_run"] is True
    assert sum(report["counts"].values()) == 5
    assert emulator.legacy_authorizations() == before
    assert emulator.requests.count("PATCH") == 0
    assert emulator.requests.count("DELETE") == 0
    expected_ok = {"deactivate": 4, "activate": 1, "delete-many": 5}[command]
    assert report["counts"]["ok"] == expected_ok
    assert report["counts"]["already_done"] == 5 - expected_ok


def test_dry_run_text_shows_the_selection(
    run_cli: RunCli, emulator: ThreadedEmulator, seeded: dict[str, LegacyAuthorization]
) -> None:
    """In text mode a dry run lists what it would touch, then the would-be counts."""
    result = run_cli("deactivate", "--status", "active", "--org", "my-org", "--dry-run")
    assert result.status == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ID ")
    assert [line.split()[0] for line in lines[1:4]] == [seeded[n].id for n in ("a1", "a2", "a3")]
    assert lines[4:] == ["deactivate (dry run): 3 ok"]


@pytest.mark.parametrize(
    "argv", [("--status", "inactive", "--org", "other-org"), ("--org", "empty-org"), ("--all",)]
)
def test_nothing_matched_is_not_an_error(
    run_cli: RunCli, emulator: ThreadedEmulator, argv: tuple[str, ...]
) -> None:
    """A selection by org, status or --all that matches nothing: a note, exit 0."""
    emulator.create_org("other-org")
    emulator.create_org("empty-org")
    result = run_cli("deactivate", *argv)
    assert (result.status, result.stdout) == (0, "no legacy authorizations matched\n")
    report = json.loads(run_cli("delete-many", *argv, "--json").stdout)
    assert report["items"] == []
    assert set(report["counts"]) == set(OUTCOMES)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "select authorizations with --id, --username, --org, --status, or --all"),
        (("--all", "--username", "a1"), "--all selects everything"),
        (("--all", "--id", MISSING_ID), "--all selects everything"),
        (("--org", "my-org", "--org-id", MISSING_ID), "use --org or --org-id, not both"),
    ],
)
def test_selection_usage_errors(
    run_cli: RunCli,
    emulator: ThreadedEmulator,
    seeded: dict[str, LegacyAuthorization],
    argv: tuple[str, ...],
    message: str,
) -> None:
    """No selection, or --all with a list: exit 2 and nothing touched."""
    before = emulator.legacy_authorizations()
    for command in ("activate", "deactivate", "delete-many"):
        result = run_cli(command, *argv)
        assert result.status == 2, command
        assert result.stderr.startswith(f"error: {message}")
    assert emulator.legacy_authorizations() == before


def test_selection_by_unknown_org_name(run_cli: RunCli) -> None:
    """An org name that does not exist is an error, not an empty selection."""
    result = run_cli("deactivate", "--org", "nope")
    assert result.status == 1
    assert result.stderr == "error: organization 'nope' not found\n"


@pytest.mark.parametrize("value", ["0", "-3", "many", "1.5"])
def test_concurrency_must_be_positive(run_cli: RunCli, value: str) -> None:
    """--concurrency takes a positive whole number only."""
    result = run_cli("deactivate", "--all", "--concurrency", value)
    assert result.status == 2
    assert "expected a positive whole number" in result.stderr


def test_concurrency_one_and_many(
    run_cli: RunCli, emulator: ThreadedEmulator, seeded: dict[str, LegacyAuthorization]
) -> None:
    """Any positive concurrency gets every item done."""
    assert run_cli("deactivate", "--all", "--concurrency", "1").stdout == (
        "deactivate: 4 ok, 1 already_done\n"
    )
    assert run_cli("activate", "--all", "--concurrency", "64").stdout == "activate: 5 ok\n"


def test_delete_many_asks_on_a_terminal(
    run_cli: RunCli, emulator: ThreadedEmulator, seeded: dict[str, LegacyAuthorization]
) -> None:
    """On a terminal: anything but y/yes aborts (exit 1, nothing deleted); y deletes."""
    for answer in ("\n", "n\n", "nope\n", ""):
        result = run_cli("delete-many", "--status", "inactive", stdin=answer, tty=True)
        assert result.status == 1
        # The count and the names (issue 13).
        assert result.stderr.startswith("Delete 1 legacy authorization (i1)? [y/N] ")
        assert result.stderr.endswith("error: aborted: nothing was deleted\n")
    assert len(emulator.legacy_authorizations()) == 5
    result = run_cli("delete-many", "--org", "my-org", stdin="YES\n", tty=True)
    assert result.status == 0
    assert "Delete 4 legacy authorizations (a1, a2, a3 and 1 more)? [y/N] " in result.stderr
    assert result.stdout == "delete-many: 4 ok\n"
    assert set(statuses(emulator)) == {"o1"}


def test_delete_many_does_not_ask_with_yes_dry_run_or_a_pipe(
    run_cli: RunCli, emulator: ThreadedEmulator, seeded: dict[str, LegacyAuthorization]
) -> None:
    """--yes, --dry-run and a stdin that is no terminal skip the question."""
    dry = run_cli("delete-many", "--all", "--dry-run", tty=True)
    assert dry.status == 0
    assert "[y/N]" not in dry.stderr
    yes = run_cli("delete-many", "--username", "a1", "--yes", tty=True)
    assert (yes.status, yes.stderr) == (0, "")
    piped = run_cli("delete-many", "--username", "a2")
    assert (piped.status, piped.stderr) == (0, "")
    assert set(statuses(emulator)) == {"a3", "i1", "o1"}


def test_failures_are_listed_and_exit_1(
    run_cli: RunCli, emulator: ThreadedEmulator, seeded: dict[str, LegacyAuthorization]
) -> None:
    """A token that may read but not write: the first failure stops the batch; the
    summary counts failed and skipped items and lists each one; exit 1."""
    reader = emulator.mint_token(
        [permission("read", "authorizations"), permission("read", "users")]
    )
    result = run_cli("deactivate", "--all", "--concurrency", "1", "--token", reader)
    assert result.status == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "deactivate: 1 failed, 4 skipped"
    assert len(lines) == 6
    first = seeded["a1"]
    assert lines[1].startswith(f"  {first.id} (a1)  failed: ")
    assert "is unauthorized" in lines[1]
    assert lines[2].endswith("skipped: not started: the batch stopped after an earlier failure")
    assert reader not in result.output
    assert set(statuses(emulator).values()) == {"active", "inactive"}
    assert statuses(emulator)["a1"] == "active"


def test_server_failure_of_one_item(
    run_cli: RunCli, emulator: ThreadedEmulator, seeded: dict[str, LegacyAuthorization]
) -> None:
    """A proxy error on one item (after its retries) leaves the others done; exit 1."""
    target = seeded["a2"]
    emulator.faults.add(Fault.bad_gateway(), method="DELETE", path=f"*/{target.id}", times=None)
    result = run_cli("delete-many", "--org", "my-org", "--json")
    assert result.status == 1
    report = json.loads(result.stdout)
    outcomes = {item["username"]: item["outcome"] for item in report["items"]}
    assert outcomes["a2"] in ("failed", "unknown")
    assert [outcomes[name] for name in ("a1", "a3", "i1")] == ["ok", "ok", "ok"]
    failed = next(item for item in report["items"] if item["username"] == "a2")
    assert failed["status"] == 502
    assert failed["attempts"] > 1
    assert set(statuses(emulator)) == {"a2", "o1"}
    # In text mode the proxy's HTML page is listed on the item's one line.
    text = run_cli("delete-many", "--username", "a2")
    assert text.status == 1
    summary, listed = text.stdout.splitlines()
    assert summary in ("delete-many: 1 failed", "delete-many: 1 unknown")
    assert listed.startswith(f"  {target.id} (a2)  ")
    assert "<title>502 Bad Gateway</title>" in listed
