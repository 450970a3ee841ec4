"""Each operation sends the right method, path, query keys, JSON fields and headers.

A MockTransport records each request as the client built it and answers as the server
would; the end-to-end behaviour against a server that acts like InfluxDB is covered by
the emulator tests, and the URL the aiohttp transport makes by the transport tests.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from aioinflux_legacyauth import (
    ArgumentError,
    AuthStatus,
    ClientStateError,
    ConflictError,
    LegacyAuthClient,
    LegacyAuthError,
    NotFoundError,
    PasswordPolicyError,
    Permission,
    RawResponse,
    Request,
    TraceSpan,
    UnavailableError,
    use_trace_span,
)
from aioinflux_legacyauth import _sansio as sansio
from aioinflux_legacyauth._retry import AttemptLog, RetryPolicy
from aioinflux_legacyauth.testing import MockTransport, error_response, json_response

BASE = "http://influx.test:8086"
PREFIX = "/private/legacy/authorizations"
AUTH_ID = "0d9c3a1e5b2f4000"
ORG_ID = "4e7a6b1c2d3f5a6b"
TOKEN = "operator-token-do-not-leak"
NOT_FOUND = error_response(404, "not found", "authorization not found")
JSON = {"Content-Type": "application/json; charset=utf-8"}
NO_CONTENT = RawResponse(204, {}, b"")

Answers = dict[tuple[str, str], RawResponse]


def answering(answers: Answers) -> Callable[[Request], RawResponse]:
    """A handler answering each (method, path) with its response, anything else 404."""
    return lambda request: answers.get((request.method, request.path), NOT_FOUND)


def body(status: int, content: bytes) -> RawResponse:
    """A JSON response with the server's exact bytes."""
    return RawResponse(status, JSON, content)


@pytest.fixture
def connect() -> Callable[..., LegacyAuthClient]:
    """A client (not yet open) on ``transport``, with retries that never sleep."""

    def make(transport: MockTransport, **options: Any) -> LegacyAuthClient:
        options.setdefault("retry", RetryPolicy(instant=True))
        return LegacyAuthClient(BASE, token=TOKEN, transport=transport, **options)

    return make


@pytest.fixture
def transport() -> MockTransport:
    """A transport that answers 404 until a test sets its handler."""
    return MockTransport(lambda request: NOT_FOUND)


@pytest.fixture
async def client(
    connect: Callable[..., LegacyAuthClient], transport: MockTransport
) -> AsyncIterator[LegacyAuthClient]:
    """An open client on ``transport`` whose retries never sleep."""
    async with connect(transport) as opened:
        yield opened


def only_request(transport: MockTransport) -> Request:
    """The single request that was sent."""
    assert len(transport.requests) == 1, transport.requests
    return transport.requests[0]


def sent_json(request: Request) -> Any:
    """The JSON body of a request."""
    assert request.body is not None
    return json.loads(request.body)


async def test_get_sends_token_header_and_parses(
    client: LegacyAuthClient, transport: MockTransport, auth_body: Callable[..., bytes]
) -> None:
    """get() GETs the ID's path with a Token header and returns a typed model."""
    transport.handler = lambda request: body(200, auth_body())
    auth = await client.get(AUTH_ID)
    request = only_request(transport)
    assert (request.method, request.path) == ("GET", f"/private/legacy/authorizations/{AUTH_ID}")
    assert request.headers["Authorization"] == f"Token {TOKEN}"
    assert "Zap-Trace-Span" not in request.headers
    assert auth.id == AUTH_ID
    assert auth.username == "telegraf"
    assert auth.status is AuthStatus.ACTIVE
    assert auth.permissions[0] == Permission.write_bucket("8f1e2d3c4b5a6978", ORG_ID).__class__(
        action="write", resource=auth.permissions[0].resource
    )


@pytest.mark.parametrize(
    ("kwargs", "query"),
    [
        ({"auth_id": AUTH_ID}, {"id": AUTH_ID}),
        ({"username": "grafana"}, {"token": "grafana"}),
        ({"org_id": ORG_ID}, {"orgID": ORG_ID}),
        ({"user_id": "0d9c39f0a1b2c000"}, {"userID": "0d9c39f0a1b2c000"}),
        ({"org": "my-org", "user": "admin"}, {"org": "my-org", "user": "admin"}),
    ],
)
async def test_list_filter_query_keys(
    client: LegacyAuthClient,
    transport: MockTransport,
    list_body: Callable[..., bytes],
    kwargs: dict[str, Any],
    query: dict[str, str],
) -> None:
    """list() sends the query keys the server reads (id, not authID; token for username)."""
    transport.handler = lambda request: body(200, list_body())
    assert await client.list(**kwargs) == []
    request = only_request(transport)
    assert request.path == PREFIX
    assert dict(request.params) == query
    assert "authID" not in dict(request.params)


