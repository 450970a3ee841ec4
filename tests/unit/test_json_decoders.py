"""orjson and the standard library read every body the same way, errors included.

Each body goes through the parsers with each decoder (``_json.use_decoder``); what a caller
sees, the result or the exception's class and message, must not depend on which one is
installed. No event loop, no timing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from aioinflux_legacyauth import RawResponse, Request, ResponseDecodeError, _json
from aioinflux_legacyauth._sansio import (
    parse_accepted,
    parse_authorization,
    parse_bucket_org_id,
    parse_listing,
)
from tests.conftest import authorization_document

pytest.importorskip("orjson")

JSON = {"Content-Type": "application/json; charset=utf-8"}
GET = Request("GET", "/private/legacy/authorizations/0d9c3a1e5b2f4000")
LIST = Request("GET", "/private/legacy/authorizations")
BUCKET = Request("GET", "/api/v2/buckets/8f1e2d3c4b5a6978")


def auth_bytes(**overrides: Any) -> bytes:
    return json.dumps(authorization_document(**overrides), indent="\t").encode()


def listing_with(username: bytes) -> bytes:
    body = json.dumps({"authorizations": [authorization_document(token="PLACEHOLDER")]})
    return body.encode().replace(b'"PLACEHOLDER"', username)


BODIES: dict[str, tuple[Request, Callable[[Request, RawResponse], Any], bytes]] = {
    "authorization": (GET, parse_authorization, auth_bytes()),
    "unknown keys and values": (
        GET,
        parse_authorization,
        auth_bytes(status="suspended", extra={"nested": [1, 2.5, None, True]}),
    ),
    "list": (
        LIST,
        parse_listing,
        json.dumps({"authorizations": [authorization_document()]}).encode(),
    ),
    "not JSON": (GET, parse_authorization, b"<html><body>InfluxDB</body></html>"),
    "empty": (GET, parse_authorization, b""),
    "trailing data": (GET, parse_authorization, auth_bytes() + b" {}"),
    "an array": (GET, parse_authorization, b"[1, 2, 3]"),
    "NaN": (BUCKET, parse_bucket_org_id, b'{"orgID": "4e7a6b1c2d3f5a6b", "x": NaN}'),
    "Infinity": (BUCKET, parse_bucket_org_id, b'{"orgID": "4e7a6b1c2d3f5a6b", "x": -Infinity}'),
    "a 100-digit integer": (
        BUCKET,
        parse_bucket_org_id,
        b'{"orgID": "x", "n": ' + b"9" * 100 + b"}",
    ),
    "a float past the range": (BUCKET, parse_bucket_org_id, b'{"orgID": "x", "n": 1e400}'),
    "a byte order mark": (BUCKET, parse_bucket_org_id, b'\xef\xbb\xbf{"orgID": "x"}'),
    "UTF-16": (BUCKET, parse_bucket_org_id, '{"orgID": "x"}'.encode("utf-16")),
    "UTF-32": (BUCKET, parse_bucket_org_id, '{"orgID": "x"}'.encode("utf-32")),
    "invalid UTF-8": (BUCKET, parse_bucket_org_id, b'{"orgID": "\xff\xfe"}'),
    "a control character": (BUCKET, parse_bucket_org_id, b'{"orgID": "a\x01b"}'),
    "a lone surrogate escape": (LIST, parse_listing, listing_with(b'"svc-\\ud800"')),
    "an encoded surrogate": (LIST, parse_listing, listing_with(b'"svc-\xed\xa0\x80"')),
    "a surrogate pair": (LIST, parse_listing, listing_with(b'"svc-\\ud83d\\ude00"')),
    "nested 100,000 deep": (GET, parse_authorization, b"[" * 100_000 + b"]" * 100_000),
    "nested 1,500 deep in a field": (
        BUCKET,
        parse_bucket_org_id,
        b'{"orgID": "x", "deep": ' + b"[" * 1_500 + b"]" * 1_500 + b"}",
    ),
    "a PATCH reply that is not an object": (GET, parse_accepted, b'"done"'),
    "a PATCH reply": (GET, parse_accepted, auth_bytes()),
}


@pytest.fixture
def decoders() -> Iterator[Callable[[str], None]]:
    """Switch the decoder; the process's own choice comes back afterwards."""
    before = _json.decoder_name()
    yield _json.use_decoder
    _json.use_decoder(before)


def outcome(parse: Callable[[Request, RawResponse], Any], request: Request, body: bytes) -> Any:
    """What a caller sees: the result, or the exception's class and message."""
    try:
        return ("ok", parse(request, RawResponse(200, JSON, body)))
    except ResponseDecodeError as error:
        return ("error", type(error), str(error))


@pytest.mark.parametrize("name", list(BODIES))
def test_both_decoders_read_a_body_alike(name: str, decoders: Callable[[str], None]) -> None:
    request, parse, body = BODIES[name]
    decoders("json")
    with_json = outcome(parse, request, body)
    decoders("orjson")
    with_orjson = outcome(parse, request, body)
    assert with_orjson == with_json


def test_the_hostile_bodies_are_refused_with_either(decoders: Callable[[str], None]) -> None:
    """Not only the same: the bodies a server must not send are refused by both."""
    refused = ["not JSON", "a lone surrogate escape", "nested 100,000 deep", "invalid UTF-8"]
    for decoder in _json.DECODERS:
        decoders(decoder)
        for name in refused:
            request, parse, body = BODIES[name]
            assert outcome(parse, request, body)[0] == "error", (decoder, name)


def test_the_choice_is_reported_and_checked(decoders: Callable[[str], None]) -> None:
    decoders("json")
    assert _json.decoder_name() == "json"
    decoders("orjson")
    assert _json.decoder_name() == "orjson"
    with pytest.raises(ValueError, match="unknown JSON decoder 'simdjson'"):
        _json.use_decoder("simdjson")
