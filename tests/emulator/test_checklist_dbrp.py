"""DBRP mappings on the wire: spec section 11, checklist part 2, items 23-30.

Each test names its checklist item. Expected bodies were checked against influxd 2.7.12.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import pytest

from aioinflux_legacyauth.emulator import permission

if TYPE_CHECKING:
    from tests.emulator.conftest import Reply, Wire

DBRPS = "/api/v2/dbrps"
NAME_RULE = "must contain at least one character and only be letters, numbers, '_', '-', and '.'"


async def _list(wire: Wire, token: object = None, **params: str) -> list[dict[str, Any]]:
    query = {"orgID": wire.emu.org_id, **params}
    if token is None:
        reply = await wire.call("GET", DBRPS, params=query)
    else:
        reply = await wire.call("GET", DBRPS, params=query, token=token)
    assert reply.status == 200, reply.text
    content: list[dict[str, Any]] = reply.json()["content"]
    return content


async def _create(wire: Wire, token: object = None, **fields: object) -> Reply:
    body = {"orgID": wire.emu.org_id, "bucketID": wire.emu.buckets["my-bucket"], **fields}
    if token is None:
        return await wire.call("POST", DBRPS, json_body=body)
    return await wire.call("POST", DBRPS, json_body=body, token=token)


def _virtual(wire: Wire, bucket_id: str, database: str, rp: str, *, default: bool) -> Any:
    return {
        "id": bucket_id,
        "database": database,
        "retention_policy": rp,
        "default": default,
        "virtual": True,
        "orgID": wire.emu.org_id,
        "bucketID": bucket_id,
    }


async def test_every_bucket_has_a_virtual_mapping(wire: Wire) -> None:
    """Checklist 23: id = bucketID; a plain name is (name, autogen, default); "a/b/c" is
    split at the first slash into ("a", "b/c", not default)."""
    emu = wire.emu
    nested = emu.create_bucket("a/b/c")
    system = {bucket.name: bucket.id for bucket in emu.store.buckets() if bucket.system}
    assert await _list(wire) == [
        # the operator token reads the org, so it sees the system buckets' mappings too
        _virtual(wire, system["_monitoring"], "_monitoring", "autogen", default=True),
        _virtual(wire, system["_tasks"], "_tasks", "autogen", default=True),
        _virtual(wire, nested, "a", "b/c", default=False),
        _virtual(wire, emu.buckets["my-bucket"], "my-bucket", "autogen", default=True),
        _virtual(wire, emu.buckets["other-bucket"], "other-bucket", "autogen", default=True),
    ]


async def test_physical_first_then_virtual_by_name_with_hiding_and_default_clearing(
    wire: Wire,
) -> None:
    """Checklist 24: physical mappings first (ID order), then virtual ones by bucket name;
    a virtual one with the same db and rp is hidden, one whose db has a physical default
    loses its default."""
    emu = wire.emu
    mine, other = emu.buckets["my-bucket"], emu.buckets["other-bucket"]
    first = (await _create(wire, database="my-bucket", retention_policy="weekly")).json()
    second = (
        await _create(wire, database="other-bucket", retention_policy="autogen", bucketID=mine)
    ).json()
    assert first["default"] is True  # the first physical mapping of a db is its default
    mappings = await _list(wire, db="my-bucket")
    assert mappings == [first, _virtual(wire, mine, "my-bucket", "autogen", default=False)]
    # other-bucket/autogen is now the physical mapping (to my-bucket): the virtual one hides.
    assert await _list(wire, db="other-bucket") == [second]
    assert [m["id"] for m in await _list(wire)][:2] == sorted([first["id"], second["id"]])
    assert other not in [m["id"] for m in await _list(wire, db="other-bucket")]


async def test_only_readable_buckets_are_seen_in_list_show_databases_query_and_write(
    wire: Wire,
) -> None:
    """Checklist 25: a mapping shows only to a caller who may read its bucket; the virtual
    mappings of system buckets also need org read. The same rule drives SHOW DATABASES,
    /query's database lookup and /write's."""
    emu = wire.emu
    mine = emu.buckets["my-bucket"]
    readable = [permission("read", "buckets", id=mine, org_id=emu.org_id)]
    token = emu.mint_token(readable)
    assert [m["database"] for m in await _list(wire, token=token)] == ["my-bucket"]
    org_wide = emu.mint_token([permission("read", "buckets", org_id=emu.org_id)])
    assert "_monitoring" not in [m["database"] for m in await _list(wire, token=org_wide)]
    with_org = emu.mint_token(
        [
            permission("read", "buckets", org_id=emu.org_id),
            permission("read", "orgs", id=emu.org_id),
        ]
    )
    assert "_monitoring" in [m["database"] for m in await _list(wire, token=with_org)]
    show = await wire.call("GET", "/query", params={"q": "SHOW DATABASES"}, token=token)
    assert show.json()["results"][0]["series"][0]["values"] == [["my-bucket"]]
    unseen = await wire.call(
        "GET", "/query", params={"q": 'SELECT * FROM "other-bucket"..cpu'}, token=token
    )
    assert unseen.json() == {
        "results": [{"statement_id": 0, "error": "database not found: other-bucket"}]
    }
    write = await wire.call(
        "POST", "/write", params={"db": "other-bucket"}, data="cpu v=1", token=token
    )
    write.expect_error(404, "not found", "no dbrp mapping found", compact=True)


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("GET", "/0123456789abcdef"),
        ("PATCH", "/0123456789abcdef"),
        ("DELETE", "/0123456789abcdef"),
    ],
)
async def test_routes_without_org_are_400(wire: Wire, method: str, suffix: str) -> None:
    """Checklist 26: GET, PATCH and DELETE without orgID or org: 400."""
    reply = await wire.call(method, DBRPS + suffix, json_body={})
    reply.expect_error(400, "invalid", "either 'org' or 'orgID' must be provided")


async def test_org_parameter_errors_and_precedence(wire: Wire) -> None:
    """Checklist 26: orgID wins over org; an unknown org name is 404, a bad ID 400."""
    reply = await wire.call("GET", DBRPS, params={"org": "nope"})
    reply.expect_error(404, "not found", 'invalid org "nope": organization not found')
    reply = await wire.call("GET", DBRPS, params={"orgID": "xyz", "org": wire.emu.org})
    reply.expect_error(400, "invalid", 'invalid org ID "xyz": id must have a length of 16 bytes')
    by_name = await wire.call("GET", DBRPS, params={"org": wire.emu.org})
    assert by_name.json() == {"content": await _list(wire)}


async def test_body_shapes_of_create_get_patch_and_list(wire: Wire) -> None:
    """Checklist 27: POST answers 201 with the bare mapping; GET by ID and PATCH wrap it in
    {"content": {...}}; the list is {"content": [...]}; all tab-indented."""
    created = await _create(wire, database="grafana", retention_policy="autogen")
    assert created.status == 201
    assert created.text.startswith('{\n\t"id": ')
    mapping = created.json()
    assert list(mapping) == [
        "id",
        "database",
        "retention_policy",
        "default",
        "virtual",
        "orgID",
        "bucketID",
    ]
    assert (mapping["virtual"], mapping["default"]) == (False, True)
    params = {"orgID": wire.emu.org_id}
    got = await wire.call("GET", f"{DBRPS}/{mapping['id']}", params=params)
    assert got.json() == {"content": mapping}
    patched = await wire.call(
        "PATCH", f"{DBRPS}/{mapping['id']}", params=params, json_body={"retention_policy": "x"}
    )
    assert patched.json() == {"content": {**mapping, "retention_policy": "x"}}
    listed = await wire.call("GET", DBRPS, params={**params, "db": "grafana"})
    assert listed.json() == {"content": [{**mapping, "retention_policy": "x"}]}


async def test_duplicate_is_conflict_and_first_physical_is_default(wire: Wire) -> None:
    """Checklist 28: the same (org, db, rp) twice is 422 conflict; the first physical
    mapping of a db is default, a later one is not unless asked, and taking it moves it."""
    first = (await _create(wire, database="db", retention_policy="one")).json()
    duplicate = await _create(wire, database="db", retention_policy="one")
    duplicate.expect_error(
        422, "conflict", "another DBRP mapping with same orgID, db, and rp exists"
    )
    second = (await _create(wire, database="db", retention_policy="two")).json()
    assert (first["default"], second["default"]) == (True, False)
    third = (await _create(wire, database="db", retention_policy="three", default=True)).json()
    assert third["default"] is True
    defaults = {m["retention_policy"]: m["default"] for m in await _list(wire, db="db")}
    assert defaults == {"one": False, "two": False, "three": True}


async def test_unknown_id_is_404_and_a_bucket_id_gives_its_virtual_mapping(wire: Wire) -> None:
    """Checklist 29: GET of an unknown ID: 404 'unable to find DBRP'; a bucket's ID
    returns that bucket's virtual mapping."""
    params = {"orgID": wire.emu.org_id}
    reply = await wire.call("GET", f"{DBRPS}/0000000000000001", params=params)
    reply.expect_error(404, "not found", "unable to find DBRP")
    bucket = wire.emu.buckets["other-bucket"]
    got = await wire.call("GET", f"{DBRPS}/{bucket}", params=params)
    assert got.json() == {
        "content": _virtual(wire, bucket, "other-bucket", "autogen", default=True)
    }
    bad = await wire.call("GET", f"{DBRPS}/abc", params=params)
    bad.expect_error(400, "invalid", "id must have a length of 16 bytes")


