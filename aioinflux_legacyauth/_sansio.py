"""Pure request builders and response parsers, one pair per operation. No I/O here.

A builder returns a :class:`Call`: the :class:`Request` (everything that goes on the wire
except the server's address), the parser that turns the :class:`RawResponse` into the
operation's result or raises the exception the response stands for, and whether the
request may be sent again. What an answer *means* lives in the parsers, so the list
filters the server ignores and its 404 for a lookup that matches nothing are handled
here too. Tests call all of it without an event loop.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import gc
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final, Generic, TypeVar
from urllib.parse import quote

import attrs

from ._converter import (
    DEFAULT_PREFIX,
    LIST_FILTER_FIELDS,
    LIST_FILTER_KEYS,
    get_converter,
    structure_authorization,
    structure_owned_list,
    wire_name,
)
from ._errors import (
    ArgumentError,
    LegacyAuthError,
    NotFoundError,
    ResponseDecodeError,
    error_from_response,
    shorten,
)
from ._headers import SecretText
from ._ids import is_hex_id, match_id, not_an_id, not_an_id_string
from ._json import fast_loads
from ._models import (
    AuthorizationCreate,
    AuthorizationList,
    AuthorizationUpdate,
    AuthStatus,
    LegacyAuthorization,
    UsernameLookup,
    trusted_constructor,
)
from ._retry import AttemptLog, RetrySafety

__all__ = [
    "DEFAULT_PREFIX",
    "Call",
    "RawResponse",
    "Request",
    "build_accepted_update",
    "build_create",
    "build_delete",
    "build_find_bucket",
    "build_find_org",
    "build_get",
    "build_get_bucket",
    "build_list",
    "build_lookup_username",
    "build_set_password",
    "build_update",
    "build_v1_login",
    "check_text",
    "normalize_prefix",
    "parse_accepted",
    "parse_authorization",
    "parse_authorization_list",
    "parse_bucket_id",
    "parse_bucket_org_id",
    "parse_deleted",
    "parse_found_bucket_id",
    "parse_found_org_id",
    "parse_listing",
    "parse_no_content",
    "parse_org_id",
    "parse_username_lookup",
    "parse_v1_login",
    "recover_delete",
    "update_body",
    "v1_headers",
]

_T = TypeVar("_T")
_ORG_ID: Final = wire_name("org_id")
#: The server's message for an ``id`` or ``token`` list filter that matches nothing.
_NO_MATCH_MESSAGE: Final = "authorization not found"
#: The list filters the server answers with that 404 when nothing matches.
_LOOKUP_FILTERS: Final = frozenset({"auth_id", "username"})
#: Filters on IDs: the server parses IDs as hex, so either case finds the same one.
_ID_FILTERS: Final = frozenset({"auth_id", "org_id", "user_id"})
_FILTER_BY_KEY: Final = {key: keyword for keyword, key in LIST_FILTER_KEYS.items()}

#: How much of a decoding problem an error message keeps.
_PROBLEM_CHARS: Final = 300

_SECRET_HEADERS: Final = frozenset({"authorization", "proxy-authorization", "cookie"})
_JSON_HEADERS: Final[Mapping[str, str]] = {"Content-Type": "application/json; charset=utf-8"}


def _redacted_headers(headers: Mapping[str, str]) -> str:
    shown = {
        name: "[secure]" if name.lower() in _SECRET_HEADERS else value
        for name, value in headers.items()
    }
    return repr(shown)


@attrs.frozen(slots=True)
class Request:
    """One HTTP request, minus the server address. Its repr never shows secrets or bodies."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=_redacted_headers)
    body: bytes | None = attrs.field(default=None, repr=False)


