"""The fast paths behave exactly like the straightforward code they replace.

Each optimization made for the benchmarks (issue 6) is held here to a reference: the
hand-written structure hooks to the ones cattrs generates, the trusted constructors to the
models' own ``__init__``, the trace header to ``json.dumps``, the compact ``ItemResult`` to
the attrs class it was, the ID fast path to ``quote()``. No timings: only behaviour.
"""

from __future__ import annotations

import copy
import gc
import json
import pickle
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs
import cattrs
import pytest
from cattrs.gen import make_dict_structure_fn
from hypothesis import given
from hypothesis import strategies as st

from aioinflux_legacyauth import (
    ItemResult,
    Outcome,
    RawResponse,
    Request,
    ResponseDecodeError,
    TraceSpan,
)
from aioinflux_legacyauth._converter import (
    converter,
    make_base_converter,
    renames,
    structure_authorization,
    structure_owned_list,
)
from aioinflux_legacyauth._models import (
    Action,
    AuthorizationLinks,
    AuthorizationList,
    AuthorizationUpdate,
    AuthStatus,
    LegacyAuthorization,
    ListLinks,
    Permission,
    Resource,
    ResourceType,
    trusted_constructor,
)
from aioinflux_legacyauth._sansio import (
    GC_PAUSE_FROM,
    Call,
    _id_segment,
    _loads,
    build_accepted_update,
    build_delete,
    build_get,
    build_update,
    parse_accepted,
    parse_listing,
)
from aioinflux_legacyauth.bulk.report import ok_result, shared_head

SAMPLES = Path(__file__).parent.parent / "samples"


def reference_converter() -> cattrs.Converter:
    """The package's converter with the structure hooks cattrs generates instead of the
    hand-written ones, from the same wire-name table: what the fast hooks must do."""
    conv = make_base_converter()
    for model in (
        Resource,
        Permission,
        AuthorizationLinks,
        ListLinks,
        LegacyAuthorization,
        AuthorizationList,
    ):
        conv.register_structure_hook(model, make_dict_structure_fn(model, conv, **renames(model)))
    return conv


REFERENCE = reference_converter()


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def outcome_of(structure: Callable[[], Any]) -> Any:
    """The value, or the exception's type and message: what a caller can observe."""
    try:
        return ("value", structure())
    except Exception as exc:
        return ("raised", type(exc), str(exc))


def assert_same_structuring(document: Any, kind: type[Any]) -> None:
    fast = outcome_of(lambda: converter.structure(copy.deepcopy(document), kind))
    reference = outcome_of(lambda: REFERENCE.structure(copy.deepcopy(document), kind))
    assert fast == reference


# --- Hand-written structure hooks versus the generated ones -------------------------------

AUTH_SAMPLES = [
    "authorization.json",
    "authorization_nanoseconds.json",
    "authorization_offset.json",
    "newer_server.json",
]


@pytest.mark.parametrize("name", AUTH_SAMPLES)
def test_samples_structure_as_the_generated_hooks_do(name: str) -> None:
    """Every recorded authorization gives the same model through both converters."""
    assert_same_structuring(sample(name), LegacyAuthorization)


