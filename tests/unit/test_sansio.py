"""Request builders and response parsers, called without an event loop."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from aioinflux_legacyauth import (
    AuthStatus,
    ConflictError,
    InternalServerError,
    NotFoundError,
    Permission,
    ResponseDecodeError,
    UnauthorizedError,
)
from aioinflux_legacyauth import _sansio as sansio
from aioinflux_legacyauth._models import AuthorizationCreate, AuthorizationUpdate
from aioinflux_legacyauth._retry import AttemptLog, RetrySafety

PREFIX = sansio.DEFAULT_PREFIX
AUTH_ID = "0d9c3a1e5b2f4000"
ORG_ID = "4e7a6b1c2d3f5a6b"
HEADERS = {"Authorization": "Token s3cret-operator-token", "Accept": "application/json"}
JSON_TYPE = {"Content-Type": "application/json; charset=utf-8"}


def response(
    status: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> sansio.RawResponse:
    """A RawResponse as the transport would hand it over."""
    return sansio.RawResponse(status, headers or JSON_TYPE, body)


def test_list_request_uses_server_keys() -> None:
    """Filters become the query keys the server reads, in the order given."""
    request = sansio.build_list(
        PREFIX, {"auth_id": AUTH_ID, "username": "u", "org_id": ORG_ID}, HEADERS
    ).request
    assert (request.method, request.path) == ("GET", PREFIX)
    assert request.params == (("id", AUTH_ID), ("token", "u"), ("orgID", ORG_ID))
    assert request.body is None


def test_list_request_refuses_unknown_filter() -> None:
    """A filter the API does not have is a ValueError listing the known ones."""
    with pytest.raises(ValueError, match="unknown list filter 'authID'"):
        sansio.build_list(PREFIX, {"authID": AUTH_ID}, HEADERS)


def test_create_request_body() -> None:
    """Create sends wire names, no password, and a JSON content type."""
    create = AuthorizationCreate(
        username="grafana",
        org_id=ORG_ID,
        permissions=[Permission.read_bucket("8f1e2d3c4b5a6978", ORG_ID)],
    )
    request = sansio.build_create(PREFIX, create, HEADERS).request
    assert (request.method, request.path) == ("POST", PREFIX)
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.body is not None
    body = json.loads(request.body)
    assert body["token"] == "grafana"
    assert body["orgID"] == ORG_ID
    assert "password" not in body
    assert "userID" not in body


def test_update_request_body() -> None:
    """PATCH carries only the fields to change."""
    request = sansio.build_update(
        PREFIX, AUTH_ID, AuthorizationUpdate(description="rotated"), HEADERS
    ).request
    assert (request.method, request.path) == ("PATCH", f"{PREFIX}/{AUTH_ID}")
    assert request.body is not None
    assert json.loads(request.body) == {"description": "rotated"}


def test_set_password_request_hides_body_in_repr() -> None:
    """The password is in the body, and neither it nor the token shows in the repr."""
    request = sansio.build_set_password(PREFIX, AUTH_ID, "hunter2-but-longer", HEADERS).request
    assert request.path == f"{PREFIX}/{AUTH_ID}/password"
    assert request.body is not None
    assert json.loads(request.body) == {"password": "hunter2-but-longer"}
    shown = repr(request)
    assert "hunter2" not in shown
    assert "s3cret" not in shown
    assert "[secure]" in shown


@pytest.mark.parametrize("bad", ["", "   "])
def test_empty_ids_refused(bad: str) -> None:
    """An empty ID would hit the collection route; it is refused."""
    with pytest.raises(ValueError, match="auth_id must be a non-empty string"):
        sansio.build_delete(PREFIX, bad, HEADERS)


def test_parse_authorization(auth_body: Callable[..., bytes]) -> None:
    """A tab-indented server body parses into the model with Python names."""
    auth = sansio.parse_authorization(
        sansio.build_get(PREFIX, AUTH_ID, HEADERS).request, response(200, auth_body())
    )
    assert auth.id == AUTH_ID
    assert auth.username == "telegraf"
    assert auth.org_id == ORG_ID
    assert auth.org == "my-org"
    assert auth.user == "admin"
    assert auth.links is not None
    assert auth.links.self_ == f"{PREFIX}/{AUTH_ID}"
    assert auth.created_at.microsecond == 789012


def test_parse_list(
    list_body: Callable[..., bytes], auth_doc: Callable[..., dict[str, Any]]
) -> None:
    """The list body parses; an empty list is an empty tuple."""
    request = sansio.build_list(PREFIX, {}, HEADERS).request
    parsed = sansio.parse_authorization_list(
        request, response(200, list_body(auth_doc(), auth_doc(id="0d9c3a1e5b2f4001")))
    )
    assert [auth.id for auth in parsed.authorizations] == [AUTH_ID, "0d9c3a1e5b2f4001"]
    assert sansio.parse_authorization_list(request, response(200, list_body())).authorizations == ()


def test_parse_tolerates_newer_server(auth_body: Callable[..., bytes]) -> None:
    """Unknown keys, statuses and resource types from a newer server still parse."""
    body = auth_body(status="suspended", extraField={"x": 1})
    document = json.loads(body)
    document["permissions"][0]["resource"]["type"] = "widgets"
    auth = sansio.parse_authorization(
        sansio.build_get(PREFIX, AUTH_ID, HEADERS).request,
        response(200, json.dumps(document).encode()),
    )
    assert auth.status == "suspended"
    assert not auth.status.is_known
    assert auth.status != AuthStatus.ACTIVE
    assert auth.permissions[0].resource.type == "widgets"


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, {"code": "not found", "message": "authorization not found"}, NotFoundError),
        (422, {"code": "conflict", "message": "token already exists"}, ConflictError),
        (401, {"code": "unauthorized", "message": "unauthorized access"}, UnauthorizedError),
        (500, {"code": "internal error", "message": "EOF"}, InternalServerError),
    ],
)
def test_parse_errors(status: int, body: dict[str, str], error: type[Exception]) -> None:
    """Error responses raise the class their code names, carrying status, code and message."""
    request = sansio.build_get(PREFIX, AUTH_ID, HEADERS).request
    raw = response(
        status, json.dumps(body, indent="\t").encode(), {"X-Platform-Error-Code": body["code"]}
    )
    with pytest.raises(error) as caught:
        sansio.parse_authorization(request, raw)
    assert caught.value.status == status  # type: ignore[attr-defined]
    assert caught.value.code == body["code"]  # type: ignore[attr-defined]
    assert caught.value.message == body["message"]  # type: ignore[attr-defined]
    assert caught.value.path == f"{PREFIX}/{AUTH_ID}"  # type: ignore[attr-defined]


def test_parse_no_content() -> None:
    """A 204 is accepted; an error status raises."""
    request = sansio.build_delete(PREFIX, AUTH_ID, HEADERS).request
    assert sansio.parse_no_content(request, response(204)) is None  # type: ignore[func-returns-value]
    with pytest.raises(NotFoundError):
        sansio.parse_no_content(
            request, response(404, b'{"code":"not found","message":"authorization not found"}')
        )


@pytest.mark.parametrize("body", [b"[]", b"null", b'"text"'])
def test_parse_non_object(body: bytes) -> None:
    """JSON that is not an object is a ResponseDecodeError."""
    with pytest.raises(ResponseDecodeError, match="expected a JSON object"):
        sansio.parse_authorization(
            sansio.build_get(PREFIX, AUTH_ID, HEADERS).request, response(200, body)
        )


def test_parse_org_id() -> None:
    """The org lookup returns the ID of the org with that name, or None when there is none."""
    request = sansio.build_find_org("my-org", HEADERS).request
    assert request.params == (("org", "my-org"),)
    found = response(200, json.dumps({"orgs": [{"id": ORG_ID, "name": "my-org"}]}).encode())
    assert sansio.parse_org_id(request, found) == ORG_ID
    assert sansio.parse_org_id(request, response(200, b'{"orgs": []}')) is None
    # A filter the server (or a proxy) ignored: another org is never taken for it.
    ignored = {"orgs": [{"id": "0" * 15 + "1", "name": "other"}, {"id": ORG_ID, "name": "my-org"}]}
    assert sansio.parse_org_id(request, response(200, json.dumps(ignored).encode())) == ORG_ID
    other = {"orgs": [{"id": "0" * 15 + "1", "name": "other"}]}
    assert sansio.parse_org_id(request, response(200, json.dumps(other).encode())) is None
    with pytest.raises(ResponseDecodeError):
        sansio.parse_org_id(request, response(200, b'{"orgs": [{}]}'))


# -- what a list answer means (no event loop) ------------------------------------------------


def list_response(*documents: dict[str, Any]) -> sansio.RawResponse:
    """A list answer holding ``documents``."""
    body = {"links": {"self": PREFIX}, "authorizations": list(documents)}
    return response(200, json.dumps(body, indent="\t").encode())


NO_MATCH = response(404, b'{"code":"not found","message":"authorization not found"}')


@pytest.mark.parametrize("filters", [{"auth_id": AUTH_ID}, {"username": "nobody"}])
def test_listing_lookup_that_matches_nothing_is_empty(filters: dict[str, str]) -> None:
    """The server's 404 for an id or username that matches nothing means []."""
    call = sansio.build_list(PREFIX, filters, HEADERS)
    assert call.parse(call.request, NO_MATCH) == []


