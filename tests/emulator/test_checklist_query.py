"""``/query`` on the wire: spec sections 12 and 16, checklist part 2, items 31-41 and 57.

Each test names its checklist item. Expected bytes were checked against influxd 2.7.12.
The emulator stores no data, so every statement that would read points answers empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from aioinflux_legacyauth.emulator import permission

if TYPE_CHECKING:
    from tests.emulator.conftest import Reply, Wire

JSON_NO_CHARSET = "application/json"


async def _query(wire: Wire, q: str | None, **options: Any) -> Reply:
    params = dict(options.pop("params", {}))
    if q is not None:
        params["q"] = q
    method = options.pop("method", "GET")
    return await wire.call(method, "/query", params=params, **options)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH"])
async def test_the_method_is_never_checked(wire: Wire, method: str) -> None:
    """Checklist 31: any method runs the query."""
    reply = await _query(wire, 'SHOW RETENTION POLICIES ON "my-bucket"', method=method)
    assert reply.status == 200
    assert reply.json()["results"][0]["series"][0]["values"] == [
        ["autogen", "0s", "168h0m0s", 1, True]
    ]


async def test_empty_q_without_content_type_is_400_and_with_one_200_empty(wire: Wire) -> None:
    """Checklist 31: no q and no Content-Type: 400 'mime: no media type'; with any other
    Content-Type: 200 '{}' plus newline; a bad Content-Type: Go's mime error."""
    reply = await _query(wire, None)
    reply.expect_error(400, "invalid", "mime: no media type", compact=True)
    blank = await _query(wire, "   ")
    blank.expect_error(400, "invalid", "mime: no media type", compact=True)
    plain = await _query(wire, None, method="POST", headers={"Content-Type": "text/plain"})
    assert (plain.status, plain.text) == (200, "{}\n")
    bad = await _query(wire, None, method="POST", headers={"Content-Type": "text"})
    assert (bad.status, bad.text) == (200, "{}\n")
    broken = await _query(wire, None, method="POST", headers={"Content-Type": "text/"})
    broken.expect_error(400, "invalid", "mime: expected token after slash", compact=True)


async def test_the_query_in_a_form_or_an_influxql_body(wire: Wire) -> None:
    """Section 12.1: q from a form body (which wins over the URL) or the whole body with
    Content-Type application/vnd.influxql."""
    form = await wire.call(
        "POST",
        "/query",
        params={"q": "SHOW USERS"},
        data="q=SHOW+DATABASES",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.json()["results"][0]["series"][0]["name"] == "databases"
    body = await wire.call(
        "POST",
        "/query",
        data="SHOW DATABASES",
        headers={"Content-Type": "application/vnd.influxql"},
    )
    assert body.json()["results"][0]["series"][0]["name"] == "databases"


async def test_a_syntax_error_is_400_and_nothing_runs(wire: Wire) -> None:
    """Checklist 32: one syntax error refuses the whole request, compact, whatever Accept."""
    expected = (
        "failed to parse query: found SELEC, expected SELECT, DELETE, SHOW, CREATE, DROP, "
        "EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL at line 1, char 1"
    )
    for accept in ("application/json", "application/csv", "application/x-msgpack"):
        reply = await _query(wire, "SELEC 1", headers={"Accept": accept})
        reply.expect_error(400, "invalid", expected, compact=True)
    later = await _query(wire, "SHOW DATABASES; SHOW NONSENSE")
    assert later.status == 400
    assert later.json()["message"].startswith("failed to parse query: found NONSENSE, expected")


async def test_json_is_compact_with_a_newline_and_no_charset(wire: Wire) -> None:
    """Checklist 33: Content-Type application/json (no charset), compact, ends in \\n."""
    reply = await _query(wire, 'SHOW RETENTION POLICIES ON "my-bucket"')
    assert reply.headers["Content-Type"] == JSON_NO_CHARSET
    assert reply.text == (
        '{"results":[{"statement_id":0,"series":[{"columns":["name","duration",'
        '"shardGroupDuration","replicaN","default"],"values":[["autogen","0s","168h0m0s",1,'
        "true]]}]}]}\n"
    )


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/csv", "application/csv"),
        ("text/csv", "text/csv"),
        ("application/x-msgpack", "application/x-msgpack"),
        ("*/*", JSON_NO_CHARSET),
        ("text/csv; charset=utf-8", JSON_NO_CHARSET),
        ("application/json, text/csv", JSON_NO_CHARSET),
        ("", JSON_NO_CHARSET),
    ],
)
async def test_accept_is_matched_exactly(wire: Wire, accept: str, content_type: str) -> None:
    """Checklist 34: only the exact values pick CSV or MessagePack."""
    headers = {"Accept": accept} if accept else {}
    reply = await _query(wire, "SHOW DATABASES", headers=headers)
    assert reply.headers["Content-Type"] == content_type


