"""An XLSX workbook written as its rows come: the sheet's XML straight into a zip that streams.

Why not openpyxl's write-only mode: without lxml it serialises every cell through a pure-Python
XML writer (about 15,000 cells a second here), so a million-line version (18 million cells) would
take some twenty minutes and outlive any worker's timeout, and it only hands the file over once it
is complete. A sheet of plain rows needs very little of the format (ECMA-376): text as inline
strings (``t="inlineStr"``, what Apache POI's streaming writer uses), numbers as numbers, booleans
as booleans, a bold frozen header row. Past Excel's 1,048,576 rows a sheet, the rows go on in a
second sheet. openpyxl reads the result in the tests.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from xml.sax.saxutils import escape

from portal.opendata.files.sink import Sink

MAX_ROWS = 1_048_576
SHEET_TITLE = "data"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: Characters XML 1.0 does not allow (a spreadsheet cell cannot hold them either).
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: Bytes gathered before they go into the zip.
CHUNK = 256 * 1024

STYLES = (
    HEAD + f'<styleSheet xmlns="{MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_START = (
    HEAD + f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews><sheetData>"
)
SHEET_END = "</sheetData></worksheet>"


def column_letter(index: int) -> str:
    """``0`` → ``A``, ``25`` → ``Z``, ``26`` → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def text_xml(value: str) -> str:
    text = escape(ILLEGAL.sub("", value))
    return f'<is><t xml:space="preserve">{text}</t></is>'


#: One cell's XML from its reference and value, per kind of cell (see :mod:`.formats`).
CellWriter = Callable[[str, Any], str]


def text_cell(ref: str, value: Any) -> str:
    return f'<c r="{ref}" t="inlineStr">{text_xml(value)}</c>'


def number_cell(ref: str, value: Any) -> str:
    return (
        f'<c r="{ref}"><v>{value:f}</v></c>'
        if not isinstance(value, int)
        else (f'<c r="{ref}"><v>{value}</v></c>')
    )


def boolean_cell(ref: str, value: Any) -> str:
    return f'<c r="{ref}" t="b"><v>{1 if value else 0}</v></c>'


def _sheet_rows(
    header: Sequence[str], rows: Iterable[Sequence[Any]], writers: Sequence[CellWriter]
) -> Iterator[tuple[int, str]]:
    """``(sheet number, XML)`` pieces of every sheet's rows, the header at the top of each."""
    letters = [column_letter(i) for i in range(len(header))]
    head_cells = "".join(
        f'<c r="{letter}1" s="1" t="inlineStr">{text_xml(h)}</c>'
        for letter, h in zip(letters, header, strict=True)
    )
    sheet, number = 1, 1
    yield sheet, f'<row r="1">{head_cells}</row>'
    for row in rows:
        if number == MAX_ROWS:
            sheet, number = sheet + 1, 1
            yield sheet, f'<row r="1">{head_cells}</row>'
        number += 1
        cells = "".join(
            write(f"{letter}{number}", value)
            for write, letter, value in zip(writers, letters, row, strict=True)
            if value is not None
        )
        yield sheet, f'<row r="{number}">{cells}</row>'


def workbook_parts(sheets: int) -> dict[str, str]:
    """The parts besides the sheets, for a workbook of *sheets* sheets."""
    names = [SHEET_TITLE if n == 1 else f"{SHEET_TITLE} ({n})" for n in range(1, sheets + 1)]
    sheet_overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, sheets + 1)
    )
    return {
        "[Content_Types].xml": HEAD
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheet_overrides}</Types>",
        "_rels/.rels": HEAD + f'<Relationships xmlns="{PACKAGE_REL}">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": HEAD
        + f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
        + "".join(
            f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>'
            for n, name in enumerate(names, start=1)
        )
        + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": HEAD
        + f'<Relationships xmlns="{PACKAGE_REL}">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="{REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, sheets + 1)
        )
        + f'<Relationship Id="rId{sheets + 1}" Type="{REL}/styles" Target="styles.xml"/>'
        "</Relationships>",
        "xl/styles.xml": STYLES,
    }


def xlsx_stream(
    header: Sequence[str], rows: Iterable[Sequence[Any]], writers: Sequence[CellWriter]
) -> Iterator[bytes]:
    """The workbook's bytes, as its rows are read (*writers*: one per column)."""
    sink = Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        sheets = 0
        member = None
        pending: list[str] = []
        size = 0
        try:
            for sheet, xml in _sheet_rows(header, rows, writers):
                if sheet != sheets:
                    if member is not None:
                        member.write(("".join(pending) + SHEET_END).encode("utf-8"))
                        member.close()
                        pending, size = [], 0
                    sheets = sheet
                    member = archive.open(f"xl/worksheets/sheet{sheet}.xml", "w", force_zip64=True)
                    pending.append(SHEET_START)
                pending.append(xml)
                size += len(xml)
                if size >= CHUNK and member is not None:
                    member.write("".join(pending).encode("utf-8"))
                    pending, size = [], 0
                    yield sink.take()
            if member is not None:
                member.write(("".join(pending) + SHEET_END).encode("utf-8"))
        finally:
            if member is not None:
                member.close()
        for name, content in workbook_parts(sheets).items():
            archive.writestr(name, content)
    yield sink.take()
