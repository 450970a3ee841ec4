"""Pure builders and parsers for the ``/api/v2`` routes a credential's world lives on.

Buckets, orgs and users (to resolve names, and to tell what no longer exists) and DBRP
mappings (which bucket a 1.x tool's database name reaches). Like :mod:`._sansio`, each
builder returns a :class:`~aioinflux_legacyauth._sansio.Call`; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeVar

from ._converter import get_converter, wire_name
from ._models import Bucket, DBRPMapping, DBRPMappingCreate, Organization, User
from ._retry import RetrySafety
from ._sansio import (
    Call,
    RawResponse,
    Request,
    _decode_error,
    _id_segment,
    _json_body,
    _json_document,
    _structure,
    _with_json,
    check_text,
    parse_deleted,
    recover_delete,
)

__all__ = [
    "DBRPS_PATH",
    "PAGE_SIZE",
    "build_bucket",
    "build_create_dbrp",
    "build_delete_dbrp",
    "build_list_buckets",
    "build_list_dbrps",
    "build_list_users",
    "build_org",
    "build_user",
    "parse_bucket",
    "parse_bucket_list",
    "parse_dbrp",
    "parse_dbrp_list",
    "parse_org",
    "parse_user",
    "parse_user_list",
]

_T = TypeVar("_T")
DBRPS_PATH: Final = "/api/v2/dbrps"
#: The largest page ``/api/v2/buckets`` and ``/api/v2/users`` hand out (influxd's
#: ``MaxPageSize``); without ``limit=`` they stop at 20.
PAGE_SIZE: Final = 100
_ORG_ID: Final = wire_name("org_id")
_BUCKET_ID: Final = wire_name("bucket_id")


def _get(path: str, params: tuple[tuple[str, str], ...], headers: Mapping[str, str]) -> Request:
    return Request("GET", path, params, dict(headers))


def _page(offset: int, limit: int) -> tuple[tuple[str, str], ...]:
    if offset < 0 or not 1 <= limit <= PAGE_SIZE:
        msg = f"a page needs offset >= 0 and 1 <= limit <= {PAGE_SIZE}, got {offset}, {limit}"
        raise ValueError(msg)
    return (("offset", str(offset)), ("limit", str(limit)))


# -- builders -------------------------------------------------------------------------------


def build_bucket(bucket_id: str, headers: Mapping[str, str]) -> Call[Bucket]:
    """``GET /api/v2/buckets/{id}``: one bucket; :class:`NotFoundError` if it is gone."""
    path = f"/api/v2/buckets/{_id_segment(bucket_id)}"
    return Call(_get(path, (), headers), parse_bucket)


def build_list_buckets(
    org_id: str, headers: Mapping[str, str], *, offset: int = 0, limit: int = PAGE_SIZE
) -> Call[list[Bucket]]:
    """``GET /api/v2/buckets?orgID=&offset=&limit=``: one page of an org's buckets."""
    params = ((_ORG_ID, check_text("org_id", org_id)), *_page(offset, limit))
    return Call(_get("/api/v2/buckets", params, headers), parse_bucket_list)


def build_org(org_id: str, headers: Mapping[str, str]) -> Call[Organization]:
    """``GET /api/v2/orgs/{id}``: one org; :class:`NotFoundError` if it is gone."""
    path = f"/api/v2/orgs/{_id_segment(org_id)}"
    return Call(_get(path, (), headers), parse_org)


def build_user(user_id: str, headers: Mapping[str, str]) -> Call[User]:
    """``GET /api/v2/users/{id}``: one user; :class:`NotFoundError` if it is gone."""
    path = f"/api/v2/users/{_id_segment(user_id)}"
    return Call(_get(path, (), headers), parse_user)


def build_list_users(
    headers: Mapping[str, str], *, offset: int = 0, limit: int = PAGE_SIZE
) -> Call[list[User]]:
    """``GET /api/v2/users?offset=&limit=``: one page of the users the token may read."""
    return Call(_get("/api/v2/users", _page(offset, limit), headers), parse_user_list)