async def test_list_id_miss_is_empty(client: LegacyAuthClient, transport: MockTransport) -> None:
    """An auth_id that matches nothing gives [] although the server answers 404."""
    transport.handler = lambda request: NOT_FOUND
    assert await client.list(auth_id=AUTH_ID) == []


async def test_list_username_miss_is_empty(
    client: LegacyAuthClient, transport: MockTransport
) -> None:
    """A username that matches nothing gives [] although the server answers 404."""
    transport.handler = lambda request: NOT_FOUND
    assert await client.list(username="nobody") == []


async def test_list_unknown_user_name_raises(
    client: LegacyAuthClient, transport: MockTransport
) -> None:
    """An unknown user name is almost always a typo: NotFoundError, not []."""
    transport.handler = lambda request: error_response(404, "not found", "user not found")
    with pytest.raises(NotFoundError, match="user not found"):
        await client.list(user="admni")


async def test_list_narrows_by_names_client_side(
    client: LegacyAuthClient,
    transport: MockTransport,
    list_body: Callable[..., bytes],
    auth_doc: Callable[..., dict[str, Any]],
) -> None:
    """The server does not narrow by org/user names; the client does."""
    listed = list_body(
        auth_doc(id="0000000000000001", user="admin", org="my-org"),
        auth_doc(id="0000000000000002", user="other", org="my-org"),
        auth_doc(id="0000000000000003", user="admin", org="other-org"),
    )
    transport.handler = lambda request: body(200, listed)
    found = await client.list(user="admin", org="my-org")
    assert [auth.id for auth in found] == ["0000000000000001"]


async def test_list_auth_id_ignores_nothing(
    client: LegacyAuthClient,
    transport: MockTransport,
    list_body: Callable[..., bytes],
    auth_doc: Callable[..., dict[str, Any]],
) -> None:
    """With auth_id the server ignores org_id; the client still applies it."""
    listed = list_body(auth_doc(orgID="aaaaaaaaaaaaaaaa"))
    transport.handler = lambda request: body(200, listed)
    assert await client.list(auth_id=AUTH_ID.upper(), org_id=ORG_ID) == []


async def test_list_refuses_empty_filter(client: LegacyAuthClient) -> None:
    """An empty filter string is a mistake: the server would silently ignore it."""
    with pytest.raises(ValueError, match="username must be a non-empty string"):
        await client.list(username="")


async def test_create_body_and_password(
    client: LegacyAuthClient, transport: MockTransport, auth_body: Callable[..., bytes]
) -> None:
    """create() POSTs wire field names, then sets the password in a second call."""
    transport.handler = answering(
        {
            ("POST", PREFIX): body(201, auth_body(token="grafana")),
            ("POST", f"{PREFIX}/{AUTH_ID}/password"): NO_CONTENT,
        }
    )
    auth = await client.create(
        org_id=ORG_ID,
        username="grafana",
        permissions=[Permission.read_bucket("8f1e2d3c4b5a6978", ORG_ID)],
        password="correct horse battery",
        description="dashboards",
    )
    assert auth.username == "grafana"
    create_call, password_call = transport.requests
    assert (create_call.method, create_call.path) == ("POST", PREFIX)
    assert sent_json(create_call) == {
        "token": "grafana",
        "status": "active",
        "orgID": ORG_ID,
        "description": "dashboards",
        "permissions": [
            {
                "action": "read",
                "resource": {"type": "buckets", "id": "8f1e2d3c4b5a6978", "orgID": ORG_ID},
            }
        ],
    }
    assert (password_call.method, password_call.path) == ("POST", f"{PREFIX}/{AUTH_ID}/password")
    assert sent_json(password_call) == {"password": "correct horse battery"}


async def test_create_rolls_back_when_password_fails(
    client: LegacyAuthClient, transport: MockTransport, auth_body: Callable[..., bytes]
) -> None:
    """A failed password call deletes the new authorization and raises the password error."""
    refused = error_response(400, "invalid", "passwords must contain at least three...")
    transport.handler = answering(
        {
            ("POST", PREFIX): body(201, auth_body()),
            ("POST", f"{PREFIX}/{AUTH_ID}/password"): refused,
            ("DELETE", f"{PREFIX}/{AUTH_ID}"): NO_CONTENT,
        }
    )
    with pytest.raises(Exception, match="at least three") as caught:
        await client.create(
            org_id=ORG_ID,
            username="telegraf",
            permissions=[Permission.write_bucket("8f1e2d3c4b5a6978", ORG_ID)],
            password="weakpassword",
        )
    assert ("DELETE", f"{PREFIX}/{AUTH_ID}") in [(r.method, r.path) for r in transport.requests]
    assert any("rolled back" in note for note in caught.value.__notes__)


