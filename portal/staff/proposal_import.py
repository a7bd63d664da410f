"""Uploading the bureau's handling ledger (办理台账) of deputies' suggestions (建议) and CPPCC
proposals (提案): items are created and their handling steps appended to their timelines.

The file
--------
CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX, with Chinese or English headers
(:data:`LEDGER_COLUMNS`), **one row per item and round of handling**: the first round (轮次 1, the
usual and default case) and, for an item handled again after a "not satisfied" (不满意) feedback,
a second row with 轮次 2. Columns marked * must be present.

=======================  ======================  ==================================================
Chinese header           English header          What it holds
=======================  ======================  ==================================================
届次 *                   session                 The session, as on the item, e.g. 市十五届人大二次会议
届次（英文）             session_en              Its English name (new items only)
类型 *                   type                    建议 / 提案 (suggestion / proposal)
编号 *                   number                  0012 or 第0012号; digits are kept with four places
年度 *                   year                    The year of the session
标题 *                   title                   The item's title (and 英文标题 title_en, 内容 body)
领衔人 *                 lead_submitter          Name or key of a submitter on record
联名人                   cosigners               Names or keys, separated by 、 or ;
领域 *                   areas                   One or more of the seven areas (name or slug)
承办方式 *               role                    独办 / 主办 / 会办 / 分办 (sole / lead / co / split)
其他承办单位             other_units             The other units (co-handlers, or the lead unit)
轮次                     round                   1 (default) or 2
交办日期 *               assigned_on             When the item was assigned to the bureau
延期后期限（月）         extended_to_months      An approved extension: months from assignment to
延期理由, 延期日期       extension_reason, …     the new due date in all (e.g. 5), reason, date
面商日期, 面商方式       met_on, meeting_form    当面沟通 / 现场调研 / 座谈会 / 电话沟通 / 网络沟通
答复日期, 答复文号       replied_on, …           The reply of this round, its document number,
答复类别, 答复摘要       reply_class, summary    its class (a code of the reply scheme, e.g. A),
答复全文                 text                    summary and full text (英文答复摘要 summary_en …)
公开方式, 公开日期       disclosure, …           全文公开 / 摘要公开 / 不予公开 and the date decided;
不公开理由               withheld_reason         the reason, required for 不予公开
办理满意度, 结果满意度   handling_satisfaction,  满意 / 基本满意 / 不满意 (satisfied / basic /
反馈日期, 反馈意见       result_satisfaction, …  dissatisfied), the date and the comment
办结日期                 closed_on               When the item was closed
=======================  ======================  ==================================================

Dates are read as 2025-03-12, 2025/3/12, 2025.3.12, 2025年3月12日 or a date cell of Excel; a date
in the future is an error. The item's columns (标题 to 承办方式, 交办日期) are filled in on its first
row; on a second-round row they may be left empty, and if filled must say the same. A ledger spans
the years of its items, so the upload needs no year; if one is given, every row's 年度 must be it.

What an upload does
-------------------
*Check*: every row is read and every problem reported at once (row, column, value, message):
missing columns, bad values, unknown submitters, areas or reply classes, duplicate rows. The rows
are then compared with what is on record. An item already in the database (same 届次, 类型 and
编号) gets only the steps its timeline does not have yet; a row that contradicts the timeline
(another reply date for a replied round, say) is an error, because the timeline is append-only and
corrections are made on the item's page. Steps to append must not be dated before the item's
last recorded step. Finally the steps are replayed through :mod:`portal.proposals.services` in a
SAVEPOINT that is rolled back, so whatever those services refuse (feedback before a reply, a reply
dated before the assignment, …) is reported too. Nothing is written when there is any error.

*Draft*: a valid file becomes a draft version of the one proposals dataset, keeping the original
file and its SHA-256; the timelines do not change yet. Its page shows what publishing would do
(:func:`ledger_preview`: a dry run again, against the database as it is then).

*Publish*: the file is read again and its steps applied in the publishing transaction, through
the same services (each step audited by them; the data version raised once for the lot). If the
database changed since the draft so that a step no longer applies, publishing is refused and
nothing changes. A ledger is applied once: restoring an earlier proposals version is refused,
since what it appended cannot be taken back.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.datasets.actions import StaffActionError, register_publish_action
from portal.datasets.models import ALL_YEARS, DatasetKind, DatasetVersion, VersionStatus
from portal.datasets.transactions import retry_if_locked, take_write_lock
from portal.proposals import services as proposal_services
from portal.proposals.labels import (
    MEETING_FORM_LABELS,
    ROLE_LABELS,
    SATISFACTION_LABELS,
)
from portal.proposals.models import (
    Disclosure,
    EventKind,
    HandlingRole,
    ItemArea,
    ItemKind,
    MeetingForm,
    ProposalEvent,
    ProposalItem,
    ReplyClass,
    Satisfaction,
    Status,
    Submitter,
    SubmitterKind,
)
from portal.proposals.rules import rules, today
from portal.spending.upload.records import area
from portal.uploads.cells import CellError, normalise_value, text_of
from portal.uploads.files import TableFileError, TableSource, inspect_file
from portal.uploads.headers import ColumnSpec, HeaderMap, find_header
from portal.uploads.importing import (
    ImportKind,
    ImportProgress,
    ImportRequest,
    ImportResult,
    check_header,
    record_rows,
    register_import_kind,
    table_source,
    write_version,
)
from portal.uploads.problems import Problem, ProblemLog, Severity
from portal.uploads.rows import open_rows

#: Who the dry run names (it is rolled back: no one ever sees it).
DRY_RUN = proposal_services.Actor("ledger check")
#: How many problems the message of a refused publish quotes.
PROBLEMS_QUOTED = 5

LEDGER_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "session",
        "届次",
        "session",
        _l(
            "The session the item was submitted at, written as on the item, e.g. 市十五届人大二次会议."
        ),
        "市十五届人大三次会议",
        "市十五届人大三次会议",
        required=True,
        aliases=("会议", "届次会议", "会次"),
    ),
    ColumnSpec(
        "session_en",
        "届次（英文）",
        "session_en",
        _l("The session's name in English (optional; used for new items)."),
        "3rd Session of the 15th Municipal People's Congress",
        "3rd Session of the 15th Municipal People's Congress",
        aliases=("英文届次",),
    ),
    ColumnSpec(
        "kind",
        "类型",
        "type",
        _l("建议 (a deputy's suggestion) or 提案 (a CPPCC proposal); suggestion or proposal."),
        "建议",
        "suggestion",
        required=True,
        aliases=("kind", "建议提案类型", "案件类型"),
    ),
    ColumnSpec(
        "number",
        "编号",
        "number",
        _l(
            "The item's number in its session, e.g. 0012 or 第0012号. Numbers of digits are kept with at least four (12 is 0012)."
        ),
        "0208",
        "0208",
        required=True,
        aliases=("建议号", "提案号", "案号"),
    ),
    ColumnSpec(
        "year",
        "年度",
        "year",
        _l("The year of the session, e.g. 2025."),
        "2025",
        "2025",
        required=True,
        aliases=("年份",),
    ),
    ColumnSpec(
        "title",
        "标题",
        "title",
        _l("The item's title (on its first row)."),
        "关于加快发展普惠托育服务的建议",
        "关于加快发展普惠托育服务的建议",
        required=True,
        aliases=("案由", "题目", "建议标题", "提案标题"),
    ),
    ColumnSpec(
        "title_en",
        "英文标题",
        "title_en",
        _l("The title in English (optional)."),
        "On expanding affordable childcare services",
        "On expanding affordable childcare services",
    ),
    ColumnSpec(
        "body",
        "内容",
        "body",
        _l("What the item asks for (optional)."),
        "建议加大财政投入，完善普惠托育服务政策。",
        "建议加大财政投入，完善普惠托育服务政策。",
        aliases=("建议内容", "提案内容", "正文"),
    ),
    ColumnSpec(
        "lead",
        "领衔人",
        "lead_submitter",
        _l(
            "The lead deputy or CPPCC member, by name or key, as on record in the portal; an unknown name is an error."
        ),
        "张丽华",
        "张丽华",
        required=True,
        aliases=("lead", "领衔代表", "领衔委员", "提出人"),
    ),
    ColumnSpec(
        "cosigners",
        "联名人",
        "cosigners",
        _l("The co-signers, by name or key, separated by 、 or ; (optional)."),
        "王建国、李秀英",
        "王建国;李秀英",
        aliases=("附议人", "联名代表", "联名委员"),
    ),
    ColumnSpec(
        "areas",
        "领域",
        "areas",
        _l("One or more of the seven areas, by name or slug, separated by 、 or ;."),
        "幼有所育",
        "childcare",
        required=True,
        aliases=("民生领域",),
    ),
    ColumnSpec(
        "role",
        "承办方式",
        "role",
        _l("The bureau's part: 独办, 主办, 会办 or 分办 (sole, lead, co, split)."),
        "独办",
        "sole",
        required=True,
        aliases=("办理方式", "承办类型"),
    ),
    ColumnSpec(
        "other_units",
        "其他承办单位",
        "other_units",
        _l(
            "The other units: the co-handling units (主办), the lead unit (会办) or the others (分办)."
        ),
        "",
        "",
        aliases=("会办单位", "协办单位", "主办单位"),
    ),
    ColumnSpec(
        "round",
        "轮次",
        "round",
        _l(
            "1, or 2 for the round handled again (重新办理) after “not satisfied” feedback; 1 when empty."
        ),
        "1",
        "1",
        aliases=("办理轮次",),
    ),
    ColumnSpec(
        "assigned_on",
        "交办日期",
        "assigned_on",
        _l("When the item was assigned to the bureau; the reply is due three months later."),
        "2025-03-12",
        "2025-03-12",
        required=True,
    ),
    ColumnSpec(
        "extended_months",
        "延期后期限（月）",
        "extended_to_months",
        _l(
            "For an approved extension: the months from assignment to the new due date in all (the usual term is 3; at most 6), e.g. 5. With 延期理由 and 延期日期."
        ),
        "",
        "",
        aliases=("延期后期限", "延期期限"),
    ),
    ColumnSpec(
        "extension_reason",
        "延期理由",
        "extension_reason",
        _l("Why the extension was approved."),
        "",
        "",
        aliases=("延期原因",),
    ),
    ColumnSpec(
        "extended_on",
        "延期日期",
        "extended_on",
        _l("When the extension was approved."),
        "",
        "",
        aliases=("延期批准日期",),
    ),
    ColumnSpec(
        "met_on",
        "面商日期",
        "met_on",
        _l("When the bureau talked with the submitter (optional; with 面商方式)."),
        "2025-04-02",
        "2025-04-02",
        aliases=("沟通日期",),
    ),
    ColumnSpec(
        "meeting_form",
        "面商方式",
        "meeting_form",
        _l(
            "当面沟通, 现场调研, 座谈会, 电话沟通 or 网络沟通 (in_person, site_visit, meeting, phone, online)."
        ),
        "现场调研",
        "site_visit",
        aliases=("沟通方式",),
    ),
    ColumnSpec(
        "replied_on",
        "答复日期",
        "replied_on",
        _l("When the reply of this round was sent (for 会办: the opinion sent to the lead unit)."),
        "2025-05-30",
        "2025-05-30",
    ),
    ColumnSpec(
        "document_number",
        "答复文号",
        "document_number",
        _l("The reply's document number."),
        "示财建复〔2025〕12号",
        "示财建复〔2025〕12号",
        aliases=("文号",),
    ),
    ColumnSpec(
        "reply_class",
        "答复类别",
        "reply_class",
        _l("The class of the reply, by its code in the reply scheme (e.g. A); not for 会办."),
        "A",
        "A",
        aliases=("答复类型", "办理结果类别"),
    ),
    ColumnSpec(
        "summary",
        "答复摘要",
        "summary",
        _l("A summary of the reply (needed for 摘要公开)."),
        "2025年安排资金474万元，政策已实施。",
        "2025年安排资金474万元，政策已实施。",
    ),
    ColumnSpec(
        "summary_en",
        "英文答复摘要",
        "summary_en",
        _l("The summary in English (optional)."),
        "",
        "",
    ),
    ColumnSpec(
        "text",
        "答复全文",
        "text",
        _l("The full text of the reply (optional)."),
        "",
        "",
        aliases=("答复内容", "答复正文"),
    ),
    ColumnSpec(
        "text_en",
        "英文答复全文",
        "text_en",
        _l("The full text in English (optional)."),
        "",
        "",
    ),
    ColumnSpec(
        "disclosure",
        "公开方式",
        "disclosure",
        _l("全文公开, 摘要公开 or 不予公开 (full, summary, withheld), with 公开日期."),
        "全文公开",
        "full",
        aliases=("公开属性",),
    ),
    ColumnSpec(
        "withheld_reason",
        "不公开理由",
        "withheld_reason",
        _l("Why the reply is not published; required for 不予公开."),
        "",
        "",
        aliases=("不予公开理由",),
    ),
    ColumnSpec(
        "published_on",
        "公开日期",
        "published_on",
        _l("When the reply was published (for 不予公开: when that was decided)."),
        "2025-06-10",
        "2025-06-10",
    ),
    ColumnSpec(
        "handling",
        "办理满意度",
        "handling_satisfaction",
        _l(
            "The submitter's view of the handling: 满意, 基本满意 or 不满意 (satisfied, basic, dissatisfied)."
        ),
        "满意",
        "satisfied",
        aliases=("对办理工作满意度",),
    ),
    ColumnSpec(
        "result",
        "结果满意度",
        "result_satisfaction",
        _l("The submitter's view of the result, in the same words."),
        "满意",
        "satisfied",
        aliases=("对办理结果满意度",),
    ),
    ColumnSpec(
        "feedback_on",
        "反馈日期",
        "feedback_on",
        _l("When the feedback was given."),
        "2025-06-20",
        "2025-06-20",
    ),
    ColumnSpec(
        "feedback_comment",
        "反馈意见",
        "feedback_comment",
        _l("The submitter's comment (optional)."),
        "",
        "",
    ),
    ColumnSpec(
        "closed_on",
        "办结日期",
        "closed_on",
        _l("When the item was closed (办结)."),
        "2025-06-30",
        "2025-06-30",
    ),
)

REQUIRED = {c.key for c in LEDGER_COLUMNS if c.required}
#: Filled in on an item's first row (the lowest round in the file).
ITEM_REQUIRED = ("year", "title", "lead", "areas", "role", "assigned_on")
#: Facts of the item rather than of a round: the same on each of its rows.
ITEM_KEYS = (
    "session_en",
    "year",
    "title",
    "title_en",
    "body",
    "lead",
    "cosigners",
    "areas",
    "role",
    "other_units",
    "assigned_on",
)
#: Steps of one day are replayed in this order.
STEP_ORDER = {
    EventKind.ASSIGNED: 0,
    EventKind.EXTENDED: 1,
    EventKind.MET: 2,
    EventKind.REPLIED: 3,
    EventKind.PUBLISHED: 4,
    EventKind.FEEDBACK: 5,
    EventKind.CLOSED: 6,
}


# -- reading cells --------------------------------------------------------------------------------

_LIST_SEPARATORS = re.compile(r"[、，,；;/\s]+")
_DATE = re.compile(
    r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
)
#: Excel's day numbers (days since 1899-12-30) of 1954 to 2119, for a date cell saved as a number.
_EXCEL_DAYS = range(20_000, 80_000)
_EXCEL_EPOCH = date(1899, 12, 30)
_NIL = {"", "-", "—", "–", "--", "——", "/", "无"}


def _choices(mapping: dict[str, Any], message: LazyString) -> Callable[[str], Any]:
    table = {normalise_value(k): v for k, v in mapping.items()}

    def parse(text: str) -> Any:
        value = table.get(normalise_value(text))
        if value is None:
            raise CellError(message)
        return value

    return parse


item_kind = _choices(
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
handling_role = _choices(
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
meeting_form = _choices(
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
disclosure = _choices(
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
satisfaction = _choices(
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


def ledger_date(text: str) -> date | None:
    """A date as clerks write it, or as Excel stores it; ``None`` for an empty cell."""
    value = unicodedata.normalize("NFKC", text).strip()
    if value in _NIL:
        return None
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


# -- the plan -------------------------------------------------------------------------------------

ItemKey = tuple[str, ItemKind, str]  # session (normalised), kind, number (see number_key)
Cell = tuple[str, str]  # the column's header as written, the cell as written


@dataclass
class Step:
    """One step the ledger says happened: what, when, in which round, and from which cells."""

    kind: EventKind
    on: date
    round: int
    row: int
    cells: dict[str, Cell]  # column key → (header, text) of the cells it was read from
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def date_cell(self) -> Cell:
        return next(iter(self.cells.values()))

    def problem(self, message: LazyString | str, key: str | None = None) -> Problem:
        header, text = self.cells[key] if key else self.date_cell
        return Problem(message, self.row, header, text)

    def sort_key(self) -> tuple[bool, date, int, int]:
        return (self.kind != EventKind.ASSIGNED, self.on, self.round, STEP_ORDER[self.kind])


@dataclass
class ItemPlan:
    """One item of the ledger: its facts (from its first row), its steps in date order, and —
    once compared with the database — the item on record and the steps it does not have yet."""

    key: ItemKey
    first_row: int
    rows: list[int]
    facts: dict[str, Any]
    cells: dict[str, Cell]  # of the first row
    steps: list[Step]
    item_id: int | None = None
    new_steps: list[Step] = field(default_factory=list)
    status_before: Status | None = None
    status_after: Status | None = None
    #: False once a problem was found in it: its steps are then not replayed.
    ok: bool = True

    @property
    def is_new(self) -> bool:
        return self.item_id is None


@dataclass
class LedgerPlan:
    rows: int = 0
    items: list[ItemPlan] = field(default_factory=list)

    @property
    def new_items(self) -> list[ItemPlan]:
        return [p for p in self.items if p.is_new]

    @property
    def updated_items(self) -> list[ItemPlan]:
        return [p for p in self.items if not p.is_new and p.new_steps]

    @property
    def new_steps(self) -> int:
        return sum(len(p.new_steps) for p in self.items)

    @property
    def unchanged_rows(self) -> int:
        """Rows of items on record of which every step is already on the timeline."""
        return sum(len(p.rows) for p in self.items if not p.is_new and not p.new_steps)


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    cells: dict[str, Cell]
    ok: bool = True


class LedgerReader:
    """Reads the rows, groups them by item and builds the steps, reporting into *log*."""

    def __init__(
        self, header: HeaderMap, lookups: Lookups, log: ProblemLog, year: int | None
    ) -> None:
        self.header, self.lookups, self.log, self.year = header, lookups, log, year
        self.parsers: dict[str, Callable[[str], Any]] = {
            "session": text_of(100),
            "session_en": text_of(200),
            "kind": item_kind,
            "number": item_number,
            "year": year_number,
            "title": text_of(300),
            "title_en": text_of(400),
            "body": text_of(20_000),
            "lead": lookups.submitter,
            "cosigners": names,
            "areas": area_list,
            "role": handling_role,
            "other_units": text_of(300),
            "round": round_number,
            "assigned_on": ledger_date,
            "extended_months": months,
            "extension_reason": text_of(2000),
            "extended_on": ledger_date,
            "met_on": ledger_date,
            "meeting_form": meeting_form,
            "replied_on": ledger_date,
            "document_number": text_of(100),
            "reply_class": lookups.reply_class,
            "summary": text_of(20_000),
            "summary_en": text_of(20_000),
            "text": text_of(200_000),
            "text_en": text_of(200_000),
            "disclosure": disclosure,
            "withheld_reason": text_of(2000),
            "published_on": ledger_date,
            "handling": satisfaction,
            "result": satisfaction,
            "feedback_on": ledger_date,
            "feedback_comment": text_of(5000),
            "closed_on": ledger_date,
        }

    def column(self, key: str) -> str:
        """The column's header as written in the file (or as documented, if it is missing)."""
        if key in self.header.positions:
            return self.header.written(key)
        spec = next(c for c in LEDGER_COLUMNS if c.key == key)
        return spec.header(self.header.lang)

    def read_row(self, number: int, cells: list[str]) -> _Row:
        row = _Row(number, {}, {})
        for key, at in self.header.positions.items():
            text = cells[at].strip() if at < len(cells) else ""
            row.cells[key] = (self.header.headers[at], text)
            if not text:
                continue
            try:
                row.values[key] = self.parsers[key](text)
            except CellError as error:
                self.error(row, key, error.message)
        for key in ("session", "kind", "number"):
            if key in row.cells and not row.cells[key][1]:
                self.error(row, key, _l("This cell must be filled in."))
        if self.year is not None and row.values.get("year", self.year) != self.year:
            self.error(
                row,
                "year",
                _l("This row is not for %(year)s, the year of this upload.", year=self.year),
            )
        return row

    def error(self, row: _Row, key: str, message: LazyString | str) -> None:
        header, text = row.cells.get(key, (self.column(key), ""))
        self.log.add(Problem(message, row.number, header, text))
        row.ok = False

    # -- items ------------------------------------------------------------------------------------

    def items(self, rows: Iterable[_Row]) -> list[ItemPlan]:
        grouped: dict[ItemKey, list[_Row]] = {}
        for row in rows:
            values = row.values
            if not all(k in values for k in ("session", "kind", "number")):
                continue  # reported: the row names no item
            key = (session_key(values["session"]), values["kind"], values["number"])
            values.setdefault("round", 1)
            grouped.setdefault(key, []).append(row)
        plans = []
        for key, item_rows in grouped.items():
            plan = self.item(key, item_rows)
            if plan is not None:
                plans.append(plan)
        return plans

    def item(self, key: ItemKey, rows: list[_Row]) -> ItemPlan | None:
        rounds: dict[int, _Row] = {}
        for row in rows:
            earlier = rounds.get(row.values["round"])
            if earlier is not None:
                self.error(
                    row,
                    "number",
                    _l(
                        "Duplicate row: the same item and round as row %(row)s. A second round needs 轮次 2.",
                        row=earlier.number,
                    ),
                )
            else:
                rounds[row.values["round"]] = row
        ordered = [rounds[n] for n in sorted(rounds)]
        first = ordered[0]
        for name in ITEM_REQUIRED:
            if name not in first.values and not first.cells.get(name, ("", ""))[1]:
                self.error(first, name, _l("This cell must be filled in on the item's first row."))
        for row in ordered[1:]:
            for name in ITEM_KEYS:
                if name in row.values and not self.same(name, row, first):
                    self.error(
                        row,
                        name,
                        _l(
                            "This differs from row %(row)s, the item's first row: an item's own columns say the same on each of its rows.",
                            row=first.number,
                        ),
                    )
        facts = dict(first.values)
        self.check_submitters(first, facts)
        steps = [step for row in ordered for step in self.steps(row, first is row)]
        if not all(row.ok for row in rows):
            return None  # its timeline cannot be checked with cells missing
        steps.sort(key=Step.sort_key)
        return ItemPlan(key, first.number, [r.number for r in rows], facts, first.cells, steps)

    def same(self, key: str, row: _Row, first: _Row) -> bool:
        """Whether an item's column says the same on *row* as on its first row (co-signers
        and areas in any order, a submitter by name or key)."""
        value, first_value = row.values.get(key), first.values.get(key)
        if key == "cosigners":

            def who(name: str) -> object:
                try:
                    return self.lookups.submitter(name).id
                except CellError:
                    return name

            return {who(n) for n in value or ()} == {who(n) for n in first_value or ()}
        if key == "areas":
            return set(value or ()) == set(first_value or ())
        return bool(value == first_value)

    def check_submitters(self, row: _Row, facts: dict[str, Any]) -> None:
        """Co-signers resolved, and every submitter of the item's kind (deputies sign
        suggestions, CPPCC members sign proposals)."""
        wanted = (
            SubmitterKind.DEPUTY if facts["kind"] == ItemKind.SUGGESTION else SubmitterKind.MEMBER
        )
        cosigners: list[int] = []
        for name in facts.get("cosigners", []):
            try:
                submitter = self.lookups.submitter(name)
            except CellError as error:
                self.log.add(Problem(error.message, row.number, self.column("cosigners"), name))
                row.ok = False
                continue
            if submitter.kind != wanted:
                self.log.add(
                    Problem(
                        _wrong_kind(submitter, wanted), row.number, self.column("cosigners"), name
                    )
                )
                row.ok = False
            lead = facts.get("lead")
            if submitter.id not in cosigners and (lead is None or submitter.id != lead.id):
                cosigners.append(submitter.id)
        facts["cosigner_ids"] = cosigners
        lead = facts.get("lead")
        if lead is not None and lead.kind != wanted:
            self.error(row, "lead", _wrong_kind(lead, wanted))

    def steps(self, row: _Row, first: bool) -> list[Step]:
        """The steps of one row, each once all the cells it needs are there."""
        values, n = row.values, row.values["round"]
        steps: list[Step] = []

        def step(kind: EventKind, keys: tuple[str, ...], **facts: Any) -> None:
            if keys[0] not in values:
                return  # its date could not be read (reported)
            cells = {k: row.cells.get(k, (self.column(k), "")) for k in keys}
            steps.append(Step(kind, values[keys[0]], n, row.number, cells, facts))

        def together(keys: tuple[str, ...]) -> bool:
            """All of *keys* filled in, or none; report each missing one if some are."""
            filled = [k for k in keys if k in values or row.cells.get(k, ("", ""))[1]]
            if not filled:
                return False
            for key in keys:
                if key not in filled:
                    self.error(
                        row,
                        key,
                        _l(
                            "This cell must be filled in when “%(other)s” is.",
                            other=self.column(filled[0]),
                        ),
                    )
            return len(filled) == len(keys)

        if first and "assigned_on" in values:
            step(EventKind.ASSIGNED, ("assigned_on",))
        if together(("extended_on", "extended_months", "extension_reason")):
            step(
                EventKind.EXTENDED,
                ("extended_on", "extended_months", "extension_reason"),
                months=values.get("extended_months"),
                reason=values.get("extension_reason", ""),
            )
        if together(("met_on", "meeting_form")):
            step(EventKind.MET, ("met_on", "meeting_form"), form=values.get("meeting_form"))
        reply_keys = ("document_number", "reply_class", "summary", "summary_en", "text", "text_en")
        if "replied_on" in values:
            step(
                EventKind.REPLIED,
                ("replied_on", *reply_keys),
                **{k: values.get(k) for k in reply_keys},
            )
        else:
            for key in reply_keys:
                if key in values:
                    self.error(
                        row,
                        "replied_on",
                        _l(
                            "This cell must be filled in when “%(other)s” is.",
                            other=self.column(key),
                        ),
                    )
                    break
        if together(("published_on", "disclosure")):
            mode = values.get("disclosure")
            reason = values.get("withheld_reason", "")
            if mode == Disclosure.WITHHELD and not reason:
                self.error(row, "withheld_reason", _l("不予公开 needs a stated reason here."))
            elif mode is not None and mode != Disclosure.WITHHELD and reason:
                self.error(row, "withheld_reason", _l("A reason is given only for 不予公开."))
            step(
                EventKind.PUBLISHED,
                ("published_on", "disclosure", "withheld_reason"),
                mode=mode,
                reason=reason,
            )
        if together(("feedback_on", "handling", "result")):
            step(
                EventKind.FEEDBACK,
                ("feedback_on", "handling", "result", "feedback_comment"),
                handling=values.get("handling"),
                result=values.get("result"),
                comment=values.get("feedback_comment", ""),
            )
        elif "feedback_comment" in values:
            self.error(
                row,
                "feedback_on",
                _l(
                    "This cell must be filled in when “%(other)s” is.",
                    other=self.column("feedback_comment"),
                ),
            )
        if "closed_on" in values:
            step(EventKind.CLOSED, ("closed_on",))
        return [s for s in steps if row.ok]


