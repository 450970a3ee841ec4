"""The converter: wire names, timestamps, open enums, request bodies and round trips."""

from __future__ import annotations

import copy
import enum
import json
import string
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioinflux_legacyauth._converter import (
    LIST_FILTER_KEYS,
    converter,
    format_timestamp,
    parse_timestamp,
)
from aioinflux_legacyauth._models import (
    Action,
    AuthorizationCreate,
    AuthorizationLinks,
    AuthorizationList,
    AuthorizationUpdate,
    AuthStatus,
    LegacyAuthorization,
    ListLinks,
    Permission,
    Resource,
    ResourceType,
)

SAMPLES = Path(__file__).parent.parent / "samples"
ORG_ID = "4e7a6b1c2d3f5a6b"
USER_ID = "0d9c39f0a1b2c000"
PREFIX = "/private/legacy/authorizations"
PLUS_TWO = timezone(timedelta(hours=2))


def sample_text(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def sample(name: str) -> Any:
    return json.loads(sample_text(name))


def dump(value: Any) -> str:
    """Serialize the way the server does (tab indentation, no trailing newline)."""
    return json.dumps(value, indent="\t")


# --- Parsing the recorded samples -----------------------------------------------------------


def test_authorization_sample_parses_with_python_names() -> None:
    """A single authorization body maps token/orgID/userID/links.self to Python names."""
    auth = converter.structure(sample("authorization.json"), LegacyAuthorization)

    assert auth == LegacyAuthorization(
        id="0d9c3a1e5b2f4000",
        username="telegraf",
        status=AuthStatus.ACTIVE,
        description="telegraf on host db-01",
        org_id=ORG_ID,
        org="my-org",
        user_id=USER_ID,
        user="admin",
        permissions=(
            Permission(
                action=Action.WRITE,
                resource=Resource(
                    type=ResourceType.BUCKETS,
                    id="8f1e2d3c4b5a6978",
                    org_id=ORG_ID,
                    name="telegraf",
                    org="my-org",
                ),
            ),
        ),
        links=AuthorizationLinks(
            self_=f"{PREFIX}/0d9c3a1e5b2f4000", user=f"/api/v2/users/{USER_ID}"
        ),
        created_at=datetime(2024, 5, 1, 12, 34, 56, 789012, tzinfo=UTC),
        updated_at=datetime(2024, 5, 1, 12, 34, 56, 789012, tzinfo=UTC),
    )
    assert auth.active
    assert str(auth.permissions[0]) == f"write:orgs/{ORG_ID}/buckets/8f1e2d3c4b5a6978"


def test_nanosecond_sample_keeps_microseconds() -> None:
    """The spec's nanosecond timestamps parse to aware datetimes truncated to microseconds."""
    auth = converter.structure(sample("authorization_nanoseconds.json"), LegacyAuthorization)

    assert auth.created_at == datetime(2024, 5, 1, 12, 34, 56, 789012, tzinfo=UTC)
    assert auth.created_at.utcoffset() == timedelta(0)
    assert auth.description == ""


def test_nanosecond_sample_reserializes_with_microseconds() -> None:
    """Writing back a nanosecond sample changes only the timestamps, to six digits."""
    text = sample_text("authorization_nanoseconds.json")
    auth = converter.structure(json.loads(text), LegacyAuthorization)

    expected = text.replace(".789012345Z", ".789012Z")
    assert dump(converter.unstructure(auth)) == expected


def test_offset_sample_keeps_the_servers_zone() -> None:
    """A server in a +02:00 zone gives datetimes with that offset, fraction or not."""
    auth = converter.structure(sample("authorization_offset.json"), LegacyAuthorization)

    assert auth.created_at == datetime(2024, 5, 1, 14, 34, 56, 500000, tzinfo=PLUS_TWO)
    assert auth.created_at.utcoffset() == timedelta(hours=2)
    assert auth.updated_at == datetime(2024, 6, 11, 9, 0, tzinfo=PLUS_TWO)
    assert auth.updated_at.utcoffset() == timedelta(hours=2)
    assert auth.status is AuthStatus.INACTIVE
    assert not auth.active
    assert [str(p) for p in auth.permissions] == [
        f"read:orgs/{ORG_ID}/buckets/8f1e2d3c4b5a6978",
        f"read:orgs/{ORG_ID}/buckets/8f1e2d3c4b5a7a01",
    ]


def test_list_sample_parses_every_item() -> None:
    """A list body gives its links and every authorization in the server's order."""
    listing = converter.structure(sample("list.json"), AuthorizationList)

    assert listing.links == ListLinks(self_=PREFIX)
    assert [a.username for a in listing.authorizations] == ["telegraf", "grafana", "importer"]
    assert [a.id for a in listing.authorizations] == sorted(a.id for a in listing.authorizations)
    assert [a.status for a in listing.authorizations] == [
        AuthStatus.ACTIVE,
        AuthStatus.INACTIVE,
        AuthStatus.ACTIVE,
    ]


def test_list_sample_deleted_bucket_has_no_names() -> None:
    """A permission on a deleted bucket parses with name and org left as None."""
    listing = converter.structure(sample("list.json"), AuthorizationList)
    resources = [p.resource for p in listing.authorizations[1].permissions]

    assert resources[1] == Resource(
        type=ResourceType.BUCKETS, id="a3b4c5d6e7f80912", org_id=ORG_ID, name=None, org=None
    )
    assert resources[2] == Resource(type=ResourceType.BUCKETS, org_id=ORG_ID, org="my-org")
    assert str(listing.authorizations[1].permissions[2]) == f"read:orgs/{ORG_ID}/buckets"


def test_list_sample_zero_time_and_user_resource() -> None:
    """Go's zero time parses as year 1 UTC; a users/<id> permission has a name but no org."""
    importer = converter.structure(sample("list.json"), AuthorizationList).authorizations[2]

    assert importer.created_at == datetime(1, 1, 1, tzinfo=UTC)
    assert importer.updated_at == datetime(1, 1, 1, tzinfo=UTC)
    assert importer.permissions[0].resource == Resource(
        type=ResourceType.USERS, id=USER_ID, name="admin"
    )
    assert str(importer.permissions[0]) == f"read:users/{USER_ID}"


def test_empty_list_sample_gives_empty_tuple() -> None:
    """An empty list body gives no authorizations, as an empty tuple."""
    listing = converter.structure(sample("list_empty.json"), AuthorizationList)

    assert listing.authorizations == ()
    assert listing.links == ListLinks(self_=PREFIX)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("authorization.json", LegacyAuthorization),
        ("authorization_offset.json", LegacyAuthorization),
        ("list.json", AuthorizationList),
        ("list_empty.json", AuthorizationList),
    ],
)
def test_sample_round_trips_to_identical_text(name: str, kind: type[Any]) -> None:
    """Parsing a sample and writing it back reproduces the server's bytes, key order included."""
    text = sample_text(name)

    parsed = converter.structure(json.loads(text), kind)

    assert dump(converter.unstructure(parsed)) == text


