"""What publishing a version would change, against the version published now.

For spending, the database compares the two versions' lines (one ``GROUP BY`` over code,
department and project) and pages the lines added, removed and changed; the totals per area are
computed for both versions the way publishing computes them (leaf lines only, longest mapping
prefix), with the mapping published now. Nothing here writes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import Select, case, func, literal, or_, select
from sqlalchemy.orm import Session

from portal.datasets.models import DatasetKind, DatasetVersion
from portal.spending.aggregation import (
    AMOUNTS,
    AreaMapper,
    file_totals,
    sum_by_code,
    table_figures,
)
from portal.spending.areas import AREAS
from portal.spending.models import BudgetLine, Indicator, LivelihoodProject
from portal.spending.queries import TABLE_TOTAL, Figures

T = TypeVar("T")
CHANGE_KINDS = ("added", "removed", "changed")
PAGE_SIZE = 50
CACHE_SIZE = 64


class PreviewCache:
    """Results that depend only on versions' contents, which never change once written: kept in
    the process so that paging a large preview does not compare every line again. Keys carry the
    SHA-256 of each version's file, so a key can never meet other contents."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                value: T = self._items[key]
                return value
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def preview_cache() -> PreviewCache:
    cache: PreviewCache = current_app.extensions.setdefault("portal.staff.preview", PreviewCache())
    return cache


def version_key(version: DatasetVersion | None) -> tuple[Any, ...]:
    return (None,) if version is None else (version.id, version.sha256, version.row_count)


def compared_version(session: Session, version: DatasetVersion) -> DatasetVersion | None:
    """The version *version* would replace: the one published now (``None`` if there is none,
    or if *version* is it)."""
    live_id = version.dataset.published_version_id
    if live_id is None or live_id == version.id:
        return None
    return session.get(DatasetVersion, live_id)


# -- spending lines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineChange:
    code: str
    department: str
    project: str
    before: Figures | None  # None: the line is new
    after: Figures | None  # None: the line is gone


def _line_comparison(new_id: int, old_id: int | None) -> Any:
    lines = BudgetLine.__table__
    in_new = lines.c.version_id == new_id
    in_old = lines.c.version_id == (old_id if old_id is not None else -1)

    def side(condition: Any, name: str, label: str) -> Any:
        return func.sum(case((condition, lines.c[name]))).label(label)

    return (
        select(
            lines.c.code,
            lines.c.department,
            lines.c.project,
            *[side(in_new, name, f"new_{name}") for name in AMOUNTS],
            *[side(in_old, name, f"old_{name}") for name in AMOUNTS],
            func.sum(case((in_new, 1), else_=0)).label("in_new"),
            func.sum(case((in_old, 1), else_=0)).label("in_old"),
        )
        .where(lines.c.version_id.in_([new_id, old_id if old_id is not None else -1]))
        .group_by(lines.c.code, lines.c.department, lines.c.project)
        .subquery("compared")
    )


def _change_kind(compared: Any) -> Any:
    differs = or_(
        *[compared.c[f"new_{name}"].is_distinct_from(compared.c[f"old_{name}"]) for name in AMOUNTS]
    )
    return case(
        (compared.c.in_old == 0, literal("added")),
        (compared.c.in_new == 0, literal("removed")),
        (differs, literal("changed")),
        else_=literal("unchanged"),
    )


def line_change_counts(session: Session, new_id: int, old_id: int | None) -> dict[str, int]:
    compared = _line_comparison(new_id, old_id)
    kind = _change_kind(compared).label("kind")
    counts = dict.fromkeys((*CHANGE_KINDS, "unchanged"), 0)
    for name, count in session.execute(select(kind, func.count()).group_by(kind)):
        counts[name] = int(count)
    return counts


