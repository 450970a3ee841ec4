"""The emulator's building blocks, where a property is easier to see without HTTP."""

from __future__ import annotations

import re

import pytest

from aioinflux_legacyauth.emulator import (
    Emulator,
    IDGenerator,
    PasswordHasher,
    PasswordRules,
    PlatformError,
    ThreadedEmulator,
)
from aioinflux_legacyauth.emulator.domain.ids import SNOWFLAKE_EPOCH_MS, parse_id

pytestmark = pytest.mark.emulator_only(reason="unit tests of the emulator's own building blocks")


def test_ids_are_16_lower_hex_strictly_increasing_and_time_based() -> None:
    """Section 5: snowflake IDs sort in creation order and carry the time."""
    generator = IDGenerator(machine_id=5)
    ids = [generator.next_id() for _ in range(10_000)]
    assert all(re.fullmatch(r"[0-9a-f]{16}", value) for value in ids)
    assert ids == sorted(set(ids))
    milliseconds = (int(ids[0], 16) >> 22) + SNOWFLAKE_EPOCH_MS
    assert milliseconds > 1_700_000_000_000  # after November 2023
    assert (int(ids[0], 16) >> 12) & 0x3FF == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "id must have a length of 16 bytes"),
        ("\u00e9" * 16, "id must have a length of 16 bytes"),
        ("\u00e9" * 8, "invalid ID"),
        ("123456789abcde_f", "invalid ID"),
        ("0000000000000000", "invalid ID"),
    ],
)
def test_id_parsing_errors(text: str, message: str) -> None:
    """Section 5: length counts bytes; underscores, zero and non-hex are invalid."""
    with pytest.raises(PlatformError) as caught:
        parse_id(text)
    assert (caught.value.status, caught.value.message) == (400, message)


def test_upper_case_ids_parse_to_lower_case() -> None:
    """Section 5: base-16 parsing accepts upper case; the ID is the same."""
    assert parse_id("0D9C3A1E5B2F4000") == "0d9c3a1e5b2f4000"


async def test_hasher_verifies_and_salts() -> None:
    """Passwords hash with a fresh salt each time and verify only with the right password."""
    hasher = PasswordHasher(cost=4)
    first, second = await hasher.hash("password-1"), await hasher.hash("password-1")
    assert first != second
    assert await hasher.verify("password-1", first)
    assert not await hasher.verify("password-2", first)
    assert not PasswordHasher.verify_sync("password-1", "not a hash")
    assert "password-1" not in first + repr(hasher)


def test_hash_cost_doubles_the_work_per_step() -> None:
    """The cost knob is bcrypt-like: each step doubles the iterations."""
    assert PasswordHasher(cost=11).iterations == 2 * PasswordHasher(cost=10).iterations
    with pytest.raises(ValueError, match="between 4 and 20"):
        PasswordHasher(cost=3)


def test_strong_passwords_need_the_current_rule() -> None:
    """--strong-passwords only exists on servers with the 2.7.6 rule."""
    with pytest.raises(ValueError, match="strong"):
        PasswordRules("legacy", strong=True)


async def test_nothing_secret_in_reprs() -> None:
    """Tokens never appear in the repr of the emulator, its store or its records."""
    async with Emulator(token="super-secret-token", hash_cost=4) as emu:
        texts = [repr(emu), repr(emu.store), repr(emu.store.token_by_value(emu.token))]
        auth = await emu.create_legacy_authorization("grafana", password="secret-password")
        texts.append(repr(auth))
    assert not any("super-secret-token" in text or "secret-password" in text for text in texts)
    assert "127.0.0.1" in texts[0]


def test_emulator_claims_to_be_v2_7_12_unless_told() -> None:
    """The version headers say v2.7.12, the release the emulator is checked against."""
    assert (Emulator().version, Emulator().commit) == ("v2.7.12", "emulator")
    assert Emulator(version="v2.9.1").version == "v2.9.1"


async def test_emulator_cannot_start_twice_and_reports_when_stopped() -> None:
    """Lifecycle: a second start is refused; url needs a running server; close is idempotent."""
    emu = Emulator(hash_cost=4)
    with pytest.raises(RuntimeError, match="not running"):
        _ = emu.url
    async with emu:
        with pytest.raises(RuntimeError, match="already running"):
            await emu.start()
    await emu.close()


def test_threaded_emulator_seeds_from_another_thread() -> None:
    """ThreadedEmulator: sync seeding helpers run on the server's loop and return results."""
    with ThreadedEmulator(hash_cost=4, buckets=["b1"]) as emu:
        org = emu.create_org("second")
        auth = emu.create_legacy_authorization("grafana", password="grafana-password")
        assert emu.password_matches(auth.id, "grafana-password")
        assert [a.id for a in emu.legacy_authorizations()] == [auth.id]
        assert emu.call(lambda inner: inner.store.org(org)) is not None
        assert emu.url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError, match="not running"):
        _ = emu.url


def test_threaded_emulator_reports_startup_errors() -> None:
    """A bad option surfaces in the starting thread, and nothing is left running."""
    with pytest.raises(ValueError, match="hash cost"), ThreadedEmulator(hash_cost=99):
        pass