def test_listing_404_without_a_lookup_raises() -> None:
    """Without an id/username filter a 404 is a real error; an unknown user name too."""
    everything = sansio.build_list(PREFIX, {}, HEADERS)
    with pytest.raises(NotFoundError):
        everything.parse(everything.request, NO_MATCH)
    by_user = sansio.build_list(PREFIX, {"username": "grafana", "user": "admni"}, HEADERS)
    unknown_user = response(404, b'{"code":"not found","message":"user not found"}')
    with pytest.raises(NotFoundError, match="user not found"):
        by_user.parse(by_user.request, unknown_user)


def test_listing_narrows_by_every_filter_sent(auth_doc: Callable[..., dict[str, Any]]) -> None:
    """Names the server only checks, and filters it ignores next to id, narrow here;
    IDs match in either case, as the server parses them."""
    listed = list_response(
        auth_doc(id="0000000000000001", user="admin", org="my-org"),
        auth_doc(id="0000000000000002", user="other", org="my-org"),
        auth_doc(id="0000000000000003", user="admin", org="other-org", orgID="a" * 16),
    )
    by_names = sansio.build_list(PREFIX, {"org": "my-org", "user": "admin"}, HEADERS)
    assert [a.id for a in by_names.parse(by_names.request, listed)] == ["0000000000000001"]
    by_org_id = sansio.build_list(PREFIX, {"org_id": "A" * 16, "user": None}, HEADERS)
    assert by_org_id.request.params == (("orgID", "A" * 16),)
    assert [a.id for a in by_org_id.parse(by_org_id.request, listed)] == ["0000000000000003"]
    unfiltered = sansio.build_list(PREFIX, {}, HEADERS)
    assert len(unfiltered.parse(unfiltered.request, listed)) == 3


