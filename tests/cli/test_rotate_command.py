"""``aioinflux-legacyauth rotate`` against the emulator."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shlex
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from aioinflux_legacyauth.emulator import ThreadedEmulator
from aioinflux_legacyauth.rotation.journal import Journal, Target

if TYPE_CHECKING:
    from tests.cli.conftest import RunCli

OLD = "old-Password-1"


def seed(emulator: ThreadedEmulator, *names: str, active: bool = True) -> list[str]:
    return [
        emulator.create_legacy_authorization(name, password=OLD, active=active).id for name in names
    ]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_no_password_printed(output: str, credentials: list[dict[str, str]]) -> None:
    for row in credentials:
        assert row["password"] not in output


def test_rotate_all_writes_private_verified_credentials(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    ids = seed(emulator, "grafana", "telegraf", "reporting")
    journal, output = tmp_path / "job.journal", tmp_path / "new.json"
    result = run_cli("rotate", "--all", "--journal", str(journal), "--output", str(output))

    assert result.status == 0, result.stderr
    rows = json.loads(output.read_text())
    assert sorted(row["id"] for row in rows) == sorted(ids)
    for row in rows:
        assert set(row) == {"id", "username", "password"}
        assert emulator.password_matches(row["id"], row["password"])
        assert not emulator.password_matches(row["id"], OLD)
    assert "rotate: 3 ok" in result.stdout
    assert "holds no password any more" in result.stdout
    assert mode(output) == 0o600
    assert mode(journal) == 0o600
    assert "password" not in journal.read_text()
    assert_no_password_printed(result.output, rows)


def test_running_the_same_command_again_changes_nothing(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    seed(emulator, "grafana", "telegraf")
    argv = ("rotate", "--all", "--journal", str(tmp_path / "j"), "--output", str(tmp_path / "o"))
    assert run_cli(*argv).status == 0
    before = (tmp_path / "o").read_text()
    again = run_cli(*argv)
    assert again.status == 0
    assert "rotate: 2 already_done" in again.stdout
    assert "resuming" in again.stderr
    assert (tmp_path / "o").read_text() == before


def test_env_and_csv_formats_follow_the_suffix_or_the_flag(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    (auth_id,) = seed(emulator, "grafana")
    env_file = tmp_path / "creds.env"
    assert (
        run_cli(
            "rotate", "--all", "--journal", str(tmp_path / "a"), "--output", str(env_file)
        ).status
        == 0
    )
    values = dict(
        line.split("=", 1) for line in env_file.read_text().splitlines() if not line.startswith("#")
    )
    (password,) = shlex.split(values["GRAFANA_PASSWORD"])
    assert emulator.password_matches(auth_id, password)

    csv_file = tmp_path / "creds.txt"
    argv = ("rotate", "--all", "--journal", str(tmp_path / "b"), "--output", str(csv_file))
    assert run_cli(*argv, "--format", "csv").status == 0
    header, row = list(csv.reader(io.StringIO(csv_file.read_text())))
    assert header == ["id", "username", "password"]
    assert row[:2] == [auth_id, "grafana"]
    assert emulator.password_matches(auth_id, row[2])


def test_selection_flags_choose_what_is_rotated(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    active = seed(emulator, "grafana", "telegraf")
    seed(emulator, "retired", active=False)
    output = tmp_path / "o.json"
    result = run_cli(
        "rotate", "--status", "active", "--journal", str(tmp_path / "j"), "--output", str(output)
    )
    assert result.status == 0
    assert sorted(row["id"] for row in json.loads(output.read_text())) == sorted(active)

    by_name = tmp_path / "p.json"
    result = run_cli(
        "rotate",
        "--username",
        "retired",
        "--journal",
        str(tmp_path / "k"),
        "--output",
        str(by_name),
        "--json",
    )
    assert result.status == 0
    (item,) = json.loads(result.stdout)["items"]
    assert item["message"] == (
        "rotated; not verified: the authorization is inactive and cannot log in"
    )
    (row,) = json.loads(by_name.read_text())
    assert row["username"] == "retired"
    assert emulator.password_matches(row["id"], row["password"])


def test_json_report_has_every_item(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    ids = seed(emulator, "grafana", "telegraf")
    missing = "0123456789abcdef"
    result = run_cli(
        "rotate",
        "--id",
        ids[0],
        "--id",
        ids[1],
        "--id",
        missing,
        "--journal",
        str(tmp_path / "j"),
        "--output",
        str(tmp_path / "o.json"),
        "--json",
    )
    assert result.status == 1  # one --id matched nothing
    document = json.loads(result.stdout)
    assert document["operation"] == "rotate"
    assert document["complete"] is True
    assert document["resumed"] is False
    assert len(document["job"]) == 32
    assert document["counts"]["ok"] == 2
    assert document["counts"]["not_found"] == 1
    outcomes = {item["id"]: item["outcome"] for item in document["items"]}
    assert outcomes == {ids[0]: "ok", ids[1]: "ok", missing: "not_found"}
    assert_no_password_printed(result.output, json.loads((tmp_path / "o.json").read_text()))


def test_a_pending_journal_is_resumed_with_its_own_passwords(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    first, second = seed(emulator, "grafana", "telegraf")
    journal = tmp_path / "j"

    async def crashed_run() -> None:
        job = Journal.create(journal, [Target(first, "grafana"), Target(second, "telegraf")])
        await job.append({"type": "pending", "id": first, "password": "Journaled-pw-1"})
        await job.close()

    asyncio.run(crashed_run())
    output = tmp_path / "o.json"
    result = run_cli("rotate", "--journal", str(journal), "--output", str(output))
    assert result.status == 0, result.stderr
    rows = {row["id"]: row["password"] for row in json.loads(output.read_text())}
    assert rows[first] == "Journaled-pw-1"
    assert emulator.password_matches(first, "Journaled-pw-1")
    assert emulator.password_matches(second, rows[second])


def test_usage_errors_touch_nothing(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    seed(emulator, "grafana")
    journal, output = tmp_path / "j", tmp_path / "o.json"

    no_selection = run_cli("rotate", "--journal", str(journal), "--output", str(output))
    assert no_selection.status == 2
    assert "--all" in no_selection.stderr

    same = run_cli("rotate", "--all", "--journal", str(journal), "--output", str(journal))
    assert same.status == 2
    assert "different files" in same.stderr

    output.write_text("earlier credentials\n")
    foreign = run_cli("rotate", "--all", "--journal", str(journal), "--output", str(output))
    assert foreign.status == 1
    assert "refusing to replace it" in foreign.stderr
    assert "no password was changed" in foreign.stderr
    assert output.read_text() == "earlier credentials\n"
    assert not journal.exists()

    missing = run_cli("rotate", "--all", "--journal", str(journal))
    assert missing.status == 2
    assert "--output" in missing.stderr

    zero = run_cli(
        "rotate", "--all", "--journal", str(journal), "--output", "x", "--concurrency", "0"
    )
    assert zero.status == 2
    assert not journal.exists()
    assert emulator.password_matches(emulator.legacy_authorizations()[0].id, OLD)


def test_nothing_matched_creates_no_journal(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    seed(emulator, "grafana")
    journal = tmp_path / "j"
    inactive = run_cli(
        "rotate", "--status", "inactive", "--journal", str(journal), "--output", str(tmp_path / "o")
    )
    assert inactive.status == 0
    assert "no legacy authorizations matched" in inactive.stdout
    unknown = run_cli(
        "rotate", "--username", "nobody", "--journal", str(journal), "--output", str(tmp_path / "o")
    )
    assert unknown.status == 1
    assert not journal.exists()


def test_resuming_finishes_the_job_and_leaves_new_matches_alone(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    (first,) = seed(emulator, "grafana")
    journal, output = tmp_path / "j", tmp_path / "o.json"
    argv = ("rotate", "--all", "--journal", str(journal), "--output", str(output))
    assert run_cli(*argv).status == 0
    (newcomer,) = seed(emulator, "newcomer")
    again = run_cli(*argv)
    # Exit 1, and the newcomer is listed as not rotated (issue 13: it exited 0).
    assert again.status == 1
    assert "rotate: 1 already_done, 1 skipped" in again.stdout
    assert f"  {newcomer} (newcomer)  skipped: not rotated: not part of the job" in again.stdout
    assert "was already finished; nothing was changed" in again.stdout
    assert "1 selected authorizations were not rotated" in again.stdout
    assert emulator.password_matches(newcomer, OLD)
    assert [row["id"] for row in json.loads(output.read_text())] == [first]


def test_no_verify_sends_no_login_and_a_deleted_item_fails_the_run(
    run_cli: RunCli, emulator: ThreadedEmulator, tmp_path: Path
) -> None:
    ids = seed(emulator, "grafana", "telegraf")
    emulator.requests.clear()
    journal = tmp_path / "j"
    result = run_cli(
        "rotate", "--all", "--no-verify", "--journal", str(journal), "--output", str(tmp_path / "o")
    )
    assert result.status == 0
    assert emulator.requests.count(path="/query") == 0

    gone = run_cli("delete", "--id", ids[0])
    assert gone.status == 0
    result = run_cli(
        "rotate",
        "--id",
        ids[0],
        "--id",
        ids[1],
        "--journal",
        str(tmp_path / "k"),
        "--output",
        str(tmp_path / "p"),
    )
    assert result.status == 1
    assert "not_found" in result.stdout
