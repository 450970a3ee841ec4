"""Frames captured with their locals (as crash reporters do) show no token or password.

A failed request is formatted the way Sentry-style reporters do, every local of every
frame of the whole exception chain included: aiohttp's own frames hold the request
headers, and the Authorization header's value is a ``SecretText`` that shows as
``'[secure]'``.
"""

from __future__ import annotations

import base64
import socket
import traceback

import pytest

from aioinflux_legacyauth import LegacyAuthClient, RetryPolicy, TransportError
from aioinflux_legacyauth._headers import SecretText
from aioinflux_legacyauth.rotation import generate_password

TOKEN = "Xk2vQ9-operator-token-qT7pL0zR4mW8eJ1nB5cY3=="
PASSWORD = "hunter2-Secret-pw"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens there once the probe is closed


def with_locals(error: BaseException) -> str:
    formatted = traceback.TracebackException.from_exception(error, capture_locals=True)
    return "".join(formatted.format())


@pytest.mark.parametrize("operation", ["get", "check_login"])
async def test_a_failed_request_with_its_locals_shows_no_credential(operation: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    async with LegacyAuthClient(url, TOKEN, retry=RetryPolicy.disabled()) as client:
        call = (
            client.get("0d9c3a1e5b2f4000")
            if operation == "get"
            else client.check_login("grafana", PASSWORD)
        )
        with pytest.raises(TransportError) as caught:
            await call
    dump = with_locals(caught.value)
    assert "headers" in dump  # aiohttp's frames, with their locals, are in it
    assert TOKEN not in dump
    basic = base64.b64encode(f"grafana:{PASSWORD}".encode()).decode()
    assert basic not in dump
    assert "[secure]" in dump


def test_secret_text_is_the_string_it_wraps() -> None:
    secret = SecretText("Token abc")
    assert secret == "Token abc"
    assert hash(secret) == hash("Token abc")
    assert f"{secret}" == "Token abc"
    assert secret.encode() == b"Token abc"
    assert repr(secret) == "'[secure]'"
    assert "abc" not in repr({"Authorization": secret})


def test_generated_passwords_hide_in_reprs() -> None:
    password = generate_password()
    assert password not in repr([password])
