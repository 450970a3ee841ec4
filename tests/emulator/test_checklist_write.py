"""``/write`` on the wire: spec section 13, checklist part 2, items 42-47.

Each test names its checklist item. Expected bodies were checked against influxd 2.7.12.
Accepted points are validated and dropped: the emulator stores no data.
"""

from __future__ import annotations

import gzip
import struct
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

import pytest

from aioinflux_legacyauth.emulator import Limits, permission

if TYPE_CHECKING:
    from tests.emulator.conftest import Reply, Wire

INTERNAL = "An internal error has occurred - check server logs"


async def _write(
    wire: Wire,
    body: bytes | str,
    *,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    token: object = None,
) -> Reply:
    """POST /write to my-bucket (unless params say otherwise), as the operator by default."""
    query = {"db": "my-bucket", **(params or {})}
    if token is None:
        return await wire.call("POST", "/write", params=query, data=body, headers=headers)
    return await wire.call("POST", "/write", params=query, data=body, headers=headers, token=token)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "HEAD"])
async def test_only_post_and_options(wire: Wire, method: str) -> None:
    """Checklist 42: another method: 405 'allow: OPTIONS, POST' with Allow; an
    authenticated OPTIONS: 200, the same Allow, no body."""
    reply = await wire.call(method, "/write", params={"db": "my-bucket"})
    assert reply.status == 405
    assert reply.headers["Allow"] == "OPTIONS, POST"
    if method != "HEAD":
        reply.expect_error(405, "method not allowed", "allow: OPTIONS, POST", compact=True)
    options = await wire.call("OPTIONS", "/write")
    assert (options.status, options.body, options.headers["Allow"]) == (200, b"", "OPTIONS, POST")


async def test_order_of_checks(wire: Wire) -> None:
    """Checklist 43: auth, missing db (400), gzip header (500), no dbrp mapping (404),
    insufficient permissions (403), parse (400), then 204; the first failure wins."""
    emu = wire.emu
    mine = emu.buckets["my-bucket"]
    reader = emu.mint_token([permission("read", "buckets", id=mine, org_id=emu.org_id)])
    unauthenticated = await wire.call("POST", "/write", data="bad line", token=None)
    unauthenticated.expect_error(401, "unauthorized", "unauthorized access", compact=True)
    no_db = await wire.call("POST", "/write", data="bad line", token=reader)
    no_db.expect_error(400, "invalid", "missing db", compact=True)
    bad_gzip = await wire.call(
        "POST",
        "/write",
        params={"db": "nowhere"},
        data=b"not gzip at all",
        headers={"Content-Encoding": "gzip"},
        token=reader,
    )
    bad_gzip.expect_error(500, "internal error", INTERNAL, compact=True)
    no_mapping = await _write(wire, "bad line", params={"db": "nowhere"}, token=reader)
    no_mapping.expect_error(404, "not found", "no dbrp mapping found", compact=True)
    forbidden = await _write(wire, "bad line", token=reader)
    forbidden.expect_error(403, "forbidden", "insufficient permissions for write", compact=True)
    unparsable = await _write(wire, "bad line")
    unparsable.expect_error(
        400, "invalid", "unable to parse 'bad line': invalid field format", compact=True
    )
    accepted = await _write(wire, 'cpu,host=a value=1.5,n=2i,ok=true,s="x" 1700000000000000000')
    assert (accepted.status, accepted.body) == (204, b"")
    assert "Content-Type" not in accepted.headers


async def test_rp_and_default_resolution(wire: Wire) -> None:
    """Section 11.5: rp given: that (db, rp); else the db's default; a db without one 404."""
    emu = wire.emu
    emu.create_bucket("pairs/a")
    assert (await _write(wire, "cpu v=1", params={"db": "pairs", "rp": "a"})).status == 204
    no_default = await _write(wire, "cpu v=1", params={"db": "pairs"})
    no_default.expect_error(404, "not found", "no dbrp mapping found", compact=True)
    unknown_rp = await _write(wire, "cpu v=1", params={"rp": "nope"})
    unknown_rp.expect_error(404, "not found", "no dbrp mapping found", compact=True)


