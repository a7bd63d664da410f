"""The fields of every download, in one place: each file format (CSV, XLSX, JSON, the Fiscal Data
Package's Table Schema) and the data dictionary read them from here, so a column cannot mean one
thing in one file and another elsewhere.

Values are the same in every language: codes (``final``, ``closed``, an area's slug) rather than
words, names in both languages side by side. Only the header row of the CSV and XLSX files is in the
reader's language (``label``, with the unit).

Money: the CSV, XLSX and the data package's CSV carry the exact figure in the unit the field names
(万元 or 亿元, to the 分); the JSON carries integer yuan (rounded to the yuan, as the API does) and,
for 万元 figures, the exact amount in 分 as ``<name>_fen``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

#: How a field's value is written. ``money`` is an exact amount in 万元 (``Money`` columns),
#: ``money_100m`` an exact amount in 亿元 (national figures); ``decimal`` a number with its
#: decimals (never a float in the files: the exact text).
KINDS = ("string", "integer", "decimal", "money", "money_100m", "boolean", "date")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    #: The column's header in a spreadsheet (CSV, XLSX), in the reader's language.
    label: LazyString
    description: LazyString
    #: The unit of the value as written in CSV and XLSX, if it has one.
    unit: LazyString | None = None

    @property
    def schema_type(self) -> str:
        """The Table Schema type (``money`` is a ``number``, exact in the file)."""
        return {
            "money": "number",
            "money_100m": "number",
            "decimal": "number",
        }.get(self.kind, self.kind)

    def header(self) -> str:
        """The column's header in the current language, with its unit."""
        if self.unit is None:
            return str(self.label)
        return _("%(label)s (%(unit)s)", label=self.label, unit=self.unit)


WAN = _l("10,000 yuan")
YI = _l("100 million yuan")

YEAR = Field("year", "integer", _l("Year"), _l("The budget year (calendar year)."))
AREA = Field(
    "area",
    "string",
    _l("Area"),
    _l(
        "The livelihood area, as its slug (childcare, education, employment, healthcare, "
        "elderly-care, housing, social-assistance); other: outside the seven areas."
    ),
)

SPENDING: tuple[Field, ...] = (
    YEAR,
    Field(
        "stage",
        "string",
        _l("Stage"),
        _l("budget (预算), adjusted (调整预算) or final (决算 final accounts)."),
    ),
    Field(
        "level",
        "string",
        _l("Level of government"),
        _l(
            "Whose money: citywide (全市), municipal (市本级) or the name of a district or "
            "department. Figures of different levels are never added together."
        ),
    ),
    AREA,
    Field("area_name_zh", "string", _l("Area name (Chinese)"), _l("The area's name in Chinese.")),
    Field("area_name_en", "string", _l("Area name (English)"), _l("The area's name in English.")),
    Field(
        "code",
        "string",
        _l("Code"),
        _l(
            "The functional classification code (支出功能分类): 3 digits for a class (类), "
            "5 for a section (款), 7 for an item (项)."
        ),
    ),
    Field(
        "code_level",
        "integer",
        _l("Code level"),
        _l("1 for a class (类), 2 for a section (款), 3 for an item (项)."),
    ),
    Field(
        "class_code", "string", _l("Class code"), _l("The code's class (类): its first 3 digits.")
    ),
    Field(
        "section_code",
        "string",
        _l("Section code"),
        _l("The code's section (款): its first 5 digits; empty for a class."),
    ),
    Field(
        "name_zh",
        "string",
        _l("Name (Chinese)"),
        _l(
            "The code's name in the classification of the table's year (or the nearest year "
            "listed); where the classification has none, the name the table gives."
        ),
    ),
    Field(
        "name_en",
        "string",
        _l("Name (English)"),
        _l("The code's name in English (a translation; there is no official English version)."),
    ),
    Field(
        "department", "string", _l("Department"), _l("The department, where the table names one.")
    ),
    Field("project", "string", _l("Project"), _l("The project, where the table names one.")),
    Field(
        "leaf",
        "boolean",
        _l("Lowest level"),
        _l(
            "true when no line of the table has a longer code under this one: adding up the "
            "lines with leaf = true counts every amount once (class and section rows are "
            "subtotals of the lines below them)."
        ),
    ),
    Field(
        "budget", "money", _l("Budget"), _l("The budget approved at the start of the year."), WAN
    ),
    Field("adjusted", "money", _l("Adjusted budget"), _l("The budget after adjustments."), WAN),
    Field("executed", "money", _l("Final accounts"), _l("What was actually spent."), WAN),
)

