"""The data dictionary and glossary of the about-data page (``/<lang>/about-data#dictionary``):
every field of every download and of every object the JSON API returns, with its type, its unit
and what it means, in the reader's language, and the terms a reader of Chinese public finance
meets (预算/调整预算/决算, 类/款/项, 万元 …).

The downloads' fields are those the files are written from (:mod:`portal.opendata.files.fields`),
so the two cannot drift apart. The API's fields are described here by name: a name means the same
thing in every object it appears in (``budget`` is always whole yuan in the API); a test checks
that every property of every schema in the OpenAPI document is described."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.datasets.labels import KIND_NAMES
from portal.opendata.files.fields import FIELDS
from portal.opendata.openapi import document


@dataclass(frozen=True)
class Entry:
    """One field: its name as written in the file or the JSON, its type, unit and meaning."""

    name: str
    type: str
    description: LazyString | str
    unit: LazyString | None = None
    #: The API objects (the OpenAPI document's component schemas) that have the field.
    objects: tuple[str, ...] = ()

    @property
    def type_label(self) -> str:
        """The type in the reader's words (e.g. 整数 for ``integer``)."""
        name = TYPE_NAMES.get(self.type)
        return str(name) if name is not None else self.type


@dataclass(frozen=True)
class Section:
    """A table of the dictionary: one download, or the JSON API's fields."""

    key: str
    title: LazyString | str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Term:
    term: LazyString
    definition: LazyString


@dataclass(frozen=True)
class Dictionary:
    downloads: tuple[Section, ...]
    api: Section
    glossary: tuple[Term, ...]


#: What each type is called for a reader (the type itself, as the files and the API write it, is
#: shown beside it).
TYPE_NAMES: dict[str, LazyString] = {
    "string": _l("text"),
    "integer": _l("whole number"),
    "number": _l("number"),
    "boolean": _l("true or false"),
    "date": _l("date (YYYY-MM-DD)"),
    "datetime": _l("date and time (ISO 8601)"),
    "object": _l("object"),
    "array": _l("list"),
}

YUAN = _l("yuan")
FEN = _l("fen (0.01 yuan)")
RATIO = _l("ratio (0.25 = 25%)")
PERCENT = _l("percent")
DAYS = _l("days")

# -- the JSON API: each field name, and what it means wherever it appears ------------------------


def _api(name: str, type_: str, description: LazyString, unit: LazyString | None = None) -> Entry:
    return Entry(name, type_, description, unit)


