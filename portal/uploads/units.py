"""The money units tables are published in, and finding the one a table states.

A table says its unit in a unit row (``单位：万元``), inside its title (``（单位：元）``) or in a
column header (``预算数（万元）``). :func:`units_in_text` finds every unit a piece of text states, so
that a table stating two different ones is caught rather than read with either.
"""

from __future__ import annotations

import enum
import re
import unicodedata

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


class Unit(enum.StrEnum):
    """A money unit, by the power of ten that turns it into 分."""

    YUAN = "yuan"  # 元
    THOUSAND = "thousand"  # 千元
    WAN = "wan"  # 万元
    YI = "yi"  # 亿元

    @property
    def exponent(self) -> int:
        """1 unit = 10 ** exponent 分."""
        return _EXPONENTS[self]

    @property
    def zh(self) -> str:
        return _ZH[self]

    @property
    def label(self) -> LazyString:
        return _LABELS[self]()


_EXPONENTS = {Unit.YUAN: 2, Unit.THOUSAND: 5, Unit.WAN: 6, Unit.YI: 10}
_ZH = {Unit.YUAN: "元", Unit.THOUSAND: "千元", Unit.WAN: "万元", Unit.YI: "亿元"}
_LABELS = {
    Unit.YUAN: lambda: _l("yuan (元)"),
    Unit.THOUSAND: lambda: _l("thousand yuan (千元)"),
    Unit.WAN: lambda: _l("10,000 yuan (万元)"),
    Unit.YI: lambda: _l("100 million yuan (亿元)"),
}
_BY_WORD = {
    "元": Unit.YUAN,
    "人民币元": Unit.YUAN,
    "千元": Unit.THOUSAND,
    "万元": Unit.WAN,
    "亿元": Unit.YI,
    "yuan": Unit.YUAN,
    "rmbyuan": Unit.YUAN,
    "cny": Unit.YUAN,
    "thousandyuan": Unit.THOUSAND,
    "1,000yuan": Unit.THOUSAND,
    "10,000yuan": Unit.WAN,
    "10thousandyuan": Unit.WAN,
    "tenthousandyuan": Unit.WAN,
    "100millionyuan": Unit.YI,
    "hundredmillionyuan": Unit.YI,
}
_WORDS = "|".join(sorted((re.escape(w) for w in _BY_WORD), key=len, reverse=True))
#: "单位：万元", "金额单位:元", "unit: 10,000 yuan" — the unit after a "unit" word.
_AFTER_UNIT_WORD = re.compile(rf"(?:单位|unit|units)[:：]?\(?({_WORDS})(?![a-z])")
#: "（万元）", "(元)" — a unit alone in brackets, as in a header or a title.
_IN_BRACKETS = re.compile(rf"\((?:单位[:：]?)?({_WORDS})\)")


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def units_in_text(text: str) -> list[Unit]:
    """Every unit *text* states (as a unit row, a title or a header would), in order."""
    plain = _plain(text)
    if not plain or len(plain) > 400:
        return []
    found = [_BY_WORD[m] for m in _AFTER_UNIT_WORD.findall(plain)]
    found += [_BY_WORD[m] for m in _IN_BRACKETS.findall(plain)]
    return found


def unit_of_word(text: str) -> Unit | None:
    """The unit a cell holding only a unit names (``万元``), else ``None``."""
    return _BY_WORD.get(_plain(text))
