"""Functional classification codes as tables write them: ``2080505``, ``208 05 05``, full-width
``２０８０５０５``, a number in an XLSX cell, or split into three columns 类 ``208`` / 款 ``05`` /
项 ``05`` (款 and 项 sometimes as ``5``, or as the whole code so far), sometimes with the name in the
same cell (``[208]社会保障和就业支出``).
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.spending.upload.vocabulary import CODE_LENGTHS

_SPACES = re.compile(r"[\s\u3000]+")
#: A code followed by its name in one cell.
_CODE_AND_NAME = re.compile(
    r"^(?:[\[【(](2\d{2}(?:\d{2}){0,2})[\]】)]|(2\d{2}(?:\d{2}){0,2})(?=[\s.、:：-]|[^\x00-\x7f]))"
    r"[\s.、:：-]*([^\d\s].*)$"
)


def normalise_code(text: str) -> str:
    """The code in a cell, as digits: full-width to half-width, spaces removed."""
    if text.isascii() and text.isdigit():
        return text
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


def split_code_and_name(text: str) -> tuple[str, str] | None:
    """``[208]社会保障和就业支出`` → (``208``, ``社会保障和就业支出``); ``None`` if not of that form."""
    match = _CODE_AND_NAME.match(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        return None
    return match[1] or match[2], match[3].strip()


def _part(text: str) -> str:
    part = normalise_code(text)
    if part.isdigit() and len(part) == 1:
        return "0" + part
    return part


def join_split_code(lei: str, kuan: str, xiang: str) -> str:
    """The code of three columns 类 / 款 / 项: ``("208", "05", "05")`` → ``2080505``;
    ``("208", "5", "")`` → ``20805``; a column holding the whole code so far is taken as such."""
    lei, kuan, xiang = normalise_code(lei), _part(kuan), _part(xiang)
    if xiang and len(xiang) == 7:
        return xiang
    if kuan and len(kuan) == 5 and not xiang:
        return kuan
    if kuan and len(kuan) == 5:
        return kuan + xiang
    return lei + kuan + xiang


class SplitCodeReader:
    """Joins split codes row after row; a blank 类 (or 款) under a row that had one is inherited,
    as tables that print the class only on the class row do."""

    def __init__(self) -> None:
        self.lei = ""
        self.kuan = ""

    def code(self, lei: str, kuan: str, xiang: str) -> str:
        lei, kuan, xiang = normalise_code(lei), _part(kuan), _part(xiang)
        if not (lei or kuan or xiang):
            return ""
        if lei:
            self.lei, self.kuan = lei, ""
        if kuan and len(kuan) == 2 and not lei:
            lei = self.lei
        if kuan:
            self.kuan = kuan if len(kuan) == 5 else lei + kuan
        if xiang and len(xiang) == 2 and not kuan:
            return self.kuan + xiang if self.kuan else lei + xiang
        return join_split_code(lei, kuan, xiang)


def code_problem(code: str) -> LazyString | None:
    """Why *code* cannot be a functional classification code of expenditure (``None`` if it can)."""
    if not code:
        return _l("The code is missing.")
    if not (code.isdigit() and code.isascii()):
        return _l(
            "Not a functional classification code: a code is 3, 5 or 7 digits (class, section, item)."
        )
    if len(code) not in CODE_LENGTHS:
        return _l(
            "A functional classification code has 3, 5 or 7 digits (class, section, item), not %(length)s.",
            length=len(code),
        )
    if not code.startswith("2"):
        return _l(
            "Not a code of expenditure: the functional classification of expenditure starts with 2 (201 to 2xx)."
        )
    return None