@pytest.mark.parametrize("name", ["list.json", "list_empty.json"])
def test_list_samples_structure_as_the_generated_hooks_do(name: str) -> None:
    """The list samples too, and so does the consuming list parser of the client."""
    document = sample(name)
    assert_same_structuring(document, AuthorizationList)
    owned = outcome_of(lambda: structure_owned_list(copy.deepcopy(document)))
    assert owned == outcome_of(lambda: REFERENCE.structure(document, AuthorizationList))


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a JSON document, containers included."""
    found = []
    items = document.items() if isinstance(document, dict) else enumerate(document)
    for key, value in items:
        found.append((*prefix, key))
        if isinstance(value, dict | list):
            found.extend(_paths(value, (*prefix, key)))
    return found


AUTH_PATHS = _paths(sample("authorization.json"))
ODD_VALUES = [None, 5, 1.5, True, "", "x", "2024-05-01T12:34:56", [], {}, ["a"], {"k": "v"}]


def _mutated(document: Any, path: tuple[Any, ...], value: Any, *, drop: bool) -> Any:
    mutated = copy.deepcopy(document)
    target = mutated
    for key in path[:-1]:
        target = target[key]
    if drop:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return mutated


@pytest.mark.parametrize("path", AUTH_PATHS, ids=lambda path: "/".join(map(str, path)))
def test_every_dropped_key_fails_or_succeeds_alike(path: tuple[Any, ...]) -> None:
    """Without any one key, both converters give the same model or the same error."""
    document = _mutated(sample("authorization.json"), path, None, drop=True)
    assert_same_structuring(document, LegacyAuthorization)


@given(st.sampled_from(AUTH_PATHS), st.sampled_from(ODD_VALUES))
def test_every_wrong_value_fails_or_succeeds_alike(path: tuple[Any, ...], value: Any) -> None:
    """Any one value replaced by any JSON shape: the same model or the same error."""
    document = _mutated(sample("authorization.json"), path, value, drop=False)
    assert_same_structuring(document, LegacyAuthorization)
    listing = {"links": {"self": "/private/legacy/authorizations"}, "authorizations": [document]}
    assert_same_structuring(listing, AuthorizationList)
    owned = outcome_of(lambda: structure_owned_list(copy.deepcopy(listing)))
    assert owned == outcome_of(lambda: REFERENCE.structure(listing, AuthorizationList))


@pytest.mark.parametrize("body", [[], None, "telegraf", 5, {}, {"authorizations": {}}])
def test_odd_list_bodies_fail_alike(body: Any) -> None:
    """Bodies that are no list body fail with the same error through every path."""
    reference = outcome_of(lambda: REFERENCE.structure(body, AuthorizationList))
    assert outcome_of(lambda: converter.structure(body, AuthorizationList)) == reference
    if isinstance(body, dict):
        assert outcome_of(lambda: structure_owned_list(copy.deepcopy(body))) == reference


@pytest.mark.parametrize(
    "kind", [Resource, Permission, AuthorizationLinks, ListLinks, LegacyAuthorization]
)
@pytest.mark.parametrize("value", [None, [], "x", 5, {}])
def test_each_hook_fails_alike_on_non_objects(kind: type[Any], value: Any) -> None:
    """Every model's own hook, given something that is no object of it, fails the same way."""
    assert_same_structuring(value, kind)


def test_unknown_enum_values_are_kept_by_the_fast_hooks() -> None:
    """A newer server's values become pseudo-members, exactly as before."""
    document = sample("authorization.json")
    document["status"] = "suspended"
    document["permissions"][0]["action"] = "admin"
    document["permissions"][0]["resource"]["type"] = "widgets"

    auth = converter.structure(document, LegacyAuthorization)

    assert auth == REFERENCE.structure(document, LegacyAuthorization)
    assert not auth.status.is_known
    assert auth.status == "suspended"
    assert not auth.permissions[0].action.is_known
    assert not auth.permissions[0].resource.type.is_known


def test_the_consuming_list_parser_empties_its_document() -> None:
    """structure_owned_list drops each item as it goes (the document is the caller's no more)."""
    document = sample("list.json")
    count = len(document["authorizations"])

    listing = structure_owned_list(document)

    assert len(listing.authorizations) == count
    assert document["authorizations"] == [None] * count


@given(st.sampled_from(AUTH_PATHS), st.sampled_from(ODD_VALUES))
def test_a_wrong_value_after_a_good_item_fails_alike(path: tuple[Any, ...], value: Any) -> None:
    """The consuming parser shares what items grant alike (issue 15): a second item that
    differs from a good first one in any value still gives the model or error it gave."""
    good = sample("authorization.json")
    document = _mutated(good, path, value, drop=False)
    listing = {
        "links": {"self": "/private/legacy/authorizations"},
        "authorizations": [good, document],
    }
    owned = outcome_of(lambda: structure_owned_list(copy.deepcopy(listing)))
    assert owned == outcome_of(lambda: REFERENCE.structure(listing, AuthorizationList))


def test_items_granting_alike_share_their_permissions() -> None:
    """One tuple for every item with the same grants (frozen: sharing it changes nothing
    a caller can see but identity), another for an item with other grants."""
    first, second, other = (sample("authorization.json") for _ in range(3))
    other["permissions"][0]["action"] = "read"
    listing = {"authorizations": [first, second, other]}
    expected = REFERENCE.structure(copy.deepcopy(listing), AuthorizationList)

    parsed = structure_owned_list(listing)

    assert parsed == expected
    a, b, c = parsed.authorizations
    assert a.permissions is b.permissions
    assert a.permissions is not c.permissions
    assert c.permissions == expected.authorizations[2].permissions