async def test_csv_body(wire: Wire) -> None:
    """Checklist 34: CSV: a header per statement, a blank line between statements, the
    replicaN cell keeping the header's text (Go's int is not a case of the formatter),
    failed statements skipped."""
    reply = await _query(
        wire,
        'SHOW RETENTION POLICIES ON "my-bucket"; SHOW DATABASES',
        headers={"Accept": "application/csv"},
    )
    assert reply.text == (
        "name,tags,name,duration,shardGroupDuration,replicaN,default\n"
        ",,autogen,0s,168h0m0s,replicaN,true\n"
        "\n"
        "name,tags,name\n"
        "databases,,_monitoring\n"
        "databases,,_tasks\n"
        "databases,,my-bucket\n"
        "databases,,other-bucket\n"
    )
    failed = await _query(wire, "CREATE DATABASE x", headers={"Accept": "text/csv"})
    assert (failed.status, failed.body) == (200, b"")


async def test_msgpack_body(wire: Wire) -> None:
    """Checklist 34: MessagePack: {results:[...]}, series always, an error result is just
    {error: ...}."""
    reply = await _query(
        wire,
        'SHOW RETENTION POLICIES ON "my-bucket"; CREATE DATABASE x',
        headers={"Accept": "application/x-msgpack"},
    )

    def text(value: str) -> bytes:
        data = value.encode()
        return (bytes([0xA0 | len(data)]) if len(data) < 32 else bytes([0xD9, len(data)])) + data

    columns = ["name", "duration", "shardGroupDuration", "replicaN", "default"]
    expected = (
        b"\x81" + text("results") + b"\x92"
        + b"\x82" + text("statement_id") + b"\x00" + text("series") + b"\x91"
        + b"\x82" + text("columns") + b"\x95" + b"".join(text(c) for c in columns)
        + text("values") + b"\x91\x95" + text("autogen") + text("0s") + text("168h0m0s")
        + b"\x01\xc3"
        + b"\x81" + text("error") + text("not implemented: CREATE DATABASE")
    )  # fmt: skip
    assert reply.body == expected


async def test_show_databases_lists_what_the_credential_may_read(wire: Wire) -> None:
    """Checklist 35: distinct visible databases in a 'databases' series; with none,
    'values' is omitted (a write-only credential sees none)."""
    emu = wire.emu
    mine = emu.buckets["my-bucket"]
    emu.create_dbrp("my-bucket", mine, retention_policy="weekly")
    reply = await _query(wire, "SHOW DATABASES")
    values = reply.json()["results"][0]["series"][0]["values"]
    assert values == [["my-bucket"], ["_monitoring"], ["_tasks"], ["other-bucket"]]
    write_only = emu.mint_token([permission("write", "buckets", id=mine, org_id=emu.org_id)])
    none = await _query(wire, "SHOW DATABASES", token=write_only)
    assert none.text == (
        '{"results":[{"statement_id":0,"series":[{"name":"databases","columns":["name"]}]}]}\n'
    )


async def test_show_retention_policies(wire: Wire) -> None:
    """Checklist 36: one row per visible mapping with constant durations and replicaN, in
    an unnamed series; an unknown db gives no rows and no error; no db is an error."""
    emu = wire.emu
    emu.create_dbrp("my-bucket", emu.buckets["other-bucket"], retention_policy="long")
    reply = await _query(wire, "SHOW RETENTION POLICIES", params={"db": "my-bucket"})
    series = reply.json()["results"][0]["series"][0]
    assert "name" not in series
    assert series["values"] == [
        ["long", "0s", "168h0m0s", 1, True],
        ["autogen", "0s", "168h0m0s", 1, False],
    ]
    unknown = await _query(wire, "SHOW RETENTION POLICIES ON nowhere")
    assert unknown.json() == {
        "results": [
            {
                "statement_id": 0,
                "series": [
                    {"columns": ["name", "duration", "shardGroupDuration", "replicaN", "default"]}
                ],
            }
        ]
    }
    missing = await _query(wire, "SHOW RETENTION POLICIES")
    assert missing.json() == {"results": [{"statement_id": 0, "error": "database name required"}]}


