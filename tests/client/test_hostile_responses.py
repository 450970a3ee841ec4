"""What a hostile (or broken) server sends is a library error, and bulk reports stay whole.

Deeply nested JSON, strings that are not text (lone surrogates), megabyte error messages:
each operation raises a ``LegacyAuthError`` that can be printed; a bulk job reports every
item, and ``on_result`` sees each exactly once, whatever one item's answer did.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from aioinflux_legacyauth import (
    APIError,
    InternalServerError,
    ItemResult,
    LegacyAuthClient,
    Outcome,
    PasswordPolicyError,
    RawResponse,
    Request,
    ResponseDecodeError,
    RetryPolicy,
    UnavailableError,
    _json,
)
from aioinflux_legacyauth.testing import MockTransport

BASE = "http://influx.test:8086"
JSON = {"Content-Type": "application/json; charset=utf-8"}
AUTH_ID = "0d9c3a1e5b2f4000"
DEPTH = 100_000
NESTED = b"[" * DEPTH + b"]" * DEPTH
NESTED_OBJECT = b'{"code": "internal error", "message": ' + NESTED + b"}"


@pytest.fixture(autouse=True, params=_json.DECODERS)
def decoder(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every case with each JSON decoder: what a hostile server sends is refused alike."""
    if request.param == "orjson":
        pytest.importorskip("orjson")
    before = _json.decoder_name()
    _json.use_decoder(request.param)
    yield request.param
    _json.use_decoder(before)


def answer(status: int, body: bytes) -> MockTransport:
    return MockTransport(lambda request: RawResponse(status, JSON, body))


def connect(transport: MockTransport) -> LegacyAuthClient:
    return LegacyAuthClient(BASE, "t0ken", transport=transport, retry=RetryPolicy(instant=True))


def ids(count: int) -> list[str]:
    return [f"{number:016x}" for number in range(1, count + 1)]


# -- deeply nested JSON -----------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        lambda client: client.list(),
        lambda client: client.get(AUTH_ID),
        lambda client: client.update(AUTH_ID, status="inactive"),
        lambda client: client.find_org_id("my-org"),
    ],
    ids=["list", "get", "update", "find_org_id"],
)
async def test_nested_json_in_a_success_is_a_decode_error(
    operation: Callable[[LegacyAuthClient], Any],
) -> None:
    async with connect(answer(200, NESTED)) as client:
        with pytest.raises(ResponseDecodeError, match="nested too deeply"):
            await operation(client)


@pytest.mark.parametrize("body", [NESTED, NESTED_OBJECT], ids=["array", "in-message"])
async def test_nested_json_in_an_error_is_an_api_error_by_status(body: bytes) -> None:
    async with connect(answer(500, body)) as client:
        with pytest.raises(InternalServerError) as caught:
            await client.delete(AUTH_ID)
    assert len(str(caught.value)) < 400


async def test_a_bulk_delete_with_nested_errors_reports_every_item_once() -> None:
    """The issue's run: some deletes answered with nested JSON on an error status."""
    poisoned = set(ids(48)[::2])

    def handler(request: Request) -> RawResponse:
        if request.path.rsplit("/", 1)[1] in poisoned:
            return RawResponse(500, JSON, NESTED)
        return RawResponse(204, {}, b"")

    seen: list[ItemResult] = []
    async with connect(MockTransport(handler)) as client:
        report = await client.bulk_delete(ids(48), concurrency=8, on_result=seen.append)
    assert [r.key for r in report.results] == ids(48)
    assert Counter(r.key for r in seen) == Counter(ids(48))  # each item exactly once
    for result in report.results:
        expected = Outcome.FAILED if result.key in poisoned else Outcome.OK
        assert result.outcome is expected
    assert all(isinstance(r.error, InternalServerError) for r in report.by_outcome("failed"))


async def test_a_bulk_update_whose_answer_cannot_be_read_may_have_been_applied() -> None:
    """A 200 to a PATCH applied the change even if its body is garbage: unknown."""
    async with connect(answer(200, NESTED)) as client:
        report = await client.bulk_update(ids(3), status="inactive")
        preview = await client.bulk_update(ids(3), status="inactive", dry_run=True)
    assert {r.outcome for r in report.results} == {Outcome.UNKNOWN}
    assert all(isinstance(r.error, ResponseDecodeError) for r in report.results)
    assert {r.outcome for r in preview.results} == {Outcome.FAILED}  # a GET changes nothing


class BoomError(Exception):
    """A bug somewhere below the bulk worker."""


async def test_an_unexpected_exception_becomes_that_items_result() -> None:
    sent: list[str] = []

    def handler(request: Request) -> RawResponse:
        auth_id = request.path.rsplit("/", 1)[1]
        sent.append(auth_id)
        if auth_id == ids(10)[3]:
            raise BoomError("a transport bug")
        return RawResponse(204, {}, b"")

    seen: list[ItemResult] = []
    async with connect(MockTransport(handler)) as client:
        report = await client.bulk_delete(ids(10), concurrency=3, on_result=seen.append)
    assert len(report.results) == 10
    assert Counter(r.key for r in seen) == Counter(ids(10))
    broken = report.results[3]
    assert broken.outcome is Outcome.UNKNOWN  # the request may have gone out
    assert isinstance(broken.error, BoomError)
    assert broken.message is not None
    assert "BoomError" in broken.message
    assert "a transport bug" not in broken.message  # an exception's text may hold anything
    assert [r.outcome for r in report.results if r.key != broken.key] == [Outcome.OK] * 9
    assert sorted(sent) == ids(10)


