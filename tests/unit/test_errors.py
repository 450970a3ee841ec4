"""The exception tree and the map from an error response to an exception."""

from __future__ import annotations

import email.utils
import inspect
import json
from pathlib import Path

import pytest
from multidict import CIMultiDict

import aioinflux_legacyauth
from aioinflux_legacyauth import _errors
from aioinflux_legacyauth._errors import (
    APIError,
    ClientStateError,
    ConflictError,
    ForbiddenError,
    InternalServerError,
    InvalidError,
    LegacyAuthError,
    MethodNotAllowedError,
    NotFoundError,
    PasswordPolicyError,
    RequestTimeoutError,
    RequestTooLargeError,
    ResponseDecodeError,
    ServerNotImplementedError,
    TooManyRequestsError,
    TransportError,
    UnauthorizedError,
    UnavailableError,
    UnprocessableEntityError,
    error_from_response,
    parse_retry_after,
)

SAMPLES = Path(__file__).parent.parent / "samples"
AUTH_PATH = "/private/legacy/authorizations/0d9c3a1e5b2f4000"
#: 2015-10-21T07:28:00Z, the example date of RFC 9110's Retry-After.
NOW = 1445412480.0


def build(
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    reason: str | None = None,
    method: str = "GET",
    path: str = AUTH_PATH,
) -> APIError:
    return error_from_response(
        status=status,
        headers=headers or {},
        body=body,
        method=method,
        path=path,
        reason=reason,
    )


def envelope(code: str, message: str) -> bytes:
    return json.dumps({"code": code, "message": message}, indent="\t").encode()


# --- Code -> class and status (spec section 6) ----------------------------------------------

CODE_TABLE = [
    ("internal error", 500, InternalServerError),
    ("not implemented", 501, ServerNotImplementedError),
    ("invalid", 400, InvalidError),
    ("unprocessable entity", 422, UnprocessableEntityError),
    ("empty value", 400, InvalidError),
    ("conflict", 422, ConflictError),
    ("not found", 404, NotFoundError),
    ("unavailable", 503, UnavailableError),
    ("forbidden", 403, ForbiddenError),
    ("too many requests", 429, TooManyRequestsError),
    ("unauthorized", 401, UnauthorizedError),
    ("method not allowed", 405, MethodNotAllowedError),
    ("request too large", 413, RequestTooLargeError),
]


@pytest.mark.parametrize(("code", "status", "cls"), CODE_TABLE)
def test_every_server_code_maps_to_its_class(code: str, status: int, cls: type[APIError]) -> None:
    """Each InfluxDB error code, at the status the server uses for it, gives its own class."""
    error = build(status, envelope(code, "something failed"), {"X-Platform-Error-Code": code})

    assert type(error) is cls
    assert error.status == status
    assert error.code == code
    assert error.message == "something failed"


def test_conflict_at_422_is_conflict_not_unprocessable() -> None:
    """A taken username (422 'conflict') is a ConflictError; a bare 422 is not."""
    conflict = build(422, envelope("conflict", "token already exists"))
    bare = build(422)

    assert type(conflict) is ConflictError
    assert type(bare) is UnprocessableEntityError
    assert not isinstance(bare, ConflictError)


@pytest.mark.parametrize(
    ("name", "status", "cls", "code", "message"),
    [
        ("not_found.json", 404, NotFoundError, "not found", "authorization not found"),
        ("conflict.json", 422, ConflictError, "conflict", "token already exists"),
        ("invalid_id.json", 400, InvalidError, "invalid", "id must have a length of 16 bytes"),
        (
            "invalid_permissions.json",
            400,
            InvalidError,
            "invalid",
            "authorization must include permissions",
        ),
        (
            "password_policy.json",
            400,
            InvalidError,
            "invalid",
            "passwords must be between 8 and 72 characters long",
        ),
        ("unauthorized.json", 401, UnauthorizedError, "unauthorized", "unauthorized access"),
        (
            "internal_error_password_route.json",
            500,
            InternalServerError,
            "internal error",
            "invalid authorization ID provided in route",
        ),
        ("internal_error_patch_eof.json", 500, InternalServerError, "internal error", "EOF"),
    ],
)
def test_recorded_error_samples(
    name: str, status: int, cls: type[APIError], code: str, message: str
) -> None:
    """Every recorded error body gives the right class, code and the server's message."""
    body = (SAMPLES / name).read_bytes()

    error = build(status, body, {"X-Platform-Error-Code": code})

    assert type(error) is cls
    assert (error.status, error.code, error.message) == (status, code, message)


