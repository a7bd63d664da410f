"""Totals computed when spending is published, so no public page ever reads the raw lines.

Only *leaf* lines count: a file may carry 类 and 款 subtotal rows beside the 项 rows under them, and
a line whose code has more detailed lines below it in the same version is a subtotal. Each leaf goes
to the area of the longest mapping prefix that matches its code, and is added to the totals of its
类, 款 and 项 within that area. The database does the heavy sum (one ``GROUP BY code``), so the work
grows with the number of distinct codes, not with the number of lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import BigInteger, delete, func, select
from sqlalchemy.orm import Session

from portal.datasets.models import Dataset, DatasetKind, DatasetVersion
from portal.datasets.services import on_publish, published_version
from portal.db import from_scaled
from portal.spending.models import AreaMapping, AreaTotal, BudgetLine, CodeTotal

CODE_LEVELS = (3, 5, 7)  # 类, 款, 项
AMOUNTS = ("budget", "adjusted", "executed")


@dataclass(frozen=True)
class MappingRule:
    prefix: str
    area: str | None
    staff_related: bool


class AreaMapper:
    """Longest-prefix lookup of the area (and staff-related flag) of a classification code."""

    def __init__(self, rules: Iterable[MappingRule]) -> None:
        self._rules = {rule.prefix: rule for rule in rules}
        self._lengths = sorted({len(prefix) for prefix in self._rules}, reverse=True)

    def rule_for(self, code: str) -> MappingRule | None:
        for length in self._lengths:
            rule = self._rules.get(code[:length]) if length <= len(code) else None
            if rule is not None:
                return rule
        return None

    def area_of(self, code: str) -> str | None:
        rule = self.rule_for(code)
        return rule.area if rule else None

    def staff_related(self, code: str) -> bool:
        """Staff-related if the longest prefix marked either way says so, e.g. 21011 under 210."""
        rule = self.rule_for(code)
        return bool(rule and rule.staff_related)


def load_mapper(session: Session) -> AreaMapper:
    version = published_version(session, DatasetKind.MAPPING)
    if version is None:
        return AreaMapper([])
    rows = session.scalars(select(AreaMapping).where(AreaMapping.version_id == version.id))
    return AreaMapper(MappingRule(r.prefix, r.area, r.staff_related) for r in rows)


def leaf_codes(codes: Iterable[str]) -> set[str]:
    """The codes with no longer code below them in the same set."""
    code_set = set(codes)
    parents = {code[:length] for code in code_set for length in CODE_LEVELS if length < len(code)}
    return code_set - parents


@dataclass
class Sums:
    amounts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AMOUNTS, 0))
    present: set[str] = field(default_factory=set)  # amount columns with at least one value
    lines: int = 0

    def add(self, amounts: dict[str, int | None], lines: int) -> None:
        for name in AMOUNTS:
            value = amounts[name]
            if value is not None:
                self.amounts[name] += value
                self.present.add(name)
        self.lines += lines

    def value(self, name: str) -> Decimal | None:
        return from_scaled(self.amounts[name], 4) if name in self.present else None


def sum_by_code(session: Session, version_id: int) -> dict[str, tuple[dict[str, int | None], int]]:
    """Integer-yuan sums per code of one version, summed by the database."""
    columns = [getattr(BudgetLine, name) for name in AMOUNTS]
    stmt = (
        select(
            BudgetLine.code,
            *[func.sum(func.coalesce(c, 0), type_=BigInteger) for c in columns],
            *[func.count(c) for c in columns],
            func.count(),
        )
        .where(BudgetLine.version_id == version_id)
        .group_by(BudgetLine.code)
    )
    # Money columns store whole yuan; the sums come back as raw integers (not through the type).
    result: dict[str, tuple[dict[str, int | None], int]] = {}
    for row in session.execute(stmt):
        code, sums, counts, total = row[0], row[1:4], row[4:7], row[7]
        amounts = {
            name: (int(s) if n else None) for name, s, n in zip(AMOUNTS, sums, counts, strict=True)
        }
        result[code] = (amounts, int(total))
    return result


def compute_spending_aggregates(session: Session, version: DatasetVersion) -> None:
    """(Re)compute the area and code totals of one spending version with the published mapping."""
    mapper = load_mapper(session)
    by_code = sum_by_code(session, version.id)
    leaves = leaf_codes(by_code)
    area_sums: dict[str, Sums] = defaultdict(Sums)
    staff_sums: dict[str, Sums] = defaultdict(Sums)
    code_sums: dict[tuple[str, str], Sums] = defaultdict(Sums)
    for code in leaves:
        amounts, lines = by_code[code]
        area = mapper.area_of(code) or ""
        area_sums[area].add(amounts, lines)
        if mapper.staff_related(code):
            staff_sums[area].add(amounts, lines)
        for length in CODE_LEVELS:
            if length <= len(code):
                code_sums[(area, code[:length])].add(amounts, lines)

    session.execute(delete(AreaTotal).where(AreaTotal.version_id == version.id))
    session.execute(delete(CodeTotal).where(CodeTotal.version_id == version.id))
    session.add_all(
        AreaTotal(
            version_id=version.id,
            area=area,
            budget=sums.value("budget"),
            adjusted=sums.value("adjusted"),
            executed=sums.value("executed"),
            staff_budget=staff_sums[area].value("budget") if area in staff_sums else None,
            staff_adjusted=staff_sums[area].value("adjusted") if area in staff_sums else None,
            staff_executed=staff_sums[area].value("executed") if area in staff_sums else None,
            line_count=sums.lines,
        )
        for area, sums in area_sums.items()
    )
    session.add_all(
        CodeTotal(
            version_id=version.id,
            area=area,
            code=code,
            budget=sums.value("budget"),
            adjusted=sums.value("adjusted"),
            executed=sums.value("executed"),
            line_count=sums.lines,
        )
        for (area, code), sums in code_sums.items()
    )
    session.flush()


@on_publish(DatasetKind.SPENDING)
def _aggregate_on_publish(session: Session, version: DatasetVersion) -> None:
    compute_spending_aggregates(session, version)


@on_publish(DatasetKind.MAPPING)
def _reaggregate_on_mapping_change(session: Session, version: DatasetVersion) -> None:
    """A new mapping re-files every published spending version under it."""
    version.dataset.published_version_id = version.id
    session.flush()
    live = session.scalars(
        select(DatasetVersion)
        .join(Dataset, Dataset.published_version_id == DatasetVersion.id)
        .where(Dataset.kind == DatasetKind.SPENDING)
    )
    for spending_version in live:
        compute_spending_aggregates(session, spending_version)
