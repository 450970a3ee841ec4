"""Each operation sends the right method, path, query keys, JSON fields and headers.

aioresponses records the request as the client built it; the end-to-end behaviour against
a server that acts like InfluxDB is covered by the emulator tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aioresponses import aioresponses
from yarl import URL

from aioinflux_legacyauth import (
    AuthStatus,
    ConflictError,
    LegacyAuthClient,
    NotFoundError,
    PasswordPolicyError,
    Permission,
    TraceSpan,
    use_trace_span,
)
from aioinflux_legacyauth._retry import RetryPolicy

BASE = "http://influx.test:8086"
PREFIX = f"{BASE}/private/legacy/authorizations"
AUTH_ID = "0d9c3a1e5b2f4000"
ORG_ID = "4e7a6b1c2d3f5a6b"
TOKEN = "operator-token-do-not-leak"
NOT_FOUND = {"code": "not found", "message": "authorization not found"}


@pytest.fixture
async def client() -> AsyncIterator[LegacyAuthClient]:
    """An open client with retries that never sleep."""
    async with LegacyAuthClient(BASE, token=TOKEN, retry=RetryPolicy(instant=True)) as opened:
        yield opened


@pytest.fixture
def mocked() -> AsyncIterator[aioresponses]:
    """Intercept every aiohttp request."""
    with aioresponses() as mock:
        yield mock


def only_call(mocked: aioresponses) -> tuple[str, URL, dict[str, Any]]:
    """The single request that was sent: method, URL with query, keyword arguments."""
    calls = [(key, call) for key, calls in mocked.requests.items() for call in calls]
    assert len(calls) == 1, calls
    (method, url), call = calls[0]
    return method, url, call.kwargs


def sent_json(kwargs: dict[str, Any]) -> Any:
    """The JSON body of a recorded request."""
    return json.loads(kwargs["data"])


async def test_get_sends_token_header_and_parses(
    client: LegacyAuthClient, mocked: aioresponses, auth_body: Callable[..., bytes]
) -> None:
    """get() GETs the ID's path with a Token header and returns a typed model."""
    mocked.get(f"{PREFIX}/{AUTH_ID}", body=auth_body())
    auth = await client.get(AUTH_ID)
    method, url, kwargs = only_call(mocked)
    assert (method, url.path) == ("GET", f"/private/legacy/authorizations/{AUTH_ID}")
    assert kwargs["headers"]["Authorization"] == f"Token {TOKEN}"
    assert "Zap-Trace-Span" not in kwargs["headers"]
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
    mocked: aioresponses,
    list_body: Callable[..., bytes],
    kwargs: dict[str, str],
    query: dict[str, str],
) -> None:
    """list() sends the query keys the server reads (id, not authID; token for username)."""
    mocked.get(re.compile(rf"^{re.escape(PREFIX)}(\?.*)?$"), body=list_body())
    assert await client.list(**kwargs) == []
    _, url, _ = only_call(mocked)
    assert dict(url.query) == query
    assert "authID" not in url.query


async def test_list_id_miss_is_empty(client: LegacyAuthClient, mocked: aioresponses) -> None:
    """An auth_id that matches nothing gives [] although the server answers 404."""
    mocked.get(re.compile(r".*"), status=404, payload=NOT_FOUND)
    assert await client.list(auth_id=AUTH_ID) == []


async def test_list_username_miss_is_empty(client: LegacyAuthClient, mocked: aioresponses) -> None:
    """A username that matches nothing gives [] although the server answers 404."""
    mocked.get(re.compile(r".*"), status=404, payload=NOT_FOUND)
    assert await client.list(username="nobody") == []


async def test_list_unknown_user_name_raises(
    client: LegacyAuthClient, mocked: aioresponses
) -> None:
    """An unknown user name is almost always a typo: NotFoundError, not []."""
    mocked.get(
        re.compile(r".*"), status=404, payload={"code": "not found", "message": "user not found"}
    )
    with pytest.raises(NotFoundError, match="user not found"):
        await client.list(user="admni")


async def test_list_narrows_by_names_client_side(
    client: LegacyAuthClient,
    mocked: aioresponses,
    list_body: Callable[..., bytes],
    auth_doc: Callable[..., dict[str, Any]],
) -> None:
    """The server does not narrow by org/user names; the client does."""
    body = list_body(
        auth_doc(id="0000000000000001", user="admin", org="my-org"),
        auth_doc(id="0000000000000002", user="other", org="my-org"),
        auth_doc(id="0000000000000003", user="admin", org="other-org"),
    )
    mocked.get(re.compile(r".*"), body=body)
    found = await client.list(user="admin", org="my-org")
    assert [auth.id for auth in found] == ["0000000000000001"]