def test_a_retried_delete_that_finds_nothing_was_done() -> None:
    """A 404 after an attempt that may have been applied means deleted; otherwise not."""
    call = sansio.build_delete(PREFIX, AUTH_ID, HEADERS)
    assert call.parse(call.request, response(204)) is True
    assert call.recover is not None
    gone = NotFoundError(
        status=404,
        code="not found",
        message="authorization not found",
        method="DELETE",
        path=call.request.path,
    )
    assert call.recover(gone, AttemptLog(attempts=2, ambiguous=True)) is False
    for log in (AttemptLog(attempts=1, ambiguous=False), AttemptLog(attempts=2)):
        with pytest.raises(NotFoundError):
            call.recover(gone, log)


def test_calls_say_how_safe_a_resend_is() -> None:
    """Only a create is resent solely when it cannot have reached the server."""
    create = AuthorizationCreate(
        username="grafana",
        org_id=ORG_ID,
        permissions=[Permission.read_bucket("8f1e2d3c4b5a6978", ORG_ID)],
    )
    assert sansio.build_create(PREFIX, create, HEADERS).safety is RetrySafety.UNSENT_ONLY
    for call in (
        sansio.build_get(PREFIX, AUTH_ID, HEADERS),
        sansio.build_delete(PREFIX, AUTH_ID, HEADERS),
        sansio.build_update(PREFIX, AUTH_ID, AuthorizationUpdate(status="active"), HEADERS),
        sansio.build_set_password(PREFIX, AUTH_ID, "a-long-password", HEADERS),
    ):
        assert call.safety is RetrySafety.IDEMPOTENT
    assert "s3cret" not in repr(sansio.build_set_password(PREFIX, AUTH_ID, "pw-12345678", HEADERS))


class Masked(str):
    """An application's string for sensitive values, shown as something else than it is."""

    __slots__ = ()

    def __str__(self) -> str:
        return "../../../api/v2/buckets/0000000000000001"

    def __format__(self, spec: str) -> str:
        return str(self)


@pytest.mark.parametrize(
    ("build", "suffix"),
    [
        (lambda auth_id: sansio.build_get(PREFIX, auth_id, HEADERS), ""),
        (lambda auth_id: sansio.build_delete(PREFIX, auth_id, HEADERS), ""),
        (
            lambda auth_id: sansio.build_update(
                PREFIX, auth_id, AuthorizationUpdate(description="x"), HEADERS
            ),
            "",
        ),
        (
            lambda auth_id: sansio.build_set_password(
                PREFIX, auth_id, "a-long-enough-password", HEADERS
            ),
            "/password",
        ),
    ],
    ids=["get", "delete", "update", "set_password"],
)
def test_the_path_holds_the_id_that_was_checked_not_what_a_str_subclass_says(
    build: Callable[[str], sansio.Call[Any]], suffix: str
) -> None:
    """An ID in a str subclass whose __str__/__format__ say something else: the checks read
    its characters, so the path must carry those, never another route."""
    request = build(Masked(AUTH_ID)).request
    assert request.path == f"{PREFIX}/{AUTH_ID}{suffix}"


def test_a_bucket_id_in_a_str_subclass_reaches_its_own_route() -> None:
    request = sansio.build_get_bucket(Masked(AUTH_ID), HEADERS).request
    assert request.path == f"/api/v2/buckets/{AUTH_ID}"