async def test_permissions_are_on_buckets_read_and_write(wire: Wire) -> None:
    """Checklist 30: read on the bucket for GET, write for POST, PATCH and DELETE; a
    missing one is 401 '<perm> is unauthorized'."""
    emu = wire.emu
    mine, org = emu.buckets["my-bucket"], emu.org_id
    read_only = emu.mint_token([permission("read", "buckets", id=mine, org_id=org)])
    write_only = emu.mint_token([permission("write", "buckets", id=mine, org_id=org)])
    refused = await _create(wire, token=read_only, database="d", retention_policy="r")
    refused.expect_error(401, "unauthorized", f"write:orgs/{org}/buckets/{mine} is unauthorized")
    # Write without read: the bucket lookup of create needs read too.
    no_read = await _create(wire, token=write_only, database="d", retention_policy="r")
    no_read.expect_error(401, "unauthorized", f"read:orgs/{org}/buckets/{mine} is unauthorized")
    mapping = (await _create(wire, database="d", retention_policy="r")).json()
    path, params = f"{DBRPS}/{mapping['id']}", {"orgID": org}
    assert (await wire.call("GET", path, params=params, token=read_only)).status == 200
    got = await wire.call("GET", path, params=params, token=write_only)
    got.expect_error(401, "unauthorized", f"read:orgs/{org}/buckets/{mine} is unauthorized")
    for method, body in (("PATCH", {"default": True}), ("DELETE", None)):
        reply = await wire.call(method, path, params=params, json_body=body, token=read_only)
        reply.expect_error(401, "unauthorized", f"write:orgs/{org}/buckets/{mine} is unauthorized")
    deleted = await wire.call("DELETE", path, params=params)
    assert (deleted.status, deleted.body) == (204, b"")
    gone = await wire.call("DELETE", path, params=params)
    gone.expect_error(404, "not found", "unable to find DBRP")


