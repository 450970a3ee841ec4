"""``/query`` response bodies: JSON, CSV and MessagePack, byte for byte as
``influxql/query/response_writer.go`` writes them.

- JSON: compact, ending in ``\\n``; an empty response is ``{}``; per result
  ``statement_id`` always, ``series`` and ``error`` only when set; per series ``name``,
  ``columns``, ``values`` only when set.
- CSV: a ``name,tags,<columns>`` header per statement (and per change of columns), a
  blank line between statements, results with an error skipped. Values of a type the
  formatter does not know (the ``replicaN`` integer of ``SHOW RETENTION POLICIES`` is a
  Go ``int``) keep whatever the cell held before, the header's column name at first.
- MessagePack: ``{results: [...]}``; a failed result is just ``{error: ...}``; ``series``
  is always present.
"""

from __future__ import annotations

import struct
from typing import Final

from ..wire.responses import go_json
from .executor import Result, Row

__all__ = ["CONTENT_TYPES", "CSVFormatter", "encode_json", "encode_msgpack"]

#: ``EncodingFormatFromMimeType``: exact matches only; anything else is JSON.
CONTENT_TYPES: Final = {
    "application/csv": "application/csv",
    "text/csv": "text/csv",
    "application/x-msgpack": "application/x-msgpack",
}


def _result_body(result: Result) -> dict[str, object]:
    body: dict[str, object] = {"statement_id": result.statement_id}
    if result.series:
        body["series"] = [_row_body(row) for row in result.series]
    if result.error is not None:
        body["error"] = result.error
    return body


def _row_body(row: Row) -> dict[str, object]:
    body: dict[str, object] = {}
    if row.name:
        body["name"] = row.name
    if row.columns:
        body["columns"] = row.columns
    if row.values:
        body["values"] = row.values
    return body


def encode_json(results: list[Result]) -> bytes:
    """One JSON response (``results`` omitted when empty) plus ``\\n``."""
    envelope = {"results": [_result_body(r) for r in results]} if results else {}
    return go_json(envelope, indent=False) + b"\n"


class CSVFormatter:
    """``csvFormatter``; it keeps its state across the chunks of one response."""

    def __init__(self) -> None:
        self._statement_id = -1
        self._cells: list[str] = []

    def write(self, results: list[Result]) -> bytes:
        out: list[str] = []
        for result in results:
            if result.statement_id != self._statement_id:
                if not result.series:
                    continue
                if self._statement_id >= 0:
                    out.append("\n")
                self._statement_id = result.statement_id
                self._header(result.series[0], out)
            for index, row in enumerate(result.series):
                if index > 0 and result.series[index - 1].columns != row.columns:
                    out.append("\n")
                    self._header(row, out)
                self._cells[0], self._cells[1] = row.name, ""
                for values in row.values:
                    for column, value in enumerate(values):
                        text = _csv_value(value)
                        if text is not None:
                            self._cells[column + 2] = text
                    out.append(_csv_line(self._cells))
        return "".join(out).encode()

    def _header(self, row: Row, out: list[str]) -> None:
        self._cells = ["name", "tags", *row.columns]
        out.append(_csv_line(self._cells))


def _csv_value(value: object) -> str | None:
    """The cell text, or ``None`` for a type the Go switch does not handle."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return None  # Go int (not int64): no case matches


def _csv_line(cells: list[str]) -> str:
    return ",".join(_csv_field(cell) for cell in cells) + "\n"


def _csv_field(field: str) -> str:
    # encoding/csv fieldNeedsQuotes, with Comma ',' and no CRLF.
    needs = field == "\\." or (
        field != "" and (any(c in field for c in ',"\r\n') or field[0].isspace())
    )
    return '"' + field.replace('"', '""') + '"' if needs else field


def encode_msgpack(results: list[Result]) -> bytes:
    """``msgpFormatter``."""
    out = bytearray(_map_header(1))
    out += _string("results") + _array_header(len(results))
    for result in results:
        if result.error is not None:
            out += _map_header(1) + _string("error") + _string(result.error)
            continue
        out += _map_header(2) + _string("statement_id") + _integer(result.statement_id)
        out += _string("series") + _array_header(len(result.series))
        for row in result.series:
            out += _map_header(2 + (1 if row.name else 0))
            if row.name:
                out += _string("name") + _string(row.name)
            out += _string("columns") + _array_header(len(row.columns))
            for column in row.columns:
                out += _string(column)
            out += _string("values") + _array_header(len(row.values))
            for values in row.values:
                out += _array_header(len(values))
                for value in values:
                    out += _value(value)
    return bytes(out)


def _map_header(size: int) -> bytes:
    if size < 16:
        return bytes([0x80 | size])
    return (
        b"\xde" + struct.pack(">H", size) if size < 1 << 16 else b"\xdf" + struct.pack(">I", size)
    )


def _array_header(size: int) -> bytes:
    if size < 16:
        return bytes([0x90 | size])
    return (
        b"\xdc" + struct.pack(">H", size) if size < 1 << 16 else b"\xdd" + struct.pack(">I", size)
    )


def _string(text: str) -> bytes:
    data = text.encode()
    size = len(data)
    if size < 32:
        return bytes([0xA0 | size]) + data
    if size < 1 << 8:
        return b"\xd9" + bytes([size]) + data
    if size < 1 << 16:
        return b"\xda" + struct.pack(">H", size) + data
    return b"\xdb" + struct.pack(">I", size) + data


def _integer(value: int) -> bytes:
    # msgp WriteInt64: positive fixint, else the smallest signed width.
    if 0 <= value < 128:
        return bytes([value])
    if -32 <= value < 0:
        return struct.pack(">b", value)
    for code, fmt, low, high in (
        (0xD0, ">b", -(1 << 7), (1 << 7) - 1),
        (0xD1, ">h", -(1 << 15), (1 << 15) - 1),
        (0xD2, ">i", -(1 << 31), (1 << 31) - 1),
    ):
        if low <= value <= high:
            return bytes([code]) + struct.pack(fmt, value)
    return b"\xd3" + struct.pack(">q", value)


def _value(value: object) -> bytes:
    if value is None:
        return b"\xc0"
    if isinstance(value, bool):
        return b"\xc3" if value else b"\xc2"
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):
        return b"\xcb" + struct.pack(">d", value)
    return _string(str(value))