@attrs.frozen(slots=True)
class RawResponse:
    """Status, headers and body of one response, read in full, or up to a limit.

    ``body_limit`` is set when the body was longer than that many bytes: ``body`` then
    holds its beginning only (for an error's excerpt), and a parser that needs the body
    refuses it with a :class:`ResponseDecodeError` naming the limit.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    reason: str | None = None
    body_limit: int | None = None


@attrs.frozen(slots=True)
class Call(Generic[_T]):
    """One operation, ready to run: its request, how to read the answer, and how safe a
    resend is. The client runs every call through one funnel; nothing here does I/O."""

    request: Request
    #: Turns a response into the result, or raises the error it stands for.
    parse: Callable[[Request, RawResponse], _T]
    safety: RetrySafety = RetrySafety.IDEMPOTENT
    #: Given the error that ended the call and its attempts, the result that error means
    #: after all (a DELETE retried after a lost answer finds nothing: done), or re-raises.
    recover: Callable[[LegacyAuthError, AttemptLog], _T] | None = None

    def __repr__(self) -> str:
        return f"<Call {self.request.method} {self.request.path}>"


# The builders a bulk job calls once per item pass every field in its final form: skip the
# keyword parsing of the generated __init__ (neither class has converters or validators).
_new_request: Final = trusted_constructor(Request)
_new_call: Final = trusted_constructor(Call)
#: RawResponse likewise, for transports (every field given).
new_raw_response: Final = trusted_constructor(RawResponse)


def check_text(name: str, value: object, *, secret: bool = False) -> str:
    """``value`` if it is a non-empty string of valid Unicode text; else an
    :class:`ArgumentError` (a ValueError) naming ``name``.

    A lone surrogate (``"\\ud800"``) is not text: it cannot be encoded to send. A
    ``secret`` value is described by its type only, never repeated.
    """
    if not isinstance(value, str) or not value:
        shown = f"a {type(value).__name__}" if secret else repr(value)
        msg = f"{name} must be a non-empty string, got {shown}"
        raise ArgumentError(msg)
    if not value.isascii() and not _is_text(value):
        shown = "a str" if secret else repr(value)
        msg = f"{name} must be valid Unicode text, got {shown} with a lone surrogate"
        raise ArgumentError(msg)
    return value


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def normalize_prefix(prefix: str) -> str:
    """Check and tidy a route prefix: leading slash, no trailing slash."""
    stripped = prefix.strip()
    if not stripped.startswith("/") or stripped == "/":
        msg = f"prefix must be an absolute path such as {DEFAULT_PREFIX!r}, got {prefix!r}"
        raise ValueError(msg)
    return stripped.rstrip("/")


def _plain(text: str) -> str:
    """``text`` as a plain ``str``: a subclass's ``__str__`` or ``__format__`` (which an
    f-string calls) may say something else than the characters the checks read, such as
    ``../`` to another route."""
    return text if type(text) is str else str.__str__(text)


def _id_segment(auth_id: str) -> str:
    given: object = auth_id  # callers without a type checker may pass anything
    if not isinstance(given, str) or not given.strip():
        msg = f"auth_id must be a non-empty string, got {given!r}"
        raise ValueError(msg)
    if given.isascii() and given.isalnum():
        # What quote() gives back for letters and digits, at a tenth of the cost.
        return _plain(given)
    check_text("auth_id", given)
    # Quoted so an ID can never reach another route ("x/password", "../").
    return quote(given, safe="")


def _json_body(document: Any) -> bytes:
    try:
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        # Which value it was is not said: it may be a password.
        msg = "a value in the request is not valid Unicode text (it has a lone surrogate)"
        raise ArgumentError(msg) from None


def _with_json(headers: Mapping[str, str]) -> dict[str, str]:
    return {**headers, **_JSON_HEADERS}


def update_body(status: AuthStatus | str | None, description: str | None) -> AuthorizationUpdate:
    """The PATCH body; refuses an update that changes nothing."""
    if status is None and description is None:
        msg = "an update needs status= or description="
        raise ValueError(msg)
    return AuthorizationUpdate(status=status, description=description)


# -- builders -------------------------------------------------------------------------------


def build_list(
    prefix: str, filters: Mapping[str, str | None], headers: Mapping[str, str]
) -> Call[list[LegacyAuthorization]]:
    """``GET {prefix}`` with the filters given (by the client's keyword names, ``auth_id``
    ...; None means not given), read by :func:`parse_listing`.

    An empty string is refused, not read as "no filter": the server would ignore it.
    """
    params = []
    for name, value in filters.items():
        if value is None:
            continue
        key = LIST_FILTER_KEYS.get(name)
        if key is None:
            msg = f"unknown list filter {name!r}; known: {', '.join(LIST_FILTER_KEYS)}"
            raise ValueError(msg)
        params.append((key, check_text(name, value)))
    return Call(Request("GET", prefix, tuple(params), dict(headers)), parse_listing)


def build_lookup_username(
    prefix: str, username: str, headers: Mapping[str, str]
) -> Call[UsernameLookup]:
    """``GET {prefix}?token=<username>``, read by :func:`parse_username_lookup`."""
    params = ((LIST_FILTER_KEYS["username"], check_text("username", username)),)
    return Call(Request("GET", prefix, params, dict(headers)), parse_username_lookup)


def _auth_id_segment(auth_id: str) -> str:
    """:func:`_id_segment`, refusing what is not an ID without showing it: in the path it
    would reach errors, logs and reports, and it may be the token or a password."""
    given: object = auth_id  # callers without a type checker may pass anything
    if isinstance(given, str) and match_id(given) is not None:
        return _plain(given)  # an ID (hex digits) is its own segment: the common case, first
    segment = _id_segment(auth_id)
    if not_an_id_string(auth_id):
        raise ArgumentError(not_an_id("auth_id", auth_id))
    return segment


def build_get(prefix: str, auth_id: str, headers: Mapping[str, str]) -> Call[LegacyAuthorization]:
    """``GET {prefix}/{id}``."""
    request = _new_request("GET", f"{prefix}/{_auth_id_segment(auth_id)}", (), dict(headers), None)
    return _new_call(request, parse_authorization, RetrySafety.IDEMPOTENT, None)


def build_create(
    prefix: str, create: AuthorizationCreate, headers: Mapping[str, str]
) -> Call[LegacyAuthorization]:
    """``POST {prefix}`` with the new authorization; the password is set by a second call.

    Resent only when it cannot have reached the server: a replay could create it twice.
    """
    body = _json_body(get_converter().unstructure(create))
    request = Request("POST", prefix, (), _with_json(headers), body)
    return Call(request, parse_authorization, RetrySafety.UNSENT_ONLY)


@functools.lru_cache(maxsize=32)
def _update_body(update: AuthorizationUpdate) -> bytes:
    # A bulk update sends one body many times: encode it once.
    return _json_body(get_converter().unstructure(update))


def _update_request(
    prefix: str, auth_id: str, update: AuthorizationUpdate, headers: Mapping[str, str]
) -> Request:
    body = _update_body(update)
    path = f"{prefix}/{_auth_id_segment(auth_id)}"
    return _new_request("PATCH", path, (), _with_json(headers), body)


def build_update(
    prefix: str, auth_id: str, update: AuthorizationUpdate, headers: Mapping[str, str]
) -> Call[LegacyAuthorization]:
    """``PATCH {prefix}/{id}`` with only the fields to change (an absolute assignment, so
    resending it is safe)."""
    request = _update_request(prefix, auth_id, update, headers)
    return _new_call(request, parse_authorization, RetrySafety.IDEMPOTENT, None)


def build_accepted_update(
    prefix: str, auth_id: str, update: AuthorizationUpdate, headers: Mapping[str, str]
) -> Call[None]:
    """:func:`build_update`'s request, its answer checked by :func:`parse_accepted` (a bulk
    update's: the document sent back is not structured into a model nobody reads)."""
    request = _update_request(prefix, auth_id, update, headers)
    return _new_call(request, parse_accepted, RetrySafety.IDEMPOTENT, None)