async def test_write_only_read_only_and_no_access(wire: Wire) -> None:
    """Checklist 44: write-only can write (the handler adds read for its buckets); read-only
    gets 403; no access at all 404, as a mistyped database does."""
    emu = wire.emu
    mine, org = emu.buckets["my-bucket"], emu.org_id
    write_only = emu.mint_token([permission("write", "buckets", id=mine, org_id=org)])
    read_only = emu.mint_token([permission("read", "buckets", id=mine, org_id=org)])
    stranger = emu.mint_token(
        [permission("read", "buckets", id=emu.buckets["other-bucket"], org_id=org)]
    )
    assert (await _write(wire, "cpu v=1", token=write_only)).status == 204
    (await _write(wire, "cpu v=1", token=read_only)).expect_error(
        403, "forbidden", "insufficient permissions for write", compact=True
    )
    (await _write(wire, "cpu v=1", token=stranger)).expect_error(
        404, "not found", "no dbrp mapping found", compact=True
    )


@pytest.mark.parametrize("body", ["", "\n\n", "# a comment\n   \n\t# another\n"])
async def test_empty_or_comment_only_body_is_204(wire: Wire, body: str) -> None:
    """Checklist 45: nothing but blank lines and comments passes every check: 204."""
    reply = await _write(wire, body)
    assert (reply.status, reply.body) == (204, b"")


async def test_a_bad_line_rejects_the_whole_batch(wire: Wire) -> None:
    """Checklist 46: every bad line is reported, joined by newlines; 400."""
    body = "cpu v=1\ncpu\ncpu v=1 abc\ncpu,a v=1\nmem v=2\n"
    reply = await _write(wire, body)
    reply.expect_error(
        400,
        "invalid",
        "unable to parse 'cpu': missing fields\n"
        "unable to parse 'cpu v=1 abc': bad timestamp\n"
        "unable to parse 'cpu,a v=1': missing tag value",
        compact=True,
    )


@pytest.mark.parametrize(
    ("precision", "status"),
    [
        ("s", 400),
        ("ms", 204),
        ("us", 204),
        ("ns", 204),
        ("h", 204),
        ("m", 204),
        ("u", 204),
        ("bogus", 204),
    ],
)
async def test_precision_scales_only_us_ms_and_s(wire: Wire, precision: str, status: int) -> None:
    """Checklist 47: 9223372037 seconds is outside the ns range, but 'h', 'm', 'u' and any
    unknown precision read the timestamp as nanoseconds (issue #21625)."""
    reply = await _write(wire, "cpu v=1 9223372037", params={"precision": precision})
    assert reply.status == status
    if status == 400:
        reply.expect_error(
            400,
            "invalid",
            "unable to parse 'cpu v=1 9223372037': time outside range "
            "-9223372036854775806 - 9223372036854775806",
            compact=True,
        )


@pytest.mark.emulator_only(reason="sets the emulator's own API body limit")
async def test_no_body_size_limit(start_emulator: Callable[..., Awaitable[Wire]]) -> None:
    """Checklist 47: /write has no body-size limit (no 413), unlike the API routes, whose
    limit (Limits.max_api_body, 32 MB by default) is set to 1 KB here."""
    wire = await start_emulator(limits=Limits(max_api_body=1024), buckets=["my-bucket"])
    body = b"cpu,host=a value=1\n" * 1000  # 19 KB
    assert (await _write(wire, body)).status == 204
    api = await wire.call("POST", "/api/v2/orgs", data=b'{"name": "' + b"x" * 2000 + b'"}')
    assert api.status == 413


async def test_gzip_bodies(wire: Wire) -> None:
    """Section 13.1: gzip and x-gzip are read; members one after another; a bad checksum
    is 400, a truncated stream 500."""
    good = gzip.compress(b"cpu v=1\n")
    for encoding in ("gzip", "x-gzip"):
        reply = await _write(
            wire, good + gzip.compress(b"mem v=2\n"), headers={"Content-Encoding": encoding}
        )
        assert reply.status == 204
    bad_crc = good[:-8] + struct.pack("<I", 1) + good[-4:]
    (await _write(wire, bad_crc, headers={"Content-Encoding": "gzip"})).expect_error(
        400, "invalid", "unable to read data: gzip: invalid checksum", compact=True
    )
    (await _write(wire, good[:-3], headers={"Content-Encoding": "gzip"})).expect_error(
        500, "internal error", "unable to read data: unexpected EOF", compact=True
    )
    corrupt = good[:10] + b"\xff\xff\xff\xff" + good[14:]
    (await _write(wire, corrupt, headers={"Content-Encoding": "gzip"})).expect_error(
        500,
        "internal error",
        "unable to read data: flate: corrupt input before offset 1",
        compact=True,
    )
    (await _write(wire, b"", headers={"Content-Encoding": "gzip"})).expect_error(
        500, "internal error", INTERNAL, compact=True
    )
    # The encoding name is matched exactly: "GZIP" is plain text, and fails to parse.
    plain = await _write(wire, good, headers={"Content-Encoding": "GZIP"})
    assert plain.status == 400
