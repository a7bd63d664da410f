"""How far an uploaded table may expand, in one place: every bound the readers apply before and
while parsing, so that no file the upload size lets through (``MAX_UPLOAD_MB``, 20 MB) can take a
worker's memory or time.

The bounds are those of what a legitimate file of that size holds: Excel's own sheet is at most
1,048,576 rows by 16,384 columns and a cell at most 32,767 characters; a 20 MB workbook written by
Excel or WPS expands to some hundreds of megabytes of XML at a ratio well under 100 to 1; a 20 MB
CSV holds about a million lines. A file over a bound is refused with one clear problem
(:func:`limit_problem`), never read on, so a refusal costs a fraction of reading the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.uploads.files import TableFileError, file_problem


@dataclass(frozen=True)
class UploadLimits:
    #: Rows of one sheet or CSV file: Excel's own limit.
    rows: int = 1_048_576
    #: Columns of one row: Excel's own limit (XFD).
    columns: int = 16_384
    #: Characters of one row of a CSV file (a quote left open makes the rest of the file one row).
    row_chars: int = 1 << 20
    #: Cells in all (empty ones inside a row count too: they cost as much to read).
    cells: int = 12_000_000
    #: Characters of one cell (Excel allows 32,767; the XML of one may spell them with entities).
    cell_chars: int = 32_767
    #: Bytes of XML between two tags: the longest cell text, attributes included, may take.
    xml_text_bytes: int = 256 << 10
    #: Shared strings of a workbook, and their characters in all (they are held in memory).
    shared_strings: int = 2_000_000
    shared_string_chars: int = 64_000_000
    #: XML elements of one row (a cell is two or three; rich text a few more per run).
    row_elements: int = 200_000
    #: XML elements of the sheet in all (a cell is two or three).
    sheet_elements: int = 40_000_000
    #: Bytes of XML of one row (or one shared string) with everything in it.
    row_bytes: int = 8 << 20
    #: Parts (files) in the workbook's zip archive.
    zip_members: int = 2_000
    #: Uncompressed bytes of the sheet or the shared strings, and of the whole archive.
    member_bytes: int = 512 << 20
    total_bytes: int = 640 << 20
    #: Uncompressed bytes of any other part (styles, workbook, relationships: parsed whole).
    small_part_bytes: int = 8 << 20
    #: XML elements of such a part (once openpyxl has made objects of them, up to a kilobyte each;
    #: Excel writes at most 64,000 cell formats, a few elements each, and usually far fewer).
    small_part_elements: int = 150_000
    #: Uncompressed / compressed size of a part bigger than ``ratio_floor_bytes``.
    compression_ratio: int = 100
    ratio_floor_bytes: int = 1 << 20


LIMITS = UploadLimits()


def limit_problem(what: str, limit: int) -> LazyString:
    """The message for a file over one of the bounds, in words a clerk understands."""
    messages = {
        "rows": _l(
            "The table has more than %(limit)s rows, more than a spreadsheet can hold. Check that it is the right file, or split it.",
            limit=f"{limit:,}",
        ),
        "columns": _l(
            "A row of the table has more than %(limit)s columns, more than a spreadsheet can hold. Check that it is the right file.",
            limit=f"{limit:,}",
        ),
        "row_chars": _l(
            'A row of the table is longer than %(limit)s characters. Check that it is the right file, and that every quote (") in it is closed.',
            limit=f"{limit:,}",
        ),
        "cells": _l(
            "The table has more than %(limit)s cells (counting empty cells inside its rows). Delete the columns and rows that do not belong to the table, or split it.",
            limit=f"{limit:,}",
        ),
        "cell_chars": _l(
            "A cell holds more than %(limit)s characters, more than a spreadsheet cell can hold. Check that it is the right file.",
            limit=f"{limit:,}",
        ),
        "shared_strings": _l(
            "The workbook holds more than %(limit)s different texts. Delete the sheets and cells that do not belong to the table, or save it as CSV.",
            limit=f"{limit:,}",
        ),
        "expanded": _l(
            "The workbook unpacks to more than %(limit)s MB, far more than a table of this size can hold: it is damaged or built to overload the server. Save the table again from Excel, or as CSV.",
            limit=f"{limit >> 20:,}",
        ),
        "ratio": _l(
            "The workbook is packed more than %(limit)s times smaller than its content, which no spreadsheet program does: it is damaged or built to overload the server. Save the table again from Excel, or as CSV.",
            limit=f"{limit:,}",
        ),
        "members": _l(
            "The workbook is made of more than %(limit)s parts, which no table needs. Save the table again from Excel, or as CSV.",
            limit=f"{limit:,}",
        ),
        "row_bytes": _l(
            "A row of the workbook takes more than %(limit)s MB, far more than its cells can hold: it is damaged or built to overload the server. Save the table again from Excel, or as CSV.",
            limit=f"{limit >> 20:,}",
        ),
        "elements": _l(
            "The workbook holds far more markup than its cells need (over %(limit)s elements in one place): it is damaged or built to overload the server. Save the table again from Excel, or as CSV.",
            limit=f"{limit:,}",
        ),
    }
    return messages[what]


def over_limit(what: str, limit: int) -> TableFileError:
    """The refusal of a file over one of the bounds."""
    return file_problem(limit_problem(what, limit))