def _wrong_kind(submitter: Submitter, wanted: SubmitterKind) -> LazyString:
    if wanted == SubmitterKind.DEPUTY:
        return _l(
            "%(name)s is not a deputy of the People's Congress: a suggestion (建议) is signed by deputies.",
            name=submitter.name,
        )
    return _l(
        "%(name)s is not a CPPCC member: a proposal (提案) is signed by CPPCC members.",
        name=submitter.name,
    )


# -- comparing with the timeline ------------------------------------------------------------------


def _differs(recorded: object) -> LazyString:
    return _l(
        "This differs from the item's timeline, which records “%(recorded)s”. The timeline is append-only: correct the item on its page, not by uploading.",
        recorded=recorded,
    )


def _same_text(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()) == " ".join((b or "").split())


def _label(labels: dict[Any, LazyString], value: Any) -> Any:
    return labels.get(value, value)


Comparison = tuple[bool, list[Problem]]  # already on the timeline?, what contradicts it


def _details(event: ProposalEvent) -> dict[str, Any]:
    details: dict[str, Any] = json.loads(event.details or "{}")
    return details


def _compare_dated(step: Step, item: ProposalItem, events: list[ProposalEvent]) -> Comparison:
    """Assignment and closing happen once: the date must be the recorded one."""
    if not events:
        return False, []
    recorded_on = events[-1].occurred_on
    return True, [] if recorded_on == step.on else [step.problem(_differs(recorded_on))]


