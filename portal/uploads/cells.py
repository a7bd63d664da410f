"""Reading the cells of small tables (indicators, practical projects, the proposals ledger): text
of a bounded length, keys, yes/no, percentages and two-place figures, each failing with a
:class:`CellError` whose message says why, in the reader's language. Money is read by
:mod:`portal.uploads.amounts`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.uploads.amounts import NIL, CellError

__all__ = [
    "CellError",
    "Parser",
    "fixed2",
    "key",
    "normalise_value",
    "progress_percent",
    "text_of",
    "yes_no",
]

Parser = Callable[[str], Any]
#: ASCII digits only (``Decimal()`` and ``int()`` also take other scripts' digits).
_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
#: Digits before the point of a two-place figure (it is stored as a 64-bit integer of hundredths).
MAX_WHOLE_DIGITS = 15


def normalise_value(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")


_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")


def key(text: str) -> str:
    text = text.strip()
    if not _KEY.fullmatch(text):
        raise CellError(
            _l("Use up to 80 letters, digits, “-”, “_” or “.”, starting with a letter or digit.")
        )
    return text


def text_of(limit: int, required: bool = False) -> Parser:
    def parse(text: str) -> str:
        text = text.strip()
        if required and not text:
            raise CellError(_l("This cell must be filled in."))
        if len(text) > limit:
            raise CellError(_l("Too long: at most %(limit)s characters.", limit=limit))
        return text

    return parse


_YES = {"是", "对", "true", "yes", "y", "1", "高", "越高越好", "越大越好"}
_NO = {"否", "错", "false", "no", "n", "0", "低", "越低越好", "越小越好"}


def yes_no(text: str) -> bool:
    value = normalise_value(text)
    if value == "" or value in _YES:
        return True
    if value in _NO:
        return False
    raise CellError(_l("Write 是 or 否 (yes or no)."))


def progress_percent(text: str) -> int:
    value = normalise_value(text).rstrip("%")
    if value == "":
        return 0
    if not (value.isdigit() and value.isascii() and len(value) <= 3) or int(value) > 100:
        raise CellError(_l("A whole number from 0 to 100."))
    return int(value)


def fixed2(text: str) -> Decimal | None:
    """A value with up to two decimal places (indicator targets and results); may be negative."""
    plain = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace(" ", "")
    if plain in NIL:
        return None
    plain = plain.rstrip("%")
    match = _NUMBER.fullmatch(plain.replace("−", "-"))
    if match is None or not (match[2] or match[3]):
        raise CellError(_l("Not a number, e.g. 97.5."))
    if len(match[2].lstrip("0")) > MAX_WHOLE_DIGITS:
        raise CellError(
            _l("Too large: at most %(digits)s digits before the point.", digits=MAX_WHOLE_DIGITS)
        )
    if len((match[3] or "").rstrip("0")) > 2:
        raise CellError(_l("At most two decimal places."))
    value = Decimal(plain)
    if value != value.quantize(Decimal("0.01")):
        raise CellError(_l("At most two decimal places."))
    return value