def build_delete(prefix: str, auth_id: str, headers: Mapping[str, str]) -> Call[bool]:
    """``DELETE {prefix}/{id}``: True if this call deleted it, False if an earlier attempt
    whose answer was lost already had (see :func:`recover_delete`)."""
    path = f"{prefix}/{_auth_id_segment(auth_id)}"
    request = _new_request("DELETE", path, (), dict(headers), None)
    return _new_call(request, parse_deleted, RetrySafety.IDEMPOTENT, recover_delete)


def build_set_password(
    prefix: str, auth_id: str, password: str, headers: Mapping[str, str]
) -> Call[None]:
    """``POST {prefix}/{id}/password``. The body holds the password: it never shows in a repr.

    Every attempt sends the same password, so resending it is idempotent.
    """
    if not is_hex_id(auth_id):
        # On this route the server answers a malformed ID with a 500, and the path would
        # carry the value into errors and logs: when it is the password (the two swapped),
        # that would publish it. Refused here, and never shown.
        msg = (
            "auth_id is not an authorization ID (16 hex digits); were the ID and the "
            "password swapped?"
        )
        raise ArgumentError(msg)
    path = f"{prefix}/{_plain(auth_id)}/password"
    request = Request("POST", path, (), _with_json(headers), _json_body({"password": password}))
    return Call(request, parse_no_content)