# --- A newer server ---------------------------------------------------------------------------


def test_newer_server_extra_keys_are_ignored() -> None:
    """Unknown keys at every level are dropped, not errors, and never written back."""
    auth = converter.structure(sample("newer_server.json"), LegacyAuthorization)
    written = converter.unstructure(auth)

    assert auth.username == "edge-07"
    assert auth.links == AuthorizationLinks(
        self_=f"{PREFIX}/0d9c3c77e1f2a000", user=f"/api/v2/users/{USER_ID}"
    )
    assert "expiresAt" not in written
    assert "lastUsedAt" not in written
    assert "scope" not in written["permissions"][0]
    assert "labels" not in written["permissions"][0]["resource"]
    assert list(written["links"]) == ["self", "user"]


def test_newer_server_unknown_enum_values_are_kept() -> None:
    """An unknown status, action and resource type survive parsing, marked as not known."""
    auth = converter.structure(sample("newer_server.json"), LegacyAuthorization)
    permission = auth.permissions[0]

    assert auth.status == "suspended"
    assert isinstance(auth.status, AuthStatus)
    assert not auth.status.is_known
    assert not auth.active
    assert permission.action == "execute"
    assert not permission.action.is_known
    assert permission.resource.type == "functions"
    assert not permission.resource.type.is_known
    assert str(permission) == f"execute:orgs/{ORG_ID}/functions/0d9c3c70b3a91000"
    assert auth.permissions[1].action.is_known
    assert auth.permissions[1].resource.type.is_known


