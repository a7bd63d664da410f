"""The public JSON API (v1). Amounts are integers in yuan; ratios are decimals rounded to 4 places.

Names come in the language of ``?lang=`` (``zh`` by default) and in both languages as
``name_zh``/``name_en``. Keep these shapes stable: the charts and outside users read them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import g, jsonify, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.i18n import wan_to_yuan
from portal.opendata import api_blueprint
from portal.spending import services
from portal.spending.areas import AREAS, Area
from portal.spending.queries import Figures, Provenance, Snapshot
from portal.spending.web import area_or_404, published_year, snapshot, year_query
from portal.web import cached_by_data_version

api = api_blueprint("api", __name__, "/api/v1")


def yuan(wan: Decimal | None) -> int | None:
    return None if wan is None else wan_to_yuan(wan)


def ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value, 4))


def fen(wan: Decimal | None) -> int | None:
    """Exact: tables in 元 carry 分, which whole yuan would round away."""
    return None if wan is None else int(wan * 1_000_000)


def figures_json(figures: Figures) -> dict[str, Any]:
    """Amounts in whole yuan (rounded to the yuan) and exactly, in 分 (``*_fen``)."""
    return {
        "budget": yuan(figures.budget),
        "adjusted": yuan(figures.adjusted),
        "executed": yuan(figures.executed),
        "budget_fen": fen(figures.budget),
        "adjusted_fen": fen(figures.adjusted),
        "executed_fen": fen(figures.executed),
        "execution_rate": ratio(figures.execution_rate),
    }


def provenance_json(p: Provenance) -> dict[str, Any]:
    return {
        "title": p.title if g.lang == "zh" else (p.title_en or p.title),
        "source": p.source if g.lang == "zh" else (p.source_en or p.source),
        "source_url": p.source_url,
        "version": p.number,
        "stage": p.stage or None,
        "sample": p.sample,
        "sha256": p.sha256,
        "published_at": p.published_at.isoformat() if p.published_at else None,
    }


def area_names(area: Area) -> dict[str, str]:
    with force_locale("zh_CN"):
        name_zh = str(area.name)
    with force_locale("en"):
        name_en = str(area.name)
    return {"name": name_zh if g.lang == "zh" else name_en, "name_zh": name_zh, "name_en": name_en}


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


def nothing_published(snap: Snapshot, **shape: Any) -> Any:
    """The answer while no spending is published: the usual keys, empty, and a message."""
    return jsonify(
        **shape,
        message=_("No spending has been published yet."),
        data_version=snap.data_version,
    )


@api.get("/areas")
@cached_by_data_version(query=year_query)
def areas() -> Any:
    snap = snapshot()
    spending = published_year(snap)
    if spending is None:
        return nothing_published(
            snap,
            year=None,
            stage=None,
            unit="CNY",
            total=None,
            areas=[],
            not_counted=None,
            years=[],
            dataset=None,
        )
    total = services.livelihood_headline(snap, spending)
    return jsonify(
        year=spending.year,
        stage=spending.stage.value,
        level=snap.level,
        unit="CNY",
        total={**headline_json(total)},
        areas=[
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
        not_counted=figures_json(spending.unmapped),
        years=snap.years,
        dataset=provenance_json(spending.provenance),
        data_version=snap.data_version,
    )


@api.get("/totals")
@cached_by_data_version
def totals() -> Any:
    snap = snapshot()
    return jsonify(
        unit="CNY",
        series=series_json(snap, None),
        datasets=[provenance_json(s.provenance) for s in snap.spending.values()],
        data_version=snap.data_version,
    )


def series_json(snap: Snapshot, slug: str | None) -> list[dict[str, Any]]:
    return [
        {"year": p.year, "stage": p.stage, **figures_json(p.figures)}
        for p in services.area_series(snap, slug)
    ]


@api.get("/areas/<slug>")
@cached_by_data_version(query=year_query)
def area(slug: str) -> Any:
    area = area_or_404(slug)
    snap = snapshot()
    spending = published_year(snap)
    contexts = services.area_national_contexts(snap, slug)
    if spending is None:
        return nothing_published(
            snap,
            slug=area.slug,
            **area_names(area),
            colour=area.colour,
            year=None,
            stage=None,
            unit="CNY",
            figures=None,
            series=[],
            lines=[],
            indicators=[],
            projects=[],
            national_context=national_json(contexts[0]) if contexts else None,
            national_contexts=[national_json(c) for c in contexts],
            dataset=None,
            datasets={"indicators": None, "projects": None},
        )
    item = services.area_year(snap, spending, area)
    indicator_prov = snap.provenance.get(("indicators", spending.year))
    project_prov = snap.provenance.get(("projects", spending.year))
    return jsonify(
        slug=area.slug,
        **area_names(area),
        colour=area.colour,
        year=spending.year,
        stage=spending.stage.value,
        level=snap.level,
        unit="CNY",
        figures={
            **headline_json(item.headline),
            "share_of_livelihood": ratio(item.share_of_livelihood),
        },
        series=series_json(snap, slug),
        lines=[
            {
                "code": row.code,
                "level": row.level,
                "name_zh": row.name_zh,
                "name_en": row.name_en,
                "name_verified": row.verified,
                "name_source": "file"
                if row.from_file
                else "classification"
                if row.name_zh
                else None,
                "names_year": row.names_year,
                "line_count": row.line_count,
                **figures_json(row.figures),
            }
            for row in services.drill_down(snap, spending, slug)
        ],
        indicators=[
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
        projects=[
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
        national_context=national_json(contexts[0]) if contexts else None,
        national_contexts=[national_json(c) for c in contexts],
        dataset=provenance_json(spending.provenance),
        datasets={
            "indicators": provenance_json(indicator_prov) if indicator_prov else None,
            "projects": provenance_json(project_prov) if project_prov else None,
        },
        data_version=snap.data_version,
    )


def national_json(context: services.NationalContext) -> dict[str, Any]:
    def pct(value: Decimal | None) -> float | None:
        return None if value is None else float(round(value * 100, 1))

    return {
        "function": context.function,
        "name": context.name_zh if g.lang == "zh" else context.name_en,
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
                "year": s.year,
                "title": s.source_title_zh if g.lang == "zh" else s.source_title_en,
                "url": s.source_url,
            }
            for s in context.sources
        ],
    }


@api.get("/")
@cached_by_data_version
def index() -> Any:
    return jsonify(
        title=_("Livelihood spending portal: open data API"),
        areas=[{"slug": a.slug, **area_names(a)} for a in AREAS],
        endpoints={
            "areas": url_for("api.areas"),
            "area": url_for("api.area", slug="education"),
            "totals": url_for("api.totals"),
        },
    )