INDICATORS: tuple[Field, ...] = (
    YEAR,
    AREA,
    Field("key", "string", _l("Key"), _l("A stable identifier of the indicator.")),
    Field("name_zh", "string", _l("Name (Chinese)"), _l("The indicator's name in Chinese.")),
    Field("name_en", "string", _l("Name (English)"), _l("The indicator's name in English.")),
    Field(
        "unit_zh", "string", _l("Unit (Chinese)"), _l("The unit of target and actual, in Chinese.")
    ),
    Field(
        "unit_en", "string", _l("Unit (English)"), _l("The unit of target and actual, in English.")
    ),
    Field("target", "decimal", _l("Target"), _l("The value aimed for, in the indicator's unit.")),
    Field("actual", "decimal", _l("Actual"), _l("The value reached, in the indicator's unit.")),
    Field(
        "higher_is_better",
        "boolean",
        _l("Higher is better"),
        _l("true when a value above the target is better, false when a lower one is."),
    ),
)

PROJECTS: tuple[Field, ...] = (
    YEAR,
    AREA,
    Field("key", "string", _l("Key"), _l("A stable identifier of the project.")),
    Field("title_zh", "string", _l("Title (Chinese)"), _l("The project's title in Chinese.")),
    Field("title_en", "string", _l("Title (English)"), _l("The project's title in English.")),
    Field(
        "description_zh",
        "string",
        _l("Description (Chinese)"),
        _l("What the project delivers, in Chinese."),
    ),
    Field(
        "description_en",
        "string",
        _l("Description (English)"),
        _l("What the project delivers, in English."),
    ),
    Field("budget", "money", _l("Budget"), _l("The project's budget."), WAN),
    Field("progress", "integer", _l("Progress (%)"), _l("Progress as a percentage, 0–100.")),
    Field(
        "status",
        "string",
        _l("Status"),
        _l("planned, in_progress, completed or delayed, as reported."),
    ),
)

CITY: tuple[Field, ...] = (
    YEAR,
    Field(
        "population_10k",
        "decimal",
        _l("Resident population"),
        _l("The year's resident population."),
        _l("10,000 people"),
    ),
    Field(
        "general_budget_expenditure_budget",
        "money",
        _l("General public budget expenditure, budget"),
        _l("The city's whole general public budget expenditure, as budgeted."),
        WAN,
    ),
    Field(
        "general_budget_expenditure_final",
        "money",
        _l("General public budget expenditure, final accounts"),
        _l("The city's whole general public budget expenditure, as spent."),
        WAN,
    ),
    Field("city_name_zh", "string", _l("City (Chinese)"), _l("The city's name in Chinese.")),
    Field("city_name_en", "string", _l("City (English)"), _l("The city's name in English.")),
    Field(
        "bureau_name_zh",
        "string",
        _l("Bureau (Chinese)"),
        _l("The finance bureau's name in Chinese."),
    ),
    Field(
        "bureau_name_en",
        "string",
        _l("Bureau (English)"),
        _l("The finance bureau's name in English."),
    ),
)

NATIONAL: tuple[Field, ...] = (
    YEAR,
    Field(
        "function",
        "string",
        _l("Function"),
        _l("The national expenditure function: total, education, social_security or health."),
    ),
    Field("name_zh", "string", _l("Name (Chinese)"), _l("The function's name in Chinese.")),
    Field("name_en", "string", _l("Name (English)"), _l("The function's name in English.")),
    Field(
        "amount",
        "money_100m",
        _l("Amount"),
        _l("National general public budget expenditure on the function."),
        YI,
    ),
    Field(
        "source_title_zh",
        "string",
        _l("Source (Chinese)"),
        _l("The release the figure comes from."),
    ),
    Field(
        "source_title_en",
        "string",
        _l("Source (English)"),
        _l("The release the figure comes from, in English."),
    ),
    Field("source_url", "string", _l("Source address"), _l("Where the release is published.")),
)

CLASSIFICATION: tuple[Field, ...] = (
    Field("code", "string", _l("Code"), _l("A functional classification code (3, 5 or 7 digits).")),
    YEAR,
    Field(
        "name_zh", "string", _l("Name (Chinese)"), _l("The code's name in that year, in Chinese.")
    ),
    Field(
        "name_en", "string", _l("Name (English)"), _l("The code's name in English (a translation).")
    ),
    Field(
        "verified",
        "boolean",
        _l("Verified"),
        _l("true when the name was checked against the cited official source."),
    ),
    Field(
        "source", "string", _l("Source"), _l("Where the name was checked; empty if not verified.")
    ),
)

