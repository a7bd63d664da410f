"""Reading the published budget lines for the API: the lines of every published spending version
(each year, stage and level), filtered and paged in a stable order: year, stage, level, then the
table's own order (a published line is never changed, so its id keeps its place).

The area of a line is the current mapping's (longest prefix wins), worked out in SQL so a filter by
area pages like any other: a line is in area A when a prefix of A matches its code and no longer
prefix of another area does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_, select
from sqlalchemy.orm import Session

from portal.datasets.models import STAGE_ORDER, Dataset, DatasetKind, DatasetVersion
from portal.pagination import Page
from portal.spending.models import AreaMapping, BudgetLine, FileCodeName


@dataclass(frozen=True)
class PublishedSpending:
    """A published spending version: whose lines the list holds."""

    version_id: int
    year: int
    stage: str
    level: str


@dataclass(frozen=True)
class LineFilters:
    year: int | None = None
    stage: str | None = None
    level: str | None = None
    area: str | None = None
    code: str | None = None


def published_spending(session: Session) -> list[PublishedSpending]:
    """Every published spending version, in the list's order (year, stage, level)."""
    rows = session.execute(
        select(Dataset.year, Dataset.stage, Dataset.level, DatasetVersion.id)
        .join(DatasetVersion, Dataset.published_version_id == DatasetVersion.id)
        .where(Dataset.kind == DatasetKind.SPENDING)
    ).all()
    found = [PublishedSpending(vid, year, stage.value, level) for year, stage, level, vid in rows]
    return sorted(found, key=lambda p: (p.year, STAGE_ORDER.get(p.stage, 0), p.level))  # type: ignore[call-overload]


def area_condition(area: str, rules: Iterable[AreaMapping]) -> ColumnElement[bool]:
    """Codes whose longest matching mapping prefix belongs to *area*."""
    rules = list(rules)
    alternatives = []
    for rule in rules:
        if rule.area != area:
            continue
        overriding = [
            BudgetLine.code.startswith(other.prefix)
            for other in rules
            if other.area != area
            and len(other.prefix) > len(rule.prefix)
            and other.prefix.startswith(rule.prefix)
        ]
        alternatives.append(
            and_(BudgetLine.code.startswith(rule.prefix), not_(or_(false(), *overriding)))
        )
    return or_(false(), *alternatives)


def lines_page(
    session: Session,
    versions: Sequence[PublishedSpending],
    filters: LineFilters,
    rules: Iterable[AreaMapping],
    page: int,
    per_page: int,
) -> Page[BudgetLine]:
    """Page *page* of the lines meeting *filters*, counted per version (one grouped count on the
    version index), then read version by version in id order for the versions the page spans:
    a page costs about the same at the start of a million lines as at their end, with no sort
    of them all."""
    chosen = [
        v
        for v in versions
        if (filters.year is None or v.year == filters.year)
        and (filters.stage is None or v.stage == filters.stage)
        and (filters.level is None or v.level == filters.level)
    ]
    conditions: list[ColumnElement[bool]] = []
    if filters.code:
        conditions.append(BudgetLine.code.startswith(filters.code))
    if filters.area:
        conditions.append(area_condition(filters.area, rules))
    counts: dict[int, int] = {}
    if chosen:
        counted = (
            select(BudgetLine.version_id, func.count())
            .where(BudgetLine.version_id.in_([v.version_id for v in chosen]), *conditions)
            .group_by(BudgetLine.version_id)
        )
        counts = {version_id: count for version_id, count in session.execute(counted)}
    total = sum(counts.values())
    start, wanted = (max(page, 1) - 1) * per_page, per_page
    items: list[BudgetLine] = []
    for version in chosen:
        count = counts.get(version.version_id, 0)
        if start >= count:
            start -= count
            continue
        items += session.scalars(
            select(BudgetLine)
            .where(BudgetLine.version_id == version.version_id, *conditions)
            .order_by(BudgetLine.id)
            .limit(wanted)
            .offset(start)
        )
        wanted, start = per_page - len(items), 0
        if wanted <= 0:
            break
    return Page(items, total, page, per_page)


def any_line_with_code(
    session: Session, versions: Sequence[PublishedSpending], prefix: str
) -> bool:
    """Whether a published line has a code starting with *prefix*."""
    ids = [v.version_id for v in versions]
    if not ids:
        return False
    return bool(
        session.scalar(
            select(
                exists().where(BudgetLine.version_id.in_(ids), BudgetLine.code.startswith(prefix))
            )
        )
    )


def file_names(session: Session, lines: Sequence[BudgetLine]) -> dict[tuple[int, str], str]:
    """The names the files give the codes of *lines*: ``{(version id, code): name}``."""
    if not lines:
        return {}
    rows = session.scalars(
        select(FileCodeName).where(
            FileCodeName.version_id.in_({line.version_id for line in lines}),
            FileCodeName.code.in_({line.code for line in lines}),
        )
    )
    return {(row.version_id, row.code): row.name for row in rows}
