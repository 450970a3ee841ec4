"""A value put in the wrong place is refused up front, and never repeated back.

A token given as the URL (swapped arguments), a password in a URL behind a fullwidth
at sign (U+FF20), a CR/LF in the token or an extra header, a secret in the wrong variable: each is a
clear library error saying what is wrong, and the value is in none of them.
"""

from __future__ import annotations

import pytest

from aioinflux_legacyauth import ArgumentError, LegacyAuthClient, RawResponse
from aioinflux_legacyauth._config import read_env
from aioinflux_legacyauth.testing import MockTransport

TOKEN = "Xk2vQ9-operator-token-qT7pL0zR4mW8eJ1nB5cY3=="
PASSWORD = "hunter2-Secret"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (TOKEN, "has no scheme"),
        (f"ftp://{TOKEN}", "has another scheme"),
        (f"http://admin:{PASSWORD}\uff20influx.example:8086", "cannot be parsed as a URL"),
        (f"http://{PASSWORD}\uff20influx", "non-ASCII"),
        ("http://", "has no host"),
        (f"http://[{TOKEN}", "cannot be parsed"),
    ],
    ids=["token-as-url", "other-scheme", "fullwidth-at", "fullwidth-short", "no-host", "bad"],
)
def test_a_bad_url_says_what_is_wrong_without_repeating_it(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as caught:
        LegacyAuthClient(url, token="t0ken")
    assert isinstance(caught.value, ArgumentError)  # a library error (and a ValueError)
    message = str(caught.value)
    assert message.startswith("url must be an http:// or https:// URL")
    assert TOKEN not in message
    assert PASSWORD not in message
    assert "hunter2" not in message


def test_swapped_arguments_do_not_show_the_token() -> None:
    with pytest.raises(ValueError, match="url must be") as caught:
        LegacyAuthClient(TOKEN, "http://localhost:8086")
    assert TOKEN not in str(caught.value)
    assert "Xk2vQ9" not in str(caught.value)


@pytest.mark.parametrize(
    ("variable", "problem"),
    [("INFLUX_SKIP_VERIFY", "true or false"), ("INFLUXDB_V2_TIMEOUT", "milliseconds")],
)
def test_a_secret_in_the_wrong_variable_is_not_repeated(variable: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as caught:
        read_env({"INFLUX_TOKEN": "t0ken", variable: TOKEN})
    assert variable in str(caught.value)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (f"{TOKEN}\r\nX-Injected: 1", "carriage return"),
        (f"{TOKEN}\nX-Injected: 1", "line feed"),
        (f"{TOKEN}\x00", "U\\+0000"),
        (f"{TOKEN}\x7f", "U\\+007F"),
        (f"{TOKEN}\ud800", "lone surrogate"),
    ],
    ids=["crlf", "lf", "nul", "del", "surrogate"],
)
def test_a_token_that_cannot_be_a_header_is_refused_up_front(token: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as caught:
        LegacyAuthClient("http://localhost:8086", token=token)
    assert isinstance(caught.value, ArgumentError)
    assert "token" in str(caught.value)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"influx-debug-id": f"{TOKEN}\r\nX-Injected: 1"}, "carriage return"),
        ({"X-Ok": "fine", "X-Bad": f"{TOKEN}\x01"}, "U\\+0001"),
        ({f"X-Name\r\n{TOKEN}": "value"}, "header name"),
        ({"": "value"}, "header name"),
        ({"X-Number": 5}, "must be a string"),
    ],
    ids=["crlf-value", "control-value", "crlf-name", "empty-name", "not-text"],
)
def test_extra_headers_that_would_break_the_request_are_refused(
    headers: dict[str, object], problem: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=problem) as caught:
        LegacyAuthClient("http://localhost:8086", token="t0ken", extra_headers=headers)  # type: ignore[arg-type]
    assert TOKEN not in str(caught.value)


async def test_a_tab_in_a_header_value_is_fine() -> None:
    transport = MockTransport(lambda request: RawResponse(204, {}, b""))
    async with LegacyAuthClient(
        "http://localhost:8086", "t0ken", transport=transport, extra_headers={"X-A": "a\tb"}
    ) as client:
        await client.delete("0d9c3a1e5b2f4000")
    assert transport.requests[0].headers["X-A"] == "a\tb"


def test_a_trace_span_string_with_a_control_character_is_refused() -> None:
    with pytest.raises(ValueError, match="trace span string"):
        LegacyAuthClient("http://localhost:8086", token="t0ken", trace_span="abc\x00def")
