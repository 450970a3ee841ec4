"""The /api/v2 and v1 data-plane builders and parsers provisioning uses, without a loop."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from aioinflux_legacyauth import NotFoundError, ResponseDecodeError, UnauthorizedError
from aioinflux_legacyauth import _sansio as sansio
from aioinflux_legacyauth import _sansio_api_v2 as api_v2
from aioinflux_legacyauth import _sansio_v1 as v1
from aioinflux_legacyauth._models import DBRPMappingCreate, RetentionPolicy, WriteAccess
from aioinflux_legacyauth._retry import AttemptLog, RetrySafety

ORG_ID = "4e7a6b1c2d3f5a6b"
BUCKET_ID = "8f1e2d3c4b5a6978"
HEADERS = {"Authorization": "Token s3cret-operator-token", "Accept": "application/json"}
JSON_TYPE = {"Content-Type": "application/json; charset=utf-8"}


def response(
    status: int, document: Any = None, headers: dict[str, str] | None = None
) -> sansio.RawResponse:
    body = b"" if document is None else json.dumps(document, indent="\t").encode()
    return sansio.RawResponse(status, headers or JSON_TYPE, body)


def not_found(message: str) -> sansio.RawResponse:
    return response(
        404,
        {"code": "not found", "message": message},
        {**JSON_TYPE, "X-Platform-Error-Code": "not found"},
    )


MAPPING = {
    "id": "0c6b1e2f3a4d5000",
    "database": "telegraf",
    "retention_policy": "autogen",
    "default": True,
    "virtual": False,
    "orgID": ORG_ID,
    "bucketID": BUCKET_ID,
}


def test_dbrp_list_request_and_answer() -> None:
    """GET /api/v2/dbrps with the org and filters; the content wrapper is read."""
    call = api_v2.build_list_dbrps(ORG_ID, HEADERS, database="telegraf", bucket_id=BUCKET_ID)
    assert (call.request.method, call.request.path) == ("GET", "/api/v2/dbrps")
    assert call.request.params == (("orgID", ORG_ID), ("db", "telegraf"), ("bucketID", BUCKET_ID))
    virtual = {**MAPPING, "id": BUCKET_ID, "virtual": True, "unknownKey": 1}
    mappings = call.parse(call.request, response(200, {"content": [MAPPING, virtual]}))
    assert [(m.id, m.database, m.retention_policy, m.default, m.virtual) for m in mappings] == [
        ("0c6b1e2f3a4d5000", "telegraf", "autogen", True, False),
        (BUCKET_ID, "telegraf", "autogen", True, True),
    ]
    assert (mappings[0].bucket_id, mappings[0].org_id) == (BUCKET_ID, ORG_ID)


def test_dbrp_list_refuses_a_body_of_another_shape() -> None:
    """A mapping whose default is the string "false" is not read as True."""
    call = api_v2.build_list_dbrps(ORG_ID, HEADERS)
    with pytest.raises(ResponseDecodeError, match="not a valid DBRPMapping"):
        call.parse(call.request, response(200, {"content": [{**MAPPING, "default": "false"}]}))
    with pytest.raises(ResponseDecodeError, match="'content' list"):
        call.parse(call.request, response(200, {"mappings": []}))


def test_dbrp_create_is_sent_once_and_reads_the_bare_mapping() -> None:
    """POST body in wire names; a create that may have arrived is never resent."""
    body = DBRPMappingCreate(
        database="grafana",
        retention_policy="autogen",
        default=True,
        org_id=ORG_ID,
        bucket_id=BUCKET_ID,
    )
    call = api_v2.build_create_dbrp(body, HEADERS)
    assert call.safety is RetrySafety.UNSENT_ONLY
    assert json.loads(call.request.body or b"") == {
        "database": "grafana",
        "retention_policy": "autogen",
        "default": True,
        "orgID": ORG_ID,
        "bucketID": BUCKET_ID,
    }
    created = call.parse(call.request, response(201, MAPPING))
    assert created.id == "0c6b1e2f3a4d5000"


def test_dbrp_delete_names_the_org_and_recovers_a_lost_answer() -> None:
    """DELETE carries orgID; a retry's 404 after an unanswered attempt means deleted."""
    call = api_v2.build_delete_dbrp("0c6b1e2f3a4d5000", ORG_ID, HEADERS)
    assert call.request.path == "/api/v2/dbrps/0c6b1e2f3a4d5000"
    assert call.request.params == (("orgID", ORG_ID),)
    assert call.parse(call.request, response(204)) is True
    log = AttemptLog()
    log.attempts, log.ambiguous = 2, True
    assert call.recover is not None
    error = NotFoundError(
        status=404, code="not found", message="unable to find DBRP", method="DELETE", path="/"
    )
    assert call.recover(error, log) is False


