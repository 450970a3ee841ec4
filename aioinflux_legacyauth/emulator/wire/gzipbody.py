"""gzip request bodies, read the way Go's ``compress/gzip`` reads them, for its errors.

``/write`` reads the gzip header as soon as it sees ``Content-Encoding: gzip`` (before the
DBRP lookup; a bad or empty header is then a plain 500), and the rest while parsing the
points: a bad checksum is ``gzip: invalid checksum`` (400), a truncated stream
``unexpected EOF`` (500), a bad header of a following member ``gzip: invalid header``
(400), corrupt deflate data ``flate: corrupt input before offset N`` (500). Members are
read one after another, as Go's multistream reader does.
"""

from __future__ import annotations

import struct
import zlib
from typing import Final

__all__ = ["GzipError", "gunzip", "gzip_header_length"]

_FLAG_CRC: Final = 0x02
_FLAG_EXTRA: Final = 0x04
_FLAG_NAME: Final = 0x08
_FLAG_COMMENT: Final = 0x10


class GzipError(Exception):
    """What Go's reader returns; ``invalid`` tells 400 errors from 500 ones."""

    def __init__(self, message: str, *, invalid: bool = False) -> None:
        super().__init__(message)
        self.invalid = invalid


def _truncated() -> GzipError:
    return GzipError("unexpected EOF")


def gzip_header_length(data: bytes) -> int:
    """The length of the gzip member header at the start of ``data``.

    Raises :class:`GzipError`: ``EOF`` for no data at all, ``unexpected EOF`` for a cut
    header, ``gzip: invalid header`` for bad magic, method or header checksum.
    """
    if not data:
        msg = "EOF"
        raise GzipError(msg)
    if len(data) < 10:
        raise _truncated()
    if data[0] != 0x1F or data[1] != 0x8B or data[2] != 8:
        msg = "gzip: invalid header"
        raise GzipError(msg, invalid=True)
    flags, position = data[3], 10
    if flags & _FLAG_EXTRA:
        if len(data) < position + 2:
            raise _truncated()
        (size,) = struct.unpack("<H", data[position : position + 2])
        position += 2 + size
        if len(data) < position:
            raise _truncated()
    for flag in (_FLAG_NAME, _FLAG_COMMENT):
        if flags & flag:
            end = data.find(b"\0", position)
            if end < 0:
                raise _truncated()
            position = end + 1
    if flags & _FLAG_CRC:
        if len(data) < position + 2:
            raise _truncated()
        (stored,) = struct.unpack("<H", data[position : position + 2])
        if stored != zlib.crc32(data[:position]) & 0xFFFF:
            msg = "gzip: invalid header"
            raise GzipError(msg, invalid=True)
        position += 2
    return position


def _inflate(data: bytes) -> tuple[bytes, int]:
    """Inflate one raw deflate stream; returns the output and the bytes it used."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        output = inflater.decompress(data)
    except zlib.error:
        msg = f"flate: corrupt input before offset {_corrupt_offset(data)}"
        raise GzipError(msg) from None
    if not inflater.eof:
        raise _truncated()
    return output, len(data) - len(inflater.unused_data)


def _corrupt_offset(data: bytes) -> int:
    # Feed byte by byte to find where the stream stops making sense.
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    for index in range(len(data)):
        try:
            inflater.decompress(data[index : index + 1])
        except zlib.error:
            return index + 1  # Go counts the byte it was reading
    return len(data)


def gunzip(data: bytes) -> bytes:
    """Every member of a gzip stream, decompressed and checked."""
    output = bytearray()
    position = 0
    while True:
        position += gzip_header_length(data[position:])
        chunk, used = _inflate(data[position:])
        position += used
        trailer = data[position : position + 8]
        if len(trailer) < 8:
            raise _truncated()
        crc, size = struct.unpack("<II", trailer)
        if crc != zlib.crc32(chunk) or size != len(chunk) & 0xFFFF_FFFF:
            msg = "gzip: invalid checksum"
            raise GzipError(msg, invalid=True)
        output += chunk
        position += 8
        if position >= len(data):
            return bytes(output)
