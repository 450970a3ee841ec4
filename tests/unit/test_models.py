"""The models: immutability, permission helpers and notation, open enums."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

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

ORG_ID = "4e7a6b1c2d3f5a6b"
USER_ID = "0d9c39f0a1b2c000"
BUCKET_ID = "8f1e2d3c4b5a6978"
CREATED = datetime(2024, 5, 1, 12, 34, 56, 789012, tzinfo=UTC)


def make_auth(status: str = "active") -> LegacyAuthorization:
    return LegacyAuthorization(
        id="0d9c3a1e5b2f4000",
        username="telegraf",
        status=status,
        org_id=ORG_ID,
        user_id=USER_ID,
        permissions=[Permission.write_bucket(BUCKET_ID, ORG_ID)],
        created_at=CREATED,
        updated_at=CREATED,
    )


def every_model() -> list[Any]:
    resource = Resource(type="buckets", id=BUCKET_ID, org_id=ORG_ID)
    return [
        resource,
        Permission(action="read", resource=resource),
        AuthorizationLinks(self_="/private/legacy/authorizations/0d9c3a1e5b2f4000"),
        make_auth(),
        ListLinks(self_="/private/legacy/authorizations"),
        AuthorizationList(authorizations=[make_auth()]),
        AuthorizationCreate(username="telegraf", org_id=ORG_ID, permissions=[]),
        AuthorizationUpdate(status="inactive"),
    ]


@pytest.mark.parametrize("model", every_model(), ids=lambda m: type(m).__name__)
def test_models_are_frozen(model: Any) -> None:
    """Assigning to any field of a model raises FrozenInstanceError."""
    field = attrs.fields(type(model))[0].name

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(model, field, None)


@pytest.mark.parametrize("model", every_model(), ids=lambda m: type(m).__name__)
def test_models_are_slotted(model: Any) -> None:
    """Models have no per-instance __dict__, and new attributes cannot be added."""
    assert not hasattr(model, "__dict__")
    with pytest.raises(AttributeError):
        model.extra = 1


@pytest.mark.parametrize("model", every_model(), ids=lambda m: type(m).__name__)
def test_models_are_hashable_and_comparable(model: Any) -> None:
    """Equal models compare equal and can be used in sets."""
    assert model == attrs.evolve(model)
    assert len({model, attrs.evolve(model)}) == 1


def test_sequences_become_tuples() -> None:
    """Lists passed as permissions or authorizations are stored as immutable tuples."""
    auth = make_auth()
    listing = AuthorizationList(authorizations=[auth])

    assert isinstance(auth.permissions, tuple)
    assert isinstance(listing.authorizations, tuple)
    assert listing.authorizations == (auth,)


def test_strings_are_converted_to_enums() -> None:
    """Plain strings given for status, action and type become enum members."""
    permission = Permission(action="read", resource=Resource(type="users"))

    assert permission.action is Action.READ
    assert permission.resource.type is ResourceType.USERS
    assert make_auth("inactive").status is AuthStatus.INACTIVE
    assert AuthorizationCreate(username="u", org_id=ORG_ID, permissions=[]).status is (
        AuthStatus.ACTIVE
    )
    assert AuthorizationUpdate().status is None
    assert AuthorizationUpdate(status="inactive").status is AuthStatus.INACTIVE


def test_authorization_defaults() -> None:
    """An authorization built without optional fields has an empty description and no names."""
    auth = make_auth()

    assert auth.description == ""
    assert auth.org is None
    assert auth.user is None
    assert auth.links is None


# --- Permission helpers and notation --------------------------------------------------------


def test_read_bucket_shape() -> None:
    """read_bucket grants read on one bucket of one org, as the influx CLI does."""
    assert Permission.read_bucket(BUCKET_ID, ORG_ID) == Permission(
        action=Action.READ,
        resource=Resource(type=ResourceType.BUCKETS, id=BUCKET_ID, org_id=ORG_ID),
    )


def test_write_bucket_shape() -> None:
    """write_bucket grants write on one bucket of one org, with no names filled in."""
    permission = Permission.write_bucket(BUCKET_ID, ORG_ID)

    assert permission.action is Action.WRITE
    assert permission.resource == Resource(type="buckets", id=BUCKET_ID, org_id=ORG_ID)
    assert permission.resource.name is None
    assert permission.resource.org is None


@pytest.mark.parametrize("factory", [Permission.read_bucket, Permission.write_bucket])
@pytest.mark.parametrize(("bucket_id", "org_id"), [("", ORG_ID), (BUCKET_ID, ""), ("", "")])
def test_bucket_helpers_refuse_empty_ids(factory: Any, bucket_id: str, org_id: str) -> None:
    """A bucket permission without a bucket ID or org ID raises ValueError."""
    with pytest.raises(ValueError, match="bucket ID and an org ID"):
        factory(bucket_id, org_id)


@pytest.mark.parametrize(
    ("permission", "expected"),
    [
        (Permission.write_bucket(BUCKET_ID, ORG_ID), f"write:orgs/{ORG_ID}/buckets/{BUCKET_ID}"),
        (Permission.read_bucket(BUCKET_ID, ORG_ID), f"read:orgs/{ORG_ID}/buckets/{BUCKET_ID}"),
        (Permission(action="read", resource=Resource(type="users")), "read:users"),
        (
            Permission(action="write", resource=Resource(type="users", id=USER_ID)),
            f"write:users/{USER_ID}",
        ),
        (
            Permission(action="read", resource=Resource(type="authorizations", org_id=ORG_ID)),
            f"read:orgs/{ORG_ID}/authorizations",
        ),
        (
            Permission(
                action="write",
                resource=Resource(
                    type="notificationRules", id=BUCKET_ID, org_id=ORG_ID, name="n", org="o"
                ),
            ),
            f"write:orgs/{ORG_ID}/notificationRules/{BUCKET_ID}",
        ),
        (
            Permission(action="execute", resource=Resource(type="functions", id=BUCKET_ID)),
            f"execute:functions/{BUCKET_ID}",
        ),
    ],
)
def test_permission_str_uses_server_notation(permission: Permission, expected: str) -> None:
    """str(permission) is the <perm> notation the server uses in its error messages."""
    assert str(permission) == expected


@pytest.mark.parametrize(
    ("status", "active"),
    [("active", True), ("inactive", False), ("suspended", False)],
)
def test_authorization_active(status: str, active: bool) -> None:
    """active is true only for the 'active' status, including against unknown statuses."""
    assert make_auth(status).active is active


# --- Open enums -----------------------------------------------------------------------------


@pytest.mark.parametrize("enum_type", [AuthStatus, Action, ResourceType])
def test_known_members_are_known(enum_type: Any) -> None:
    """Every value this version defines is reported as known and looks itself up."""
    for member in enum_type:
        assert member.is_known
        assert enum_type(member.value) is member


def test_resource_types_match_the_server() -> None:
    """The resource types are exactly the 23 the server accepts (spec section 2)."""
    server_types = [
        "authorizations",
        "buckets",
        "dashboards",
        "orgs",
        "sources",
        "tasks",
        "telegrafs",
        "users",
        "variables",
        "scrapers",
        "secrets",
        "labels",
        "views",
        "documents",
        "notificationRules",
        "notificationEndpoints",
        "checks",
        "dbrp",
        "notebooks",
        "annotations",
        "remotes",
        "replications",
        "instance",
    ]

    assert [member.value for member in ResourceType] == server_types


@pytest.mark.parametrize(
    ("enum_type", "value"),
    [(AuthStatus, "suspended"), (Action, "execute"), (ResourceType, "functions")],
)
def test_unknown_values_are_kept(enum_type: Any, value: str) -> None:
    """An unknown value becomes a member that equals its string and is not known."""
    member = enum_type(value)

    assert isinstance(member, enum_type)
    assert member == value
    assert member.value == value
    assert str(member) == value
    assert f"{member}" == value
    assert not member.is_known
    assert hash(member) == hash(value)


@pytest.mark.parametrize("enum_type", [AuthStatus, Action, ResourceType])
@pytest.mark.parametrize("value", ["", None, 1, b"active"])
def test_empty_or_non_string_values_are_refused(enum_type: Any, value: object) -> None:
    """An empty string or a non-string is not a value, known or unknown."""
    with pytest.raises(ValueError, match="is not a valid"):
        enum_type(value)


@pytest.mark.parametrize(
    ("enum_type", "value"),
    [(AuthStatus, "Active"), (Action, "READ"), (ResourceType, "Buckets")],
)
def test_case_variants_are_not_known(enum_type: Any, value: str) -> None:
    """A value differing from a known one only in case is reported as not known."""
    member = enum_type(value)

    assert member.value == value
    assert not member.is_known