async def test_create_validation_in_order(wire: Wire) -> None:
    """Section 11.4 create, first failure wins: JSON, org, bucket ID, names, bucket."""
    empty = await wire.call("POST", DBRPS, data=b"")
    empty.expect_error(400, "invalid", "invalid json structure: EOF")
    typed = await wire.call("POST", DBRPS, json_body={"database": 1})
    typed.expect_error(
        400,
        "invalid",
        "invalid json structure: json: cannot unmarshal number into Go struct field "
        "createDBRPRequest.database of type string",
    )
    no_org = await wire.call("POST", DBRPS, json_body={"database": "d"})
    no_org.expect_error(400, "invalid", "either 'org' or 'orgID' must be provided")
    no_bucket = await wire.call("POST", DBRPS, json_body={"orgID": wire.emu.org_id})
    no_bucket.expect_error(
        400, "invalid", 'invalid bucket ID "": id must have a length of 16 bytes'
    )
    for fields, name in (({"database": ""}, "database"), ({"database": "d"}, "retentionPolicy")):
        reply = await _create(wire, **fields)
        reply.expect_error(400, "invalid", f"DBRP provided is invalid: {name} {NAME_RULE}")
    spaced = await _create(wire, database="with space", retention_policy="a.b")
    assert spaced.status == 201  # the rule is looser than its message
    unknown = await _create(wire, database="d", retention_policy="r", bucketID="0000000000000001")
    unknown.expect_error(404, "not found", "bucket not found")


async def test_list_filters(wire: Wire) -> None:
    """Section 11.4: id, bucketID, db, rp and default filter; bad values are 400; an
    unknown bucketID gives the physical matches only."""
    mapping = (await _create(wire, database="d", retention_policy="r")).json()
    nested = wire.emu.create_bucket("x/y")
    assert await _list(wire, id=mapping["id"]) == [mapping]
    assert await _list(wire, rp="r") == [mapping]
    assert await _list(wire, default="false") == [_virtual(wire, nested, "x", "y", default=False)]
    assert await _list(wire, bucketID=nested) == [_virtual(wire, nested, "x", "y", default=False)]
    assert await _list(wire, bucketID="0000000000000001") == []
    for key, message in (
        ("id", 'invalid DBRP ID "x": id must have a length of 16 bytes'),
        ("bucketID", 'invalid bucket ID "x": id must have a length of 16 bytes'),
        ("default", "invalid default parameter"),
    ):
        reply = await wire.call("GET", DBRPS, params={"orgID": wire.emu.org_id, key: "x"})
        reply.expect_error(400, "invalid", message)