API_FIELDS: tuple[Entry, ...] = (
    # money and ratios
    _api(
        "budget",
        "integer",
        _l("Budget (预算数): the amount approved at the start of the year, rounded to the yuan."),
        YUAN,
    ),
    _api(
        "adjusted",
        "integer",
        _l(
            "Adjusted budget (调整预算数): the budget after adjustments approved during the year, rounded to the yuan."
        ),
        YUAN,
    ),
    _api(
        "executed",
        "integer",
        _l("Final accounts (决算数): what was actually spent, rounded to the yuan."),
        YUAN,
    ),
    _api("budget_fen", "integer", _l("The budget exactly, in fen."), FEN),
    _api("adjusted_fen", "integer", _l("The adjusted budget exactly, in fen."), FEN),
    _api("executed_fen", "integer", _l("The final accounts exactly, in fen."), FEN),
    _api(
        "execution_rate",
        "number",
        _l("Final accounts divided by the budget; null without both."),
        RATIO,
    ),
    _api(
        "basis",
        "string",
        _l(
            "Which figure speaks for the year: executed once final accounts exist, else adjusted, else budget."
        ),
    ),
    _api(
        "per_resident",
        "number",
        _l("The headline figure divided by the year's resident population."),
        YUAN,
    ),
    _api(
        "share_of_general_budget",
        "number",
        _l("Share of all general public budget spending of the year."),
        RATIO,
    ),
    _api(
        "share_of_general_budget_basis",
        "string",
        _l(
            "Where the general public budget total comes from: table (the same table covers every class) or city (the city facts)."
        ),
    ),
    _api(
        "share_of_livelihood", "number", _l("Share of the seven areas' spending together."), RATIO
    ),
    _api(
        "change_on_previous_year",
        "number",
        _l("Change on the year before, comparing the same kind of figure."),
        RATIO,
    ),
    _api(
        "staff_related",
        "object",
        _l(
            "Of these figures, the part that is pensions and medical insurance of government staff (codes 20805 and 21011)."
        ),
    ),
    _api(
        "not_counted",
        "object",
        _l("Lines of the table in no area (not livelihood spending), for completeness."),
    ),
    _api(
        "total",
        "object",
        _l(
            "The seven areas together; in a page of a list, the number of items or rows that match."
        ),
    ),
    _api("unit", "string", _l("The currency of the amounts: CNY (Chinese yuan).")),
    # what and when
    _api("year", "integer", _l("The budget year (a calendar year).")),
    _api("years", "array", _l("Every year with published spending figures.")),
    _api(
        "stage",
        "string",
        _l("The stage of the figures: budget (预算), adjusted (调整预算) or final (决算)."),
    ),
    _api(
        "level",
        "string",
        _l(
            "Of the figures: whose money — citywide (全市), municipal (市本级) or a named district or department. Of a budget line: 1 for a class (类), 2 for a section (款), 3 for an item (项)."
        ),
    ),
    _api(
        "slug", "string", _l("An area's fixed identifier, as in its page address (e.g. housing).")
    ),
    _api("area", "string", _l("One of the seven areas, by its slug.")),
    _api(
        "areas",
        "array",
        _l(
            "The seven areas (or, of an item, the areas it concerns), each with its figures or slug."
        ),
    ),
    _api(
        "name",
        "string",
        _l(
            "The name in the language asked for (?lang=zh or en); of a refused parameter, the parameter."
        ),
    ),
    _api("name_zh", "string", _l("The name in Chinese.")),
    _api(
        "name_en",
        "string",
        _l("The name in English (a translation where there is no official one)."),
    ),
    _api("colour", "string", _l("The area's colour on every chart of the portal (#RRGGBB).")),
    _api("url", "string", _l("The address of this object in the API.")),
    _api("html_url", "string", _l("The address of the item's page on the portal.")),
    _api("figures", "object", _l("The area's figures for the year.")),
    _api("series", "array", _l("The figures year by year (of a chart: one series of values).")),
    _api("lines", "array", _l("The budget lines of the area, by classification code.")),
    _api(
        "code",
        "string",
        _l(
            "A functional classification code (支出功能分类): 3 digits for a class (类), 5 for a section (款), 7 for an item (项); of a reply class, its letter."
        ),
    ),
    _api("line_count", "integer", _l("How many lines of the table the row adds up.")),
    _api(
        "name_verified",
        "boolean",
        _l("true when the code's name was checked against the cited official classification."),
    ),
    _api(
        "name_source",
        "string",
        _l(
            "Where the code's name comes from: classification, or file (the table's own, where the classification has none)."
        ),
    ),
    _api("names_year", "integer", _l("The year of the classification the names are taken from.")),
    # indicators and projects
    _api("indicators", "array", _l("The performance indicators of the year.")),
    _api(
        "key", "string", _l("A stable identifier (of an indicator, a project or a chart series).")
    ),
    _api("target", "number", _l("The value aimed for, in the indicator's unit.")),
    _api("actual", "number", _l("The value reached, in the indicator's unit.")),
    _api("unit_zh", "string", _l("The indicator's unit, in Chinese.")),
    _api("unit_en", "string", _l("The indicator's unit, in English.")),
    _api("higher_is_better", "boolean", _l("true when a value above the target is better.")),
    _api("projects", "array", _l("The livelihood practical projects (民生实事) of the year.")),
    _api(
        "title",
        "string",
        _l("The title in the language asked for (of an error: a short summary of it)."),
    ),
    _api("title_zh", "string", _l("The title in Chinese.")),
    _api("title_en", "string", _l("The title in English.")),
    _api("description_zh", "string", _l("What the project delivers, in Chinese.")),
    _api("description_en", "string", _l("What the project delivers, in English.")),
    _api("progress", "integer", _l("How far the project is, as reported."), PERCENT),
    _api(
        "status",
        "string",
        _l(
            "Of a project: planned, in_progress, completed or delayed. Of an item: where it stands in its handling. Of an error: the HTTP status code."
        ),
    ),
    # national context
    _api(
        "national_context",
        "object",
        _l("The city's growth beside the whole country's, for the area's national function."),
    ),
    _api("national_contexts", "array", _l("Every national comparison that applies to the area.")),
    _api(
        "function",
        "string",
        _l("The national expenditure function: total, education, social_security or health."),
    ),
    _api(
        "city_code",
        "string",
        _l("The city's classification code that matches the national function."),
    ),
    _api("rows", "array", _l("The comparison year by year.")),
    _api("city", "number", _l("The city's spending on the function.")),
    _api(
        "national",
        "number",
        _l(
            "The whole country's general public budget spending on the function, in 100 million yuan."
        ),
    ),
    _api("city_growth", "number", _l("The city's growth on the year before."), PERCENT),
    _api(
        "national_growth", "number", _l("The whole country's growth on the year before."), PERCENT
    ),
    _api(
        "sources",
        "array",
        _l("Where the figures come from: title, address and year of each release."),
    ),
    # provenance and versions
    _api("dataset", "object", _l("The dataset version the figures come from.")),
    _api("datasets", "array", _l("The dataset versions the figures come from.")),
    _api("version", "integer", _l("The version's number within its dataset (1, 2, …).")),
    _api("source", "string", _l("The document the figures were taken from.")),
    _api("source_url", "string", _l("Where the source document is published.")),
    _api(
        "sample",
        "boolean",
        _l("true for sample data: illustrative figures made up for demonstration."),
    ),
    _api(
        "sha256",
        "string",
        _l("The SHA-256 fingerprint of the original file, to check a copy against."),
    ),
    _api(
        "published_at",
        "datetime",
        _l("When the version was published (ISO 8601, with its time zone)."),
    ),
    _api(
        "data_version",
        "integer",
        _l(
            "The portal's data version: raised by every publication, so two answers with the same number come from the same data."
        ),
    ),
    # the index and paging
    _api("endpoints", "object", _l("The API's addresses, by name.")),
    _api("message", "string", _l("A note for the reader, e.g. that nothing is published yet.")),
    _api("page", "integer", _l("The page of the list (from 1).")),
    _api("pages", "integer", _l("How many pages the list has.")),
    _api("per_page", "integer", _l("How many items a page holds.")),
    _api(
        "items", "array", _l("The items of this page (in statistics: how many items are counted).")
    ),
    _api("next", "string", _l("The address of the next page; null on the last.")),
    _api("previous", "string", _l("The address of the page before; null on the first.")),
    _api("filters", "object", _l("The filters the list was asked for, as the API read them.")),
    _api("as_of", "date", _l("The day the deadlines and statistics are reckoned on.")),
    # suggestions and proposals
    _api("id", "integer", _l("The object's id on this portal (an item, a dataset or a version).")),
    _api(
        "type",
        "string",
        _l(
            "Of an item: suggestion (人大代表建议) or proposal (政协委员提案). Of an error: about:blank (the status says what kind it is)."
        ),
    ),
    _api(
        "number",
        "string",
        _l(
            "The item's number in its session; of a dataset version, its number within the dataset (1, 2, …)."
        ),
    ),
    _api("session", "string", _l("The session the item was submitted at.")),
    _api(
        "role",
        "string",
        _l("The bureau's role: sole (独办), lead (主办), co (会办) or split (分办)."),
    ),
    _api("lead_submitter", "object", _l("The deputy or member who submitted the item.")),
    _api(
        "kind",
        "string",
        _l(
            "What kind: of a submitter, deputy (人大代表) or member (政协委员); of a dataset, what it holds (spending, indicators, projects …); of a timeline step, what happened."
        ),
    ),
    _api("affiliation", "string", _l("The delegation or sector the submitter belongs to.")),
    _api("status_label", "string", _l("The status in words, in the language asked for.")),
    _api("assigned_on", "date", _l("When the item was assigned to the bureau.")),
    _api(
        "reply_due",
        "date",
        _l("When the first reply is due (three months after assignment by default)."),
    ),
    _api("current_due", "date", _l("When the reply now is due, extensions included.")),
    _api("extended", "boolean", _l("true when the deadline was extended.")),
    _api("days_left", "integer", _l("Days until the reply is due (negative when overdue)."), DAYS),
    _api(
        "overdue",
        "boolean",
        _l("true when the reply is late (in statistics: how many items are)."),
    ),
    _api("met_on", "date", _l("When the bureau met the submitter.")),
    _api("first_replied_on", "date", _l("When the first reply was given.")),
    _api("replied_on", "date", _l("When the latest reply was given.")),
    _api(
        "replied_on_time",
        "boolean",
        _l("true when the first reply was given by its due date (in statistics: how many were)."),
    ),
    _api(
        "reply_class",
        "string",
        _l("The class of the latest reply (A–D: solved, being solved, planned, explained)."),
    ),
    _api("published_on", "date", _l("When the reply was made public.")),
    _api("closed_on", "date", _l("When the item was closed (办结).")),
    _api("disclosure", "string", _l("How much of the reply is public: full, summary or withheld.")),
    _api(
        "budget_codes",
        "array",
        _l("The classification codes of the budget lines the item concerns."),
    ),
    _api(
        "satisfaction_final",
        "object",
        _l("The submitter's final satisfaction, where the feedback is public."),
    ),
    _api(
        "handling",
        "string",
        _l("Satisfaction with the handling: satisfied, basic or dissatisfied."),
    ),
    _api("result", "string", _l("Satisfaction with the result: satisfied, basic or dissatisfied.")),
    # statistics
    _api("scope", "string", _l("Which items the statistics count.")),
    _api("overall", "object", _l("The counts over every item.")),
    _api("by_year", "array", _l("The counts per year.")),
    _api("by_type", "array", _l("The counts per type (suggestions, proposals).")),
    _api("by_area", "array", _l("The counts per area.")),
    _api("replied", "integer", _l("How many items have been replied to.")),
    _api("due_or_replied", "integer", _l("How many items are due or replied to.")),
    _api("met", "integer", _l("How many items the bureau met the submitter on.")),
    _api("public_feedback_first", "integer", _l("How many first feedbacks are public.")),
    _api("public_feedback_final", "integer", _l("How many final feedbacks are public.")),
    _api(
        "rates",
        "object",
        _l("Rates over the counts (reply, on time, meetings, satisfaction), each a ratio."),
        RATIO,
    ),
    _api(
        "classes",
        "object",
        _l("The reply classes: their scheme and how many replies per class and year."),
    ),
    _api(
        "scheme",
        "array",
        _l("The reply classes, with their names and whether they need follow-up."),
    ),
    _api("follow_up", "boolean", _l("true when a reply of this class is followed up.")),
    _api("counts", "object", _l("How many replies of each class.")),
    _api(
        "co_handled_items", "integer", _l("Items the bureau only co-handles (not counted above).")
    ),
    _api("charts", "object", _l("The statistics shaped for the portal's charts.")),
    _api("labels", "array", _l("The chart's categories (e.g. years).")),
    _api("label", "string", _l("A series' name, in the language asked for.")),
    _api("values", "array", _l("A series' values, one per category.")),
    _api("stacked", "boolean", _l("true when the chart's bars are stacked.")),
    # datasets and versions
    _api("current", "boolean", _l("true for the version the portal shows now.")),
    _api(
        "current_version",
        "integer",
        _l("The number of the version the portal shows now; null when none is."),
    ),
    _api(
        "versions",
        "array",
        _l("The dataset's published versions, oldest first (drafts are never listed)."),
    ),
    _api("version_id", "integer", _l("The id of the dataset version (see /api/v1/datasets).")),
    _api("dataset_version", "integer", _l("The id of the dataset version the row belongs to.")),
    _api("source_zh", "string", _l("The source in Chinese.")),
    _api("source_en", "string", _l("The source in English.")),
    _api("original_filename", "string", _l("The name of the file the version was published from.")),
    _api("row_count", "integer", _l("How many rows the version holds.")),
    # budget lines and the classification
    _api(
        "code_level", "integer", _l("1 for a class (类), 2 for a section (款), 3 for an item (项).")
    ),
    _api(
        "department",
        "string",
        _l("The department the line belongs to (empty when the table names none)."),
    ),
    _api(
        "project",
        "string",
        _l("The project the line belongs to (empty when the table names none)."),
    ),
    _api("codes", "array", _l("The classification codes and their names, by code and year.")),
    _api(
        "mapping",
        "array",
        _l("The mapping of code prefixes to the seven areas (of the datasets: its version)."),
    ),
    _api("classification", "object", _l("The classification's dataset version.")),
    _api(
        "prefix",
        "string",
        _l("A code prefix: a code belongs to the area of the longest prefix that matches it."),
    ),
    _api(
        "area_name", "string", _l("The area's name in the language asked for; null with no area.")
    ),
    _api(
        "verified",
        "boolean",
        _l("true when the name or rule was checked against a cited official source."),
    ),
    _api("note", "string", _l("Why the rule is so, in the language asked for.")),
    _api("note_zh", "string", _l("Why, in Chinese.")),
    _api("note_en", "string", _l("Why, in English.")),
    _api("description", "string", _l("What the project does, in the language asked for.")),
    # an item's text, replies, feedback and timeline
    _api("body", "string", _l("The item's text, in the language asked for.")),
    _api("cosigners", "array", _l("Who co-signed the item.")),
    _api("other_units", "string", _l("The other units handling the item.")),
    _api(
        "rounds",
        "array",
        _l(
            "The rounds of handling (a second one after a re-handling), with replies and feedback where public."
        ),
    ),
    _api("round", "integer", _l("The round of handling (1; 2 and on after a re-handling).")),
    _api("due", "date", _l("When the reply of the round is due.")),
    _api("reply", "object", _l("The reply of the round; null before it.")),
    _api("class", "string", _l("The reply's class (A–D).")),
    _api("document_number", "string", _l("The reply's document number.")),
    _api("summary", "string", _l("The reply's summary, where public.")),
    _api(
        "text",
        "string",
        _l("The full text (of a reply: where published in full; of a follow-up: what was done)."),
    ),
    _api("withheld_reason", "string", _l("Why the reply is not published, when it is withheld.")),
    _api("follow_ups", "array", _l("Progress notes on an item being solved, where public.")),
    _api("on", "date", _l("When it happened.")),
    _api("feedback", "object", _l("The submitter's feedback on the round, where public.")),
    _api(
        "feedback_given",
        "boolean",
        _l("true when feedback was given (even when it is not public)."),
    ),
    _api("given_on", "date", _l("When the submitter gave feedback.")),
    _api("comment", "string", _l("The submitter's comment, if any.")),
    _api("timeline", "array", _l("Every step of the handling, in the order it happened.")),
    # the index and errors
    _api("documentation", "string", _l("The page for developers.")),
    _api("openapi", "string", _l("The OpenAPI 3.1 description of the API.")),
    _api("licence", "string", _l("The licence of the data.")),
    _api(
        "detail",
        "string",
        _l(
            "More about it, in the language asked for (of an error: what went wrong and how to put it right)."
        ),
    ),
    _api("invalid_params", "array", _l("For a refused query parameter (400): which one, and why.")),
    _api("reason", "string", _l("Why the parameter was refused.")),
)