def test_forbidden_sample_keeps_permission_notation() -> None:
    """The 403 for granting an unheld permission keeps the server's <perm> text."""
    body = (SAMPLES / "forbidden.json").read_bytes()

    error = build(403, body, {"X-Platform-Error-Code": "forbidden"}, method="POST")

    assert type(error) is ForbiddenError
    assert error.message.startswith("permission write:orgs/4e7a6b1c2d3f5a6b/buckets/")
    assert error.message.endswith("is unauthorized")


# --- Where the code comes from --------------------------------------------------------------


def test_code_from_header_when_body_has_none() -> None:
    """With no code in the body, X-Platform-Error-Code picks the class."""
    error = build(422, b'{"message":"token already exists"}', {"X-Platform-Error-Code": "conflict"})

    assert type(error) is ConflictError
    assert error.code == "conflict"
    assert error.message == "token already exists"


def test_code_from_header_with_non_json_body() -> None:
    """A non-JSON body with a header code still maps by the code, keeping the body as message."""
    error = build(404, b"authorization not found", {"X-Platform-Error-Code": "not found"})

    assert type(error) is NotFoundError
    assert error.code == "not found"
    assert error.message == "authorization not found"


def test_body_code_wins_over_header() -> None:
    """When body and header disagree, the body's code is used."""
    error = build(422, envelope("conflict", "taken"), {"X-Platform-Error-Code": "invalid"})

    assert type(error) is ConflictError
    assert error.code == "conflict"


def test_case_insensitive_response_headers() -> None:
    """aiohttp's case-insensitive headers work with lower-case names."""
    headers = CIMultiDict({"x-platform-error-code": "too many requests", "retry-after": "7"})

    error = error_from_response(
        status=429, headers=headers, body=b"", method="GET", path="/private/legacy/authorizations"
    )

    assert type(error) is TooManyRequestsError
    assert error.code == "too many requests"
    assert error.retry_after == 7.0


@pytest.mark.parametrize(
    "body",
    [b'{"code":"","message":"x"}', b'{"code":5,"message":"x"}', b'["not found"]', b"null"],
)
def test_unusable_body_codes_are_ignored(body: bytes) -> None:
    """An empty or non-string code, or a non-object body, leaves the status to decide."""
    error = build(404, body)

    assert type(error) is NotFoundError
    assert error.code is None


def test_empty_header_code_is_no_code() -> None:
    """An empty X-Platform-Error-Code header counts as no code."""
    error = build(503, b"", {"X-Platform-Error-Code": ""})

    assert type(error) is UnavailableError
    assert error.code is None


# --- No code: the status decides ------------------------------------------------------------


def test_proxy_html_502_is_unavailable_with_cut_body() -> None:
    """A proxy's HTML 502 is an UnavailableError whose message is the page cut to 200 chars."""
    body = (SAMPLES / "proxy_502.html").read_bytes()
    assert len(body) > 300

    error = build(502, body, {"Content-Type": "text/html"}, reason="Bad Gateway")

    assert type(error) is UnavailableError
    assert error.code is None
    assert error.message == body.decode().strip()[:200] + "..."
    assert len(error.message) == 203
    assert error.retryable


def test_short_body_is_not_cut() -> None:
    """A body within 200 characters is the message as is, stripped of surrounding space."""
    body = (SAMPLES / "route_not_found.txt").read_bytes()

    error = build(404, body)

    assert type(error) is NotFoundError
    assert error.message == "404 page not found"


def test_body_of_exactly_200_chars_is_not_cut() -> None:
    """The cut marker appears only past 200 characters."""
    assert build(500, b"x" * 200).message == "x" * 200
    assert build(500, b"x" * 201).message == "x" * 200 + "..."