def test_an_update_time_equal_to_the_creation_time_is_read_once() -> None:
    document = sample("authorization.json")
    document["updatedAt"] = document["createdAt"]
    same = structure_authorization(document)
    document["updatedAt"] = "2025-01-02T03:04:05.5Z"
    later = structure_authorization(document)

    assert same.updated_at is same.created_at
    assert later.updated_at == REFERENCE.structure(document, LegacyAuthorization).updated_at
    assert later.updated_at != later.created_at


@pytest.mark.parametrize("enabled", [True, False])
def test_a_big_body_leaves_the_collector_as_it_found_it(enabled: bool) -> None:
    """The collector is paused while a big list is read, and only then (issue 15)."""
    listing = {"authorizations": [sample("authorization.json")] * 600}
    body = json.dumps(listing).encode()
    assert len(body) >= GC_PAUSE_FROM
    response = RawResponse(200, {"Content-Type": "application/json"}, body)
    request = Request("GET", "/private/legacy/authorizations")
    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        assert len(parse_listing(request, response)) == 600
        assert gc.isenabled() is enabled
        with pytest.raises(ResponseDecodeError):
            parse_listing(request, RawResponse(200, {}, body[:-1] + b"!"))
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()


# --- Trusted constructors -------------------------------------------------------------------


def test_trusted_constructors_build_what_init_builds() -> None:
    """Values already converted give equal, equally frozen instances."""
    auth = converter.structure(sample("authorization.json"), LegacyAuthorization)
    for model in (auth, auth.permissions[0], auth.permissions[0].resource, auth.links):
        assert model is not None
        kind = type(model)
        values = [getattr(model, field.name) for field in attrs.fields(kind)]
        built = trusted_constructor(kind)(*values)
        assert built == model
        assert hash(built) == hash(model)
        assert repr(built) == repr(model)
        first = attrs.fields(kind)[0].name
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            built.__setattr__(first, "x")


@pytest.mark.parametrize(
    "kind",
    [
        Resource,
        Permission,
        AuthorizationLinks,
        LegacyAuthorization,
        ListLinks,
        AuthorizationList,
        Request,
        RawResponse,
    ],
)
def test_trusted_constructors_take_every_field(kind: type[Any]) -> None:
    """A constructor takes exactly the fields, positionally: a new field cannot be forgotten."""
    build = trusted_constructor(kind)
    names = [field.name for field in attrs.fields(kind)]
    assert build.__code__.co_varnames[: build.__code__.co_argcount] == tuple(names)


# --- The trace header -----------------------------------------------------------------------

baggage_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=0, max_size=12)


@given(st.dictionaries(baggage_text, baggage_text, max_size=4))
def test_header_is_what_json_dumps_writes(baggage: dict[str, str]) -> None:
    """The hand-built header equals json.dumps of the span, for any baggage."""
    span = TraceSpan.new(baggage)
    for current in (span, span.child()):
        expected = json.dumps(
            {
                "trace_id": current.trace_id,
                "span_id": current.span_id,
                "baggage": dict(current.baggage),
            },
            separators=(",", ":"),
        )
        assert current.to_header() == expected
        assert TraceSpan.from_header(current.to_header()) == current


def test_children_are_valid_spans_of_the_same_trace() -> None:
    """The unchecked child constructor makes only what the checked one accepts."""
    parent = TraceSpan.new({"job": "rotate"})
    for _ in range(200):
        child = parent.child()
        assert type(child) is TraceSpan
        assert TraceSpan(child.trace_id, child.span_id, child.baggage) == child
        assert child.trace_id == parent.trace_id
        assert child.span_id != parent.span_id
        assert dict(child.baggage) == {"job": "rotate"}


def test_a_subclass_child_is_still_checked() -> None:
    """Subclasses keep the checked path (they may add fields or checks)."""

    @attrs.frozen(slots=True)
    class TaggedSpan(TraceSpan):
        pass

    child = TaggedSpan.new().child()
    assert type(child) is TaggedSpan


# --- The compact ItemResult -----------------------------------------------------------------