def _compare_extension(step: Step, item: ProposalItem, events: list[ProposalEvent]) -> Comparison:
    extensions = [(e.occurred_on, _details(e).get("months")) for e in events]
    if (step.on, step.facts["months"]) in extensions:
        return True, []
    if extensions and extensions[-1][1] == step.facts["months"]:
        return True, [step.problem(_differs(extensions[-1][0]))]
    return False, []  # a (further) extension


def _compare_meeting(step: Step, item: ProposalItem, events: list[ProposalEvent]) -> Comparison:
    """The ledger holds one meeting per round: one of those recorded in the round, or the
    round's first."""
    meetings = [(e.occurred_on, _details(e).get("form")) for e in events if e.round == step.round]
    for on, form in meetings:
        if on == step.on:
            if form == step.facts["form"]:
                return True, []
            shown = _label(MEETING_FORM_LABELS, MeetingForm(form)) if form else "—"
            return True, [step.problem(_differs(shown), "meeting_form")]
    if meetings:
        return True, [step.problem(_differs(", ".join(str(on) for on, _ in meetings)))]
    return False, []


def _compare_reply(step: Step, item: ProposalItem, events: list[ProposalEvent]) -> Comparison:
    """The round's reply: its date, and every reply cell that is filled in."""
    reply = next((r for r in item.replies if r.round == step.round), None)
    if reply is None:
        return False, []
    problems = []
    if reply.replied_on != step.on:
        problems.append(step.problem(_differs(reply.replied_on)))
    recorded_texts = {
        "document_number": reply.document_number,
        "reply_class": reply.reply_class,
        "summary": reply.summary,
        "summary_en": reply.summary_en,
        "text": reply.text,
        "text_en": reply.text_en,
    }
    for key, recorded in recorded_texts.items():
        given = step.facts.get(key)
        ignored = key == "reply_class" and item.role == HandlingRole.CO
        if given and not ignored and not _same_text(given, recorded):
            problems.append(step.problem(_differs(recorded or "—"), key))
    return True, problems


