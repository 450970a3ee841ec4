"""The differential test's rules for the v1 data plane: ``/api/v2/dbrps``, InfluxQL on
``/query`` and ``/write``, with v1 credentials of every kind of access.

The emulator stores no points and a real server does, so anything that reads data
(``SELECT``, ``SHOW MEASUREMENTS`` ...) only ever names ``quiet-bucket`` or databases that
do not exist: no rule writes to ``quiet-bucket`` or maps another database name onto it,
so both servers hold nothing there and must answer alike.
"""

from __future__ import annotations

import gzip
import urllib.parse
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from aioinflux_legacyauth import Permission
from aioinflux_legacyauth.emulator import permission
from tests.realserver.wirediff import Basic, Req, Sym

__all__ = ["QUIET_BUCKET", "V1_PASSWORD", "DataPlaneRules", "v1_credentials"]

QUIET_BUCKET = "quiet-bucket"
V1_PASSWORD = "seeded-v1-password"
DBRPS = "/api/v2/dbrps"
ORG, OTHER_ORG = Sym("org:my-org"), Sym("org:other-org")
UNKNOWN = "0123456789abcdef"
BAD_IDS = ["abc", "zzzzzzzzzzzzzzzz", "0000000000000000"]
MY_BUCKET, OTHER_BUCKET = Sym("bucket:my-bucket"), Sym("bucket:other-bucket")
QUIET, ELSEWHERE = Sym(f"bucket:{QUIET_BUCKET}"), Sym("bucket:elsewhere")


def v1_credentials(
    org_id: str, buckets: Mapping[str, str]
) -> dict[str, tuple[list[Permission], bool]]:
    """The seeded v1 credentials: username to (permissions, active)."""

    def on(action: str, *names: str) -> list[Permission]:
        return [permission(action, "buckets", id=buckets[n], org_id=org_id) for n in names]

    return {
        "v1-reader": (on("read", "my-bucket", QUIET_BUCKET), True),
        "v1-writer": (on("write", "my-bucket", "other-bucket"), True),
        "v1-both": ([*on("read", "my-bucket", QUIET_BUCKET), *on("write", "my-bucket")], True),
        "v1-nothing": ([permission("read", "dashboards", org_id=org_id)], True),
        "v1-inactive": (on("read", "my-bucket"), False),
    }


# Who calls the data plane: a seeded v1 username, a v2 token, or nobody in particular.
V1_CALLERS = ["v1-reader", "v1-writer", "v1-both", "v1-nothing", "v1-inactive"]
TOKEN_CALLERS = ["operator", "buckets-reader", "buckets-writer", "inactive"]
DBRP_CALLERS = [
    *["operator"] * 3,
    "buckets-reader",
    "buckets-writer",
    "reader",
    "all-access",
    "inactive",
    "none",
    "garbage",
    "v1-basic",
]