@pytest.mark.parametrize(
    ("statement", "op"),
    [
        ("CREATE DATABASE x", "CREATE DATABASE"),
        ("CREATE DATABASE x WITH DURATION 1d NAME weekly", "CREATE DATABASE"),
        ("DROP DATABASE x", "DROP DATABASE"),
        ("CREATE USER bob WITH PASSWORD 'secret-pw'", "CREATE USER"),
        ("DROP USER bob", "DROP USER"),
        ("SET PASSWORD FOR bob = 'secret-pw'", "SET PASSWORD"),
        ("GRANT READ ON x TO bob", "GRANT"),
        ("GRANT ALL TO bob", "GRANT ALL"),
        ("REVOKE WRITE ON x FROM bob", "REVOKE"),
        ("REVOKE ALL PRIVILEGES FROM bob", "REVOKE ALL"),
        ("SHOW USERS", "SHOW USERS"),
        ("SHOW GRANTS FOR bob", "SHOW GRANTS"),
        ("CREATE RETENTION POLICY rp ON x DURATION 1d REPLICATION 1", "CREATE RETENTION POLICY"),
        ("ALTER RETENTION POLICY rp ON x DEFAULT", "ALTER RETENTION POLICY"),
        ("DROP RETENTION POLICY rp ON x", "DROP RETENTION POLICY"),
        ("DROP CONTINUOUS QUERY cq ON x", "DROP CONTINUOUS QUERY"),
        ("SHOW CONTINUOUS QUERIES", "SHOW CONTINUOUS QUERIES"),
        ("CREATE SUBSCRIPTION s ON x.rp DESTINATIONS ALL 'udp://h:1'", "CREATE SUBSCRIPTION"),
        ("DROP SUBSCRIPTION s ON x.rp", "DROP SUBSCRIPTION"),
        ("SHOW SUBSCRIPTIONS", "SHOW SUBSCRIPTIONS"),
        ('DROP SERIES FROM "cpu"', "DROP SERIES"),
        ("DROP SHARD 1", "DROP SHARD"),
        ("SHOW SHARDS", "SHOW SHARDS"),
        ("SHOW SHARD GROUPS", "SHOW SHARD GROUPS"),
        ("SHOW STATS", "SHOW STATS"),
        ("SHOW DIAGNOSTICS", "SHOW DIAGNOSTICS"),
        ('SHOW MEASUREMENT CARDINALITY ON "my-bucket"', "SHOW MEASUREMENT CARDINALITY"),
        ('SHOW SERIES CARDINALITY ON "my-bucket"', "SHOW SERIES CARDINALITY"),
        ("SHOW QUERIES", "SHOW QUERIES"),
        ("KILL QUERY 12", "SHOW QUERIES"),
    ],
)
async def test_unsupported_statements_are_not_implemented(
    wire: Wire, statement: str, op: str
) -> None:
    """Checklist 37: HTTP 200, and results[0].error 'not implemented: <OP>'."""
    reply = await _query(wire, statement)
    assert reply.status == 200
    assert reply.json() == {"results": [{"statement_id": 0, "error": f"not implemented: {op}"}]}


async def test_select_on_an_unreadable_or_unknown_db(wire: Wire) -> None:
    """Checklist 38: 'database not found: <db>' for an unknown db and an invisible one."""
    emu = wire.emu
    token = emu.mint_token(
        [permission("read", "buckets", id=emu.buckets["my-bucket"], org_id=emu.org_id)]
    )
    for database in ("nowhere", "other-bucket"):
        q = f'SELECT * FROM "{database}"..cpu'  # noqa: S608 - InfluxQL for the emulator
        reply = await _query(wire, q, token=token)
        assert reply.json() == {
            "results": [{"statement_id": 0, "error": f"database not found: {database}"}]
        }


