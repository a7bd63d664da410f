"""The published state, read once per data version and shared by every page and API response.

:func:`published_snapshot` costs one small query per request (the data version) and, when the
version has changed, a handful of queries over the aggregate tables. Nothing here reads budget
lines, so a page costs the same with a thousand lines or a million.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.datasets.models import (
    CITYWIDE,
    MUNICIPAL,
    STAGE_ORDER,
    Dataset,
    DatasetKind,
    DatasetVersion,
    Stage,
)
from portal.datasets.services import current_data_version
from portal.spending.areas import AREA_SLUGS
from portal.spending.models import (
    AreaMapping,
    AreaTotal,
    CityProfile,
    CityYear,
    CodeName,
    CodeTotal,
    FileCodeName,
    Indicator,
    LivelihoodProject,
    NationalFigure,
)


@dataclass(frozen=True)
class Provenance:
    """Where a figure comes from: the dataset version that holds it."""

    version_id: int
    kind: str
    year: int
    stage: str
    number: int
    title: str
    title_en: str | None
    source: str
    source_en: str | None
    source_url: str | None
    sample: bool
    sha256: str
    published_at: datetime | None

    @classmethod
    def of(cls, version: DatasetVersion) -> Provenance:
        return cls(
            version_id=version.id,
            kind=version.dataset.kind.value,
            year=version.dataset.year,
            stage=version.dataset.stage.value,
            number=version.number,
            title=version.title,
            title_en=version.title_en,
            source=version.source,
            source_en=version.source_en,
            source_url=version.source_url,
            sample=version.sample,
            sha256=version.sha256,
            published_at=version.published_at,
        )


@dataclass(frozen=True)
class Figures:
    """Budget (预算数), adjusted budget (调整预算数) and final accounts (决算数), in 万元."""

    budget: Decimal | None = None
    adjusted: Decimal | None = None
    executed: Decimal | None = None

    @property
    def basis(self) -> str:
        """Which figure speaks for the year: final accounts once they exist, else the budget."""
        if self.executed is not None:
            return "executed"
        if self.adjusted is not None:
            return "adjusted"
        return "budget"

    @property
    def headline(self) -> Decimal | None:
        value: Decimal | None = getattr(self, self.basis)
        return value

    @property
    def execution_rate(self) -> Decimal | None:
        if self.executed is None or not self.budget:
            return None
        return self.executed / self.budget

    def __add__(self, other: Figures) -> Figures:
        def plus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
            if a is None and b is None:
                return None
            return (a or Decimal(0)) + (b or Decimal(0))

        return Figures(
            plus(self.budget, other.budget),
            plus(self.adjusted, other.adjusted),
            plus(self.executed, other.executed),
        )


@dataclass(frozen=True)
class CodeRow:
    code: str
    figures: Figures
    line_count: int

    @property
    def level(self) -> int:
        return {3: 1, 5: 2, 7: 3}.get(len(self.code), 3)


@dataclass
class YearSpending:
    year: int
    stage: Stage
    provenance: Provenance
    areas: dict[str, Figures]
    staff: dict[str, Figures]
    unmapped: Figures
    codes: dict[str, list[CodeRow]]
    line_count: int
    #: The table's own total (its totals row, else the sum of its top rows).
    table_total: Figures = field(default_factory=lambda: Figures())
    #: Whether the table covers every class: then its total is all general public budget spending.
    complete: bool = False
    #: Names the file gives its codes (shown where the classification has none).
    file_names: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> Figures:
        result = Figures()
        for slug in AREA_SLUGS:
            result = result + self.areas.get(slug, Figures())
        return result

    @property
    def staff_total(self) -> Figures:
        result = Figures()
        for figures in self.staff.values():
            result = result + figures
        return result


@dataclass(frozen=True)
class CityFigures:
    year: int
    population_10k: Decimal
    general_budget: Decimal | None
    general_final: Decimal | None


@dataclass(frozen=True)
class CityNames:
    """The names of the city and of its finance bureau, in both languages (English may be empty)."""

    city_name_zh: str
    city_name_en: str
    bureau_name_zh: str
    bureau_name_en: str

    @classmethod
    def of(cls, row: CityProfile) -> CityNames:
        return cls(row.city_name_zh, row.city_name_en, row.bureau_name_zh, row.bureau_name_en)


@dataclass(frozen=True)
class NationalRow:
    year: int
    function: str
    name_zh: str
    name_en: str
    amount: Decimal  # 亿元
    source_title_zh: str
    source_title_en: str
    source_url: str


@dataclass
class Snapshot:
    data_version: int
    spending: dict[int, YearSpending] = field(default_factory=dict)
    city: dict[int, CityFigures] = field(default_factory=dict)
    #: The published city and bureau names; ``None`` while no city facts name them.
    city_profile: CityNames | None = None
    national: dict[tuple[int, str], NationalRow] = field(default_factory=dict)
    indicators: dict[int, list[Indicator]] = field(default_factory=dict)
    projects: dict[int, list[LivelihoodProject]] = field(default_factory=dict)
    code_names: dict[tuple[str, int], CodeName] = field(default_factory=dict)
    mapping: list[AreaMapping] = field(default_factory=list)
    provenance: dict[tuple[str, int], Provenance] = field(default_factory=dict)
    #: Whose spending the pages show (one level; levels are never added together).
    level: str = ""

    @property
    def years(self) -> list[int]:
        return sorted(self.spending)

    @property
    def default_year(self) -> int | None:
        """The latest year with final accounts, else the latest year with anything."""
        finals = [y for y, s in self.spending.items() if s.stage == Stage.FINAL]
        if finals:
            return max(finals)
        return max(self.spending) if self.spending else None

    @property
    def data_as_of(self) -> datetime | None:
        dates = [p.published_at for p in self.provenance.values() if p.published_at]
        return max(dates) if dates else None

    @property
    def has_sample(self) -> bool:
        return any(p.sample for p in self.provenance.values())

    def code_name(self, code: str, year: int) -> CodeName | None:
        name = self.code_names.get((code, year))
        if name is None:  # names are per year; fall back to the nearest year that has one
            candidates = [
                (abs(y - year), -y, n) for (c, y), n in self.code_names.items() if c == code
            ]
            name = min(candidates, key=lambda t: t[:2])[2] if candidates else None
        return name


#: ``AreaTotal.area`` of a version's own total (see :mod:`portal.spending.aggregation`).
TABLE_TOTAL = "*"
#: A table covering at least this many classes is a whole general public budget.
COMPLETE_CLASSES = 15
#: Which level the pages show when several are published: the broadest.
LEVEL_ORDER = (CITYWIDE, MUNICIPAL)


def headline_level(levels: list[str]) -> str:
    """The level the public pages show: the whole city if published, else the city level, else
    the level with the most published years (the pages say which it is)."""
    for level in LEVEL_ORDER:
        if level in levels:
            return level
    if not levels:
        return ""
    counts = {level: levels.count(level) for level in levels}
    return min(counts, key=lambda level: (-counts[level], level))


def _figures(row: AreaTotal | CodeTotal) -> Figures:
    return Figures(row.budget, row.adjusted, row.executed)


def build_snapshot(session: Session, data_version: int) -> Snapshot:
    snapshot = Snapshot(data_version=data_version)
    live = session.execute(
        select(Dataset, DatasetVersion).join(
            DatasetVersion, Dataset.published_version_id == DatasetVersion.id
        )
    ).all()
    spending_by_year: dict[int, tuple[Dataset, DatasetVersion]] = {}
    versions: dict[tuple[str, int], DatasetVersion] = {}
    snapshot.level = headline_level([d.level for d, _v in live if d.kind == DatasetKind.SPENDING])
    for dataset, version in live:
        if dataset.kind == DatasetKind.SPENDING:
            if dataset.level != snapshot.level:
                continue
            best = spending_by_year.get(dataset.year)
            if best is None or STAGE_ORDER[dataset.stage] > STAGE_ORDER[best[0].stage]:
                spending_by_year[dataset.year] = (dataset, version)
        else:
            versions[(dataset.kind.value, dataset.year)] = version

    spending_ids = {
        version.id: (dataset, version) for dataset, version in spending_by_year.values()
    }
    area_rows: dict[int, list[AreaTotal]] = defaultdict(list)
    for row in session.scalars(select(AreaTotal).where(AreaTotal.version_id.in_(spending_ids))):
        area_rows[row.version_id].append(row)
    code_rows: dict[int, list[CodeTotal]] = defaultdict(list)
    for code_row in session.scalars(
        select(CodeTotal).where(CodeTotal.version_id.in_(spending_ids)).order_by(CodeTotal.code)
    ):
        code_rows[code_row.version_id].append(code_row)
    names: dict[int, dict[str, str]] = defaultdict(dict)
    for file_name in session.scalars(
        select(FileCodeName).where(FileCodeName.version_id.in_(spending_ids))
    ):
        names[file_name.version_id][file_name.code] = file_name.name
    for version_id, (dataset, version) in spending_ids.items():
        rows = area_rows[version_id]
        codes: dict[str, list[CodeRow]] = defaultdict(list)
        for c in code_rows[version_id]:
            codes[c.area].append(CodeRow(c.code, _figures(c), c.line_count))
        classes = {c.code for c in code_rows[version_id] if len(c.code) == 3}
        table_total = next((_figures(r) for r in rows if r.area == TABLE_TOTAL), None)
        provenance = Provenance.of(version)
        snapshot.provenance[("spending", dataset.year)] = provenance
        snapshot.spending[dataset.year] = YearSpending(
            year=dataset.year,
            stage=dataset.stage,
            provenance=provenance,
            areas={r.area: _figures(r) for r in rows if r.area and r.area != TABLE_TOTAL},
            staff={
                r.area: Figures(r.staff_budget, r.staff_adjusted, r.staff_executed)
                for r in rows
                if r.area
                and r.area != TABLE_TOTAL
                and (r.staff_budget is not None or r.staff_executed is not None)
            },
            unmapped=next((_figures(r) for r in rows if not r.area), Figures()),
            codes=dict(codes),
            line_count=sum(r.line_count for r in rows if r.area != TABLE_TOTAL),
            table_total=table_total or Figures(),
            complete=table_total is not None and len(classes) >= COMPLETE_CLASSES,
            file_names=names[version_id],
        )

    for (kind, year), version in versions.items():
        snapshot.provenance[(kind, year)] = Provenance.of(version)
    ids = {kind_year: v.id for kind_year, v in versions.items()}

    if ("city", 0) in ids:
        for city in session.scalars(
            select(CityYear).where(CityYear.version_id == ids[("city", 0)])
        ):
            snapshot.city[city.year] = CityFigures(
                city.year,
                city.population_10k,
                city.general_budget_expenditure_budget,
                city.general_budget_expenditure_final,
            )
        profile = session.get(CityProfile, ids[("city", 0)])
        snapshot.city_profile = CityNames.of(profile) if profile else None
    if ("national", 0) in ids:
        for n in session.scalars(
            select(NationalFigure).where(NationalFigure.version_id == ids[("national", 0)])
        ):
            snapshot.national[(n.year, n.function)] = NationalRow(
                n.year,
                n.function,
                n.name_zh,
                n.name_en,
                n.amount,
                n.source_title_zh,
                n.source_title_en,
                n.source_url,
            )
    if ("classification", 0) in ids:
        for name in session.scalars(
            select(CodeName).where(CodeName.version_id == ids[("classification", 0)])
        ):
            snapshot.code_names[(name.code, name.year)] = name
    if ("mapping", 0) in ids:
        snapshot.mapping = list(
            session.scalars(
                select(AreaMapping)
                .where(AreaMapping.version_id == ids[("mapping", 0)])
                .order_by(AreaMapping.prefix)
            )
        )
    indicator_ids = [v.id for (kind, _), v in versions.items() if kind == "indicators"]
    for indicator in session.scalars(
        select(Indicator).where(Indicator.version_id.in_(indicator_ids)).order_by(Indicator.id)
    ):
        snapshot.indicators.setdefault(indicator.year, []).append(indicator)
    project_ids = [v.id for (kind, _), v in versions.items() if kind == "projects"]
    for project in session.scalars(
        select(LivelihoodProject)
        .where(LivelihoodProject.version_id.in_(project_ids))
        .order_by(LivelihoodProject.id)
    ):
        snapshot.projects.setdefault(project.year, []).append(project)
    # The snapshot outlives the request: detach what it keeps so a rollback cannot expire it.
    for obj in [
        *snapshot.code_names.values(),
        *snapshot.mapping,
        *(i for rows in snapshot.indicators.values() for i in rows),
        *(p for rows in snapshot.projects.values() for p in rows),
    ]:
        session.expunge(obj)
    return snapshot


_lock = threading.Lock()


def published_snapshot(session: Session, data_version: int | None = None) -> Snapshot:
    """The snapshot of the current data version, rebuilt only when the version has moved."""
    if data_version is None:
        data_version = current_data_version(session)
    cache: dict[str, Snapshot] = current_app.extensions.setdefault("portal.snapshot", {})
    snapshot = cache.get("current")
    if snapshot is not None and snapshot.data_version == data_version:
        return snapshot
    with _lock:
        snapshot = cache.get("current")
        if snapshot is None or snapshot.data_version != data_version:
            snapshot = build_snapshot(session, data_version)
            cache["current"] = snapshot
    return snapshot