# Statements whose answer does not depend on stored points: any database.
META_STATEMENTS = [
    "SHOW DATABASES",
    "show databases",
    "SHOW RETENTION POLICIES",
    'SHOW RETENTION POLICIES ON "my-bucket"',
    "SHOW RETENTION POLICIES ON telegraf",
    "SHOW RETENTION POLICIES ON nope",
    "CREATE DATABASE newdb",
    'DROP DATABASE "my-bucket"',
    "CREATE USER bob WITH PASSWORD 'long-enough-pw'",
    "SHOW USERS",
    "GRANT ALL TO bob",
    "CREATE RETENTION POLICY weekly ON telegraf DURATION 7d REPLICATION 1",
    "SHOW CONTINUOUS QUERIES",
    "SHOW SHARDS",
    "KILL QUERY 1",
    "SELEC * FROM cpu",
    "SHOW",
    "SELECT",
    "SHOW DATABASES;",
    "SHOW DATABASES WHERE x = 1",
    "'unterminated",
    "",
    "  ",
    'SHOW DATABASES; SHOW RETENTION POLICIES ON "my-bucket"',
    "SHOW DATABASES; CREATE DATABASE x; SHOW DATABASES",
    "CREATE DATABASE x; SHOW DATABASES",
    "SHOW DATABASES; SHOW RETENTION POLICIES ON nope; SELEC",
]
# Statements that read (or delete) points: only quiet databases.
DATA_STATEMENTS = [
    "SELECT * FROM cpu",
    "SELECT mean(value) FROM cpu WHERE time > now() - 1h GROUP BY time(10m)",
    'SELECT * FROM "quiet-bucket"."autogen"."cpu"',
    'SELECT * FROM "quiet-bucket"..cpu',
    'SELECT * FROM "nope".."cpu"',
    "SELECT * INTO other FROM cpu",
    "SELECT * FROM _fieldKeys",
    "SHOW MEASUREMENTS",
    'SHOW MEASUREMENTS ON "quiet-bucket"',
    "SHOW MEASUREMENTS WHERE time > now() - 1h",
    "SHOW TAG KEYS",
    "SHOW TAG VALUES WITH KEY = host",
    "SHOW FIELD KEYS",
    "SHOW SERIES",
    "SHOW MEASUREMENT CARDINALITY",
    "EXPLAIN SELECT * FROM cpu",
    "DELETE FROM cpu",
    "DROP MEASUREMENT cpu",
    "DROP SERIES FROM cpu",
    "SELECT * FROM cpu; SHOW DATABASES",
    "SHOW DATABASES; SELECT * FROM cpu; SHOW MEASUREMENTS",
]
ALL_DATABASES = [None, "my-bucket", "other-bucket", "telegraf", QUIET_BUCKET, "nope", "_monitoring"]
QUIET_DATABASES = [None, QUIET_BUCKET, "nope", "elsewhere"]
# Never QUIET_BUCKET: nothing is ever written there.
WRITE_DATABASES = [None, *["my-bucket"] * 4, "other-bucket", "telegraf", "telegraf", "nope"]
DBRP_OTHER_ROUTES = [
    ("PUT", (DBRPS,)),
    ("DELETE", (DBRPS,)),
    ("PATCH", (DBRPS,)),
    ("HEAD", (DBRPS,)),
    ("GET", (DBRPS, "/")),
    ("POST", (DBRPS, "/", "{id}")),
    ("PUT", (DBRPS, "/", "{id}")),
    ("GET", (DBRPS, "/", "{id}", "/x")),
]
WRITE_BODIES = [
    *[b""] * 2,
    b"\n\n# only a comment\n",
    *[b"cpu value=1"] * 2,
    b"cpu,host=a value=0.5,ok=true 1700000000000000000",
    b"cpu value=1\nmem free=2i",
    b"cpu",
    b"cpu value=",
    b"cpu value=1 notatime",
    b"cpu value=1\nbroken line here",
]


def _gzipped(body: bytes) -> bytes:
    return gzip.compress(body, mtime=0)


def _given(**parameters: str | None) -> tuple[tuple[str, str], ...]:
    """The URL parameters that have a value, in order."""
    return tuple((key, value) for key, value in parameters.items() if value is not None)


