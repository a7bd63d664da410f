"""What the spending pages and the API show, derived from the published snapshot.

Everything here is arithmetic on a few dozen aggregate rows; nothing touches the database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

from portal.datasets.models import CITYWIDE, MUNICIPAL
from portal.spending.areas import AREAS, AREAS_BY_SLUG, Area
from portal.spending.queries import CodeRow, Figures, NationalRow, Snapshot, YearSpending

#: National function → the city's 类 code that corresponds to it.
FUNCTION_CODES = {"education": "205", "social_security": "208", "health": "210"}
HUNDRED_MILLION_IN_WAN = Decimal(10000)  # 1 亿元 = 10,000 万元


def level_name(level: str) -> str:
    """Whose spending a version is: the whole city, the city level, or a named unit."""
    return {CITYWIDE: _("The whole city (全市)"), MUNICIPAL: _("City level (市本级)")}.get(
        level, level
    )


class UnknownYear(LookupError):
    """A year for which nothing is published."""


@dataclass(frozen=True)
class Headline:
    """The figures of an area (or of all seven) in a year, with what a reader compares them to."""

    figures: Figures
    staff: Figures
    per_resident: Decimal | None  # yuan per resident
    share_of_general: Decimal | None  # of all general public budget spending
    change: Decimal | None  # on last year, same basis
    previous_year: int | None
    #: Where "all general public budget spending" comes from: "table" (the same table covers
    #: every class), "city" (the city facts) or "" (no share).
    share_basis: str = ""

    @property
    def basis(self) -> str:
        return self.figures.basis

    @property
    def execution_rate(self) -> Decimal | None:
        return self.figures.execution_rate


@dataclass(frozen=True)
class AreaYear:
    area: Area
    headline: Headline
    share_of_livelihood: Decimal | None


def resolve_year(snapshot: Snapshot, year: int | None) -> YearSpending:
    if year is None:
        year = snapshot.default_year
    if year is None or year not in snapshot.spending:
        raise UnknownYear(year)
    return snapshot.spending[year]


def _same_basis(current: Figures, previous: Figures) -> tuple[Decimal | None, Decimal | None]:
    for name in (current.basis, "budget"):
        now, before = getattr(current, name), getattr(previous, name)
        if now is not None and before:
            return now, before
    return None, None


def headline_for(
    snapshot: Snapshot, year: int, figures: Figures, staff: Figures, previous: Figures | None
) -> Headline:
    value = figures.headline
    city = snapshot.city.get(year)
    per_resident = share = change = None
    basis = ""
    if city is not None and value is not None and city.population_10k:
        # 万元 per 万人 is yuan per resident.
        per_resident = value / city.population_10k
    spending = snapshot.spending.get(year)
    table_total = getattr(spending.table_total, figures.basis) if spending else None
    if value is not None and spending is not None and spending.complete and table_total:
        share, basis = value / table_total, "table"
    elif value is not None and city is not None:
        general = city.general_final if figures.basis == "executed" else city.general_budget
        if general:
            share, basis = value / general, "city"
    if previous is not None:
        now, before = _same_basis(figures, previous)
        if now is not None and before:
            change = now / before - 1
    previous_year = year - 1 if (year - 1) in snapshot.spending else None
    return Headline(figures, staff, per_resident, share, change, previous_year, basis)


def livelihood_headline(snapshot: Snapshot, spending: YearSpending) -> Headline:
    previous = snapshot.spending.get(spending.year - 1)
    return headline_for(
        snapshot,
        spending.year,
        spending.total,
        spending.staff_total,
        previous.total if previous else None,
    )


def area_year(snapshot: Snapshot, spending: YearSpending, area: Area) -> AreaYear:
    previous = snapshot.spending.get(spending.year - 1)
    figures = spending.areas.get(area.slug, Figures())
    headline = headline_for(
        snapshot,
        spending.year,
        figures,
        spending.staff.get(area.slug, Figures()),
        previous.areas.get(area.slug, Figures()) if previous else None,
    )
    total = spending.total.headline
    value = figures.headline
    share = value / total if value is not None and total else None
    return AreaYear(area, headline, share)


def areas_for_year(snapshot: Snapshot, spending: YearSpending) -> list[AreaYear]:
    return [area_year(snapshot, spending, area) for area in AREAS]


@dataclass(frozen=True)
class SeriesPoint:
    year: int
    stage: str
    figures: Figures


def area_series(snapshot: Snapshot, slug: str | None) -> list[SeriesPoint]:
    """Budget and final accounts per year, for one area or (``None``) the seven together."""
    points = []
    for year in snapshot.years:
        spending = snapshot.spending[year]
        figures = spending.total if slug is None else spending.areas.get(slug, Figures())
        points.append(SeriesPoint(year, spending.stage.value, figures))
    return points


@dataclass(frozen=True)
class DrillRow:
    code: str
    level: int  # 1 类, 2 款, 3 项
    name_zh: str
    name_en: str
    verified: bool
    figures: Figures
    line_count: int
    #: The name is the one the file gives (the classification has none for the code).
    from_file: bool = False
    #: The year whose classification names are used, when it is not the table's year.
    names_year: int | None = None


def drill_down(snapshot: Snapshot, spending: YearSpending, slug: str) -> list[DrillRow]:
    """The area's money through 类 → 款 → 项, in code order (a parent precedes its children)."""
    rows: list[CodeRow] = spending.codes.get(slug, [])
    result = []
    for row in rows:
        name = snapshot.code_name(row.code, spending.year)
        if name is None:
            given = spending.file_names.get(row.code, "")
            result.append(
                DrillRow(
                    code=row.code,
                    level=row.level,
                    name_zh=given,
                    name_en=given,
                    verified=False,
                    figures=row.figures,
                    line_count=row.line_count,
                    from_file=bool(given),
                )
            )
            continue
        other_year = name.year if name.year != spending.year else None
        result.append(
            DrillRow(
                code=row.code,
                level=row.level,
                name_zh=name.name_zh,
                name_en=name.name_en,
                verified=name.verified and other_year is None,
                figures=row.figures,
                line_count=row.line_count,
                names_year=other_year,
            )
        )
    return result


