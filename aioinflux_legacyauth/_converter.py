"""The one cattrs converter, and the one table of wire names it and everything else reads.

It maps Python names to the server's JSON keys (``username`` <-> ``token``,
``org_id`` <-> ``orgID`` ...), parses and writes Go's RFC 3339 timestamps, drops
unknown response keys and leaves optional keys out of request bodies. The wire names
live in :data:`WIRE_NAMES` alone: the cattrs overrides, the hand-written structure hooks,
the list filter keys and the ``/api/v2`` lookups all read them from there.

The converter (and cattrs with it) is built at its first use, by :func:`get_converter` or
the module attribute ``converter``: the hand-written hooks that read responses need
neither, and importing the package stays cheap.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, NoReturn, TypeVar

import attrs

from ._models import (
    Action,
    AuthorizationCreate,
    AuthorizationLinks,
    AuthorizationList,
    AuthorizationUpdate,
    AuthStatus,
    Bucket,
    DBRPMapping,
    DBRPMappingCreate,
    LegacyAuthorization,
    ListLinks,
    Organization,
    Permission,
    Resource,
    ResourceType,
    User,
    trusted_constructor,
)

if TYPE_CHECKING:
    import cattrs

    #: The converter shared by the client, the emulator and the tests (built on first use).
    converter: cattrs.Converter

_E = TypeVar("_E", bound=enum.Enum)

__all__ = [
    "DEFAULT_PREFIX",
    "LIST_FILTER_KEYS",
    "WIRE_NAMES",
    "converter",
    "format_timestamp",
    "get_converter",
    "make_base_converter",
    "parse_timestamp",
    "renames",
    "structure_authorization",
    "structure_owned_list",
    "wire_name",
]

#: Where a real InfluxDB 2.x serves the legacy authorization API. The docs page's
#: ``/legacy/authorizations`` answers with the web UI's HTML instead.
DEFAULT_PREFIX: Final = "/private/legacy/authorizations"

#: The JSON key of every model field whose wire name is not its Python name. A field not
#: listed is written as it is named (``id``, ``status``, ``permissions`` ...).
WIRE_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "username": "token",  # the v1 username; not a secret despite the name
        "org_id": "orgID",
        "user_id": "userID",
        "bucket_id": "bucketID",
        "created_at": "createdAt",
        "updated_at": "updatedAt",
        "self_": "self",  # an attrs field cannot be called self: __init__ takes that name
    }
)


def wire_name(field: str) -> str:
    """The JSON key of the model field (or list filter field) ``field``."""
    return WIRE_NAMES.get(field, field)


#: The list filters by the client's keyword names, and the authorization field each one
#: compares: ``auth_id`` is the authorization's ``id``, every other keyword its own field.
LIST_FILTER_FIELDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "auth_id": "id",
        "username": "username",
        "org_id": "org_id",
        "user_id": "user_id",
        "org": "org",
        "user": "user",
    }
)
#: Query keys of the list endpoint, by the client's keyword names. The server reads
#: ``id`` (not ``authID`` as the OpenAPI contract says) and calls the username ``token``.
LIST_FILTER_KEYS: Final[Mapping[str, str]] = MappingProxyType(
    {keyword: wire_name(field) for keyword, field in LIST_FILTER_FIELDS.items()}
)

# The renamed keys the hand-written hooks below read, from the table.
_TOKEN: Final = wire_name("username")
_ORG_ID: Final = wire_name("org_id")
_USER_ID: Final = wire_name("user_id")
_CREATED_AT: Final = wire_name("created_at")
_UPDATED_AT: Final = wire_name("updated_at")
_SELF: Final = wire_name("self_")


def renames(cls: type[Any]) -> dict[str, Any]:
    """The cattrs ``override(rename=...)`` of each field of ``cls`` the table renames."""
    from cattrs.gen import override  # noqa: PLC0415 - cattrs only once a converter is built

    fields = attrs.fields(cls)
    return {f.name: override(rename=wire_name(f.name)) for f in fields if f.name in WIRE_NAMES}


def parse_timestamp(value: object) -> datetime:
    """Parse Go's RFC 3339 output (nanoseconds, ``Z`` or an offset) to an aware datetime."""
    if not isinstance(value, str):
        msg = f"expected an RFC 3339 timestamp string, got {type(value).__name__}"
        raise TypeError(msg)
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        msg = f"timestamp {value!r} has no UTC offset"
        raise ValueError(msg)
    return parsed