async def test_create_refuses_bad_password_before_sending(
    client: LegacyAuthClient, transport: MockTransport
) -> None:
    """A password the server would refuse is refused locally, with nothing sent."""
    with pytest.raises(PasswordPolicyError, match="between 8 and 72"):
        await client.create(
            org_id=ORG_ID,
            username="grafana",
            permissions=[Permission.read_bucket("8f1e2d3c4b5a6978", ORG_ID)],
            password="short",
        )
    assert transport.requests == []


async def test_create_without_permissions_is_a_library_error(
    client: LegacyAuthClient, transport: MockTransport
) -> None:
    """No permission: an ArgumentError (a LegacyAuthError, still a ValueError), nothing sent."""
    with pytest.raises(ArgumentError, match="at least one permission") as caught:
        await client.create(org_id=ORG_ID, username="grafana", permissions=[])
    assert isinstance(caught.value, LegacyAuthError)
    assert isinstance(caught.value, ValueError)
    assert transport.requests == []


async def test_create_duplicate_is_conflict(
    client: LegacyAuthClient, transport: MockTransport
) -> None:
    """A taken username answers 422 with code conflict: ConflictError, and no retry."""
    transport.handler = lambda request: error_response(422, "conflict", "token already exists")
    with pytest.raises(ConflictError, match="token already exists") as caught:
        await client.create(
            org_id=ORG_ID,
            username="telegraf",
            permissions=[Permission.read_bucket("8f1e2d3c4b5a6978", ORG_ID)],
        )
    assert caught.value.status == 422
    assert len([r for r in transport.requests if (r.method, r.path) == ("POST", PREFIX)]) == 1


async def test_create_resolves_org_name(
    connect: Callable[..., LegacyAuthClient], auth_body: Callable[..., bytes]
) -> None:
    """With only an org name on the client, create() looks its ID up once."""
    orgs = json_response(200, {"orgs": [{"id": ORG_ID, "name": "my-org"}]})
    transport = MockTransport(
        answering({("GET", "/api/v2/orgs"): orgs, ("POST", PREFIX): body(201, auth_body())})
    )
    async with connect(transport, org="my-org") as client:
        for _ in range(2):
            await client.create(
                username="telegraf",
                permissions=[Permission.read_bucket("8f1e2d3c4b5a6978", ORG_ID)],
            )
        assert client.org_id == ORG_ID
    lookups = [r for r in transport.requests if r.path == "/api/v2/orgs"]
    assert [r.params for r in lookups] == [(("org", "my-org"),)]
    created = [r for r in transport.requests if (r.method, r.path) == ("POST", PREFIX)]
    assert sent_json(created[0])["orgID"] == ORG_ID


async def test_update_sends_only_given_fields(
    client: LegacyAuthClient, transport: MockTransport, auth_body: Callable[..., bytes]
) -> None:
    """update() PATCHes just status and/or description."""
    transport.handler = lambda request: body(200, auth_body(status="inactive"))
    auth = await client.update(AUTH_ID, status=AuthStatus.INACTIVE)
    request = only_request(transport)
    assert request.method == "PATCH"
    assert sent_json(request) == {"status": "inactive"}
    assert not auth.active


async def test_update_needs_a_field(client: LegacyAuthClient) -> None:
    """An update with nothing to change is refused."""
    with pytest.raises(ValueError, match="status= or description="):
        await client.update(AUTH_ID)


async def test_delete_and_set_password(client: LegacyAuthClient, transport: MockTransport) -> None:
    """delete() and set_password() accept the 204s."""
    transport.handler = lambda request: NO_CONTENT
    await client.delete(AUTH_ID)
    await client.set_password(AUTH_ID, "a-long-enough-password")
    assert ("DELETE", f"{PREFIX}/{AUTH_ID}") in [(r.method, r.path) for r in transport.requests]


async def test_path_ids_are_quoted(client: LegacyAuthClient, transport: MockTransport) -> None:
    """An ID can never reach another route: what is not an ID is refused unsent (and
    anything that builds a path escapes slashes, see ``_id_segment``)."""
    transport.handler = lambda request: NOT_FOUND
    with pytest.raises(ArgumentError, match="not an authorization ID"):
        await client.delete("x/password")
    assert transport.requests == []
    assert sansio._id_segment("x/password") == "x%2Fpassword"


async def test_trace_span_per_call_context_and_default(
    connect: Callable[..., LegacyAuthClient], auth_body: Callable[..., bytes]
) -> None:
    """Zap-Trace-Span: the call's span, else the context's, else the client default."""
    transport = MockTransport(lambda request: body(200, auth_body()))
    default = TraceSpan.new()
    scoped = TraceSpan.new()
    async with connect(transport, trace_span=default) as client:
        await client.get(AUTH_ID)
        with use_trace_span(scoped):
            await client.get(AUTH_ID)
            await client.get(AUTH_ID, trace_span="verbatim-value")
    sent = [request.headers["Zap-Trace-Span"] for request in transport.requests]
    assert sent == [default.to_header(), scoped.to_header(), "verbatim-value"]


