"""The emulator and a real influxd, side by side, on generated request sequences.

Hypothesis drives every legacy route (list with every filter, create with good and bad
bodies, get, patch, delete, set password), v1 logins on ``/query`` and ``/write``, and
the routing around them, with several callers; and the v1 data plane
(``dataplane_rules``): ``/api/v2/dbrps``, InfluxQL statements on ``/query`` and line
protocol on ``/write``, with read-only, write-only and no-access v1 credentials. Each
step sends the same request to a fresh emulator and a fresh real server and compares
status, the headers in
``wirediff.COMPARED_HEADERS`` and the body byte for byte (so key order and indentation
count), after IDs and tokens become symbols and timestamps ``<time>``.

``AIOINFLUX_DIFF_STEPS`` (default 2000) sets how many steps a run makes;
``AIOINFLUX_DIFF_KEEP_GOING=1`` records every kind of disagreement and reports them all at
the end instead of stopping (and shrinking) at the first.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule, run_state_machine_as_test

from aioinflux_legacyauth.emulator import (
    FAST_HASH_COST,
    ThreadedEmulator,
    all_access_permissions,
    operator_permissions,
    permission,
)
from tests.realserver.api import Api
from tests.realserver.dataplane_rules import (
    QUIET_BUCKET,
    V1_PASSWORD,
    DataPlaneRules,
    v1_credentials,
)
from tests.realserver.handle import RealServer
from tests.realserver.wirediff import Basic, Req, Side, Sym, describe_difference

if TYPE_CHECKING:
    from tests._servers import ServerChoice
    from tests.realserver.pool import RealServerPool
    from tests.realserver.process import RealInfluxdProcess

pytestmark = pytest.mark.real_server

STEPS = int(os.environ.get("AIOINFLUX_DIFF_STEPS", "2000"))
KEEP_GOING = os.environ.get("AIOINFLUX_DIFF_KEEP_GOING") == "1"
STEPS_PER_EXAMPLE = 40
OPERATOR_TOKEN = "operator-token-for-tests"
PREFIX = "/private/legacy/authorizations"
UNKNOWN = "0123456789abcdef"
BAD_IDS = ["abc", "zzzzzzzzzzzzzzzz", "0000000000000000", "0123456789abcdef0"]
ORG, OTHER_ORG = Sym("org:my-org"), Sym("org:other-org")
ADMIN, BOB = Sym("user:admin"), Sym("user:bob")


def _perm(action: str, kind: str, **resource: object) -> dict[str, object]:
    return {"action": action, "resource": {"type": kind, **resource}}


PERMISSIONS = [
    _perm("write", "buckets", id=Sym("bucket:my-bucket"), orgID=ORG),
    _perm("read", "buckets", id=Sym("bucket:other-bucket"), orgID=ORG),
    _perm("read", "buckets"),
    _perm("read", "dashboards", orgID=ORG),
    _perm("read", "users", id=ADMIN),
    _perm("read", "buckets", id=Sym("bucket:elsewhere"), orgID=OTHER_ORG),
    _perm("read", "buckets", id=UNKNOWN, orgID=ORG),
    _perm("read", "dashboards", id=UNKNOWN),
    _perm("read", "bucket"),
    _perm("delete", "buckets"),
    _perm("read", "instance"),
    _perm("write", "orgs"),
]
GRANTABLE = [*PERMISSIONS[:5], PERMISSIONS[7]]
RAW_CREATE_BODIES = [
    b"",
    b"{",
    b"nope",
    b"[]",
    b'{"token": 1}',
    b'{"orgID": "abc"}',
    b'{"permissions": {}}',
    b'{"status": true}',
    b"{}",
]
RAW_PATCH_BODIES = [b"", b"{", b"{]", b'{"status": 1}', b'{"description": []}']
RAW_PASSWORD_BODIES = [b"", b"{", b'{"password": 12345678}', b"{}"]
PASSWORDS = ["8bytes!!", "long-enough-pw", "x" * 72, "x" * 73, "short", "", "\u00e9" * 36]
USERNAMES = ["grafana", "telegraf", "Grafana", "first:second", " spaced "]
ROLES: dict[str, Callable[[Any], str]] = {
    "operator": lambda server: server.token,
    "reader": lambda server: server.mint_token(
        [
            permission("read", "authorizations", org_id=server.org_id),
            permission("read", "users"),
        ]
    ),
    "all-access": lambda server: server.mint_token(
        all_access_permissions(server.org_id, server.user_id)
    ),
    "bob-writer": lambda server: server.mint_token(
        [permission("write", "users", id=server.values["user:bob"])]
    ),
    "inactive": lambda server: server.mint_token(operator_permissions(), active=False),
    "buckets-reader": lambda server: server.mint_token([permission("read", "buckets")]),
    "buckets-writer": lambda server: server.mint_token(
        [permission("write", "buckets", org_id=server.org_id)]
    ),
}
CALLERS = [*ROLES, "operator", "operator", "bearer", "none", "garbage", "v1-basic"]
BUCKETS = ["my-bucket", "other-bucket", QUIET_BUCKET]
OTHER_ROUTES = [
    ("PUT", (PREFIX, "/", "{id}")),
    ("POST", (PREFIX, "/", "{id}")),
    ("GET", (PREFIX, "/", "{id}", "/password")),
    ("PUT", (PREFIX, "/", "{id}", "/password")),
    ("GET", (PREFIX, "/", "{id}", "/x")),
    ("DELETE", (PREFIX,)),
    ("PATCH", (PREFIX,)),
    ("HEAD", (PREFIX,)),
    ("GET", (PREFIX, "/")),
    ("GET", ("/private/legacy",)),
    ("GET", ("/private/legacy/authorizationsX",)),
    ("GET", ("/private/unknown",)),
    ("GET", ("/api/v2/nothing",)),
    ("GET", ("/api/v2",)),
    ("DELETE", ("/api/v2/orgs",)),
    ("GET", ("/legacy/authorizations",)),
    ("POST", ("/legacy/authorizations",)),
    ("GET", ("/ping",)),
    ("HEAD", ("/ping",)),
]
SPANS = [
    '{"trace_id":"0123456789abcdef","span_id":"0123456789abcdef","baggage":{"k":"v"}}',
    "not json at all",
]


def _auth(caller: str) -> tuple[str | Sym, ...] | Basic | None:
    if caller == "none":
        return None
    if caller == "v1-basic":  # a v1 credential where a v2 token belongs
        return Basic("v1-both", V1_PASSWORD)
    if caller == "garbage":
        return ("Token nope",)
    if caller == "bearer":
        return ("Bearer ", Sym("token:operator"))
    return ("Token ", Sym(f"token:{caller}"))


class _Seeded:
    """A server with the same tenancy on both sides: two users, two orgs, seven tokens,
    the v1 credentials of ``v1_credentials`` and a DBRP mapping ``telegraf``."""

    def __init__(self, label: str, url: str, server: Any) -> None:
        self.side = Side(label, url)
        self.server = server
        self.values = self.side.values
        self.values.update(
            {
                "org:my-org": server.org_id,
                "user:admin": server.user_id,
                **{f"bucket:{name}": bucket for name, bucket in server.buckets.items()},
            }
        )
        self.values["user:bob"] = server.create_user("bob")
        self.values["org:other-org"] = server.create_org("other-org")
        self.values["bucket:elsewhere"] = server.create_bucket(
            "elsewhere", org_id=self.values["org:other-org"]
        )
        for role, mint in ROLES.items():
            self.values[f"token:{role}"] = mint(self)
        for username, (granted, active) in v1_credentials(server.org_id, server.buckets).items():
            created = server.create_legacy_authorization(
                username, granted, password=V1_PASSWORD, active=active
            )
            self.values[f"auth:{username}"] = created.id
        telegraf = server.create_dbrp("telegraf", server.buckets["my-bucket"])
        self.values["dbrp:telegraf"] = telegraf.id
        # The system buckets' IDs show as their virtual mappings' IDs.
        orgs = {server.org_id: "", self.values["org:other-org"]: "other-org:"}
        for bucket in Api(url, server.token).call("GET", "/api/v2/buckets")["buckets"]:
            name = f"bucket:{orgs[bucket['orgID']]}{bucket['name']}"
            self.values.setdefault(name, bucket["id"])

    # The token minters read these, like a server handle's.
    @property
    def token(self) -> str:
        return str(self.server.token)

    @property
    def org_id(self) -> str:
        return str(self.server.org_id)

    @property
    def user_id(self) -> str:
        return str(self.server.user_id)

    def mint_token(self, permissions: Any, *, active: bool = True) -> str:
        return str(self.server.mint_token(permissions, active=active))


class Differential(DataPlaneRules):
    """Both servers get every request; any disagreement fails with the request and replies."""

    pool: RealServerPool
    counter: list[int]
    disagreements: dict[tuple[object, ...], str]
    statuses: Counter[str]

    def __init__(self) -> None:
        super().__init__()
        self._process: RealInfluxdProcess | None = None
        self._emulator: ThreadedEmulator | None = None
        self.auths: list[str] = []
        self.dbrps: list[str] = []
        self.usernames: list[str] = []
        self.passwords: list[str] = []
        self.owners: dict[str, str] = {}  # auth symbol -> username
        self.logins: list[tuple[str, str]] = []  # pairs a password was set for

    @initialize()
    def start_both(self) -> None:
        """A fresh emulator and a fresh real server, seeded alike."""
        flags = ["--port", "0", "--token", OPERATOR_TOKEN]
        self._process = self.pool.acquire([*flags, *(f"--bucket={name}" for name in BUCKETS)])
        ready = self._process.ready
        real = RealServer(
            url=ready["url"],
            token=ready["token"],
            org="my-org",
            org_id=ready["org_id"],
            user="admin",
            user_id=ready["user_id"],
            buckets=ready["buckets"],
        )
        version = real.api.call("GET", "/health")["version"]
        self._emulator = ThreadedEmulator(
            token=OPERATOR_TOKEN,
            hash_cost=FAST_HASH_COST,
            buckets=BUCKETS,
            version=version,
        ).start()
        self.emu = _Seeded("emulator", self._emulator.url, self._emulator)
        self.real = _Seeded(f"real influxd {version}", real.url, real.blocking())

    def teardown(self) -> None:
        if self._emulator is not None:
            self._emulator.close()
        if self._process is not None:
            self.pool.release(self._process)

    # --- the comparison ------------------------------------------------------------------

    def caller_auth(self, caller: str) -> tuple[str | Sym, ...] | Basic | None:
        """The Authorization header of a caller (a role's token, or a bad one)."""
        return _auth(caller)

    def exchange(self, request: Req, *, created: str | None = None) -> int:
        """Send to both; fail on any difference; the (common) status.

        ``created`` (``auth`` or ``dbrp``): a ``201`` on both sides made one, whose IDs
        become a new symbol.
        """
        self.counter[0] += 1
        sent = [(seeded, seeded.side.send(request)) for seeded in (self.emu, self.real)]
        if created and all(status == 201 for _, (status, _, _) in sent):
            made = self.auths if created == "auth" else self.dbrps
            name = f"{created}{len(made) + 1}"
            for seeded, (_, _, raw) in sent:
                seeded.values[name] = json.loads(raw)["id"]
                if created == "auth":
                    self.owners[name] = json.loads(raw)["token"]
            made.append(name)
        replies = [seeded.side.normalise(*response) for seeded, response in sent]
        route = "".join(
            "{id}" if isinstance(part, Sym) or part in (UNKNOWN, *BAD_IDS) else part
            for part in request.path
        )
        if route in ("/query", "/write"):
            route += f" {str(dict(request.query).get('q', ''))[:24]}"
        self.statuses[f"{request.method} {route} {replies[1].status}"] += 1
        emulator, real = replies
        if emulator != real:
            report = describe_difference(
                request, (self.emu.side.label, emulator), (self.real.side.label, real)
            )
            if not KEEP_GOING:
                raise AssertionError(report)
            shape = tuple(part for part in request.path if isinstance(part, str))
            kind = (request.method, shape, emulator.status, real.status, emulator.headers)
            self.disagreements.setdefault((*kind, real.headers), report)
        return real.status

    def _target(self, data: st.DataObject) -> list[str | Sym]:
        # Mostly existing authorizations (the latest ones most), sometimes bad or unknown IDs.
        choices: list[Any] = [Sym(name) for name in self.auths[-5:]] * 3
        choices += [Sym(name, upper=True) for name in self.auths[:1]]
        choices += [UNKNOWN, *BAD_IDS]
        return [PREFIX, "/", data.draw(st.sampled_from(choices), label="id")]

    # --- the legacy routes ---------------------------------------------------------------

    @rule(
        caller=st.sampled_from(CALLERS),
        body=st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "token": st.sampled_from([*USERNAMES, "", None]),
                    "orgID": st.sampled_from([ORG, ORG, OTHER_ORG, UNKNOWN, "abc", None]),
                    "userID": st.sampled_from([ADMIN, BOB, UNKNOWN, None]),
                    "status": st.sampled_from(["active", "inactive", "", "bogus", None]),
                    "description": st.sampled_from(["", "dashboards", "<b> & co", None]),
                    "permissions": st.one_of(
                        st.none(), st.lists(st.sampled_from(PERMISSIONS), max_size=3)
                    ),
                    "id": st.just(UNKNOWN),
                },
            ),
            st.sampled_from(RAW_CREATE_BODIES),
        ),
    )
    def create(self, caller: str, body: object) -> None:
        """POST a legacy authorization."""
        if isinstance(body, dict) and body.get("token"):
            self.usernames.append(str(body["token"]))
        self.exchange(Req("POST", (PREFIX,), auth=_auth(caller), body=body), created="auth")

    @rule(
        caller=st.sampled_from(["operator", "operator", "operator", "all-access", "reader"]),
        username=st.sampled_from(USERNAMES),
        permissions=st.lists(st.sampled_from(GRANTABLE), min_size=1, max_size=3),
        extra=st.fixed_dictionaries(
            {},
            optional={
                "userID": st.sampled_from([ADMIN, BOB]),
                "status": st.sampled_from(["active", "inactive", ""]),
                "description": st.sampled_from(["", "dashboards", "<b> & co"]),
            },
        ),
    )
    def create_grantable(
        self, caller: str, username: str, permissions: list[object], extra: dict[str, object]
    ) -> None:
        """POST a body a caller may well be allowed to create."""
        body = {"token": username, "orgID": ORG, "permissions": permissions, **extra}
        self.create(caller, body)

    @rule(caller=st.sampled_from(CALLERS), data=st.data())
    def list_with_filters(self, caller: str, data: st.DataObject) -> None:
        """GET the list with any filters, repeated keys and empty values included."""
        auth_ids: list[Any] = [Sym(name) for name in self.auths] + [UNKNOWN, "abc", ""]
        values: dict[str, list[Any]] = {
            "id": auth_ids,
            "authID": auth_ids,
            "token": [*USERNAMES, "nobody", ""],
            "orgID": [ORG, OTHER_ORG, UNKNOWN, "abc", ""],
            "userID": [ADMIN, BOB, UNKNOWN, "zzzzzzzzzzzzzzzz"],
            "user": ["admin", "bob", "nobody"],
            "org": ["my-org", "other-org", "nowhere"],
            "limit": ["1"],
        }
        keys = data.draw(st.lists(st.sampled_from(sorted(values)), max_size=3), label="keys")
        query = tuple((key, data.draw(st.sampled_from(values[key]), label=key)) for key in keys)
        span = data.draw(st.sampled_from([None, *SPANS]), label="Zap-Trace-Span")
        headers = () if span is None else (("Zap-Trace-Span", span),)
        self.exchange(Req("GET", (PREFIX,), query, _auth(caller), headers=headers))

    @rule(caller=st.sampled_from(CALLERS), slash=st.booleans(), data=st.data())
    def get(self, caller: str, slash: bool, data: st.DataObject) -> None:
        """GET one authorization (a trailing slash is stripped by the server)."""
        path = [*self._target(data), *(["/"] if slash else [])]
        self.exchange(Req("GET", tuple(path), auth=_auth(caller)))

    @rule(
        caller=st.sampled_from(CALLERS),
        body=st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "status": st.sampled_from(["active", "inactive", "", "disabled", None]),
                    "description": st.sampled_from(["", "changed", None]),
                    "token": st.just("renamed"),
                    "permissions": st.just([]),
                    "orgID": st.just(UNKNOWN),
                },
            ),
            st.sampled_from(RAW_PATCH_BODIES),
        ),
        data=st.data(),
    )
    def patch(self, caller: str, body: object, data: st.DataObject) -> None:
        """PATCH status and description (everything else is ignored by the server)."""
        self.exchange(Req("PATCH", tuple(self._target(data)), auth=_auth(caller), body=body))

    @rule(caller=st.sampled_from(CALLERS), data=st.data())
    def delete(self, caller: str, data: st.DataObject) -> None:
        """DELETE one authorization."""
        self.exchange(Req("DELETE", tuple(self._target(data)), auth=_auth(caller)))

    @rule(
        caller=st.sampled_from(CALLERS),
        body=st.one_of(
            st.builds(lambda password: {"password": password}, st.sampled_from(PASSWORDS)),
            st.sampled_from(RAW_PASSWORD_BODIES),
        ),
        data=st.data(),
    )
    def set_password(self, caller: str, body: object, data: st.DataObject) -> None:
        """POST a new password."""
        path = (*self._target(data), "/password")
        status = self.exchange(Req("POST", path, auth=_auth(caller), body=body))
        target = path[2]
        if status == 204 and isinstance(body, dict) and isinstance(target, Sym):
            self.passwords.append(str(body["password"]))
            self.logins.append((self.owners[target.name], str(body["password"])))

    @rule(password=st.sampled_from(PASSWORDS[:3]), data=st.data())
    def set_good_password(self, password: str, data: st.DataObject) -> None:
        """Give an authorization a password its logins can then use."""
        self.set_password("operator", {"password": password}, data)

    @rule(caller=st.sampled_from(CALLERS), route=st.sampled_from(OTHER_ROUTES), data=st.data())
    def other_route(
        self, caller: str, route: tuple[str, tuple[str, ...]], data: st.DataObject
    ) -> None:
        """Wrong methods, unknown sub-paths and the surface around the prefix."""
        method, template = route
        target = self._target(data)[-1]
        path = tuple(target if part == "{id}" else part for part in template)
        self.exchange(Req(method, path, auth=_auth(caller)))

    # --- v1 logins -----------------------------------------------------------------------

    def _credentials(self, data: st.DataObject) -> tuple[tuple[tuple[str, Any], ...], Any]:
        usernames = [*self.usernames[-4:], "nobody", ""]
        secrets: list[str | Sym] = [*self.passwords[-4:], "wrong-password", Sym("token:operator")]
        secrets += [Sym("token:inactive"), Sym("token:buckets-reader")]
        username: str = data.draw(st.sampled_from(usernames), label="username")
        secret: str | Sym = data.draw(st.sampled_from(secrets), label="password")
        use_a_set_pair: bool = bool(self.logins) and data.draw(st.booleans(), label="set pair")
        if use_a_set_pair:
            username, secret = data.draw(st.sampled_from(self.logins[-4:]), label="login")
        scheme = data.draw(
            st.sampled_from(["u/p", "u/p", "basic", "basic", "Token", "Token user:", "Bearer"]),
            label="scheme",
        )
        if scheme == "u/p":
            return (("u", username), ("p", secret)), None
        if scheme == "basic":
            return (), Basic(username, secret)
        if scheme == "Token user:":
            return (), ("Token ", username, ":", secret)
        return (), (f"{scheme} ", secret)

    @rule(data=st.data())
    def query_login(self, data: st.DataObject) -> None:
        """``/query`` with v1 credentials: SHOW DATABASES lists what the credential reads."""
        query, auth = self._credentials(data)
        request = Req("GET", ("/query",), (*query, ("q", "SHOW DATABASES")), auth)
        self.exchange(request)

    @rule(
        db=st.sampled_from(["my-bucket", "other-bucket", "elsewhere", "nope", None]),
        body=st.sampled_from([b"", b"cpu value=1"]),
        data=st.data(),
    )
    def write_login(self, db: str | None, body: bytes, data: st.DataObject) -> None:
        """``/write`` with v1 credentials."""
        query, auth = self._credentials(data)
        where = () if db is None else (("db", db),)
        self.exchange(Req("POST", ("/write",), (*query, *where), auth, body=body))


def test_emulator_agrees_with_the_real_server(
    server_choice: ServerChoice, real_server_pool: RealServerPool | None
) -> None:
    """Every generated step gets the same answer from both (at least STEPS steps)."""
    if server_choice.kind != "real" or real_server_pool is None:
        pytest.skip("compares fresh real servers with the emulator: --server real")
    counter = [0]
    Differential.pool = real_server_pool
    Differential.counter = counter
    Differential.disagreements = {}
    Differential.statuses = Counter()
    while counter[0] < STEPS:
        remaining = STEPS - counter[0]
        run_state_machine_as_test(
            Differential,
            settings=settings(
                max_examples=max(5, remaining // (STEPS_PER_EXAMPLE // 2)),
                stateful_step_count=STEPS_PER_EXAMPLE,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    assert counter[0] >= STEPS
    # What was exercised (shown with -s, or when the test fails).
    counts = sorted(Differential.statuses.items())
    sys.stderr.write("".join(f"{count:6d}  {what}\n" for what, count in counts))
    found = Differential.disagreements.values()
    assert not found, f"{len(found)} kinds of disagreement:\n\n" + "\n\n".join(found)
