"""The differential test's comparison, checked on two emulators: IDs and tokens become
symbols, timestamps ``<time>``, and a disagreement is reported without any secret."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from aioinflux_legacyauth.emulator import FAST_HASH_COST, ThreadedEmulator
from tests.realserver.wirediff import Req, Side, Sym, describe_difference

TOKEN = "a-secret-operator-token"
PREFIX = "/private/legacy/authorizations"


@pytest.fixture
def sides() -> Iterator[tuple[Side, Side]]:
    """Two emulators that differ only in the version they claim."""
    with (
        ThreadedEmulator(token=TOKEN, hash_cost=FAST_HASH_COST, version="v2.7.12") as first,
        ThreadedEmulator(token=TOKEN, hash_cost=FAST_HASH_COST, version="v2.9.1") as second,
    ):
        made = []
        for label, emulator in (("first", first), ("second", second)):
            side = Side(label, emulator.url)
            side.values.update(
                {
                    "token:operator": emulator.token,
                    "org:my-org": emulator.org_id,
                    "user:admin": emulator.user_id,
                    "bucket:my-bucket": emulator.buckets["my-bucket"],
                }
            )
            made.append(side)
        yield made[0], made[1]


def test_ids_and_times_become_symbols(sides: tuple[Side, Side]) -> None:
    """The same create on both: bodies equal once IDs are mapped, though the IDs differ."""
    permission = {
        "action": "read",
        "resource": {"type": "buckets", "id": Sym("bucket:my-bucket"), "orgID": Sym("org:my-org")},
    }
    body = {"token": "grafana", "orgID": Sym("org:my-org"), "permissions": [permission]}
    request = Req("POST", (PREFIX,), auth=("Token ", Sym("token:operator")), body=body)
    sent = [side.send(request) for side in sides]
    raw_ids = [json.loads(raw)["id"] for _, _, raw in sent]
    assert raw_ids[0] != raw_ids[1]
    for side, auth_id in zip(sides, raw_ids, strict=True):
        side.values["auth1"] = auth_id
    first, second = (side.normalise(*response) for side, response in zip(sides, sent, strict=True))
    assert first.body == second.body
    assert '"id": "{auth1}"' in first.body
    assert '"createdAt": "<time>"' in first.body
    assert '"orgID": "{org:my-org}"' in first.body


def test_a_difference_is_reported_in_symbols(sides: tuple[Side, Side]) -> None:
    """The report shows the request and both replies, with {token:operator}, never the token."""
    request = Req("GET", (PREFIX,), (("token", "nobody"),), ("Token ", Sym("token:operator")))
    first, second = (side.normalise(*side.send(request)) for side in sides)
    assert first != second
    assert first.body == second.body  # only the version header differs
    report = describe_difference(request, ("first", first), ("second", second))
    assert "GET /private/legacy/authorizations?token=nobody" in report
    assert "Authorization: Token {token:operator}" in report
    assert "X-Influxdb-Version: v2.7.12" in report
    assert "X-Influxdb-Version: v2.9.1" in report
    assert TOKEN not in report