def test_newer_server_unknown_enum_values_round_trip() -> None:
    """Unknown enum values are written back exactly as the server sent them."""
    auth = converter.structure(sample("newer_server.json"), LegacyAuthorization)
    written = converter.unstructure(auth)

    assert written["status"] == "suspended"
    assert written["permissions"][0]["action"] == "execute"
    assert written["permissions"][0]["resource"]["type"] == "functions"
    assert converter.structure(json.loads(dump(written)), LegacyAuthorization) == auth


# --- Malformed bodies -----------------------------------------------------------------------


def _drop(*path: str | int) -> Any:
    def mutate(doc: Any) -> None:
        for key in path[:-1]:
            doc = doc[key]
        del doc[path[-1]]

    return mutate


def _set(value: Any, *path: str | int) -> Any:
    def mutate(doc: Any) -> None:
        for key in path[:-1]:
            doc = doc[key]
        doc[path[-1]] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        pytest.param(_drop("token"), KeyError, id="missing-token"),
        pytest.param(_drop("createdAt"), KeyError, id="missing-createdAt"),
        pytest.param(_drop("permissions", 0, "resource"), KeyError, id="missing-resource"),
        pytest.param(_drop("permissions", 0, "resource", "type"), KeyError, id="missing-type"),
        pytest.param(_drop("links", "self"), KeyError, id="missing-links-self"),
        pytest.param(_set(5, "createdAt"), TypeError, id="numeric-createdAt"),
        pytest.param(_set("yesterday", "createdAt"), ValueError, id="garbage-createdAt"),
        pytest.param(_set("2024-05-01T12:34:56", "updatedAt"), ValueError, id="naive-updatedAt"),
        pytest.param(_set("", "status"), ValueError, id="empty-status"),
        pytest.param(_set(None, "status"), ValueError, id="null-status"),
        pytest.param(_set("", "permissions", 0, "action"), ValueError, id="empty-action"),
        pytest.param(_set(5, "permissions"), TypeError, id="numeric-permissions"),
        pytest.param(_set(None, "permissions"), TypeError, id="null-permissions"),
        pytest.param(_set("x", "links"), TypeError, id="string-links"),
    ],
)
def test_malformed_authorization_raises(mutate: Any, error: type[Exception]) -> None:
    """A body with a missing key or a wrong type raises KeyError, TypeError or ValueError."""
    document = copy.deepcopy(sample("authorization.json"))
    mutate(document)

    with pytest.raises(error):
        converter.structure(document, LegacyAuthorization)


@pytest.mark.parametrize("body", [[], None, "telegraf", 5])
def test_non_object_body_raises_type_error(body: Any) -> None:
    """A body that is not a JSON object cannot become an authorization."""
    with pytest.raises(TypeError):
        converter.structure(body, LegacyAuthorization)


def test_list_without_authorizations_raises_key_error() -> None:
    """A list body without its authorizations key is refused, not read as empty."""
    with pytest.raises(KeyError, match="authorizations"):
        converter.structure({"links": {"self": PREFIX}}, AuthorizationList)


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(_set(None, "token"), id="null-token"),
        pytest.param(_set(None, "description"), id="null-description"),
        pytest.param(_set(1234, "id"), id="numeric-id"),
        pytest.param(_set({}, "permissions"), id="object-permissions"),
    ],
)
def test_wrongly_typed_fields_are_refused(mutate: Any) -> None:
    """A wrongly typed string or array field is refused instead of being coerced."""
    document = copy.deepcopy(sample("authorization.json"))
    mutate(document)

    with pytest.raises((KeyError, TypeError, ValueError)):
        converter.structure(document, LegacyAuthorization)