def v1_headers(username: str, password: str, headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` without the API token, with ``username:password`` as Basic auth.

    With a ``Token`` header the server would check the token and never the password. The
    Basic value is a ``SecretText``: it shows as ``'[secure]'`` in any repr.
    """
    check_text("username", username)
    check_text("password", password, secret=True)
    pair = f"{username}:{password}".encode()
    sent = {name: value for name, value in headers.items() if name.lower() != "authorization"}
    sent["Authorization"] = SecretText("Basic " + base64.b64encode(pair).decode("ascii"))
    return sent


def build_v1_login(username: str, password: str, headers: Mapping[str, str]) -> Call[bool]:
    """``GET /query?q=SHOW DATABASES`` with Basic credentials: a v1 login attempt."""
    sent = v1_headers(username, password, headers)
    return Call(Request("GET", "/query", (("q", "SHOW DATABASES"),), sent), parse_v1_login)


def build_find_org(name: str, headers: Mapping[str, str]) -> Call[str]:
    """``GET /api/v2/orgs?org=<name>``: the ID of the org called ``name``."""
    params = (("org", check_text("name", name)),)
    return Call(Request("GET", "/api/v2/orgs", params, dict(headers)), parse_found_org_id)


def build_find_bucket(name: str, org_id: str, headers: Mapping[str, str]) -> Call[str]:
    """``GET /api/v2/buckets?name=<name>&orgID=<id>``: a bucket's ID by its name in one org."""
    params = (("name", check_text("name", name)), (_ORG_ID, check_text("org_id", org_id)))
    return Call(Request("GET", "/api/v2/buckets", params, dict(headers)), parse_found_bucket_id)


def build_get_bucket(bucket_id: str, headers: Mapping[str, str]) -> Call[str]:
    """``GET /api/v2/buckets/{id}``: whether a bucket ID exists, and in which org."""
    path = f"/api/v2/buckets/{_id_segment(bucket_id)}"
    return Call(Request("GET", path, (), dict(headers)), parse_bucket_org_id)


# -- parsers --------------------------------------------------------------------------------


def _raise_for_status(request: Request, response: RawResponse) -> None:
    if not 200 <= response.status < 300:
        raise error_from_response(
            status=response.status,
            headers=response.headers,
            body=response.body,
            method=request.method,
            path=request.path,
            reason=response.reason,
        )


def _decode_error(request: Request, response: RawResponse, problem: str) -> ResponseDecodeError:
    # The problem may quote a value from the body (a bad timestamp): keep it short.
    return ResponseDecodeError(
        shorten(problem, _PROBLEM_CHARS),
        method=request.method,
        path=request.path,
        status=response.status,
    )


def _loads(body: bytes) -> Any:
    """``json.loads(body)``, for about 60 % of the cost on what servers send.

    ``json.loads`` guesses the encoding of bytes (UTF-8, -16 or -32) before decoding. A
    body whose first byte is ASCII and whose second is not NUL is UTF-8 by that very guess,
    so it is decoded as ``json.loads`` would decode it, without the guessing.
    """
    if _is_utf8_by_guess(body):
        return json.loads(body.decode("utf-8", "surrogatepass"))
    return json.loads(body)


def _is_utf8_by_guess(body: bytes) -> bool:
    return bool(body) and 0 < body[0] < 0x80 and body[1:2] != b"\x00"


#: What in a UTF-8 body can become a lone surrogate: a ``\\udXXX`` escape, or the bytes
#: of an encoded surrogate (which ``json.loads`` lets through). Only a body with either
#: is checked string by string.
_MAYBE_SURROGATE: Final = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


def _has_lone_surrogate(body: bytes, document: Any) -> bool:
    """Whether a string in ``document`` (decoded from ``body``) is not valid Unicode text."""
    if _is_utf8_by_guess(body) and (
        # No backslash and no byte past ASCII: nothing to look for. These two scans cost
        # a tenth of the pattern's (0.1 us on a bulk item's answer), and most bodies end here.
        (body.find(b"\\") < 0 and body.isascii()) or not _MAYBE_SURROGATE.search(body)
    ):
        return False
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _LoneSurrogateError(Exception):
    """A string in the document is not valid Unicode text (never a ValueError: see below)."""


def _decode(body: bytes) -> Any:
    """The document in ``body``; for a body that is not one, what ``json`` raises for it.

    orjson (when installed) reads what it can; what it refuses, the standard library
    decides, so the documents and errors are those of ``json`` either way (see ``_json``).
    orjson never lets a lone surrogate through, so only ``json``'s documents are checked.
    """
    fast = fast_loads()
    if fast is not None:
        try:
            return fast(body)
        except ValueError:
            pass
    document = _loads(body)
    if _has_lone_surrogate(body, document):
        raise _LoneSurrogateError
    return document


def _json_document(request: Request, response: RawResponse) -> Any:
    _raise_for_status(request, response)
    if response.body_limit is not None:
        raise _decode_error(request, response, _too_large(response.body_limit))
    try:
        return _decode(response.body)
    except UnicodeDecodeError:
        raise _decode_error(request, response, "the body is not valid UTF-8 text") from None
    except RecursionError:
        problem = f"the body's JSON is nested too deeply to read ({len(response.body)} bytes)"
        raise _decode_error(request, response, problem) from None
    except ValueError:
        content_type = response.headers.get("Content-Type", "no content type")
        hint = ""
        if "html" in content_type.lower():
            # A real server answers unknown non-API paths with its web UI.
            hint = " (an HTML page usually means the URL or prefix points at the web UI)"
        problem = f"expected a JSON body, got {len(response.body)} bytes of {content_type}{hint}"
        raise _decode_error(request, response, problem) from None
    except _LoneSurrogateError:
        # Not text: it could not be printed, journaled or sent back (a rotation's username).
        problem = "a string in the body has a lone surrogate, so it is not valid Unicode text"
        raise _decode_error(request, response, problem) from None


def _too_large(limit: int) -> str:
    return (
        f"the response body is larger than the {limit:,}-byte limit (max_body_size); "
        f"nothing past it was read"
    )


#: From this size on, a body is decoded and structured with the cyclic collector paused.
GC_PAUSE_FROM: Final = 256 * 1024


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (if it runs) for the block.

    Decoding and structuring a big list makes objects that live on, none in a cycle; the
    collector would walk them, and everything else the process holds, several times over
    (a third of a 20,000-item ``list()`` while the previous result is still held). The
    work left for it is done at its next run. Not for threads that switch it themselves.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _structure(
    request: Request,
    response: RawResponse,
    kind: type[_T],
    structure: Callable[[Any], _T] | None = None,
) -> _T:
    if len(response.body) < GC_PAUSE_FROM:
        return _structure_now(request, response, kind, structure)
    with _collector_paused():
        return _structure_now(request, response, kind, structure)


def _structure_now(
    request: Request,
    response: RawResponse,
    kind: type[_T],
    structure: Callable[[Any], _T] | None,
) -> _T:
    document = _json_document(request, response)
    if not isinstance(document, dict):
        problem = f"expected a JSON object, got {type(document).__name__}"
        raise _decode_error(request, response, problem)
    try:
        if structure is not None:
            return structure(document)
        return get_converter().structure(document, kind)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        problem = f"the body is not a valid {kind.__name__}: {type(exc).__name__}: {exc}"
        raise _decode_error(request, response, problem) from exc


def parse_accepted(request: Request, response: RawResponse) -> None:
    """Check the answer to a change whose returned document nobody reads (a bulk update's).

    An error status raises as for any call, and the body must still be the JSON object the
    server writes (an HTML page or a cut body raises :class:`ResponseDecodeError`), but it
    is not structured: the change was made, whatever the document's fields say.
    """
    document = _json_document(request, response)
    if not isinstance(document, dict):
        problem = f"expected a JSON object, got {type(document).__name__}"
        raise _decode_error(request, response, problem)


def parse_authorization(request: Request, response: RawResponse) -> LegacyAuthorization:
    """Parse the single-authorization body of create, get and update."""
    return _structure(request, response, LegacyAuthorization, structure_authorization)


def parse_authorization_list(request: Request, response: RawResponse) -> AuthorizationList:
    """Parse the list body."""
    # The document is ours alone, so it may be consumed while it is structured.
    return _structure(request, response, AuthorizationList, structure_owned_list)


def parse_listing(request: Request, response: RawResponse) -> list[LegacyAuthorization]:
    """What ``list()`` returns: the authorizations matching every filter of ``request``.

    The server's quirks are undone here: an ``id`` or ``token`` filter that matches
    nothing answers 404, which means ``[]``; ``org`` and ``user`` names are only checked
    for existence, and the other filters are ignored next to ``id``/``token``, so the
    result is narrowed by every filter sent. An unknown org or user name (usually a
    typo) stays a :class:`NotFoundError`.
    """
    filters = {_FILTER_BY_KEY[key]: value for key, value in request.params}
    try:
        listing = parse_authorization_list(request, response)
    except NotFoundError as error:
        if error.message == _NO_MATCH_MESSAGE and not _LOOKUP_FILTERS.isdisjoint(filters):
            return []
        raise
    if not filters:
        return list(listing.authorizations)
    return [auth for auth in listing.authorizations if _matches(auth, filters)]


def parse_username_lookup(request: Request, response: RawResponse) -> UsernameLookup:
    """What a ``token`` lookup says: the server's 404 means the username is free; an empty
    list means a credential has it, but the token may not read it or its org or owning
    user is gone (the list skips those)."""
    try:
        listing = parse_authorization_list(request, response)
    except NotFoundError as error:
        if error.message == _NO_MATCH_MESSAGE:
            return UsernameLookup(authorization=None, exists=False)
        raise
    wanted = dict(request.params)[LIST_FILTER_KEYS["username"]]
    found = [auth for auth in listing.authorizations if auth.username == wanted]
    # Others listed and not this one: the filter was ignored, which says nothing either way.
    hidden = not listing.authorizations
    return UsernameLookup(authorization=found[0] if found else None, exists=bool(found) or hidden)


def _matches(auth: LegacyAuthorization, filters: Mapping[str, str]) -> bool:
    for keyword, value in filters.items():
        wanted = value.lower() if keyword in _ID_FILTERS else value
        if getattr(auth, LIST_FILTER_FIELDS[keyword]) != wanted:
            return False
    return True


def parse_no_content(request: Request, response: RawResponse) -> None:
    """Check the 204 of delete and set-password; any body is ignored."""
    _raise_for_status(request, response)


def parse_deleted(request: Request, response: RawResponse) -> bool:
    """True for the 204 of a delete; an error status raises."""
    _raise_for_status(request, response)
    return True


def recover_delete(error: LegacyAuthError, log: AttemptLog) -> bool:
    """A retry's 404 after an attempt that may have been applied: that attempt deleted it.

    Returns False ("deleted by an earlier attempt"); re-raises ``error`` otherwise.
    """
    if isinstance(error, NotFoundError) and log.ambiguous and log.attempts > 1:
        return False
    raise error


def parse_v1_login(request: Request, response: RawResponse) -> bool:
    """True if the v1 login worked, False for the server's 401; other errors raise."""
    if response.status == 401:
        return False
    _raise_for_status(request, response)
    return True


def _named_id(request: Request, response: RawResponse, kind: str, param: str) -> str | None:
    """The ID of the ``kind`` (``orgs``, ``buckets``) named as ``request`` asked, or None.

    The name is matched here too: a server or proxy that ignored the filter must not make
    a permission land on another org's or bucket's ID.
    """
    document = _json_document(request, response)
    entries = document.get(kind) if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise _decode_error(request, response, f"expected an object with a {kind!r} list")
    wanted = dict(request.params).get(param)
    for entry in entries:
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(entry_id, str):
            raise _decode_error(
                request, response, f"an entry in the {kind!r} list has no string 'id'"
            )
        if wanted is None or entry.get("name") == wanted:
            return entry_id
    return None


def parse_org_id(request: Request, response: RawResponse) -> str | None:
    """The ID of the org named as ``request`` asked, or None if the answer lists none."""
    return _named_id(request, response, "orgs", "org")


def parse_bucket_id(request: Request, response: RawResponse) -> str | None:
    """The ID of the bucket named as ``request`` asked, or None if the answer lists none."""
    return _named_id(request, response, "buckets", "name")


def _not_found(request: Request, message: str) -> NotFoundError:
    return NotFoundError(
        status=404, code="not found", message=message, method=request.method, path=request.path
    )


def _found(
    request: Request, response: RawResponse, parse: Callable[[Request, RawResponse], str | None]
) -> str | None:
    try:
        return parse(request, response)
    except NotFoundError:
        # The server's 404 for an unknown name (or org) and an empty list mean the same.
        return None


def parse_found_org_id(request: Request, response: RawResponse) -> str:
    """:func:`parse_org_id`, with "none" as a :class:`NotFoundError` naming the org."""
    found = _found(request, response, parse_org_id)
    if found is None:
        name = dict(request.params)["org"]
        raise _not_found(request, f"organization {name!r} not found")
    return found


def parse_found_bucket_id(request: Request, response: RawResponse) -> str:
    """:func:`parse_bucket_id`, with "none" as a :class:`NotFoundError` naming the bucket,
    or naming the org when the server says the org itself is unknown."""
    params = dict(request.params)
    try:
        found = parse_bucket_id(request, response)
    except NotFoundError as exc:
        if "organization" in exc.message:  # "organization not found": no such org ID
            raise _not_found(request, f"organization {params[_ORG_ID]} not found") from None
        found = None
    if found is None:
        raise _not_found(request, f"bucket {params['name']!r} not found in org {params[_ORG_ID]}")
    return found


def parse_bucket_org_id(request: Request, response: RawResponse) -> str:
    """The ``orgID`` of the one bucket a ``GET /api/v2/buckets/{id}`` returned."""
    document = _json_document(request, response)
    org_id = document.get(_ORG_ID) if isinstance(document, dict) else None
    if not isinstance(org_id, str):
        raise _decode_error(
            request, response, f"expected a bucket object with a string {_ORG_ID!r}"
        )
    return org_id