def line_changes(
    session: Session, new_id: int, old_id: int | None, kind: str, page: int = 1
) -> list[LineChange]:
    """One page of the lines *kind* ("added", "removed" or "changed"), in code order."""
    compared = _line_comparison(new_id, old_id)
    stmt: Select[Any] = (
        select(compared)
        .where(_change_kind(compared) == kind)
        .order_by(compared.c.code, compared.c.department, compared.c.project)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    changes = []
    for row in session.execute(stmt).mappings():
        before = Figures(*(row[f"old_{n}"] for n in AMOUNTS)) if row["in_old"] else None
        after = Figures(*(row[f"new_{n}"] for n in AMOUNTS)) if row["in_new"] else None
        changes.append(LineChange(row["code"], row["department"], row["project"], before, after))
    return changes


# -- totals per area -----------------------------------------------------------------------------


def area_figures(session: Session, version_id: int, mapper: AreaMapper) -> dict[str, Figures]:
    """Per area ("" for lines no area claims, ``*`` for the table's total): the version's
    figures as publishing computes them."""
    version = session.get(DatasetVersion, version_id)
    assert version is not None
    figures = table_figures(sum_by_code(session, version_id), mapper, file_totals(version))
    sums = {**figures.areas, TABLE_TOTAL: figures.total}
    return {
        area: Figures(s.value("budget"), s.value("adjusted"), s.value("executed"))
        for area, s in sums.items()
    }


@dataclass(frozen=True)
class AreaComparison:
    slug: str  # "" for not livelihood, "total" for the seven together
    before: Decimal | None
    after: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.before is None and self.after is None:
            return None
        return (self.after or Decimal(0)) - (self.before or Decimal(0))


def compare_areas(
    before: dict[str, Figures], after: dict[str, Figures], amount: str
) -> list[AreaComparison]:
    """The seven areas, their total, and what is not livelihood, for one amount column."""

    def pick(figures: dict[str, Figures], slug: str) -> Decimal | None:
        value: Decimal | None = getattr(figures.get(slug, Figures()), amount)
        return value

    def total(figures: dict[str, Figures]) -> Decimal | None:
        values = [pick(figures, a.slug) for a in AREAS]
        present = [v for v in values if v is not None]
        return sum(present, Decimal(0)) if present else None

    rows = [AreaComparison(a.slug, pick(before, a.slug), pick(after, a.slug)) for a in AREAS]
    rows.append(AreaComparison("total", total(before), total(after)))
    rows.append(AreaComparison("", pick(before, ""), pick(after, "")))
    rows.append(AreaComparison(TABLE_TOTAL, pick(before, TABLE_TOTAL), pick(after, TABLE_TOTAL)))
    return rows


# -- indicators and practical projects -----------------------------------------------------------

RECORD_MODELS: dict[DatasetKind, type[Indicator] | type[LivelihoodProject]] = {
    DatasetKind.INDICATORS: Indicator,
    DatasetKind.PROJECTS: LivelihoodProject,
}
RECORD_FIELDS = {
    DatasetKind.INDICATORS: (
        "area",
        "name_zh",
        "name_en",
        "unit_zh",
        "unit_en",
        "target",
        "actual",
        "higher_is_better",
    ),
    DatasetKind.PROJECTS: (
        "area",
        "title_zh",
        "title_en",
        "description_zh",
        "description_en",
        "budget",
        "progress",
        "status",
    ),
}


@dataclass(frozen=True)
class RecordChange:
    key: str
    kind: str  # added | removed | changed
    fields: list[tuple[str, Any, Any]]  # (field, before, after) — every field, or the changed ones


def record_changes(
    session: Session, kind: DatasetKind, new_id: int, old_id: int | None
) -> list[RecordChange]:
    """Records added, removed and changed, by key (these tables are small)."""
    model = RECORD_MODELS[kind]
    names = RECORD_FIELDS[kind]

    def load(version_id: int | None) -> dict[str, Any]:
        if version_id is None:
            return {}
        rows: list[Any] = list(session.scalars(select(model).where(model.version_id == version_id)))
        return {row.key: row for row in rows}

    new, old = load(new_id), load(old_id)
    changes = []
    for key in sorted(new.keys() | old.keys()):
        if key not in old:
            fields = [(n, None, getattr(new[key], n)) for n in names]
            changes.append(RecordChange(key, "added", fields))
        elif key not in new:
            fields = [(n, getattr(old[key], n), None) for n in names]
            changes.append(RecordChange(key, "removed", fields))
        else:
            fields = [
                (n, getattr(old[key], n), getattr(new[key], n))
                for n in names
                if getattr(old[key], n) != getattr(new[key], n)
            ]
            if fields:
                changes.append(RecordChange(key, "changed", fields))
    return changes