def test_undecodable_body_does_not_raise() -> None:
    """Bytes that are not UTF-8 still give an error, with replacement characters."""
    error = build(500, b"\xff\xfe gateway \x80")

    assert type(error) is InternalServerError
    assert "gateway" in error.message
    assert "\ufffd" in error.message


def test_empty_405_uses_reason() -> None:
    """The router's empty 405 is a MethodNotAllowedError with the reason phrase as message."""
    error = build(405, b"", reason="Method Not Allowed", method="PUT")

    assert type(error) is MethodNotAllowedError
    assert error.code is None
    assert error.message == "Method Not Allowed"


def test_empty_body_without_reason_names_the_status() -> None:
    """With neither body nor reason, the message says 'HTTP <status>'."""
    assert build(405).message == "HTTP 405"


def test_blank_message_falls_back_to_the_body() -> None:
    """A whitespace-only message is replaced by the body text, never left blank."""
    error = build(500, b'{"code":"internal error","message":"  "}')

    assert type(error) is InternalServerError
    assert error.message.strip()


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, InvalidError),
        (401, UnauthorizedError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (405, MethodNotAllowedError),
        (413, RequestTooLargeError),
        (422, UnprocessableEntityError),
        (429, TooManyRequestsError),
        (500, InternalServerError),
        (501, ServerNotImplementedError),
        (502, UnavailableError),
        (503, UnavailableError),
        (504, UnavailableError),
    ],
)
def test_status_decides_without_code(status: int, cls: type[APIError]) -> None:
    """With no code anywhere, the HTTP status picks the class."""
    assert type(build(status, b"upstream failed")) is cls


@pytest.mark.parametrize("status", [408, 409, 418, 499, 505])
def test_unknown_status_without_code_is_plain_api_error(status: int) -> None:
    """A status with no class of its own gives a plain APIError carrying that status."""
    error = build(status, b"I'm a teapot")

    assert type(error) is APIError
    assert error.status == status


@pytest.mark.parametrize(
    ("status", "cls"),
    [(404, NotFoundError), (500, InternalServerError), (418, APIError)],
)
def test_unknown_code_falls_back_by_status(status: int, cls: type[APIError]) -> None:
    """A code this version does not know is kept, and the status picks the class."""
    error = build(status, envelope("teapot", "short and stout"))

    assert type(error) is cls
    assert error.code == "teapot"
    assert error.message == "short and stout"


# --- Retrying -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (405, False),
        (413, False),
        (422, False),
        (501, False),
        (408, True),
        (429, True),
        (499, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
    ],
)
def test_retryable_by_status(status: int, retryable: bool) -> None:
    """Only timeouts, cancellations, rate limits and server or gateway failures are retryable."""
    assert build(status).retryable is retryable


def test_retryable_follows_status_not_code() -> None:
    """A 'conflict' at 422 is not retryable, even though 422 bodies vary."""
    assert not build(422, envelope("conflict", "token already exists")).retryable


def test_retry_after_seconds_on_the_error() -> None:
    """A Retry-After in seconds is exposed as a float on the error."""
    error = build(429, envelope("too many requests", "slow down"), {"Retry-After": "30"})

    assert type(error) is TooManyRequestsError
    assert error.retry_after == 30.0


def test_no_retry_after_is_none() -> None:
    """Without a Retry-After header, retry_after is None."""
    assert build(503).retry_after is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), ("0", 0.0), ("1.5", 1.5), (" 7 ", 7.0)],
)
def test_parse_retry_after_seconds(value: str, expected: float) -> None:
    """Delta-seconds are read as a number of seconds."""
    assert parse_retry_after(value, now=NOW) == expected


def test_parse_retry_after_http_date() -> None:
    """An HTTP-date gives the seconds from now until then."""
    when = email.utils.formatdate(NOW + 90, usegmt=True)

    assert parse_retry_after(when, now=NOW) == 90.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now=NOW) == 120.0


def test_parse_retry_after_past_date_is_zero() -> None:
    """A date in the past means retry now, not a negative wait."""
    assert parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now=NOW) == 0.0


@pytest.mark.parametrize("value", [None, "", "   ", "-5", "-0.5", "soon", "nan", "12 seconds"])
def test_parse_retry_after_garbage_is_none(value: str | None) -> None:
    """Missing, negative or unreadable values give None rather than an error."""
    assert parse_retry_after(value, now=NOW) is None


