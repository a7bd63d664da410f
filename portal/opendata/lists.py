"""The lists of the open-data API: published budget lines (filtered and paged), indicators,
practical projects, and the classification with its mapping to the seven areas. A filter value the
portal does not know (a stage, a level, an area, a code) is a 400 naming the parameter; a year with
nothing published is an empty list."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.db import get_session
from portal.i18n import localized
from portal.opendata import api_blueprint
from portal.opendata import schemas as s
from portal.opendata.lines import (
    LineFilters,
    any_line_with_code,
    file_names,
    lines_page,
    published_spending,
)
from portal.opendata.query import (
    AREA,
    PAGE,
    YEAR,
    InvalidParameter,
    Param,
    named_choice,
    page_beyond_last,
    per_page,
    read_code,
    read_text,
)
from portal.opendata.routes import api_get
from portal.opendata.values import area_names, fen, provenance_json, ratio, yuan
from portal.params import ParamError, shown
from portal.spending.aggregation import AreaMapper, MappingRule
from portal.spending.areas import AREAS_BY_SLUG
from portal.spending.models import CodeName
from portal.spending.queries import Snapshot
from portal.spending.web import snapshot

api = api_blueprint("lists_api", __name__, "/api/v1")

STAGE = Param(
    "stage",
    _l("The stage of the figures: budget (预算), adjusted (调整预算) or final (决算)."),
    {"type": "string", "enum": list(s.STAGES)},
    named_choice("stage", s.STAGES),
    example="final",
)
LEVEL = Param(
    "level",
    _l(
        "Whose money: citywide (全市), municipal (市本级), or the name of a district or department."
    ),
    {"type": "string", "maxLength": 120},
    read_text("level", 120),
    example="citywide",
)
CODE = Param(
    "code",
    _l("A classification code or its beginning (1 to 7 digits): 205 gives every line under 205."),
    {"type": "string", "pattern": "^[0-9]{1,7}$"},
    read_code,
    example="20502",
)
LINES_PER_PAGE = per_page(100)


def args() -> dict[str, str]:
    """The normalised parameters (see :func:`portal.web.use_query`)."""
    return dict(request.args)


def year_arg() -> int | None:
    raw = request.args.get("year")
    return int(raw) if raw else None


def mapper(snap: Snapshot) -> AreaMapper:
    return AreaMapper(MappingRule(r.prefix, r.area, r.staff_related) for r in snap.mapping)


def unknown(name: str, value: str, allowed: list[str]) -> InvalidParameter:
    return InvalidParameter(name, ParamError(name, value, allowed).message())


def unknown_code(value: str) -> InvalidParameter:
    return InvalidParameter(
        "code",
        _("There is no classification code beginning with “%(code)s”.", code=shown(value)),
    )


def known_code(snap: Snapshot, prefix: str) -> bool:
    return any(code.startswith(prefix) for code, _year in snap.code_names)


@api_get(
    api,
    "/budget-lines",
    schema=s.BudgetLinePageSchema,
    summary=_l("Published budget lines"),
    description=_l(
        "Every line of every published spending table, as published, in a stable order (year,"
        " stage, level, then the table's own order), a page at a time, with the total count."
        " Each line carries its area by the mapping and its amounts in yuan and exactly in fen."
    ),
    params=[YEAR, STAGE, LEVEL, AREA, CODE, PAGE, LINES_PER_PAGE],
    example="/api/v1/budget-lines?year=2024&area=education&per_page=50",
)
def budget_lines() -> dict[str, Any]:
    session = get_session()
    snap = snapshot()
    versions = published_spending(session)
    level = request.args.get("level")
    levels = sorted({v.level for v in versions})
    if level is not None and level not in levels:
        raise unknown("level", level, levels)
    code = request.args.get("code")
    if code and not known_code(snap, code) and not any_line_with_code(session, versions, code):
        raise unknown_code(code)
    filters = LineFilters(
        year=year_arg(),
        stage=request.args.get("stage"),
        level=level,
        area=request.args.get("area"),
        code=code,
    )
    number = int(request.args.get("page", "1"))
    size = int(request.args.get("per_page", LINES_PER_PAGE.default or "100"))
    page = lines_page(session, versions, filters, snap.mapping, number, size)
    if number > page.pages:
        raise page_beyond_last(number, page.pages)
    by_version = {v.version_id: v for v in versions}
    names = file_names(session, page.items)
    areas = mapper(snap)
    items = []
    code_names: dict[tuple[str, int], CodeName | None] = {}  # the nearest year's, looked up once
    for line in page.items:
        version = by_version[line.version_id]
        key = (line.code, version.year)
        if key not in code_names:
            code_names[key] = snap.code_name(*key)
        name = code_names[key]
        name_zh = name.name_zh if name else names.get((line.version_id, line.code), "")
        name_en = name.name_en if name else ""
        rule = areas.rule_for(line.code)
        items.append(
            {
                "id": line.id,
                "year": version.year,
                "stage": version.stage,
                "level": version.level,
                "code": line.code,
                "code_level": {3: 1, 5: 2}.get(len(line.code), 3),
                "name": localized(name_zh, name_en),
                "name_zh": name_zh,
                "name_en": name_en,
                "department": line.department,
                "project": line.project,
                "area": rule.area if rule and rule.area in AREAS_BY_SLUG else None,
                "staff_related": bool(rule and rule.staff_related),
                "budget": yuan(line.budget),
                "adjusted": yuan(line.adjusted),
                "executed": yuan(line.executed),
                "budget_fen": fen(line.budget),
                "adjusted_fen": fen(line.adjusted),
                "executed_fen": fen(line.executed),
                "dataset_version": line.version_id,
            }
        )
    return {
        "items": items,
        **page_links("lists_api.budget_lines", page.page, page.pages),
        "per_page": page.per_page,
        "total": page.total,
        "filters": args(),
        "unit": "CNY",
        "data_version": snap.data_version,
    }


def page_links(endpoint: str, page: int, pages: int) -> dict[str, Any]:
    def link(number: int) -> str:
        values: dict[str, Any] = {**args(), "page": number}
        return url_for(endpoint, **values)

    return {
        "page": page,
        "pages": pages,
        "previous": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < pages else None,
    }


def by_year_and_area(snap: Snapshot, rows: dict[int, list[Any]]) -> list[Any]:
    year, area = year_arg(), request.args.get("area")
    return [
        row
        for row_year in sorted(rows)
        if year is None or row_year == year
        for row in rows[row_year]
        if area is None or row.area == area
    ]


def datasets_of(snap: Snapshot, kind: str, items: list[Any]) -> list[dict[str, Any]]:
    years = sorted({item.year for item in items})
    found = [snap.provenance.get((kind, year)) for year in years]
    return [provenance_json(p) for p in found if p is not None]


@api_get(
    api,
    "/indicators",
    schema=s.IndicatorListSchema,
    summary=_l("Indicators"),
    description=_l("The published indicators of each area (target and value reached), by year."),
    params=[YEAR, AREA],
    example="/api/v1/indicators?year=2024&area=education",
)
def indicators() -> dict[str, Any]:
    snap = snapshot()
    rows = by_year_and_area(snap, snap.indicators)
    return {
        "items": [
            {
                "year": i.year,
                "area": i.area,
                "key": i.key,
                "name": localized(i.name_zh, i.name_en),
                "name_zh": i.name_zh,
                "name_en": i.name_en,
                "unit": localized(i.unit_zh, i.unit_en),
                "unit_zh": i.unit_zh,
                "unit_en": i.unit_en,
                "target": ratio(i.target),
                "actual": ratio(i.actual),
                "higher_is_better": i.higher_is_better,
                "dataset_version": i.version_id,
            }
            for i in rows
        ],
        "total": len(rows),
        "filters": args(),
        "datasets": datasets_of(snap, "indicators", rows),
        "data_version": snap.data_version,
    }


@api_get(
    api,
    "/projects",
    schema=s.ProjectListSchema,
    summary=_l("Practical projects"),
    description=_l(
        "The published practical livelihood projects (民生实事) of each year, with budget and progress."
    ),
    params=[YEAR, AREA],
    example="/api/v1/projects?year=2024",
)
def projects() -> dict[str, Any]:
    snap = snapshot()
    rows = by_year_and_area(snap, snap.projects)
    return {
        "items": [
            {
                "year": p.year,
                "area": p.area,
                "key": p.key,
                "title": localized(p.title_zh, p.title_en),
                "title_zh": p.title_zh,
                "title_en": p.title_en,
                "description": localized(p.description_zh, p.description_en),
                "description_zh": p.description_zh,
                "description_en": p.description_en,
                "budget": yuan(p.budget),
                "budget_fen": fen(p.budget),
                "progress": p.progress,
                "status": p.status,
                "dataset_version": p.version_id,
            }
            for p in rows
        ],
        "total": len(rows),
        "filters": args(),
        "unit": "CNY",
        "datasets": datasets_of(snap, "projects", rows),
        "data_version": snap.data_version,
    }


CLASSIFICATION_CODE = Param(
    "code",
    _l("A classification code or its beginning (1 to 7 digits)."),
    {"type": "string", "pattern": "^[0-9]{1,7}$"},
    read_code,
    example="205",
)


@api_get(
    api,
    "/classification",
    schema=s.ClassificationSchema,
    summary=_l("The classification and its mapping to the areas"),
    description=_l(
        "The functional classification's codes with their names per year (and whether each was"
        " verified), and the mapping of code prefixes to the seven areas: a code belongs to the"
        " area of the longest prefix that matches it."
    ),
    params=[YEAR, CLASSIFICATION_CODE],
    example="/api/v1/classification?code=205&year=2024",
)
def classification() -> dict[str, Any]:
    snap = snapshot()
    year, code = year_arg(), request.args.get("code")
    if code and not known_code(snap, code):
        raise unknown_code(code)
    areas = mapper(snap)
    names = sorted(
        (
            name
            for (name_code, name_year), name in snap.code_names.items()
            if (year is None or name_year == year) and (not code or name_code.startswith(code))
        ),
        key=lambda n: (n.code, n.year),
    )
    codes = []
    for name in names:
        rule = areas.rule_for(name.code)
        codes.append(
            {
                "code": name.code,
                "code_level": {3: 1, 5: 2}.get(len(name.code), 3),
                "year": name.year,
                "name": localized(name.name_zh, name.name_en),
                "name_zh": name.name_zh,
                "name_en": name.name_en,
                "verified": name.verified,
                "source": name.source,
                "area": rule.area if rule and rule.area in AREAS_BY_SLUG else None,
                "staff_related": bool(rule and rule.staff_related),
            }
        )
    rules = []
    for mapped in snap.mapping:
        area = AREAS_BY_SLUG.get(mapped.area or "")
        rules.append(
            {
                "prefix": mapped.prefix,
                "area": area.slug if area else None,
                "area_name": area_names(area)["name"] if area else None,
                "staff_related": mapped.staff_related,
                "verified": mapped.verified,
                "note": localized(mapped.note_zh, mapped.note_en),
                "note_zh": mapped.note_zh,
                "note_en": mapped.note_en,
            }
        )
    classification_prov = snap.provenance.get(("classification", 0))
    mapping_prov = snap.provenance.get(("mapping", 0))
    return {
        "codes": codes,
        "total": len(codes),
        "mapping": rules,
        "filters": args(),
        "datasets": {
            "classification": provenance_json(classification_prov) if classification_prov else None,
            "mapping": provenance_json(mapping_prov) if mapping_prov else None,
        },
        "data_version": snap.data_version,
    }
