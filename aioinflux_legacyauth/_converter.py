"""The one cattrs converter: the only place where wire names appear.

It maps Python names to the server's JSON keys (``username`` <-> ``token``,
``org_id`` <-> ``orgID`` ...), parses and writes Go's RFC 3339 timestamps, drops
unknown response keys and leaves optional keys out of request bodies.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._models import (
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

_E = TypeVar("_E", bound=enum.Enum)

__all__ = [
    "LIST_FILTER_KEYS",
    "converter",
    "format_timestamp",
    "parse_timestamp",
]

#: Query keys of the list endpoint, by the client's keyword names. The server reads
#: ``id`` (not ``authID`` as the OpenAPI contract says) and calls the username ``token``.
LIST_FILTER_KEYS: Final[Mapping[str, str]] = {
    "auth_id": "id",
    "username": "token",
    "org_id": "orgID",
    "user_id": "userID",
    "org": "org",
    "user": "user",
}


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


def _omit_none(fn: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    def unstructure(obj: Any) -> dict[str, Any]:
        return {key: value for key, value in fn(obj).items() if value is not None}

    return unstructure


def _make_converter() -> cattrs.Converter:
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
    conv.register_structure_hook(datetime, lambda value, _: parse_timestamp(value))
    conv.register_unstructure_hook(datetime, format_timestamp)
    for enum_type in (AuthStatus, Action, ResourceType):
        conv.register_structure_hook(enum_type, _enum_hook(enum_type))
        conv.register_unstructure_hook(enum_type, lambda member: member.value)

    conv.register_structure_hook(
        Resource, make_dict_structure_fn(Resource, conv, org_id=override(rename="orgID"))
    )
    conv.register_unstructure_hook(
        Resource,
        _omit_none(make_dict_unstructure_fn(Resource, conv, org_id=override(rename="orgID"))),
    )
    for links_type in (AuthorizationLinks, ListLinks):
        conv.register_structure_hook(
            links_type, make_dict_structure_fn(links_type, conv, self_=override(rename="self"))
        )
        conv.register_unstructure_hook(
            links_type,
            _omit_none(make_dict_unstructure_fn(links_type, conv, self_=override(rename="self"))),
        )

    auth_names: dict[str, Any] = {
        "username": override(rename="token"),
        "org_id": override(rename="orgID"),
        "user_id": override(rename="userID"),
        "created_at": override(rename="createdAt"),
        "updated_at": override(rename="updatedAt"),
    }
    conv.register_structure_hook(
        LegacyAuthorization, make_dict_structure_fn(LegacyAuthorization, conv, **auth_names)
    )
    conv.register_unstructure_hook(
        LegacyAuthorization, make_dict_unstructure_fn(LegacyAuthorization, conv, **auth_names)
    )
    conv.register_structure_hook(AuthorizationList, make_dict_structure_fn(AuthorizationList, conv))
    conv.register_unstructure_hook(
        AuthorizationList, make_dict_unstructure_fn(AuthorizationList, conv)
    )

    conv.register_unstructure_hook(
        AuthorizationCreate,
        _omit_none(
            make_dict_unstructure_fn(
                AuthorizationCreate,
                conv,
                username=override(rename="token"),
                org_id=override(rename="orgID"),
                user_id=override(rename="userID"),
            )
        ),
    )
    conv.register_unstructure_hook(
        AuthorizationUpdate, _omit_none(make_dict_unstructure_fn(AuthorizationUpdate, conv))
    )
    conv.register_structure_hook(Permission, make_dict_structure_fn(Permission, conv))
    return conv


#: The converter shared by the client, the emulator and the tests.
converter: Final[cattrs.Converter] = _make_converter()