def _compare_disclosure(step: Step, item: ProposalItem, events: list[ProposalEvent]) -> Comparison:
    """A decision recorded before is kept; another mode is a later decision (it replaces it)."""
    decisions = [
        (e.occurred_on, _details(e).get("mode"))
        for e in events
        if int(_details(e).get("round", e.round)) == step.round
    ]
    mode = step.facts["mode"].value
    if (step.on, mode) in decisions:
        return True, []
    if decisions and decisions[-1][1] == mode:
        return True, [step.problem(_differs(decisions[-1][0]))]
    return False, []


def _compare_feedback(step: Step, item: ProposalItem, events: list[ProposalEvent]) -> Comparison:
    feedback = next((f for f in item.feedback if f.round == step.round), None)
    if feedback is None:
        return False, []
    problems = []
    if feedback.given_on != step.on:
        problems.append(step.problem(_differs(feedback.given_on)))
    for key, recorded in (("handling", feedback.handling), ("result", feedback.result)):
        if step.facts[key] != recorded:
            problems.append(step.problem(_differs(_label(SATISFACTION_LABELS, recorded)), key))
    comment = step.facts["comment"]
    if comment and not _same_text(comment, feedback.comment):
        problems.append(step.problem(_differs(feedback.comment or "—"), "feedback_comment"))
    return True, problems


