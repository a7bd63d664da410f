"""Reading amounts of money exactly, to the 分, in the unit a table states.

An amount becomes whole 分 (an ``int``): ``1,234.56`` in 元 is 123456; ``12.3456`` in 万元 is
12345600. A cell more precise than the 分 is refused rather than rounded. The usual cell takes a
fast path (:func:`parse_amount`); a whole column of plain cells is converted by C code
(:func:`plain_amounts`), which is what keeps a million-line import fast.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import cast

from flask_babel import lazy_gettext as _l

from portal.uploads.cells import NIL, CellError
from portal.uploads.units import Unit

#: The largest amount a line may hold, in 分 (one trillion yuan, 1万亿元): far above any line of a
#: city's table, and sums of a million such lines still fit 64-bit integers.
MAX_FEN = 10**14
#: ASCII digits only: ``int()`` would also take other scripts' digits, and str.isdigit() more.
_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")


def parse_amount(text: str, unit: Unit) -> int | None:
    """An amount in *unit* as whole 分; ``None`` for an empty cell (:data:`~portal.uploads.cells.NIL`:
    a blank, a dash, 无). Raises :class:`CellError`.

    Accepts thousands separators, full-width digits, spaces, a sign or brackets for a negative."""
    if not text:
        return None
    exponent = unit.exponent
    longest = _integer_digits(unit)
    dot = text.find(".")
    if dot < 0:
        if text.isdigit() and text.isascii() and len(text) <= longest:
            return int(text) * 10**exponent
    else:
        places = len(text) - dot - 1
        digits = text[:dot] + text[dot + 1 :]
        if places <= exponent and digits.isdigit() and digits.isascii() and dot <= longest:
            return int(digits) * 10 ** (exponent - places)
    return _parse_slowly(text, unit)


def decimal_places(text: str) -> int:
    """How many decimal places a cell shows (``1,234.50`` → 2): the table's precision."""
    plain = unicodedata.normalize("NFKC", text).strip().rstrip(")")
    dot = plain.rfind(".")
    return 0 if dot < 0 else len(plain) - dot - 1


def _parse_slowly(text: str, unit: Unit) -> int | None:
    plain = unicodedata.normalize("NFKC", text).strip()
    plain = plain.replace(",", "").replace(" ", "").replace("\u00a0", "").replace("'", "")
    if plain in NIL:
        return None
    negative = plain.startswith("(") and plain.endswith(")")
    if negative:
        plain = plain[1:-1]
    plain = plain.replace("−", "-")
    match = _NUMBER.fullmatch(plain)
    if match is None or not (match[2] or match[3]):
        raise CellError(
            _l(
                "Not an amount: write a number such as 1250.50 (in %(unit)s).",
                unit=unit.label,
            )
        )
    sign, whole, fraction = match[1], match[2].lstrip("0") or "0", (match[3] or "").rstrip("0")
    if len(whole) > _integer_digits(unit) + 1:  # before int(): thousands of digits would fail it
        raise CellError(
            _l(
                "Too large for one line (over 1 trillion yuan): check the unit, %(unit)s.",
                unit=unit.label,
            )
        )
    if len(fraction) > unit.exponent:
        raise CellError(
            _l(
                "More decimal places than the 分: in %(unit)s an amount has at most %(places)s.",
                unit=unit.label,
                places=unit.exponent,
            )
        )
    fen = int(whole) * 10**unit.exponent + int((fraction or "0").ljust(unit.exponent, "0"))
    if fen > MAX_FEN:
        raise CellError(
            _l(
                "Too large for one line (over 1 trillion yuan): check the unit, %(unit)s.",
                unit=unit.label,
            )
        )
    return -fen if (negative or sign == "-") and fen else fen


def plain_amounts(column: Sequence[str], unit: Unit) -> tuple[list[int | None], int] | None:
    """Whole 分 for a column of plain cells, converted by C code (``str.replace``, ``int``) rather
    than one Python call per cell, and the decimal places the cells show; ``None`` if any cell
    needs a closer look (see :func:`parse_amount`)."""
    joined = "\n".join(column) + "\n"
    exponent = unit.exponent
    digits = _integer_digits(unit)
    for places in (2, 0, 1):
        if places > exponent:
            continue
        pattern = _plain_pattern(digits, places)
        if pattern.fullmatch(joined):
            zeros = "0" * (exponent - places)
            values = list(map(int, joined.replace(".", "").replace("\n", zeros + "\n").split()))
            if len(values) != len(column):
                return None  # a cell with a line break in it: look closer
            return cast("list[int | None]", values), places
    if not joined.replace("\n", ""):
        return [None] * len(column), 0
    return None


def _integer_digits(unit: Unit) -> int:
    """Digits before the point that can never exceed :data:`MAX_FEN`."""
    return len(str(MAX_FEN // 10**unit.exponent)) - 1


_patterns: dict[tuple[int, int], re.Pattern[str]] = {}


def _plain_pattern(digits: int, places: int) -> re.Pattern[str]:
    key = (digits, places)
    if key not in _patterns:
        fraction = rf"\.[0-9]{{{places}}}" if places else ""
        _patterns[key] = re.compile(rf"(?:[0-9]{{1,{digits}}}{fraction}\n)*")
    return _patterns[key]


def format_amount(fen: int, unit: Unit) -> str:
    """Whole 分 in *unit*, for a message: 12345600 in 万元 → ``12.3456``; in 元 → ``123456.00``."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    whole, rest = divmod(fen, 10**unit.exponent)
    fraction = str(rest).rjust(unit.exponent, "0").rstrip("0")
    if len(fraction) < 2:
        fraction = fraction.ljust(2, "0")
    return f"{sign}{whole:,}.{fraction}"