@dataclass(frozen=True)
class NationalContextRow:
    year: int
    city: Decimal | None  # 万元
    city_growth: Decimal | None
    national: Decimal  # 万元
    national_growth: Decimal | None


@dataclass(frozen=True)
class NationalContext:
    function: str
    name_zh: str
    name_en: str
    city_code: str | None  # the city's 类 set beside the national function; None for the total
    rows: list[NationalContextRow]
    sources: list[NationalRow]


def _growth(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    if now is None or not before:
        return None
    return now / before - 1


def _city_function_value(snapshot: Snapshot, year: int, function: str) -> Decimal | None:
    spending = snapshot.spending.get(year)
    if spending is None:
        return None
    if function == "total":
        city = snapshot.city.get(year)
        if city is None:
            return None
        return city.general_final if spending.stage.value == "final" else None
    code = FUNCTION_CODES[function]
    values = [
        row.figures.executed for rows in spending.codes.values() for row in rows if row.code == code
    ]
    if not values or any(v is None for v in values):
        return None
    return sum((v for v in values if v is not None), Decimal(0))


def national_context(snapshot: Snapshot, function: str) -> NationalContext | None:
    """The city's growth on the function set beside the nation's, for each year both have."""
    rows_national = sorted(
        (row for (year, fn), row in snapshot.national.items() if fn == function),
        key=lambda r: r.year,
    )
    if not rows_national:
        return None
    by_year = {r.year: r.amount * HUNDRED_MILLION_IN_WAN for r in rows_national}
    rows = []
    for row in rows_national:
        city_now = _city_function_value(snapshot, row.year, function)
        city_before = _city_function_value(snapshot, row.year - 1, function)
        rows.append(
            NationalContextRow(
                year=row.year,
                city=city_now,
                city_growth=_growth(city_now, city_before),
                national=by_year[row.year],
                national_growth=_growth(by_year[row.year], by_year.get(row.year - 1)),
            )
        )
    first = rows_national[0]
    return NationalContext(
        function=function,
        name_zh=first.name_zh,
        name_en=first.name_en,
        city_code=FUNCTION_CODES.get(function),
        rows=rows,
        sources=rows_national,
    )


def area_national_contexts(snapshot: Snapshot, slug: str) -> list[NationalContext]:
    """The area's own function (if the nation reports one) and total spending, for scale."""
    area = AREAS_BY_SLUG[slug]
    functions = [f for f in (area.national_function, "total") if f]
    return [c for c in (national_context(snapshot, f) for f in functions) if c is not None]
