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

from aioinflux_legacyauth.rotation import (
    Credential,
    FileSink,
    OutputFormat,
    parse_credentials,
    render_credentials,
)

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
async def test_file_sink_keeps_earlier_credentials_replaces_by_id_and_stays_private(
    tmp_path: Path, output_format: OutputFormat
) -> None:
    path = tmp_path / f"out.{output_format.value}"
    earlier = Credential("0000000000000009", "from-an-earlier-job", "earlier-Password-9")
    path.write_text(render_credentials([earlier, ALICE], output_format))
    path.chmod(0o644)
    sink = FileSink(path, output_format)
    await sink.publish([ODD])
    newer = Credential(ALICE.id, ALICE.username, "replaced-Password-2")
    await sink.publish([newer])

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == render_credentials([newer, ODD, earlier], output_format)
    assert sink.credentials == (newer, ODD, earlier)
    assert sorted(os.listdir(tmp_path)) == [path.name]  # no temp file left


@pytest.mark.parametrize("output_format", list(OutputFormat))
def test_every_format_parses_back(output_format: OutputFormat) -> None:
    clash = Credential("0000000000000003", "Alice", "another-one-1")
    written = [ALICE, ODD, clash]
    assert parse_credentials(render_credentials(written, output_format), output_format) == written
    assert parse_credentials("", output_format) == []


@pytest.mark.parametrize(
    ("output_format", "text"),
    [
        (OutputFormat.JSON, '{"password": "do-not-show-1"}'),
        (OutputFormat.JSON, '[{"id": "1", "username": "u", "pass": "do-not-show-1"}]'),
        (OutputFormat.CSV, "user,do-not-show-1\n"),
        (OutputFormat.CSV, "id,username,password\n1,do-not-show-1\n"),
        (OutputFormat.ENV, "PASSWORD=do-not-show-1\n"),
        (OutputFormat.ENV, "# legacy authorization 01\nX_PASSWORD='do-not-show-1\n"),
    ],
)
async def test_a_file_that_is_not_credentials_is_never_replaced(
    tmp_path: Path, output_format: OutputFormat, text: str
) -> None:
    path = tmp_path / "out"
    path.write_text(text)
    with pytest.raises(ValueError, match="refusing to replace it") as caught:
        await FileSink(path, output_format).publish([ALICE])
    assert "do-not-show-1" not in str(caught.value)
    assert path.read_text() == text


async def test_temp_files_a_crash_left_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    leftover = tmp_path / ".out.json.12345.tmp"
    leftover.write_text(render_credentials([ALICE], OutputFormat.JSON))
    unrelated = tmp_path / ".other.json.1.tmp"
    unrelated.write_text("not ours")
    await FileSink(path).publish([])
    assert sorted(os.listdir(tmp_path)) == [".other.json.1.tmp", "out.json"]
    assert json.loads(path.read_text()) == []


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


def test_formats_given_by_name_are_the_formats() -> None:
    """A format named by its string is that format, not the env fallback."""
    text = render_credentials([ALICE], "csv")
    assert text.startswith("id,username,password\n")
    assert parse_credentials(text, "csv") == [ALICE]
    with pytest.raises(ValueError, match="yaml"):
        parse_credentials(text, "yaml")