async def test_extra_headers_sent(
    connect: Callable[..., LegacyAuthClient], auth_body: Callable[..., bytes]
) -> None:
    """extra_headers (e.g. influx-debug-id) go out with every request."""
    transport = MockTransport(lambda request: body(200, auth_body()))
    async with connect(transport, extra_headers={"influx-debug-id": "abc"}) as c:
        await c.get(AUTH_ID)
    assert only_request(transport).headers["influx-debug-id"] == "abc"


def test_extra_headers_cannot_replace_authorization() -> None:
    """extra_headers may not smuggle in another Authorization header."""
    with pytest.raises(ValueError, match="must not set"):
        LegacyAuthClient(BASE, token=TOKEN, extra_headers={"authorization": "Token x"})


async def test_check_login_uses_basic_auth_not_the_token(
    connect: Callable[..., LegacyAuthClient],
) -> None:
    """check_login() tries the v1 credentials on /query, without the API token."""

    def login(request: Request) -> RawResponse:
        assert (request.method, request.path) == ("GET", "/query")
        credentials = base64.b64decode(request.headers["Authorization"].split()[1])
        if credentials == b"grafana:the-password":
            return json_response(200, {"results": [{"statement_id": 0}]})
        return error_response(401, "unauthorized", "Unauthorized")

    transport = MockTransport(login)
    async with connect(transport) as client:
        assert await client.check_login("grafana", "the-password") is True
        assert await client.check_login("grafana", "wrong-password") is False
    sent = transport.requests[0].headers["Authorization"]
    assert sent == "Basic Z3JhZmFuYTp0aGUtcGFzc3dvcmQ="
    assert TOKEN not in str(transport.requests[0].headers)


async def test_check_login_refuses_empty_password(client: LegacyAuthClient) -> None:
    """An empty password is a usage error, and the message does not echo secrets."""
    with pytest.raises(ValueError, match="password must be a non-empty string"):
        await client.check_login("grafana", "")


# -- retries: the client's budget, a call's attempts -----------------------------------------


async def test_a_calls_retry_policy_cannot_bring_its_own_budget(
    client: LegacyAuthClient, transport: MockTransport
) -> None:
    """Budget fields on a per-call policy are refused before anything is sent."""
    with pytest.raises(ValueError, match="budget_capacity=3"):
        await client.get(AUTH_ID, retry=RetryPolicy(budget_capacity=3))
    with pytest.raises(ValueError, match="retry_cost=1"):
        await client.bulk_delete([AUTH_ID], retry=RetryPolicy(retry_cost=1))
    assert transport.requests == []


async def test_a_calls_retry_policy_spends_the_clients_budget(
    connect: Callable[..., LegacyAuthClient],
) -> None:
    """A call may ask for more attempts, but the retries are paid from the one budget
    all the client's calls share: 10 tokens at 5 a retry allow two retries."""
    transport = MockTransport(lambda request: error_response(503, "unavailable", "busy"))
    small = RetryPolicy(instant=True, budget_capacity=10, retry_cost=5)
    async with connect(transport, retry=small) as client:
        with pytest.raises(UnavailableError) as caught:
            await client.get(AUTH_ID, retry=RetryPolicy(max_attempts=10, instant=True))
        assert len(transport.requests) == 3
        assert any("retry budget exhausted" in note for note in caught.value.__notes__)
        with pytest.raises(UnavailableError):
            await client.get(AUTH_ID, retry=RetryPolicy(max_attempts=10, instant=True))
        assert len(transport.requests) == 4  # nothing left for the next call either


# -- the executor: the funnel, as layers built on the client see it ------------------------


async def test_the_executor_runs_calls_like_the_client_does(
    connect: Callable[..., LegacyAuthClient], auth_body: Callable[..., bytes]
) -> None:
    """client.executor builds and runs calls with the client's headers, retries and log."""
    attempts = iter([error_response(503, "unavailable", "busy"), body(200, auth_body())])
    transport = MockTransport(lambda request: next(attempts))
    client = connect(transport)
    executor = client.executor
    with pytest.raises(ClientStateError, match="not open"):
        executor.check_open()
    async with client:
        log = AttemptLog()
        auth = await executor.execute(executor.calls.get(AUTH_ID), log=log)
    assert auth.id == AUTH_ID
    assert log.attempts == 2
    assert [r.headers["Authorization"] for r in transport.requests] == [f"Token {TOKEN}"] * 2
    with pytest.raises(ClientStateError, match="closed"):
        executor.check_open()
