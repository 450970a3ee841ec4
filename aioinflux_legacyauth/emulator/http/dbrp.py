"""``/api/v2/dbrps``: list, create, get, update and delete DBRP mappings.

``dbrp/http_server_dbrp.go`` step by step: v2 tokens only (the API's authentication ran
before), permissions on the ``buckets`` type, tab-indented bodies, and the exact order
in which a bad path ID, the org parameter, the lookup and the body are checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from aiohttp import web

from ..domain.dbrp import DBRPFilter, DBRPService
from ..domain.dbrp_table import DBRPMapping
from ..domain.errors import INVALID, NOT_FOUND, PlatformError
from ..domain.ids import parse_id
from ..domain.store import TokenRecord
from ..wire.gojson import GoJSONError, go_decode, go_quote
from ..wire.responses import empty_response, json_response, text_not_found
from ..wire.schemas import DBRP_CREATE, DBRP_UPDATE
from .body import read_body
from .routes import Routes, call
from .state import EmulatorState

__all__ = ["serve_dbrps"]

_NO_ORG: Final = "either 'org' or 'orgID' must be provided"
_TRUE: Final = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE: Final = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def _first(request: web.Request, key: str) -> str | None:
    # url.Values.Get: the first value; an empty value counts as absent.
    return request.query.get(key) or None


def _named_id(raw: str, what: str) -> str:
    """An ID whose error names it: ``invalid org ID "<v>": <why>``."""
    try:
        return parse_id(raw)
    except PlatformError as exc:
        raise PlatformError(INVALID, f"invalid {what} {go_quote(raw)}: {exc.message}") from None


def _org_by_name(state: EmulatorState, name: str) -> str:
    org = state.store.org_by_name(name)
    if org is None:
        message = f"invalid org {go_quote(name)}: organization not found"
        raise PlatformError(NOT_FOUND, message)
    return org.id


def _org_id(state: EmulatorState, request: web.Request) -> str:
    """``mustGetOrgIDFromHTTPRequest``: ``orgID`` wins; else ``org`` by name; one is needed."""
    raw = _first(request, "orgID")
    if raw is not None:
        return _named_id(raw, "org ID")
    name = _first(request, "org")
    if name is None:
        raise PlatformError(INVALID, _NO_ORG)
    return _org_by_name(state, name)


def _bool(raw: str) -> bool:
    # strconv.ParseBool.
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise PlatformError(INVALID, "invalid default parameter")


def _filter(state: EmulatorState, request: web.Request) -> DBRPFilter:
    """``getFilterFromHTTPRequest``: org, then ``id``, ``bucketID``, ``db``, ``rp``, ``default``."""
    org_id = _org_id(state, request)
    raw_id = _first(request, "id")
    mapping_id = None if raw_id is None else _named_id(raw_id, "DBRP ID")
    raw_bucket = _first(request, "bucketID")
    bucket_id = None if raw_bucket is None else _named_id(raw_bucket, "bucket ID")
    raw_default = _first(request, "default")
    return DBRPFilter(
        org_id=org_id,
        id=mapping_id,
        bucket_id=bucket_id,
        database=_first(request, "db"),
        retention_policy=_first(request, "rp"),
        default=None if raw_default is None else _bool(raw_default),
    )


def _decode(body: bytes, schema: object) -> dict[str, object]:
    try:
        return go_decode(body, schema)  # type: ignore[arg-type]
    except GoJSONError as exc:
        raise PlatformError(INVALID, f"invalid json structure: {exc}") from None


def _text(decoded: Mapping[str, object], key: str) -> str:
    value = decoded.get(key)
    return value if isinstance(value, str) else ""


async def list_dbrps(
    request: web.Request, state: EmulatorState, caller: TokenRecord, _: str
) -> web.StreamResponse:
    """GET: ``{"content": [...]}``, only what the caller may read; no pagination."""
    mappings = DBRPService(state.store).find_many(caller, _filter(state, request))
    return json_response(200, {"content": [mapping.body() for mapping in mappings]})


async def create_dbrp(
    request: web.Request, state: EmulatorState, caller: TokenRecord, _: str
) -> web.StreamResponse:
    """POST: decode, the org (``orgID`` or ``org``), the bucket ID, then the service; the
    ``201`` body is the bare mapping."""
    decoded = _decode(await read_body(request), DBRP_CREATE)
    raw_org = _text(decoded, "orgID")
    if raw_org:
        org_id = _named_id(raw_org, "org ID")
    else:
        name = _text(decoded, "org")
        if not name:
            raise PlatformError(INVALID, _NO_ORG)
        org_id = _org_by_name(state, name)
    bucket_id = _named_id(_text(decoded, "bucketID"), "bucket ID")
    default = decoded.get("default")
    mapping = DBRPMapping(
        id="",
        database=_text(decoded, "database"),
        retention_policy=_text(decoded, "retention_policy"),
        default=default is True,
        virtual=False,
        org_id=org_id,
        bucket_id=bucket_id,
    )
    created = DBRPService(state.store).create(caller, mapping)
    return json_response(201, created.body())


async def get_dbrp(
    request: web.Request, state: EmulatorState, caller: TokenRecord, raw_id: str
) -> web.StreamResponse:
    """GET one: the path ID first (bare ID error), then the org, then the lookup."""
    mapping_id = parse_id(raw_id)
    org_id = _org_id(state, request)
    mapping = DBRPService(state.store).find_by_id(caller, org_id, mapping_id)
    return json_response(200, {"content": mapping.body()})


async def update_dbrp(
    request: web.Request, state: EmulatorState, caller: TokenRecord, raw_id: str
) -> web.StreamResponse:
    """PATCH: the lookup and its read check come before the body; only ``default`` and
    ``retention_policy`` apply; the answer shows what was asked, default included."""
    mapping_id = parse_id(raw_id)
    org_id = _org_id(state, request)
    service = DBRPService(state.store)
    mapping = service.find_by_id(caller, org_id, mapping_id)
    decoded = _decode(await read_body(request), DBRP_UPDATE)
    default, policy = decoded.get("default"), decoded.get("retention_policy")
    if isinstance(default, bool):
        mapping.default = default
    if isinstance(policy, str):
        mapping.retention_policy = policy
    updated = service.update(caller, mapping)
    return json_response(200, {"content": updated.body()})


async def delete_dbrp(
    request: web.Request, state: EmulatorState, caller: TokenRecord, raw_id: str
) -> web.StreamResponse:
    """DELETE: ``404`` if unknown, ``401`` without write on its bucket, else ``204``."""
    mapping_id = parse_id(raw_id)
    org_id = _org_id(state, request)
    DBRPService(state.store).delete(caller, org_id, mapping_id)
    return empty_response(204)


_ROOT: Final[Routes] = {"GET": list_dbrps, "POST": create_dbrp}
_ONE: Final[Routes] = {"GET": get_dbrp, "PATCH": update_dbrp, "DELETE": delete_dbrp}


async def serve_dbrps(
    request: web.Request, state: EmulatorState, caller: TokenRecord, segments: list[str]
) -> web.StreamResponse:
    """Route below ``/api/v2/dbrps`` like its chi router: another method is an empty 405,
    an unknown sub-path Go's plain-text 404."""
    if len(segments) == 1:
        routes, raw_id = _ROOT, ""
    elif len(segments) == 2:
        routes, raw_id = _ONE, segments[1]
    else:
        return text_not_found()
    return await call(routes, request, state, caller, raw_id)