def test_bucket_org_and_user_reads() -> None:
    """Buckets (with their type), orgs and users parse; extra keys are ignored."""
    bucket_call = api_v2.build_bucket(BUCKET_ID, HEADERS)
    bucket = bucket_call.parse(
        bucket_call.request,
        response(
            200,
            {
                "id": BUCKET_ID,
                "orgID": ORG_ID,
                "type": "system",
                "name": "_tasks",
                "retentionRules": [],
            },
        ),
    )
    assert (bucket.name, bucket.system) == ("_tasks", True)
    page = api_v2.build_list_buckets(ORG_ID, HEADERS, offset=100, limit=100)
    assert page.request.params == (("orgID", ORG_ID), ("offset", "100"), ("limit", "100"))
    listed = page.parse(
        page.request, response(200, {"buckets": [{"id": BUCKET_ID, "orgID": ORG_ID, "name": "m"}]})
    )
    assert listed[0].type == "user"
    user_call = api_v2.build_user("0d9c39f0a1b2c000", HEADERS)
    user = user_call.parse(
        user_call.request,
        response(200, {"id": "0d9c39f0a1b2c000", "name": "bob", "status": "inactive"}),
    )
    assert not user.active
    org_call = api_v2.build_org(ORG_ID, HEADERS)
    assert (
        org_call.parse(org_call.request, response(200, {"id": ORG_ID, "name": "my-org"})).name
        == "my-org"
    )
    with pytest.raises(NotFoundError):
        org_call.parse(org_call.request, not_found("organization not found"))


def test_pages_are_bounded() -> None:
    """influxd hands out at most 100 per page; a bigger limit is refused locally."""
    with pytest.raises(ValueError, match="limit"):
        api_v2.build_list_users(HEADERS, limit=101)


def test_username_lookup_tells_free_from_hidden() -> None:
    """The server's 404 means free; an empty list means hidden; a listed one is found."""
    call = sansio.build_lookup_username(sansio.DEFAULT_PREFIX, "grafana", HEADERS)
    assert call.request.params == (("token", "grafana"),)
    free = call.parse(call.request, not_found("authorization not found"))
    assert (free.authorization, free.exists) == (None, False)
    hidden = call.parse(call.request, response(200, {"links": {"self": "/"}, "authorizations": []}))
    assert (hidden.authorization, hidden.exists) == (None, True)
    with pytest.raises(NotFoundError, match="user not found"):
        call.parse(call.request, not_found("user not found"))


def _basic(request: sansio.Request) -> str:
    scheme, _, encoded = request.headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    return base64.b64decode(encoded).decode()