async def test_an_exception_before_anything_is_sent_is_a_failure() -> None:
    async with connect(MockTransport(lambda request: RawResponse(204, {}, b""))) as client:
        report = await client.bulk_set_password([("0000000000000001", "\ud800" * 8)])
    (result,) = report.results
    assert result.outcome is Outcome.FAILED
    assert isinstance(result.error, PasswordPolicyError)


# -- strings that are not text ----------------------------------------------------------


def listing(username_json: bytes, auth_doc: Callable[..., dict[str, Any]]) -> bytes:
    document = json.dumps({"authorizations": [auth_doc(token="PLACEHOLDER")]}).encode()
    return document.replace(b'"PLACEHOLDER"', username_json)


@pytest.mark.parametrize(
    "username",
    [b'"svc-\\ud800"', b'"\\udfff"', b'"svc-\xed\xa0\x80"'],
    ids=["high-escape", "low-escape", "encoded"],
)
async def test_a_username_with_a_lone_surrogate_is_a_decode_error(
    username: bytes, auth_doc: Callable[..., dict[str, Any]]
) -> None:
    async with connect(answer(200, listing(username, auth_doc))) as client:
        with pytest.raises(ResponseDecodeError, match=r"lone surrogate|not valid UTF-8") as caught:
            await client.list()
    str(caught.value).encode()  # the error itself prints


async def test_a_surrogate_pair_is_text(auth_doc: Callable[..., dict[str, Any]]) -> None:
    async with connect(answer(200, listing(b'"svc-\\ud83d\\ude00"', auth_doc))) as client:
        (auth,) = await client.list()
    assert auth.username == "svc-\U0001f600"


async def test_check_login_refuses_a_username_that_is_not_text() -> None:
    async with connect(MockTransport(lambda request: RawResponse(204, {}, b""))) as client:
        with pytest.raises(ValueError, match="lone surrogate"):
            await client.check_login("svc-\ud800", "a-good-password-1")
        with pytest.raises(ValueError, match="lone surrogate") as caught:
            await client.check_login("svc", "secret-\ud800-pw")
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda client: client.get("\ud800"),
        lambda client: client.update(AUTH_ID, description="\ud800"),
        lambda client: client.set_password(AUTH_ID, "pw-\ud800-long"),
    ],
    ids=["id", "description", "password"],
)
async def test_input_that_is_not_text_is_a_value_error(
    call: Callable[[LegacyAuthClient], Any],
) -> None:
    transport = MockTransport(lambda request: RawResponse(204, {}, b""))
    async with connect(transport) as client:
        with pytest.raises(ValueError, match="lone surrogate") as caught:
            await call(client)
    assert "pw-" not in str(caught.value)
    assert transport.requests == []


async def test_an_error_message_with_a_lone_surrogate_prints() -> None:
    body = b'{"code": "unavailable", "message": "down \\udc80 for now"}'
    async with connect(answer(503, body)) as client:
        with pytest.raises(UnavailableError) as caught:
            await client.get(AUTH_ID, retry=RetryPolicy.disabled())
    assert "\\udc80" in str(caught.value)
    str(caught.value).encode()


# -- long messages ------------------------------------------------------------------------


async def test_a_megabyte_json_error_message_is_cut() -> None:
    body = json.dumps({"code": "invalid", "message": "x" * 1_000_053}).encode()
    async with connect(answer(400, body)) as client:
        with pytest.raises(APIError) as caught:
            await client.get(AUTH_ID)
    assert len(caught.value.message) <= 203
    assert caught.value.message.endswith("...")
    assert len(str(caught.value)) < 400


async def test_a_megabyte_error_code_is_cut() -> None:
    body = json.dumps({"code": "c" * 100_000, "message": "m"}).encode()
    async with connect(answer(400, body)) as client:
        with pytest.raises(APIError) as caught:
            await client.get(AUTH_ID)
    assert len(str(caught.value)) < 400


async def test_a_decode_error_quoting_a_huge_value_is_cut(
    auth_doc: Callable[..., dict[str, Any]],
) -> None:
    body = json.dumps(auth_doc(createdAt="x" * 1_000_000)).encode()
    async with connect(answer(200, body)) as client:
        with pytest.raises(ResponseDecodeError) as caught:
            await client.get(AUTH_ID)
    assert len(str(caught.value)) < 500


# -- a bulk update's replies: checked, not structured (issue 15) -------------------------


async def test_a_bulk_update_reply_is_checked_but_not_structured() -> None:
    """The change was made: a reply that is an object but no full authorization is ok; one
    that is not an object at all cannot be a server's, and the item may have been applied."""
    for body, outcome in ((b'{"id": "partial"}', Outcome.OK), (b"[1, 2]", Outcome.UNKNOWN)):
        async with connect(answer(200, body)) as client:
            report = await client.bulk_update(ids(2), status="inactive")
        assert {r.outcome for r in report.results} == {outcome}
        if outcome is Outcome.UNKNOWN:
            assert all(isinstance(r.error, ResponseDecodeError) for r in report.results)
    async with connect(answer(200, b'{"id": "partial"}')) as client:
        with pytest.raises(ResponseDecodeError, match="not a valid LegacyAuthorization"):
            await client.update(AUTH_ID, status="inactive")  # one update returns the model