# --- Timestamps -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T12:34:56.789012345Z", datetime(2024, 5, 1, 12, 34, 56, 789012, tzinfo=UTC)),
        ("2024-05-01T12:34:56.7890129Z", datetime(2024, 5, 1, 12, 34, 56, 789012, tzinfo=UTC)),
        ("2024-05-01T12:34:56.1Z", datetime(2024, 5, 1, 12, 34, 56, 100000, tzinfo=UTC)),
        ("2024-05-01T12:34:56Z", datetime(2024, 5, 1, 12, 34, 56, tzinfo=UTC)),
        (
            "2024-05-01T14:34:56.000000001+02:00",
            datetime(2024, 5, 1, 14, 34, 56, tzinfo=PLUS_TWO),
        ),
        (
            "2024-01-15T07:04:05.5-05:30",
            datetime(2024, 1, 15, 7, 4, 5, 500000, tzinfo=timezone(-timedelta(hours=5.5))),
        ),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_accepts_go_output(text: str, expected: datetime) -> None:
    """Go RFC 3339 timestamps parse to aware datetimes with the same offset."""
    parsed = parse_timestamp(text)

    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


def test_parse_timestamp_truncates_nanoseconds() -> None:
    """Digits beyond microseconds are dropped, never rounded up into the next microsecond."""
    assert parse_timestamp("2024-05-01T12:34:56.999999999Z").microsecond == 999999


def test_parse_timestamp_rejects_naive() -> None:
    """A timestamp without Z or an offset is refused with ValueError naming it."""
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_timestamp("2024-05-01T12:34:56.789")


@pytest.mark.parametrize("value", [1714566896, 1714566896.5, None, b"2024-05-01T12:34:56Z"])
def test_parse_timestamp_rejects_non_strings(value: object) -> None:
    """Numbers, None and bytes are refused with TypeError."""
    with pytest.raises(TypeError, match="RFC 3339"):
        parse_timestamp(value)


def test_parse_timestamp_rejects_garbage() -> None:
    """A string that is no timestamp raises ValueError."""
    with pytest.raises(ValueError, match="isoformat"):
        parse_timestamp("last tuesday")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2024, 5, 1, 12, 34, 56, 789012, tzinfo=UTC), "2024-05-01T12:34:56.789012Z"),
        (datetime(2024, 5, 1, 12, 34, 56, 120000, tzinfo=UTC), "2024-05-01T12:34:56.12Z"),
        (datetime(2024, 5, 1, 12, 34, 56, 500000, tzinfo=UTC), "2024-05-01T12:34:56.5Z"),
        (datetime(2024, 5, 1, 12, 34, 56, 1, tzinfo=UTC), "2024-05-01T12:34:56.000001Z"),
        (datetime(2024, 5, 1, 12, 34, 56, tzinfo=UTC), "2024-05-01T12:34:56Z"),
        (datetime(2024, 5, 1, 14, 34, 56, tzinfo=PLUS_TWO), "2024-05-01T14:34:56+02:00"),
        (
            datetime(2024, 1, 15, 7, 4, 5, 250000, tzinfo=timezone(-timedelta(hours=5.5))),
            "2024-01-15T07:04:05.25-05:30",
        ),
        (datetime(2024, 5, 1, tzinfo=timezone(timedelta(0))), "2024-05-01T00:00:00Z"),
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00Z"),
        (datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC), "0999-12-31T23:59:59Z"),
    ],
)
def test_format_timestamp_writes_go_rfc3339nano(value: datetime, expected: str) -> None:
    """Fraction zeros are trimmed, UTC is Z, other zones are offsets, years have 4 digits."""
    assert format_timestamp(value) == expected


def test_format_timestamp_treats_naive_as_utc() -> None:
    """A naive datetime is written as UTC rather than refused."""
    naive = datetime(2024, 5, 1, 12, 0)  # noqa: DTZ001 - a naive value is the point of the test

    assert format_timestamp(naive) == "2024-05-01T12:00:00Z"


# --- Request bodies and list filters --------------------------------------------------------