def test_v1_calls_send_basic_auth_never_the_token() -> None:
    """Every data-plane request logs in as the credential; the API token is not sent."""
    requests = [
        v1.build_show_databases("grafana", "pa:ss word", HEADERS).request,
        v1.build_show_retention_policies("grafana", "pa:ss word", "metrics", HEADERS).request,
        v1.build_write_probe("grafana", "pa:ss word", "metrics", "autogen", HEADERS).request,
    ]
    for request in requests:
        assert _basic(request) == "grafana:pa:ss word"
        assert "s3cret-operator-token" not in repr(request.headers)
        assert "pa:ss word" not in repr(request)
        encoded = request.headers["Authorization"].removeprefix("Basic ")
        assert encoded not in repr(request)  # base64 is the password in plain sight
        assert "'[secure]'" in repr(request.headers)
    assert "Authorization" not in v1.build_ping(HEADERS).request.headers


def test_write_probe_has_an_empty_body_and_reads_the_status() -> None:
    """An empty body: 204 writable, 403 read-only, 404 not visible, 401 refused."""
    call = v1.build_write_probe("u", "password", "metrics", None, HEADERS)
    assert (call.request.method, call.request.path, call.request.body) == ("POST", "/write", b"")
    assert call.request.params == (("db", "metrics"),)
    forbidden = {"code": "forbidden", "message": "insufficient permissions for write"}
    answers = {
        204: None,
        403: forbidden,
        404: {"code": "not found", "message": "no dbrp mapping found"},
        401: {"code": "unauthorized", "message": "Unauthorized"},
    }
    got = {
        status: call.parse(call.request, response(status, body)) for status, body in answers.items()
    }
    assert got == {
        204: WriteAccess.WRITABLE,
        403: WriteAccess.READ_ONLY,
        404: WriteAccess.NOT_VISIBLE,
        401: WriteAccess.REFUSED,
    }
    with pytest.raises(ResponseDecodeError, match="expected 204, 403 or 404"):
        call.parse(call.request, response(200, {}))


def test_show_databases_and_retention_policies_parse() -> None:
    """The series rows become names; none is an empty list; a 401 is None."""
    call = v1.build_show_databases("u", "password", HEADERS)
    body = {
        "results": [
            {
                "statement_id": 0,
                "series": [
                    {
                        "name": "databases",
                        "columns": ["name"],
                        "values": [["_monitoring"], ["telegraf"]],
                    }
                ],
            }
        ]
    }
    assert call.parse(call.request, response(200, body)) == ["_monitoring", "telegraf"]
    assert call.parse(call.request, response(200, {"results": [{"statement_id": 0}]})) == []
    assert (
        call.parse(call.request, response(401, {"code": "unauthorized", "message": "Unauthorized"}))
        is None
    )
    policies = v1.build_show_retention_policies("u", "password", "telegraf", HEADERS)
    assert policies.request.params == (("q", "SHOW RETENTION POLICIES"), ("db", "telegraf"))
    rows = {
        "results": [
            {
                "statement_id": 0,
                "series": [
                    {
                        "columns": [
                            "name",
                            "duration",
                            "shardGroupDuration",
                            "replicaN",
                            "default",
                        ],
                        "values": [
                            ["autogen", "0s", "168h0m0s", 1, True],
                            ["short", "0s", "168h0m0s", 1, False],
                        ],
                    }
                ],
            }
        ]
    }
    assert policies.parse(policies.request, response(200, rows)) == [
        RetentionPolicy(name="autogen", default=True),
        RetentionPolicy(name="short", default=False),
    ]
    failed = {"results": [{"statement_id": 0, "error": "database name required"}]}
    with pytest.raises(ResponseDecodeError, match="database name required"):
        policies.parse(policies.request, response(200, failed))


def test_ping_reads_the_version_header() -> None:
    """/ping's 204 carries the version; a 401 from something else raises its error."""
    call = v1.build_ping(HEADERS)
    assert (
        call.parse(call.request, sansio.RawResponse(204, {"X-Influxdb-Version": "v2.7.12"}, b""))
        == "v2.7.12"
    )
    assert call.parse(call.request, sansio.RawResponse(204, {}, b"")) is None
    with pytest.raises(UnauthorizedError):
        call.parse(
            call.request, response(401, {"code": "unauthorized", "message": "unauthorized access"})
        )