API_FIELD_NAMES = frozenset(entry.name for entry in API_FIELDS)

#: The title of each download's table, by what it holds (see ``FIELDS``).
DOWNLOAD_TITLES: dict[str, LazyString] = {
    **KIND_NAMES,
    "proposals": _l("Suggestions and proposals"),
}

GLOSSARY: tuple[Term, ...] = (
    Term(
        _l("Budget (预算数)"),
        _l("The amount approved by the People's Congress at the start of the year."),
    ),
    Term(
        _l("Adjusted budget (调整预算数)"),
        _l("The budget after adjustments approved during the year."),
    ),
    Term(
        _l("Final accounts (决算数)"),
        _l("What was actually spent, as reported after the year closes."),
    ),
    Term(_l("Execution rate"), _l("Final accounts divided by the budget.")),
    Term(
        _l("Class, section, item (类、款、项)"),
        _l("The three levels of the functional classification, with 3-, 5- and 7-digit codes."),
    ),
    Term(
        _l("Functional classification (支出功能分类)"),
        _l(
            "The Ministry of Finance's classification of government spending by what it is for (education, health …), revised each year; this portal reads every table by its codes."
        ),
    ),
    Term(
        _l("10,000 yuan (万元)"),
        _l(
            "The unit of most Chinese budget tables: 1 万元 is 10,000 yuan. The downloads keep it, exactly; the API gives whole yuan and exact fen."
        ),
    ),
    Term(_l("100 million yuan (亿元)"), _l("10,000 万元, the unit of national figures.")),
    Term(
        _l("Whole city, city level (全市、市本级)"),
        _l(
            "Levels of government: the whole city includes its districts, the city level does not. Figures of different levels are never added together."
        ),
    ),
    Term(
        _l("General public budget"),
        _l(
            "The main government budget, funded mostly by taxes; it excludes government funds such as land-sale revenue and social insurance funds."
        ),
    ),
    Term(
        _l("Livelihood practical projects (民生实事)"),
        _l(
            "Projects the city commits to deliver within the year, reported with their budget and progress."
        ),
    ),
    Term(
        _l("Dataset version (数据版本)"),
        _l(
            "Each upload of a dataset is a numbered version; a correction is a new version, and nothing published is overwritten. The portal's data version is one number raised by every publication."
        ),
    ),
    Term(
        _l("Sample data (样例数据)"),
        _l(
            "Illustrative figures for a made-up city, used to demonstrate the portal. They are labelled wherever they appear."
        ),
    ),
    Term(
        _l("Deputies' suggestions (人大代表建议)"),
        _l(
            "Suggestions by deputies to the People's Congress, which the bureau must answer in writing."
        ),
    ),
    Term(
        _l("Members' proposals (政协委员提案)"),
        _l(
            "Proposals by members of the Political Consultative Conference (CPPCC), answered the same way."
        ),
    ),
    Term(
        _l("Sole, lead, co-handling (独办、主办、会办)"),
        _l(
            "Whether the bureau answers an item alone, leads the answer with others, or contributes to another department's answer."
        ),
    ),
    Term(
        _l("SHA-256"),
        _l(
            "A fingerprint of the original file: a copy with the same fingerprint is the same file, byte for byte."
        ),
    ),
)


def _download_entries(kind: str) -> tuple[Entry, ...]:
    return tuple(
        Entry(field.name, field.schema_type, field.description, field.unit)
        for field in FIELDS[kind]
    )


def api_objects() -> dict[str, tuple[str, ...]]:
    """Field name → the API objects that have it, read from the OpenAPI document (built from the
    schemas that serialise the responses)."""
    found: dict[str, set[str]] = {}
    for component, schema in document()["components"]["schemas"].items():
        for name in schema.get("properties", {}):
            found.setdefault(name, set()).add(component)
    return {name: tuple(sorted(components)) for name, components in found.items()}


def data_dictionary() -> Dictionary:
    """The whole dictionary, for the about-data page (a template global)."""
    downloads = tuple(
        Section(f"download-{kind}", DOWNLOAD_TITLES.get(kind, kind), _download_entries(kind))
        for kind in FIELDS
    )
    objects = api_objects()
    api = Section(
        "api",
        _l("The JSON API (/api/v1/)"),
        tuple(replace(entry, objects=objects.get(entry.name, ())) for entry in API_FIELDS),
    )
    return Dictionary(downloads=downloads, api=api, glossary=GLOSSARY)