class DataPlaneRules(RuleBasedStateMachine):
    """The data-plane half of the differential machine (see ``Differential``)."""

    dbrps: list[str]

    def exchange(self, request: Req, *, created: str | None = None) -> int:
        raise NotImplementedError  # the machine's own, comparing both servers

    def caller_auth(self, caller: str) -> tuple[str | Sym, ...] | Basic | None:
        raise NotImplementedError  # the machine's own

    # --- who calls ------------------------------------------------------------------------

    def _v1_caller(self, data: st.DataObject) -> tuple[tuple[tuple[str, Any], ...], Any]:
        """A seeded v1 credential (as u/p or Basic), a v2 token, or a bad login."""
        who = data.draw(
            st.sampled_from([*V1_CALLERS * 2, *TOKEN_CALLERS, "nobody", "wrong-password"]),
            label="caller",
        )
        if who in TOKEN_CALLERS:
            token = Sym(f"token:{who}")
            how = data.draw(st.sampled_from(["Token", "u/p"]), label="scheme")
            if how == "Token":
                return (), ("Token ", token)
            return (("u", "anyone"), ("p", token)), None
        username = {"nobody": "nobody", "wrong-password": "v1-both"}.get(who, who)
        password = "not-the-password" if who == "wrong-password" else V1_PASSWORD
        if data.draw(st.booleans(), label="basic"):
            return (), Basic(username, password)
        return (("u", username), ("p", password)), None

    def _dbrp_target(self, data: st.DataObject) -> str | Sym:
        choices: list[str | Sym] = [*(Sym(name) for name in self.dbrps[-5:])] * 3
        choices += [Sym("dbrp:telegraf"), MY_BUCKET, QUIET, ELSEWHERE, UNKNOWN, *BAD_IDS]
        choice: str | Sym = data.draw(st.sampled_from(choices), label="dbrp id")
        return choice

    def _org_query(self, data: st.DataObject) -> tuple[tuple[str, str | Sym], ...]:
        org: tuple[tuple[str, str | Sym], ...] = data.draw(
            st.sampled_from(
                [
                    *[(("orgID", ORG),)] * 4,
                    (("org", "my-org"),),
                    (("orgID", OTHER_ORG),),
                    (("org", "nowhere"),),
                    (("orgID", "abc"),),
                    (("orgID", ""), ("org", "my-org")),
                    (),
                ]
            ),
            label="org",
        )
        return org

    # --- /api/v2/dbrps --------------------------------------------------------------------

    @rule(caller=st.sampled_from(DBRP_CALLERS), data=st.data())
    def dbrp_list(self, caller: str, data: st.DataObject) -> None:
        """GET the mappings with any filters (empty values, bad IDs, bad booleans)."""
        values: dict[str, list[str | Sym]] = {
            "id": [*(Sym(name) for name in self.dbrps), Sym("dbrp:telegraf"), MY_BUCKET],
            "bucketID": [MY_BUCKET, OTHER_BUCKET, QUIET, UNKNOWN, "abc", ""],
            "db": ["telegraf", "my-bucket", QUIET_BUCKET, "weekly-db", "nope", ""],
            "rp": ["autogen", "weekly", "nope", ""],
            "default": ["true", "false", "1", "yes", ""],
        }
        values["id"] += [UNKNOWN, "abc", ""]
        keys = data.draw(st.lists(st.sampled_from(sorted(values)), max_size=3), label="keys")
        query = self._org_query(data)
        query += tuple((key, data.draw(st.sampled_from(values[key]), label=key)) for key in keys)
        self.exchange(Req("GET", (DBRPS,), query, self.caller_auth(caller)))

    @rule(
        caller=st.sampled_from(DBRP_CALLERS),
        body=st.one_of(
            st.fixed_dictionaries(
                {
                    "database": st.sampled_from(
                        ["telegraf", "weekly-db", "weekly-db", "my-bucket", "", "a/b", "..", "a b"]
                    ),
                    "bucketID": st.sampled_from([MY_BUCKET, OTHER_BUCKET, ELSEWHERE, UNKNOWN]),
                },
                optional={
                    "retention_policy": st.sampled_from(["autogen", "weekly", "weekly", "", "a/b"]),
                    "default": st.sampled_from([True, False, "yes", None]),
                    "orgID": st.sampled_from([ORG, ORG, ORG, OTHER_ORG, UNKNOWN, "abc", ""]),
                    "org": st.sampled_from(["my-org", "nowhere"]),
                    "id": st.just(UNKNOWN),
                },
            ),
            st.fixed_dictionaries(
                {},
                optional={
                    "database": st.just("weekly-db"),
                    "orgID": st.sampled_from([ORG, "abc"]),
                    "bucketID": st.sampled_from(["abc", "", None]),
                },
            ),
            st.sampled_from([b"", b"{", b"[]", b"null", b'{"database": 1}']),
        ),
    )
    def dbrp_create(self, caller: str, body: object) -> None:
        """POST a mapping (never of ``quiet-bucket``, or naming it: it must stay empty)."""
        request = Req("POST", (DBRPS,), auth=self.caller_auth(caller), body=body)
        self.exchange(request, created="dbrp")

    @rule(
        caller=st.sampled_from(["operator", "operator", "buckets-writer", "all-access"]),
        body=st.fixed_dictionaries(
            {
                "database": st.sampled_from(["telegraf", "weekly-db", "my-bucket", "other db"]),
                "retention_policy": st.sampled_from(["autogen", "weekly", "raw"]),
                "bucketID": st.sampled_from([MY_BUCKET, OTHER_BUCKET]),
            },
            optional={"default": st.booleans(), "orgID": st.just(ORG), "org": st.just("my-org")},
        ),
    )
    def dbrp_create_valid(self, caller: str, body: dict[str, object]) -> None:
        """POST a mapping a caller may well be allowed to create (or that exists already)."""
        body.setdefault("orgID", ORG)
        self.dbrp_create(caller, body)

    @rule(caller=st.sampled_from(DBRP_CALLERS), slash=st.booleans(), data=st.data())
    def dbrp_get(self, caller: str, slash: bool, data: st.DataObject) -> None:
        """GET one mapping (a bucket ID finds its virtual one)."""
        path = (DBRPS, "/", self._dbrp_target(data), *(["/"] if slash else []))
        self.exchange(Req("GET", path, self._org_query(data), self.caller_auth(caller)))

    @rule(
        caller=st.sampled_from(DBRP_CALLERS),
        body=st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "retention_policy": st.sampled_from(["weekly", "autogen", "other", "", "a/b"]),
                    "default": st.sampled_from([True, False]),
                    "database": st.just("renamed"),
                },
            ),
            st.sampled_from([b"", b"{", b'{"default": "yes"}', b"[]"]),
        ),
        data=st.data(),
    )
    def dbrp_patch(self, caller: str, body: object, data: st.DataObject) -> None:
        """PATCH a mapping's retention policy and default."""
        path = (DBRPS, "/", self._dbrp_target(data))
        request = Req("PATCH", path, self._org_query(data), self.caller_auth(caller), body=body)
        self.exchange(request)

    @rule(caller=st.sampled_from(DBRP_CALLERS), data=st.data())
    def dbrp_delete(self, caller: str, data: st.DataObject) -> None:
        """DELETE a mapping (a virtual one's ID changes nothing)."""
        path = (DBRPS, "/", self._dbrp_target(data))
        self.exchange(Req("DELETE", path, self._org_query(data), self.caller_auth(caller)))

    @rule(route=st.sampled_from(DBRP_OTHER_ROUTES), data=st.data())
    def dbrp_other(self, route: tuple[str, tuple[str, ...]], data: st.DataObject) -> None:
        """Wrong methods and unknown sub-paths below ``/api/v2/dbrps``."""
        method, template = route
        target = self._dbrp_target(data)
        path = tuple(target if part == "{id}" else part for part in template)
        self.exchange(Req(method, path, (("orgID", ORG),), self.caller_auth("operator")))

    # --- InfluxQL on /query ---------------------------------------------------------------

    @rule(data=st.data())
    def influxql(self, data: st.DataObject) -> None:
        """A statement (or several) with a credential of some access, in some format."""
        credentials, auth = self._v1_caller(data)
        reads_data = data.draw(st.booleans(), label="reads data")
        statements = DATA_STATEMENTS if reads_data else META_STATEMENTS
        text = data.draw(st.sampled_from(statements), label="q")
        databases = QUIET_DATABASES if reads_data else ALL_DATABASES
        db = data.draw(st.sampled_from(databases), label="db")
        rp = data.draw(st.sampled_from([None, None, "autogen", "nope"]), label="rp")
        accept = data.draw(
            st.sampled_from([None, None, "application/csv", "text/csv", "application/x-msgpack"]),
            label="Accept",
        )
        method = data.draw(st.sampled_from(["GET", "GET", "POST"]), label="method")
        options = data.draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "chunked": st.sampled_from(["true", "1"]),
                    "chunk_size": st.sampled_from(["1", "0", "x"]),
                    "epoch": st.sampled_from(["ms", "bogus"]),
                    "params": st.sampled_from(["{}", "{bad", '{"x": 1}']),
                },
            ),
            label="options",
        )
        query = (*credentials, *_given(q=text, db=db, rp=rp), *options.items())
        headers = () if accept is None else (("Accept", accept),)
        self.exchange(Req(method, ("/query",), query, auth, headers=headers))

    @rule(data=st.data())
    def influxql_in_the_body(self, data: st.DataObject) -> None:
        """The query as a form body, as ``application/vnd.influxql``, or missing."""
        credentials, auth = self._v1_caller(data)
        text = data.draw(st.sampled_from(META_STATEMENTS[:8]), label="q")
        kind = data.draw(st.sampled_from(["form", "influxql", "json", "none"]), label="body")
        if kind == "form":
            body = urllib.parse.urlencode({"q": text}).encode()
            headers: tuple[tuple[str, str], ...] = (
                ("Content-Type", "application/x-www-form-urlencoded"),
            )
        elif kind == "influxql":
            body, headers = text.encode(), (("Content-Type", "application/vnd.influxql"),)
        elif kind == "json":
            body, headers = b'{"q": "SHOW DATABASES"}', (("Content-Type", "application/json"),)
        else:
            body, headers = b"", ()
        self.exchange(Req("POST", ("/query",), credentials, auth, body=body, headers=headers))

    # --- /write ---------------------------------------------------------------------------

    @rule(data=st.data())
    def write_points(self, data: st.DataObject) -> None:
        """Line protocol with a credential of some access: read-only, write-only, none."""
        credentials, auth = self._v1_caller(data)
        db = data.draw(st.sampled_from(WRITE_DATABASES), label="db")
        rp = data.draw(st.sampled_from([*[None] * 5, "autogen", "nope"]), label="rp")
        precision = data.draw(st.sampled_from([*[None] * 3, "s", "ms", "bogus"]), label="precision")
        body = data.draw(st.sampled_from(WRITE_BODIES), label="body")
        encoding = data.draw(st.sampled_from([*[None] * 6, "gzip", "bad gzip"]), label="gzip")
        headers: tuple[tuple[str, str], ...] = ()
        if encoding is not None:
            headers = (("Content-Encoding", "gzip"),)
            body = _gzipped(body) if encoding == "gzip" else b"not a gzip stream"
        query = (*credentials, *_given(db=db, rp=rp, precision=precision))
        self.exchange(Req("POST", ("/write",), query, auth, body=body, headers=headers))