async def test_name_resolution_errors(wire: Wire) -> None:
    """Section 11.5: db from FROM, else the db parameter, else required; rp from FROM,
    else the rp parameter, else the db's default; a missing pair 'retention policy not
    found'."""
    wire.emu.create_bucket("pairs/a")
    cases = {
        "SELECT * FROM cpu": "database name required",
        "SELECT * FROM pairs..cpu": "default retention policy not set for: pairs",
        'SELECT * FROM "my-bucket".nope.cpu': "retention policy not found: nope",
    }
    for q, error in cases.items():
        reply = await _query(wire, q)
        assert reply.json() == {"results": [{"statement_id": 0, "error": error}]}, q
    by_params = await _query(wire, "SELECT * FROM cpu", params={"db": "pairs", "rp": "a"})
    assert by_params.json() == {"results": [{"statement_id": 0}]}


async def test_select_with_no_rows(wire: Wire) -> None:
    """Checklist 39: a readable SELECT answers {"results":[{"statement_id":0}]}."""
    reply = await _query(
        wire,
        'SELECT mean("value") FROM "my-bucket"."autogen"."cpu" WHERE time > now() - 1h '
        "GROUP BY time(1m) fill(null)",
    )
    assert reply.text == '{"results":[{"statement_id":0}]}\n'
    for q in (
        'SHOW MEASUREMENTS ON "my-bucket"',
        'SHOW TAG KEYS ON "my-bucket"',
        'SHOW TAG VALUES ON "my-bucket" WITH KEY = host',
        'SHOW FIELD KEYS ON "my-bucket"',
        'SHOW SERIES ON "my-bucket"',
        'SHOW SERIES EXACT CARDINALITY ON "my-bucket"',
    ):
        assert (await _query(wire, q)).json() == {"results": [{"statement_id": 0}]}, q


@pytest.mark.parametrize("epoch", ["h", "m", "s", "ms", "u", "ns", "n", "bogus", ""])
async def test_epoch_is_accepted(wire: Wire, epoch: str) -> None:
    """Checklist 40: epoch changes only how times are written; with no stored points no
    time column is ever returned, so every value is accepted and nothing else changes."""
    reply = await _query(wire, 'SELECT * FROM "my-bucket"..cpu', params={"epoch": epoch})
    assert reply.text == '{"results":[{"statement_id":0}]}\n'


async def test_a_failure_before_the_last_statement_hides_its_error(wire: Wire) -> None:
    """Checklist 41: failure at k < n-1: results 0..k-1, then {k, "not executed"}; at the
    last statement the real error shows; chunked shows both."""
    q = 'SHOW DATABASES; CREATE DATABASE x; SHOW RETENTION POLICIES ON "my-bucket"'
    reply = await _query(wire, q)
    results = reply.json()["results"]
    assert [r["statement_id"] for r in results] == [0, 1]
    assert results[1] == {"statement_id": 1, "error": "not executed"}
    last = await _query(wire, "SHOW DATABASES; CREATE DATABASE x")
    assert last.json()["results"][1] == {
        "statement_id": 1,
        "error": "not implemented: CREATE DATABASE",
    }
    chunked = await _query(wire, q + "; SHOW DATABASES", params={"chunked": "true"})
    assert chunked.text.splitlines()[1:] == [
        '{"results":[{"statement_id":1,"error":"not implemented: CREATE DATABASE"}]}',
        '{"results":[{"statement_id":1,"error":"not executed"}]}',
        '{"results":[{"statement_id":1,"error":"not executed"}]}',
    ]


async def test_errors_that_do_not_stop_the_query(wire: Wire) -> None:
    """Section 12.4: 'insufficient permissions' and SHOW MEASUREMENTS ON * are results."""
    emu = wire.emu
    reader = emu.mint_token(
        [permission("read", "buckets", id=emu.buckets["my-bucket"], org_id=emu.org_id)]
    )
    reply = await _query(
        wire,
        "DROP MEASUREMENT cpu; SHOW MEASUREMENTS ON *",
        params={"db": "my-bucket"},
        token=reader,
    )
    assert reply.json() == {
        "results": [
            {"statement_id": 0, "error": "insufficient permissions"},
            {
                "statement_id": 1,
                "error": "query 'SHOW MEASUREMENTS ON *' not supported. use 'ON *.*' or "
                "specify a database",
            },
        ]
    }
    # With write rights, DROP MEASUREMENT and DELETE succeed and send no result at all.
    done = await _query(wire, "DROP MEASUREMENT cpu; DELETE FROM cpu", params={"db": "my-bucket"})
    assert done.text == "{}\n"