_COMPARE: dict[EventKind, Callable[[Step, ProposalItem, list[ProposalEvent]], Comparison]] = {
    EventKind.ASSIGNED: _compare_dated,
    EventKind.EXTENDED: _compare_extension,
    EventKind.MET: _compare_meeting,
    EventKind.REPLIED: _compare_reply,
    EventKind.PUBLISHED: _compare_disclosure,
    EventKind.FEEDBACK: _compare_feedback,
    EventKind.CLOSED: _compare_dated,
}


def compare_step(step: Step, item: ProposalItem) -> Comparison:
    """Whether *step* is already on *item*'s timeline, and what in it contradicts the timeline."""
    events = [e for e in item.events if e.kind == step.kind]
    return _COMPARE[step.kind](step, item, events)


def _load_items(session: Session, plans: list[ItemPlan]) -> dict[ItemKey, ProposalItem]:
    labels = {p.facts["session"] for p in plans} | {p.key[0] for p in plans}
    if not labels:
        return {}
    items = session.scalars(
        select(ProposalItem)
        .where(ProposalItem.session_label.in_(labels))
        .options(
            selectinload(ProposalItem.events),
            selectinload(ProposalItem.replies),
            selectinload(ProposalItem.feedback),
            selectinload(ProposalItem.cosigners),
        )
    )
    return {(session_key(i.session_label), i.kind, number_key(i.number)): i for i in items}


