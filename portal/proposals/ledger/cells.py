"""Reading the ledger's cells: dates as clerks write them (or as Excel stores them), item
numbers, years, rounds, months, areas and names, the fixed choices (type, role, meeting form,
disclosure, satisfaction), and the submitters and reply classes on record."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.proposals.models import (
    Disclosure,
    HandlingRole,
    ItemKind,
    MeetingForm,
    ReplyClass,
    Satisfaction,
    Submitter,
)
from portal.proposals.rules import rules, today
from portal.spending.upload.records import area
from portal.uploads.cells import CellError, choices, normalise_value

_LIST_SEPARATORS = re.compile(r"[、，,；;/\s]+")
_DATE = re.compile(
    r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
)
#: Excel's day numbers (days since 1899-12-30) of 1954 to 2119, for a date cell saved as a number.
_EXCEL_DAYS = range(20_000, 80_000)
_EXCEL_EPOCH = date(1899, 12, 30)


item_kind = choices(
    {
        "建议": ItemKind.SUGGESTION,
        "代表建议": ItemKind.SUGGESTION,
        "人大代表建议": ItemKind.SUGGESTION,
        "人大建议": ItemKind.SUGGESTION,
        "suggestion": ItemKind.SUGGESTION,
        "提案": ItemKind.PROPOSAL,
        "政协提案": ItemKind.PROPOSAL,
        "委员提案": ItemKind.PROPOSAL,
        "proposal": ItemKind.PROPOSAL,
    },
    _l("Write 建议 or 提案 (suggestion or proposal)."),
)
handling_role = choices(
    {
        "独办": HandlingRole.SOLE,
        "主办": HandlingRole.LEAD,
        "会办": HandlingRole.CO,
        "协办": HandlingRole.CO,
        "分办": HandlingRole.SPLIT,
        **{role.value: role for role in HandlingRole},
    },
    _l("Write 独办, 主办, 会办 or 分办 (sole, lead, co, split)."),
)
meeting_form = choices(
    {
        "当面沟通": MeetingForm.IN_PERSON,
        "当面": MeetingForm.IN_PERSON,
        "面商": MeetingForm.IN_PERSON,
        "现场调研": MeetingForm.SITE_VISIT,
        "实地调研": MeetingForm.SITE_VISIT,
        "座谈会": MeetingForm.MEETING,
        "座谈": MeetingForm.MEETING,
        "电话沟通": MeetingForm.PHONE,
        "电话": MeetingForm.PHONE,
        "网络沟通": MeetingForm.ONLINE,
        "视频沟通": MeetingForm.ONLINE,
        "视频会议": MeetingForm.ONLINE,
        **{form.value: form for form in MeetingForm},
    },
    _l(
        "Write 当面沟通, 现场调研, 座谈会, 电话沟通 or 网络沟通 (in_person, site_visit, meeting, phone, online)."
    ),
)
disclosure = choices(
    {
        "全文公开": Disclosure.FULL,
        "公开": Disclosure.FULL,
        "摘要公开": Disclosure.SUMMARY,
        "不予公开": Disclosure.WITHHELD,
        "不公开": Disclosure.WITHHELD,
        **{mode.value: mode for mode in Disclosure},
    },
    _l("Write 全文公开, 摘要公开 or 不予公开 (full, summary, withheld)."),
)
satisfaction = choices(
    {
        "满意": Satisfaction.SATISFIED,
        "基本满意": Satisfaction.BASIC,
        "不满意": Satisfaction.DISSATISFIED,
        "basically satisfied": Satisfaction.BASIC,
        "not satisfied": Satisfaction.DISSATISFIED,
        **{value.value: value for value in Satisfaction},
    },
    _l("Write 满意, 基本满意 or 不满意 (satisfied, basic, dissatisfied)."),
)


def ledger_date(text: str) -> date:
    """A date as clerks write it, or as Excel stores it (an empty cell is never read)."""
    value = unicodedata.normalize("NFKC", text).strip()
    match = _DATE.fullmatch(value)
    if match is not None:
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise CellError(_l("There is no such date.")) from None
    elif _is_digits(value, 5) and int(value) in _EXCEL_DAYS:
        day = _EXCEL_EPOCH + timedelta(days=int(value))
    else:
        raise CellError(_l("Not a date. Write it as 2025-03-12, 2025/3/12 or 2025年3月12日."))
    if day.year < 2000:
        raise CellError(_l("Not a date. Write it as 2025-03-12, 2025/3/12 or 2025年3月12日."))
    if day > today():
        raise CellError(_l("This date is in the future."))
    return day


def _is_digits(text: str, most: int) -> bool:
    """ASCII digits, at most *most* of them (``str.isdigit()`` alone takes ``²`` or ``𐩀``,
    which ``int()`` refuses, and ``int()`` refuses thousands of digits)."""
    return text.isascii() and text.isdigit() and len(text) <= most


def item_number(text: str) -> str:
    """第0012号 → ``0012``; numbers of digits get at least four (``12`` → ``0012``), so that a
    spreadsheet that dropped the leading zeros still finds the item."""
    value = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    value = value.removeprefix("第").removesuffix("号").removesuffix("號")
    if not re.fullmatch(r"[0-9A-Za-z-]{1,10}", value):
        raise CellError(_l("Write the item's number, e.g. 0012 (or 第0012号)."))
    return value.zfill(4) if value.isdigit() else value


def number_key(number: str) -> str:
    """The number as items are matched by (a stored ``12`` is the ledger's ``0012``)."""
    return number.zfill(4) if number.isdigit() else number


def session_key(label: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", label))


def year_number(text: str) -> int:
    value = normalise_value(text).removesuffix("年")
    if not (_is_digits(value, 4) and 2000 <= int(value) <= 2100):
        raise CellError(_l("A year, e.g. 2025."))
    return int(value)


def round_number(text: str) -> int:
    value = normalise_value(text)
    limit = rules().max_rounds
    if not (_is_digits(value, 3) and 1 <= int(value) <= limit):
        raise CellError(
            _l(
                "1, or 2 for the round handled again after “not satisfied” feedback (at most %(limit)s).",
                limit=limit,
            )
        )
    return int(value)


def months(text: str) -> int:
    value = normalise_value(text).removesuffix("个月").removesuffix("月")
    if not (_is_digits(value, 3) and 0 < int(value) <= 24):
        raise CellError(_l("A whole number of months, e.g. 5."))
    return int(value)


def area_list(text: str) -> list[str]:
    slugs: list[str] = []
    for name in _LIST_SEPARATORS.split(text.strip()):
        if name and (slug := area(name)) not in slugs:
            slugs.append(slug)
    return slugs


def names(text: str) -> list[str]:
    return [name for name in _LIST_SEPARATORS.split(text.strip()) if name]


# -- what is on record ----------------------------------------------------------------------------


@dataclass
class Lookups:
    """Submitters and reply classes, read once per check (both tables are small)."""

    submitters: dict[int, Submitter]
    by_key: dict[str, Submitter]
    by_name: dict[str, list[Submitter]]
    reply_classes: dict[str, str]  # code, "A类", Chinese or English name → code
    codes: list[str]

    @classmethod
    def load(cls, session: Session) -> Lookups:
        submitters = list(session.scalars(select(Submitter).order_by(Submitter.id)))
        by_name: dict[str, list[Submitter]] = {}
        for submitter in submitters:
            by_name.setdefault(normalise_value(submitter.name), []).append(submitter)
        classes = list(session.scalars(select(ReplyClass).order_by(ReplyClass.position)))
        names_: dict[str, str] = {}
        for reply_class in classes:
            for name in (reply_class.name_zh, reply_class.name_en):
                names_[normalise_value(name)] = reply_class.code
            for name in (reply_class.code, f"{reply_class.code}类"):
                names_[normalise_value(name)] = reply_class.code
        return cls(
            submitters={s.id: s for s in submitters},
            by_key={normalise_value(s.key): s for s in submitters},
            by_name=by_name,
            reply_classes=names_,
            codes=[c.code for c in classes],
        )

    def submitter(self, text: str) -> Submitter:
        """The submitter named or keyed *text* (代表/委员 after a name is allowed)."""
        value = normalise_value(text)
        found = self.by_key.get(value)
        if found is not None:
            return found
        candidates = self.by_name.get(value) or self.by_name.get(
            value.removesuffix("代表").removesuffix("委员"), []
        )
        if len(candidates) > 1:
            raise CellError(
                _l(
                    "Several submitters on record have this name: write the key of the one meant (%(keys)s).",
                    keys=", ".join(s.key for s in candidates),
                )
            )
        if not candidates:
            raise CellError(
                _l(
                    "No deputy or CPPCC member of this name or key is on record. Check the spelling, or have the submitter added first."
                )
            )
        return candidates[0]

    def reply_class(self, text: str) -> str:
        code = self.reply_classes.get(normalise_value(text))
        if code is None:
            raise CellError(
                _l("Unknown reply class. Use one of: %(codes)s.", codes=", ".join(self.codes))
            )
        return code
