"""find_org_id() and find_bucket_id(): org and bucket names (or bucket IDs) to IDs.

Requests are answered by a scripted transport, so each test shows exactly what is sent
and how each answer the server may give is read; one test runs against the emulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from aioinflux_legacyauth import (
    LegacyAuthClient,
    NotFoundError,
    Permission,
    RawResponse,
    Request,
    ResponseDecodeError,
    UnauthorizedError,
)
from aioinflux_legacyauth import _sansio as sansio
from aioinflux_legacyauth._retry import RetryPolicy
from aioinflux_legacyauth.emulator import ThreadedEmulator
from aioinflux_legacyauth.testing import MockTransport

BASE = "http://influx.test:8086"
ORG_ID = "4e7a6b1c2d3f5a6b"
OTHER_ORG_ID = "5e7a6b1c2d3f5a6c"
BUCKET_ID = "8f1e2d3c4b5a6978"
HEADERS = {"Authorization": "Token s3cret", "Accept": "application/json"}
NOT_FOUND = {"code": "not found", "message": 'organization name "nope" not found'}

Answer = Callable[[Request], RawResponse]


def reply(status: int, document: object) -> RawResponse:
    """A JSON answer, with the error header the server sets on errors."""
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if isinstance(document, dict) and "code" in document:
        headers["X-Platform-Error-Code"] = document["code"]
    return RawResponse(status, headers, json.dumps(document).encode())


def bucket(name: str, bucket_id: str = BUCKET_ID, org_id: str = ORG_ID) -> dict[str, str]:
    """A bucket as /api/v2/buckets writes it (the fields read here)."""
    return {"id": bucket_id, "orgID": org_id, "name": name, "type": "user"}


@pytest.fixture
def connect() -> Callable[[Answer], Any]:
    """Make an (unopened) client and its transport from an answer function."""

    def make(answer: Answer) -> tuple[LegacyAuthClient, MockTransport]:
        transport = MockTransport(answer)
        client = LegacyAuthClient(
            BASE, token="s3cret", transport=transport, retry=RetryPolicy.disabled()
        )
        return client, transport

    return make


# -- find_org_id ---------------------------------------------------------------------------


async def test_find_org_id(connect: Callable[[Answer], Any]) -> None:
    """GET /api/v2/orgs?org=<name>, and the first org's ID."""
    client, transport = connect(lambda _: reply(200, {"orgs": [{"id": ORG_ID, "name": "acme"}]}))
    async with client:
        assert await client.find_org_id("acme") == ORG_ID
    (request,) = transport.requests
    assert (request.method, request.path, request.params) == (
        "GET",
        "/api/v2/orgs",
        (("org", "acme"),),
    )
    assert request.headers["Authorization"] == "Token s3cret"


@pytest.mark.parametrize(
    "answer", [reply(404, NOT_FOUND), reply(200, {"orgs": []})], ids=["404", "empty"]
)
async def test_find_org_id_not_found(connect: Callable[[Answer], Any], answer: RawResponse) -> None:
    """The server's 404 and an empty list (an org the token cannot read) read the same."""
    client, _ = connect(lambda _: answer)
    async with client:
        with pytest.raises(NotFoundError) as caught:
            await client.find_org_id("nope")
    assert caught.value.message == "organization 'nope' not found"
    assert (caught.value.status, caught.value.method, caught.value.path) == (
        404,
        "GET",
        "/api/v2/orgs",
    )


async def test_find_org_id_other_errors_propagate(connect: Callable[[Answer], Any]) -> None:
    """A 401 is not a "not found": it is raised as it is."""
    denied = {"code": "unauthorized", "message": "unauthorized access"}
    client, _ = connect(lambda _: reply(401, denied))
    async with client:
        with pytest.raises(UnauthorizedError):
            await client.find_org_id("acme")


async def test_find_org_id_refuses_an_empty_name(connect: Callable[[Answer], Any]) -> None:
    """An empty name would list every org: refused before sending."""
    client, transport = connect(lambda _: reply(200, {"orgs": []}))
    async with client:
        with pytest.raises(ValueError, match="name must be a non-empty string"):
            await client.find_org_id("")
    assert transport.requests == []


async def test_create_resolves_the_client_org_once(
    connect: Callable[[Answer], Any], auth_body: Callable[..., bytes]
) -> None:
    """create() on a client made with org= looks the org up through find_org_id, once."""

    def answer(request: Request) -> RawResponse:
        if request.path == "/api/v2/orgs":
            return reply(200, {"orgs": [{"id": ORG_ID, "name": "acme"}]})
        return RawResponse(201, {"Content-Type": "application/json"}, auth_body())

    transport = connect(answer)[1]
    client = LegacyAuthClient(BASE, token="s3cret", transport=transport, org="acme")
    async with client:
        for username in ("a", "b"):
            await client.create(
                username=username, permissions=[Permission.read_bucket(BUCKET_ID, ORG_ID)]
            )
    assert [request.path for request in transport.requests] == [
        "/api/v2/orgs",
        "/private/legacy/authorizations",
        "/private/legacy/authorizations",
    ]
    assert client.org_id == ORG_ID
    assert json.loads(transport.requests[1].body)["orgID"] == ORG_ID


