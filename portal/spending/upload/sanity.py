"""Sanity checks that stop a wrong unit: a spending version is held against the version it would
replace and against the previous year's, and against what is plausible for a city.

A table in 元 read as 万元 is ten thousand times too large; one in 万元 read as 元 ten thousand
times too small. Whatever the unit row or the form said, such a draft shows: its total or an area
changes by more than a factor of :data:`FACTOR` on the figures it is compared with, or its total is
implausible beside the city's population and general public budget. Each finding is a
:class:`SanityFlag`; publishing a flagged version needs a confirmation naming exactly those
figures (:func:`portal.datasets.actions.publish`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.datasets.actions import flags_token
from portal.datasets.models import DatasetKind, DatasetVersion, Stage
from portal.datasets.services import published_version
from portal.i18n import format_money
from portal.spending.aggregation import (
    AreaMapper,
    file_totals,
    load_mapper,
    sum_by_code,
    table_figures,
)
from portal.spending.areas import AREAS_BY_SLUG
from portal.spending.models import CityYear
from portal.spending.upload.vocabulary import STAGE_COLUMN, stage_name

__all__ = ["FACTOR", "SanityFlag", "flags_token", "sanity_flags"]

#: A total or an area that changes by more than this factor on the compared figures is flagged.
FACTOR = 5
#: A table whose total is below this (in 分: 10,000 yuan) is implausibly small for a government.
MIN_TOTAL_FEN = 10_000 * 100
#: Spending per resident above this (yuan) is implausible for a Chinese city (the highest are
#: below 50,000 yuan per resident).
MAX_YUAN_PER_RESIDENT = 200_000
#: A table may not exceed the city's whole general public budget by more than this factor.
MAX_SHARE_OF_CITY = 2


def _wan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-6)


@dataclass(frozen=True)
class SanityFlag:
    kind: str  # "changed" | "small" | "per-resident" | "city-total"
    subject: str  # "total" or an area's slug
    after: int  # 分
    before: int | None = None  # 分
    compared: str = ""  # e.g. "2024 budget v3"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject}:{self.after}:{self.before}:{self.compared}"

    @property
    def subject_name(self) -> LazyString | str:
        if self.subject == "total":
            return _l("the table's total")
        area = AREAS_BY_SLUG.get(self.subject)
        return area.name if area else self.subject

    @property
    def message(self) -> LazyString:
        after = format_money(_wan(self.after))
        if self.kind == "changed":
            before = format_money(_wan(self.before or 0))
            ratio = Decimal(self.after) / Decimal(self.before or 1)
            return _l(
                "%(subject)s is %(after)s, against %(before)s in %(compared)s: %(ratio)s times as much. If the unit is wrong (元 read as 万元, or 万元 as 元), correct it and upload again.",
                subject=self.subject_name,
                after=after,
                before=before,
                compared=_compared_name(self.compared),
                ratio=f"{ratio:.4g}",
            )
        if self.kind == "small":
            return _l(
                "%(subject)s is only %(after)s, implausibly small for a government table: is the table in 万元 but read as 元?",
                subject=self.subject_name,
                after=after,
            )
        if self.kind == "per-resident":
            return _l(
                "%(subject)s is %(after)s, %(per)s yuan per resident of the city: implausibly large. Is the table in 元 but read as 万元?",
                subject=self.subject_name,
                after=after,
                per=self.compared,
            )
        return _l(
            "%(subject)s is %(after)s, more than twice the city's whole general public budget expenditure (%(before)s): is the table in 元 but read as 万元?",
            subject=self.subject_name,
            after=after,
            before=format_money(_wan(self.before or 0)),
        )


def _figures(
    session: Session, version: DatasetVersion, mapper: AreaMapper, amount: str
) -> tuple[int | None, dict[str, int]]:
    figures = table_figures(sum_by_code(session, version.id), mapper, file_totals(version))
    total = figures.total.amounts[amount] if amount in figures.total.present else None
    areas = {
        area: sums.amounts[amount]
        for area, sums in figures.areas.items()
        if area and amount in sums.present
    }
    return total, areas


def _label(version: DatasetVersion) -> str:
    """The compared version, language-neutral (it is part of the flag's key)."""
    dataset = version.dataset
    return f"{dataset.year}:{dataset.stage.value}:{version.number}"


def _compared_name(label: str) -> LazyString | str:
    year, stage, number = [*label.split(":"), "", "", ""][:3]
    if not number:
        return label
    return _l(
        "%(year)s %(stage)s (version %(number)s)",
        year=year,
        stage=stage_name(Stage(stage)),
        number=number,
    )


def _compared_versions(session: Session, version: DatasetVersion) -> list[DatasetVersion]:
    dataset = version.dataset
    found = []
    live = dataset.published_version
    if live is not None and live.id != version.id:
        found.append(live)
    for stage in (dataset.stage, Stage.FINAL, Stage.ADJUSTED, Stage.BUDGET):
        last_year = published_version(
            session, DatasetKind.SPENDING, dataset.year - 1, stage, dataset.level
        )
        if last_year is not None:
            found.append(last_year)
            break
    return found


def _out_of_range(after: int, before: int) -> bool:
    if after <= 0 or before <= 0:
        return False
    return after > before * FACTOR or after * FACTOR < before


def sanity_flags(session: Session, version: DatasetVersion | int) -> list[SanityFlag]:
    """What about a spending version's figures needs a confirmation before it is published."""
    if isinstance(version, int):
        found = session.get(DatasetVersion, version)
        assert found is not None
        version = found
    dataset = version.dataset
    if dataset.kind != DatasetKind.SPENDING or dataset.stage not in STAGE_COLUMN:
        return []
    amount = STAGE_COLUMN[dataset.stage]
    mapper = load_mapper(session)
    total, areas = _figures(session, version, mapper, amount)
    flags: list[SanityFlag] = []
    for other in _compared_versions(session, version):
        other_amount = STAGE_COLUMN.get(other.dataset.stage, amount)
        other_total, other_areas = _figures(session, other, mapper, other_amount)
        label = _label(other)
        if total is not None and other_total is not None and _out_of_range(total, other_total):
            flags.append(SanityFlag("changed", "total", total, other_total, label))
        for slug, value in sorted(areas.items()):
            before = other_areas.get(slug)
            if before is not None and _out_of_range(value, before):
                flags.append(SanityFlag("changed", slug, value, before, label))
    if total is not None:
        flags.extend(_plausibility(session, dataset.year, total, amount))
    return flags


def _plausibility(session: Session, year: int, total: int, amount: str) -> list[SanityFlag]:
    if 0 < total < MIN_TOTAL_FEN:
        return [SanityFlag("small", "total", total)]
    city = published_version(session, DatasetKind.CITY)
    if city is None:
        return []
    rows = list(session.scalars(select(CityYear).where(CityYear.version_id == city.id)))
    if not rows:
        return []
    nearest = min(rows, key=lambda r: abs(r.year - year))
    flags = []
    if nearest.population_10k:
        per_resident = _wan(total) / nearest.population_10k  # 万元 per 万人 = yuan per resident
        if per_resident > MAX_YUAN_PER_RESIDENT:
            flags.append(SanityFlag("per-resident", "total", total, None, f"{per_resident:,.0f}"))
    general = (
        nearest.general_budget_expenditure_final
        if amount == "executed"
        else nearest.general_budget_expenditure_budget
    ) or nearest.general_budget_expenditure_budget
    if general and _wan(total) > general * MAX_SHARE_OF_CITY:
        flags.append(
            SanityFlag("city-total", "total", total, int(general * 1_000_000), str(nearest.year))
        )
    return flags