async def test_patch_and_delete_defaults(wire: Wire) -> None:
    """Section 11.4: PATCH default false on a db's only mapping answers false but it stays
    the default; deleting the default hands it to the lowest remaining ID."""
    one = (await _create(wire, database="d", retention_policy="one")).json()
    two = (await _create(wire, database="d", retention_policy="two")).json()
    params = {"orgID": wire.emu.org_id}
    patched = await wire.call(
        "PATCH", f"{DBRPS}/{two['id']}", params=params, json_body={"default": True}
    )
    assert patched.json()["content"]["default"] is True
    await wire.call("DELETE", f"{DBRPS}/{two['id']}", params=params)
    assert [m["default"] for m in await _list(wire, db="d")] == [True]
    only = await wire.call(
        "PATCH", f"{DBRPS}/{one['id']}", params=params, json_body={"default": False}
    )
    assert only.json()["content"]["default"] is False
    assert [m["default"] for m in await _list(wire, db="d")] == [True]
    bad = await wire.call("PATCH", f"{DBRPS}/{one['id']}", params=params, json_body={"default": 1})
    bad.expect_error(
        400,
        "invalid",
        "invalid json structure: json: cannot unmarshal number into Go struct field "
        ".default of type bool",
    )


async def test_wrong_method_and_unknown_sub_path(wire: Wire) -> None:
    """Section 11.4: a wrong method is an empty 405, an unknown sub-path a text 404."""
    put = await wire.call("PUT", f"{DBRPS}/0123456789abcdef")
    assert (put.status, put.body) == (405, b"")
    deep = await wire.call("GET", f"{DBRPS}/0123456789abcdef/x")
    assert (deep.status, deep.body) == (404, b"404 page not found\n")


async def test_v1_credentials_cannot_call_the_dbrp_api(wire: Wire) -> None:
    """Section 11.4: v2 tokens only; a legacy username/password (Basic) gets 401."""
    await wire.emu.create_legacy_authorization("grafana", password="grafana-password")
    basic = "Basic " + base64.b64encode(b"grafana:grafana-password").decode()
    reply = await wire.call("GET", DBRPS, params={"orgID": wire.emu.org_id}, authorization=basic)
    reply.expect_error(401, "unauthorized", "unauthorized access", compact=True)


async def test_seeded_mappings_and_bucket_deletion(wire: Wire) -> None:
    """Seeding: create_dbrp makes a physical mapping; deleting its bucket deletes it."""
    emu = wire.emu
    bucket = emu.create_bucket("telegraf-raw")
    mapping = emu.create_dbrp("telegraf", bucket, retention_policy="raw")
    assert (mapping.database, mapping.default, mapping.virtual) == ("telegraf", True, False)
    assert [m.id for m in emu.dbrp_mappings() if not m.virtual] == [mapping.id]
    emu.delete_bucket(bucket)
    assert [m for m in emu.dbrp_mappings() if not m.virtual] == []


async def test_patch_and_delete_with_a_virtual_id(wire: Wire) -> None:
    """Section 11.4, as influxd 2.7.12 does it (the spec says "nothing changes"): a PATCH on
    a bucket's ID stores a record only GET by ID shows, and takes the db's default; a
    DELETE of it hands the default to the lowest stored ID of the db."""
    emu = wire.emu
    bucket = emu.buckets["my-bucket"]
    params = {"orgID": emu.org_id}
    first = (await _create(wire, database="my-bucket", retention_policy="a")).json()
    second = (await _create(wire, database="my-bucket", retention_policy="b", default=True)).json()

    async def defaults() -> list[tuple[str, bool, bool]]:
        listed = await _list(wire, db="my-bucket")
        return [(m["retention_policy"], m["default"], m["virtual"]) for m in listed]

    assert await defaults() == [("a", False, False), ("b", True, False), ("autogen", False, True)]
    deleted = await wire.call("DELETE", f"{DBRPS}/{bucket}", params=params)
    assert deleted.status == 204
    assert await defaults() == [("a", True, False), ("b", False, False), ("autogen", False, True)]
    patched = await wire.call(
        "PATCH", f"{DBRPS}/{bucket}", params=params, json_body={"retention_policy": "zz"}
    )
    assert patched.json()["content"] == {**_virtual(wire, bucket, "my-bucket", "zz", default=True)}
    # The stored record shows by ID; lists still compute the virtual mapping, which now
    # holds the default (the physical ones lost it).
    got = await wire.call("GET", f"{DBRPS}/{bucket}", params=params)
    assert got.json()["content"]["retention_policy"] == "zz"
    assert await defaults() == [("a", False, False), ("b", False, False), ("autogen", True, True)]
    assert {first["id"], second["id"]} == {m["id"] for m in await _list(wire, db="my-bucket")} - {
        bucket
    }