def test_create_body_uses_wire_names_and_omits_none() -> None:
    """A create body has token/orgID, no userID or description when not given, and no nulls."""
    create = AuthorizationCreate(
        username="telegraf",
        org_id=ORG_ID,
        permissions=[Permission.write_bucket("8f1e2d3c4b5a6978", ORG_ID)],
    )

    body = converter.unstructure(create)

    assert json.loads(json.dumps(body)) == {
        "token": "telegraf",
        "status": "active",
        "orgID": ORG_ID,
        "permissions": [
            {
                "action": "write",
                "resource": {"type": "buckets", "id": "8f1e2d3c4b5a6978", "orgID": ORG_ID},
            }
        ],
    }
    assert list(body) == ["token", "status", "orgID", "permissions"]


def test_create_body_with_every_field() -> None:
    """A full create body carries userID, description and an inactive status by wire name."""
    create = AuthorizationCreate(
        username="grafana",
        status=AuthStatus.INACTIVE,
        org_id=ORG_ID,
        user_id=USER_ID,
        description="",
        permissions=[
            Permission.read_bucket("8f1e2d3c4b5a6978", ORG_ID),
            Permission(action="read", resource=Resource(type="users", id=USER_ID)),
        ],
    )

    body = json.loads(json.dumps(converter.unstructure(create)))

    assert list(body) == ["token", "status", "orgID", "userID", "description", "permissions"]
    assert body["status"] == "inactive"
    assert body["userID"] == USER_ID
    assert body["description"] == ""
    assert body["permissions"][1] == {
        "action": "read",
        "resource": {"type": "users", "id": USER_ID},
    }


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        (AuthorizationUpdate(), {}),
        (AuthorizationUpdate(status="inactive"), {"status": "inactive"}),
        (AuthorizationUpdate(description=""), {"description": ""}),
        (
            AuthorizationUpdate(status=AuthStatus.ACTIVE, description="rotated"),
            {"status": "active", "description": "rotated"},
        ),
    ],
)
def test_update_body_contains_only_given_fields(
    update: AuthorizationUpdate, expected: dict[str, str]
) -> None:
    """A PATCH body has exactly the fields that were set, so the server changes nothing else."""
    assert json.loads(json.dumps(converter.unstructure(update))) == expected


def test_list_filter_keys_use_the_servers_query_names() -> None:
    """List filters map to the keys the server reads: id (not authID) and token."""
    assert LIST_FILTER_KEYS == {
        "auth_id": "id",
        "username": "token",
        "org_id": "orgID",
        "user_id": "userID",
        "org": "org",
        "user": "user",
    }
    assert "authID" not in LIST_FILTER_KEYS.values()


# --- Property-based round trips --------------------------------------------------------------

hex_ids = st.integers(min_value=1, max_value=2**64 - 1).map(lambda n: f"{n:016x}")
offsets = st.one_of(
    st.just(UTC),
    st.integers(min_value=-14 * 60, max_value=14 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    ),
)
aware_datetimes = st.datetimes(
    min_value=datetime(2, 1, 1),  # noqa: DTZ001 - hypothesis bounds must be naive
    max_value=datetime(9998, 12, 31),  # noqa: DTZ001 - same
    timezones=offsets,
)
names = st.text(alphabet=string.ascii_letters + string.digits + "-_ .", max_size=20)
free_text = st.text(max_size=30)


def open_enum(enum_type: type[enum.Enum]) -> st.SearchStrategy[Any]:
    """Known members, plus any other non-empty string a newer server might send."""
    return st.one_of(st.sampled_from(list(enum_type)), st.text(min_size=1).map(enum_type))


resources = st.builds(
    Resource,
    type=open_enum(ResourceType),
    id=st.none() | hex_ids,
    org_id=st.none() | hex_ids,
    name=st.none() | names,
    org=st.none() | names,
)
permissions = st.builds(Permission, action=open_enum(Action), resource=resources)
authorization_links = st.builds(
    AuthorizationLinks,
    self_=hex_ids.map(lambda i: f"{PREFIX}/{i}"),
    user=st.none() | hex_ids.map(lambda i: f"/api/v2/users/{i}"),
)
authorizations = st.builds(
    LegacyAuthorization,
    id=hex_ids,
    username=st.text(min_size=1, max_size=30),
    status=open_enum(AuthStatus),
    description=free_text,
    org_id=hex_ids,
    org=st.none() | names,
    user_id=hex_ids,
    user=st.none() | names,
    permissions=st.lists(permissions, max_size=4),
    links=st.none() | authorization_links,
    created_at=aware_datetimes,
    updated_at=aware_datetimes,
)
authorization_lists = st.builds(
    AuthorizationList,
    links=st.none() | st.just(ListLinks(self_=PREFIX)),
    authorizations=st.lists(authorizations, max_size=3),
)