async def test_list_auth_id_ignores_nothing(
    client: LegacyAuthClient,
    mocked: aioresponses,
    list_body: Callable[..., bytes],
    auth_doc: Callable[..., dict[str, Any]],
) -> None:
    """With auth_id the server ignores org_id; the client still applies it."""
    mocked.get(re.compile(r".*"), body=list_body(auth_doc(orgID="aaaaaaaaaaaaaaaa")))
    assert await client.list(auth_id=AUTH_ID.upper(), org_id=ORG_ID) == []


async def test_list_refuses_empty_filter(client: LegacyAuthClient) -> None:
    """An empty filter string is a mistake: the server would silently ignore it."""
    with pytest.raises(ValueError, match="username must be a non-empty string"):
        await client.list(username="")


async def test_create_body_and_password(
    client: LegacyAuthClient, mocked: aioresponses, auth_body: Callable[..., bytes]
) -> None:
    """create() POSTs wire field names, then sets the password in a second call."""
    mocked.post(PREFIX, status=201, body=auth_body(token="grafana"))
    mocked.post(f"{PREFIX}/{AUTH_ID}/password", status=204)
    auth = await client.create(
        org_id=ORG_ID,
        username="grafana",
        permissions=[Permission.read_bucket("8f1e2d3c4b5a6978", ORG_ID)],
        password="correct horse battery",
        description="dashboards",
    )
    assert auth.username == "grafana"
    create_call = mocked.requests[("POST", URL(PREFIX))][0]
    assert sent_json(create_call.kwargs) == {
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
    password_call = mocked.requests[("POST", URL(f"{PREFIX}/{AUTH_ID}/password"))][0]
    assert sent_json(password_call.kwargs) == {"password": "correct horse battery"}


async def test_create_rolls_back_when_password_fails(
    client: LegacyAuthClient, mocked: aioresponses, auth_body: Callable[..., bytes]
) -> None:
    """A failed password call deletes the new authorization and raises the password error."""
    mocked.post(PREFIX, status=201, body=auth_body())
    mocked.post(
        f"{PREFIX}/{AUTH_ID}/password",
        status=400,
        payload={"code": "invalid", "message": "passwords must contain at least three..."},
    )
    mocked.delete(f"{PREFIX}/{AUTH_ID}", status=204)
    with pytest.raises(Exception, match="at least three") as caught:
        await client.create(
            org_id=ORG_ID,
            username="telegraf",
            permissions=[Permission.write_bucket("8f1e2d3c4b5a6978", ORG_ID)],
            password="weakpassword",
        )
    assert ("DELETE", URL(f"{PREFIX}/{AUTH_ID}")) in mocked.requests
    assert any("rolled back" in note for note in caught.value.__notes__)


async def test_create_refuses_bad_password_before_sending(
    client: LegacyAuthClient, mocked: aioresponses
) -> None:
    """A password the server would refuse is refused locally, with nothing sent."""
    with pytest.raises(PasswordPolicyError, match="between 8 and 72"):
        await client.create(
            org_id=ORG_ID,
            username="grafana",
            permissions=[Permission.read_bucket("8f1e2d3c4b5a6978", ORG_ID)],
            password="short",
        )
    assert mocked.requests == {}


async def test_create_duplicate_is_conflict(client: LegacyAuthClient, mocked: aioresponses) -> None:
    """A taken username answers 422 with code conflict: ConflictError, and no retry."""
    mocked.post(PREFIX, status=422, payload={"code": "conflict", "message": "token already exists"})
    with pytest.raises(ConflictError, match="token already exists") as caught:
        await client.create(
            org_id=ORG_ID,
            username="telegraf",
            permissions=[Permission.read_bucket("8f1e2d3c4b5a6978", ORG_ID)],
        )
    assert caught.value.status == 422
    assert len(mocked.requests[("POST", URL(PREFIX))]) == 1


async def test_create_resolves_org_name(
    mocked: aioresponses, auth_body: Callable[..., bytes]
) -> None:
    """With only an org name on the client, create() looks its ID up once."""
    mocked.get(
        f"{BASE}/api/v2/orgs?org=my-org", payload={"orgs": [{"id": ORG_ID, "name": "my-org"}]}
    )
    mocked.post(PREFIX, status=201, body=auth_body(), repeat=True)
    async with LegacyAuthClient(BASE, token=TOKEN, org="my-org") as client:
        for _ in range(2):
            await client.create(
                username="telegraf",
                permissions=[Permission.read_bucket("8f1e2d3c4b5a6978", ORG_ID)],
            )
        assert client.org_id == ORG_ID
    assert len(mocked.requests[("GET", URL(f"{BASE}/api/v2/orgs?org=my-org"))]) == 1
    assert sent_json(mocked.requests[("POST", URL(PREFIX))][0].kwargs)["orgID"] == ORG_ID


async def test_update_sends_only_given_fields(
    client: LegacyAuthClient, mocked: aioresponses, auth_body: Callable[..., bytes]
) -> None:
    """update() PATCHes just status and/or description."""
    mocked.patch(f"{PREFIX}/{AUTH_ID}", body=auth_body(status="inactive"))
    auth = await client.update(AUTH_ID, status=AuthStatus.INACTIVE)
    method, _, kwargs = only_call(mocked)
    assert method == "PATCH"
    assert sent_json(kwargs) == {"status": "inactive"}
    assert not auth.active


async def test_update_needs_a_field(client: LegacyAuthClient) -> None:
    """An update with nothing to change is refused."""
    with pytest.raises(ValueError, match="status= or description="):
        await client.update(AUTH_ID)


async def test_delete_and_set_password(client: LegacyAuthClient, mocked: aioresponses) -> None:
    """delete() and set_password() accept the 204s."""
    mocked.delete(f"{PREFIX}/{AUTH_ID}", status=204)
    mocked.post(f"{PREFIX}/{AUTH_ID}/password", status=204)
    await client.delete(AUTH_ID)
    await client.set_password(AUTH_ID, "a-long-enough-password")
    assert ("DELETE", URL(f"{PREFIX}/{AUTH_ID}")) in mocked.requests


async def test_path_ids_are_quoted(client: LegacyAuthClient, mocked: aioresponses) -> None:
    """An ID can never reach another route: slashes are escaped."""
    mocked.delete(re.compile(r".*"), status=404, payload=NOT_FOUND)
    with pytest.raises(NotFoundError):
        await client.delete("x/password")
    _, url, _ = only_call(mocked)
    assert url.raw_path.endswith("/x%2Fpassword")


async def test_trace_span_per_call_context_and_default(
    mocked: aioresponses, auth_body: Callable[..., bytes]
) -> None:
    """Zap-Trace-Span: the call's span, else the context's, else the client default."""
    mocked.get(f"{PREFIX}/{AUTH_ID}", body=auth_body(), repeat=True)
    default = TraceSpan.new()
    scoped = TraceSpan.new()
    async with LegacyAuthClient(BASE, token=TOKEN, trace_span=default) as client:
        await client.get(AUTH_ID)
        with use_trace_span(scoped):
            await client.get(AUTH_ID)
            await client.get(AUTH_ID, trace_span="verbatim-value")
    sent = [
        call.kwargs["headers"]["Zap-Trace-Span"]
        for call in mocked.requests[("GET", URL(f"{PREFIX}/{AUTH_ID}"))]
    ]
    assert sent == [default.to_header(), scoped.to_header(), "verbatim-value"]


async def test_extra_headers_sent(mocked: aioresponses, auth_body: Callable[..., bytes]) -> None:
    """extra_headers (e.g. influx-debug-id) go out with every request."""
    mocked.get(f"{PREFIX}/{AUTH_ID}", body=auth_body())
    async with LegacyAuthClient(BASE, token=TOKEN, extra_headers={"influx-debug-id": "abc"}) as c:
        await c.get(AUTH_ID)
    assert only_call(mocked)[2]["headers"]["influx-debug-id"] == "abc"


def test_extra_headers_cannot_replace_authorization() -> None:
    """extra_headers may not smuggle in another Authorization header."""
    with pytest.raises(ValueError, match="must not set"):
        LegacyAuthClient(BASE, token=TOKEN, extra_headers={"authorization": "Token x"})


async def test_custom_prefix(mocked: aioresponses, auth_body: Callable[..., bytes]) -> None:
    """A proxy prefix (and a base path in the URL) is honoured."""
    mocked.get(f"http://proxy.test/influx/custom/auths/{AUTH_ID}", body=auth_body())
    async with LegacyAuthClient(
        "http://proxy.test/influx/", token=TOKEN, prefix="/custom/auths/"
    ) as c:
        assert (await c.get(AUTH_ID)).id == AUTH_ID


async def test_check_login_uses_basic_auth_not_the_token(mocked: aioresponses) -> None:
    """check_login() tries the v1 credentials on /query, without the API token."""
    url = re.compile(rf"^{re.escape(BASE)}/query\?.*$")
    mocked.get(url, status=200, payload={"results": [{"statement_id": 0}]})
    mocked.get(url, status=401, payload={"code": "unauthorized", "message": "Unauthorized"})
    async with LegacyAuthClient(BASE, token=TOKEN) as client:
        assert await client.check_login("grafana", "the-password") is True
        assert await client.check_login("grafana", "wrong-password") is False
    calls = [call for calls in mocked.requests.values() for call in calls]
    sent = calls[0].kwargs["headers"]["Authorization"]
    assert sent == "Basic Z3JhZmFuYTp0aGUtcGFzc3dvcmQ="
    assert TOKEN not in str(calls[0].kwargs["headers"])


async def test_check_login_refuses_empty_password(client: LegacyAuthClient) -> None:
    """An empty password is a usage error, and the message does not echo secrets."""
    with pytest.raises(ValueError, match="password must be a non-empty string"):
        await client.check_login("grafana", "")
