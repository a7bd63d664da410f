"""The shapes of the open-data API, one marshmallow schema per object. Every response is serialised
through its schema (:mod:`portal.opendata.routes`) and the OpenAPI document is generated from the
same classes (:mod:`portal.opendata.openapi`), so the two cannot drift apart.

Amounts are integers: whole yuan (元, rounded to the yuan), and exactly in 分 (1/100 yuan) in the
``*_fen`` fields. Ratios are decimals (0.25 is 25 %) rounded to 4 places. Every field has an English
description: the data dictionary and the OpenAPI document show it. Component names (the class
names without ``Schema``) are part of the public contract: keep them stable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marshmallow import Schema, fields
from marshmallow.validate import OneOf, Range

from portal.datasets.models import DatasetKind
from portal.proposals.models import (
    Disclosure,
    EventKind,
    HandlingRole,
    ItemKind,
    Satisfaction,
    Status,
    SubmitterKind,
)
from portal.spending.areas import AREA_SLUGS

STAGES = ("budget", "adjusted", "final")
BASES = ("budget", "adjusted", "executed")


def _meta(description: str, extra: dict[str, Any] | None) -> dict[str, Any]:
    return {"description": description, **(extra or {})}


def integer(description: str, *, nullable: bool = False, minimum: int | None = None) -> Any:
    return fields.Integer(
        required=True,
        allow_none=nullable,
        strict=True,
        validate=Range(min=minimum) if minimum is not None else None,
        metadata=_meta(description, None),
    )


def number(description: str, *, nullable: bool = True) -> Any:
    return fields.Float(required=True, allow_none=nullable, metadata=_meta(description, None))


def string(
    description: str,
    *,
    nullable: bool = False,
    choices: Sequence[str] | None = None,
    fmt: str | None = None,
    required: bool = True,
    data_key: str | None = None,
) -> Any:
    return fields.String(
        required=required,
        data_key=data_key,
        attribute=data_key,
        allow_none=nullable,
        validate=OneOf(list(choices)) if choices is not None else None,
        metadata=_meta(description, {"format": fmt} if fmt else None),
    )


def flag(description: str, *, nullable: bool = False) -> Any:
    return fields.Boolean(required=True, allow_none=nullable, metadata=_meta(description, None))


def nested(schema: type[Schema], description: str, *, nullable: bool = False) -> Any:
    return fields.Nested(
        schema, required=True, allow_none=nullable, metadata=_meta(description, None)
    )


def listing(schema: type[Schema] | Any, description: str) -> Any:
    inner = fields.Nested(schema) if isinstance(schema, type) else schema
    return fields.List(inner, required=True, metadata=_meta(description, None))


def dictionary(values: Any, description: str) -> Any:
    return fields.Dict(
        keys=fields.String(), values=values, required=True, metadata=_meta(description, None)
    )


def yuan(what: str) -> Any:
    return integer(
        f"{what}, in whole yuan (CNY, rounded to the yuan); null where not given.", nullable=True
    )


def fen(what: str) -> Any:
    return integer(
        f"{what}, exactly, in fen (分, 1/100 yuan); null where not given.", nullable=True
    )


DATA_VERSION = (
    "The data version these figures belong to; it rises with every publish, restore or withdrawal."
)
YEAR_DESCRIPTION = "The year the figures are for."


# -- problems ------------------------------------------------------------------------------------


class InvalidParamSchema(Schema):
    name = string("The query parameter that was refused.")
    reason = string("Why it was refused, in the language asked for.")


class ProblemSchema(Schema):
    """An error (RFC 7807 ``application/problem+json``)."""

    type = string("Always about:blank: the status code says what kind of problem it is.")
    title = string("A short summary of the problem, in the language asked for.")
    status = integer("The HTTP status code.")
    detail = string("What went wrong and how to put it right, in the language asked for.")
    invalid_params = fields.List(
        fields.Nested(InvalidParamSchema),
        metadata={"description": "For a refused query parameter (400): which one, and why."},
    )


# -- spending ------------------------------------------------------------------------------------


class FiguresSchema(Schema):
    """Budget (预算数), adjusted budget (调整预算数) and final accounts (决算数)."""

    budget = yuan("The budget (预算数)")
    adjusted = yuan("The adjusted budget (调整预算数)")
    executed = yuan("The final accounts (决算数, what was spent)")
    budget_fen = fen("The budget")
    adjusted_fen = fen("The adjusted budget")
    executed_fen = fen("The final accounts")
    execution_rate = number(
        "Final accounts divided by the budget (0.98 is 98 %); null without both."
    )


class HeadlineSchema(FiguresSchema):
    basis = string(
        "Which figure speaks for the year: executed once final accounts exist, else adjusted, else budget.",
        choices=BASES,
    )
    per_resident = number(
        "The headline figure per resident, in yuan (2 decimal places); null without a population."
    )
    share_of_general_budget = number(
        "The headline figure as a share of all general public budget spending; null when unknown."
    )
    share_of_general_budget_basis = string(
        "Where the general budget total comes from: table (the same table's total) or city (the city facts).",
        nullable=True,
        choices=("table", "city"),
    )
    change_on_previous_year = number(
        "The change on the previous year, like with like (0.05 is +5 %); null without it."
    )
    staff_related = nested(
        FiguresSchema,
        "The part that is pensions and medical insurance of government staff, counted in the figures but shown separately.",
    )


class AreaHeadlineSchema(HeadlineSchema):
    share_of_livelihood = number("The area's share of the seven areas' total.")


class DatasetProvenanceSchema(Schema):
    """Where a figure comes from: the published dataset version that holds it."""

    title = string("The dataset's title, in the language asked for.")
    source = string("The document the figures were taken from, in the language asked for.")
    source_url = string(
        "A link to that document; null when there is none.", nullable=True, fmt="uri"
    )
    version = integer("The version number within its dataset (1, 2, …).", minimum=1)
    version_id = integer("The version's id (see /api/v1/datasets).", minimum=1)
    kind = string("The kind of dataset.", choices=[k.value for k in DatasetKind])
    year = integer("The year the dataset covers; 0 for a dataset that spans every year.", minimum=0)
    stage = string(
        "For spending: budget, adjusted or final; null for other kinds.",
        nullable=True,
        choices=STAGES,
    )
    sample = flag("True when the figures are made-up sample data, not real ones.")
    sha256 = string("The SHA-256 of the original file as uploaded (hex).")
    published_at = string(
        "When this version was published (ISO 8601, UTC).", nullable=True, fmt="date-time"
    )


class AreaSummarySchema(AreaHeadlineSchema):
    slug = string("The area's identifier.", choices=AREA_SLUGS)
    name = string("The area's name, in the language asked for.")
    name_zh = string("The area's name in Chinese.")
    name_en = string("The area's name in English.")
    colour = string("The area's colour on every chart (hex RGB).")
    url = string("This area's figures in the API.")


class AreasSchema(Schema):
    year = integer(YEAR_DESCRIPTION + " Null while no spending is published.", nullable=True)
    stage = string("The stage of that year's figures.", nullable=True, choices=STAGES)
    level = string(
        "Whose money: citywide (全市), municipal (市本级), or a district or department.",
        nullable=True,
    )
    unit = string("The currency of every amount.", choices=["CNY"])
    total = nested(HeadlineSchema, "The seven areas together.", nullable=True)
    areas = listing(AreaSummarySchema, "Each of the seven areas, in their fixed order.")
    not_counted = nested(
        FiguresSchema,
        "Lines of the table that no area counts (not livelihood spending).",
        nullable=True,
    )
    years = listing(fields.Integer(), "Every year with published spending.")
    dataset = nested(
        DatasetProvenanceSchema, "The dataset version the figures come from.", nullable=True
    )
    data_version = integer(DATA_VERSION, minimum=0)
    message = string("Said while nothing is published yet.", required=False)


class SeriesPointSchema(FiguresSchema):
    year = integer(YEAR_DESCRIPTION)
    stage = string("The stage of that year's figures.", choices=STAGES)


class TotalsSchema(Schema):
    unit = string("The currency of every amount.", choices=["CNY"])
    series = listing(SeriesPointSchema, "The seven areas' total, year by year.")
    datasets = listing(DatasetProvenanceSchema, "The dataset versions the figures come from.")
    data_version = integer(DATA_VERSION, minimum=0)


class CodeLineSchema(FiguresSchema):
    code = string("The functional classification code: 3 digits (类), 5 (款) or 7 (项).")
    level = integer("1 for a class (类), 2 for a section (款), 3 for an item (项).", minimum=1)
    name_zh = string("The code's name in Chinese.")
    name_en = string("The code's name in English (empty when the classification has none).")
    name_verified = flag("Whether the name was checked against a cited official list.")
    name_source = string(
        "Where the name comes from: classification, or file (as given in the published table).",
        nullable=True,
        choices=("file", "classification"),
    )
    names_year = integer(
        "The year of the classification whose names are used, when not the table's year.",
        nullable=True,
    )
    line_count = integer("How many budget lines are summed.", minimum=0)


class AreaIndicatorSchema(Schema):
    key = string("The indicator's identifier.")
    name_zh = string("The indicator's name in Chinese.")
    name_en = string("The indicator's name in English.")
    unit_zh = string("The unit of the target and actual values, in Chinese.")
    unit_en = string("The unit of the target and actual values, in English.")
    target = number("The target value.")
    actual = number("The value reached.")
    higher_is_better = flag("Whether a higher value is better.")


class AreaProjectSchema(Schema):
    key = string("The project's identifier.")
    title_zh = string("The project's title in Chinese.")
    title_en = string("The project's title in English.")
    description_zh = string("What the project does, in Chinese.")
    description_en = string("What the project does, in English.")
    budget = yuan("The project's budget")
    progress = integer("Progress, in per cent (0 to 100).", minimum=0)
    status = string("The project's status, e.g. completed, on_track or delayed.")


class NationalRowSchema(Schema):
    year = integer(YEAR_DESCRIPTION)
    city = yuan("The city's spending on this function")
    city_growth = number("The city's growth on the previous year, in per cent (1 decimal place).")
    national = yuan("The whole country's spending on this function")
    national_growth = number(
        "The country's growth on the previous year, in per cent (1 decimal place)."
    )


class NationalSourceSchema(Schema):
    year = integer(YEAR_DESCRIPTION)
    title = string("The national source document, in the language asked for.")
    url = string("A link to the national source document.")


class NationalContextSchema(Schema):
    function = string("The national function the area sits in, e.g. education.")
    name = string("The function's name, in the language asked for.")
    city_code = string(
        "The classification code of the city's figures compared; null for the total of all spending.",
        nullable=True,
    )
    rows = listing(NationalRowSchema, "The comparison, year by year.")
    sources = listing(NationalSourceSchema, "Where the national figures come from.")


class AreaDatasetsSchema(Schema):
    indicators = nested(DatasetProvenanceSchema, "The indicators' dataset version.", nullable=True)
    projects = nested(
        DatasetProvenanceSchema, "The practical projects' dataset version.", nullable=True
    )


class AreaDetailSchema(Schema):
    slug = string("The area's identifier.", choices=AREA_SLUGS)
    name = string("The area's name, in the language asked for.")
    name_zh = string("The area's name in Chinese.")
    name_en = string("The area's name in English.")
    colour = string("The area's colour on every chart (hex RGB).")
    year = integer(YEAR_DESCRIPTION + " Null while no spending is published.", nullable=True)
    stage = string("The stage of that year's figures.", nullable=True, choices=STAGES)
    level = string(
        "Whose money: citywide (全市), municipal (市本级), or a district or department.",
        nullable=True,
    )
    unit = string("The currency of every amount.", choices=["CNY"])
    figures = nested(AreaHeadlineSchema, "The area's figures for the year.", nullable=True)
    series = listing(SeriesPointSchema, "The area's figures, year by year.")
    lines = listing(CodeLineSchema, "The area's classes, sections and items for the year.")
    indicators = listing(AreaIndicatorSchema, "The area's indicators for the year.")
    projects = listing(AreaProjectSchema, "The area's practical projects for the year.")
    national_context = nested(
        NationalContextSchema,
        "The first national comparison (see national_contexts).",
        nullable=True,
    )
    national_contexts = listing(
        NationalContextSchema,
        "The city's growth beside the whole country's, per national function.",
    )
    dataset = nested(
        DatasetProvenanceSchema,
        "The spending dataset version the figures come from.",
        nullable=True,
    )
    datasets = nested(AreaDatasetsSchema, "The other dataset versions the response draws on.")
    data_version = integer(DATA_VERSION, minimum=0)
    message = string("Said while nothing is published yet.", required=False)


class AreaLinkSchema(Schema):
    slug = string("The area's identifier.", choices=AREA_SLUGS)
    name = string("The area's name, in the language asked for.")
    name_zh = string("The area's name in Chinese.")
    name_en = string("The area's name in English.")


class ApiIndexSchema(Schema):
    title = string("The API's name, in the language asked for.")
    areas = listing(AreaLinkSchema, "The seven areas.")
    endpoints = dictionary(fields.String(), "The API's addresses by name.")
    openapi = string("The OpenAPI 3.1 description of this API.")
    documentation = string("The page for developers, in the language asked for.")
    licence = string("The licence of the data.")
    data_version = integer(DATA_VERSION, minimum=0)


# -- budget lines, indicators, projects ----------------------------------------------------------


class BudgetLineSchema(Schema):
    """One line of a published spending table, as published."""

    id = integer("The line's id (stable: published lines are never changed).", minimum=1)
    year = integer(YEAR_DESCRIPTION)
    stage = string("The stage: budget (预算), adjusted (调整预算) or final (决算).", choices=STAGES)
    level = string("Whose money: citywide (全市), municipal (市本级), or a district or department.")
    code = string("The functional classification code: 3 digits (类), 5 (款) or 7 (项).")
    code_level = integer("1 for a class (类), 2 for a section (款), 3 for an item (项).", minimum=1)
    name = string(
        "The code's name, in the language asked for: the classification's, else as given in the table."
    )
    name_zh = string("The code's name in Chinese (empty when unknown).")
    name_en = string("The code's name in English (empty when unknown).")
    department = string("The department the line belongs to (empty when the table has none).")
    project = string("The project the line belongs to (empty when the table has none).")
    area = string(
        "The area the line counts in (longest mapping prefix); null when it is not livelihood spending.",
        nullable=True,
        choices=AREA_SLUGS,
    )
    staff_related = flag("Whether the line is pensions or medical insurance of government staff.")
    budget = yuan("The budget")
    adjusted = yuan("The adjusted budget")
    executed = yuan("The final accounts")
    budget_fen = fen("The budget")
    adjusted_fen = fen("The adjusted budget")
    executed_fen = fen("The final accounts")
    dataset_version = integer(
        "The id of the dataset version the line belongs to (see /api/v1/datasets).", minimum=1
    )


class PageLinksMixin(Schema):
    page = integer("This page's number, from 1.", minimum=1)
    pages = integer("How many pages the list has (at least 1).", minimum=1)
    per_page = integer("How many items a page holds.", minimum=1)
    total = integer("How many items the list has, on every page together.", minimum=0)
    next = string("The next page; null on the last.", nullable=True)
    previous = string("The previous page; null on the first.", nullable=True)


class BudgetLinePageSchema(PageLinksMixin):
    items = listing(
        BudgetLineSchema,
        "The lines of this page, in a stable order: year, stage, level, then the table's own order.",
    )
    filters = dictionary(fields.String(), "The filters applied, as query parameters.")
    unit = string("The currency of every amount.", choices=["CNY"])
    data_version = integer(DATA_VERSION, minimum=0)


class IndicatorSchema(Schema):
    year = integer(YEAR_DESCRIPTION)
    area = string("The area the indicator measures.", choices=AREA_SLUGS)
    key = string("The indicator's identifier (stable from year to year).")
    name = string("The indicator's name, in the language asked for.")
    name_zh = string("The indicator's name in Chinese.")
    name_en = string("The indicator's name in English.")
    unit = string("The unit of the target and actual values, in the language asked for.")
    unit_zh = string("The unit in Chinese.")
    unit_en = string("The unit in English.")
    target = number("The target value (2 decimal places).")
    actual = number("The value reached (2 decimal places).")
    higher_is_better = flag("Whether a higher value is better.")
    dataset_version = integer("The id of the dataset version the indicator belongs to.", minimum=1)


class IndicatorListSchema(Schema):
    items = listing(IndicatorSchema, "The indicators, by year, area and order of publication.")
    total = integer("How many indicators the list has.", minimum=0)
    filters = dictionary(fields.String(), "The filters applied, as query parameters.")
    datasets = listing(DatasetProvenanceSchema, "The dataset versions the indicators come from.")
    data_version = integer(DATA_VERSION, minimum=0)


class ProjectSchema(Schema):
    year = integer(YEAR_DESCRIPTION)
    area = string("The area the project belongs to.", choices=AREA_SLUGS)
    key = string("The project's identifier.")
    title = string("The project's title, in the language asked for.")
    title_zh = string("The project's title in Chinese.")
    title_en = string("The project's title in English.")
    description = string("What the project does, in the language asked for.")
    description_zh = string("What the project does, in Chinese.")
    description_en = string("What the project does, in English.")
    budget = yuan("The project's budget")
    budget_fen = fen("The project's budget")
    progress = integer("Progress, in per cent (0 to 100).", minimum=0)
    status = string("The project's status, e.g. completed, on_track or delayed.")
    dataset_version = integer("The id of the dataset version the project belongs to.", minimum=1)


class ProjectListSchema(Schema):
    items = listing(
        ProjectSchema, "The practical projects (民生实事), by year, area and order of publication."
    )
    total = integer("How many projects the list has.", minimum=0)
    filters = dictionary(fields.String(), "The filters applied, as query parameters.")
    unit = string("The currency of every amount.", choices=["CNY"])
    datasets = listing(DatasetProvenanceSchema, "The dataset versions the projects come from.")
    data_version = integer(DATA_VERSION, minimum=0)


# -- datasets ------------------------------------------------------------------------------------


class DatasetVersionSchema(Schema):
    """A published (or once published) version of a dataset. Drafts are never listed."""

    id = integer("The version's id.", minimum=1)
    number = integer("The version number within its dataset (1, 2, …).", minimum=1)
    current = flag("Whether this is the version the portal shows now.")
    title = string("The title, in the language asked for.")
    title_zh = string("The title in Chinese.")
    title_en = string("The title in English (null when none was given).", nullable=True)
    source = string("The document the figures were taken from, in the language asked for.")
    source_zh = string("The source in Chinese.")
    source_en = string("The source in English (null when none was given).", nullable=True)
    source_url = string(
        "A link to the source document; null when there is none.", nullable=True, fmt="uri"
    )
    sample = flag("True when the figures are made-up sample data, not real ones.")
    sha256 = string(
        "The SHA-256 of the original file as uploaded (hex): compare it with the file you hold."
    )
    original_filename = string(
        "The name of the original file (null for data loaded by the portal itself).", nullable=True
    )
    row_count = integer("How many rows the version holds.", minimum=0)
    published_at = string(
        "When the version was (first) published (ISO 8601, UTC).", nullable=True, fmt="date-time"
    )


class DatasetSchema(Schema):
    id = integer("The dataset's id.", minimum=1)
    kind = string("What the dataset holds.", choices=[k.value for k in DatasetKind])
    year = integer("The year the dataset covers; 0 for a dataset that spans every year.", minimum=0)
    stage = string(
        "For spending: budget, adjusted or final; null for other kinds.",
        nullable=True,
        choices=STAGES,
    )
    level = string(
        "For spending, whose money: citywide, municipal, or a district or department; null for other kinds.",
        nullable=True,
    )
    title = string(
        "The title of its current (else latest published) version, in the language asked for."
    )
    current_version = integer(
        "The number of the version the portal shows now; null when it has been withdrawn.",
        nullable=True,
    )
    url = string("This dataset in the API.")
    versions = listing(
        DatasetVersionSchema, "Its published versions, oldest first (drafts are never listed)."
    )


class DatasetListSchema(Schema):
    items = listing(DatasetSchema, "The datasets, by kind, year, stage and level.")
    total = integer("How many datasets the list has.", minimum=0)
    filters = dictionary(fields.String(), "The filters applied, as query parameters.")
    data_version = integer(DATA_VERSION, minimum=0)


class DatasetDetailSchema(DatasetSchema):
    data_version = integer(DATA_VERSION, minimum=0)


# -- the classification --------------------------------------------------------------------------


class ClassificationCodeSchema(Schema):
    code = string("The functional classification code: 3 digits (类), 5 (款) or 7 (项).")
    code_level = integer("1 for a class (类), 2 for a section (款), 3 for an item (项).", minimum=1)
    year = integer("The year of the classification this name belongs to.")
    name = string("The code's name, in the language asked for.")
    name_zh = string("The code's name in Chinese.")
    name_en = string("The code's name in English.")
    verified = flag("Whether the name was checked against a cited official list.")
    source = string("Where the name was checked (empty when not verified).")
    area = string(
        "The area the code counts in by the mapping (longest prefix); null when not livelihood spending.",
        nullable=True,
        choices=AREA_SLUGS,
    )
    staff_related = flag(
        "Whether the code is pensions or medical insurance of government staff, shown separately."
    )


class MappingRuleSchema(Schema):
    prefix = string(
        "A code prefix; a code belongs to the area of the longest prefix that matches it."
    )
    area = string(
        "The area; null when the prefix is explicitly not livelihood spending.",
        nullable=True,
        choices=AREA_SLUGS,
    )
    area_name = string(
        "The area's name, in the language asked for; null with no area.", nullable=True
    )
    staff_related = flag("Whether the codes under it are government staff items, shown separately.")
    verified = flag("Whether the rule was checked against an official source.")
    note = string("Why the rule is so, in the language asked for.")
    note_zh = string("Why, in Chinese.")
    note_en = string("Why, in English.")


class ClassificationDatasetsSchema(Schema):
    classification = nested(
        DatasetProvenanceSchema, "The classification's dataset version.", nullable=True
    )
    mapping = nested(DatasetProvenanceSchema, "The mapping's dataset version.", nullable=True)


class ClassificationSchema(Schema):
    codes = listing(ClassificationCodeSchema, "The codes and their names, by code and year.")
    total = integer("How many codes the list has.", minimum=0)
    mapping = listing(MappingRuleSchema, "The mapping of code prefixes to the seven areas.")
    filters = dictionary(fields.String(), "The filters applied, as query parameters.")
    datasets = nested(ClassificationDatasetsSchema, "The dataset versions the lists come from.")
    data_version = integer(DATA_VERSION, minimum=0)


# -- suggestions and proposals -------------------------------------------------------------------


class SubmitterSchema(Schema):
    """A deputy or CPPCC member. Contact details are never part of the API."""

    name = string("The name in Chinese.")
    name_en = string("The name in English; null when none is given.", nullable=True)
    kind = string(
        "deputy (人大代表) or member (政协委员).", choices=[k.value for k in SubmitterKind]
    )
    affiliation = string(
        "The delegation or sector, in the language asked for; null when none.", nullable=True
    )


class SatisfactionSchema(Schema):
    handling = string(
        "Satisfaction with the handling (final round), where public.",
        nullable=True,
        choices=[s.value for s in Satisfaction],
    )
    result = string(
        "Satisfaction with the result (final round), where public.",
        nullable=True,
        choices=[s.value for s in Satisfaction],
    )


DATE = "date"


class ProposalSummarySchema(Schema):
    id = integer("The item's id.", minimum=1)
    url = string("This item in the API.")
    html_url = string("This item's page.")
    session = string("The session (会议) the item was submitted to, in the language asked for.")
    number = string("The item's number within its session and type.")
    type = string(
        "suggestion (人大代表建议) or proposal (政协委员提案).", choices=[k.value for k in ItemKind]
    )
    year = integer("The year of the session.")
    title = string("The title, in the language asked for.")
    title_zh = string("The title in Chinese.")
    title_en = string("The title in English; null when none is given.", nullable=True)
    lead_submitter = nested(SubmitterSchema, "Who submitted it (the lead submitter).")
    areas = listing(fields.String(validate=OneOf(AREA_SLUGS)), "The areas it concerns.")
    budget_codes = listing(fields.String(), "The classification codes it concerns.")
    role = string(
        "The bureau's role: sole, lead, co (co-handler) or split.",
        choices=[r.value for r in HandlingRole],
    )
    status = string("Where it stands.", choices=[s.value for s in Status])
    status_label = string("Where it stands, in words, in the language asked for.")
    assigned_on = string("When it was assigned to the bureau.", nullable=True, fmt=DATE)
    reply_due = string(
        "When the first reply is (or was) due, extensions included.", nullable=True, fmt=DATE
    )
    extended = flag("Whether the reply deadline was extended.")
    current_due = string(
        "When what the bureau owes now is due; null when it owes nothing.", nullable=True, fmt=DATE
    )
    days_left = integer(
        "Days until current_due (negative: overdue); null when nothing is owed.", nullable=True
    )
    overdue = flag("Whether what the bureau owes is overdue.")
    first_replied_on = string("When it was first replied to.", nullable=True, fmt=DATE)
    replied_on_time = flag("Whether the first reply was on time; null before it.", nullable=True)
    replied_on = string("When it was last replied to.", nullable=True, fmt=DATE)
    reply_class = string("The class of the latest reply (e.g. A, B, C).", nullable=True)
    met_on = string("When the bureau met the submitter.", nullable=True, fmt=DATE)
    disclosure = string(
        "How the latest reply is published: full, summary or withheld; null until decided.",
        nullable=True,
        choices=[d.value for d in Disclosure],
    )
    published_on = string("When the latest reply was published.", nullable=True, fmt=DATE)
    satisfaction_final = nested(
        SatisfactionSchema, "The submitter's final satisfaction, where public."
    )
    closed_on = string("When it was closed (办结).", nullable=True, fmt=DATE)
    sample = flag("True when the item is made-up sample data.")


class FollowUpSchema(Schema):
    on = string("When.", fmt=DATE)
    text = string("What was done, in the language asked for.")


class ReplySchema(Schema):
    replied_on = string("When the reply was sent.", nullable=True, fmt=DATE)
    document_number = string("The reply's document number.", nullable=True)
    class_ = string("The reply's class.", nullable=True, data_key="class")
    disclosure = string(
        "How it is published: full, summary or withheld; null until decided.",
        nullable=True,
        choices=[d.value for d in Disclosure],
    )
    published_on = string("When it was published.", nullable=True, fmt=DATE)
    withheld_reason = string("Why it is not published, when withheld.", nullable=True)
    summary = string("The reply's summary, where public.", nullable=True)
    text = string("The reply's full text, where published in full.", nullable=True)
    follow_ups = listing(FollowUpSchema, "Progress notes on an item being solved, where public.")


class FeedbackSchema(Schema):
    given_on = string("When the submitter gave feedback.", nullable=True, fmt=DATE)
    handling = string("Satisfaction with the handling.", choices=[s.value for s in Satisfaction])
    result = string("Satisfaction with the result.", choices=[s.value for s in Satisfaction])
    comment = string("The submitter's comment, if any.", nullable=True)


class RoundSchema(Schema):
    round = integer("The round (1; 2 and on after a re-handling).", minimum=1)
    due = string("When the reply of this round is due.", nullable=True, fmt=DATE)
    reply = nested(ReplySchema, "The reply of this round; null before it.", nullable=True)
    feedback = nested(FeedbackSchema, "The submitter's feedback, where public.", nullable=True)
    feedback_given = flag("Whether feedback was given (even when not public).")


class TimelineEventSchema(Schema):
    on = string("When it happened.", fmt=DATE)
    kind = string("What happened.", choices=[k.value for k in EventKind])
    round = integer("The round it belongs to.", minimum=1)
    label = string("What happened, in words, in the language asked for.")
    detail = string("More about it, where public, in the language asked for.", nullable=True)


class ProposalDetailSchema(ProposalSummarySchema):
    body = string("The item's text, in the language asked for.")
    cosigners = listing(SubmitterSchema, "Who co-signed it.")
    other_units = string("The other units handling it, in the language asked for.", nullable=True)
    rounds = listing(
        RoundSchema, "The rounds of handling, with their replies and feedback where public."
    )
    timeline = listing(TimelineEventSchema, "Every step, in the order it happened.")
    as_of = string("The day the dates and overdue flags were worked out on.", fmt=DATE)
    data_version = integer(DATA_VERSION, minimum=0)


class ProposalPageSchema(PageLinksMixin):
    items = listing(ProposalSummarySchema, "The items of this page, by year, number and id.")
    filters = dictionary(fields.String(), "The filters applied, as query parameters.")
    as_of = string("The day the dates and overdue flags were worked out on.", fmt=DATE)
    data_version = integer(DATA_VERSION, minimum=0)


class CountsSchema(Schema):
    items = integer("Items counted.", minimum=0)
    replied = integer("Items replied to.", minimum=0)
    due_or_replied = integer("Items whose reply is due or given.", minimum=0)
    replied_on_time = integer("Items replied to on time.", minimum=0)
    overdue = integer("Items whose reply is overdue.", minimum=0)
    met = integer("Items whose submitter the bureau met.", minimum=0)
    public_feedback_first = integer("Items with public feedback on the first reply.", minimum=0)
    public_feedback_final = integer("Items with public feedback on the final reply.", minimum=0)
    rates = dictionary(
        fields.Float(allow_none=True),
        "Rates by name (reply_rate, on_time_rate, meeting_rate, …), 0 to 1; null without a base.",
    )


class YearCountsSchema(CountsSchema):
    year = integer("The year.")


class TypeCountsSchema(CountsSchema):
    type = string("suggestion or proposal.", choices=[k.value for k in ItemKind])


class AreaCountsSchema(CountsSchema):
    area = string("The area.", choices=AREA_SLUGS)


class ReplyClassSchema(Schema):
    code = string("The class's code, e.g. A.")
    name = string("The class's name, in the language asked for.")
    follow_up = flag("Whether items replied with this class are followed up until solved.")


class ClassYearSchema(Schema):
    year = integer("The year.")
    counts = dictionary(fields.Integer(), "Replies by class code.")


class ClassesSchema(Schema):
    scheme = listing(ReplyClassSchema, "The reply classes.")
    by_year = listing(ClassYearSchema, "Replies by class, year by year.")


class ChartSeriesSchema(Schema):
    key = string("The series' identifier.")
    label = string("The series' name, in the language asked for.")
    values = listing(
        fields.Float(allow_none=True), "One value per label (0 to 1); null without a base."
    )


class ChartSchema(Schema):
    labels = listing(fields.String(), "The x-axis labels (years).")
    series = listing(ChartSeriesSchema, "The series drawn.")
    stacked = fields.Boolean(metadata={"description": "Whether the bars are stacked."})


class ChartsSchema(Schema):
    rates = nested(ChartSchema, "Rates year by year, as the statistics page draws them.")
    classes = nested(ChartSchema, "Reply classes year by year, as the statistics page draws them.")


class ProposalStatsSchema(Schema):
    as_of = string("The day the figures were worked out on.", fmt=DATE)
    scope = string("Which items are counted.")
    overall = nested(CountsSchema, "All items counted.")
    by_year = listing(YearCountsSchema, "By year.")
    by_type = listing(TypeCountsSchema, "By type.")
    by_area = listing(AreaCountsSchema, "By area.")
    classes = nested(ClassesSchema, "Reply classes.")
    co_handled_items = integer("Items the bureau co-handles (not counted above).", minimum=0)
    charts = nested(ChartsSchema, "The same figures, shaped for charts.")
    data_version = integer(DATA_VERSION, minimum=0)


#: Every component, by its public name (the OpenAPI document lists them in this order).
COMPONENTS: tuple[type[Schema], ...] = (
    ProblemSchema,
    InvalidParamSchema,
    ApiIndexSchema,
    AreaLinkSchema,
    FiguresSchema,
    HeadlineSchema,
    AreaHeadlineSchema,
    DatasetProvenanceSchema,
    AreasSchema,
    AreaSummarySchema,
    TotalsSchema,
    SeriesPointSchema,
    AreaDetailSchema,
    CodeLineSchema,
    AreaIndicatorSchema,
    AreaProjectSchema,
    AreaDatasetsSchema,
    NationalContextSchema,
    NationalRowSchema,
    NationalSourceSchema,
    BudgetLinePageSchema,
    BudgetLineSchema,
    IndicatorListSchema,
    IndicatorSchema,
    ProjectListSchema,
    ProjectSchema,
    DatasetListSchema,
    DatasetSchema,
    DatasetDetailSchema,
    DatasetVersionSchema,
    ClassificationSchema,
    ClassificationCodeSchema,
    MappingRuleSchema,
    ClassificationDatasetsSchema,
    ProposalPageSchema,
    ProposalSummarySchema,
    ProposalDetailSchema,
    SubmitterSchema,
    SatisfactionSchema,
    RoundSchema,
    ReplySchema,
    FollowUpSchema,
    FeedbackSchema,
    TimelineEventSchema,
    ProposalStatsSchema,
    CountsSchema,
    YearCountsSchema,
    TypeCountsSchema,
    AreaCountsSchema,
    ClassesSchema,
    ReplyClassSchema,
    ClassYearSchema,
    ChartsSchema,
    ChartSchema,
    ChartSeriesSchema,
)


def component_name(schema: type[Schema] | Schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema")
