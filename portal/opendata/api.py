"""The public JSON API (v1) of spending: the index, the seven areas of a year, one area, and the
totals year by year. Amounts are integers in yuan (and exact 分 in ``*_fen``); ratios are decimals
rounded to 4 places. Shapes are :mod:`portal.opendata.schemas`; keep them stable: the charts and
outside users read them.

Names come in the language of ``?lang=`` (``zh`` by default) and in both languages as
``name_zh``/``name_en``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.i18n import is_zh
from portal.opendata import api_blueprint
from portal.opendata import schemas as s
from portal.opendata.query import YEAR
from portal.opendata.routes import PathParam, api_get
from portal.opendata.values import address, area_names, figures_json, provenance_json, ratio, yuan
from portal.spending import services
from portal.spending.areas import AREA_SLUGS, AREAS
from portal.spending.queries import Snapshot
from portal.spending.web import area_or_404, published_year, snapshot
from portal.web import data_version

api = api_blueprint("api", __name__, "/api/v1")

LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

SLUG = PathParam(
    "slug",
    _l("One of the seven areas, by its slug."),
    {"type": "string", "enum": list(AREA_SLUGS)},
    "education",
)


def headline_json(headline: services.Headline) -> dict[str, Any]:
    return {
        **figures_json(headline.figures),
        "basis": headline.basis,
        "per_resident": ratio(headline.per_resident.quantize(Decimal("0.01")))
        if headline.per_resident is not None
        else None,
        "share_of_general_budget": ratio(headline.share_of_general),
        # "table": of the same table's total (it covers every class); "city": of the city facts
        "share_of_general_budget_basis": headline.share_basis or None,
        "change_on_previous_year": ratio(headline.change),
        "staff_related": figures_json(headline.staff),
    }


def nothing_published(snap: Snapshot, **shape: Any) -> dict[str, Any]:
    """The answer while no spending is published: the usual keys, empty, and a message."""
    return {
        **shape,
        "year": None,
        "stage": None,
        "level": None,
        "unit": "CNY",
        "dataset": None,
        "message": _("No spending has been published yet."),
        "data_version": snap.data_version,
    }


@api_get(
    api,
    "/areas",
    schema=s.AreasSchema,
    summary=_l("The seven areas in a year"),
    description=_l(
        "Each area's budget, adjusted budget and final accounts in a year (the latest year with"
        " final accounts by default), with the total, shares, per-resident figures and the"
        " dataset they come from. A year with nothing published is a 404."
    ),
    params=[YEAR],
    not_found=True,
    example="/api/v1/areas?year=2024",
)
def areas() -> dict[str, Any]:
    snap = snapshot()
    spending = published_year(snap)
    if spending is None:
        return nothing_published(snap, total=None, areas=[], not_counted=None, years=[])
    return {
        "year": spending.year,
        "stage": spending.stage.value,
        "level": snap.level,
        "unit": "CNY",
        "total": headline_json(services.livelihood_headline(snap, spending)),
        "areas": [
            {
                "slug": item.area.slug,
                **area_names(item.area),
                "colour": item.area.colour,
                **headline_json(item.headline),
                "share_of_livelihood": ratio(item.share_of_livelihood),
                "url": url_for("api.area", slug=item.area.slug, year=spending.year),
            }
            for item in services.areas_for_year(snap, spending)
        ],
        "not_counted": figures_json(spending.unmapped),
        "years": snap.years,
        "dataset": provenance_json(spending.provenance),
        "data_version": snap.data_version,
    }


@api_get(
    api,
    "/totals",
    schema=s.TotalsSchema,
    summary=_l("The seven areas' total, year by year"),
    description=_l(
        "Budget, adjusted budget and final accounts of the seven areas together, per year."
    ),
    example="/api/v1/totals",
)
def totals() -> dict[str, Any]:
    snap = snapshot()
    return {
        "unit": "CNY",
        "series": series_json(snap, None),
        "datasets": [provenance_json(y.provenance) for y in snap.spending.values()],
        "data_version": snap.data_version,
    }


def series_json(snap: Snapshot, slug: str | None) -> list[dict[str, Any]]:
    return [
        {"year": p.year, "stage": p.stage, **figures_json(p.figures)}
        for p in services.area_series(snap, slug)
    ]


@api_get(
    api,
    "/areas/<slug>",
    schema=s.AreaDetailSchema,
    summary=_l("One area in a year"),
    description=_l(
        "An area's figures in a year, its classes, sections and items (类/款/项), its series"
        " year by year, its indicators and practical projects, and the national comparison."
    ),
    params=[YEAR],
    path_params=[SLUG],
    not_found=True,
    example="/api/v1/areas/education?year=2024",
)
def area(slug: str) -> dict[str, Any]:
    area = area_or_404(slug)
    snap = snapshot()
    spending = published_year(snap)
    contexts = services.area_national_contexts(snap, slug)
    national = {
        "national_context": national_json(contexts[0]) if contexts else None,
        "national_contexts": [national_json(c) for c in contexts],
    }
    names = {"slug": area.slug, **area_names(area), "colour": area.colour}
    if spending is None:
        return nothing_published(
            snap,
            **names,
            figures=None,
            series=[],
            lines=[],
            indicators=[],
            projects=[],
            **national,
            datasets={"indicators": None, "projects": None},
        )
    item = services.area_year(snap, spending, area)
    indicator_prov = snap.provenance.get(("indicators", spending.year))
    project_prov = snap.provenance.get(("projects", spending.year))
    return {
        **names,
        "year": spending.year,
        "stage": spending.stage.value,
        "level": snap.level,
        "unit": "CNY",
        "figures": {
            **headline_json(item.headline),
            "share_of_livelihood": ratio(item.share_of_livelihood),
        },
        "series": series_json(snap, slug),
        "lines": [code_line_json(row) for row in services.drill_down(snap, spending, slug)],
        "indicators": [
            {
                "key": i.key,
                "name_zh": i.name_zh,
                "name_en": i.name_en,
                "unit_zh": i.unit_zh,
                "unit_en": i.unit_en,
                "target": ratio(i.target),
                "actual": ratio(i.actual),
                "higher_is_better": i.higher_is_better,
            }
            for i in snap.indicators.get(spending.year, [])
            if i.area == slug
        ],
        "projects": [
            {
                "key": p.key,
                "title_zh": p.title_zh,
                "title_en": p.title_en,
                "description_zh": p.description_zh,
                "description_en": p.description_en,
                "budget": yuan(p.budget),
                "progress": p.progress,
                "status": p.status,
            }
            for p in snap.projects.get(spending.year, [])
            if p.area == slug
        ],
        **national,
        "dataset": provenance_json(spending.provenance),
        "datasets": {
            "indicators": provenance_json(indicator_prov) if indicator_prov else None,
            "projects": provenance_json(project_prov) if project_prov else None,
        },
        "data_version": snap.data_version,
    }


def code_line_json(row: services.DrillRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "level": row.level,
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "name_verified": row.verified,
        "name_source": "file" if row.from_file else "classification" if row.name_zh else None,
        "names_year": row.names_year,
        "line_count": row.line_count,
        **figures_json(row.figures),
    }


def national_json(context: services.NationalContext) -> dict[str, Any]:
    def pct(value: Decimal | None) -> float | None:
        return None if value is None else float(round(value * 100, 1))

    return {
        "function": context.function,
        "name": context.name_zh if is_zh() else context.name_en,
        "city_code": context.city_code,
        "rows": [
            {
                "year": r.year,
                "city": yuan(r.city),
                "city_growth": pct(r.city_growth),
                "national": yuan(r.national),
                "national_growth": pct(r.national_growth),
            }
            for r in context.rows
        ],
        "sources": [
            {
                "year": source.year,
                "title": source.source_title_zh if is_zh() else source.source_title_en,
                "url": source.source_url,
            }
            for source in context.sources
        ],
    }


@api_get(
    api,
    "/",
    schema=s.ApiIndexSchema,
    endpoint="index",
    summary=_l("What the API offers"),
    description=_l(
        "The seven areas and the address of every list, the OpenAPI document and the page for developers."
    ),
    example="/api/v1/",
)
def index() -> dict[str, Any]:
    return {
        "title": _("Livelihood spending portal: open data API"),
        "areas": [{"slug": a.slug, **area_names(a)} for a in AREAS],
        "endpoints": {
            "areas": url_for("api.areas"),
            "area": url_for("api.area", slug="education"),
            "totals": url_for("api.totals"),
            "budget_lines": url_for("lists_api.budget_lines"),
            "indicators": url_for("lists_api.indicators"),
            "projects": url_for("lists_api.projects"),
            "classification": url_for("lists_api.classification"),
            "datasets": url_for("datasets_api.datasets"),
            "proposals": url_for("proposals_api.index"),
            "proposal_stats": url_for("proposals_api.stats"),
            "openapi": url_for("openapi.document"),
        },
        "openapi": address("openapi.document"),
        "documentation": address("developers.page", lang="zh" if is_zh() else "en"),
        "licence": LICENCE_URL,
        "data_version": data_version(),
    }