def compare(session: Session, reader: LedgerReader, plans: list[ItemPlan]) -> None:
    """Match the plans with the items on record and keep the steps their timelines lack;
    report contradictions."""
    log = reader.log
    on_record = _load_items(session, plans)
    for plan in plans:
        errors_before = log.errors
        item = on_record.get(plan.key)
        role = plan.facts.get("role")
        if item is None:
            plan.new_steps = list(plan.steps)
        else:
            plan.item_id, plan.status_before, role = item.id, item.status, item.role
            _compare_item(reader, plan, item)
            last = max((e.occurred_on for e in item.events), default=None)
            for step in plan.steps:
                known, problems = compare_step(step, item)
                log.extend(problems)
                if known:
                    continue
                if last is not None and step.on < last:
                    log.add(
                        step.problem(
                            _l(
                                "This step is dated before the last step already on the item's timeline (%(date)s). The timeline is append-only and in date order: steps can only be added after it.",
                                date=last.isoformat(),
                            )
                        )
                    )
                plan.new_steps.append(step)
        for step in plan.new_steps:
            if (
                step.kind == EventKind.REPLIED
                and role != HandlingRole.CO
                and not step.facts.get("reply_class")
            ):
                log.add(
                    step.problem(
                        _l(
                            "This cell must be filled in when “%(other)s” is.",
                            other=step.date_cell[0],
                        ),
                        "reply_class",
                    )
                )
        plan.ok = log.errors == errors_before