@attrs.frozen(slots=True, kw_only=True)
class AttrsItemResult:
    """ItemResult as it was before it was laid out small: the behaviour to keep."""

    key: str
    op: str
    outcome: Outcome
    status: int | None = None
    code: str | None = None
    message: str | None = None
    attempts: int = 0
    elapsed: float = 0.0
    error: Exception | None = attrs.field(default=None, repr=False, eq=False)


FIELDS = ("key", "op", "outcome", "status", "code", "message", "attempts", "elapsed", "error")
item_fields = st.fixed_dictionaries(
    {
        "key": st.text(string.hexdigits, min_size=1, max_size=16),
        "op": st.sampled_from(["update", "delete", "set_password"]),
        "outcome": st.sampled_from([*Outcome, "ok", "failed"]),
        "status": st.sampled_from([None, 200, 204, 404, 503]),
        "code": st.sampled_from([None, "not found", "unavailable"]),
        "message": st.sampled_from([None, "authorization not found", ""]),
        "attempts": st.integers(0, 5),
        "elapsed": st.floats(0, 100, allow_nan=False),
        "error": st.sampled_from([None, ValueError("bad item")]),
    }
)


@given(item_fields, item_fields)
def test_item_result_behaves_like_the_attrs_class(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    """Attributes, ok, repr, equality and hashing match the attrs class it replaced."""
    compact, reference = ItemResult(**first), AttrsItemResult(**first)
    for name in FIELDS:
        assert getattr(compact, name) is getattr(reference, name) or (
            getattr(compact, name) == getattr(reference, name)
            and type(getattr(compact, name)) is type(getattr(reference, name))
        )
    assert compact.ok == (reference.outcome in (Outcome.OK, Outcome.ALREADY_DONE))
    assert repr(compact) == repr(reference).replace("AttrsItemResult(", "ItemResult(")
    other, other_reference = ItemResult(**second), AttrsItemResult(**second)
    assert (compact == other) == (reference == other_reference)
    assert (compact != other) == (reference != other_reference)
    if compact == other:
        assert hash(compact) == hash(other)
    assert compact.__eq__(reference) is NotImplemented  # another class, as attrs compares


def test_item_result_is_still_an_attrs_class() -> None:
    """attrs.fields, asdict and evolve see the same nine attributes as before."""
    error = ValueError("bad item")
    result = ItemResult(key="k", op="delete", outcome=Outcome.FAILED, message="bad", error=error)
    reference = AttrsItemResult(
        key="k", op="delete", outcome=Outcome.FAILED, message="bad", error=error
    )

    kind: type[Any] = ItemResult  # attrs.has() would narrow the class name itself
    assert attrs.has(kind)
    assert [f.name for f in attrs.fields(ItemResult)] == list(FIELDS)
    assert [(f.default, f.eq, f.repr) for f in attrs.fields(ItemResult)] == [
        (f.default, f.eq, f.repr) for f in attrs.fields(AttrsItemResult)
    ]
    assert attrs.asdict(result) == attrs.asdict(reference)
    changed = attrs.evolve(result, outcome=Outcome.OK, message=None)
    assert changed == ItemResult(key="k", op="delete", outcome=Outcome.OK, error=error)
    assert changed.error is error
    assert ItemResult.__match_args__ == AttrsItemResult.__match_args__


def test_item_result_keeps_the_very_objects_it_was_given() -> None:
    """Shared heads never swap an equal value of another type ("ok" for Outcome.OK)."""
    plain = ItemResult(key="a", op="update", outcome="ok", status=200, attempts=1)  # type: ignore[arg-type]
    member = ItemResult(key="b", op="update", outcome=Outcome.OK, status=200, attempts=1)
    assert type(plain.outcome) is str
    assert member.outcome is Outcome.OK
    assert ItemResult(key="c", op="update", outcome=Outcome.OK, status=200.0).status == 200.0  # type: ignore[arg-type]
    assert type(ItemResult(key="c", op="update", outcome=Outcome.OK, status=200.0).status) is float  # type: ignore[arg-type]


def test_item_result_is_frozen_and_pickles() -> None:
    """Like the frozen attrs class: no assignment, no deletion, and a pickle round trip."""
    error = ValueError("bad item")
    result = ItemResult(
        key="0d9c3a1e5b2f4000", op="delete", outcome=Outcome.FAILED, message="bad", error=error
    )
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        result.__setattr__("key", "other")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        del result.elapsed
    copied = pickle.loads(pickle.dumps(result))  # noqa: S301 - our own bytes
    assert copied == result
    assert str(copied.error) == "bad item"
    assert copy.deepcopy(result) == result


def test_the_bulk_fast_path_builds_ordinary_results() -> None:
    """ok_result gives what the constructor gives, and shares its head between results."""
    head = shared_head("update", Outcome.OK, 200, 1)
    fast = ok_result("0d9c3a1e5b2f4000", head, 0.25)
    assert fast == ItemResult(
        key="0d9c3a1e5b2f4000",
        op="update",
        outcome=Outcome.OK,
        status=200,
        attempts=1,
        elapsed=0.25,
    )
    assert (fast.code, fast.message, fast.error) == (None, None, None)
    assert shared_head("update", Outcome.OK, 200, 1) is head


# --- The ID path segment ----------------------------------------------------------------------


@given(st.text(min_size=1, max_size=24))
def test_id_segment_is_what_quote_writes(auth_id: str) -> None:
    """The letters-and-digits shortcut changes nothing: any ID gives quote()'s answer."""
    if not auth_id.strip():
        with pytest.raises(ValueError, match="auth_id must be a non-empty string"):
            _id_segment(auth_id)
        return
    assert _id_segment(auth_id) == quote(auth_id, safe="")


@pytest.mark.parametrize("auth_id", ["0d9c3a1e5b2f4000", "0D9C3A1E5B2F4000", "x/password", ".."])
def test_id_segment_examples(auth_id: str) -> None:
    """Typical IDs pass through; anything that could reach another route is quoted."""
    assert _id_segment(auth_id) == quote(auth_id, safe="")


def test_status_and_enums_are_the_members_themselves() -> None:
    """Known values structure to the enum members (not equal copies)."""
    auth = converter.structure(sample("authorization.json"), LegacyAuthorization)
    assert auth.status is AuthStatus.ACTIVE
    assert auth.permissions[0].action is Action.WRITE
    assert auth.permissions[0].resource.type is ResourceType.BUCKETS


# --- Decoding JSON bodies ---------------------------------------------------------------------


@given(
    st.one_of(
        st.binary(max_size=12),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
            max_leaves=6,
        ).flatmap(
            lambda doc: st.sampled_from(
                ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32-be"]
            ).map(lambda encoding: json.dumps(doc, ensure_ascii=False).encode(encoding))
        ),
    )
)
def test_loads_is_json_loads(body: bytes) -> None:
    """The UTF-8 shortcut gives json.loads's document, or its error, for any bytes."""
    assert outcome_of(lambda: _loads(body)) == outcome_of(lambda: json.loads(body))


