"""Pure tests of the byte-level helpers: Go's media types, durations, gzip reading, the
gzip wrapper's Accept-Encoding rule, CSV quoting and MessagePack sizes.

No server: these are the rules the wire tests rely on, checked case by case.
"""

from __future__ import annotations

import gzip
import struct
import zlib

import pytest

from aioinflux_legacyauth.emulator.http.compression import accepts_gzip
from aioinflux_legacyauth.emulator.influxql.executor import Result, Row
from aioinflux_legacyauth.emulator.influxql.responses import CSVFormatter, encode_msgpack
from aioinflux_legacyauth.emulator.wire.gotime import go_duration
from aioinflux_legacyauth.emulator.wire.gzipbody import GzipError, gunzip, gzip_header_length
from aioinflux_legacyauth.emulator.wire.mediatype import MediaTypeError, parse_media_type

pytestmark = pytest.mark.emulator_only(reason="unit tests of the emulator's wire helpers")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text/plain", ("text/plain", {})),
        ("Text/Plain ; Charset=UTF-8", ("text/plain", {"charset": "UTF-8"})),
        ('multipart/form-data; boundary="a b"', ("multipart/form-data", {"boundary": "a b"})),
        ('a/b; x="q\\"uoted"', ("a/b", {"x": 'q"uoted'})),
        ("a/b;", ("a/b", {})),
        ("text", ("text", {})),
    ],
)
def test_media_types(value: str, expected: tuple[str, dict[str, str]]) -> None:
    """mime.ParseMediaType: lower-cased type, parameters, a trailing semicolon allowed."""
    assert parse_media_type(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "mime: no media type"),
        ("/plain", "mime: no media type"),
        ("text plain", "mime: expected slash after first token"),
        ("text/", "mime: expected token after slash"),
        ("text/plain x", "mime: unexpected content after media subtype"),
        ("text/plain; =x", "mime: invalid media parameter"),
        ("text/plain; a", "mime: invalid media parameter"),
        ('text/plain; a="open', "mime: invalid media parameter"),
        ("text/plain; a=1; A=2", "mime: duplicate parameter name"),
    ],
)
def test_media_type_errors(value: str, message: str) -> None:
    """The errors /query returns verbatim for a bad Content-Type."""
    with pytest.raises(MediaTypeError, match=f"^{message}$"):
        parse_media_type(value)


@pytest.mark.parametrize(
    ("nanoseconds", "text"),
    [
        (0, "0s"),
        (1, "1ns"),
        (1_500, "1.5µs"),
        (2_500_000, "2.5ms"),
        (999_999_999, "999.999999ms"),
        (1_000_000_000, "1s"),
        (23_598_426_643, "23.598426643s"),
        (60_000_000_000, "1m0s"),
        (3_600_000_000_000, "1h0m0s"),
        (3_723_500_000_000, "1h2m3.5s"),
        (-1_500_000_000, "-1.5s"),
    ],
)
def test_go_durations(nanoseconds: int, text: str) -> None:
    """time.Duration.String, as /ready's "up" and EXPLAIN ANALYZE print it."""
    assert go_duration(nanoseconds) == text


def _member(data: bytes, flags: int, extra: bytes = b"") -> bytes:
    header = bytes([0x1F, 0x8B, 8, flags]) + b"\0\0\0\0\0\xff" + extra
    deflater = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    body = deflater.compress(data) + deflater.flush()
    return header + body + struct.pack("<II", zlib.crc32(data), len(data))


