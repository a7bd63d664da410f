"""Reading the cells of tables (indicators, practical projects, the proposals ledger, spending):
what an empty cell is (:data:`NIL`, for every kind of table), text of a bounded length, keys, one
of a fixed set of words (:func:`choices`, e.g. :func:`yes_no`), percentages and two-place
figures, each failing with a :class:`CellError` whose message says why, in the reader's language.
Money is read by :mod:`portal.uploads.amounts`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

__all__ = [
    "NIL",
    "CellError",
    "Parser",
    "choices",
    "fixed2",
    "is_nil",
    "key",
    "normalise_value",
    "progress_percent",
    "text_of",
    "yes_no",
]

Parser = Callable[[str], Any]
T = TypeVar("T")
#: What a table writes in a cell that holds nothing: blank, a dash of any length, a slash, or 无
#: ("none": in an amount column of a government table, nil; in a date column, no such step).
NIL = frozenset({"", "-", "—", "–", "--", "——", "―", "－", "/", "—/—", "无"})
#: ASCII digits only (``Decimal()`` and ``int()`` also take other scripts' digits).
_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
#: Digits before the point of a two-place figure (it is stored as a 64-bit integer of hundredths).
MAX_WHOLE_DIGITS = 15


class CellError(ValueError):
    """A cell that cannot be read; the message says why, in the reader's language."""

    def __init__(self, message: LazyString) -> None:
        super().__init__(str(message))
        self.message = message


def normalise_value(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")


def is_nil(text: str) -> bool:
    """Whether the cell holds nothing (:data:`NIL`), full-width forms and spaces aside."""
    return unicodedata.normalize("NFKC", text).strip() in NIL


def choices(words: Mapping[str, T], message: LazyString) -> Callable[[str], T]:
    """A parser of a cell holding one of *words* (compared after :func:`normalise_value`, so in
    any case, width or spacing); anything else fails with *message*."""
    table = {normalise_value(word): value for word, value in words.items()}

    def parse(text: str) -> T:
        try:
            return table[normalise_value(text)]
        except KeyError:
            raise CellError(message) from None

    return parse


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


_YES = ("是", "对", "true", "yes", "y", "1", "高", "越高越好", "越大越好")
_NO = ("否", "错", "false", "no", "n", "0", "低", "越低越好", "越小越好")
#: Yes or no; an empty cell is yes (the column's usual answer).
yes_no = choices(
    {"": True, **dict.fromkeys(_YES, True), **dict.fromkeys(_NO, False)},
    _l("Write 是 or 否 (yes or no)."),
)


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