@pytest.mark.parametrize("build", [build_get, build_delete, build_update])
def test_per_item_builders_build_ordinary_requests(build: Callable[..., Call[Any]]) -> None:
    """The builders that skip Request's __init__ build what __init__ builds, repr included."""
    headers = {"Accept": "application/json", "Authorization": "Token s3cret"}
    if build is build_update:
        call = build("/p", "0d9c3a1e5b2f4000", AuthorizationUpdate(status="inactive"), headers)
    else:
        call = build("/p", "0d9c3a1e5b2f4000", headers)
    request = call.request
    rebuilt = Request(
        request.method, request.path, request.params, dict(request.headers), request.body
    )
    assert request == rebuilt
    assert repr(request) == repr(rebuilt)
    assert "s3cret" not in repr(request)
    assert request.headers is not headers


def test_a_bulk_update_sends_what_update_sends() -> None:
    """The bulk update's PATCH is update()'s request; only how its answer is read differs
    (checked to be a JSON object, not structured)."""
    headers = {"Accept": "application/json", "Authorization": "Token s3cret"}
    body = AuthorizationUpdate(status="inactive", description="off")
    accepted = build_accepted_update("/p", "0d9c3a1e5b2f4000", body, headers)
    full = build_update("/p", "0d9c3a1e5b2f4000", body, headers)

    assert accepted.request == full.request
    assert (accepted.parse, accepted.safety, accepted.recover) == (
        parse_accepted,
        full.safety,
        None,
    )
    assert accepted.request.headers is not headers