@pytest.mark.parametrize("value", ["inf", "Infinity"])
def test_parse_retry_after_infinity_is_none(value: str) -> None:
    """An infinite Retry-After is garbage, not a wait."""
    assert parse_retry_after(value, now=NOW) is None


# --- How errors read ------------------------------------------------------------------------


def test_str_names_request_status_code_and_message() -> None:
    """str(error) says method, path, status, code and the server's message."""
    error = build(404, envelope("not found", "authorization not found"), method="DELETE")

    text = str(error)

    assert text == f"DELETE {AUTH_PATH} -> 404 (not found): authorization not found"


def test_str_without_code_has_no_parentheses() -> None:
    """An error without a code reads 'METHOD path -> status: message'."""
    error = build(502, b"Bad Gateway", method="POST", path="/private/legacy/authorizations")

    assert str(error) == "POST /private/legacy/authorizations -> 502: Bad Gateway"


def test_repr_shows_fields() -> None:
    """repr(error) shows the class and its status, code, message, method and path."""
    error = build(422, envelope("conflict", "token already exists"), method="POST")

    assert repr(error) == (
        "ConflictError(status=422, code='conflict', message='token already exists', "
        f"method='POST', path='{AUTH_PATH}')"
    )


def test_args_hold_the_message() -> None:
    """The exception's args are the message, so logging and pickling see it."""
    assert build(404, envelope("not found", "gone")).args == ("gone",)


def test_transport_error_reads_and_retries() -> None:
    """A transport error names the request, records maybe_sent and is retryable."""
    error = RequestTimeoutError("timed out after 5s", method="GET", path=AUTH_PATH, maybe_sent=True)

    assert str(error) == f"GET {AUTH_PATH}: timed out after 5s"
    assert error.maybe_sent
    assert error.retryable
    assert TransportError("refused", method="GET", path="/", maybe_sent=False).retryable


def test_response_decode_error_reads() -> None:
    """A decode error names the request and the status of the undecodable response."""
    error = ResponseDecodeError(
        "expected a JSON object", method="GET", path="/private/legacy/authorizations", status=200
    )

    assert str(error) == "GET /private/legacy/authorizations -> 200: expected a JSON object"
    assert error.status == 200


# --- The tree -------------------------------------------------------------------------------

EXCEPTION_CLASSES = [
    obj
    for name in _errors.__all__
    if inspect.isclass(obj := getattr(_errors, name)) and issubclass(obj, BaseException)
]


def test_every_exception_is_covered() -> None:
    """The module exports 21 exception classes (ArgumentError and ConfigurationError
    joined the 19 of the first release)."""
    assert len(EXCEPTION_CLASSES) == 21


@pytest.mark.parametrize("cls", EXCEPTION_CLASSES, ids=lambda c: c.__name__)
def test_every_exception_is_a_legacy_auth_error(cls: type[Exception]) -> None:
    """Catching LegacyAuthError catches everything the library raises."""
    assert issubclass(cls, LegacyAuthError)


@pytest.mark.parametrize("cls", EXCEPTION_CLASSES, ids=lambda c: c.__name__)
def test_every_exception_is_exported_from_the_package(cls: type[Exception]) -> None:
    """Every exception can be imported from aioinflux_legacyauth directly."""
    assert getattr(aioinflux_legacyauth, cls.__name__) is cls


def test_code_classes_are_api_errors() -> None:
    """Every class an error code maps to can be caught as APIError."""
    classes = {cls for _code, _status, cls in CODE_TABLE}

    assert len(classes) == 12
    assert all(issubclass(cls, APIError) for cls in classes)


def test_mixins_with_builtin_exceptions() -> None:
    """Misuse is a RuntimeError, a refused password a ValueError, a timeout a TransportError."""
    assert issubclass(ClientStateError, RuntimeError)
    assert issubclass(PasswordPolicyError, ValueError)
    assert issubclass(RequestTimeoutError, TransportError)
    assert not issubclass(TransportError, APIError)
    assert not issubclass(ResponseDecodeError, APIError)
    assert issubclass(ConflictError, APIError)
    assert not issubclass(ConflictError, UnprocessableEntityError)
