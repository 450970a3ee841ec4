"""Output formats and the atomic, private file sink."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import stat
from pathlib import Path

import pytest

from aioinflux_legacyauth.rotation import Credential, FileSink, OutputFormat, render_credentials

ALICE = Credential("0000000000000001", "alice", "s3cret-Alice-1")
ODD = Credential("0000000000000002", "telegraf's user $x", "p@ss w'rd\"1")


def parse_env(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            (values[name],) = shlex.split(value)
    return values


def test_json_is_an_array_of_id_username_password() -> None:
    rows = json.loads(render_credentials([ALICE, ODD], OutputFormat.JSON))
    assert rows == [
        {"id": ALICE.id, "username": ALICE.username, "password": ALICE.password},
        {"id": ODD.id, "username": ODD.username, "password": ODD.password},
    ]


def test_csv_has_a_header_and_quotes_what_needs_it() -> None:
    rows = list(csv.reader(io.StringIO(render_credentials([ALICE, ODD], OutputFormat.CSV))))
    assert rows == [
        ["id", "username", "password"],
        [ALICE.id, ALICE.username, ALICE.password],
        [ODD.id, ODD.username, ODD.password],
    ]


def test_env_names_come_from_usernames_and_values_are_shell_quoted() -> None:
    values = parse_env(render_credentials([ALICE, ODD], OutputFormat.ENV))
    assert values == {
        "ALICE_USERNAME": "alice",
        "ALICE_PASSWORD": ALICE.password,
        "TELEGRAF_S_USER_X_USERNAME": ODD.username,
        "TELEGRAF_S_USER_X_PASSWORD": ODD.password,
    }


def test_env_names_stay_unique_and_valid() -> None:
    clash = Credential("0000000000000003", "Alice", "another-one-1")
    digit = Credential("0000000000000004", "9lives", "another-one-2")
    symbols = Credential("0000000000000005", "***", "another-one-3")
    values = parse_env(render_credentials([ALICE, clash, digit, symbols], OutputFormat.ENV))
    assert values["ALICE_PASSWORD"] == ALICE.password
    assert values["INFLUX_V1_0000000000000003_PASSWORD"] == clash.password
    assert values["INFLUX_V1_0000000000000004_USERNAME"] == "9lives"
    assert values["INFLUX_V1_0000000000000005_USERNAME"] == "***"


def test_credential_repr_hides_the_password() -> None:
    assert ALICE.password not in repr(ALICE)
    assert "alice" in repr(ALICE)


@pytest.mark.parametrize("output_format", list(OutputFormat))
async def test_file_sink_replaces_by_id_and_stays_private(
    tmp_path: Path, output_format: OutputFormat
) -> None:
    path = tmp_path / f"out.{output_format.value}"
    path.write_text("old content, readable by all\n")
    path.chmod(0o644)
    sink = FileSink(path, output_format)
    await sink.publish([ODD])
    newer = Credential(ALICE.id, ALICE.username, "replaced-Password-2")
    await sink.publish([ALICE])
    await sink.publish([newer])

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == render_credentials([newer, ODD], output_format)
    assert sink.credentials == (newer, ODD)
    assert sorted(os.listdir(tmp_path)) == [path.name]  # no temp file left


async def test_file_sink_refuses_an_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="yaml"):
        FileSink(tmp_path / "out", "yaml")


async def test_a_failed_write_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.json"
    sink = FileSink(path)
    await sink.publish([ALICE])
    before = path.read_text()

    def refuse(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", refuse)
    with pytest.raises(OSError, match="No space"):
        await sink.publish([ODD])
    assert path.read_text() == before
    assert sink.credentials == (ALICE,)
    assert sorted(os.listdir(tmp_path)) == ["out.json"]
