"""Workbooks built to explode: a few megabytes that expand to gigabytes of XML, or to millions of
rows, columns or strings. Written with :mod:`zipfile` directly (no spreadsheet program makes
these), streaming, so that building one costs seconds and little memory."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = "</sheetData></worksheet>"
SST_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>科目编码</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>科目名称</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>预算数</t></is></c></row>'
)
CHUNK = 1 << 20

Parts = Iterator[bytes]


def _repeat(unit: bytes, count: int) -> Parts:
    """*unit* *count* times, in chunks of about a megabyte."""
    per_chunk = max(CHUNK // len(unit), 1)
    block = unit * per_chunk
    full, rest = divmod(count, per_chunk)
    for _ in range(full):
        yield block
    yield unit * rest


def _text(size: int) -> Parts:
    """*size* bytes of text in one run."""
    return _repeat(b"A" * 1024, size // 1024)


def write_workbook(path: Path, sheet: Callable[[], Parts], strings: Callable[[], Parts]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, parts in (("xl/sharedStrings.xml", strings), ("xl/worksheets/sheet1.xml", sheet)):
            with archive.open(name, "w", force_zip64=True) as member:
                for part in parts():
                    member.write(part)
    return path


def _sheet(*rows: Callable[[], Parts]) -> Callable[[], Parts]:
    def parts() -> Parts:
        yield SHEET_START.encode()
        yield HEADER_ROW.encode()
        for row in rows:
            yield from row()
        yield SHEET_END.encode()

    return parts


def _strings(*body: Callable[[], Parts]) -> Callable[[], Parts]:
    def parts() -> Parts:
        yield SST_START.encode()
        for part in body:
            yield from part()
        yield b"</sst>"

    return parts


def _one(data: bytes) -> Callable[[], Parts]:
    return lambda: iter([data])


GIB = 1 << 30


def huge_shared_string(path: Path, size: int = 2 * GIB) -> Path:
    """One shared string of *size* bytes, used by one cell."""
    row = b'<row r="2"><c r="A2"><v>2050202</v></c><c r="B2" t="s"><v>0</v></c></row>'
    return write_workbook(
        path,
        _sheet(_one(row)),
        _strings(_one(b"<si><t>"), lambda: _text(size), _one(b"</t></si>")),
    )


def huge_inline_string(path: Path, size: int = 2 * GIB) -> Path:
    """One cell holding an inline string of *size* bytes."""
    return write_workbook(
        path,
        _sheet(
            _one(b'<row r="2"><c r="A2"><v>2050202</v></c><c r="B2" t="inlineStr"><is><t>'),
            lambda: _text(size),
            _one(b"</t></is></c></row>"),
        ),
        _strings(),
    )


def many_rows(path: Path, rows: int = 50_000_000) -> Path:
    """*rows* rows of one small cell each."""
    return write_workbook(
        path, _sheet(lambda: _repeat(b"<row><c><v>1</v></c></row>", rows)), _strings()
    )


def far_row(path: Path, row: int = 1_000_000_000) -> Path:
    """Two rows a billion rows apart: a reader filling in the empty rows between fills forever."""
    return write_workbook(
        path, _sheet(_one(f'<row r="{row}"><c><v>1</v></c></row>'.encode())), _strings()
    )


def wide_rows(path: Path, rows: int = 5_000_000) -> Path:
    """*rows* rows each with one cell in the last column Excel has (XFD): 16,384 columns each."""
    return write_workbook(
        path, _sheet(lambda: _repeat(b'<row><c r="XFD1"><v>1</v></c></row>', rows)), _strings()
    )


def wide_row(path: Path, cells: int = 50_000_000) -> Path:
    """One row of *cells* cells (no column references: each is the next column)."""
    return write_workbook(
        path,
        _sheet(_one(b"<row>"), lambda: _repeat(b"<c><v>1</v></c>", cells), _one(b"</row>")),
        _strings(),
    )


def many_strings(path: Path, count: int = 100_000_000) -> Path:
    """*count* one-letter shared strings."""
    return write_workbook(path, _sheet(), _strings(lambda: _repeat(b"<si><t>a</t></si>", count)))


def many_elements(path: Path, count: int = 100_000_000) -> Path:
    """Elements outside any row, which a reader that only clears rows keeps."""
    return write_workbook(path, _sheet(lambda: _repeat(b"<x/>", count)), _strings())


def many_styles(path: Path, count: int = 390_000) -> Path:
    """A style sheet of *count* cell formats (Excel allows 64,000), each made into an object."""
    content = small_workbook(b'<row r="2"><c r="A2"><v>1</v></c></row>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(__import__("io").BytesIO(content)) as source:
            for name in source.namelist():
                archive.writestr(name, source.read(name))
        archive.writestr(
            "xl/styles.xml",
            b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + b"<cellXfs>"
            + b"<xf/>" * count
            + b"</cellXfs></styleSheet>",
        )
    return path


BOMBS: dict[str, Callable[[Path], Path]] = {
    "huge_shared_string": huge_shared_string,
    "huge_inline_string": huge_inline_string,
    "many_rows": many_rows,
    "far_row": far_row,
    "wide_rows": wide_rows,
    "wide_row": wide_row,
    "many_strings": many_strings,
    "many_elements": many_elements,
    "many_styles": many_styles,
}


def small_workbook(rows: bytes = b"", workbook: str = WORKBOOK, sheet_head: bytes = b"") -> bytes:
    """A workbook of the header row and *rows* (sheet XML), in memory; *workbook* replaces the
    workbook part and *sheet_head* goes before the sheet's root element (a DOCTYPE, say)."""
    import io

    buffer = io.BytesIO()
    sheet = SHEET_START.encode()
    if sheet_head:
        sheet = sheet.replace(b"?>", b"?>" + sheet_head, 1)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/sharedStrings.xml", SST_START + "</sst>")
        archive.writestr(
            "xl/worksheets/sheet1.xml", sheet + HEADER_ROW.encode() + rows + SHEET_END.encode()
        )
    return buffer.getvalue()