async def test_create_with_an_unknown_client_org(connect: Callable[[Answer], Any]) -> None:
    """create() with a client org= that does not exist: NotFoundError, nothing created."""
    client, transport = connect(lambda _: reply(404, NOT_FOUND))
    client = LegacyAuthClient(BASE, token="s3cret", transport=transport, org="nope")
    async with client:
        with pytest.raises(NotFoundError, match="organization 'nope' not found"):
            await client.create(
                username="a", permissions=[Permission.read_bucket(BUCKET_ID, ORG_ID)]
            )
    assert [request.method for request in transport.requests] == ["GET"]


# -- find_bucket_id --------------------------------------------------------------------------


async def test_find_bucket_id_by_name(connect: Callable[[Answer], Any]) -> None:
    """GET /api/v2/buckets?name=<name>&orgID=<org>; without accept_id, no ID lookup."""

    def answer(request: Request) -> RawResponse:
        return reply(200, {"buckets": [bucket(dict(request.params)["name"])]})

    client, transport = connect(answer)
    async with client:
        assert await client.find_bucket_id("metrics", org_id=ORG_ID) == BUCKET_ID
        # Even an ID-looking name is a name unless accept_id=True.
        await client.find_bucket_id("0000000000000001", org_id=ORG_ID)
    assert [(r.path, r.params) for r in transport.requests] == [
        ("/api/v2/buckets", (("name", "metrics"), ("orgID", ORG_ID))),
        ("/api/v2/buckets", (("name", "0000000000000001"), ("orgID", ORG_ID))),
    ]


async def test_find_bucket_id_accepts_an_id_of_the_org(connect: Callable[[Answer], Any]) -> None:
    """With accept_id=True, an existing bucket ID of that org is returned after one GET."""
    client, transport = connect(lambda _: reply(200, bucket("metrics")))
    async with client:
        assert (
            await client.find_bucket_id(BUCKET_ID, org_id=ORG_ID.upper(), accept_id=True)
            == BUCKET_ID
        )
    (request,) = transport.requests
    assert (request.method, request.path) == ("GET", f"/api/v2/buckets/{BUCKET_ID}")


async def test_find_bucket_id_accepts_an_upper_case_id(connect: Callable[[Answer], Any]) -> None:
    """IDs typed in upper case are the same IDs; the server's lower-case form comes back."""
    client, transport = connect(lambda _: reply(200, bucket("metrics")))
    async with client:
        found = await client.find_bucket_id(BUCKET_ID.upper(), org_id=ORG_ID, accept_id=True)
    assert found == BUCKET_ID
    (request,) = transport.requests
    assert request.path == f"/api/v2/buckets/{BUCKET_ID}"


@pytest.mark.parametrize(
    "by_id",
    [
        reply(404, {"code": "not found", "message": "bucket not found"}),
        reply(200, bucket("elsewhere", org_id=OTHER_ORG_ID)),
    ],
    ids=["no-such-id", "other-org"],
)
async def test_find_bucket_id_falls_back_to_the_name(
    connect: Callable[[Answer], Any], by_id: RawResponse
) -> None:
    """An ID that is no bucket of the org is tried as a name (names may look like IDs)."""

    def answer(request: Request) -> RawResponse:
        if request.path.startswith("/api/v2/buckets/"):
            return by_id
        return reply(200, {"buckets": [bucket(BUCKET_ID, bucket_id="00000000000000aa")]})

    client, transport = connect(answer)
    async with client:
        found = await client.find_bucket_id(BUCKET_ID, org_id=ORG_ID, accept_id=True)
    assert found == "00000000000000aa"
    assert [request.path for request in transport.requests] == [
        f"/api/v2/buckets/{BUCKET_ID}",
        "/api/v2/buckets",
    ]


@pytest.mark.parametrize("value", ["metrics", "8f1e2d3c4b5a697", "8f1e2d3c4b5a697g"])
async def test_only_id_shaped_values_are_tried_as_ids(
    connect: Callable[[Answer], Any], value: str
) -> None:
    """Values that are not 16 hex digits are names, and only looked up as names."""
    client, transport = connect(lambda _: reply(200, {"buckets": [bucket(value)]}))
    async with client:
        await client.find_bucket_id(value, org_id=ORG_ID, accept_id=True)
    assert [request.path for request in transport.requests] == ["/api/v2/buckets"]


@pytest.mark.parametrize(
    "answer",
    [
        reply(404, {"code": "not found", "message": 'bucket "nope" not found'}),
        reply(200, {"buckets": []}),
        reply(200, {"buckets": [bucket("other-name")]}),
    ],
    ids=["404", "empty", "filter-ignored"],
)
async def test_find_bucket_id_not_found(
    connect: Callable[[Answer], Any], answer: RawResponse
) -> None:
    """Every way of saying "no such bucket" gives one NotFoundError; a list the server
    did not filter by name never yields another bucket's ID."""
    client, _ = connect(lambda _: answer)
    async with client:
        with pytest.raises(NotFoundError) as caught:
            await client.find_bucket_id("nope", org_id=ORG_ID)
    assert caught.value.message == f"bucket 'nope' not found in org {ORG_ID}"
    assert caught.value.path == "/api/v2/buckets"


