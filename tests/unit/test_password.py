"""The local password policy: byte lengths, policies for old servers, no password in messages."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioinflux_legacyauth._errors import PasswordPolicyError
from aioinflux_legacyauth._password import (
    DEFAULT_PASSWORD_POLICY,
    LEGACY_PASSWORD_POLICY,
    PasswordPolicy,
)

#: A distinctive secret, so "the message does not contain it" is a meaningful check.
SECRET_CHUNK = "Zq9#vX"


def secret_of(size: int) -> str:
    """An ASCII password of exactly ``size`` bytes built from a distinctive chunk."""
    return (SECRET_CHUNK * (size // len(SECRET_CHUNK) + 1))[:size]


def test_default_policy_bounds() -> None:
    """The default policy is InfluxDB 2.7.6+: 8 to 72 bytes."""
    assert PasswordPolicy(min_bytes=8, max_bytes=72) == DEFAULT_PASSWORD_POLICY
    assert PasswordPolicy() == DEFAULT_PASSWORD_POLICY


@pytest.mark.parametrize("size", [8, 9, 40, 71, 72])
def test_default_accepts_8_to_72_ascii(size: int) -> None:
    """ASCII passwords of 8 to 72 characters are accepted."""
    DEFAULT_PASSWORD_POLICY.check(secret_of(size))


@pytest.mark.parametrize("size", [0, 1, 7, 73, 200])
def test_default_refuses_outside_8_to_72(size: int) -> None:
    """Shorter than 8 or longer than 72 bytes raises PasswordPolicyError naming the size."""
    with pytest.raises(PasswordPolicyError, match=f"between 8 and 72 bytes.*this one is {size}$"):
        DEFAULT_PASSWORD_POLICY.check(secret_of(size))


def test_multibyte_characters_count_as_bytes() -> None:
    """24 three-byte characters (72 bytes) pass; 25 (75 bytes) fail though only 25 chars."""
    euro = "\u20ac"
    assert len(euro.encode("utf-8")) == 3

    DEFAULT_PASSWORD_POLICY.check(euro * 24)
    with pytest.raises(PasswordPolicyError, match="this one is 75"):
        DEFAULT_PASSWORD_POLICY.check(euro * 25)


def test_short_multibyte_password_long_enough_in_bytes() -> None:
    """Two four-byte emoji are 8 bytes, so the server (and the policy) accepts them."""
    DEFAULT_PASSWORD_POLICY.check("\U0001f510\U0001f511")


def test_seven_characters_can_be_enough_bytes() -> None:
    """Seven characters with one two-byte letter are 8 bytes and pass."""
    DEFAULT_PASSWORD_POLICY.check("pa\u00dfword")


def test_72_bytes_mixed_width_boundary() -> None:
    """A 71-byte ASCII prefix plus one 2-byte character (73 bytes) fails."""
    with pytest.raises(PasswordPolicyError, match="this one is 73"):
        DEFAULT_PASSWORD_POLICY.check(secret_of(71) + "\u00e9")


def test_legacy_policy_has_no_maximum() -> None:
    """Servers before 2.7.6 only need 8 bytes, so long passwords pass the legacy policy."""
    assert LEGACY_PASSWORD_POLICY.max_bytes is None
    assert LEGACY_PASSWORD_POLICY.min_bytes == 8

    LEGACY_PASSWORD_POLICY.check(secret_of(8))
    LEGACY_PASSWORD_POLICY.check(secret_of(73))
    LEGACY_PASSWORD_POLICY.check(secret_of(10_000))


def test_legacy_policy_refuses_short() -> None:
    """The legacy policy still refuses fewer than 8 bytes, saying 'at least'."""
    with pytest.raises(PasswordPolicyError, match=r"at least 8 bytes long; this one is 7$"):
        LEGACY_PASSWORD_POLICY.check(secret_of(7))


def test_custom_bounds() -> None:
    """A custom policy enforces its own minimum and maximum."""
    policy = PasswordPolicy(min_bytes=12, max_bytes=16)

    policy.check(secret_of(12))
    policy.check(secret_of(16))
    for size in (11, 17):
        with pytest.raises(PasswordPolicyError, match="between 12 and 16 bytes"):
            policy.check(secret_of(size))


def test_exact_length_policy() -> None:
    """min_bytes == max_bytes allows exactly that length."""
    policy = PasswordPolicy(min_bytes=10, max_bytes=10)

    policy.check(secret_of(10))
    with pytest.raises(PasswordPolicyError):
        policy.check(secret_of(9))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"min_bytes": 0}, "min_bytes"),
        ({"min_bytes": -8}, "min_bytes"),
        ({"max_bytes": 0}, "max_bytes"),
        ({"max_bytes": -1}, "max_bytes"),
    ],
)
def test_invalid_policy_is_refused(kwargs: dict[str, int], field: str) -> None:
    """Bounds below 1 raise ValueError naming the bound."""
    with pytest.raises(ValueError, match=f"^{field} must be at least 1"):
        PasswordPolicy(**kwargs)


def test_min_above_max_is_refused() -> None:
    """A policy whose minimum exceeds its maximum is refused when built."""
    with pytest.raises(ValueError, match="min_bytes"):
        PasswordPolicy(min_bytes=20, max_bytes=10)


def test_policy_is_frozen() -> None:
    """A policy, including the shared default, cannot be changed after creation."""
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        DEFAULT_PASSWORD_POLICY.max_bytes = None  # type: ignore[misc]  # what is tested


@pytest.mark.parametrize("value", [b"correct horse battery", None, 12345678, ["secret-password"]])
def test_non_str_is_refused(value: object) -> None:
    """A password that is not a str raises PasswordPolicyError naming only its type."""
    with pytest.raises(PasswordPolicyError, match=f"must be a str, got {type(value).__name__}$"):
        DEFAULT_PASSWORD_POLICY.check(value)  # type: ignore[arg-type]  # what is tested


def test_policy_error_is_a_value_error() -> None:
    """Code that catches ValueError also catches a refused password."""
    with pytest.raises(ValueError, match="between 8 and 72"):
        DEFAULT_PASSWORD_POLICY.check(secret_of(3))


@pytest.mark.parametrize(
    ("policy", "password"),
    [
        (DEFAULT_PASSWORD_POLICY, "Zq9#vX"),
        (DEFAULT_PASSWORD_POLICY, secret_of(73)),
        (DEFAULT_PASSWORD_POLICY, "\u20ac" * 25),
        (LEGACY_PASSWORD_POLICY, "Zq9#vX!"),
        (PasswordPolicy(min_bytes=30, max_bytes=40), "hunter2-hunter2-hunter2"),
    ],
)
def test_error_never_contains_the_password(policy: PasswordPolicy, password: str) -> None:
    """Neither str() nor repr() of the error reveals the refused password."""
    with pytest.raises(PasswordPolicyError) as caught:
        policy.check(password)

    assert password not in str(caught.value)
    assert password not in repr(caught.value)
    assert SECRET_CHUNK not in str(caught.value)


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=100))
def test_check_agrees_with_utf8_length(body: str) -> None:
    """Any string is accepted exactly when its UTF-8 length is within 8..72, and errors hide it."""
    password = "\x00" + body  # a NUL never appears in the message, so leaks would show
    size = len(password.encode("utf-8"))

    if 8 <= size <= 72:
        DEFAULT_PASSWORD_POLICY.check(password)
    else:
        with pytest.raises(PasswordPolicyError) as caught:
            DEFAULT_PASSWORD_POLICY.check(password)
        assert password not in str(caught.value)
        assert password not in repr(caught.value)