def format_timestamp(value: datetime) -> str:
    """Write a datetime the way Go's ``time.RFC3339Nano`` does: fraction trimmed, ``Z`` for UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # Built by hand: strftime("%Y") does not zero-pad year 1 on every libc.
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    offset = value.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    if seconds == 0:
        return text + "Z"
    sign = "+" if seconds > 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"


def _structure_str(value: object, _: object) -> str:
    # cattrs' default would call str() on anything: null would become the username "None".
    if not isinstance(value, str):
        msg = f"expected a string, got {type(value).__name__}"
        raise TypeError(msg)
    return value


def _structure_bool(value: object, _: object) -> bool:
    # cattrs' default would call bool() on anything: the string "false" would be True.
    if not isinstance(value, bool):
        msg = f"expected true or false, got {type(value).__name__}"
        raise TypeError(msg)
    return value


def _structure_optional_str(value: object, _: object) -> str | None:
    return None if value is None else _structure_str(value, _)


def _enum_hook(enum_type: type[_E]) -> Callable[[object, object], _E]:
    known = enum_type._value2member_map_

    def structure(value: object, _: object) -> _E:
        # A dict lookup for known values; the enum's own call (and its _missing_) otherwise.
        member = known.get(value) if isinstance(value, str) else None
        return member if member is not None else enum_type(value)  # type: ignore[return-value]

    return structure


def _structure_items(
    conv: cattrs.Converter, item_type: type[Any]
) -> Callable[[object, object], tuple[Any, ...]]:
    def structure(value: object, _: object) -> tuple[Any, ...]:
        # A JSON object would otherwise be read as the list of its keys.
        if not isinstance(value, list):
            msg = f"expected a list of {item_type.__name__}, got {type(value).__name__}"
            raise TypeError(msg)
        return tuple(conv.structure(item, item_type) for item in value)

    return structure


# -- hand-written structure hooks ---------------------------------------------------------
#
# Response parsing is the hot path of list() and bulk jobs. These do what the hooks cattrs
# generates do, in the same order (optional keys first, then required keys in field order,
# so the same problem raises the same exception), with the same checks, but without a
# dispatch per field and without the models' own converters running a second time on
# values that are already members. tests/unit/test_perf_invariants.py holds them to the
# generated ones.


def _not_text(value: object) -> NoReturn:
    msg = f"expected a string, got {type(value).__name__}"
    raise TypeError(msg)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    _not_text(value)


# Below, the checks of _text and the enum hooks are written out inline: a function call per
# field is a third of the cost of a big list. Each field is still looked up and checked
# before the next one, so a body with several problems fails on the same one as before.
# Optional keys are read with `key in o` and `o[key]`, never `o.get()` (hence the SIM401
# ignores): a list or a string where an object belongs must fail with the same TypeError
# as in the generated hooks, not with an AttributeError.


def _structure_resource_fast(o: Any, _: object = None) -> Resource:
    found_id = o["id"] if "id" in o else None  # noqa: SIM401
    if found_id is not None and not isinstance(found_id, str):
        _not_text(found_id)
    org_id = o[_ORG_ID] if _ORG_ID in o else None  # noqa: SIM401
    if org_id is not None and not isinstance(org_id, str):
        _not_text(org_id)
    name = o["name"] if "name" in o else None  # noqa: SIM401
    if name is not None and not isinstance(name, str):
        _not_text(name)
    org = o["org"] if "org" in o else None  # noqa: SIM401
    if org is not None and not isinstance(org, str):
        _not_text(org)
    kind = o["type"]
    member = _RESOURCE_TYPES.get(kind) if isinstance(kind, str) else None
    return _new_resource(
        member if member is not None else _resource_type(kind, None), found_id, org_id, name, org
    )


def _structure_permission_fast(o: Any, _: object = None) -> Permission:
    action = o["action"]
    member = _ACTIONS.get(action) if isinstance(action, str) else None
    if member is None:
        member = _action(action, None)
    return _new_permission(member, _structure_resource_fast(o["resource"]))


def _structure_permissions_fast(value: object, _: object = None) -> tuple[Permission, ...]:
    # A JSON object would otherwise be read as the list of its keys.
    if not isinstance(value, list):
        msg = f"expected a list of Permission, got {type(value).__name__}"
        raise TypeError(msg)
    return tuple([_structure_permission_fast(item) for item in value])


def _structure_auth_links_fast(o: Any, _: object = None) -> AuthorizationLinks:
    user = o["user"] if "user" in o else None  # noqa: SIM401
    if user is not None and not isinstance(user, str):
        _not_text(user)
    self_ = o[_SELF]
    if not isinstance(self_, str):
        _not_text(self_)
    return _new_auth_links(self_, user)


def _timestamp(value: object) -> datetime:
    parsed = _fromisoformat(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        return parse_timestamp(value)  # raises the error that says what is wrong
    return parsed


def _structure_authorization_fast(
    o: Any, _: object = None, permissions: Callable[[Any], tuple[Permission, ...]] | None = None
) -> LegacyAuthorization:
    description = o["description"] if "description" in o else ""  # noqa: SIM401
    if not isinstance(description, str):
        _not_text(description)
    org = o["org"] if "org" in o else None  # noqa: SIM401
    if org is not None and not isinstance(org, str):
        _not_text(org)
    user = o["user"] if "user" in o else None  # noqa: SIM401
    if user is not None and not isinstance(user, str):
        _not_text(user)
    links = o["links"] if "links" in o else None  # noqa: SIM401
    if links is not None:
        links = _structure_auth_links_fast(links)
    auth_id = o["id"]
    if not isinstance(auth_id, str):
        _not_text(auth_id)
    username = o[_TOKEN]
    if not isinstance(username, str):
        _not_text(username)
    status = o["status"]
    member = _STATUSES.get(status) if isinstance(status, str) else None
    if member is None:
        member = _auth_status(status, None)
    org_id = o[_ORG_ID]
    if not isinstance(org_id, str):
        _not_text(org_id)
    user_id = o[_USER_ID]
    if not isinstance(user_id, str):
        _not_text(user_id)
    granted = (permissions or _structure_permissions_fast)(o["permissions"])
    created_text = o[_CREATED_AT]
    created_at = _timestamp(created_text)
    updated_text = o[_UPDATED_AT]
    # Never updated: the same instant, read once (the string was checked with the first).
    same = updated_text is created_text or (
        type(updated_text) is str and updated_text == created_text
    )
    return _new_authorization(
        auth_id,
        username,
        member,
        description,
        org_id,
        org,
        user_id,
        user,
        granted,
        links,
        created_at,
        created_at if same else _timestamp(updated_text),
    )


def _shared_permissions() -> Callable[[Any], tuple[Permission, ...]]:
    """:func:`_structure_permissions_fast` for one list, which gives the items that grant
    the same permissions one tuple of them (frozen, so sharing is invisible): many
    credentials do, and each needs three objects fewer to build and to keep."""
    memo: dict[object, tuple[Permission, ...]] = {}

    def structure(value: object) -> tuple[Permission, ...]:
        try:
            # What decides the result: each permission's action and resource fields.
            key = tuple([(p["action"], tuple(p["resource"].items())) for p in value])  # type: ignore[attr-defined]
            found = memo.get(key)
        except (TypeError, KeyError, AttributeError):
            # Not the usual shape (or unhashable values): read as it is, and so refused.
            return _structure_permissions_fast(value)
        if found is None:
            # Only a list the checks accept is kept: a key holding anything but strings
            # never equals one of those.
            found = memo[key] = _structure_permissions_fast(value)
        return found

    return structure


def _structure_authorizations_fast(
    value: object, _: object = None
) -> tuple[LegacyAuthorization, ...]:
    if not isinstance(value, list):
        msg = f"expected a list of LegacyAuthorization, got {type(value).__name__}"
        raise TypeError(msg)
    return tuple([_structure_authorization_fast(item) for item in value])


def _structure_list_links_fast(o: Any, _: object = None) -> ListLinks:
    return _new_list_links(_text(o[_SELF]))


def _structure_list_fast(o: Any, _: object = None) -> AuthorizationList:
    links = None
    if "links" in o and (raw_links := o["links"]) is not None:
        links = _structure_list_links_fast(raw_links)
    return _new_authorization_list(links, _structure_authorizations_fast(o["authorizations"]))


def structure_authorization(document: Any) -> LegacyAuthorization:
    """``converter.structure(document, LegacyAuthorization)`` without the dispatch."""
    return _structure_authorization_fast(document)


def structure_owned_list(document: Any) -> AuthorizationList:
    """``converter.structure(document, AuthorizationList)`` for a document nobody else holds.

    Each item's dict is dropped as soon as its model is built, so a big list never exists
    twice: parsing 20,000 authorizations takes about half the time, mostly because the
    garbage collector has half as much to walk. The document is emptied on the way.
    """
    links = None
    if "links" in document and (raw_links := document["links"]) is not None:
        links = _structure_list_links_fast(raw_links)
    items = document["authorizations"]
    if not isinstance(items, list):
        msg = f"expected a list of LegacyAuthorization, got {type(items).__name__}"
        raise TypeError(msg)
    structure = _structure_authorization_fast
    permissions = _shared_permissions()
    authorizations = []
    for index, item in enumerate(items):
        items[index] = None
        authorizations.append(structure(item, None, permissions))
    return _new_authorization_list(links, tuple(authorizations))


_auth_status: Final = _enum_hook(AuthStatus)
_action: Final = _enum_hook(Action)
_resource_type: Final = _enum_hook(ResourceType)
_STATUSES: Final = AuthStatus._value2member_map_
_ACTIONS: Final = Action._value2member_map_
_RESOURCE_TYPES: Final = ResourceType._value2member_map_
_fromisoformat: Final = datetime.fromisoformat
_new_resource: Final = trusted_constructor(Resource)
_new_permission: Final = trusted_constructor(Permission)
_new_auth_links: Final = trusted_constructor(AuthorizationLinks)
_new_authorization: Final = trusted_constructor(LegacyAuthorization)
_new_list_links: Final = trusted_constructor(ListLinks)
_new_authorization_list: Final = trusted_constructor(AuthorizationList)


def _omit_none(fn: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    def unstructure(obj: Any) -> dict[str, Any]:
        return {key: value for key, value in fn(obj).items() if value is not None}

    return unstructure


#: Models whose optional fields are left out of what they unstructure to, when None.
_OMIT_NONE: Final = (
    Resource,
    AuthorizationLinks,
    ListLinks,
    AuthorizationCreate,
    AuthorizationUpdate,
)
_UNSTRUCTURED: Final = (*_OMIT_NONE, LegacyAuthorization, AuthorizationList, DBRPMappingCreate)
#: The /api/v2 models: read off the wire by hooks cattrs generates from the table (they are
#: not on a hot path), with unknown keys ignored.
_API_V2_MODELS: Final = (Bucket, Organization, User, DBRPMapping)


def make_base_converter() -> cattrs.Converter:
    """A converter with every rule but the models' structure hooks.

    :data:`converter` adds the hand-written structure hooks to it; the test suite adds the
    ones cattrs generates from the same table, the reference the fast ones are held to.
    """
    import cattrs  # noqa: PLC0415 - imported when the first converter is built
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn  # noqa: PLC0415

    # detailed_validation=False: response parsing is on the hot path of list() and bulk
    # jobs; a failure still surfaces as ResponseDecodeError naming the bad key.
    conv = cattrs.Converter(detailed_validation=False, prefer_attrib_converters=False)

    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook_func(lambda type_: type_ == str | None, _structure_optional_str)
    conv.register_structure_hook_func(
        lambda type_: type_ == tuple[Permission, ...], _structure_items(conv, Permission)
    )
    conv.register_structure_hook_func(
        lambda type_: type_ == tuple[LegacyAuthorization, ...],
        _structure_items(conv, LegacyAuthorization),
    )
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(datetime, lambda value, _: parse_timestamp(value))
    conv.register_unstructure_hook(datetime, format_timestamp)
    for enum_type in (AuthStatus, Action, ResourceType):
        conv.register_structure_hook(enum_type, _enum_hook(enum_type))
        conv.register_unstructure_hook(enum_type, lambda member: member.value)
    for model in _UNSTRUCTURED:
        unstructure = make_dict_unstructure_fn(model, conv, **renames(model))
        conv.register_unstructure_hook(
            model, _omit_none(unstructure) if model in _OMIT_NONE else unstructure
        )
    for api_model in _API_V2_MODELS:
        structure = make_dict_structure_fn(api_model, conv, **renames(api_model))
        conv.register_structure_hook(api_model, structure)
    return conv


def _make_converter() -> cattrs.Converter:
    conv = make_base_converter()
    conv.register_structure_hook(Resource, _structure_resource_fast)
    conv.register_structure_hook(Permission, _structure_permission_fast)
    conv.register_structure_hook(AuthorizationLinks, _structure_auth_links_fast)
    conv.register_structure_hook(ListLinks, _structure_list_links_fast)
    conv.register_structure_hook(LegacyAuthorization, _structure_authorization_fast)
    conv.register_structure_hook(AuthorizationList, _structure_list_fast)
    conv.register_structure_hook_func(
        lambda type_: type_ == tuple[Permission, ...], _structure_permissions_fast
    )
    conv.register_structure_hook_func(
        lambda type_: type_ == tuple[LegacyAuthorization, ...], _structure_authorizations_fast
    )
    return conv


@functools.cache
def get_converter() -> cattrs.Converter:
    """The converter shared by the client, the emulator and the tests, built at first use."""
    return _make_converter()


def __getattr__(name: str) -> Any:
    # ``converter`` is made when first asked for (PEP 562), so importing costs nothing.
    if name == "converter":
        return get_converter()
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