async def test_find_bucket_id_in_an_unknown_org_names_the_org(
    connect: Callable[[Answer], Any],
) -> None:
    """The server's "organization not found" means the org ID is unknown, not the bucket
    (issue 13: it was reported as "bucket not found in org")."""
    client, _ = connect(
        lambda _: reply(404, {"code": "not found", "message": "organization not found"})
    )
    async with client:
        with pytest.raises(NotFoundError) as caught:
            await client.find_bucket_id("nope", org_id=ORG_ID)
    assert caught.value.message == f"organization {ORG_ID} not found"


@pytest.mark.parametrize(("name", "org_id"), [("", ORG_ID), ("metrics", "")])
async def test_find_bucket_id_refuses_empty_values(
    connect: Callable[[Answer], Any], name: str, org_id: str
) -> None:
    """Empty names or org IDs are refused before sending."""
    client, transport = connect(lambda _: reply(200, {"buckets": []}))
    async with client:
        with pytest.raises(ValueError, match="must be a non-empty string"):
            await client.find_bucket_id(name, org_id=org_id)
    assert transport.requests == []


async def test_lookups_need_an_open_client() -> None:
    """Like every operation, the lookups refuse a client that is not open."""
    client = LegacyAuthClient(BASE, token="s3cret")
    with pytest.raises(RuntimeError, match="not open"):
        await client.find_org_id("acme")


async def test_lookups_against_the_emulator(legacyauth_emulator: ThreadedEmulator) -> None:
    """Against a server that acts like InfluxDB: names, IDs, another org's bucket."""
    emulator = legacyauth_emulator
    other_org = emulator.create_org("other-org")
    foreign = emulator.create_bucket("foreign", org_id=other_org)
    mine = emulator.buckets["my-bucket"]
    async with LegacyAuthClient(emulator.url, token=emulator.token) as client:
        assert await client.find_org_id("my-org") == emulator.org_id
        assert await client.find_org_id("other-org") == other_org
        assert await client.find_bucket_id("my-bucket", org_id=emulator.org_id) == mine
        assert await client.find_bucket_id(mine, org_id=emulator.org_id, accept_id=True) == mine
        assert await client.find_bucket_id("foreign", org_id=other_org) == foreign
        with pytest.raises(NotFoundError):
            await client.find_bucket_id(foreign, org_id=emulator.org_id, accept_id=True)
        with pytest.raises(NotFoundError):
            await client.find_bucket_id("my-bucket", org_id="0123456789abcdef")
        with pytest.raises(NotFoundError, match="organization 'nope' not found"):
            await client.find_org_id("nope")


# -- the pure builders and parsers -------------------------------------------------------------


def test_bucket_builders() -> None:
    """The two bucket requests, with the caller's headers."""
    found = sansio.build_find_bucket("metrics", ORG_ID, HEADERS).request
    assert (found.method, found.path, found.params) == (
        "GET",
        "/api/v2/buckets",
        (("name", "metrics"), ("orgID", ORG_ID)),
    )
    assert found.headers == HEADERS
    got = sansio.build_get_bucket(BUCKET_ID, HEADERS).request
    assert (got.method, got.path, got.params) == ("GET", f"/api/v2/buckets/{BUCKET_ID}", ())
    # An ID never reaches another route.
    assert sansio.build_get_bucket("../orgs", HEADERS).request.path == "/api/v2/buckets/..%2Forgs"


def test_parse_bucket_id() -> None:
    """The named bucket's ID, None when absent; a malformed answer is a decode error."""
    request = sansio.build_find_bucket("metrics", ORG_ID, HEADERS).request
    listed = reply(200, {"buckets": [bucket("other", "0000000000000001"), bucket("metrics")]})
    assert sansio.parse_bucket_id(request, listed) == BUCKET_ID
    assert sansio.parse_bucket_id(request, reply(200, {"buckets": []})) is None
    with pytest.raises(ResponseDecodeError, match="'buckets' list"):
        sansio.parse_bucket_id(request, reply(200, {"orgs": []}))
    with pytest.raises(ResponseDecodeError, match="no string 'id'"):
        sansio.parse_bucket_id(request, reply(200, {"buckets": [{"name": "metrics"}]}))
    with pytest.raises(NotFoundError):
        sansio.parse_bucket_id(request, reply(404, {"code": "not found", "message": "x"}))


def test_parse_bucket_org_id() -> None:
    """The org ID of one bucket; anything else is a decode error."""
    request = sansio.build_get_bucket(BUCKET_ID, HEADERS).request
    assert sansio.parse_bucket_org_id(request, reply(200, bucket("m"))) == ORG_ID
    with pytest.raises(ResponseDecodeError, match="string 'orgID'"):
        sansio.parse_bucket_org_id(request, reply(200, {"id": BUCKET_ID}))
    with pytest.raises(ResponseDecodeError):
        sansio.parse_bucket_org_id(request, reply(200, []))