def _compare_item(reader: LedgerReader, plan: ItemPlan, item: ProposalItem) -> None:
    """An upload appends steps; it does not change the item. Who leads and the bureau's part
    decide the timeline, so differing there is an error; elsewhere, a warning."""
    facts = plan.facts

    def problem(key: str, recorded: object, severity: Severity) -> None:
        header, text = plan.cells.get(key, (reader.column(key), ""))
        message = (
            _differs(recorded)
            if severity == Severity.ERROR
            else _l(
                "This differs from the item on record (“%(recorded)s”). An upload only adds steps to the timeline; the item itself is kept as it is.",
                recorded=recorded,
            )
        )
        reader.log.add(Problem(message, plan.first_row, header, text, severity))

    lead = facts.get("lead")
    if lead is not None and lead.id != item.lead_submitter_id:
        problem("lead", item.lead_submitter.name, Severity.ERROR)
    role = facts.get("role")
    if role is not None and role != item.role:
        problem("role", _label(ROLE_LABELS, item.role), Severity.ERROR)
    if "title" in facts and facts["title"] != item.title:
        problem("title", item.title, Severity.WARNING)
    if "year" in facts and facts["year"] != item.year:
        problem("year", item.year, Severity.WARNING)
    if "areas" in facts and set(facts["areas"]) != set(item.area_slugs):
        problem("areas", ";".join(item.area_slugs), Severity.WARNING)
    if "cosigners" in facts and set(facts["cosigner_ids"]) != {s.id for s in item.cosigners}:
        problem("cosigners", "、".join(s.name for s in item.cosigners) or "—", Severity.WARNING)


# -- replaying through the services ---------------------------------------------------------------


def _new_item(session: Session, plan: ItemPlan) -> ProposalItem:
    facts = plan.facts
    session_en = facts.get("session_en") or session.scalar(
        select(ProposalItem.session_label_en)
        .where(ProposalItem.session_label == facts["session"], ProposalItem.session_label_en != "")
        .limit(1)
    )
    item = ProposalItem(
        session_label=facts["session"],
        session_label_en=session_en or "",
        number=facts["number"],
        kind=facts["kind"],
        year=facts["year"],
        title=facts["title"],
        title_en=facts.get("title_en", ""),
        body=facts.get("body", ""),
        lead_submitter=session.get(Submitter, facts["lead"].id),
        cosigners=[session.get(Submitter, i) for i in facts["cosigner_ids"]],
        role=facts["role"],
        other_units=facts.get("other_units", ""),
        areas=";".join(facts["areas"]),
        area_rows=[ItemArea(area=a) for a in facts["areas"]],
    )
    session.add(item)
    session.flush()
    return item


def apply_step(
    session: Session, item: ProposalItem, step: Step, actor: proposal_services.Actor
) -> None:
    """Record *step* through the proposals services (the data version is raised by the caller)."""
    common: dict[str, Any] = {"on": step.on, "actor": actor, "bump": False}
    facts = step.facts
    if step.kind in (EventKind.REPLIED, EventKind.FEEDBACK) and step.round != (item.rounds or 1):
        raise proposal_services.ProposalError(
            _l(
                "This row is for round %(round)s, but the item is in round %(current)s: a second round begins only after “not satisfied” feedback on the first reply.",
                round=step.round,
                current=item.rounds or 1,
            )
        )
    if step.kind == EventKind.ASSIGNED:
        proposal_services.assign(session, item, **common)
    elif step.kind == EventKind.EXTENDED:
        proposal_services.extend(
            session, item, months=facts["months"], reason=facts["reason"], **common
        )
    elif step.kind == EventKind.MET:
        proposal_services.record_meeting(session, item, form=facts["form"], **common)
    elif step.kind == EventKind.REPLIED:
        proposal_services.record_reply(
            session,
            item,
            document_number=facts.get("document_number") or "",
            reply_class=facts.get("reply_class"),
            summary=facts.get("summary") or "",
            summary_en=facts.get("summary_en") or "",
            text=facts.get("text") or "",
            text_en=facts.get("text_en") or "",
            **common,
        )
    elif step.kind == EventKind.PUBLISHED:
        proposal_services.publish(
            session, item, mode=facts["mode"], reason=facts["reason"], round=step.round, **common
        )
    elif step.kind == EventKind.FEEDBACK:
        proposal_services.give_feedback(
            session,
            item,
            submitter_id=item.lead_submitter_id,
            handling=facts["handling"],
            result=facts["result"],
            comment=facts["comment"],
            **common,
        )
    elif step.kind == EventKind.CLOSED:
        proposal_services.close(session, item, **common)


def replay(
    session: Session, plans: list[ItemPlan], actor: proposal_services.Actor, log: ProblemLog
) -> None:
    """Create the new items and record the steps their timelines lack, in date order; a step the
    services refuse is reported (its item's later steps, which depend on it, are not tried)."""
    for plan in plans:
        if not plan.new_steps or not plan.ok:
            continue
        item = _new_item(session, plan) if plan.is_new else session.get(ProposalItem, plan.item_id)
        assert item is not None
        for step in plan.new_steps:
            try:
                apply_step(session, item, step, actor)
            except proposal_services.ProposalError as error:
                log.add(step.problem(error.message))
                break
        plan.status_after = item.status