MAPPING: tuple[Field, ...] = (
    Field(
        "prefix",
        "string",
        _l("Code prefix"),
        _l("A code prefix; a code belongs to the area of its longest matching prefix."),
    ),
    Field(
        "area",
        "string",
        _l("Area"),
        _l("The area's slug; empty when the prefix is explicitly not livelihood spending."),
    ),
    Field(
        "staff_related",
        "boolean",
        _l("Staff-related"),
        _l("true for spending on government staff (their pensions and medical insurance)."),
    ),
    Field("verified", "boolean", _l("Verified"), _l("true when the assignment was checked.")),
    Field("note_zh", "string", _l("Note (Chinese)"), _l("Why the prefix belongs to its area.")),
    Field(
        "note_en",
        "string",
        _l("Note (English)"),
        _l("Why the prefix belongs to its area, in English."),
    ),
)

PROPOSALS: tuple[Field, ...] = (
    Field(
        "id",
        "integer",
        _l("Id"),
        _l("The item's id on this portal (its page: /zh/proposals/<id>)."),
    ),
    Field(
        "kind", "string", _l("Type"), _l("suggestion (人大代表建议) or proposal (政协委员提案).")
    ),
    Field(
        "session", "string", _l("Session"), _l("The session the item was submitted at (Chinese).")
    ),
    Field("session_en", "string", _l("Session (English)"), _l("The session, in English.")),
    Field("number", "string", _l("Number"), _l("The item's number in its session.")),
    YEAR,
    Field("title", "string", _l("Title"), _l("The item's title (Chinese).")),
    Field("title_en", "string", _l("Title (English)"), _l("The item's title in English.")),
    Field("lead_submitter", "string", _l("Lead submitter"), _l("The lead submitter's name.")),
    Field(
        "cosigners",
        "string",
        _l("Co-signers"),
        _l("The co-signers' names, separated by semicolons."),
    ),
    Field(
        "areas", "string", _l("Areas"), _l("The areas concerned, as slugs separated by semicolons.")
    ),
    Field(
        "role",
        "string",
        _l("The bureau's role"),
        _l("sole (独办), lead (主办), co (会办) or split (分办)."),
    ),
    Field(
        "status",
        "string",
        _l("Status"),
        _l(
            "Derived from the timeline: in_hand, extended, replied, rehandling, following_up, "
            "feedback, opinion_sent or closed."
        ),
    ),
    Field(
        "assigned_on", "date", _l("Assigned on"), _l("When the item was assigned to the bureau.")
    ),
    Field(
        "reply_due",
        "date",
        _l("Reply due"),
        _l("When the first reply is due, extensions included."),
    ),
    Field(
        "first_replied_on", "date", _l("First replied on"), _l("When the first reply was given.")
    ),
    Field(
        "first_reply_on_time",
        "boolean",
        _l("First reply on time"),
        _l("true when the first reply was given by its due date."),
    ),
    Field("replied_on", "date", _l("Latest reply on"), _l("When the latest reply was given.")),
    Field("reply_class", "string", _l("Reply class"), _l("The latest reply's class (e.g. A–D).")),
    Field(
        "reply_document_number",
        "string",
        _l("Reply document number"),
        _l("The latest reply's document number."),
    ),
    Field(
        "disclosure",
        "string",
        _l("Reply disclosure"),
        _l("full, summary or withheld; empty until decided."),
    ),
    Field(
        "reply_summary",
        "string",
        _l("Reply summary"),
        _l("The latest reply's summary, where its disclosure makes it public."),
    ),
    Field(
        "reply_summary_en",
        "string",
        _l("Reply summary (English)"),
        _l("The summary in English, where public."),
    ),
    Field(
        "reply_text",
        "string",
        _l("Reply text"),
        _l("The latest reply's full text, where it is disclosed in full."),
    ),
    Field(
        "reply_text_en",
        "string",
        _l("Reply text (English)"),
        _l("The full text in English, where disclosed in full."),
    ),
    Field("published_on", "date", _l("Reply published on"), _l("When the reply was made public.")),
    Field(
        "handling_satisfaction",
        "string",
        _l("Satisfaction with the handling"),
        _l("satisfied, basic or dissatisfied (final round), where the feedback is public."),
    ),
    Field(
        "result_satisfaction",
        "string",
        _l("Satisfaction with the result"),
        _l("satisfied, basic or dissatisfied (final round), where the feedback is public."),
    ),
    Field("closed_on", "date", _l("Closed on"), _l("When the item was closed (办结).")),
    Field(
        "sample",
        "boolean",
        _l("Sample data"),
        _l("true for illustrative items made up for demonstration."),
    ),
)

#: Every download's fields, by what the download holds (a dataset kind, or ``proposals`` for the
#: public content of the suggestions and proposals).
FIELDS: dict[str, tuple[Field, ...]] = {
    "spending": SPENDING,
    "indicators": INDICATORS,
    "projects": PROJECTS,
    "city": CITY,
    "national": NATIONAL,
    "classification": CLASSIFICATION,
    "mapping": MAPPING,
    "proposals": PROPOSALS,
}
