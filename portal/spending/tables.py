"""The spending pages' tables, built from the published snapshot (see :mod:`portal.tables`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from portal.datasets.labels import amount_label, stage_label
from portal.i18n import localized
from portal.spending import services
from portal.spending.areas import AREAS_BY_SLUG
from portal.spending.queries import Figures, Snapshot, YearSpending
from portal.tables import Column, Table


def status_label(status: str) -> str:
    return {
        "planned": _("Planned"),
        "in_progress": _("In progress"),
        "completed": _("Completed"),
        "delayed": _("Delayed"),
    }.get(status, status)


def _money_columns() -> list[Column]:
    return [
        Column("budget", amount_label("budget"), "money"),
        Column("adjusted", amount_label("adjusted"), "money", phone=False),
        Column("executed", amount_label("executed"), "money"),
        Column("execution_rate", _("Execution rate"), "ratio"),
    ]


def _money_cells(figures: Figures) -> dict[str, object]:
    return {
        "budget": figures.budget,
        "adjusted": figures.adjusted,
        "executed": figures.executed,
        "execution_rate": figures.execution_rate,
    }


def _csv(name: str, **args: Any) -> str:
    return url_for("pages.table_csv", name=name, **{k: v for k, v in args.items() if v is not None})


@dataclass(frozen=True)
class TableArgs:
    year: int | None = None
    slug: str | None = None


def areas_table(snapshot: Snapshot, spending: YearSpending) -> Table:
    rows: list[dict[str, object]] = []
    for item in services.areas_for_year(snapshot, spending):
        h = item.headline
        rows.append(
            {
                "area": str(item.area.name),
                "area_url": url_for("pages.area", slug=item.area.slug, year=spending.year),
                "slug": item.area.slug,
                **_money_cells(h.figures),
                "per_resident": h.per_resident,
                "share": item.share_of_livelihood,
                "change": h.change,
            }
        )
    total = services.livelihood_headline(snapshot, spending)
    footer = [
        {
            "area": _("Seven areas together"),
            **_money_cells(total.figures),
            "per_resident": total.per_resident,
            "share": None,
            "change": total.change,
        },
        {
            "area": _("of which: pensions and medical insurance of government staff"),
            **_money_cells(spending.staff_total),
        },
        {
            "area": _("Not counted as livelihood (e.g. staff housing allowances)"),
            **_money_cells(spending.unmapped),
        },
    ]
    return Table(
        name="areas",
        caption=_("Livelihood spending by area, %(year)s", year=spending.year),
        columns=_areas_columns(),
        rows=rows,
        footer=footer,
        csv_url=_csv("areas", year=spending.year),
    )


def _areas_columns() -> list[Column]:
    return [
        Column("area", _("Area"), link_key="area_url"),
        *_money_columns(),
        # The cards above the table give these per area; on a phone the table keeps the money.
        Column("per_resident", _("Per resident"), "yuan", phone=False),
        Column("share", _("Share of the seven areas"), "ratio", phone=False),
        Column("change", _("Change on previous year"), "change", phone=False),
    ]


def _series_table(snapshot: Snapshot, slug: str | None, name: str, caption: str) -> Table:
    rows = []
    for point in services.area_series(snapshot, slug):
        spending = snapshot.spending[point.year]
        if slug is None:
            headline = services.livelihood_headline(snapshot, spending)
        else:
            headline = services.area_year(snapshot, spending, AREAS_BY_SLUG[slug]).headline
        rows.append(
            {
                "year": point.year,
                "stage": stage_label(point.stage),
                **_money_cells(point.figures),
                "per_resident": headline.per_resident,
                "share_of_general": headline.share_of_general,
                "change": headline.change,
            }
        )
    return Table(
        name=name,
        caption=caption,
        columns=[
            Column("year", _("Year")),
            Column("stage", _("Latest stage")),
            *_money_columns(),
            Column("per_resident", _("Per resident"), "yuan"),
            Column("share_of_general", _("Share of all general public budget spending"), "ratio"),
            Column("change", _("Change on previous year"), "change"),
        ],
        rows=rows,
        csv_url=_csv(name, area=slug),
    )


def totals_table(snapshot: Snapshot) -> Table:
    return _series_table(snapshot, None, "totals", _("Livelihood spending over the years"))


def trend_table(snapshot: Snapshot, slug: str) -> Table:
    area = AREAS_BY_SLUG[slug]
    return _series_table(
        snapshot, slug, "trend", _("%(area)s: spending over the years", area=area.name)
    )


def level_label(level: int) -> str:
    return {1: _("Class (类)"), 2: _("Section (款)"), 3: _("Item (项)")}[level]


def lines_table(snapshot: Snapshot, spending: YearSpending, slug: str) -> Table:
    rows = []
    for row in services.drill_down(snapshot, spending, slug):
        rows.append(
            {
                "code": row.code,
                "name": localized(row.name_zh, row.name_en)
                or _("(name not in the classification)"),
                "level": level_label(row.level),
                "level_class": f"level-{row.level}",
                **_money_cells(row.figures),
            }
        )
    return Table(
        name="lines",
        caption=_(
            "%(area)s: budget lines by class, section and item, %(year)s",
            area=AREAS_BY_SLUG[slug].name,
            year=spending.year,
        ),
        columns=_lines_columns(),
        rows=rows,
        row_class_key="level_class",
        csv_url=_csv("lines", year=spending.year, area=slug),
        note=_(
            "Each class (类) and section (款) row is the table's own figure; where a class is "
            "shared between areas, it is the sum of its rows that belong to this area."
        ),
    )


def _lines_columns() -> list[Column]:
    return [
        Column("code", _("Code"), "code"),
        Column("name", _("Name"), names_row=True),
        Column("level", _("Level"), phone=False),  # on a phone, indentation shows the level
        *_money_columns(),
    ]


def indicators_table(snapshot: Snapshot, year: int, slug: str | None) -> Table:
    rows = []
    for ind in snapshot.indicators.get(year, []):
        if slug and ind.area != slug:
            continue
        met = None
        if ind.target is not None and ind.actual is not None:
            achieved = (
                ind.actual >= ind.target if ind.higher_is_better else ind.actual <= ind.target
            )
            met = _("Met") if achieved else _("Not met")
        rows.append(
            {
                "area": str(AREAS_BY_SLUG[ind.area].name)
                if ind.area in AREAS_BY_SLUG
                else ind.area,
                "indicator": localized(ind.name_zh, ind.name_en),
                "unit": localized(ind.unit_zh, ind.unit_en),
                "target": ind.target,
                "actual": ind.actual,
                "met": met or _("Not yet known"),
            }
        )
    return Table(
        name="indicators",
        caption=_("Performance indicators, %(year)s", year=year),
        columns=_indicators_columns(slug),
        rows=rows,
        csv_url=_csv("indicators", year=year, area=slug),
    )


def _indicators_columns(slug: str | None) -> list[Column]:
    columns = [
        Column("indicator", _("Indicator")),
        Column("unit", _("Unit")),
        Column("target", _("Target"), "number"),
        Column("actual", _("Actual"), "number"),
        Column("met", _("Target met?")),
    ]
    if slug is None:
        columns.insert(0, Column("area", _("Area")))
    return columns


def projects_table(snapshot: Snapshot, year: int, slug: str | None) -> Table:
    rows = []
    for project in snapshot.projects.get(year, []):
        if slug and project.area != slug:
            continue
        area = AREAS_BY_SLUG.get(project.area)
        rows.append(
            {
                "title": localized(project.title_zh, project.title_en),
                "area": str(area.name) if area else project.area,
                "area_url": url_for("pages.area", slug=project.area, year=year) if area else None,
                "description": localized(project.description_zh, project.description_en),
                "budget": project.budget,
                "progress": project.progress,
                "status": status_label(project.status),
            }
        )
    return Table(
        name="projects",
        caption=_("Livelihood practical projects, %(year)s", year=year),
        columns=_projects_columns(slug),
        rows=rows,
        csv_url=_csv("projects", year=year, area=slug),
    )


def _projects_columns(slug: str | None) -> list[Column]:
    columns = [
        Column("title", _("Project")),
        Column("area", _("Area"), link_key="area_url"),
        Column("description", _("What the money bought")),
        Column("budget", _("Budget"), "money"),  # a project's budget, not a stage's figure
        Column("progress", _("Progress (%)"), "int"),
        Column("status", _("Status")),
    ]
    if slug is not None:
        columns.pop(1)
    return columns


def national_table(context: services.NationalContext) -> Table:
    name = localized(context.name_zh, context.name_en)
    rows = [
        {
            "year": row.year,
            "city": row.city,
            "city_growth": row.city_growth,
            "national": row.national,
            "national_growth": row.national_growth,
        }
        for row in context.rows
    ]
    city_label = (
        _("This city: class %(code)s, final accounts", code=context.city_code)
        if context.city_code
        else _("This city: all general public budget spending, final accounts")
    )
    return Table(
        name=f"national-{context.function}",
        caption=_("%(name)s: this city beside the whole country", name=name),
        columns=[
            Column("year", _("Year")),
            Column("city", city_label, "money_large"),
            Column("city_growth", _("This city: growth"), "change"),
            Column("national", _("Whole country"), "money_large"),
            Column("national_growth", _("Whole country: growth"), "change"),
        ],
        rows=rows,
        csv_url=_csv(f"national-{context.function}"),
        note=" ".join(
            [
                _(
                    "Growth compares each year with the one before; where the earlier year is not "
                    "in the series, it is shown as “—”. The national series is published in 100 "
                    "million yuan; the city's figures are given in the same unit."
                ),
                *(
                    [
                        _(
                            "The city's figure here is the whole class %(code)s, as the national "
                            "series counts it; the area's total counts only the lines of the "
                            "class that belong to this area, so it can be smaller.",
                            code=context.city_code,
                        )
                    ]
                    if context.city_code
                    else []
                ),
            ]
        ),
    )


def mapping_table(snapshot: Snapshot) -> Table:
    year = snapshot.default_year or 0
    rows = []
    for rule in snapshot.mapping:
        name = snapshot.code_name(rule.prefix, year)
        area = AREAS_BY_SLUG.get(rule.area or "")
        rows.append(
            {
                "prefix": rule.prefix,
                "name": localized(name.name_zh, name.name_en) if name else "",
                "area": str(area.name) if area else _("Not counted as livelihood"),
                "staff": _("yes") if rule.staff_related else "",
                "verified": _("yes") if rule.verified else _("not yet verified"),
                "note": localized(rule.note_zh, rule.note_en),
            }
        )
    return Table(
        name="mapping",
        caption=_("How classification codes are assigned to the seven areas"),
        columns=[
            Column("prefix", _("Code prefix"), "code"),
            Column("name", _("Name in the classification")),
            Column("area", _("Area")),
            Column("staff", _("Government staff item, shown separately")),
            Column("verified", _("Checked against official list")),
            Column("note", _("Why")),
        ],
        rows=rows,
        csv_url=_csv("mapping"),
        note=_("A budget line goes to the area of the longest code prefix that matches its code."),
    )


def build_named_table(snapshot: Snapshot, name: str, args: TableArgs) -> Table | None:
    """The table called *name* for *args*, or ``None`` if there is no such table."""
    year = args.year or snapshot.default_year
    spending = snapshot.spending.get(year) if year else None
    slug = args.slug
    if name == "areas" and spending:
        return areas_table(snapshot, spending)
    if name == "totals":
        return totals_table(snapshot)
    if name == "trend" and slug:
        return trend_table(snapshot, slug)
    if name == "lines" and spending and slug:
        return lines_table(snapshot, spending, slug)
    if name == "indicators" and year:
        return indicators_table(snapshot, year, slug)
    if name == "projects" and year:
        return projects_table(snapshot, year, slug)
    if name == "mapping":
        return mapping_table(snapshot)
    if name.startswith("national-"):
        context = services.national_context(snapshot, name.removeprefix("national-"))
        return national_table(context) if context else None
    return None


def empty_table(name: str, slug: str | None) -> Table | None:
    """Table *name* with its columns and no rows: what a download of a year's table gives while
    no spending is published (``None`` if there is no such table)."""
    columns = {
        "areas": _areas_columns,
        "lines": _lines_columns if slug else None,
        "indicators": lambda: _indicators_columns(slug),
        "projects": lambda: _projects_columns(slug),
    }.get(name)
    if columns is None:
        return None
    return Table(
        name=name, caption=_("No spending has been published yet."), columns=columns(), rows=[]
    )
