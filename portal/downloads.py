"""What every file the portal hands out needs: cells a spreadsheet will never run as a formula, and
a ``Content-Disposition`` that carries any file name (RFC 6266 with RFC 5987's ``filename*``).

Why not defusedcsv: it leaves tab and carriage return alone (both start formulas in some
spreadsheets, and OWASP lists them), rewrites ``|`` inside text and escapes ``%``; the rule here is
OWASP's exactly and changes nothing else.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

#: A cell starting with one of these is read as a formula by Excel, LibreOffice or Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: A plain number (as the portal writes them, and as a reader types them): left as it is, so
#: negative amounts stay numbers.
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:,\d{3})*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?", re.ASCII)


def spreadsheet_safe(value: str) -> str:
    """*value* as a spreadsheet cell that is text, never a formula (OWASP CSV injection rule):
    a cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR gets a leading apostrophe, unless it
    is a plain number such as ``-1,234.50``."""
    if value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: list[str]) -> list[str]:
    return [spreadsheet_safe(v) for v in values]


def attachment(filename: str, fallback: str | None = None) -> str:
    """A ``Content-Disposition`` value for downloading *filename*, whatever its characters:
    an ASCII fallback for old clients (*fallback* if given, else what is ASCII in the name) and
    the exact name as UTF-8 in ``filename*``."""
    name = "".join(c for c in filename if c.isprintable() and c not in '\\/"') or "download"
    ascii_name = (
        unicodedata.normalize("NFKD", fallback or name)
        .encode("ascii", "ignore")
        .decode("ascii")
        .strip()
    )
    ascii_name = "".join(c for c in ascii_name if c.isprintable() and c not in '\\/"')
    _stem, dot, suffix = name.rpartition(".")
    if not ascii_name or ascii_name.startswith("."):
        ascii_name = "download" + (dot + suffix if dot and suffix.isascii() else "")
    if ascii_name == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
