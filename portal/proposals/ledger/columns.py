"""The ledger's columns: what each holds, its Chinese and English headers and their aliases, which
must be there and which belong to the item rather than to a round; finding the header row.

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
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.proposals import labels
from portal.uploads.headers import ColumnSpec, HeaderMap, find_header
from portal.uploads.importing import check_header
from portal.uploads.problems import ProblemLog
from portal.uploads.rows import Row

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
        LazyString(labels.assigned_column_help),
        "2025-03-12",
        "2025-03-12",
        required=True,
    ),
    ColumnSpec(
        "extended_months",
        "延期后期限（月）",
        "extended_to_months",
        LazyString(labels.extended_column_help),
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


def ledger_header(rows: Iterable[Row], log: ProblemLog) -> HeaderMap | None:
    """Consume the rows up to the header row and match it with :data:`LEDGER_COLUMNS`; report
    what is wrong with it. ``None`` if the rows cannot be read as a ledger at all."""
    header = find_header(rows, LEDGER_COLUMNS)
    if not check_header(header, LEDGER_COLUMNS, REQUIRED, log) or header is None:
        return None
    return header


def documented_header(key: str, lang: str) -> str:
    """The header of the column *key* as documented (for a column the file lacks)."""
    spec = next(c for c in LEDGER_COLUMNS if c.key == key)
    return spec.header(lang)
