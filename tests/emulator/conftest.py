"""Shared fixtures for the emulator's wire tests: a server (the in-process emulator, or
the real one with ``--server``) and a plain aiohttp client that talks to it, with
exact-error assertions.

Test modules import nothing from here at run time (the suite runs with
``--import-mode=importlib``); they get these objects through the fixtures and name the
classes only in annotations.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
import attrs
import pytest
from multidict import CIMultiDictProxy

from aioinflux_legacyauth.emulator import FAST_HASH_COST, Emulator

if TYPE_CHECKING:
    from tests._servers import StartServer

OPERATOR_TOKEN = "operator-token-for-tests"
PREFIX = "/private/legacy/authorizations"
JSON_TYPE = "application/json; charset=utf-8"
_DEFAULT = object()


@attrs.frozen
class Reply:
    """What came back: status, headers and the raw body bytes."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)

    def expect_error(self, status: int, code: str, message: str, *, compact: bool = False) -> None:
        """Assert the exact error the server sends: envelope, indentation, headers."""
        envelope = {"code": code, "message": message}
        if compact:
            expected = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
        else:
            expected = json.dumps(envelope, indent="\t", ensure_ascii=False)
        for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
            expected = expected.replace(char, escape)
        assert (self.status, self.text) == (status, expected)
        assert self.headers["Content-Type"] == JSON_TYPE
        assert self.headers["X-Platform-Error-Code"] == code


class Wire:
    """A thin aiohttp client for the emulator: the operator token unless told otherwise."""

    def __init__(self, session: aiohttp.ClientSession, emu: Emulator) -> None:
        self.session = session
        self.emu = emu

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: object = _DEFAULT,
        authorization: str | None = None,
        json_body: object = _DEFAULT,
        data: bytes | str | aiohttp.FormData | None = None,
        params: Mapping[str, str] | list[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        sent = dict(headers or {})
        if authorization is not None:
            sent["Authorization"] = authorization
        elif token is _DEFAULT:
            sent["Authorization"] = f"Token {self.emu.token}"
        elif token is not None:
            sent["Authorization"] = f"Token {token}"
        if json_body is not _DEFAULT:
            data = json.dumps(json_body)
        async with self.session.request(
            method, self.emu.url + path, data=data, params=params, headers=sent
        ) as response:
            return Reply(response.status, response.headers, await response.read())

    async def create(self, username: str, **fields: Any) -> Reply:
        """POST a legacy authorization with write on the first bucket unless told otherwise."""
        token = fields.pop("token", _DEFAULT)
        body = {
            "token": username,
            "orgID": self.emu.org_id,
            "permissions": [self.permission("write")],
            **fields,
        }
        return await self.call("POST", PREFIX, json_body=body, token=token)

    def permission(self, action: str, bucket: str = "my-bucket") -> dict[str, Any]:
        """A permission body on one of the emulator's buckets."""
        return {
            "action": action,
            "resource": {
                "type": "buckets",
                "id": self.emu.buckets[bucket],
                "orgID": self.emu.org_id,
            },
        }


@pytest.fixture
async def emu(start_server: StartServer) -> Emulator:
    """A running server with a known operator token (and, on the emulator, fast hashing)."""
    server: Emulator = await start_server(
        token=OPERATOR_TOKEN, hash_cost=FAST_HASH_COST, buckets=["my-bucket", "other-bucket"]
    )
    return server


@pytest.fixture
async def wire(emu: Emulator) -> AsyncIterator[Wire]:
    """A plain aiohttp client pointed at ``emu``, with no cap on parallel connections."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        yield Wire(session, emu)


@pytest.fixture
async def start_emulator(
    start_server: StartServer,
) -> AsyncIterator[Callable[..., Awaitable[Wire]]]:
    """Start servers with other options (fast hashing unless told); all stop after the test."""
    async with aiohttp.ClientSession() as session:

        async def start(**options: Any) -> Wire:
            options.setdefault("hash_cost", FAST_HASH_COST)
            return Wire(session, await start_server(**options))

        yield start