def build_list_dbrps(
    org_id: str,
    headers: Mapping[str, str],
    *,
    database: str | None = None,
    bucket_id: str | None = None,
) -> Call[list[DBRPMapping]]:
    """``GET /api/v2/dbrps?orgID=``: the org's mappings the token may read, explicit ones
    first (by ID), then one virtual mapping per bucket (by name); no pagination.

    ``database`` and ``bucket_id`` narrow it on the server. A virtual mapping that an
    explicit mapping of *another* bucket replaces is only left out of an unfiltered list or
    one filtered by ``database``, so ask that way to see which bucket a name reaches.
    """
    params = [(_ORG_ID, check_text("org_id", org_id))]
    if database is not None:
        params.append(("db", check_text("database", database)))
    if bucket_id is not None:
        params.append((_BUCKET_ID, check_text("bucket_id", bucket_id)))
    return Call(_get(DBRPS_PATH, tuple(params), headers), parse_dbrp_list)


def build_create_dbrp(create: DBRPMappingCreate, headers: Mapping[str, str]) -> Call[DBRPMapping]:
    """``POST /api/v2/dbrps``. Resent only when it cannot have reached the server: a
    replay of one that was applied answers 422 (the same org, db and rp exist)."""
    body = _json_body(get_converter().unstructure(create))
    request = Request("POST", DBRPS_PATH, (), _with_json(headers), body)
    return Call(request, parse_dbrp, RetrySafety.UNSENT_ONLY)


def build_delete_dbrp(mapping_id: str, org_id: str, headers: Mapping[str, str]) -> Call[bool]:
    """``DELETE /api/v2/dbrps/{id}?orgID=``: True if this call deleted it, False if an
    earlier attempt whose answer was lost had."""
    path = f"{DBRPS_PATH}/{_id_segment(mapping_id)}"
    request = Request("DELETE", path, ((_ORG_ID, check_text("org_id", org_id)),), dict(headers))
    return Call(request, parse_deleted, RetrySafety.IDEMPOTENT, recover_delete)


# -- parsers --------------------------------------------------------------------------------


def _one(request: Request, response: RawResponse, kind: type[_T]) -> _T:
    return _structure(request, response, kind)


def _listed(request: Request, response: RawResponse, key: str, kind: type[_T]) -> list[_T]:
    document = _json_document(request, response)
    entries: Any = document.get(key) if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise _decode_error(request, response, f"expected an object with a {key!r} list")
    try:
        return [get_converter().structure(entry, kind) for entry in entries]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        problem = f"an entry of {key!r} is not a valid {kind.__name__}: {type(exc).__name__}: {exc}"
        raise _decode_error(request, response, problem) from exc


def parse_bucket(request: Request, response: RawResponse) -> Bucket:
    """One bucket object."""
    return _one(request, response, Bucket)


def parse_bucket_list(request: Request, response: RawResponse) -> list[Bucket]:
    """``{"buckets": [...]}``."""
    return _listed(request, response, "buckets", Bucket)


def parse_org(request: Request, response: RawResponse) -> Organization:
    """One org object."""
    return _one(request, response, Organization)


def parse_user(request: Request, response: RawResponse) -> User:
    """One user object."""
    return _one(request, response, User)


def parse_user_list(request: Request, response: RawResponse) -> list[User]:
    """``{"users": [...]}``."""
    return _listed(request, response, "users", User)


def parse_dbrp(request: Request, response: RawResponse) -> DBRPMapping:
    """The bare mapping a create answers with."""
    return _one(request, response, DBRPMapping)


def parse_dbrp_list(request: Request, response: RawResponse) -> list[DBRPMapping]:
    """``{"content": [...]}``, the list's wrapper."""
    return _listed(request, response, "content", DBRPMapping)