def through_the_wire(value: Any, kind: type[Any]) -> Any:
    """Unstructure, encode as JSON, decode and structure again, as client and server do."""
    return converter.structure(json.loads(json.dumps(converter.unstructure(value))), kind)


@given(aware_datetimes)
def test_timestamps_round_trip(value: datetime) -> None:
    """Any aware datetime with microseconds survives format and parse, offset included."""
    parsed = parse_timestamp(format_timestamp(value))

    assert parsed == value
    assert parsed.utcoffset() == value.utcoffset()


@given(resources)
def test_resource_round_trips(resource: Resource) -> None:
    """Any resource, known type or not, survives the wire unchanged."""
    assert through_the_wire(resource, Resource) == resource


@given(resources)
def test_resource_wire_shape_omits_unset_keys(resource: Resource) -> None:
    """Resource keys come in the server's order and unset ones are left out, never null."""
    body = converter.unstructure(resource)

    order = ["type", "id", "orgID", "name", "org"]
    assert list(body) == [key for key in order if key in body]
    assert None not in body.values()
    assert ("orgID" in body) == (resource.org_id is not None)


@given(permissions)
def test_permission_round_trips(permission: Permission) -> None:
    """Any permission survives the wire unchanged."""
    assert through_the_wire(permission, Permission) == permission


@given(authorization_links)
def test_authorization_links_round_trip(links: AuthorizationLinks) -> None:
    """Links survive the wire, with self written as the wire key 'self'."""
    body = converter.unstructure(links)

    assert body["self"] == links.self_
    assert through_the_wire(links, AuthorizationLinks) == links


@given(authorizations)
def test_authorization_round_trips(auth: LegacyAuthorization) -> None:
    """Any authorization survives the wire with every field, offsets and enums unchanged."""
    back = through_the_wire(auth, LegacyAuthorization)

    assert back == auth
    assert back.created_at.utcoffset() == auth.created_at.utcoffset()
    assert back.status.value == auth.status.value


@given(authorizations)
def test_authorization_wire_keys_in_server_order(auth: LegacyAuthorization) -> None:
    """An authorization is written with all twelve keys in the server's order."""
    assert list(converter.unstructure(auth)) == [
        "id",
        "token",
        "status",
        "description",
        "orgID",
        "org",
        "userID",
        "user",
        "permissions",
        "links",
        "createdAt",
        "updatedAt",
    ]


@given(authorization_lists)
def test_authorization_list_round_trips(listing: AuthorizationList) -> None:
    """A list body survives the wire, links first."""
    assert list(converter.unstructure(listing)) == ["links", "authorizations"]
    assert through_the_wire(listing, AuthorizationList) == listing


creates = st.builds(
    AuthorizationCreate,
    username=st.text(min_size=1, max_size=30),
    status=open_enum(AuthStatus),
    org_id=hex_ids,
    user_id=st.none() | hex_ids,
    description=st.none() | free_text,
    permissions=st.lists(permissions, min_size=1, max_size=3),
)


@given(creates)
def test_create_body_shape(create: AuthorizationCreate) -> None:
    """A create body uses wire names, leaves out unset optional fields and has no nulls."""
    body = json.loads(json.dumps(converter.unstructure(create)))

    expected_keys = ["token", "status", "orgID"]
    expected_keys += ["userID"] if create.user_id is not None else []
    expected_keys += ["description"] if create.description is not None else []
    assert list(body) == [*expected_keys, "permissions"]
    assert body["token"] == create.username
    assert body["status"] == create.status.value
    assert body["orgID"] == create.org_id
    assert body.get("userID") == create.user_id
    assert body.get("description") == create.description
    assert tuple(converter.structure(p, Permission) for p in body["permissions"]) == (
        create.permissions
    )
    for permission in body["permissions"]:
        assert None not in permission["resource"].values()