async def test_system_sources_and_select_into(wire: Wire) -> None:
    """Section 12.3: system sources are refused by name; SELECT INTO is not implemented."""
    system = await _query(wire, 'SELECT * FROM "my-bucket".._fieldKeys')
    assert system.json()["results"][0]["error"] == (
        "unable to use system source '_fieldKeys': use SHOW FIELD KEYS instead"
    )
    into = await _query(wire, 'SELECT * INTO "my-bucket"..copy FROM "my-bucket"..cpu')
    assert into.json()["results"][0]["error"] == "not implemented: SELECT INTO"
    explain = await _query(wire, 'EXPLAIN SELECT * FROM "my-bucket"..cpu')
    assert explain.json()["results"][0]["series"] == [{"columns": ["QUERY PLAN"], "values": [[""]]}]


async def test_bound_parameters(wire: Wire) -> None:
    """Section 12.1: params binds $names; a bad params value is a 400."""
    ok = await _query(
        wire,
        "SHOW RETENTION POLICIES ON $db",
        params={"params": '{"db": {"identifier": "my-bucket"}}'},
    )
    assert ok.json()["results"][0]["series"][0]["values"][0][0] == "autogen"
    bad = await _query(wire, "SHOW DATABASES", params={"params": "[1]"})
    bad.expect_error(
        400,
        "invalid",
        "error parsing query parameters: json: cannot unmarshal array into Go value of type "
        "map[string]interface {}",
        compact=True,
    )
    number = await _query(wire, "SHOW DATABASES", params={"params": '{"x": 1e5}'})
    number.expect_error(
        400,
        "invalid",
        'error parsing json value: strconv.ParseInt: parsing "1e5": invalid syntax',
        compact=True,
    )
    missing = await _query(wire, "SELECT * FROM cpu WHERE a = $nope")
    assert missing.json()["message"] == "failed to parse query: missing parameter: nope"


@pytest.mark.parametrize("scheme", ["Bearer", "token", "TOKEN"])
async def test_bearer_and_lowercase_token_schemes_are_refused(wire: Wire, scheme: str) -> None:
    """Checklist 57: on /query and /write the scheme word must be exactly 'Token'."""
    for method, path in (("GET", "/query?q=SHOW+DATABASES"), ("POST", "/write?db=my-bucket")):
        reply = await wire.call(method, path, authorization=f"{scheme} {wire.emu.token}")
        reply.expect_error(401, "unauthorized", "unauthorized access", compact=True)
        assert "Vary" not in reply.headers
    exact = await wire.call(
        "GET", "/query?q=SHOW+DATABASES", authorization=f"Token {wire.emu.token}"
    )
    assert exact.status == 200