def dry_run(session: Session, plans: list[ItemPlan], log: ProblemLog) -> None:
    """:func:`replay` in a SAVEPOINT rolled back: what the services would refuse, and the status
    each item would have; nothing stays written."""
    savepoint = session.begin_nested()
    try:
        replay(session, plans, DRY_RUN, log)
    finally:
        savepoint.rollback()


def plan_ledger(
    session: Session,
    source: TableSource,
    log: ProblemLog,
    *,
    year: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> LedgerPlan | None:
    """Read the ledger and compare it with what is on record (nothing is written); every
    problem goes to *log*. ``None`` if the file cannot be read as a ledger at all."""
    try:
        table_format = inspect_file(source)
        with open_rows(source, table_format, progress) as rows:
            header = find_header(rows, LEDGER_COLUMNS)
            if not check_header(header, LEDGER_COLUMNS, REQUIRED, log) or header is None:
                return None
            reader = LedgerReader(header, Lookups.load(session), log, year)
            plan = LedgerPlan()
            read: list[_Row] = []
            for number, cells in record_rows(rows):
                plan.rows += 1
                read.append(reader.read_row(number, cells))
    except TableFileError as error:
        log.add(error.problem)
        return None
    if plan.rows == 0:
        log.add(Problem(_l("The file has a header row but no lines.")))
    if not header.positions.keys() >= REQUIRED:
        return plan  # reported; the rows cannot be matched to items
    plan.items = reader.items(read)
    compare(session, reader, plan.items)
    return plan


# -- the upload -----------------------------------------------------------------------------------


def import_proposals(
    session: Session,
    source: TableSource | str | Path,
    *,
    title: str,
    source_doc: str,
    created_by: str,
    year: int | None = None,
    filename: str | None = None,
    publish: bool = False,
    progress: ImportProgress | None = None,
    title_en: str | None = None,
    source_en: str | None = None,
) -> ImportResult:
    """Check a handling ledger and, if it has no error, keep it as a draft version of the
    proposals dataset (publishing it, i.e. applying its steps, if asked). With *year*, every row
    must be of that year. Nothing is written when there is an error."""
    table = table_source(source, filename)
    result = ImportResult("proposals")
    try:
        result.sha256 = inspect_file(table).sha256
    except TableFileError as error:
        result.problems.add(error.problem)
        return result

    def check() -> tuple[LedgerPlan | None, ProblemLog]:
        # The dry run writes (in a savepoint): on SQLite, be the writer from the start.
        take_write_lock(session)
        log = ProblemLog()
        plan = plan_ledger(
            session,
            table,
            log,
            year=year,
            progress=(lambda fraction: progress("check", fraction)) if progress else None,
        )
        if plan is not None:
            dry_run(session, plan.items, log)  # every item found sound so far
        return plan, log

    plan, result.problems = retry_if_locked(session, check)
    result.rows = plan.rows if plan else 0
    if plan is None or not result.ok:
        return result
    request = ImportRequest(
        year=ALL_YEARS,
        title=title,
        source_doc=source_doc,
        created_by=created_by,
        title_en=title_en,
        source_en=source_en,
        publish=publish,
    )
    rows = plan.rows  # nothing to insert: the kept file is the version's content
    write_version(
        session, table, request, DatasetKind.PROPOSALS, rows, lambda _version: rows, result
    )
    return result


def _version_source(version: DatasetVersion) -> TableSource:
    return TableSource.from_bytes(version.original_file or b"", version.original_filename or "")


def apply_ledger(session: Session, version: DatasetVersion, actor: str) -> None:
    """Publishing a ledger: its steps appended through the services, in the caller's
    transaction. Raises :class:`StaffActionError` (nothing changed) if it no longer applies."""
    log = ProblemLog()
    plan = plan_ledger(session, _version_source(version), log)
    if plan is not None and not log.has_errors:
        user_id = None
        if has_request_context() and current_user.is_authenticated:
            user_id = current_user.id
        savepoint = session.begin_nested()
        replay(session, plan.items, proposal_services.Actor(actor, user_id), log)
        if log.has_errors:
            savepoint.rollback()
        else:
            savepoint.commit()
    if plan is None or log.has_errors:
        errors = [p for p in log.sorted() if p.is_error]
        quoted = " ".join(p.describe() for p in errors[:PROBLEMS_QUOTED])
        raise StaffActionError(
            _l(
                "Nothing was published: the ledger no longer fits the proposals as they are now (%(count)s problem(s)). %(problems)s",
                count=len(errors) or 1,
                problems=quoted,
            )
        )


register_publish_action(DatasetKind.PROPOSALS, apply_ledger)


# -- the preview ----------------------------------------------------------------------------------


@dataclass
class LedgerPreview:
    """What publishing a ledger version would do now; ``plan`` is ``None`` once it is applied
    or withdrawn (see ``state``) or if the file cannot be read."""

    state: VersionStatus
    plan: LedgerPlan | None = None
    problems: ProblemLog = field(default_factory=ProblemLog)

    @property
    def refused(self) -> bool:
        return self.problems.has_errors


def ledger_preview(session: Session, version: DatasetVersion) -> LedgerPreview:
    """The items a draft would create and the steps it would append, item by item, with the
    status each would then have — a dry run against the database as it is now."""
    if version.status != VersionStatus.DRAFT:
        return LedgerPreview(version.status)
    source = _version_source(version)

    def look() -> LedgerPreview:
        take_write_lock(session)
        preview = LedgerPreview(version.status)
        preview.plan = plan_ledger(session, source, preview.problems)
        if preview.plan is not None:
            dry_run(session, preview.plan.items, preview.problems)
        return preview

    return retry_if_locked(session, look)


def init_app(app: Flask) -> None:
    """Offer the ledger in the back office and on the command line."""
    register_import_kind(
        app,
        ImportKind(
            "proposals",
            _l("Proposals handling ledger"),
            DatasetKind.PROPOSALS,
            LEDGER_COLUMNS,
            import_proposals,  # type: ignore[arg-type]
            needs_year=False,
        ),
    )
