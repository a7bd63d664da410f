"""Rows as files, written as they are read: CSV (UTF-8 with a byte-order mark, for Excel), XLSX
(see :mod:`.xlsx`) and JSON. Each writer is a generator of byte chunks, so a response
streams a file of any length in constant memory.

Every text cell of a spreadsheet goes through :func:`portal.downloads.spreadsheet_safe`, so no
cell is ever run as a formula; numbers are left alone (negative amounts stay numbers).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from portal.downloads import FORMULA_STARTS, spreadsheet_safe
from portal.opendata.files.fields import Field
from portal.opendata.files.sources import Row
from portal.opendata.files.xlsx import (
    CellWriter,
    boolean_cell,
    number_cell,
    text_cell,
    xlsx_stream,
)

BOM = "\ufeff"
#: Bytes gathered before a chunk is handed to the server.
CHUNK = 64 * 1024


#: The first characters that may make a cell a formula: only such cells need a closer look
#: (most cells are looked at once, without a call).
RISKY_FIRST = frozenset(FORMULA_STARTS)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return spreadsheet_safe(value) if value[:1] in RISKY_FIRST else value


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def _decimal(value: Any) -> str:
    return "" if value is None else f"{value:f}"


def wan_text(fen: int) -> str:
    """An amount stored as whole 分 as exact 万元 text, at least two places: ``12345`` →
    ``0.012345``, ``-12500000`` → ``-12.50`` (as :func:`portal.db.from_scaled` shows it)."""
    whole, part = divmod(abs(fen), 1_000_000)
    places = f"{part:06d}".rstrip("0").ljust(2, "0")
    return f"{'-' if fen < 0 else ''}{whole}.{places}"


def _money(value: Any) -> str:
    return "" if value is None else wan_text(value)


def fen_to_yuan(fen: int) -> int:
    """Whole yuan, rounded half to even (as :func:`portal.i18n.wan_to_yuan`)."""
    yuan, rest = divmod(fen, 100)
    if rest > 50 or (rest == 50 and yuan % 2):
        yuan += 1
    return yuan


def _boolean(value: Any) -> str:
    return "" if value is None else ("true" if value else "false")


def _date(value: Any) -> str:
    return "" if value is None else value.isoformat()


#: How a value of each kind of field is written as CSV text: exact decimals, ``true``/``false``,
#: ISO dates, empty for none; text through the formula neutraliser.
TEXT_WRITERS: dict[str, Callable[[Any], str]] = {
    "string": _text,
    "integer": _plain,
    "decimal": _decimal,
    "money": _money,
    "money_100m": _decimal,
    "boolean": _boolean,
    "date": _date,
}


def csv_chunks(
    fields: Sequence[Field], rows: Iterable[Row], header: Sequence[str], *, bom: bool = True
) -> Iterator[bytes]:
    """The rows as CSV, UTF-8 (with a byte-order mark unless *bom* is false), CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    writer.writerow([spreadsheet_safe(h) for h in header])
    writers = [TEXT_WRITERS[f.kind] for f in fields]
    for row in rows:
        writer.writerow([write(v) for write, v in zip(writers, row, strict=True)])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _xlsx_text(ref: str, value: Any) -> str:
    return text_cell(ref, spreadsheet_safe(value) if value[:1] in RISKY_FIRST else value)


def _xlsx_money(ref: str, value: Any) -> str:
    return f'<c r="{ref}"><v>{wan_text(value)}</v></c>'


def _xlsx_date(ref: str, value: Any) -> str:
    return text_cell(ref, value.isoformat())


#: How a value of each kind of field is written as an XLSX cell: amounts and counts as numbers,
#: text through the formula neutraliser, dates as ISO text.
XLSX_WRITERS: dict[str, CellWriter] = {
    "string": _xlsx_text,
    "integer": number_cell,
    "decimal": number_cell,
    "money": _xlsx_money,
    "money_100m": number_cell,
    "boolean": boolean_cell,
    "date": _xlsx_date,
}


def xlsx_chunks(
    fields: Sequence[Field], rows: Iterable[Row], header: Sequence[str]
) -> Iterator[bytes]:
    """The rows as an XLSX workbook, streamed (see :mod:`.xlsx`)."""
    safe_header = [spreadsheet_safe(h) for h in header]
    return xlsx_stream(safe_header, rows, [XLSX_WRITERS[f.kind] for f in fields])


def json_value(field: Field, value: Any) -> dict[str, Any]:
    """A field's value(s) for JSON: money as integer yuan (and 分 exactly, ``_fen``), other
    decimals as numbers written exactly, dates as ISO text."""
    name = field.name
    if field.kind == "money":  # whole 分 (see sources.fen)
        if value is None:
            return {name: None, f"{name}_fen": None}
        return {name: fen_to_yuan(value), f"{name}_fen": value}
    if field.kind == "money_100m":
        return {name: None if value is None else int(value * 100_000_000)}
    if isinstance(value, Decimal):
        # a number of at most a few decimals: the shortest float repr prints exactly its digits
        return {name: int(value) if value == value.to_integral_value() else float(value)}
    if isinstance(value, date):
        return {name: value.isoformat()}
    return {name: value}


def json_fields(fields: Sequence[Field]) -> list[dict[str, Any]]:
    """The keys of a JSON row, with their types and units (money: integer yuan)."""
    described = []
    for field in fields:
        if field.kind == "money":
            described.append({"name": field.name, "type": "integer", "unit": "CNY"})
            described.append({"name": f"{field.name}_fen", "type": "integer", "unit": "CNY fen"})
        elif field.kind == "money_100m":
            described.append({"name": field.name, "type": "integer", "unit": "CNY"})
        else:
            described.append({"name": field.name, "type": field.schema_type})
    return described


def json_chunks(
    fields: Sequence[Field], rows: Iterable[Row], meta: dict[str, Any]
) -> Iterator[bytes]:
    """``{"dataset": meta, "fields": [...], "rows": [{...}, ...]}``, streamed row by row."""
    head = json.dumps({"dataset": meta, "fields": json_fields(fields)}, ensure_ascii=False)
    parts = [head[:-1] + ', "rows": [\n']
    size, first = 0, True
    for row in rows:
        values: dict[str, Any] = {}
        for field, value in zip(fields, row, strict=True):
            values.update(json_value(field, value))
        text = json.dumps(values, ensure_ascii=False)
        parts.append(text if first else ",\n" + text)
        first = False
        size += len(text)
        if size >= CHUNK:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    parts.append("\n]}\n")
    yield "".join(parts).encode("utf-8")
