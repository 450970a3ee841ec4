"""Choosing the server under test: the option's forms, and how emulator options map to
``scripts/real-influxd`` flags (what has no real equivalent is refused, not ignored)."""

from __future__ import annotations

import argparse

import pytest

from aioinflux_legacyauth.emulator import FAST_HASH_COST, FaultPlan
from aioinflux_legacyauth.emulator import __main__ as emulator_cli
from scripts.realinfluxd import cli as real_influxd_cli
from tests._servers import OtherRelease, ServerChoice, real_flags
from tests.realserver.handle import EmulatorOnly


def test_the_three_forms() -> None:
    """emulator (also empty), real with a version, or URL,TOKEN."""
    assert ServerChoice.parse("", None).kind == "emulator"
    assert ServerChoice.parse("emulator", "v2.9.1") == ServerChoice("emulator")
    assert ServerChoice.parse("real", "v2.9.1") == ServerChoice("real", version="v2.9.1")
    shared = ServerChoice.parse("http://localhost:8086/,my-admin-token", None)
    assert (shared.kind, shared.url, shared.token) == (
        "url",
        "http://localhost:8086",
        "my-admin-token",
    )
    assert "my-admin-token" not in repr(shared)


@pytest.mark.parametrize("text", ["my-admin-token", "localhost:8086,t", "http://x,"])
def test_a_malformed_choice_is_a_usage_error_that_repeats_nothing(text: str) -> None:
    """A token given without its URL must not be echoed."""
    with pytest.raises(pytest.UsageError) as caught:
        ServerChoice.parse(text, None)
    assert text not in str(caught.value)


def test_emulator_options_become_script_flags() -> None:
    """Names, buckets and server flags map; speed knobs and an empty fault plan drop."""
    flags = real_flags(
        {
            "token": "t",
            "org": "acme",
            "buckets": ["a", "b"],
            "strong_passwords": True,
            "ui": False,
            "hash_cost": FAST_HASH_COST,
            "fault_plan": FaultPlan(),
            "password_rule": "current",
        }
    )
    assert flags == [
        "--port", "0", "--token", "t", "--org", "acme", "--bucket", "a", "--bucket", "b",
        "--strong-passwords", "--ui-disabled",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "options",
    [{"password_rule": "legacy"}, {"fault_plan": FaultPlan(rate=0.5)}, {"hash": "x"}],
)
def test_options_a_real_server_cannot_have_are_refused(options: dict[str, object]) -> None:
    """A test that needs them must be marked emulator_only; it fails loudly otherwise."""
    with pytest.raises(EmulatorOnly, match="no real-server equivalent"):
        real_flags(options)


def test_release_dependent_options_follow_the_runs_release() -> None:
    """version= must be the run's release (else the test is skipped); hashed tokens map to
    influxd's flag only where the release has it and the value is not its default."""
    assert real_flags({"version": "2.7.12", "password_rule": "current"}, "v2.7.12") == [
        "--port",
        "0",
    ]
    with pytest.raises(OtherRelease):
        real_flags({"version": "v2.7.5"}, "v2.7.12")
    assert real_flags({"password_rule": "legacy"}, "v2.7.5") == ["--port", "0"]
    assert real_flags({"hashed_tokens": True}, "v2.9.1") == ["--port", "0"]
    assert real_flags({"hashed_tokens": False}, "v2.9.1")[2:] == ["--no-use-hashed-tokens"]
    with pytest.raises(EmulatorOnly, match="no --use-hashed-tokens"):
        real_flags({"hashed_tokens": True}, "v2.7.12")
    assert real_flags({"metrics": False, "ui": True}, "v2.7.12")[2:] == ["--metrics-disabled"]


def test_the_script_takes_the_emulators_flags() -> None:
    """scripts/real-influxd stays standard-library only (it runs before the project is
    installed), so it repeats the emulator's flags; they must keep the same defaults."""

    def options(parser: argparse.ArgumentParser) -> dict[str, object]:
        return {
            action.option_strings[-1]: (action.dest, action.default)
            for action in parser._actions
            if action.option_strings and action.dest != "help"
        }

    real = options(real_influxd_cli.build_parser())
    emulator = options(emulator_cli.build_parser())
    own = {"--build-only": ("build_only", False)}
    shared = {flag: value for flag, value in real.items() if flag not in own}
    # The same defaults, --influxdb-version included: the script builds the release the
    # emulator claims to be.
    assert {flag: emulator[flag] for flag in shared} == shared
    assert {"--host", "--port", "--token", "--org", "--user", "--bucket"} <= shared.keys()