def test_gzip_header_fields() -> None:
    """FEXTRA, FNAME, FCOMMENT and FHCRC are skipped (and the header CRC checked)."""
    extra = struct.pack("<H", 3) + b"abc"
    named = b"name.txt\0" + b"a comment\0"
    assert gunzip(_member(b"cpu v=1", 0x04, extra)) == b"cpu v=1"
    assert gunzip(_member(b"cpu v=1", 0x08 | 0x10, named)) == b"cpu v=1"
    header = bytes([0x1F, 0x8B, 8, 0x02]) + b"\0\0\0\0\0\xff"
    crc = struct.pack("<H", zlib.crc32(header) & 0xFFFF)
    assert gzip_header_length(header + crc) == 12
    with pytest.raises(GzipError, match="invalid header") as bad_crc:
        gzip_header_length(header + b"\0\0")
    assert bad_crc.value.invalid


@pytest.mark.parametrize(
    ("data", "message", "invalid"),
    [
        (b"", "EOF", False),
        (b"\x1f\x8b\x08", "unexpected EOF", False),
        (b"\x1f\x8b\x09\0\0\0\0\0\0\xff", "gzip: invalid header", True),
        (bytes([0x1F, 0x8B, 8, 0x04]) + b"\0\0\0\0\0\xff\x05", "unexpected EOF", False),
        (bytes([0x1F, 0x8B, 8, 0x08]) + b"\0\0\0\0\0\xffno end", "unexpected EOF", False),
    ],
)
def test_gzip_header_errors(data: bytes, message: str, invalid: bool) -> None:
    """What Go's gzip.NewReader returns for a missing or broken header."""
    with pytest.raises(GzipError, match=message) as raised:
        gzip_header_length(data)
    assert raised.value.invalid is invalid


def test_gzip_members_and_trailers() -> None:
    """Members are read one after another; a short trailer or a bad size is reported."""
    one, two = gzip.compress(b"a"), gzip.compress(b"b")
    assert gunzip(one + two) == b"ab"
    with pytest.raises(GzipError, match="unexpected EOF"):
        gunzip(one[:-4])
    bad_size = one[:-4] + struct.pack("<I", 9)
    with pytest.raises(GzipError, match="gzip: invalid checksum"):
        gunzip(bad_size)
    with pytest.raises(GzipError, match="gzip: invalid header"):
        gunzip(one + b"0123456789abcdef")


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("GZIP", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("gzip;q=x", False),
        ("br, deflate", False),
        ("", False),
    ],
)
def test_accept_encoding(header: str, accepted: bool) -> None:
    """gziphandler: gzip with a quality above zero."""
    assert accepts_gzip(header) is accepted


def test_csv_quoting_and_columns() -> None:
    """encoding/csv quoting; a change of columns within a result starts a new header."""
    rows = [
        Row("a", ["v"], [["has,comma"], ['has "quote"'], [" leading space"], ["\\."], [None]]),
        Row("b", ["w", "x"], [[True, False]]),
    ]
    text = CSVFormatter().write([Result(0, series=rows)]).decode()
    assert text == (
        "name,tags,v\n"
        'a,,"has,comma"\n'
        'a,,"has ""quote"""\n'
        'a,," leading space"\n'
        'a,,"\\."\n'
        "a,,\n"
        "\n"
        "name,tags,w,x\n"
        "b,,true,false\n"
    )


def test_msgpack_sizes() -> None:
    """Strings, arrays and integers take the width msgp would write."""
    long_name = "x" * 40
    values: list[list[object]] = [[-1, 200, -200, 70_000, 2**40, 1.5, None, long_name * 10]]
    rows = [Row(long_name, [f"c{i}" for i in range(17)], values)]
    body = encode_msgpack([Result(3, series=rows)])
    assert body.startswith(b"\x81\xa7results\x91\x82\xacstatement_id\x03")
    assert b"\xd9\x28" + long_name.encode() in body  # str8 for 40 bytes
    assert b"\xdc\x00\x11" in body  # array16 for 17 columns
    assert b"\xda\x01\x90" in body  # str16 for 400 bytes
    assert b"\x98\xff\xd1\x00\xc8\xd1\xff\x38\xd2\x00\x01\x11\x70\xd3" in body
    assert b"\xcb" + struct.pack(">d", 1.5) + b"\xc0" in body