@pytest.mark.parametrize(
    ("q", "error"),
    [
        ('SHOW SERIES ON "my-bucket" WHERE time > 0', None),
        (
            'SHOW MEASUREMENTS ON "my-bucket" WHERE time > 0',
            "SHOW MEASUREMENTS doesn't support time in WHERE clause",
        ),
        (
            'SHOW MEASUREMENTS ON *."autogen"',
            "query 'SHOW MEASUREMENTS ON *.rp' not supported. use 'ON *.*' or specify a database",
        ),
        ("SHOW MEASUREMENTS ON *.*", None),
        (
            'SHOW MEASUREMENT EXACT CARDINALITY ON "my-bucket" WHERE time > 0',
            "SHOW MEASUREMENT EXACT CARDINALITY doesn't support time in WHERE clause",
        ),
        (
            'SHOW SERIES EXACT CARDINALITY ON "my-bucket" WHERE time > 0',
            "SHOW SERIES EXACT CARDINALITY doesn't support time in WHERE clause",
        ),
        (
            'SHOW TAG KEY CARDINALITY ON "my-bucket" WHERE time > 0',
            "SHOW TAG KEY EXACT CARDINALITY doesn't support time in WHERE clause",
        ),
        (
            'SHOW FIELD KEY CARDINALITY ON "my-bucket" WHERE time > 0',
            "SHOW FIELD KEY CARDINALITY doesn't support time in WHERE clause",
        ),
        ('SHOW TAG VALUES CARDINALITY ON "my-bucket" WITH KEY = host WHERE time > 0', None),
        ('SHOW FIELD KEY CARDINALITY ON "my-bucket"', None),
        ('SHOW MEASUREMENT CARDINALITY ON "my-bucket" FROM cpu', None),
        ("SHOW TAG KEYS", "database name required"),
        ("SHOW TAG VALUES WITH KEY = host", "database name required"),
        ("SHOW TAG KEYS ON nowhere", "default retention policy not set for: nowhere"),
        ("SHOW MEASUREMENTS", "database name required"),
        ('SELECT * FROM (SELECT * FROM "my-bucket".nope.cpu)', "retention policy not found: nope"),
        ('SELECT * FROM (SELECT * FROM "my-bucket"..cpu)', None),
        ('SELECT * FROM "my-bucket"../c.*/', None),
        ('EXPLAIN SELECT * FROM "my-bucket".nope.cpu', "retention policy not found: nope"),
        (
            "CREATE CONTINUOUS QUERY cq ON nowhere BEGIN SELECT mean(v) INTO m FROM cpu "
            "GROUP BY time(1m) END",
            "database not found: nowhere",
        ),
    ],
)
async def test_statement_rewrites_and_normalization(wire: Wire, q: str, error: str | None) -> None:
    """Section 12.3: SHOW statements rewritten to SELECTs over system iterators, their
    time checks, and the normalization of every measurement they name (subqueries too)."""
    result = (await _query(wire, q)).json()["results"][0]
    assert result.get("error") == error
    if error is None:
        assert result == {"statement_id": 0}


async def test_explain_analyze_and_chunked_formats(wire: Wire) -> None:
    """EXPLAIN ANALYZE prints a trace tree; chunked CSV and MessagePack write one response
    per result (CSV keeps its header state across them)."""
    analyze = await _query(wire, 'EXPLAIN ANALYZE SELECT * FROM "my-bucket"..cpu')
    (series,) = analyze.json()["results"][0]["series"]
    assert series["columns"] == ["EXPLAIN ANALYZE"]
    assert [line[0].split(":")[0] for line in series["values"]] == [
        ".",
        "└── select",
        "    ├── execution_time",
        "    ├── planning_time",
        "    └── total_time",
        "",
    ]
    q = 'SHOW RETENTION POLICIES ON "my-bucket"; SHOW RETENTION POLICIES ON "other-bucket"'
    csv = await _query(wire, q, params={"chunked": "true"}, headers={"Accept": "text/csv"})
    assert csv.text.count("name,tags,name,duration") == 2
    packed = await _query(
        wire, q, params={"chunked": "true"}, headers={"Accept": "application/x-msgpack"}
    )
    assert packed.body.count(b"\x81\xa7results\x91") == 2


async def test_multipart_forms(wire: Wire) -> None:
    """Section 12.1: q from a multipart form; a multipart form without q is an empty query;
    a file part named q is a 500 (the server opens a path on its own disk)."""
    form = aiohttp.FormData()
    form.add_field("q", "SHOW DATABASES")
    reply = await wire.call("POST", "/query", data=form)
    assert reply.json()["results"][0]["series"][0]["name"] == "databases"
    other = aiohttp.FormData()
    other.add_field("x", "1")
    empty = await wire.call("POST", "/query", data=other)
    assert (empty.status, empty.text) == (200, "{}\n")
    upload = aiohttp.FormData()
    upload.add_field("q", b"SHOW DATABASES", filename="query.txt")
    refused = await wire.call("POST", "/query", data=upload)
    refused.expect_error(
        500, "internal error", "An internal error has occurred - check server logs", compact=True
    )


async def test_a_deleted_org_is_404(wire: Wire) -> None:
    """Section 12.1 step 2: the credential's org is looked up first."""
    emu = wire.emu
    org = emu.create_org("doomed")
    token = emu.mint_token([permission("read", "buckets", org_id=org)], org_id=org)
    emu.store.delete_org(org)
    reply = await _query(wire, "SHOW DATABASES", token=token)
    reply.expect_error(404, "not found", "organization not found", compact=True)
